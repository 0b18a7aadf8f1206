//! The demo tells a true story (issue 25, item 12): every thread in time order with replies
//! after what they answer, thanks after the delivery, SLA breaches raised over the weeks they
//! happened and a health trend with more than one point.

use jiff::Timestamp;
use rapport_seed::demo::DEMO_OWNER;
use serde_json::Value;

use crate::both;
use crate::support::TestApp;

fn at(v: &Value) -> Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("not an instant: {v}"))
        .parse()
        .unwrap()
}

/// Every item of a paged list.
async fn all(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
            None => format!("{path}{sep}limit=200"),
        };
        let page = app.get(&url, token).await.ok(200);
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

both!(the_demo_tells_a_true_story, |app: TestApp| async move {
    app.set_now("2026-11-18T10:00:00Z");
    let a = &app.app;
    rapport_seed::demo::seed(a).await.unwrap();
    let org = a.org_by_slug("northwind").await.unwrap().unwrap();
    let owner = a
        .member_by_email(org.id, DEMO_OWNER)
        .await
        .unwrap()
        .unwrap();
    let ctx = a.ctx_for_member(org.id, owner.id).await.unwrap();
    let (_, token) = a.create_token_for(&ctx, owner.id, "story").await.unwrap();
    let now: Timestamp = "2026-11-18T10:00:00Z".parse().unwrap();
    // The owner signs her email replies (issue 21 item 6).
    let me = app.get("/api/v1/me", &token).await.ok(200);
    assert_eq!(
        me["member"]["signature"],
        "Ada Okafor\nNorthwind Studio, London"
    );

    let requests = all(&app, &token, "/api/v1/requests").await;
    assert!(requests.len() > 50, "{}", requests.len());
    let mut thanked = 0;
    for r in &requests {
        let id = r["id"].as_i64().unwrap();
        let created = at(&r["created_at"]);
        let messages = all(&app, &token, &format!("/api/v1/requests/{id}/messages")).await;
        assert!(!messages.is_empty(), "request {id} has no thread");
        assert_eq!(
            messages[0]["direction"], "inbound",
            "request {id} starts with the client's words"
        );
        assert_eq!(at(&messages[0]["created_at"]), created, "request {id}");
        let mut replied = false;
        for pair in messages.windows(2) {
            let (before, after) = (at(&pair[0]["created_at"]), at(&pair[1]["created_at"]));
            assert!(
                before < after,
                "request {id}: {:?} at {before} is not before {:?} at {after}",
                pair[0]["body"],
                pair[1]["body"]
            );
        }
        for m in &messages {
            let body = m["body"].as_str().unwrap();
            assert!(
                at(&m["created_at"]) <= now,
                "request {id}: a message from the future"
            );
            match m["direction"].as_str().unwrap() {
                "outbound" => replied = true,
                "inbound" if body.contains("Great work") || body.contains("that works for us") => {
                    assert!(replied, "request {id}: thanks before any reply: {body}");
                    thanked += 1;
                }
                "inbound" if body.contains("Following up") => {
                    assert!(
                        replied,
                        "request {id}: a chase before we acknowledged: {body}"
                    );
                }
                _ => {}
            }
        }
        if let Some(delivered) = r["delivered_at"].as_str() {
            let delivered: Timestamp = delivered.parse().unwrap();
            let last_reply = messages
                .iter()
                .filter(|m| m["direction"] == "outbound")
                .map(|m| at(&m["created_at"]))
                .max()
                .unwrap();
            assert_eq!(
                last_reply, delivered,
                "request {id}: delivered by our last reply"
            );
            if let Some(closed) = r["closed_at"].as_str() {
                assert!(
                    closed.parse::<Timestamp>().unwrap() > delivered,
                    "request {id}"
                );
            }
        }
    }
    assert!(thanked > 0, "some client thanks us");

    // Breaches were raised when they happened, over several weeks.
    let mut breaches = Vec::new();
    for status in ["open", "acknowledged", "resolved"] {
        breaches.extend(
            all(
                &app,
                &token,
                &format!("/api/v1/alerts?kind=sla.breached&status={status}"),
            )
            .await,
        );
    }
    assert!(breaches.len() > 5, "{}", breaches.len());
    let days: Vec<i64> = breaches
        .iter()
        .map(|b| (now.as_second() - at(&b["created_at"]).as_second()) / 86_400)
        .collect();
    let (newest, oldest) = (*days.iter().min().unwrap(), *days.iter().max().unwrap());
    assert!(
        oldest - newest > 14,
        "breaches span {newest}..{oldest} days ago"
    );
    for b in &breaches {
        let due = &b["details"]["due_at"];
        if due.is_string() {
            assert!(at(&b["created_at"]) >= at(due), "{b}");
        }
    }

    // Each client's health has a trend, not a single point.
    let clients = all(&app, &token, "/api/v1/clients").await;
    for c in &clients {
        let h = app
            .get(&format!("/api/v1/clients/{}/health", c["id"]), &token)
            .await
            .ok(200);
        let points = h["trend"].as_array().unwrap();
        assert!(points.len() >= 8, "{}: {} points", c["name"], points.len());
    }
});
