//! Care through HTTP: the etiquette lint and confirmed sends, sentiment and complaints, the
//! rating link flow, team ratings and the perception gap, client health.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{PASSWORD, TestApp};

/// The next `weekday` (at least two days ahead) at `hour`:00 London time.
fn next_london(weekday: Weekday, hour: i8) -> String {
    let tz = TimeZone::get("Europe/London").unwrap();
    let mut d = tz
        .to_datetime(Timestamp::now())
        .date()
        .tomorrow()
        .unwrap()
        .tomorrow()
        .unwrap();
    while d.weekday() != weekday {
        d = d.tomorrow().unwrap();
    }
    tz.to_timestamp(d.at(hour, 0, 0, 0)).unwrap().to_string()
}

fn rules(findings: &Value) -> Vec<String> {
    let mut r: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap()
}

/// A formal client that calls ladies' fingers okra, and Dr Priya Mehta, who is not "ma'am".
/// Returns (client, contact).
async fn okra(app: &TestApp, portal: Option<&str>) -> (i64, i64) {
    let client = app
        .post(
            "/api/v1/clients",
            &app.owner,
            json!({"name": "Okra Foods", "calendar": {"tz": "Europe/London"},
                   "etiquette": {"tone": "formal", "language": "en-GB", "avoid": ["guys"],
                                 "glossary": [{"ours": "ladies' fingers", "theirs": "okra"},
                                              {"ours": "a.*b", "theirs": "[x]"}]}}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let body = json!({"client_id": client, "name": "Priya Mehta", "email": "priya@okra.example",
        "etiquette": {"preferred_name": "Dr Mehta", "form_of_address": "Dr", "avoid": ["ma'am", "Priya"]}});
    let contact = app.post("/api/v1/contacts", &app.owner, body).await.ok(201)["id"]
        .as_i64()
        .unwrap();
    if let Some(p) = portal {
        app.give_portal_access(contact, p).await;
    }
    (client, contact)
}

async fn request_for(app: &TestApp, client: i64, contact: i64, title: &str, kind: &str) -> i64 {
    app.post(
        "/api/v1/requests",
        &app.owner,
        json!({"client_id": client, "contact_id": contact, "title": title, "kind": kind}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn deliver(app: &TestApp, id: i64) {
    app.post(
        &format!("/api/v1/requests/{id}/transition"),
        &app.owner,
        json!({"status": "delivered"}),
    )
    .await
    .ok(200);
}

/// A reply to Dr Mehta that breaks her etiquette (an avoided form of address, a word from the
/// client's glossary) and one that keeps it.
const BAD: &str = "Dear ma'am,\n\nThe ladies' fingers arrive on Monday, guys.";
const GOOD: &str = "Dear Dr Mehta,\n\nThe okra arrives on Monday. Kind regards";

both!(
    the_lint_finds_forms_of_address_glossary_words_and_quiet_hours,
    |app: TestApp| async move {
        let (client, contact) = okra(&app, None).await;
        let id = request_for(&app, client, contact, "Spring menu", "feature").await;
        let sunday_night = next_london(Weekday::Sunday, 3);
        let tuesday = next_london(Weekday::Tuesday, 10);

        let res = app
            .post(
                "/api/v1/lint",
                &app.owner,
                json!({"request_id": id, "body": BAD, "send_at": sunday_night}),
            )
            .await
            .ok(200);
        assert_eq!(
            rules(&res["findings"]),
            ["avoided_form", "glossary", "quiet_hours"]
        );
        assert_eq!(res["addressee"], "Dr Mehta");
        let ma_am = res["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "avoided_form" && f["start"] == 5)
            .expect("ma'am at byte 5");
        assert_eq!(ma_am["end"], 10);
        assert_eq!(ma_am["suggestion"], "Dr Mehta");

        let res = app
            .post(
                "/api/v1/lint",
                &app.owner,
                json!({"client_id": client, "contact_id": contact, "body": GOOD, "send_at": tuesday}),
            )
            .await
            .ok(200);
        assert_eq!(res["findings"], json!([]), "{res}");

        // Glossary words are literal text, never patterns; mixed scripts keep char boundaries.
        let res = app
            .post(
                "/api/v1/lint",
                &app.owner,
                json!({"client_id": client, "body": "Уважаемая ma'am 你好: the a.*b part, not axxb.",
                       "send_at": tuesday}),
            )
            .await
            .ok(200);
        let glossary: Vec<&Value> = res["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "glossary")
            .collect();
        assert_eq!(glossary.len(), 1, "{res}");
        assert_eq!(glossary[0]["suggestion"], "[x]");
        let text = "Уважаемая ma'am 你好: the a.*b part, not axxb.";
        let (s, e) = (
            glossary[0]["start"].as_u64().unwrap() as usize,
            glossary[0]["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[s..e], "a.*b");
    }
);

both!(
    bad_lint_input_is_named_never_a_server_error,
    |app: TestApp| async move {
        let (client, contact) = okra(&app, None).await;
        let id = request_for(&app, client, contact, "Spring menu", "feature").await;

        // Bad input: named, never 5xx.
        app.post("/api/v1/lint", &app.owner, json!({"body": "x"}))
            .await
            .problem(422);
        let r = app
            .post(
                "/api/v1/lint",
                &app.owner,
                json!({"request_id": id, "body": "  "}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["body"]);
        let r = app
            .post(
                "/api/v1/lint",
                &app.owner,
                json!({"request_id": id, "body": "a".repeat(1_000_001)}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["body"]);
        // Several megabytes (within the server's 5 MB body limit): refused by length, not 5xx.
        let r = app
            .post(
                "/api/v1/lint",
                &app.owner,
                json!({"request_id": id, "body": "word ".repeat(800_000)}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["body"]);
        app.raw(
            Method::POST,
            "/api/v1/lint",
            &app.owner,
            "application/json",
            b"{\"request_id\": 1, \"body\": \"\xff\xfe\"}".to_vec(),
        )
        .await
        .problem(400);
        let r = app
            .post(
                "/api/v1/lint",
                &app.owner,
                json!({"client_id": 999999, "body": "Hello"}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["client_id"]);
    }
);

both!(
    a_reply_with_findings_is_held_until_confirmed_and_the_confirmation_is_audited,
    |app: TestApp| async move {
        let (client, contact) = okra(&app, None).await;
        let id = request_for(&app, client, contact, "Spring menu", "feature").await;
        let tuesday = next_london(Weekday::Tuesday, 10);

        // Sending with findings is refused, lists them, and writes nothing.
        let before = app.snapshot().await;
        let r = app
            .post(
                &format!("/api/v1/requests/{id}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": BAD, "scheduled_for": tuesday}),
            )
            .await
            .problem(409);
        assert_eq!(r.fields(), ["body"]);
        assert_eq!(rules(&r.body["findings"]), ["avoided_form", "glossary"]);
        assert_eq!(app.snapshot().await, before);

        // Confirmed, it is sent and the confirmation is audited with the findings.
        let m = app
            .post(
                &format!("/api/v1/requests/{id}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": BAD, "scheduled_for": tuesday,
                       "confirm_findings": true}),
            )
            .await
            .ok(201);
        assert_eq!(m["send_status"], "scheduled");
        let audit = app
            .get(
                &format!(
                    "/api/v1/audit?action=message.confirm_findings&target_kind=message&target_id={}",
                    m["id"]
                ),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(items(&audit).len(), 1);
        let details = &items(&audit)[0]["details"];
        assert_eq!(details["request_id"], id);
        assert_eq!(rules(&details["findings"]), ["avoided_form", "glossary"]);

        // A clean message goes straight out, with nothing to confirm.
        let clean = app
            .post(
                &format!("/api/v1/requests/{id}/messages"),
                &app.owner,
                json!({"direction": "outbound", "body": GOOD, "scheduled_for": tuesday}),
            )
            .await
            .ok(201);
        let audit = app
            .get(
                &format!(
                    "/api/v1/audit?action=message.confirm_findings&target_id={}",
                    clean["id"]
                ),
                &app.owner,
            )
            .await
            .ok(200);
        assert!(items(&audit).is_empty());
    }
);

both!(
    quick_lane_replies_are_linted_too,
    |app: TestApp| async move {
        let (client, contact) = okra(&app, None).await;
        // Quick-lane replies are linted too (content; they go out at once).
        let before = app.snapshot().await;
        let quick = json!({"client_id": client, "contact_id": contact, "title": "Fix typo",
                       "minutes": 5, "reply": "Done, guys."});
        let r = app
            .post("/api/v1/requests/quick", &app.owner, quick.clone())
            .await
            .problem(409);
        assert_eq!(r.fields(), ["reply"]);
        assert_eq!(rules(&r.body["findings"]), ["avoided_form"]);
        assert_eq!(app.snapshot().await, before);
        let mut confirmed = quick;
        confirmed["confirm_findings"] = json!(true);
        app.post("/api/v1/requests/quick", &app.owner, confirmed)
            .await
            .ok(201);
    }
);

both!(
    bad_etiquette_profiles_are_refused_and_change_nothing,
    |app: TestApp| async move {
        let (client, contact) = okra(&app, None).await;
        // Bad profiles are refused where they are edited, naming the field, and change nothing.
        let before = app.snapshot().await;
        let too_many: Vec<String> = (0..201).map(|i| format!("word{i}")).collect();
        for (etiquette, field) in [
            (json!({"avoid": too_many}), "etiquette.avoid"),
            (json!({"avoid": ["ok", "  "]}), "etiquette.avoid[1]"),
            (json!({"avoid": ["x".repeat(101)]}), "etiquette.avoid[0]"),
            (json!({"preferred_name": ""}), "etiquette.preferred_name"),
        ] {
            let r = app
                .patch(
                    &format!("/api/v1/contacts/{contact}"),
                    &app.owner,
                    json!({"etiquette": etiquette}),
                )
                .await
                .problem(422);
            assert_eq!(r.fields(), [field]);
        }
        let r = app
            .patch(
                &format!("/api/v1/clients/{client}"),
                &app.owner,
                json!({"etiquette": {"glossary": [{"ours": "", "theirs": "x"}]}}),
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["etiquette.glossary[0].ours"]);
        assert_eq!(app.snapshot().await, before);
        let e = app
            .get(&format!("/api/v1/contacts/{contact}/etiquette"), &app.owner)
            .await
            .ok(200);
        assert_eq!(e["address_as"], "Dr Mehta", "unchanged");
    }
);

both!(
    the_composer_sees_how_to_address_the_contact,
    |app: TestApp| async move {
        let (_, contact) = okra(&app, None).await;
        // The composer's view of the contact.
        let e = app
            .get(&format!("/api/v1/contacts/{contact}/etiquette"), &app.owner)
            .await
            .ok(200);
        assert_eq!(e["address_as"], "Dr Mehta");
        assert_eq!(e["avoid"], json!(["guys", "ma'am", "Priya"]));
        assert_eq!(e["calendar"]["tz"], "Europe/London");
        assert!(e["open_now"].is_boolean());
        app.get("/api/v1/contacts/999999/etiquette", &app.owner)
            .await
            .problem(404);
    }
);

both!(sentiment_and_complaints, |app: TestApp| async move {
    let (client, contact) = okra(&app, Some(PASSWORD)).await;
    let (cookie, csrf) = app.portal_session("priya@okra.example", PASSWORD).await;
    let portal = |method: Method, path: String, body: Option<Value>| {
        let (cookie, csrf) = (cookie.clone(), csrf.clone());
        let app = &app;
        async move {
            app.with_cookie(method, &path, &cookie, Some(&csrf), body)
                .await
        }
    };

    // The client writes: every inbound message is scored.
    let calm = portal(
        Method::POST,
        "/api/v1/requests".into(),
        Some(json!({"title": "Weekly report", "body": "Could you add the totals row?"})),
    )
    .await
    .ok(201);
    let calm_id = calm["id"].as_i64().unwrap();
    let fine = portal(
        Method::POST,
        format!("/api/v1/requests/{calm_id}/messages"),
        Some(json!({"body": "Thanks, that looks fine."})),
    )
    .await
    .ok(201);
    assert!(fine["sentiment"].as_f64().unwrap() > 0.5, "{fine}");
    let none = app.get("/api/v1/complaints", &app.owner).await.ok(200);
    assert!(items(&none).is_empty());

    let angry = portal(
            Method::POST,
            format!("/api/v1/requests/{calm_id}/messages"),
            Some(json!({"body": "This is completely unacceptable. I am extremely disappointed and angry."})),
        )
        .await
        .ok(201);
    assert!(angry["sentiment"].as_f64().unwrap() <= -0.5, "{angry}");
    // Notes and our replies are not scored.
    let note = app
        .post(
            &format!("/api/v1/requests/{calm_id}/messages"),
            &app.owner,
            json!({"body": "They are angry; call them."}),
        )
        .await
        .ok(201);
    assert!(note["sentiment"].is_null());

    // Filed angry through the portal: the body is scored at creation and flags it.
    let filed_angry = portal(
            Method::POST,
            "/api/v1/requests".into(),
            Some(json!({"title": "Dashboard", "body": "The new dashboard is broken again and nobody answers. This is a disgrace."})),
        )
        .await
        .ok(201)["id"]
            .as_i64()
            .unwrap();
    // Our own words about a bug do not make it a complaint.
    let ours = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "title": "Login", "body": "Please fix the login bug, it is terrible and awful."}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
    // Filed as a complaint by kind.
    let by_kind = request_for(&app, client, contact, "Invoice", "complaint").await;

    let list = app.get("/api/v1/complaints", &app.owner).await.ok(200);
    let flagged: Vec<(i64, String)> = items(&list)
        .iter()
        .map(|c| {
            (
                c["request_id"].as_i64().unwrap(),
                c["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        flagged,
        [
            (calm_id, "sentiment".to_string()),
            (filed_angry, "sentiment".to_string()),
            (by_kind, "kind".to_string())
        ]
    );
    let first = &items(&list)[0];
    assert_eq!(first["status"], "new");
    assert!(first["age_minutes"].as_i64().unwrap() >= 0);
    assert!(first["last_inbound_at"].is_string());
    assert!(first["last_inbound_sentiment"].as_f64().unwrap() <= -0.5);
    assert!(items(&list)[1]["body_sentiment"].as_f64().unwrap() <= -0.5);

    // Re-filed as a complaint, it is flagged; flagged once, alerted once.
    app.patch(
        &format!("/api/v1/requests/{ours}"),
        &app.owner,
        json!({"kind": "complaint"}),
    )
    .await
    .ok(200);
    portal(
        Method::POST,
        format!("/api/v1/requests/{calm_id}/messages"),
        Some(json!({"body": "Still completely unacceptable. I am furious and disgusted."})),
    )
    .await
    .ok(201);
    let alerts = app
        .get("/api/v1/alerts?kind=complaint.new", &app.owner)
        .await
        .ok(200);
    let mut subjects: Vec<i64> = items(&alerts)
        .iter()
        .map(|a| a["subject_id"].as_i64().unwrap())
        .collect();
    subjects.sort();
    assert_eq!(subjects, [calm_id, filed_angry, ours, by_kind]);

    // The first reply: addressed as she asked, passing the lint.
    let d = app
        .get(
            &format!("/api/v1/requests/{by_kind}/complaint-draft"),
            &app.owner,
        )
        .await
        .ok(200);
    let body = d["body"].as_str().unwrap();
    assert!(body.starts_with("Dear Dr Mehta,\n"), "{body}");
    assert!(!body.to_lowercase().contains("ma'am") && !body.contains("Priya"));
    assert!(body.contains("Thank you") && body.contains("sorry") && body.contains('?'));
    assert_eq!(d["findings"], json!([]));
    assert_eq!(d["promise_basis"], "business_day");
    let lint = app
        .post(
            "/api/v1/lint",
            &app.owner,
            json!({"request_id": by_kind, "body": body,
                       "send_at": next_london(Weekday::Wednesday, 11)}),
        )
        .await
        .ok(200);
    assert_eq!(lint["reply_to_complaint"], true);
    assert_eq!(lint["findings"], json!([]), "{lint}");
    // A promise in the ledger sets the date the draft promises.
    let due = (Timestamp::now() + SignedDuration::from_hours(24 * 9)).to_string();
    app.post(
        "/api/v1/promises",
        &app.owner,
        json!({"request_id": by_kind, "kind": "other", "due_at": due}),
    )
    .await
    .ok(201);
    let d = app
        .get(
            &format!("/api/v1/requests/{by_kind}/complaint-draft"),
            &app.owner,
        )
        .await
        .ok(200);
    assert_eq!(d["promise_basis"], "promise");
    let london = TimeZone::get("Europe/London").unwrap();
    let due_date = london
        .to_datetime(due.parse::<Timestamp>().unwrap())
        .date()
        .to_string();
    assert_eq!(d["promise_by"], due_date.as_str());

    // A request that is not a complaint has no complaint draft.
    let plain = request_for(&app, client, contact, "Logo", "feature").await;
    app.get(
        &format!("/api/v1/requests/{plain}/complaint-draft"),
        &app.owner,
    )
    .await
    .problem(409);

    // Delivered complaints leave the open list but stay flagged.
    deliver(&app, by_kind).await;
    let open = app.get("/api/v1/complaints", &app.owner).await.ok(200);
    assert!(
        items(&open)
            .iter()
            .all(|c| c["request_id"].as_i64() != Some(by_kind))
    );
    let all = app
        .get("/api/v1/complaints?include_closed=true", &app.owner)
        .await
        .ok(200);
    assert_eq!(items(&all).len(), 4);
    // Contacts do not see the complaint list.
    portal(Method::GET, "/api/v1/complaints".into(), None)
        .await
        .problem(403);
});

/// The rating link queued to the contact when `request` was delivered.
async fn rating_link(app: &TestApp, request: i64) -> String {
    let thread = app
        .get(&format!("/api/v1/requests/{request}/messages"), &app.owner)
        .await
        .ok(200);
    let m = items(&thread)
        .iter()
        .rev()
        .find(|m| m["author"]["kind"] == "system")
        .expect("an invitation message");
    assert_eq!(m["direction"], "outbound");
    assert_eq!(m["send_status"], "queued");
    let body = m["body"].as_str().unwrap();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/rate/"))
        .expect("a link")
        .to_string();
    assert!(body.starts_with("Dear Dr Mehta,"), "{body}");
    link
}

/// The API's address for the token in a mailed rating link (`…/rate/<token>`).
fn api_path(link: &str) -> String {
    let token = link.rsplit('/').next().unwrap();
    format!("/api/v1/ratings/invitations/{token}")
}

both!(rating_links_and_team_ratings, |app: TestApp| async move {
    let (client, contact) = okra(&app, Some(PASSWORD)).await;
    let assignee = app
        .post(
            "/api/v1/members",
            &app.owner,
            json!({"email": "sam@acme.example", "name": "Sam Doer", "role": "agent", "tz": "Europe/London"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let id = request_for(&app, client, contact, "Quarterly report", "data").await;
    app.post(
        &format!("/api/v1/requests/{id}/assign"),
        &app.owner,
        json!({"assignee_id": assignee}),
    )
    .await
    .ok(200);
    let other = request_for(&app, client, contact, "Other work", "data").await;

    // Not yet delivered: nothing to rate.
    assert_eq!(app.count("rating_invitations").await, 0);
    deliver(&app, id).await;
    assert_eq!(app.count("rating_invitations").await, 1);
    let link = rating_link(&app, id).await;
    assert!(
        link.starts_with("http://127.0.0.1:8080/rate/rpv_"),
        "{link}"
    );
    let path = &api_path(&link);

    // The public page: what is rated and who delivered it, nothing else, no sign-in.
    let page = app.call(Method::GET, path, None, None).await.ok(200);
    let mut keys: Vec<&String> = page.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["delivered_by", "expires_at", "title"]);
    assert_eq!(page["title"], "Quarterly report");
    assert_eq!(page["delivered_by"], "Sam Doer");

    // Bad input writes nothing.
    let before = app.snapshot().await;
    for score in [0, 6, -1] {
        let r = app
            .call(Method::POST, path, None, Some(json!({"score": score})))
            .await
            .problem(422);
        assert_eq!(r.fields(), ["score"]);
    }
    let r = app
        .call(
            Method::POST,
            path,
            None,
            Some(json!({"score": 4, "request_id": other})),
        )
        .await
        .problem(422);
    assert_eq!(r.fields(), ["request_id"]);
    let wrong = format!("rpv_{}_{}", app.org.0, "A".repeat(43));
    for bad in [
        wrong.as_str(),
        "rpv_999_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "nonsense",
        "rpt_1_x",
    ] {
        app.call(
            Method::GET,
            &format!("/api/v1/ratings/invitations/{bad}"),
            None,
            None,
        )
        .await
        .problem(404);
        app.call(
            Method::POST,
            &format!("/api/v1/ratings/invitations/{bad}"),
            None,
            Some(json!({"score": 4})),
        )
        .await
        .problem(404);
    }
    assert_eq!(app.snapshot().await, before);

    let rated = app
        .call(
            Method::POST,
            path,
            None,
            Some(json!({"score": 2, "comment": "Late and incomplete", "request_id": id})),
        )
        .await
        .ok(201);
    assert_eq!(rated["source"], "client");
    assert_eq!(rated["contact_id"], contact);
    assert_eq!(rated["score"], 2);

    // Used: refused, and nothing more written.
    let before = app.snapshot().await;
    app.call(Method::POST, path, None, Some(json!({"score": 5})))
        .await
        .problem(409);
    app.call(Method::GET, path, None, None).await.problem(409);
    assert_eq!(app.snapshot().await, before);
    // Delivered again after rework: they rated already, so no new link.
    app.post(
        &format!("/api/v1/requests/{id}/transition"),
        &app.owner,
        json!({"status": "in_progress"}),
    )
    .await
    .ok(200);
    deliver(&app, id).await;
    assert_eq!(app.count("rating_invitations").await, 1);

    // Expired: 410 after fourteen days.
    deliver(&app, other).await;
    let other_link = rating_link(&app, other).await;
    let other_path = api_path(&other_link);
    assert_ne!(&other_path, path);
    app.advance(SignedDuration::from_hours(24 * 14 + 1));
    let before = app.snapshot().await;
    app.call(Method::GET, &other_path, None, None)
        .await
        .problem(410);
    app.call(Method::POST, &other_path, None, Some(json!({"score": 3})))
        .await
        .problem(410);
    assert_eq!(app.snapshot().await, before);

    // The portal: the contact rates once; the link for that work is then used up.
    let third = request_for(&app, client, contact, "Third", "data").await;
    let (cookie, csrf) = app.portal_session("priya@okra.example", PASSWORD).await;
    app.with_cookie(
        Method::POST,
        &format!("/api/v1/requests/{third}/rating"),
        &cookie,
        Some(&csrf),
        Some(json!({"score": 4})),
    )
    .await
    .problem(409);
    deliver(&app, third).await;
    let third_path = api_path(&rating_link(&app, third).await);
    let r = app
        .with_cookie(
            Method::POST,
            &format!("/api/v1/requests/{third}/rating"),
            &cookie,
            Some(&csrf),
            Some(json!({"score": 7})),
        )
        .await
        .problem(422);
    assert_eq!(r.fields(), ["score"]);
    app.with_cookie(
        Method::POST,
        &format!("/api/v1/requests/{third}/rating"),
        &cookie,
        Some(&csrf),
        Some(json!({"score": 4, "comment": "Good"})),
    )
    .await
    .ok(201);
    app.with_cookie(
        Method::POST,
        &format!("/api/v1/requests/{third}/rating"),
        &cookie,
        Some(&csrf),
        Some(json!({"score": 5})),
    )
    .await
    .problem(409);
    app.call(Method::POST, &third_path, None, Some(json!({"score": 5})))
        .await
        .problem(409);

    // The team's own rating: members only, once per request, delivered work only.
    let team = app
        .post(
            &format!("/api/v1/requests/{id}/team-rating"),
            &app.owner,
            json!({"score": 5, "comment": "On spec"}),
        )
        .await
        .ok(201);
    assert_eq!(team["source"], "team");
    assert!(team["member_id"].is_i64());
    app.post(
        &format!("/api/v1/requests/{id}/team-rating"),
        &app.owner,
        json!({"score": 4}),
    )
    .await
    .problem(409);
    let r = app
        .post(
            &format!("/api/v1/requests/{third}/team-rating"),
            &app.owner,
            json!({"score": 6}),
        )
        .await
        .problem(422);
    assert_eq!(r.fields(), ["score"]);
    let open = request_for(&app, client, contact, "Open", "data").await;
    app.post(
        &format!("/api/v1/requests/{open}/team-rating"),
        &app.owner,
        json!({"score": 4}),
    )
    .await
    .problem(409);
    app.with_cookie(
        Method::POST,
        &format!("/api/v1/requests/{third}/team-rating"),
        &cookie,
        Some(&csrf),
        Some(json!({"score": 4})),
    )
    .await
    .problem(403);

    let all = app
        .get(&format!("/api/v1/requests/{id}/ratings"), &app.owner)
        .await
        .ok(200);
    assert_eq!(items(&all).len(), 2);
    let theirs = app
        .with_cookie(
            Method::GET,
            &format!("/api/v1/requests/{id}/ratings"),
            &cookie,
            None,
            None,
        )
        .await
        .ok(200);
    assert_eq!(items(&theirs).len(), 1, "contacts see only the client's");
});

both!(perception_gap_is_flagged_once, |app: TestApp| async move {
    let (client, contact) = okra(&app, Some(PASSWORD)).await;
    let engagement = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Menus 2026", "currency": "EUR"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let (cookie, csrf) = app.portal_session("priya@okra.example", PASSWORD).await;
    let gap_alerts = || async {
        items(
            &app.get("/api/v1/alerts?kind=perception.gap", &app.owner)
                .await
                .ok(200),
        )
        .len()
    };
    for (n, (team, theirs)) in [(5, 3), (5, 3), (4, 3), (5, 3)].into_iter().enumerate() {
        let id = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "contact_id": contact, "engagement_id": engagement,
                       "title": format!("Menu {n}")}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        deliver(&app, id).await;
        app.post(
            &format!("/api/v1/requests/{id}/team-rating"),
            &app.owner,
            json!({"score": team}),
        )
        .await
        .ok(201);
        app.with_cookie(
            Method::POST,
            &format!("/api/v1/requests/{id}/rating"),
            &cookie,
            Some(&csrf),
            Some(json!({"score": theirs})),
        )
        .await
        .ok(201);
        let expected = match n {
            0 | 1 => 0,
            // Third pair: (5 + 5 + 4) / 3 - 3 = 1.67: the client and the engagement cross.
            _ => 2,
        };
        assert_eq!(gap_alerts().await, expected, "after pair {}", n + 1);
    }
    let g = app
        .get(
            &format!("/api/v1/perception-gap?client_id={client}"),
            &app.owner,
        )
        .await
        .ok(200);
    assert_eq!(g["current"]["pairs"], 4);
    assert_eq!(g["current"]["team_average"], 4.75);
    assert_eq!(g["current"]["client_average"], 3.0);
    assert_eq!(g["current"]["gap"], 1.75);
    assert_eq!(g["current"]["flagged"], true);
    assert_eq!(g["threshold"], 1.5);
    assert_eq!(g["months"].as_array().unwrap().len(), 1);
    let g = app
        .get(
            &format!("/api/v1/perception-gap?engagement_id={engagement}&last=1"),
            &app.owner,
        )
        .await
        .ok(200);
    assert_eq!(g["current"]["pairs"], 1);
    assert_eq!(g["current"]["gap"], 2.0);
    assert_eq!(
        g["current"]["flagged"], false,
        "one pair is not a perception gap, however wide"
    );
    app.get(
        &format!("/api/v1/perception-gap?client_id={client}&engagement_id={engagement}"),
        &app.owner,
    )
    .await
    .problem(400);
    app.get("/api/v1/perception-gap", &app.owner)
        .await
        .problem(400);
    for last in [0, 101] {
        let r = app
            .get(
                &format!("/api/v1/perception-gap?client_id={client}&last={last}"),
                &app.owner,
            )
            .await
            .problem(422);
        assert_eq!(r.fields(), ["last"]);
    }
    let r = app
        .get("/api/v1/perception-gap?client_id=999999", &app.owner)
        .await
        .problem(422);
    assert_eq!(r.fields(), ["client_id"]);
});

both!(client_health_and_at_risk, |app: TestApp| async move {
    let (a, contact) = okra(&app, None).await;
    let b = app.client("Brightwater Legal").await;
    let health = |c: i64| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/clients/{c}/health"), &app.owner)
                .await
                .ok(200)
        }
    };
    let factors = |h: &Value| -> Vec<String> {
        h["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["factor"].as_str().unwrap().to_string())
            .collect()
    };
    let h = health(a).await;
    assert_eq!(h["score"], 100);
    assert!(h["reasons"].as_array().unwrap().is_empty());

    // A complaint is opened.
    let complaint = request_for(&app, a, contact, "Wrong invoice", "complaint").await;
    let h = health(a).await;
    assert_eq!(h["score"], 88);
    assert_eq!(factors(&h), ["complaints"]);
    assert_eq!(h["reasons"][0]["points"], 12);

    // A promise is broken.
    let due = (Timestamp::now() + SignedDuration::from_hours(48)).to_string();
    let p = app
        .post(
            "/api/v1/promises",
            &app.owner,
            json!({"request_id": complaint, "kind": "reply", "due_at": due}),
        )
        .await
        .ok(201);
    app.post(
        &format!("/api/v1/promises/{}/break", p["id"]),
        &app.owner,
        json!({"reason": "missed it"}),
    )
    .await
    .ok(200);
    let h = health(a).await;
    assert_eq!(h["score"], 80);
    assert_eq!(factors(&h), ["complaints", "broken_promises"]);

    // An SLA breach raised by the clocks counts, read from the alerts by kind.
    let store = app.app.store().clone();
    let org = app.org;
    store
        .write(move |db| {
            rapport_app::alerts::raise(
                db,
                org,
                &rapport_core::alert::NewAlert {
                    kind: "sla.breached".into(),
                    severity: rapport_core::alert::Severity::Critical,
                    subject_kind: Some("request"),
                    subject_id: Some(complaint),
                    message: "first response breached".into(),
                    details: json!({}),
                    recipient_id: None,
                    dedupe_key: format!("sla:{complaint}:first_response"),
                },
                Timestamp::now(),
            )
        })
        .await
        .unwrap();
    let h = health(a).await;
    assert_eq!(h["score"], 76);
    assert_eq!(
        factors(&h),
        ["complaints", "broken_promises", "sla_breaches"]
    );

    // B has one complaint, asks for work outside the brief (not a dispute: asking for more is
    // business), then declines the change order for it (a dispute): better than A, worse than
    // nothing.
    let b_contact = app
        .contact(b, "pat@brightwater.example", Some("portal password b"))
        .await;
    request_for(&app, b, b_contact, "Rude reply", "complaint").await;
    let engagement = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": b, "name": "Contracts", "currency": "GBP", "hourly_rate_minor": 12000}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let mut extra = Vec::new();
    for title in ["Extra page", "Second extra page", "Third extra page"] {
        let id = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": b, "contact_id": b_contact, "engagement_id": engagement,
                       "title": title, "kind": "feature"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        app.post(
            &format!("/api/v1/requests/{id}/scope"),
            &app.owner,
            json!({"verdict": "out", "reason": "not in the brief"}),
        )
        .await
        .ok(200);
        extra.push(id);
    }
    let h = health(b).await;
    assert_eq!(
        (h["score"].as_i64(), factors(&h)),
        (Some(88), vec!["complaints".to_string()]),
        "out-of-scope requests do not lower health: {h}"
    );
    let co = app
        .post(
            "/api/v1/change-orders",
            &app.owner,
            json!({"engagement_id": engagement, "request_ids": [extra[0]], "title": "Extra page",
                   "description": "One more page", "estimate_minutes": 120}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/change-orders/{co}/send"),
        &app.owner,
        json!({}),
    )
    .await
    .ok(200);
    let (cookie, csrf) = app
        .portal_session("pat@brightwater.example", "portal password b")
        .await;
    app.with_cookie(
        Method::POST,
        &format!("/api/v1/change-orders/{co}/decline"),
        &cookie,
        Some(&csrf),
        Some(json!({"note": "We thought this was included."})),
    )
    .await
    .ok(200);
    let h = health(b).await;
    assert_eq!(h["score"], 85);
    assert_eq!(factors(&h), ["complaints", "scope_disputes"]);
    app.client("Calm Co").await;

    // The changes queued recomputations; the at-risk list is worst first.
    assert!(app.run_jobs().await >= 2);
    let risk = app.get("/api/v1/health/at-risk", &app.owner).await.ok(200);
    let order: Vec<(i64, i64)> = items(&risk)
        .iter()
        .map(|c| {
            (
                c["client_id"].as_i64().unwrap(),
                c["score"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(order, [(a, 76), (b, 85)]);
    assert!(items(&risk)[0]["reasons"].as_array().unwrap().len() <= 3);
    assert_eq!(items(&risk)[0]["reasons"][0]["factor"], "complaints");
    assert_eq!(items(&risk)[0]["client_name"], "Okra Foods");
    let r = app
        .get("/api/v1/health/at-risk?below=0", &app.owner)
        .await
        .problem(422);
    assert_eq!(r.fields(), ["below"]);

    // One history row per client per day.
    assert_eq!(app.count("client_health_history").await, 2);
    app.run_jobs().await;
    assert_eq!(app.count("client_health_history").await, 2);
    app.advance(SignedDuration::from_hours(25));
    // The daily snapshot re-scores every client, Calm Co included.
    assert!(app.run_jobs().await >= 3);
    assert_eq!(app.count("client_health_history").await, 5);
    app.run_jobs().await;
    assert_eq!(app.count("client_health_history").await, 5);
    let h = health(a).await;
    let trend = h["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 2);
    assert_eq!(trend[0]["score"], 76);
    assert!(trend[0]["date"].as_str().unwrap() < trend[1]["date"].as_str().unwrap());
    let risk = app.get("/api/v1/health/at-risk", &app.owner).await.ok(200);
    assert_eq!(items(&risk).len(), 2, "Calm Co scores 100: not at risk");
    app.get("/api/v1/clients/999999/health", &app.owner)
        .await
        .problem(404);
});

both!(
    a_mailed_rating_link_opens_a_page,
    |app: TestApp| async move {
        use crate::ui::{get, post};
        let (client, contact) = okra(&app, None).await;
        let id = request_for(&app, client, contact, "Quarterly report", "data").await;
        deliver(&app, id).await;
        let link = rating_link(&app, id).await;
        let page_path = link.trim_start_matches("http://127.0.0.1:8080").to_string();
        assert!(page_path.starts_with("/rate/rpv_"), "{page_path}");

        // The link opens a page, not JSON: what is rated, and the form.
        let page = get(&app, &page_path, &[]).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("How did we do?"), "{}", page.body);
        assert!(page.body.contains("Quarterly report"), "{}", page.body);
        assert!(page.body.contains("id=\"rate-form\""), "{}", page.body);
        let lc = page.cookie("rapport_login_csrf").expect("a form cookie");
        let csrf = page.csrf();

        // A link from an earlier release (the API's address) opened in a browser lands there too.
        let old = crate::ui::fetch_html(&app, &api_path(&link)).await;
        assert_eq!(old.status, 303);
        assert_eq!(old.location, page_path);

        // Refused without the form's cookie, and for a score out of range: nothing written, the
        // comment kept.
        let before = app.snapshot().await;
        let forged = post(&app, &page_path, &[], &[("csrf", &csrf), ("score", "4")]).await;
        assert_eq!(forged.status, 403);
        let bad = post(
            &app,
            &page_path,
            &[&lc],
            &[("csrf", &csrf), ("score", "9"), ("comment", "Mostly fine")],
        )
        .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains("Mostly fine"), "the comment is kept");
        assert!(
            bad.body
                .contains("Choose a rating from 1 (poor) to 5 (excellent)."),
            "{}",
            bad.body
        );
        assert_eq!(app.snapshot().await, before);

        // Rated: the page says so, and the team sees the client's rating.
        let lc = bad.cookie("rapport_login_csrf").unwrap();
        let done = post(
            &app,
            &page_path,
            &[&lc],
            &[("csrf", &bad.csrf()), ("score", "4"), ("comment", "Clear")],
        )
        .await;
        done.says(200, "You rated this");
        let ratings = app
            .get(&format!("/api/v1/requests/{id}/ratings"), &app.owner)
            .await
            .ok(200);
        let client_rating = ratings["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["source"] == "client")
            .expect("the client's rating");
        assert_eq!(client_rating["score"], 4);
        assert_eq!(client_rating["contact_id"], contact);

        // Used: the page says so in words and points to the portal.
        let again = get(&app, &page_path, &[]).await;
        assert_eq!(again.status, 409);
        assert!(again.body.contains("id=\"rate-closed\""), "{}", again.body);
        assert!(again.body.contains("href=\"/portal\""), "{}", again.body);
        let unknown = get(
            &app,
            "/rate/rpv_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            &[],
        )
        .await;
        assert_eq!(unknown.status, 404);
        assert!(unknown.body.contains("not one we know"), "{}", unknown.body);
    }
);
