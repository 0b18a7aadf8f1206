//! The account page over HTTP (issue 18, item 1): a member changes their password (the API's
//! rules, errors in the form's words), turns two-factor sign-in on and off, signs out
//! everywhere, sets their email signature (issue 21 item 6), and creates and revokes their own
//! API tokens — seeing only their own.

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};
use crate::ui::{get, post, sign_in};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn api_login(app: &TestApp, email: &str, password: &str) -> u16 {
    app.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
    .status
}

async fn audit_has(app: &TestApp, action: &str) -> bool {
    let list: Value = app
        .get(&format!("/api/v1/audit?action={action}"), &app.owner)
        .await
        .ok(200);
    !list["items"].as_array().unwrap().is_empty()
}

both!(
    a_member_changes_their_password_on_the_account_page,
    |app: TestApp| async move {
        app.member_token("ada@acme.example", Role::Agent).await;
        let session = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let other_device = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let queue = get(&app, "/app", &[&session]).await;
        assert!(
            queue.body.contains("href=\"/app/account\""),
            "the navigation links the account page: {}",
            queue.body
        );
        let page = get(&app, "/app/account", &[&session]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("<h1>Your account</h1>"));
        let csrf = page.csrf();

        // Without the form's token: refused, nothing changed.
        let res = post(
            &app,
            "/app/account/password",
            &[&session],
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
        assert_eq!(res.status, 403, "{}", res.body);

        // A wrong current password and a short new one: said in the labels' words.
        let res = post(
            &app,
            "/app/account/password",
            &[&session],
            &[
                ("csrf", &csrf),
                ("current_password", "not my password"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
        res.says(422, "Current password: the password is wrong");
        let res = post(
            &app,
            "/app/account/password",
            &[&session],
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
        res.says(422, "New password: must be at least 10 characters");
        assert_eq!(api_login(&app, "ada@acme.example", PASSWORD).await, 200);

        let res = post(
            &app,
            "/app/account/password",
            &[&session],
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(res.location, "/app/login?done=password");
        let login = get(&app, &res.location, &[]).await;
        assert!(
            login.body.contains("Your password was changed"),
            "{}",
            login.body
        );
        // Every session ended, on this device and the other.
        for s in [&session, &other_device] {
            let res = get(&app, "/app/account", &[s]).await;
            assert_eq!(res.status, 303, "{}", res.body);
        }
        assert_eq!(api_login(&app, "ada@acme.example", PASSWORD).await, 401);
        let fresh = sign_in(&app, "app", "ada@acme.example", NEW_PASSWORD).await;
        assert_eq!(get(&app, "/app/account", &[&fresh]).await.status, 200);
        assert!(audit_has(&app, "auth.password_change").await);
    }
);

both!(
    the_api_changes_a_password_with_the_same_rules,
    |app: TestApp| async move {
        let token = app.member_token("ada@acme.example", Role::Agent).await;
        let res = app
            .post(
                "/api/v1/me/password",
                &token,
                json!({"current_password": "wrong", "new_password": NEW_PASSWORD}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["current_password"]);
        let res = app
            .post(
                "/api/v1/me/password",
                &token,
                json!({"current_password": PASSWORD, "new_password": "short"}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["new_password"]);
        app.post(
            "/api/v1/me/password",
            &token,
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await
        .ok_res(204);
        assert_eq!(api_login(&app, "ada@acme.example", NEW_PASSWORD).await, 200);
        // The token was not a session: it still works.
        app.get("/api/v1/me", &token).await.ok(200);
    }
);

both!(
    guessing_the_current_password_from_a_session_is_rate_limited,
    |app: TestApp| async move {
        // Whoever holds a stolen session or token must not be able to guess the password at
        // speed through the change form: the sign-in limits apply.
        let token = app.member_token("ada@acme.example", Role::Agent).await;
        let guess = json!({"current_password": "a wrong guess", "new_password": NEW_PASSWORD});
        for _ in 0..10 {
            let res = app.post("/api/v1/me/password", &token, guess.clone()).await;
            assert_eq!(res.status, 422, "{}", res.body);
        }
        let res = app
            .post("/api/v1/me/password", &token, guess.clone())
            .await
            .problem(429);
        assert!(res.headers.contains_key("retry-after"));
        // The right password waits too, and signing in with it is held back the same way.
        app.post(
            "/api/v1/me/password",
            &token,
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await
        .problem(429);
        assert_eq!(api_login(&app, "ada@acme.example", PASSWORD).await, 429);
        assert!(audit_has(&app, "auth.sign_in_failed").await);
        assert!(audit_has(&app, "auth.rate_limited").await);
    }
);

both!(
    a_member_makes_and_revokes_their_own_api_tokens,
    |app: TestApp| async move {
        app.member_token("ada@acme.example", Role::Agent).await;
        let session = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let page = get(&app, "/app/account", &[&session]).await;
        let csrf = page.csrf();
        // The member's own "tests" token is listed; the owner's is not.
        let owner: Value = app.get("/api/v1/me", &app.owner).await.ok(200);
        let list: Value = app.get("/api/v1/tokens", &app.owner).await.ok(200);
        let owners = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["member_id"] == owner["member"]["id"])
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        assert!(
            !page
                .body
                .contains(&format!("/app/account/tokens/{owners}/revoke"))
        );

        // A blank name is refused in the label's words.
        let res = post(
            &app,
            "/app/account/tokens",
            &[&session],
            &[("csrf", &csrf), ("name", "  ")],
        )
        .await;
        res.says(422, "Token name:");

        let res = post(
            &app,
            "/app/account/tokens",
            &[&session],
            &[("csrf", &csrf), ("name", "Reporting script")],
        )
        .await;
        res.says(200, "it will not be shown again");
        let secret = between(&res.body, "id=\"token-secret\">", "<");
        let me: Value = app.get("/api/v1/me", &secret).await.ok(200);
        assert_eq!(me["member"]["email"], "ada@acme.example");

        // Shown once: the page again has the token's name, never its secret.
        let page = get(&app, "/app/account", &[&session]).await;
        assert!(page.body.contains("Reporting script"), "{}", page.body);
        assert!(!page.body.contains(&secret));
        let own: Value = app.get("/api/v1/tokens", &secret).await.ok(200);
        let id = own["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "Reporting script")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        assert!(
            page.body
                .contains(&format!("action=\"/app/account/tokens/{id}/revoke\"")),
            "{}",
            page.body
        );

        // Someone else's token cannot be revoked from a member's page.
        let res = post(
            &app,
            &format!("/app/account/tokens/{owners}/revoke"),
            &[&session],
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(res.status, 404, "{}", res.body);
        app.get("/api/v1/me", &app.owner).await.ok(200);

        let res = post(
            &app,
            &format!("/app/account/tokens/{id}/revoke"),
            &[&session],
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        app.get("/api/v1/me", &secret).await.problem(401);
        let page = get(&app, &res.location, &[&session]).await;
        assert!(page.body.contains("Token revoked"), "{}", page.body);
        assert!(audit_has(&app, "token.revoke").await);
    }
);

/// The text between the first `start` and the next `end` after it.
fn between(body: &str, start: &str, end: &str) -> String {
    let at = body
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {body}"))
        + start.len();
    let rest = &body[at..];
    rest[..rest.find(end).unwrap()].to_string()
}

fn code(app: &TestApp, secret: &[u8]) -> String {
    let step = app.app.now().as_second().div_euclid(30);
    format!("{:06}", rapport_app::totp::code_at_step(secret, step, 6))
}

both!(
    a_member_turns_two_factor_sign_in_on_and_off,
    |app: TestApp| async move {
        app.set_now("2030-03-04T10:00:00Z");
        app.member_token("ada@acme.example", Role::Agent).await;
        let session = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let page = get(&app, "/app/account", &[&session]).await;
        assert!(page.body.contains("Off: a password alone"), "{}", page.body);
        let csrf = page.csrf();
        let res = post(&app, "/app/account/totp", &[&session], &[("csrf", &csrf)]).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let key = between(&res.body, "id=\"totp-secret\">", "<");
        let uri = between(&res.body, "id=\"totp-uri\">", "<");
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains(&key), "{uri}");
        let raw = rapport_app::totp::from_base32(&key).unwrap();

        // A wrong code: said in the label's words, and the key still shown to try again.
        let wrong = if code(&app, &raw) == "000000" {
            "111111"
        } else {
            "000000"
        };
        let res = post(
            &app,
            "/app/account/totp/enable",
            &[&session],
            &[
                ("csrf", &csrf),
                ("code", wrong),
                ("password", PASSWORD),
                ("secret", &key),
                ("otpauth_url", &uri),
            ],
        )
        .await;
        res.says(422, "Code from the app: the code is wrong");
        assert!(res.body.contains(&key));
        assert_eq!(api_login(&app, "ada@acme.example", PASSWORD).await, 200);

        // The right code with a wrong password: still off.
        let good = code(&app, &raw);
        let res = post(
            &app,
            "/app/account/totp/enable",
            &[&session],
            &[
                ("csrf", &csrf),
                ("code", &good),
                ("password", "not my password"),
            ],
        )
        .await;
        res.says(422, "Your password: the password is wrong");
        let res = post(
            &app,
            "/app/account/totp/enable",
            &[&session],
            &[("csrf", &csrf), ("code", &good), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let page = get(&app, &res.location, &[&session]).await;
        assert!(
            page.body.contains("Two-factor sign-in is on"),
            "{}",
            page.body
        );
        assert!(page.body.contains("totp-off-form"));
        // A password alone no longer signs in.
        assert_eq!(api_login(&app, "ada@acme.example", PASSWORD).await, 401);
        assert!(audit_has(&app, "auth.totp_on").await);

        // Off again with the next code (the one used to turn it on is spent).
        let res = post(
            &app,
            "/app/account/totp/disable",
            &[&session],
            &[("csrf", &csrf), ("code", &good)],
        )
        .await;
        res.says(422, "already used");
        app.advance(jiff::SignedDuration::from_secs(30));
        let next = code(&app, &raw);
        let res = post(
            &app,
            "/app/account/totp/disable",
            &[&session],
            &[("csrf", &csrf), ("code", &next)],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(api_login(&app, "ada@acme.example", PASSWORD).await, 200);
    }
);

both!(
    signing_out_everywhere_ends_every_session,
    |app: TestApp| async move {
        app.member_token("ada@acme.example", Role::Agent).await;
        let here = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let there = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let csrf = get(&app, "/app/account", &[&here]).await.csrf();
        let res = post(
            &app,
            "/app/account/sign-out-everywhere",
            &[&here],
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(res.location, "/app/login?done=everywhere");
        for s in [&here, &there] {
            assert_eq!(get(&app, "/app/account", &[s]).await.status, 303);
        }
        assert!(audit_has(&app, "auth.sign_out_everywhere").await);
    }
);

both!(
    a_member_sets_their_email_signature_on_the_account_page,
    |app: TestApp| async move {
        let token = app.member_token("ada@acme.example", Role::Agent).await;
        let session = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let page = get(&app, "/app/account", &[&session]).await;
        assert!(page.body.contains("id=\"signature-form\""), "{}", page.body);
        let csrf = page.csrf();

        // Too long: refused in the label's words, what was typed kept.
        let long = "x".repeat(501);
        let res = post(
            &app,
            "/app/account/signature",
            &[&session],
            &[("csrf", &csrf), ("signature", &long)],
        )
        .await;
        res.says(422, "Signature:");
        assert!(res.body.contains(&long));
        let me: Value = app.get("/api/v1/me", &token).await.ok(200);
        assert_eq!(me["member"]["signature"], Value::Null);

        let res = post(
            &app,
            "/app/account/signature",
            &[&session],
            &[("csrf", &csrf), ("signature", "Ada\r\nAcme Ltd")],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let page = get(&app, &res.location, &[&session]).await;
        assert!(page.body.contains("Signature saved."), "{}", page.body);
        assert!(
            page.body.contains("Ada\nAcme Ltd</textarea>"),
            "{}",
            page.body
        );
        let me: Value = app.get("/api/v1/me", &token).await.ok(200);
        assert_eq!(me["member"]["signature"], "Ada\nAcme Ltd");
        assert!(audit_has(&app, "member.update").await);
    }
);
