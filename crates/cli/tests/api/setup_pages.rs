//! The set-up pages over HTTP (issue 17, item 1): every form needs its CSRF token and the right
//! role, goes through the API's use cases (the same audit rows), and says what is wrong in the
//! words of the form's labels. The Chromium journey is tests/browser.rs.

use crate::both;
use crate::support::{PASSWORD, TestApp};
pub(crate) use crate::ui::Page;
use crate::ui::fetch;
use rapport_core::access::Role;

pub(crate) async fn get(app: &TestApp, path: &str, cookie: &str) -> Page {
    fetch(app, reqwest::Method::GET, path, &[cookie], None, &[]).await
}

pub(crate) async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> Page {
    fetch(app, reqwest::Method::POST, path, &[cookie], Some(form), &[]).await
}

pub(crate) async fn sign_in(app: &TestApp, email: &str, password: &str) -> String {
    let login = get(app, "/app/login", "").await;
    let lc = login.cookie("rapport_login_csrf").expect("login cookie");
    let res = post(
        app,
        "/app/login",
        &lc,
        &[
            ("csrf", &login.csrf()),
            ("email", email),
            ("password", password),
        ],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.cookie("rapport_session").expect("a session cookie")
}

/// The audit actions recorded against one target.
async fn audited(app: &TestApp, kind: &str, id: i64) -> Vec<String> {
    app.get(
        &format!("/api/v1/audit?target_kind={kind}&target_id={id}&limit=50"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// A form whose values are owned (its keys may repeat, as ticked boxes do).
pub(crate) async fn post_owned(
    app: &TestApp,
    path: &str,
    cookie: &str,
    form: Vec<(&str, String)>,
) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(app, path, cookie, &pairs).await
}

fn client_form<'a>(csrf: &'a str, tz: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", "Kaveri Foods"),
        ("tz", tz),
        ("hours", "mon-fri 09:00-18:00"),
        ("countries", "IN"),
        ("locale", "en-IN"),
        ("tone", "formal"),
        ("avoid", "Dear Sir/Madam"),
        ("glossary", "ladies' fingers = okra"),
        ("notes", "Prefers mail to calls."),
    ]
}

both!(
    set_up_forms_need_their_token_and_role_and_audit_like_the_api,
    |app: TestApp| async move {
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app", &owner).await;
        assert!(page.body.contains("Get started"), "{}", page.body);
        let form = get(&app, "/app/clients/new", &owner).await;
        assert_eq!(form.status, 200);
        let csrf = form.csrf();
        // No token, or another session's: refused, nothing written.
        let res = post(
            &app,
            "/app/clients/new",
            &owner,
            &client_form("", "Asia/Kolkata"),
        )
        .await;
        assert_eq!(res.status, 403, "{}", res.body);
        assert_eq!(app.count("clients").await, 0);
        // The right token: the client exists, with what the form said.
        let res = post(
            &app,
            "/app/clients/new",
            &owner,
            &client_form(&csrf, "Asia/Kolkata"),
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let id: i64 = res
            .location
            .strip_prefix("/app/clients/")
            .unwrap()
            .parse()
            .unwrap();
        let c = app
            .get(&format!("/api/v1/clients/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(c["calendar"]["tz"], "Asia/Kolkata");
        assert_eq!(c["calendar"]["countries"], serde_json::json!(["IN"]));
        assert_eq!(c["etiquette"]["glossary"][0]["theirs"], "ladies' fingers");
        assert_eq!(c["etiquette"]["glossary"][0]["ours"], "okra");
        assert_eq!(c["notes"], "Prefers mail to calls.");
        assert!(
            audited(&app, "client", id)
                .await
                .contains(&"client.create".to_string()),
            "the page writes the API's audit row"
        );
        // An agent may not set clients up nor invite members.
        app.member_token("agent@acme.example", Role::Agent).await;
        let agent = sign_in(&app, "agent@acme.example", PASSWORD).await;
        assert_eq!(get(&app, "/app/clients/new", &agent).await.status, 403);
        assert_eq!(get(&app, "/app/members/new", &agent).await.status, 403);
        let agent_csrf = get(&app, "/app/clients", &agent).await.csrf();
        let res = post(
            &app,
            "/app/members/new",
            &agent,
            &[
                ("csrf", &agent_csrf),
                ("name", "Sneaky"),
                ("email", "sneaky@acme.example"),
                ("role", "owner"),
                ("tz", "Europe/London"),
            ],
        )
        .await;
        assert_eq!(res.status, 403, "{}", res.body);
        assert_eq!(app.count("one_time_links").await, 0);
    }
);

both!(form_errors_speak_of_the_labels, |app: TestApp| async move {
    let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
    let csrf = get(&app, "/app/clients/new", &owner).await.csrf();
    let res = post(
        &app,
        "/app/clients/new",
        &owner,
        &client_form(&csrf, "Mars/Olympus"),
    )
    .await;
    res.says(422, "Time zone:");
    assert!(!res.body.contains("calendar.tz"), "{}", res.body);
    // What was typed stays in the form.
    assert!(
        res.body.contains("ladies&#39; fingers = okra")
            || res.body.contains("ladies' fingers = okra"),
        "{}",
        res.body
    );
    let client = app.client("Northwind").await;
    let res = post(
        &app,
        &format!("/app/clients/{client}/engagements/new"),
        &owner,
        &[
            ("csrf", &csrf),
            ("intent", "save"),
            ("name", "Reporting"),
            ("currency", "EUR"),
            ("normal_first", "soon"),
            ("rate", "12.345"),
        ],
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.body.contains("Hourly rate:") || res.body.contains("Normal-priority targets:"),
        "{}",
        res.body
    );
    assert_eq!(app.count("engagements").await, 0);
});

both!(
    an_engagement_from_the_form_with_a_scope_preview,
    |app: TestApp| async move {
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let client = app.client("Kaveri Foods").await;
        let form = get(
            &app,
            &format!("/app/clients/{client}/engagements/new"),
            &owner,
        )
        .await;
        assert_eq!(form.status, 200);
        let csrf = form.csrf();
        let brief = [
            ("csrf", csrf.as_str()),
            ("brief_text", "Reporting on the cold stores."),
            ("in_items", "Weekly temperature reports\nSales dashboards"),
            ("out_items", "Changes to the mobile app"),
            ("sample", "Please add a screen to the mobile app"),
        ];
        // As you type (htmx): only the verdict.
        let res = post(&app, "/app/engagements/scope-preview", &owner, &brief).await;
        res.says(200, "would say <strong>out</strong>");
        // Without JavaScript: the whole form again, nothing saved.
        let mut preview = brief.to_vec();
        preview.extend([
            ("intent", "preview"),
            ("name", "Cold chain"),
            ("currency", "INR"),
        ]);
        let res = post(
            &app,
            &format!("/app/clients/{client}/engagements/new"),
            &owner,
            &preview,
        )
        .await;
        res.says(200, "would say <strong>out</strong>");
        assert_eq!(app.count("engagements").await, 0);
        let mut save = brief.to_vec();
        save.extend([
            ("intent", "save"),
            ("name", "Cold chain"),
            ("currency", "INR"),
            ("rate", "4500"),
            ("budget_hours", "120"),
            ("normal_first", "2"),
            ("normal_next", "8"),
            ("normal_resolution", "40"),
            ("at_risk_percent", "80"),
            ("silence_hours", "12"),
        ]);
        let res = post(
            &app,
            &format!("/app/clients/{client}/engagements/new"),
            &owner,
            &save,
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let id: i64 = res
            .location
            .strip_prefix("/app/engagements/")
            .unwrap()
            .parse()
            .unwrap();
        let e = app
            .get(&format!("/api/v1/engagements/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(e["hourly_rate_minor"], 450_000);
        assert_eq!(e["budget_minutes"], 7200);
        assert_eq!(
            e["sla_policy"]["targets"]["normal"]["first_response_minutes"],
            120
        );
        assert_eq!(e["sla_policy"]["at_risk_percent"], 80);
        assert_eq!(e["silence_policy"]["max_business_minutes"], 720);
        let items = e["brief"]["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[2]["kind"], "out");
        let page = get(&app, &format!("/app/engagements/{id}"), &owner).await;
        assert!(
            page.body
                .contains("first reply within 2 business hours, each later reply within 8 business hours (1 working day of 8 hours), delivery within 40 business hours (5 working days of 8 hours) of Kaveri Foods&#39; calendar")
                || page.body.contains("first reply within 2 business hours, each later reply within 8 business hours (1 working day of 8 hours), delivery within 40 business hours (5 working days of 8 hours) of Kaveri Foods' calendar"),
            "{}",
            page.body
        );
        assert!(
            audited(&app, "engagement", id)
                .await
                .contains(&"engagement.create".to_string())
        );
    }
);

both!(
    a_member_invited_from_the_page_joins_through_the_mailed_link,
    |app: TestApp| async move {
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let csrf = get(&app, "/app/members/new", &owner).await.csrf();
        let res = post(
            &app,
            "/app/members/new",
            &owner,
            &[
                ("csrf", &csrf),
                ("name", "Ines Iyer"),
                ("email", "ines@acme.example"),
                ("role", "manager"),
                ("tz", "Asia/Kolkata"),
                ("working_hours", "mon-fri 10:00-18:00"),
                ("capacity_hours", "30"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let list = get(&app, "/app/members", &owner).await;
        assert!(
            list.body.contains("invited, not joined yet"),
            "{}",
            list.body
        );
        let token = app
            .link_in_mail("ines@acme.example", "/app/invite?token=")
            .await;
        let page = get(&app, &format!("/app/invite?token={token}"), "").await;
        assert_eq!(page.status, 200);
        let lc = page.cookie("rapport_login_csrf").unwrap();
        // The double-submit token is needed here too.
        let res = post(
            &app,
            "/app/invite",
            &lc,
            &[
                ("csrf", "forged"),
                ("token", &token),
                ("password", "ines chose this 42"),
            ],
        )
        .await;
        assert_eq!(res.status, 403, "{}", res.body);
        let res = post(
            &app,
            "/app/invite",
            &lc,
            &[
                ("csrf", &page.csrf()),
                ("token", &token),
                ("password", "short"),
            ],
        )
        .await;
        res.says(422, "Password:");
        let res = post(
            &app,
            "/app/invite",
            &lc,
            &[
                ("csrf", &page.csrf()),
                ("token", &token),
                ("password", "ines chose this 42"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(res.location, "/app");
        let session = res.cookie("rapport_session").expect("signed in");
        let home = get(&app, "/app", &session).await;
        assert!(home.body.contains("Ines Iyer"), "{}", home.body);
        sign_in(&app, "ines@acme.example", "ines chose this 42").await;
    }
);

both!(
    a_change_order_from_the_pages_covers_several_requests_is_edited_and_withdrawn,
    |app: TestApp| async move {
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let client = app.client("Kaveri Foods").await;
        let e = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                serde_json::json!({
                    "client_id": client, "name": "Cold chain", "currency": "EUR",
                    "hourly_rate_minor": 9550,
                    "brief": {"text": "Reports.", "items": [
                        {"id": "reports", "kind": "in", "text": "Weekly temperature reports"},
                        {"id": "app", "kind": "out", "text": "Changes to the mobile app"}]}
                }),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let csrf = get(&app, &format!("/app/clients/{client}"), &owner)
            .await
            .csrf();
        // Two requests logged for the client, both out of scope by the brief.
        let mut ids = Vec::new();
        for title in ["A new screen in the mobile app", "Mobile app login changes"] {
            let res = post(
                &app,
                "/app/requests/new",
                &owner,
                &[
                    ("csrf", &csrf),
                    ("client", &client.to_string()),
                    ("title", title),
                    ("body", "For the mobile app, please."),
                    ("engagement", &e.to_string()),
                    ("kind", "feature"),
                    ("priority", "normal"),
                ],
            )
            .await;
            assert_eq!(res.status, 303, "{}", res.body);
            let id: i64 = res
                .location
                .strip_prefix("/app/requests/")
                .unwrap()
                .parse()
                .unwrap();
            let page = get(&app, &res.location, &owner).await;
            assert!(
                page.body.contains("Draft a change order"),
                "an out-of-scope request offers a change order: {}",
                page.body
            );
            ids.push(id.to_string());
        }
        let path = format!("/app/engagements/{e}/change-orders/new");
        let form = |intent: &'static str, estimate: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("intent", intent.to_string()),
                ("requests", ids[0].clone()),
                ("requests", ids[1].clone()),
                ("title", "Mobile app work".to_string()),
                ("description", "Both screens.".to_string()),
                ("estimate_hours", estimate.to_string()),
            ]
        };
        // The price is estimate x rate, half up: 1.5 h x 95.50 = 143.25.
        let res = post_owned(&app, &path, &owner, form("price", "1.5")).await;
        res.says(200, "143.25");
        assert_eq!(app.count("change_orders").await, 0);
        // A bad estimate is told in the form's words.
        let res = post_owned(&app, &path, &owner, form("save", "a while")).await;
        res.says(422, "Estimate (hours):");
        // Without the token: refused.
        let mut forged = form("save", "1.5");
        forged[0].1 = "forged".into();
        assert_eq!(post_owned(&app, &path, &owner, forged).await.status, 403);
        let res = post_owned(&app, &path, &owner, form("save", "1.5")).await;
        assert_eq!(res.status, 303, "{}", res.body);
        let co: i64 = res
            .location
            .strip_prefix("/app/change-orders/")
            .unwrap()
            .parse()
            .unwrap();
        let api = app
            .get(&format!("/api/v1/change-orders/{co}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(api["request_ids"].as_array().unwrap().len(), 2);
        assert_eq!(api["price_minor"], 14325);
        assert_eq!(api["status"], "draft");
        // An agent sees it but may neither send nor withdraw it.
        app.member_token("agent@acme.example", Role::Agent).await;
        let agent = sign_in(&app, "agent@acme.example", PASSWORD).await;
        let seen = get(&app, &format!("/app/change-orders/{co}"), &agent).await;
        assert_eq!(seen.status, 200, "{}", seen.body);
        assert!(!seen.body.contains("Send to the client"), "{}", seen.body);
        let res = post(
            &app,
            &format!("/app/change-orders/{co}/send"),
            &agent,
            &[("csrf", &seen.csrf())],
        )
        .await;
        assert_eq!(res.status, 403, "{}", res.body);
        // The draft is edited: one request, two hours, priced again (2 h x 95.50 = 191.00).
        let edit = format!("/app/change-orders/{co}/edit");
        let form_page = get(&app, &edit, &owner).await;
        form_page.says(200, "Both screens.");
        let res = post_owned(
            &app,
            &edit,
            &owner,
            vec![
                ("csrf", csrf.clone()),
                ("intent", "save".into()),
                ("requests", ids[0].clone()),
                ("title", "Mobile app screen".into()),
                ("description", "One screen.".into()),
                ("estimate_hours", "2".into()),
                ("rate", "95.50".into()),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let api = app
            .get(&format!("/api/v1/change-orders/{co}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(api["request_ids"].as_array().unwrap().len(), 1);
        assert_eq!(api["price_minor"], 19100);
        assert_eq!(api["title"], "Mobile app screen");
        let res = post(
            &app,
            &format!("/app/change-orders/{co}/withdraw"),
            &owner,
            &[("csrf", &csrf), ("note", "They will do it in-house.")],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let page = get(&app, &format!("/app/engagements/{e}"), &owner).await;
        assert!(page.body.contains("withdrawn"), "{}", page.body);
        // Only a draft is edited.
        let res = post_owned(
            &app,
            &edit,
            &owner,
            vec![
                ("csrf", csrf.clone()),
                ("intent", "save".into()),
                ("requests", ids[0].clone()),
                ("title", "Too late".into()),
                ("description", "One screen.".into()),
                ("estimate_hours", "2".into()),
            ],
        )
        .await;
        res.says(409, "only a draft can be edited");
        let audit = audited(&app, "change_order", co).await;
        assert!(
            audit.contains(&"change_order.create".to_string())
                && audit.contains(&"change_order.update".to_string())
                && audit.contains(&"change_order.withdraw".to_string()),
            "{audit:?}"
        );
        assert!(!audit.contains(&"change_order.send".to_string()));
    }
);

both!(
    a_members_holidays_are_set_on_their_page,
    |app: TestApp| async move {
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let token = app.member_token("hal@acme.example", Role::Agent).await;
        let hal = app.get("/api/v1/me", &token).await.ok(200)["member"]["id"]
            .as_i64()
            .unwrap();
        let path = format!("/app/members/{hal}");
        let edit = |countries: &'static str, days: &'static str| {
            let (app, owner, path) = (&app, owner.clone(), path.clone());
            async move {
                let csrf = get(app, &path, &owner).await.csrf();
                post(
                    app,
                    &path,
                    &owner,
                    &[
                        ("csrf", &csrf),
                        ("name", "Hal"),
                        ("role", "agent"),
                        ("tz", "Europe/London"),
                        ("working_hours", "mon-fri 09:00-17:00"),
                        ("capacity_hours", "40"),
                        ("holiday_countries", countries),
                        ("holidays", days),
                        ("has_active", "yes"),
                        ("active", "yes"),
                    ],
                )
                .await
            }
        };
        let res = edit("GB", "2026-12-24\n2026-12-31").await;
        assert_eq!(res.status, 303, "{}", res.body);
        let m = app
            .get(&format!("/api/v1/members/{hal}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(m["holiday_countries"], serde_json::json!(["GB"]));
        assert_eq!(
            m["holidays"],
            serde_json::json!(["2026-12-24", "2026-12-31"])
        );
        let page = get(&app, &path, &owner).await;
        assert!(page.body.contains("2026-12-31"), "{}", page.body);
        // A bad date is refused in the words of the form, and nothing is lost.
        let res = edit("GB", "24/12/2026").await;
        res.says(422, "Other days off");
        let m = app
            .get(&format!("/api/v1/members/{hal}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(
            m["holidays"],
            serde_json::json!(["2026-12-24", "2026-12-31"])
        );
        // Emptying both fields clears them.
        assert_eq!(edit("", "").await.status, 303);
        let m = app
            .get(&format!("/api/v1/members/{hal}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(m["holidays"], serde_json::json!([]));
        assert_eq!(m["holiday_countries"], serde_json::json!([]));
    }
);

/// The newest audit row of `action` against one target.
async fn last_audit(app: &TestApp, kind: &str, id: i64, action: &str) -> serde_json::Value {
    app.get(
        &format!("/api/v1/audit?target_kind={kind}&target_id={id}&limit=50"),
        &app.owner,
    )
    .await
    .ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == action)
        .unwrap_or_else(|| panic!("no {action} audited"))
        .clone()
}

async fn member_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me", token).await.ok(200)["member"]["id"]
        .as_i64()
        .unwrap()
}

both!(
    an_engagement_team_of_active_members_of_the_org,
    |app: TestApp| async move {
        use serde_json::json;
        let client = app.client("Kaveri Foods").await;
        let ines = member_id(
            &app,
            &app.member_token("ines@acme.example", Role::Agent).await,
        )
        .await;
        let ravi = member_id(
            &app,
            &app.member_token("ravi@acme.example", Role::Agent).await,
        )
        .await;
        let gone = member_id(
            &app,
            &app.member_token("gone@acme.example", Role::Agent).await,
        )
        .await;
        app.patch(
            &format!("/api/v1/members/{gone}"),
            &app.owner,
            json!({"active": false}),
        )
        .await
        .ok(200);
        let other = app.app.create_org("globex", "Globex").await.unwrap();
        let stranger = app
            .app
            .add_member_as_operator(
                other.id,
                crate::support::member("boss@globex.example", "Boss", Role::Owner),
            )
            .await
            .unwrap()
            .id
            .0;
        let base = json!({"client_id": client, "name": "Cold chain", "currency": "EUR"});
        let with_team = |ids: serde_json::Value| {
            let mut b = base.clone();
            b["team_member_ids"] = ids;
            b
        };

        // A deactivated member or one of another firm is refused, saying why.
        for (who, words) in [(gone, "is deactivated"), (stranger, "no member")] {
            let res = app
                .post(
                    "/api/v1/engagements",
                    &app.owner,
                    with_team(json!([ines, who])),
                )
                .await
                .problem(422);
            assert_eq!(res.fields(), ["team_member_ids"], "{}", res.body);
            assert!(
                res.body["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains(words),
                "{}",
                res.body
            );
        }
        assert_eq!(app.count("engagements").await, 0);

        // Named twice, counted once; the answer carries the team.
        let e = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                with_team(json!([ravi, ines, ravi])),
            )
            .await
            .ok(201);
        let id = e["id"].as_i64().unwrap();
        let mut both_ids = [ines, ravi];
        both_ids.sort();
        assert_eq!(e["team"], json!(both_ids), "{e}");
        assert_eq!(
            last_audit(&app, "engagement", id, "engagement.create").await["details"]["team"],
            json!(both_ids)
        );

        // A change replaces the team and the audit row names who joined and who left.
        let owner = member_id(&app, &app.owner).await;
        let e = app
            .patch(
                &format!("/api/v1/engagements/{id}"),
                &app.owner,
                json!({"team_member_ids": [ines, owner]}),
            )
            .await
            .ok(200);
        let mut now_ids = [ines, owner];
        now_ids.sort();
        assert_eq!(e["team"], json!(now_ids));
        let row = last_audit(&app, "engagement", id, "engagement.update").await;
        assert_eq!(row["details"]["team_added"], json!([owner]), "{row}");
        assert_eq!(row["details"]["team_removed"], json!([ravi]), "{row}");
        let got = app
            .get(&format!("/api/v1/engagements/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(got["team"], json!(now_ids));
        let listed = app
            .get(
                &format!("/api/v1/engagements?client_id={client}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(listed["items"][0]["team"], json!(now_ids));

        // Deactivating Ines later does not block other edits; adding the deactivated is refused.
        app.patch(
            &format!("/api/v1/members/{ines}"),
            &app.owner,
            json!({"active": false}),
        )
        .await
        .ok(200);
        app.patch(
            &format!("/api/v1/engagements/{id}"),
            &app.owner,
            json!({"name": "Cold chain 2"}),
        )
        .await
        .ok(200);
        let res = app
            .patch(
                &format!("/api/v1/engagements/{id}"),
                &app.owner,
                json!({"team_member_ids": [ines, owner, gone]}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["team_member_ids"]);
        // An empty list empties the team.
        let e = app
            .patch(
                &format!("/api/v1/engagements/{id}"),
                &app.owner,
                json!({"team_member_ids": []}),
            )
            .await
            .ok(200);
        assert_eq!(e["team"], json!([]));
        // Agents may not set a team.
        let agent = app.member_token("agent@acme.example", Role::Agent).await;
        app.patch(
            &format!("/api/v1/engagements/{id}"),
            &agent,
            json!({"team_member_ids": [owner]}),
        )
        .await
        .problem(403);
    }
);

both!(
    the_engagement_form_ticks_its_team_and_the_page_lists_it,
    |app: TestApp| async move {
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let client = app.client("Kaveri Foods").await;
        let ines = member_id(
            &app,
            &app.member_token("ines@acme.example", Role::Agent).await,
        )
        .await;
        let gone = member_id(
            &app,
            &app.member_token("gone@acme.example", Role::Agent).await,
        )
        .await;
        app.patch(
            &format!("/api/v1/members/{gone}"),
            &app.owner,
            serde_json::json!({"active": false}),
        )
        .await
        .ok(200);
        let path = format!("/app/clients/{client}/engagements/new");
        let form = get(&app, &path, &owner).await;
        assert!(
            form.body
                .contains(&format!("name=\"team\" value=\"{ines}\"")),
            "active members can be ticked: {}",
            form.body
        );
        assert!(
            !form
                .body
                .contains(&format!("name=\"team\" value=\"{gone}\"")),
            "deactivated members are not offered"
        );
        let csrf = form.csrf();
        let base = vec![
            ("csrf", csrf.clone()),
            ("intent", "save".to_string()),
            ("name", "Cold chain".to_string()),
            ("currency", "EUR".to_string()),
        ];
        // A deactivated member posted anyway: the form comes back with the reason and the ticks.
        let mut bad = base.clone();
        bad.push(("team", ines.to_string()));
        bad.push(("team", gone.to_string()));
        let res = post_owned(&app, &path, &owner, bad).await;
        res.says(422, "Team:");
        assert!(res.body.contains("is deactivated"), "{}", res.body);
        assert!(
            res.body
                .contains(&format!("name=\"team\" value=\"{ines}\" checked")),
            "what was ticked is kept: {}",
            res.body
        );
        assert_eq!(app.count("engagements").await, 0);

        let mut good = base.clone();
        good.push(("team", ines.to_string()));
        let res = post_owned(&app, &path, &owner, good).await;
        assert_eq!(res.status, 303, "{}", res.body);
        let id: i64 = res
            .location
            .strip_prefix("/app/engagements/")
            .unwrap()
            .parse()
            .unwrap();
        let page = get(&app, &format!("/app/engagements/{id}"), &owner).await;
        assert!(
            page.body.contains("<dd id=\"team\">ines</dd>"),
            "{}",
            page.body
        );

        // The edit form holds the team ticked; unticking everyone empties it, audited.
        let edit = get(&app, &format!("/app/engagements/{id}/edit"), &owner).await;
        assert!(
            edit.body
                .contains(&format!("name=\"team\" value=\"{ines}\" checked")),
            "{}",
            edit.body
        );
        let res = post_owned(
            &app,
            &format!("/app/engagements/{id}/edit"),
            &owner,
            vec![
                ("csrf", edit.csrf()),
                ("intent", "save".to_string()),
                ("name", "Cold chain".to_string()),
                ("status", "active".to_string()),
                ("currency", "EUR".to_string()),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let page = get(&app, &format!("/app/engagements/{id}"), &owner).await;
        assert!(
            page.body.contains("<dd id=\"team\">nobody yet</dd>"),
            "{}",
            page.body
        );
        let row = last_audit(&app, "engagement", id, "engagement.update").await;
        assert_eq!(row["details"]["team_removed"], serde_json::json!([ines]));
    }
);

/// The names of the clients a list answer holds.
fn client_names(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

both!(
    clients_are_found_by_notes_and_contacts_a_page_at_a_time,
    |app: TestApp| async move {
        use serde_json::json;
        let kaveri = app.client("Kaveri Foods").await;
        app.post(
            "/api/v1/contacts",
            &app.owner,
            json!({"client_id": kaveri, "name": "Priya Mehta", "email": "priya@kaveri.example"}),
        )
        .await
        .ok(201);
        app.post(
            "/api/v1/clients",
            &app.owner,
            json!({"name": "Globex", "calendar": {"tz": "Asia/Kolkata"}, "notes": "Cold stores in Pune; 100% on time"}),
        )
        .await
        .ok(201);
        app.client("Initech").await;
        let find = |q: &str| {
            format!(
                "/api/v1/clients?q={}",
                q.replace('%', "%25").replace(' ', "+")
            )
        };
        // Any case, in name, notes, a contact's name or address; % and _ are only characters.
        for (q, want) in [
            ("PRIYA", vec!["Kaveri Foods"]),
            ("kaveri.example", vec!["Kaveri Foods"]),
            ("pune", vec!["Globex"]),
            ("100%", vec!["Globex"]),
            ("%", vec!["Globex"]),
            ("_", vec![]),
            ("  init ", vec!["Initech"]),
            ("", vec!["Kaveri Foods", "Globex", "Initech"]),
        ] {
            let got = app.get(&find(q), &app.owner).await.ok(200);
            assert_eq!(client_names(&got), want, "q={q:?}");
        }
        let long = "x".repeat(201);
        let res = app.get(&find(&long), &app.owner).await.problem(422);
        assert_eq!(res.fields(), ["q"]);

        // Beyond a page: 52 more shops, found 50 at a time with a next-page link and the count.
        for n in 1..=52 {
            app.client(&format!("Shop {n:02}")).await;
        }
        let first = app
            .get("/api/v1/clients?q=shop&limit=50", &app.owner)
            .await
            .ok(200);
        assert_eq!(client_names(&first).len(), 50);
        let cursor = first["next_cursor"].as_str().unwrap();
        let rest = app
            .get(
                &format!("/api/v1/clients?q=shop&limit=50&cursor={cursor}"),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(client_names(&rest), ["Shop 51", "Shop 52"]);
        assert!(rest["next_cursor"].is_null());

        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app/clients?q=SHOP", &owner).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("52 clients match"), "{}", page.body);
        assert!(page.body.contains("Shop 50") && !page.body.contains("Shop 51"));
        let at = page
            .body
            .find("rel=\"next\" href=\"")
            .expect("a next page link")
            + 17;
        let href = page.body[at..][..page.body[at..].find('"').unwrap()].replace("&amp;", "&");
        let next = get(&app, &href, &owner).await;
        assert!(
            next.body.contains("Shop 51")
                && next.body.contains("Shop 52")
                && !next.body.contains("Shop 50"),
            "{}",
            next.body
        );
        assert!(!next.body.contains("rel=\"next\""));
        let page = get(&app, "/app/clients?q=priya", &owner).await;
        assert!(page.body.contains("1 client matches"), "{}", page.body);
        assert!(page.body.contains("Kaveri Foods"));
        let page = get(&app, "/app/clients?q=nobody+at+all", &owner).await;
        assert!(page.body.contains("No client matches"), "{}", page.body);
        let page = get(&app, &format!("/app/clients?q={long}"), &owner).await;
        assert_eq!(page.status, 422);
        assert!(
            page.body.contains("Find a client: at most 200 characters"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(&format!("value=\"{long}\"")),
            "what was typed is kept"
        );
    }
);

both!(
    get_started_walks_an_admin_through_mail_after_the_records,
    |app: TestApp| async move {
        let owner = sign_in(&app, "owner@acme.example", PASSWORD).await;
        app.member_token("ines@acme.example", Role::Agent).await;
        let client = app.client("Kaveri Foods").await;
        app.contact(client, "priya@kaveri.example", None).await;
        app.post(
            "/api/v1/engagements",
            &app.owner,
            serde_json::json!({"client_id": client, "name": "Reporting", "currency": "GBP"}),
        )
        .await
        .ok(201);
        // The records are set up; the mail set-up is next, each a link to its page.
        let page = get(&app, "/app", &owner).await;
        assert!(page.body.contains("Get started"), "{}", page.body);
        assert!(
            page.body
                .contains("Write an engagement: its brief, budget and service levels — done")
        );
        assert!(
            page.body.contains("<a href=\"/app/admin/mailboxes/new\">"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("<a href=\"/app/admin/canned/new\">"),
            "{}",
            page.body
        );
        // An agent cannot set mail up, so is not asked to: their list is done and gone.
        let agent = sign_in(&app, "ines@acme.example", PASSWORD).await;
        let page = get(&app, "/app", &agent).await;
        assert!(!page.body.contains("Get started"), "{}", page.body);

        app.post(
            "/api/v1/canned-replies",
            &app.owner,
            serde_json::json!({"name": "Thanks", "body": "Thank you, {{contact.preferred_name}}."}),
        )
        .await
        .ok(201);
        let page = get(&app, "/app", &owner).await;
        assert!(
            page.body
                .contains("Write canned replies for what you answer often — done")
        );
        app.post(
            "/api/v1/mailboxes",
            &app.owner,
            serde_json::json!({"name": "Support", "host": "imap.example.com",
                               "username": "support", "password": "hunter2-imap"}),
        )
        .await
        .ok(201);
        let page = get(&app, "/app", &owner).await;
        assert!(
            !page.body.contains("Get started"),
            "gone once all is set up: {}",
            page.body
        );
    }
);
