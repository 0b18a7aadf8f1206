//! The scope check learns from the firm, through HTTP: a person's override of one request's
//! verdict is cited by the next similar request ("decided like #A"), on the API and on the
//! request page, and a dissimilar request is checked on its words alone.

use serde_json::{Value, json};

use crate::both;
use crate::setup_pages::{get, sign_in};
use crate::support::{PASSWORD, TestApp};

fn brief() -> Value {
    json!({
        "text": "Care of the web shop of a garden centre.",
        "items": [
            {"id": "shop", "kind": "in", "text": "Checkout, cart and payment flow of the web shop"},
            {"id": "integrations", "kind": "out", "text": "Third-party integrations"}
        ]
    })
}

async fn engagement(app: &TestApp, client: i64, name: &str) -> i64 {
    app.engagement_with_brief(client, name, "GBP", brief())
        .await
}

async fn request(app: &TestApp, client: i64, engagement: i64, title: &str, body: &str) -> Value {
    app.request_in(client, engagement, title, body).await
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

const REASON: &str = "the nightly Salesforce export was sold with the shop";

both!(
    an_override_is_cited_by_the_next_similar_request,
    |app: TestApp| async move {
        app.set_now("2027-03-03T10:00:00Z");
        let client = app.client("Greenleaf Garden Centre").await;
        let e = engagement(&app, client, "Shop care").await;

        let a = request(
            &app,
            client,
            e,
            "Orders into Salesforce",
            "Can the web shop push its orders into Salesforce every night?",
        )
        .await;
        assert_eq!(a["scope"]["verdict"], "out", "{}", a["scope"]);
        assert!(
            a["scope"].get("precedents").is_none(),
            "nothing decided yet"
        );
        app.post(
            &format!("/api/v1/requests/{}/scope", id(&a)),
            &app.owner,
            json!({"verdict": "in", "reason": REASON}),
        )
        .await
        .ok(200);

        app.set_now("2027-03-20T10:00:00Z");
        let b = request(
            &app,
            client,
            e,
            "Salesforce orders",
            "Could the web shop push its orders into Salesforce each night?",
        )
        .await;
        let s = &b["scope"];
        assert_eq!(
            s["verdict"], "in",
            "the person's verdict on #A decides: {s}"
        );
        let p = &s["precedents"][0];
        assert_eq!(p["request_id"], id(&a), "{s}");
        assert_eq!(p["verdict"], "in");
        assert_eq!(p["effect"], "decided");
        assert_eq!(p["reason"], REASON);
        assert_eq!(p["decided_by"], "Olu Owner");
        assert_eq!(p["decided_on"], "2027-03-03");
        assert_eq!(p["same_engagement"], true);
        assert!(
            p["terms"]
                .as_array()
                .unwrap()
                .contains(&json!("salesforce")),
            "{p}"
        );
        let cite = format!(
            "decided like #{} on 3 March 2027 by Olu Owner: in (reason: {REASON})",
            id(&a)
        );
        assert_eq!(s["reason"], cite.as_str(), "{s}");

        // The request page's scope box shows the precedent with a link to it.
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let page = get(&app, &format!("/app/requests/{}", id(&b)), &owner).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("scope-precedents"), "{}", page.body);
        assert!(page.body.contains("decided like #"), "{}", page.body);
        assert!(
            page.body
                .contains(&format!("href=\"/app/requests/{}\"", id(&a))),
            "{}",
            page.body
        );

        // A dissimilar request cites nothing and is checked on its words.
        let c = request(
            &app,
            client,
            e,
            "Basket total",
            "When you add two bags of compost the cart total at checkout shows zero.",
        )
        .await;
        let s = &c["scope"];
        assert_eq!(s["verdict"], "in", "{s}");
        assert!(s.get("precedents").is_none(), "{s}");
        assert!(!c.to_string().contains(&format!("#{}", id(&a))), "{c}");
    }
);

both!(
    another_engagements_decision_weighs_less_and_a_recheck_never_cites_itself,
    |app: TestApp| async move {
        app.set_now("2027-03-03T10:00:00Z");
        let client = app.client("Greenleaf Garden Centre").await;
        let first = engagement(&app, client, "Shop care 2026").await;
        let second = engagement(&app, client, "Shop care 2027").await;
        let (title, body) = (
            "Orders into Salesforce",
            "Can the web shop push its orders into Salesforce every night?",
        );
        let a = request(&app, client, first, title, body).await;
        app.post(
            &format!("/api/v1/requests/{}/scope", id(&a)),
            &app.owner,
            json!({"verdict": "in", "reason": REASON}),
        )
        .await
        .ok(200);

        // Checked again, A is not its own precedent.
        let s = app
            .post(
                &format!("/api/v1/requests/{}/scope/check", id(&a)),
                &app.owner,
                json!({}),
            )
            .await
            .ok(200)["scope"]
            .clone();
        assert!(s.get("precedents").is_none(), "{s}");

        // The same words under another engagement: cited, weighted lower than its own would be.
        let b = request(&app, client, second, title, body).await;
        let p = &b["scope"]["precedents"][0];
        assert_eq!(p["request_id"], id(&a), "{}", b["scope"]);
        assert_eq!(p["same_engagement"], false);
        let similarity = p["similarity"].as_f64().unwrap();
        assert!(similarity < 1.0 && similarity > 0.0, "{p}");
    }
);
