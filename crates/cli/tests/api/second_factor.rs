//! Two-factor sign-in (issue 15, item 12): a TOTP code works once, and turning TOTP on asks for
//! the password.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, Res, TestApp};

async fn login(app: &TestApp, totp: Option<&str>) -> Res {
    let mut body = json!({"email": "owner@acme.example", "password": PASSWORD});
    if let Some(t) = totp {
        body["totp"] = json!(t);
    }
    app.call(Method::POST, "/api/v1/auth/login", None, Some(body))
        .await
}

/// Enrol the owner; returns the raw secret.
async fn enrol(app: &TestApp) -> Vec<u8> {
    let setup: Value = app
        .call(Method::POST, "/api/v1/me/totp", Some(&app.owner), None)
        .await
        .ok(201);
    rapport_app::totp::from_base32(setup["secret"].as_str().unwrap()).unwrap()
}

fn code(app: &TestApp, secret: &[u8], offset: i64) -> String {
    let step = app.app.now().as_second().div_euclid(30) + offset;
    format!("{:06}", rapport_app::totp::code_at_step(secret, step, 6))
}

both!(a_totp_code_signs_in_once, |app: TestApp| async move {
    app.set_now("2030-03-04T10:00:00Z");
    let secret = enrol(&app).await;
    app.post(
        "/api/v1/me/totp/enable",
        &app.owner,
        json!({"code": code(&app, &secret, 0), "password": PASSWORD}),
    )
    .await
    .ok(204);
    // The code that turned TOTP on cannot sign in, nor can an older one.
    login(&app, Some(&code(&app, &secret, 0)))
        .await
        .problem(401);
    login(&app, Some(&code(&app, &secret, -1)))
        .await
        .problem(401);
    app.advance(jiff::SignedDuration::from_secs(30));
    let fresh = code(&app, &secret, 0);
    login(&app, Some(&fresh)).await.ok(200);
    // Replayed inside its window: refused.
    let replay = login(&app, Some(&fresh)).await.problem(401);
    assert!(
        replay.body["detail"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{}",
        replay.body
    );
    app.advance(jiff::SignedDuration::from_secs(10));
    login(&app, Some(&fresh)).await.problem(401);
    app.advance(jiff::SignedDuration::from_secs(20));
    login(&app, Some(&code(&app, &secret, 0))).await.ok(200);
});

both!(
    turning_totp_on_asks_for_the_password,
    |app: TestApp| async move {
        app.set_now("2030-03-04T10:00:00Z");
        let secret = enrol(&app).await;
        let c = code(&app, &secret, 0);
        app.post("/api/v1/me/totp/enable", &app.owner, json!({"code": c}))
            .await
            .problem(422);
        let res = app
            .post(
                "/api/v1/me/totp/enable",
                &app.owner,
                json!({"code": c, "password": "not the password"}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["password"]);
        // Still off: a password alone signs in.
        login(&app, None).await.ok(200);
        app.post(
            "/api/v1/me/totp/enable",
            &app.owner,
            json!({"code": c, "password": PASSWORD}),
        )
        .await
        .ok(204);
        login(&app, None).await.problem(401);
    }
);
