//! Full-text search through the API: ranking, phrases, prefixes, snippets, filters, pages,
//! what each caller may see, and queries full of FTS syntax that must be read as text.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::TestApp;

/// Percent-encode a query parameter value (every byte outside `[A-Za-z0-9]`).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn search_path(q: &str, extra: &str) -> String {
    format!("/api/v1/search?q={}{extra}", enc(q))
}

fn hit_ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .iter()
        .map(|h| h["request_id"].as_i64().unwrap())
        .collect()
}

async fn find(app: &TestApp, token: &str, q: &str, extra: &str) -> Value {
    app.get(&search_path(q, extra), token).await.ok(200)
}

async fn create(app: &TestApp, body: Value) -> i64 {
    app.post("/api/v1/requests", &app.owner, body).await.ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn message(app: &TestApp, request: i64, direction: &str, body: &str) -> i64 {
    app.post(
        &format!("/api/v1/requests/{request}/messages"),
        &app.owner,
        json!({"direction": direction, "body": body}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

/// No markup in a snippet other than the `<mark>` elements we add.
fn assert_safe(snippet: &str) {
    let stripped = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !stripped.contains('<') && !stripped.contains('>'),
        "unescaped markup in {snippet:?}"
    );
}

both!(
    search_ranks_matches_and_highlights,
    |app: TestApp| async move {
        let kaveri = app.client("Kaveri Foods").await;
        let halvorsen = app.client("Halvorsen Analytics").await;
        let title_hit = create(
        &app,
        json!({"client_id": kaveri, "title": "Brinjal volumes doubled", "kind": "bug",
               "body": "Since the ERP export changed, figures look wrong.", "tags": ["dashboards"]}),
    )
    .await;
        let body_hit = create(
        &app,
        json!({"client_id": halvorsen, "title": "Weekly report",
               "body": "Week 14 shows a brinjal line we do not sell. <script>alert(1)</script> & more"}),
    )
    .await;
        let reversed = create(
        &app,
        json!({"client_id": halvorsen, "title": "Figures for 14 week plan", "kind": "question"}),
    )
    .await;
        let thread = create(
            &app,
            json!({"client_id": kaveri, "title": "Quarterly extract", "kind": "data"}),
        )
        .await;
        let okra_msg = message(&app, thread, "outbound", "The okra counts are fixed now.").await;

        // A word in a title outranks the same word in a body; stemming finds "volumes" from "volume".
        let r = find(&app, &app.owner, "brinjal", "").await;
        assert_eq!(hit_ids(&r), [title_hit, body_hit], "{r}");
        assert_eq!(r["query"], "brinjal");
        assert_eq!(r["truncated"], false);
        let first = &r["items"][0];
        assert_eq!(first["matched_in"], "request");
        assert_eq!(first["ref"], title_hit.to_string());
        assert_eq!(first["title"], "Brinjal volumes doubled");
        assert_eq!(first["status"], "new");
        assert_eq!(first["kind"], "bug");
        assert_eq!(first["client_id"], kaveri);
        assert!(first["created_at"].is_string());
        assert!(first["message_id"].is_null());
        assert!(
            first["snippet"]
                .as_str()
                .unwrap()
                .contains("<mark>Brinjal</mark>"),
            "{first}"
        );
        for h in r["items"].as_array().unwrap() {
            assert_safe(h["snippet"].as_str().unwrap());
        }
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "volume", "").await),
            [title_hit]
        );

        // Phrases keep order; words alone do not.
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "\"week 14\"", "").await),
            [body_hit]
        );
        let mut both_orders = hit_ids(&find(&app, &app.owner, "week 14", "").await);
        both_orders.sort();
        assert_eq!(both_orders, [body_hit, reversed]);

        // Prefixes, and tags.
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "dashb*", "").await),
            [title_hit]
        );
        // Terms are ANDed.
        assert!(hit_ids(&find(&app, &app.owner, "brinjal okra", "").await).is_empty());

        // A match in a message names the message.
        let r = find(&app, &app.owner, "okra", "").await;
        assert_eq!(hit_ids(&r), [thread]);
        assert_eq!(r["items"][0]["matched_in"], "message");
        assert_eq!(r["items"][0]["message_id"], okra_msg);
        assert!(
            r["items"][0]["snippet"]
                .as_str()
                .unwrap()
                .contains("<mark>okra</mark>"),
            "{r}"
        );

        // One hit per request, however many of its messages match.
        message(&app, title_hit, "note", "Brinjal again: brinjal brinjal.").await;
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "brinjal", "").await).len(),
            2
        );

        // Edits are searchable at once, and the old words are gone.
        app.patch(
            &format!("/api/v1/requests/{reversed}"),
            &app.owner,
            json!({"title": "Courgette forecast"}),
        )
        .await
        .ok(200);
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "courgette", "").await),
            [reversed]
        );
        assert!(
            hit_ids(&find(&app, &app.owner, "\"14 week\"", "").await).is_empty(),
            "the old title is no longer indexed"
        );

        // Filters: client, status list, kind, dates.
        assert_eq!(
            hit_ids(
                &find(
                    &app,
                    &app.owner,
                    "brinjal",
                    &format!("&client_id={halvorsen}")
                )
                .await
            ),
            [body_hit]
        );
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "brinjal", "&kind=bug").await),
            [title_hit]
        );
        app.post(
            &format!("/api/v1/requests/{body_hit}/transition"),
            &app.owner,
            json!({"status": "triaged"}),
        )
        .await
        .ok(200);
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "brinjal", "&status=triaged,closed").await),
            [body_hit]
        );
        assert_eq!(
            hit_ids(
                &find(
                    &app,
                    &app.owner,
                    "brinjal",
                    "&from=2000-01-01&to=2999-12-31"
                )
                .await
            )
            .len(),
            2
        );
        assert!(
            hit_ids(&find(&app, &app.owner, "brinjal", "&to=2001-01-01").await).is_empty(),
            "nothing was created before 2001"
        );
        assert!(hit_ids(&find(&app, &app.owner, "brinjal", "&from=2999-01-01").await).is_empty());
    }
);

both!(search_pages_by_offset, |app: TestApp| async move {
    let c = app.client("Kaveri Foods").await;
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(
            create(
                &app,
                json!({"client_id": c, "title": format!("Okra delivery {i}")}),
            )
            .await,
        );
    }
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = find(
            &app,
            &app.owner,
            "okra",
            &format!("&limit=3&offset={offset}"),
        )
        .await;
        let ids = hit_ids(&page);
        assert!(ids.len() <= 3);
        seen.extend(ids);
        match page["next_offset"].as_u64() {
            Some(n) => offset = n as usize,
            None => break,
        }
    }
    seen.sort();
    made.sort();
    assert_eq!(seen, made, "every hit once across the pages");
});

both!(
    contacts_search_their_client_without_notes,
    |app: TestApp| async move {
        let a = app.client("Client A").await;
        let b = app.client("Client B").await;
        app.contact(a, "pat@a.example", Some("portal password a"))
            .await;
        let own = app.request(a, "Okra report").await["id"].as_i64().unwrap();
        let other = app.request(b, "Okra audit").await["id"].as_i64().unwrap();
        message(&app, own, "note", "Internal: zucchini pricing is a secret").await;
        message(&app, own, "outbound", "Your courgette figures are ready").await;
        let (cookie, _) = app
            .portal_session("pat@a.example", "portal password a")
            .await;
        let portal = |q: &str, extra: &str| {
            let path = search_path(q, extra);
            let cookie = cookie.clone();
            let app = &app;
            async move {
                app.with_cookie(Method::GET, &path, &cookie, None, None)
                    .await
                    .ok(200)
            }
        };
        assert_eq!(hit_ids(&portal("okra", "").await), [own]);
        assert!(
            hit_ids(&portal("zucchini", "").await).is_empty(),
            "internal notes never match for contacts"
        );
        assert_eq!(hit_ids(&portal("courgette", "").await), [own]);
        assert!(
            hit_ids(&portal("okra", &format!("&client_id={b}")).await).is_empty(),
            "another client's work does not exist for a contact"
        );
        // Members see everything, notes included.
        let agent = app
            .member_token("agent@acme.example", rapport_core::access::Role::Agent)
            .await;
        let mut all = hit_ids(&find(&app, &agent, "okra", "").await);
        all.sort();
        assert_eq!(all, [own, other]);
        assert_eq!(hit_ids(&find(&app, &agent, "zucchini", "").await), [own]);
        // Anonymous callers are refused.
        app.call(Method::GET, &search_path("okra", ""), None, None)
            .await
            .problem(401);
    }
);

both!(
    search_syntax_is_text_never_an_error,
    |app: TestApp| async move {
        let c = app.client("Kaveri Foods").await;
        let okra = create(
        &app,
        json!({"client_id": c, "title": "Okra: counts (week 14) -- \"urgent\"", "body": "NEAR the AND gate ^ 2"}),
    )
    .await;
        let hostile = [
            "\"",
            "\"okra",
            "okra\"",
            "*",
            "okra*",
            "o*",
            ":",
            "okra:",
            "title:okra",
            "-okra",
            "okra -counts",
            "(((okra",
            "okra)))",
            "^okra",
            "NEAR(okra counts)",
            "okra AND counts",
            "okra OR",
            "NOT okra",
            "okra:*",
            "'okra'",
            "okra & counts | !x",
            "okra <-> counts",
            "\\okra\\",
            "{okra}",
            "[okra]",
            "okra;DROP TABLE requests;--",
            "%_okra_%",
            "okra\u{0}counts",
            "“okra”",
            "ókra",
        ];
        for q in hostile {
            let res = app.get(&search_path(q, ""), &app.owner).await;
            assert!(
                res.status == 200 || res.status == 422,
                "{q:?} answered {}: {}",
                res.status,
                res.body
            );
        }
        for q in [
            "okra:",
            "(((okra",
            "okra\"",
            "^okra",
            "okra:*",
            "{okra}",
            "“okra”",
        ] {
            assert_eq!(
                hit_ids(&find(&app, &app.owner, q, "").await),
                [okra],
                "{q:?} searches the word okra"
            );
        }
        // Operator words and punctuation are text separators, not syntax.
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "okra AND counts", "").await),
            [okra]
        );
        assert_eq!(
            hit_ids(&find(&app, &app.owner, "\"week 14\" urgent", "").await),
            [okra]
        );

        // 10 KB of query is cut, not refused.
        let long: String = (0..2000).map(|i| format!("word{i} ")).collect();
        assert!(long.len() > 10_000);
        let r = find(&app, &app.owner, &long, "").await;
        assert_eq!(r["truncated"], true);
        let long_syntax = "(\"*:-^".repeat(2000) + " okra";
        let r = app.get(&search_path(&long_syntax, ""), &app.owner).await;
        assert!(r.status == 200 || r.status == 422, "{}", r.body);

        // Nothing searchable: 422 naming q.
        for q in ["", "   ", "*", "\"\"", ":-()", "AND OR NOT"] {
            let res = app.get(&search_path(q, ""), &app.owner).await.problem(422);
            assert_eq!(res.fields(), ["q"], "{q:?}: {}", res.body);
        }
        let res = app.get("/api/v1/search", &app.owner).await.problem(422);
        assert_eq!(res.fields(), ["q"]);
        // Bad parameters name themselves.
        for (extra, field) in [
            ("&limit=0", "limit"),
            ("&limit=101", "limit"),
            ("&offset=1001", "offset"),
            ("&from=yesterday", "from"),
            ("&from=2026-02-01&to=2026-01-01", "to"),
        ] {
            let res = app
                .get(&search_path("okra", extra), &app.owner)
                .await
                .problem(422);
            assert_eq!(res.fields(), [field], "{extra}: {}", res.body);
        }
        let res = app
            .get(&search_path("okra", "&status=bogus"), &app.owner)
            .await
            .problem(400);
        assert_eq!(res.fields(), ["status"]);
        let res = app
            .get(&search_path("okra", "&sort=rank"), &app.owner)
            .await
            .problem(400);
        assert_eq!(res.fields(), ["sort"]);
    }
);
