//! Member invitations (issue 17, item 1): an admin invites by email, the invitee chooses their
//! own password with the mailed link and is signed in; nobody else sets it.

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Res, TestApp};

const MARKER: &str = "/app/invite?token=";

fn invitation(email: &str, role: &str) -> Value {
    json!({
        "email": email, "name": "Ines Invited", "role": role, "tz": "Asia/Kolkata",
        "working_hours": ["mon-fri 10:00-18:00"], "weekly_capacity_minutes": 1800
    })
}

async fn accept(app: &TestApp, token: &str, password: &str) -> Res {
    app.call(
        Method::POST,
        "/api/v1/members/invite/accept",
        None,
        Some(json!({"token": token, "password": password})),
    )
    .await
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Res {
    app.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

async fn audit_actions(app: &TestApp, member: i64) -> Vec<String> {
    app.get(
        &format!("/api/v1/audit?target_kind=member&target_id={member}&limit=50"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

both!(
    an_invited_member_chooses_their_password_and_signs_in,
    |app: TestApp| async move {
        let m = app
            .post(
                "/api/v1/members/invite",
                &app.owner,
                invitation("ines@acme.example", "agent"),
            )
            .await
            .ok(201);
        let id = m["id"].as_i64().unwrap();
        assert_eq!(m["role"], "agent");
        assert_eq!(m["tz"], "Asia/Kolkata");
        assert_eq!(m["weekly_capacity_minutes"], 1800);
        assert_eq!(m["working_hours"], json!(["mon-fri 10:00-18:00"]));
        // Invited, not joined: no password yet, so no sign-in works.
        sign_in(&app, "ines@acme.example", "chosen by ines 42")
            .await
            .problem(401);
        let token = app.link_in_mail("ines@acme.example", MARKER).await;
        assert!(token.starts_with("rpm_"), "a member-invite secret: {token}");
        // Too short a password is refused and the link stays usable.
        accept(&app, &token, "short").await.problem(422);
        let res = accept(&app, &token, "chosen by ines 42").await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(res.body["principal"]["member_id"], id);
        assert!(
            res.headers["set-cookie"]
                .to_str()
                .unwrap()
                .starts_with("rapport_session="),
            "accepting signs the member in"
        );
        // The link works once; the password works from now on.
        accept(&app, &token, "chosen again 4242").await.problem(409);
        sign_in(&app, "ines@acme.example", "chosen by ines 42")
            .await
            .ok(200);
        let actions = audit_actions(&app, id).await;
        for a in [
            "member.create",
            "member.invited",
            "auth.member_invite_accepted",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
    }
);

both!(
    only_admins_invite_and_nobody_types_the_password,
    |app: TestApp| async move {
        let manager = app
            .member_token("manager@acme.example", Role::Manager)
            .await;
        app.post(
            "/api/v1/members/invite",
            &manager,
            invitation("x@acme.example", "agent"),
        )
        .await
        .problem(403);
        let admin = app.member_token("admin@acme.example", Role::Admin).await;
        // An admin may not make owners.
        app.post(
            "/api/v1/members/invite",
            &admin,
            invitation("y@acme.example", "owner"),
        )
        .await
        .problem(403);
        // A password in the invitation is not a field at all.
        let mut with_password = invitation("z@acme.example", "agent");
        with_password["password"] = json!("typed by staff 123");
        app.post("/api/v1/members/invite", &admin, with_password)
            .await
            .problem(422);
        // Bad input is named by field, and nothing is written or mailed.
        let before = app.count("members").await;
        let res = app
            .post(
                "/api/v1/members/invite",
                &admin,
                json!({"email": "nope", "name": "", "role": "agent", "tz": "Mars/Base"}),
            )
            .await
            .problem(422);
        let fields = res.fields();
        for f in ["email", "name", "tz"] {
            assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
        }
        assert_eq!(app.count("members").await, before);
        assert_eq!(app.count("one_time_links").await, 0);
        // The same address twice is a conflict.
        app.post(
            "/api/v1/members/invite",
            &admin,
            invitation("w@acme.example", "manager"),
        )
        .await
        .ok(201);
        app.post(
            "/api/v1/members/invite",
            &admin,
            invitation("w@acme.example", "agent"),
        )
        .await
        .problem(409);
    }
);

both!(
    a_new_invitation_replaces_the_old_and_deactivation_ends_it,
    |app: TestApp| async move {
        let id = app
            .post(
                "/api/v1/members/invite",
                &app.owner,
                invitation("ines@acme.example", "agent"),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let first = app.link_in_mail("ines@acme.example", MARKER).await;
        app.post(
            &format!("/api/v1/members/{id}/invite"),
            &app.owner,
            json!({}),
        )
        .await
        .ok_res(202);
        let second = app.link_in_mail("ines@acme.example", MARKER).await;
        assert_ne!(first, second, "a fresh link is mailed");
        accept(&app, &first, "chosen by ines 42").await.problem(409);
        // Deactivated before accepting: the link no longer opens anything.
        app.patch(
            &format!("/api/v1/members/{id}"),
            &app.owner,
            json!({"active": false}),
        )
        .await
        .ok(200);
        accept(&app, &second, "chosen by ines 42")
            .await
            .problem(404);
        app.post(
            &format!("/api/v1/members/{id}/invite"),
            &app.owner,
            json!({}),
        )
        .await
        .problem(409);
        // A member who has a password is not re-invited (they reset it instead).
        let owner_id = app.get("/api/v1/me", &app.owner).await.ok(200)["member"]["id"]
            .as_i64()
            .unwrap();
        app.post(
            &format!("/api/v1/members/{owner_id}/invite"),
            &app.owner,
            json!({}),
        )
        .await
        .problem(409);
        // A token of another kind is not an invitation.
        accept(
            &app,
            "rpi_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "whatever 12345",
        )
        .await
        .problem(404);
    }
);
