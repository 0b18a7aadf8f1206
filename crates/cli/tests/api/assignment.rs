//! Fair assignment: on an engagement that assigns automatically, a new request goes to a member
//! of its team: nobody away or over capacity, those in their working hours first, then the most
//! free capacity this week, round-robin among equals. Each choice is audited with its reason;
//! nobody able leaves it unassigned with an alert to the manager. Through the API on both
//! engines, the clock fixed on a Monday at 10:00 in London (GMT in March).

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::TestApp;

async fn member(app: &TestApp, email: &str, tz: &str) -> i64 {
    app.post(
        "/api/v1/members",
        &app.owner,
        json!({"email": email, "name": email.split('@').next().unwrap(), "role": "agent", "tz": tz}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

struct Desk {
    client: i64,
    engagement: i64,
    manager: i64,
}

/// An engagement managed by a manager (not on the team) with `team`, assigning automatically.
async fn desk(app: &TestApp, team: &[i64]) -> Desk {
    let client = app.client("Fjord Freight").await;
    let manager = app
        .post(
            "/api/v1/members",
            &app.owner,
            json!({"email": "mina@acme.example", "name": "Mina", "role": "manager", "tz": "Europe/London"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let engagement = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Freight desk", "currency": "GBP",
                   "manager_id": manager, "team_member_ids": team}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let set = app
        .call(
            Method::PUT,
            &format!("/api/v1/engagements/{engagement}/assignment"),
            Some(&app.owner),
            Some(json!({"auto_assign": true})),
        )
        .await
        .ok(200);
    assert_eq!(set["effective"], true);
    Desk {
        client,
        engagement,
        manager,
    }
}

/// A new request on the desk (estimate 0 unless given); its assignee.
async fn open(app: &TestApp, d: &Desk, title: &str, estimate: i64) -> (i64, Value) {
    let r = app
        .post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": d.client, "engagement_id": d.engagement, "title": title,
                   "estimate_minutes": estimate}),
        )
        .await
        .ok(201);
    (r["id"].as_i64().unwrap(), r["assignee_id"].clone())
}

/// The `request.auto_assign` audit row of request `id`.
async fn choice(app: &TestApp, id: i64) -> Value {
    let rows = app
        .get(
            "/api/v1/audit?action=request.auto_assign&limit=200",
            &app.owner,
        )
        .await
        .ok(200);
    rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target_id"] == id)
        .unwrap_or_else(|| panic!("no request.auto_assign for {id}: {rows}"))
        .clone()
}

both!(
    equals_take_turns_and_each_choice_is_audited,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z");
        let ada = member(&app, "ada@acme.example", "Europe/London").await;
        let bo = member(&app, "bo@acme.example", "Europe/London").await;
        let d = desk(&app, &[ada, bo]).await;
        let mut got = Vec::new();
        for title in ["One", "Two", "Three", "Four"] {
            got.push(open(&app, &d, title, 0).await);
        }
        let assignees: Vec<Value> = got.iter().map(|(_, a)| a.clone()).collect();
        assert_eq!(assignees, [json!(ada), json!(bo), json!(ada), json!(bo)]);
        let row = choice(&app, got[1].0).await;
        assert_eq!(row["actor"]["kind"], "system");
        assert_eq!(row["details"]["assignee_id"], bo);
        let reason = row["details"]["reason"].as_str().unwrap();
        assert!(reason.contains("their turn"), "{reason}");
        assert!(reason.contains("in their working hours now"), "{reason}");

        // Named by hand: left alone, no automatic choice recorded.
        let named = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": d.client, "engagement_id": d.engagement, "title": "By hand",
                       "assignee_id": bo}),
            )
            .await
            .ok(201);
        assert_eq!(named["assignee_id"], bo);
        let rows = app
            .get(
                "/api/v1/audit?action=request.auto_assign&limit=200",
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(rows["items"].as_array().unwrap().len(), 4);
    }
);

both!(
    absent_and_over_capacity_members_are_skipped,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z");
        let ada = member(&app, "ada@acme.example", "Europe/London").await;
        let bo = member(&app, "bo@acme.example", "Europe/London").await;
        let cy = member(&app, "cy@acme.example", "Europe/London").await;
        let d = desk(&app, &[ada, bo, cy]).await;
        // Ada is away today; Bo can give two hours a week and already has three hours of work.
        app.post(
            &format!("/api/v1/members/{ada}/absences"),
            &app.owner,
            json!({"starts_on": "2027-03-01", "ends_on": "2027-03-02"}),
        )
        .await
        .ok(201);
        app.patch(
            &format!("/api/v1/members/{bo}"),
            &app.owner,
            json!({"weekly_capacity_minutes": 120}),
        )
        .await
        .ok(200);
        app.post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": d.client, "title": "Big export", "assignee_id": bo, "estimate_minutes": 180}),
        )
        .await
        .ok(201);

        let (id, assignee) = open(&app, &d, "Customs form", 60).await;
        assert_eq!(assignee, cy);
        let row = choice(&app, id).await;
        assert_eq!(
            row["details"]["skipped"],
            json!([{"member_id": ada, "why": "absent"}, {"member_id": bo, "why": "over_capacity"}])
        );
    }
);

both!(
    those_in_their_working_hours_come_first,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z"); // 02:00 in Los Angeles
        let ada = member(&app, "ada@acme.example", "Europe/London").await;
        let lee = member(&app, "lee@acme.example", "America/Los_Angeles").await;
        let d = desk(&app, &[ada, lee]).await;
        // Ada has work this week; Lee has none but is asleep.
        app.post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": d.client, "title": "Archive", "assignee_id": ada, "estimate_minutes": 600}),
        )
        .await
        .ok(201);
        let (id, assignee) = open(&app, &d, "Rates", 0).await;
        assert_eq!(assignee, ada);
        assert_eq!(choice(&app, id).await["details"]["working_now"], true);
    }
);

both!(
    nobody_able_leaves_it_unassigned_with_an_alert,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z");
        let ada = member(&app, "ada@acme.example", "Europe/London").await;
        let d = desk(&app, &[ada]).await;
        app.post(
            &format!("/api/v1/members/{ada}/absences"),
            &app.owner,
            json!({"starts_on": "2027-03-01", "ends_on": "2027-03-05"}),
        )
        .await
        .ok(201);
        let (id, assignee) = open(&app, &d, "Customs form", 60).await;
        assert_eq!(assignee, Value::Null);
        let alerts = app
            .get(
                "/api/v1/alerts?kind=assignment.nobody&status=open",
                &app.owner,
            )
            .await
            .ok(200);
        let items = alerts["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{alerts}");
        assert_eq!(items[0]["subject_id"], id);
        assert_eq!(items[0]["recipient_id"], d.manager);
        assert!(
            items[0]["message"].as_str().unwrap().contains("unassigned"),
            "{}",
            items[0]["message"]
        );
        let row = choice(&app, id).await;
        assert_eq!(row["details"]["assignee_id"], Value::Null);
        assert_eq!(
            row["details"]["skipped"],
            json!([{"member_id": ada, "why": "absent"}])
        );
    }
);

both!(
    the_setting_per_engagement_and_org_default,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z");
        let ada = member(&app, "ada@acme.example", "Europe/London").await;
        let client = app.client("Fjord Freight").await;
        let engagement = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Desk", "currency": "GBP", "team_member_ids": [ada]}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let path = format!("/api/v1/engagements/{engagement}/assignment");
        let s = app.get(&path, &app.owner).await.ok(200);
        assert_eq!(
            s,
            json!({"auto_assign": null, "org_default": false, "effective": false})
        );
        let r = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "engagement_id": engagement, "title": "Off"}),
            )
            .await
            .ok(201);
        assert_eq!(r["assignee_id"], Value::Null, "off by default");

        // The org's default turns it on for engagements without their own choice.
        let d = app
            .call(
                Method::PUT,
                "/api/v1/assignment",
                Some(&app.owner),
                Some(json!({"auto_assign": true})),
            )
            .await
            .ok(200);
        assert_eq!(d["auto_assign"], true);
        let s = app.get(&path, &app.owner).await.ok(200);
        assert_eq!(s["effective"], true);
        let r = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "engagement_id": engagement, "title": "On"}),
            )
            .await
            .ok(201);
        assert_eq!(r["assignee_id"], ada);
        // The engagement's own "no" wins over the default.
        let s = app
            .call(
                Method::PUT,
                &path,
                Some(&app.owner),
                Some(json!({"auto_assign": false})),
            )
            .await
            .ok(200);
        assert_eq!(s["effective"], false);

        // Agents may not change it; another firm does not see it.
        let agent = app
            .member_token("arno@acme.example", rapport_core::access::Role::Agent)
            .await;
        app.call(
            Method::PUT,
            &path,
            Some(&agent),
            Some(json!({"auto_assign": true})),
        )
        .await
        .problem(403);
        let (_, other) = app.other_firm().await;
        app.get(&path, &other).await.problem(404);
        app.call(
            Method::PUT,
            &path,
            Some(&other),
            Some(json!({"auto_assign": true})),
        )
        .await
        .problem(404);
        let audit = app
            .get("/api/v1/audit?action=engagement.auto_assign", &app.owner)
            .await
            .ok(200);
        assert_eq!(audit["items"][0]["details"]["to"], false);
    }
);
