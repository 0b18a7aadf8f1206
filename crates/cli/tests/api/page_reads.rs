//! Each workspace page is one read of one snapshot (`rapport_app::pages`): the request, client,
//! engagement and queue pages open exactly one more snapshot than a request refused before its
//! page is read, however long the thread; the page models keep each firm's work its own; and a
//! listing of engagements, whose teams are read in one query, still gives each its own.

use rapport_core::access::Role;
use serde_json::json;

use crate::both;
use crate::support::{PASSWORD, TestApp};
use crate::ui::{Page, get, post, sign_in};

/// The page at `path` and the snapshots the store opened while answering it.
async fn counted(app: &TestApp, path: &str, session: &str) -> (Page, u64) {
    let before = app.app.store().reads();
    let page = get(app, path, &[session]).await;
    (page, app.app.store().reads() - before)
}

/// A request on an engagement with a thread of `replies` notes, and the client and engagement.
async fn work(app: &TestApp, replies: usize) -> (i64, i64, i64) {
    let client = app.client("Kaveri Foods").await;
    app.contact(client, "priya@kaveri.example", None).await;
    let engagement = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Cold chain", "currency": "EUR"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let request = app
        .post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": client, "engagement_id": engagement, "title": "Freezer audit"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    for i in 0..replies {
        app.post(
            &format!("/api/v1/requests/{request}/messages"),
            &app.owner,
            json!({"direction": "note", "body": format!("Checked freezer {i}.")}),
        )
        .await
        .ok(201);
    }
    (client, engagement, request)
}

both!(each_page_is_one_snapshot, |app: TestApp| async move {
    let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
    let (client, engagement, request) = work(&app, 1).await;
    // What signing in and the frame cost: a page refused on its address reads no model.
    let (refused, frame) = counted(&app, "/app/requests/not-a-number", &session).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    let (refused, queue_frame) = counted(&app, "/app?view=no-such-view", &session).await;
    assert_eq!(refused.status, 404, "{}", refused.body);

    let (page, reads) = counted(&app, &format!("/app/requests/{request}"), &session).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Checked freezer 0."), "{}", page.body);
    assert_eq!(reads, frame + 1, "the request page is one snapshot");

    // A longer thread is still one snapshot (files were read one message at a time before).
    for i in 1..6 {
        app.post(
            &format!("/api/v1/requests/{request}/messages"),
            &app.owner,
            json!({"direction": "note", "body": format!("Checked freezer {i}.")}),
        )
        .await
        .ok(201);
    }
    let (page, reads) = counted(&app, &format!("/app/requests/{request}"), &session).await;
    assert!(page.body.contains("Checked freezer 5."), "{}", page.body);
    assert_eq!(reads, frame + 1, "the request page is one snapshot");

    let (page, reads) = counted(&app, &format!("/app/clients/{client}"), &session).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("priya@kaveri.example"), "{}", page.body);
    assert_eq!(reads, frame + 1, "the client page is one snapshot");

    let (page, reads) = counted(&app, &format!("/app/engagements/{engagement}"), &session).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Cold chain"), "{}", page.body);
    assert_eq!(reads, frame + 1, "the engagement page is one snapshot");

    // The owner's queue carries the "Get started" list (no mailbox yet): still one snapshot.
    let (page, reads) = counted(&app, "/app?view=open", &session).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Freezer audit"), "{}", page.body);
    assert!(page.body.contains("Get started"), "{}", page.body);
    assert_eq!(reads, queue_frame + 1, "the queue page is one snapshot");
});

both!(
    page_models_keep_each_firm_to_itself,
    |app: TestApp| async move {
        let (client, engagement, request) = work(&app, 1).await;
        let other = app.app.create_org("globex", "Globex").await.unwrap();
        app.app
            .add_member_as_operator(
                other.id,
                crate::support::member("boss@globex.example", "Boss", Role::Owner),
            )
            .await
            .unwrap();
        // With two firms on the server, the sign-in names the firm.
        let login = get(&app, "/app/login", &[]).await;
        let lc = login.cookie("rapport_login_csrf").expect("login cookie");
        let res = post(
            &app,
            "/app/login",
            &[&lc],
            &[
                ("csrf", &login.csrf()),
                ("org", "globex"),
                ("email", "boss@globex.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let session = res.cookie("rapport_session").expect("a session cookie");
        let (own, _) = counted(&app, "/app?view=open", &session).await;
        assert_eq!(own.status, 200, "{}", own.body);
        assert!(!own.body.contains("Freezer audit"), "{}", own.body);
        assert!(!own.body.contains("Kaveri Foods"), "{}", own.body);
        for path in [
            format!("/app/requests/{request}"),
            format!("/app/clients/{client}"),
            format!("/app/engagements/{engagement}"),
        ] {
            let (page, _) = counted(&app, &path, &session).await;
            assert_eq!(page.status, 404, "{path}: {}", page.body);
            for word in [
                "Freezer audit",
                "Kaveri Foods",
                "Cold chain",
                "Checked freezer",
            ] {
                assert!(
                    !page.body.contains(word),
                    "{path} shows {word}: {}",
                    page.body
                );
            }
        }
    }
);

both!(
    a_listing_gives_each_engagement_its_own_team,
    |app: TestApp| async move {
        // The teams of a listed page are read in one query and handed back per engagement.
        let client = app.client("Kaveri Foods").await;
        let mut ids = Vec::new();
        for (email, name) in [("ines@acme.example", "Ines"), ("ravi@acme.example", "Ravi")] {
            let m = app
                .app
                .add_member_as_operator(app.org, crate::support::member(email, name, Role::Agent))
                .await
                .unwrap();
            ids.push(m.id.0);
        }
        let teams = [json!([ids[1]]), json!([]), json!([ids[0], ids[1]])];
        for (i, team) in teams.iter().enumerate() {
            app.post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": format!("Work {i}"), "currency": "EUR",
                       "team_member_ids": team}),
            )
            .await
            .ok(201);
        }
        let listed = app.get("/api/v1/engagements", &app.owner).await.ok(200);
        let got: Vec<_> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["name"].clone(), e["team"].clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (json!("Work 0"), teams[0].clone()),
                (json!("Work 1"), teams[1].clone()),
                (json!("Work 2"), teams[2].clone()),
            ]
        );
        // A page boundary cuts the teams with the engagements.
        let first = app
            .get("/api/v1/engagements?limit=2", &app.owner)
            .await
            .ok(200);
        assert_eq!(first["items"][1]["team"], teams[1], "{first}");
        let cursor = first["next_cursor"].as_str().unwrap();
        let rest = app
            .get(
                &format!("/api/v1/engagements?limit=2&cursor={cursor}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(rest["items"][0]["team"], teams[2], "{rest}");
    }
);
