use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::support::{PASSWORD, TestApp};

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

both!(
    session_sign_in_csrf_and_sign_out,
    |app: TestApp| async move {
        let res = login(&app, "owner@acme.example", PASSWORD).await;
        assert_eq!(res.status().as_u16(), 200);
        let set_cookie = res
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
            "{set_cookie}"
        );
        assert!(
            !set_cookie.contains("Secure"),
            "plain HTTP in tests: no Secure flag"
        );
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let body: serde_json::Value = res.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_string();

        let me = app
            .with_cookie(Method::GET, "/api/v1/me", &cookie, None, None)
            .await
            .ok(200);
        assert_eq!(me["member"]["email"], "owner@acme.example");

        // A state-changing call with the cookie but without the CSRF token is refused.
        let body = json!({"name": "Kaveri Foods", "calendar": {"tz": "Asia/Kolkata"}});
        app.with_cookie(
            Method::POST,
            "/api/v1/clients",
            &cookie,
            None,
            Some(body.clone()),
        )
        .await
        .problem(403);
        app.with_cookie(
            Method::POST,
            "/api/v1/clients",
            &cookie,
            Some("wrong"),
            Some(body.clone()),
        )
        .await
        .problem(403);
        assert_eq!(app.count("clients").await, 0);
        app.with_cookie(
            Method::POST,
            "/api/v1/clients",
            &cookie,
            Some(&csrf),
            Some(body),
        )
        .await
        .ok(201);

        app.with_cookie(
            Method::POST,
            "/api/v1/auth/logout",
            &cookie,
            Some(&csrf),
            None,
        )
        .await
        .ok(204);
        app.with_cookie(Method::GET, "/api/v1/me", &cookie, None, None)
            .await
            .problem(401);
    }
);

both!(
    wrong_credentials_are_refused_alike_and_audited,
    |app: TestApp| async move {
        let wrong = login(&app, "owner@acme.example", "not the password").await;
        assert_eq!(wrong.status().as_u16(), 401);
        let wrong: serde_json::Value = wrong.json().await.unwrap();
        let unknown = login(&app, "nobody@acme.example", PASSWORD).await;
        assert_eq!(unknown.status().as_u16(), 401);
        let unknown: serde_json::Value = unknown.json().await.unwrap();
        // Same message whether or not the account exists.
        assert_eq!(wrong["detail"], unknown["detail"]);
        let audit = app
            .get("/api/v1/audit?action=auth.sign_in_failed", &app.owner)
            .await
            .ok(200);
        assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");
        assert_eq!(audit["items"][0]["ip"], "127.0.0.1");
    }
);

both!(api_tokens_live_and_die, |app: TestApp| async move {
    let created = app
        .post("/api/v1/tokens", &app.owner, json!({"name": "ci"}))
        .await
        .ok(201);
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("rpt_"));
    app.get("/api/v1/me", &secret).await.ok(200);
    let list = app.get("/api/v1/tokens", &app.owner).await.ok(200);
    assert!(
        list.to_string().find(&secret).is_none(),
        "secrets are never listed"
    );
    let id = created["id"].as_i64().unwrap();
    app.call(
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        Some(&app.owner),
        None,
    )
    .await
    .ok(204);
    app.get("/api/v1/me", &secret).await.problem(401);
    app.get("/api/v1/me", "rpt_1_not-a-real-token-at-all")
        .await
        .problem(401);
    app.get("/api/v1/me", "garbage").await.problem(401);
});

both!(deactivated_members_lose_access, |app: TestApp| async move {
    let agent = app
        .member_token("agent@acme.example", rapport_core::access::Role::Agent)
        .await;
    let me = app.get("/api/v1/me", &agent).await.ok(200);
    let id = me["member"]["id"].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/members/{id}"),
        &app.owner,
        json!({"active": false}),
    )
    .await
    .ok(200);
    app.get("/api/v1/me", &agent).await.problem(401);
    // The last owner cannot be removed.
    let me = app.get("/api/v1/me", &app.owner).await.ok(200);
    let owner_id = me["member"]["id"].as_i64().unwrap();
    let res = app
        .patch(
            &format!("/api/v1/members/{owner_id}"),
            &app.owner,
            json!({"role": "admin"}),
        )
        .await
        .problem(409);
    assert_eq!(res.fields(), ["role"]);
});

both!(
    portal_contacts_sign_in_and_out_everywhere,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        app.contact(client, "priya@kaveri.example", Some("ladies fingers 42"))
            .await;
        let (cookie_a, csrf_a) = app
            .portal_session("priya@kaveri.example", "ladies fingers 42")
            .await;
        let (cookie_b, _) = app
            .portal_session("priya@kaveri.example", "ladies fingers 42")
            .await;
        let me = app
            .with_cookie(Method::GET, "/api/v1/me", &cookie_a, None, None)
            .await
            .ok(200);
        assert_eq!(me["principal"]["kind"], "contact");
        let out = app
            .with_cookie(
                Method::POST,
                "/api/v1/auth/logout-everywhere",
                &cookie_a,
                Some(&csrf_a),
                None,
            )
            .await
            .ok(200);
        assert_eq!(out["sessions_ended"], 2);
        app.with_cookie(Method::GET, "/api/v1/me", &cookie_b, None, None)
            .await
            .problem(401);
    }
);
