//! Absence: members record leave as ranges of days in their own zone (themselves, or anyone's
//! as a manager); absent days are days off for capacity and suggested dates, SLA alerts go to
//! the manager while the assignee is away, and promises due during an absence are told to the
//! engagement's manager, naming the member and the requests. Through the API on both engines
//! and the member's page over HTTP.
//!
//! The clock is fixed in March 2027, when London keeps GMT: London wall-clock times equal UTC.

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};
use crate::ui::{get, post, sign_in};

async fn member(app: &TestApp, email: &str, role: &str) -> i64 {
    app.post(
        "/api/v1/members",
        &app.owner,
        json!({"email": email, "name": email.split('@').next().unwrap(), "role": role,
               "tz": "Europe/London", "password": PASSWORD}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn me(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me", token).await.ok(200)["member"]["id"]
        .as_i64()
        .unwrap()
}

fn absences_of(member: i64) -> String {
    format!("/api/v1/members/{member}/absences")
}

async fn away(app: &TestApp, member: i64, from: &str, to: &str) -> Value {
    app.post(
        &absences_of(member),
        &app.owner,
        json!({"starts_on": from, "ends_on": to, "note": "Leave"}),
    )
    .await
    .ok(201)
}

/// Open alerts of `kind`.
async fn open_alerts(app: &TestApp, kind: &str) -> Vec<Value> {
    app.get(
        &format!("/api/v1/alerts?kind={kind}&status=open"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/audit?action={action}"), &app.owner)
        .await
        .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

both!(
    members_record_their_own_absences_and_managers_anyones,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z");
        let ada_token = app.member_token("ada@acme.example", Role::Agent).await;
        let ada = me(&app, &ada_token).await;
        let bo_token = app.member_token("bo@acme.example", Role::Agent).await;
        let bo = me(&app, &bo_token).await;

        let a = app
            .post(
                &absences_of(ada),
                &ada_token,
                json!({"starts_on": "2027-03-08", "ends_on": "2027-03-10", "note": " Leave "}),
            )
            .await
            .ok(201);
        assert_eq!(a["member_id"], ada);
        assert_eq!(a["starts_on"], "2027-03-08");
        assert_eq!(a["ends_on"], "2027-03-10");
        assert_eq!(a["note"], "Leave");
        assert_eq!(a["created_by"], ada);
        let id = a["id"].as_i64().unwrap();

        // Another agent sees it but may not record or remove Ada's absences.
        let listed = app.get(&absences_of(ada), &bo_token).await.ok(200);
        assert_eq!(listed["items"][0]["id"], id);
        app.post(
            &absences_of(ada),
            &bo_token,
            json!({"starts_on": "2027-04-01", "ends_on": "2027-04-01"}),
        )
        .await
        .problem(403);
        app.call(
            Method::DELETE,
            &format!("/api/v1/absences/{id}"),
            Some(&bo_token),
            None,
        )
        .await
        .problem(403);
        // The owner (a manager and more) records Bo's.
        let b = away(&app, bo, "2027-03-15", "2027-03-15").await;
        assert_eq!(b["created_by"], me(&app, &app.owner).await);

        // Bad input names each field; a day already away is a conflict; nothing is written.
        let bad = app
            .post(
                &absences_of(ada),
                &ada_token,
                json!({"starts_on": "8 March", "ends_on": "2027-02-30"}),
            )
            .await
            .problem(422);
        assert_eq!(bad.fields(), ["starts_on", "ends_on"]);
        let bad = app
            .post(
                &absences_of(ada),
                &ada_token,
                json!({"starts_on": "2027-03-20", "ends_on": "2027-03-19"}),
            )
            .await
            .problem(422);
        assert_eq!(bad.fields(), ["ends_on"]);
        let clash = app
            .post(
                &absences_of(ada),
                &ada_token,
                json!({"starts_on": "2027-03-10", "ends_on": "2027-03-12"}),
            )
            .await
            .problem(409);
        assert_eq!(clash.fields(), ["starts_on"]);
        let listed = app.get(&absences_of(ada), &ada_token).await.ok(200);
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);

        // Another firm reaches none of it.
        let (_, other) = app.other_firm().await;
        app.get(&absences_of(ada), &other).await.problem(404);
        app.post(
            &absences_of(ada),
            &other,
            json!({"starts_on": "2027-04-01", "ends_on": "2027-04-01"}),
        )
        .await
        .problem(404);
        app.call(
            Method::DELETE,
            &format!("/api/v1/absences/{id}"),
            Some(&other),
            None,
        )
        .await
        .problem(404);

        // Audited both ways; removing it leaves the list empty.
        let added = audited(&app, "member.absence.add").await;
        assert_eq!(added.len(), 2, "{added:?}");
        let removed = app
            .call(
                Method::DELETE,
                &format!("/api/v1/absences/{id}"),
                Some(&ada_token),
                None,
            )
            .await
            .ok(200);
        assert_eq!(removed["id"], id);
        let listed = app.get(&absences_of(ada), &ada_token).await.ok(200);
        assert_eq!(listed["items"], json!([]));
        let gone = audited(&app, "member.absence.remove").await;
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0]["target_id"], id);
        assert_eq!(gone[0]["details"]["member_id"], ada);
    }
);

both!(
    absent_days_leave_capacity_and_suggested_dates,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z"); // Monday, opening time
        let ada = member(&app, "ada@acme.example", "agent").await;
        let suggest = || {
            let app = &app;
            async move {
                app.post(
                    "/api/v1/promises/suggest",
                    &app.owner,
                    json!({"assignee_id": ada, "estimate_minutes": 240, "margin_percent": 0}),
                )
                .await
                .ok(200)
            }
        };
        assert_eq!(suggest().await["suggested"], "2027-03-01T13:00:00Z");

        // Away Monday and Tuesday: the work starts on Wednesday, and the week holds three
        // days of capacity.
        away(&app, ada, "2027-03-01", "2027-03-02").await;
        assert_eq!(suggest().await["suggested"], "2027-03-03T13:00:00Z");
        let report = app
            .get(
                &format!("/api/v1/members/{ada}/capacity?weeks=2"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(report["weeks"][0]["capacity_minutes"], 1440);
        assert_eq!(report["weeks"][1]["capacity_minutes"], 2400);
    }
);

both!(
    promises_due_while_away_alert_the_manager,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z");
        let client = app.client("Fjord Freight").await;
        let mina = member(&app, "mina@acme.example", "manager").await;
        let ada = member(&app, "ada@acme.example", "agent").await;
        let engagement = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Freight desk", "currency": "GBP", "manager_id": mina}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let open = |title: &'static str| {
            let app = &app;
            async move {
                app.post(
                    "/api/v1/requests",
                    &app.owner,
                    json!({"client_id": client, "engagement_id": engagement, "title": title,
                           "assignee_id": ada}),
                )
                .await
                .ok(201)["id"]
                    .as_i64()
                    .unwrap()
            }
        };
        let promise = |rid: i64, due: &'static str| {
            let app = &app;
            async move {
                app.post(
                    "/api/v1/promises",
                    &app.owner,
                    json!({"client_id": client, "request_id": rid, "kind": "delivery",
                           "description": "The form", "due_at": due}),
                )
                .await
                .ok(201);
            }
        };
        let customs = open("Customs form").await;
        let manifest = open("Manifest").await;
        let later = open("Rates for April").await;
        promise(customs, "2027-03-09T15:00:00Z").await;
        promise(later, "2027-03-22T15:00:00Z").await;

        // Away the 8th to the 10th: only the customs form's promise falls due then.
        let a = away(&app, ada, "2027-03-08", "2027-03-10").await;
        let raised = open_alerts(&app, "absence.work_due").await;
        assert_eq!(raised.len(), 1, "{raised:?}");
        let alert = &raised[0];
        assert_eq!(alert["recipient_id"], mina);
        assert_eq!(alert["subject_kind"], "absence");
        assert_eq!(alert["subject_id"], a["id"]);
        assert_eq!(alert["details"]["member_id"], ada);
        assert_eq!(alert["details"]["request_ids"], json!([customs]));
        let message = alert["message"].as_str().unwrap();
        assert!(
            message.starts_with("ada is away from 2027-03-08 to 2027-03-10"),
            "{message}"
        );
        assert!(
            message.contains(&format!("#{customs} \"Customs form\"")),
            "{message}"
        );
        assert!(!message.contains("Rates for April"), "{message}");

        // A promise made afterwards is caught by the periodic check: a new alert names both.
        promise(manifest, "2027-03-10T12:00:00Z").await;
        app.set_now("2027-03-01T09:30:00Z");
        app.run_jobs().await;
        let raised = open_alerts(&app, "absence.work_due").await;
        let both = raised
            .iter()
            .find(|x| x["details"]["request_ids"] == json!([customs, manifest]))
            .unwrap_or_else(|| panic!("no alert naming both: {raised:?}"));
        assert_eq!(both["recipient_id"], mina);
        // Run again: nothing new.
        app.set_now("2027-03-01T10:00:00Z");
        app.run_jobs().await;
        assert_eq!(
            open_alerts(&app, "absence.work_due").await.len(),
            raised.len()
        );

        // Removing the absence resolves what it raised.
        app.call(
            Method::DELETE,
            &format!("/api/v1/absences/{}", a["id"]),
            Some(&app.owner),
            None,
        )
        .await
        .ok(200);
        assert!(open_alerts(&app, "absence.work_due").await.is_empty());
    }
);

both!(
    sla_alerts_go_to_the_manager_while_the_assignee_is_away,
    |app: TestApp| async move {
        app.set_now("2027-03-01T16:00:00Z"); // a Monday, one business hour before closing
        let client = app.client("Fjord Freight").await;
        let mina = member(&app, "mina@acme.example", "manager").await;
        let arno = member(&app, "arno@acme.example", "agent").await;
        let engagement = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Freight desk", "currency": "GBP", "manager_id": mina,
                       "sla_policy": {"targets": {"normal": {"first_response_minutes": 120,
                           "next_response_minutes": 240, "resolution_minutes": 960}}}}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let id = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "engagement_id": engagement, "title": "Customs form for Oslo",
                       "assignee_id": arno}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        away(&app, arno, "2027-03-02", "2027-03-02").await;
        // At risk at 09:30 on Tuesday (the client's hours), when Arno is away.
        app.set_now("2027-03-02T09:35:00Z");
        app.run_jobs().await;
        app.run_jobs().await;
        let at_risk = open_alerts(&app, "sla.at_risk").await;
        assert_eq!(at_risk.len(), 1, "{at_risk:?}");
        assert_eq!(at_risk[0]["subject_id"], id);
        assert_eq!(
            at_risk[0]["recipient_id"], mina,
            "not to the absent assignee"
        );
        assert_eq!(at_risk[0]["details"]["assignee_away_until"], "2027-03-02");
        assert_eq!(at_risk[0]["details"]["escalated_to"], mina);
        let message = at_risk[0]["message"].as_str().unwrap();
        assert!(
            message.contains("the assignee is away until 2027-03-02"),
            "{message}"
        );
    }
);

both!(
    the_member_page_records_and_removes_an_absence,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z");
        let ada = member(&app, "ada@acme.example", "agent").await;
        let session = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let path = format!("/app/members/{ada}");
        let page = get(&app, &path, &[&session]).await;
        page.says(200, "No absences recorded.");
        let csrf = page.csrf();
        let add = format!("{path}/absences");

        // A refusal is told in the form's words, with what was typed kept.
        post(
            &app,
            &add,
            &[&session],
            &[
                ("csrf", &csrf),
                ("starts_on", "2027-03-10"),
                ("ends_on", "2027-03-08"),
            ],
        )
        .await
        .says(422, "Last day away: must be on or after")
        .says(422, "value=\"2027-03-10\"");

        let saved = post(
            &app,
            &add,
            &[&session],
            &[
                ("csrf", &csrf),
                ("starts_on", "2027-03-08"),
                ("ends_on", "2027-03-10"),
                ("note", "Leave"),
            ],
        )
        .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_eq!(saved.location, format!("{path}#absences"));
        get(&app, &path, &[&session])
            .await
            .says(200, "2027-03-08 to 2027-03-10 · Leave");
        let listed = app.get(&absences_of(ada), &app.owner).await.ok(200);
        let id = listed["items"][0]["id"].as_i64().unwrap();

        let removed = post(
            &app,
            &format!("/app/absences/{id}/remove"),
            &[&session],
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(removed.status, 303, "{}", removed.body);
        let listed = app.get(&absences_of(ada), &app.owner).await.ok(200);
        assert_eq!(listed["items"], json!([]));
    }
);
