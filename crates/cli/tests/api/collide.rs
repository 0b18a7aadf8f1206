//! Collision detection: who else has a request open (presence), a reply or note held when the
//! thread moved on while it was written, and "assign to me" won by exactly one of several
//! members taking the same request at once. Through the API and the request page.

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};
use crate::ui::{get, post, sign_in};

const CONTACT: &str = "priya@kaveri.example";
const PORTAL_PASSWORD: &str = "portal password p";

/// A London client with a portal contact, and a request of theirs; (request id, client id).
async fn open_request(app: &TestApp, title: &str) -> (i64, i64) {
    let client = app.client("Kaveri Foods").await;
    let contact = app.contact(client, CONTACT, Some(PORTAL_PASSWORD)).await;
    let id = app
        .post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": client, "contact_id": contact, "title": title}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    (id, client)
}

async fn me(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me", token).await.ok(200)["member"]["id"]
        .as_i64()
        .expect("my id")
}

async fn report(app: &TestApp, id: i64, token: &str, state: &str) -> Value {
    app.call(
        Method::PUT,
        &format!("/api/v1/requests/{id}/presence"),
        Some(token),
        Some(json!({"state": state})),
    )
    .await
    .ok(200)
}

async fn others(app: &TestApp, id: i64, token: &str) -> Vec<(String, String)> {
    app.get(&format!("/api/v1/requests/{id}/presence"), token)
        .await
        .ok(200)["others"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn post_message(app: &TestApp, id: i64, token: &str, body: Value) -> crate::support::Res {
    app.post(&format!("/api/v1/requests/{id}/messages"), token, body)
        .await
}

async fn thread_ids(app: &TestApp, id: i64) -> Vec<i64> {
    app.get(&format!("/api/v1/requests/{id}/messages"), &app.owner)
        .await
        .ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

/// The audit rows of `action`, newest first.
async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    app.get(
        &format!("/api/v1/audit?action={action}&limit=200"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn portal_post(app: &TestApp, id: i64, body: Value) -> crate::support::Res {
    let (cookie, csrf) = app.portal_session(CONTACT, PORTAL_PASSWORD).await;
    app.with_cookie(
        Method::POST,
        &format!("/api/v1/requests/{id}/messages"),
        &cookie,
        Some(&csrf),
        Some(body),
    )
    .await
}

both!(
    presence_is_seen_by_colleagues_and_no_other_firm,
    |app: TestApp| async move {
        app.set_now("2027-03-01T10:00:00Z");
        let (id, _) = open_request(&app, "Q3 export").await;
        let ada = app.member_token("ada@acme.example", Role::Agent).await;

        // Nobody else yet; one's own report is never shown back.
        let answer = report(&app, id, &app.owner, "viewing").await;
        assert_eq!(answer["others"], json!([]), "{answer}");
        assert_eq!(answer["fresh_for_seconds"], 30);
        let answer = report(&app, id, &ada, "composing").await;
        assert_eq!(answer["others"][0]["name"], "Olu Owner", "{answer}");
        assert_eq!(answer["others"][0]["state"], "viewing");
        assert_eq!(
            others(&app, id, &app.owner).await,
            [("ada".to_string(), "composing".to_string())]
        );
        // Her latest report wins: back to reading.
        report(&app, id, &ada, "viewing").await;
        assert_eq!(
            others(&app, id, &app.owner).await,
            [("ada".to_string(), "viewing".to_string())]
        );

        // A contact has no presence; another firm neither sees nor reports on this request.
        let (cookie, _) = app.portal_session(CONTACT, PORTAL_PASSWORD).await;
        let res = app
            .with_cookie(
                Method::GET,
                &format!("/api/v1/requests/{id}/presence"),
                &cookie,
                None,
                None,
            )
            .await;
        assert_eq!(res.status, 403, "{}", res.body);
        let (_, boss) = app.other_firm().await;
        app.get(&format!("/api/v1/requests/{id}/presence"), &boss)
            .await
            .problem(404);
        app.call(
            Method::PUT,
            &format!("/api/v1/requests/{id}/presence"),
            Some(&boss),
            Some(json!({"state": "viewing"})),
        )
        .await
        .problem(404);
        assert_eq!(others(&app, id, &app.owner).await.len(), 1, "nothing added");

        // Bad input is refused and changes nothing.
        let res = app
            .call(
                Method::PUT,
                &format!("/api/v1/requests/{id}/presence"),
                Some(&ada),
                Some(json!({"state": "typing"})),
            )
            .await;
        assert!(matches!(res.status, 400 | 422), "{}", res.body);
        assert_eq!(
            others(&app, id, &app.owner).await,
            [("ada".to_string(), "viewing".to_string())]
        );
        app.get("/api/v1/requests/999999/presence", &ada)
            .await
            .problem(404);

        // A page closed half a minute ago is gone, and housekeeping forgets it.
        app.advance(jiff::SignedDuration::from_secs(31));
        assert!(others(&app, id, &app.owner).await.is_empty());
        assert_eq!(app.count("request_presence").await, 2);
        app.app.housekeep().await.unwrap();
        assert_eq!(app.count("request_presence").await, 0);
    }
);

both!(
    a_reply_written_against_an_older_thread_is_held,
    |app: TestApp| async move {
        app.start_clock_in_london_office_hours();
        let (id, _) = open_request(&app, "Q3 export").await;
        let ada = app.member_token("ada@acme.example", Role::Agent).await;
        let first = post_message(
            &app,
            id,
            &ada,
            json!({"body": "Looking at the export now."}),
        )
        .await
        .ok(201)["id"]
            .as_i64()
            .unwrap();

        // The owner opens the composer having seen Ada's note; then the client writes.
        let client_word = portal_post(
            &app,
            id,
            json!({"body": "Please include the Pune plant too."}),
        )
        .await
        .ok(201)["id"]
            .as_i64()
            .unwrap();
        let before = thread_ids(&app, id).await;
        let sent_before = audited(&app, "message.create").await.len();
        let res = post_message(
            &app,
            id,
            &app.owner,
            json!({"direction": "outbound", "body": "Dear Pat, the export is attached.",
                   "confirm_findings": true, "last_seen_message_id": first}),
        )
        .await
        .problem(409);
        assert_eq!(
            res.body["type"],
            "https://rapport.invalid/problems/stale-thread"
        );
        assert_eq!(res.fields(), ["last_seen_message_id"]);
        let new = res.body["new_messages"].as_array().unwrap();
        assert_eq!(new.len(), 1, "{}", res.body);
        assert_eq!(new[0]["id"], client_word);
        assert_eq!(new[0]["body"], "Please include the Pune plant too.");
        assert_eq!(new[0]["direction"], "inbound");
        // Nothing sent, nothing lost, nothing audited as sent.
        assert_eq!(thread_ids(&app, id).await, before);
        assert_eq!(audited(&app, "message.create").await.len(), sent_before);

        // Having read it, the owner sends anyway: it goes, audited with what was seen.
        let sent = post_message(
            &app,
            id,
            &app.owner,
            json!({"direction": "outbound", "body": "Dear Pat, the export is attached, Pune included.",
                   "confirm_findings": true, "last_seen_message_id": client_word}),
        )
        .await
        .ok(201);
        let rows = audited(&app, "message.create").await;
        assert_eq!(rows.len(), sent_before + 1);
        assert_eq!(rows[0]["target_id"], sent["id"]);
        assert_eq!(rows[0]["details"]["last_seen_message_id"], client_word);

        // A colleague's note also moves the thread on; without the field nothing is checked.
        let note = post_message(
            &app,
            id,
            &ada,
            json!({"body": "Pune data is in the shared drive."}),
        )
        .await
        .ok(201)["id"]
            .as_i64()
            .unwrap();
        let res = post_message(
            &app,
            id,
            &app.owner,
            json!({"body": "Reminder: bill Pune separately.", "last_seen_message_id": sent["id"]}),
        )
        .await
        .problem(409);
        assert_eq!(res.body["new_messages"][0]["id"], note);
        assert_eq!(res.body["new_messages"][0]["direction"], "note");
        post_message(
            &app,
            id,
            &app.owner,
            json!({"body": "Reminder: bill Pune separately."}),
        )
        .await
        .ok(201);

        // The client is not held by our internal notes, which they never see.
        let last_visible = sent["id"].as_i64().unwrap();
        portal_post(
            &app,
            id,
            json!({"body": "Thank you!", "last_seen_message_id": last_visible}),
        )
        .await
        .ok(201);

        // An id of another thread, or no id at all, is refused as such, and nothing is added.
        let (other, _) = (
            app.post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": app.client("Globe Mart").await, "title": "Other"}),
            )
            .await
            .ok(201)["id"]
                .as_i64()
                .unwrap(),
            (),
        );
        let before = thread_ids(&app, id).await;
        for bad in [json!(first), json!(-1)] {
            let res = post_message(
                &app,
                other,
                &app.owner,
                json!({"body": "note", "last_seen_message_id": bad}),
            )
            .await
            .problem(422);
            assert_eq!(res.fields(), ["last_seen_message_id"], "{}", res.body);
        }
        assert_eq!(thread_ids(&app, id).await, before);
        // 0: the writer saw an empty thread.
        post_message(
            &app,
            other,
            &app.owner,
            json!({"body": "first note", "last_seen_message_id": 0}),
        )
        .await
        .ok(201);
        post_message(
            &app,
            other,
            &app.owner,
            json!({"body": "second note", "last_seen_message_id": 0}),
        )
        .await
        .problem(409);
    }
);

both!(
    only_one_member_takes_unassigned_work,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let mut team = Vec::new();
        for n in 0..6 {
            let token = app
                .member_token(&format!("m{n}@acme.example"), Role::Agent)
                .await;
            let id = me(&app, &token).await;
            team.push((token, id));
        }
        for round in 0..12 {
            let req = app
                .post(
                    "/api/v1/requests",
                    &app.owner,
                    json!({"client_id": client, "title": format!("Race {round}")}),
                )
                .await
                .ok(201)["id"]
                .as_i64()
                .unwrap();
            // Each take on its own task, all at once: the server sees them concurrently.
            let mut takes = tokio::task::JoinSet::new();
            for (token, member) in &team {
                let (http, token, member) = (app.http.clone(), token.clone(), *member);
                let url = format!("{}/api/v1/requests/{req}/assign", app.base);
                takes.spawn(async move {
                    let res = http
                        .post(url)
                        .bearer_auth(token)
                        .json(&json!({"assignee_id": member, "if_unassigned": true}))
                        .send()
                        .await
                        .expect("sent");
                    let status = res.status().as_u16();
                    let body: Value = res.json().await.unwrap_or(Value::Null);
                    (member, status, body)
                });
            }
            let results = takes.join_all().await;
            let winners: Vec<i64> = results
                .iter()
                .filter(|(_, status, _)| *status == 200)
                .map(|(m, _, _)| *m)
                .collect();
            assert_eq!(winners.len(), 1, "round {round}: {results:?}");
            let winner = winners[0];
            let name = format!("m{}", team.iter().position(|(_, m)| *m == winner).unwrap());
            for (m, status, body) in &results {
                if *m != winner {
                    assert_eq!(*status, 409, "round {round}: {body}");
                    let detail = body["detail"].as_str().unwrap();
                    assert_eq!(detail, format!("{name} has already taken this request"));
                }
            }
            let r = app
                .get(&format!("/api/v1/requests/{req}"), &app.owner)
                .await
                .ok(200);
            assert_eq!(r["assignee_id"], winner, "round {round}");
            let assigns = app
                .get(
                    &format!(
                        "/api/v1/audit?action=request.assign&target_kind=request&target_id={req}"
                    ),
                    &app.owner,
                )
                .await
                .ok(200);
            assert_eq!(
                assigns["items"].as_array().unwrap().len(),
                1,
                "only the winner's take is audited: {assigns}"
            );
        }

        // A retry by the winner is no loss; a plain assignment still moves work on purpose.
        let req = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "title": "Handover"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let (t0, m0) = &team[0];
        let (t1, m1) = &team[1];
        let take = |m: i64| json!({"assignee_id": m, "if_unassigned": true});
        let path = format!("/api/v1/requests/{req}/assign");
        app.post(&path, t0, take(*m0)).await.ok(200);
        app.post(&path, t0, take(*m0)).await.ok(200);
        let res = app.post(&path, t1, take(*m1)).await.problem(409);
        assert_eq!(res.fields(), ["assignee_id"]);
        let res = app
            .post(
                &path,
                t1,
                json!({"assignee_id": null, "if_unassigned": true}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["if_unassigned"]);
        let r = app
            .post(&path, t1, json!({"assignee_id": m1}))
            .await
            .ok(200);
        assert_eq!(r["assignee_id"], *m1);
    }
);

// The pages over HTTP: the composer carries the thread it was written against; a held reply
// comes back with the new message above the kept draft and sends on the second try; a lost
// "Assign to me" says who took it; the presence poll names the colleague writing.
both!(
    the_request_page_holds_a_stale_reply_and_names_the_taker,
    |app: TestApp| async move {
        app.start_clock_in_london_office_hours();
        let (id, _) = open_request(&app, "Q3 export").await;
        let ada_token = app.member_token("ada@acme.example", Role::Agent).await;
        let ada = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let olu = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let path = format!("/app/requests/{id}");

        let page = get(&app, &path, &[&olu]).await;
        page.says(200, "name=\"last_seen\" id=\"last-seen\" value=\"0\"");
        page.says(200, "Nobody else has this request open.");
        let csrf = page.csrf();

        // Ada's composer has words in it: Olu's poll says she is writing.
        let ada_page = get(&app, &path, &[&ada]).await;
        let ada_csrf = ada_page.csrf();
        post(
            &app,
            &format!("{path}/presence"),
            &[&ada],
            &[("csrf", &ada_csrf), ("body", "Dear Priya")],
        )
        .await
        .says(200, "Nobody else has this request open.");
        let poll = post(
            &app,
            &format!("{path}/presence"),
            &[&olu],
            &[("csrf", &csrf), ("body", "")],
        )
        .await;
        poll.says(200, "ada is writing a reply or note.");
        // Another page lists her too, from the first render (no JavaScript needed to read it).
        get(&app, &path, &[&olu])
            .await
            .says(200, "ada is writing a reply or note.");

        // The client writes while Olu's composer is open against the empty thread.
        let word = portal_post(
            &app,
            id,
            json!({"body": "Please include the Pune plant too."}),
        )
        .await
        .ok(201)["id"]
            .as_i64()
            .unwrap();
        let held = post(
            &app,
            &format!("{path}/reply"),
            &[&olu],
            &[
                ("csrf", &csrf),
                ("direction", "note"),
                ("body", "Starting on the export."),
                ("last_seen", "0"),
            ],
        )
        .await;
        held.says(409, "id=\"held\"");
        held.says(409, "Please include the Pune plant too.");
        held.says(409, ">Starting on the export.</textarea>");
        held.says(409, "Send anyway");
        held.says(
            409,
            &format!("name=\"last_seen\" id=\"last-seen\" value=\"{word}\""),
        );
        assert_eq!(thread_ids(&app, id).await, [word], "nothing sent");
        let sent = post(
            &app,
            &format!("{path}/reply"),
            &[&olu],
            &[
                ("csrf", &csrf),
                ("direction", "note"),
                ("body", "Starting on the export."),
                ("last_seen", &word.to_string()),
            ],
        )
        .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        assert_eq!(thread_ids(&app, id).await.len(), 2);

        // Both pages offer "Assign to me" on unassigned work; Ada's lands first.
        let form = |csrf: &str| {
            vec![
                ("csrf".to_string(), csrf.to_string()),
                ("assignee".into(), "me".into()),
                ("if_unassigned".into(), "yes".into()),
            ]
        };
        assert!(
            get(&app, &path, &[&olu])
                .await
                .body
                .contains("name=\"if_unassigned\" value=\"yes\"")
        );
        let f = form(&ada_csrf);
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let res = post(&app, &format!("{path}/assign"), &[&ada], &f).await;
        assert_eq!(res.status, 303, "{}", res.body);
        let f = form(&csrf);
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        post(&app, &format!("{path}/assign"), &[&olu], &f)
            .await
            .says(409, "ada has already taken this request");
        let r = app
            .get(&format!("/api/v1/requests/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(r["assignee_id"], me(&app, &ada_token).await);
    }
);
