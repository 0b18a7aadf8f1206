//! Portal access (issue 15, items 3 and 4): a contact reaches the portal only after a manager's
//! invitation, chooses their own password, and loses every way in when access is revoked.

use rapport_core::access::Role;
use rapport_store::params;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Res, TestApp};

/// Mails queued to `to` so far.
async fn mails_to(app: &TestApp, to: &str) -> usize {
    let (org, to) = (app.org, to.to_string());
    app.app
        .store()
        .read(move |db| rapport_store::repo::accounts::mails_to(db, org, &to))
        .await
        .unwrap()
        .len()
}

async fn ask_for_link(app: &TestApp, email: &str) {
    app.call(
        Method::POST,
        "/api/v1/portal/link",
        None,
        Some(json!({"email": email})),
    )
    .await
    .ok(202);
}

async fn consume(app: &TestApp, token: &str) -> Res {
    app.call(
        Method::POST,
        "/api/v1/portal/link/consume",
        None,
        Some(json!({"token": token})),
    )
    .await
}

fn cookie_of(res: &Res) -> String {
    res.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn me(app: &TestApp, cookie: &str) -> Res {
    app.with_cookie(Method::GET, "/api/v1/me", cookie, None, None)
        .await
}

async fn password_login(app: &TestApp, email: &str, password: &str) -> Res {
    app.call(
        Method::POST,
        "/api/v1/portal/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

both!(
    a_contact_without_portal_access_gets_no_link,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app.contact(client, "priya@kaveri.example", None).await;
        let contact = app
            .get(&format!("/api/v1/contacts/{priya}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(contact["portal_enabled"], false, "off until invited");
        // The same answer as for anyone, and nothing is mailed.
        ask_for_link(&app, "priya@kaveri.example").await;
        assert_eq!(mails_to(&app, "priya@kaveri.example").await, 0);
        assert_eq!(app.count("one_time_links").await, 0);
    }
);

both!(
    an_invited_contact_chooses_their_own_password,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app.contact(client, "priya@kaveri.example", None).await;
        let manager = app
            .member_token("manager@acme.example", Role::Manager)
            .await;
        let token = app.invite(priya, &manager).await;
        let contact = app
            .get(&format!("/api/v1/contacts/{priya}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(contact["portal_enabled"], true);
        // A password too short is refused and the invitation stays usable.
        app.call(
            Method::POST,
            "/api/v1/portal/invite/accept",
            None,
            Some(json!({"token": token, "password": "short"})),
        )
        .await
        .problem(422);
        let res = app
            .call(
                Method::POST,
                "/api/v1/portal/invite/accept",
                None,
                Some(json!({"token": token, "password": "chosen by priya 7"})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let cookie = cookie_of(&res);
        assert_eq!(
            me(&app, &cookie).await.ok(200)["contact"]["id"],
            json!(priya)
        );
        // Once only.
        app.call(
            Method::POST,
            "/api/v1/portal/invite/accept",
            None,
            Some(json!({"token": token, "password": "someone else's 8"})),
        )
        .await
        .problem(409);
        password_login(&app, "priya@kaveri.example", "chosen by priya 7")
            .await
            .ok(200);
        // A member's token is not an invitation.
        app.call(
            Method::POST,
            "/api/v1/portal/invite/accept",
            None,
            Some(json!({"token": app.owner, "password": "chosen by priya 7"})),
        )
        .await
        .problem(404);
    }
);

both!(
    staff_cannot_set_or_learn_a_contact_password,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let before = app.count("contacts").await;
        let res = app
            .post(
                "/api/v1/contacts",
                &app.owner,
                json!({"client_id": client, "name": "Priya", "email": "priya@kaveri.example",
                       "portal_password": "staff chose this 1"}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["portal_password"], "{}", res.body);
        assert_eq!(app.count("contacts").await, before, "nothing was created");
        let priya = app.contact(client, "priya@kaveri.example", None).await;
        app.patch(
            &format!("/api/v1/contacts/{priya}"),
            &app.owner,
            json!({"portal_password": "staff chose this 1"}),
        )
        .await
        .problem(422);
        // Access is given by invitation, not by a flag staff set.
        let res = app
            .patch(
                &format!("/api/v1/contacts/{priya}"),
                &app.owner,
                json!({"portal_enabled": true}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["portal_enabled"]);
        password_login(&app, "priya@kaveri.example", "staff chose this 1")
            .await
            .problem(401);
        // The invitation mail carries a link, never a password, and the API never shows one.
        app.invite(priya, &app.owner).await;
        let shown = app
            .get(&format!("/api/v1/contacts/{priya}"), &app.owner)
            .await
            .ok(200);
        assert!(
            shown.get("portal_password").is_none() && shown.get("portal_password_hash").is_none(),
            "{shown}"
        );
    }
);

both!(
    agents_cannot_change_the_keys_to_the_portal,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app
            .contact(client, "priya@kaveri.example", Some("chosen by priya 7"))
            .await;
        let sam = app.contact(client, "sam@kaveri.example", None).await;
        let agent = app.member_token("agent@acme.example", Role::Agent).await;
        let path = format!("/api/v1/contacts/{priya}");
        // An agent edits contacts, but not where sign-in links go nor who has access.
        app.patch(&path, &agent, json!({"phone": "+91 22 5555"}))
            .await
            .ok(200);
        for patch in [
            json!({"email": "agent-controlled@example.com"}),
            json!({"portal_enabled": false}),
        ] {
            let before = app.snapshot().await;
            app.patch(&path, &agent, patch.clone()).await.problem(403);
            assert_eq!(app.snapshot().await, before, "{patch} changed something");
        }
        app.post(&format!("/api/v1/contacts/{sam}/invite"), &agent, json!({}))
            .await
            .problem(403);
        assert_eq!(mails_to(&app, "sam@kaveri.example").await, 0);
        let shown = app.get(&path, &app.owner).await.ok(200);
        assert_eq!(shown["email"], "priya@kaveri.example");
        assert_eq!(shown["portal_enabled"], true);
        // So the agent cannot get a link of theirs: the contact still signs in with her own.
        password_login(&app, "priya@kaveri.example", "chosen by priya 7")
            .await
            .ok(200);
        // A manager may.
        let manager = app
            .member_token("manager@acme.example", Role::Manager)
            .await;
        app.patch(
            &path,
            &manager,
            json!({"email": "priya@kaveri.example.org"}),
        )
        .await
        .ok(200);
    }
);

both!(
    revoking_access_ends_sessions_links_and_password,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app
            .contact(client, "priya@kaveri.example", Some("chosen by priya 7"))
            .await;
        let (cookie, _) = app
            .portal_session("priya@kaveri.example", "chosen by priya 7")
            .await;
        me(&app, &cookie).await.ok(200);
        ask_for_link(&app, "priya@kaveri.example").await;
        let outstanding = app
            .link_in_mail("priya@kaveri.example", "/portal/link?token=")
            .await;

        let manager = app
            .member_token("manager@acme.example", Role::Manager)
            .await;
        let revoked = app
            .patch(
                &format!("/api/v1/contacts/{priya}"),
                &manager,
                json!({"portal_enabled": false}),
            )
            .await
            .ok(200);
        assert_eq!(revoked["portal_enabled"], false);

        me(&app, &cookie).await.problem(401);
        consume(&app, &outstanding).await.problem(404);
        password_login(&app, "priya@kaveri.example", "chosen by priya 7")
            .await
            .problem(401);
        let mails = mails_to(&app, "priya@kaveri.example").await;
        ask_for_link(&app, "priya@kaveri.example").await;
        assert_eq!(
            mails_to(&app, "priya@kaveri.example").await,
            mails,
            "no new link"
        );

        // A new invitation gives access back, with a password she chooses again.
        app.give_portal_access(priya, "chosen again 8").await;
        password_login(&app, "priya@kaveri.example", "chosen by priya 7")
            .await
            .problem(401);
        password_login(&app, "priya@kaveri.example", "chosen again 8")
            .await
            .ok(200);
    }
);

// The state is checked where it is used, not only where it changes: a session or a link that
// outlives the access (written by an older server, restored from a backup) does not work.
both!(access_is_checked_on_every_use, |app: TestApp| async move {
    let client = app.client("Kaveri Foods").await;
    let priya = app
        .contact(client, "priya@kaveri.example", Some("chosen by priya 7"))
        .await;
    let (cookie, _) = app
        .portal_session("priya@kaveri.example", "chosen by priya 7")
        .await;
    ask_for_link(&app, "priya@kaveri.example").await;
    let link = app
        .link_in_mail("priya@kaveri.example", "/portal/link?token=")
        .await;
    let org = app.org;
    app.app
        .store()
        .write(move |db| {
            db.execute(
                "UPDATE contacts SET portal_enabled = FALSE WHERE org_id = $1 AND id = $2",
                params![org, priya],
            )
        })
        .await
        .unwrap();
    me(&app, &cookie).await.problem(401);
    consume(&app, &link).await.problem(404);
});

both!(
    a_new_address_cancels_links_sent_to_the_old_one,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app
            .contact(client, "priya@kaveri.example", Some("chosen by priya 7"))
            .await;
        ask_for_link(&app, "priya@kaveri.example").await;
        let link = app
            .link_in_mail("priya@kaveri.example", "/portal/link?token=")
            .await;
        app.patch(
            &format!("/api/v1/contacts/{priya}"),
            &app.owner,
            json!({"email": "priya@new.example"}),
        )
        .await
        .ok(200);
        consume(&app, &link).await.problem(404);
        ask_for_link(&app, "priya@new.example").await;
        let link = app
            .link_in_mail("priya@new.example", "/portal/link?token=")
            .await;
        let res = consume(&app, &link).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let who: Value = me(&app, &cookie_of(&res)).await.ok(200);
        assert_eq!(who["contact"]["email"], "priya@new.example");
    }
);

/// A member's session cookie and CSRF token.
async fn member_session(app: &TestApp, email: &str) -> (String, String) {
    let res = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let csrf = res.body["csrf_token"].as_str().unwrap().to_string();
    (cookie_of(&res), csrf)
}

both!(
    managers_invite_and_revoke_from_the_client_page,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app.contact(client, "priya@kaveri.example", None).await;
        app.member_token("manager@acme.example", Role::Manager)
            .await;
        app.member_token("agent@acme.example", Role::Agent).await;
        let page = |cookie: String| {
            let app = &app;
            async move {
                app.http
                    .get(format!("{}/app/clients/{client}", app.base))
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        // Like a browser's form post: the redirect is the answer.
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let post = |cookie: String, csrf: String, action: &'static str| {
            let (app, browser) = (&app, &browser);
            async move {
                browser
                    .post(format!("{}/app/contacts/{priya}/portal", app.base))
                    .header("cookie", cookie)
                    .form(&[("csrf", csrf.as_str()), ("action", action)])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        // An agent sees the state but no button, and the form refuses them.
        let (agent, agent_csrf) = member_session(&app, "agent@acme.example").await;
        let html = page(agent.clone()).await;
        assert!(
            html.contains("portal off") && !html.contains("Invite to the portal"),
            "{html}"
        );
        assert_eq!(post(agent, agent_csrf, "invite").await, 403);
        assert_eq!(mails_to(&app, "priya@kaveri.example").await, 0);

        let (manager, csrf) = member_session(&app, "manager@acme.example").await;
        let html = page(manager.clone()).await;
        assert!(html.contains("Invite to the portal"), "{html}");
        assert_eq!(post(manager.clone(), csrf.clone(), "invite").await, 303);
        assert_eq!(mails_to(&app, "priya@kaveri.example").await, 1);
        assert_eq!(
            app.get(&format!("/api/v1/contacts/{priya}"), &app.owner)
                .await
                .ok(200)["portal_enabled"],
            true
        );
        // Without the session's CSRF token nothing happens.
        assert_eq!(post(manager.clone(), "forged".into(), "revoke").await, 403);
        assert_eq!(post(manager, csrf, "revoke").await, 303);
        assert_eq!(
            app.get(&format!("/api/v1/contacts/{priya}"), &app.owner)
                .await
                .ok(200)["portal_enabled"],
            false
        );
    }
);
