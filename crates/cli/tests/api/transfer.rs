//! Moving an org with `rapport export` and `rapport import`: SQLite to PostgreSQL with every
//! row compared, a second copy renumbered with every reference following, and broken files
//! that import nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rapport_app::Ctx;
use rapport_app::search::SearchInput;
use rapport_app::secrets::SecretBox;
use rapport_app::{App, Settings};
use rapport_core::access::Principal;
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::change_order::DecisionInput;
use rapport_core::ids::{ChangeOrderId, ClientId, ContactId, OrgId, RequestId};
use rapport_core::request::NewRequest;
use rapport_seed::demo::{DEMO_OWNER, DEMO_PASSWORD};
use rapport_store::testing::TestDb;
use rapport_store::transfer::remap::Remap;
use rapport_store::transfer::spec::{self, Ref, TABLES};
use rapport_store::{Engine, Store, params};
use serde_json::{Value, json};

use crate::support::{TEST_SECRET_KEY, TestApp};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn rapport(args: &[&str]) -> Run {
    let out = Command::new(BIN).args(args).output().expect("run rapport");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `rapport ARGS < file`.
fn rapport_stdin(args: &[&str], file: &Path) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .stdin(std::fs::File::open(file).unwrap())
        .output()
        .expect("run rapport");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    r
}

/// A failure: exit 2 and one line naming the problem.
#[track_caller]
fn refused(r: Run, mentions: &str) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
    assert!(
        r.stderr.contains(mentions),
        "{mentions:?} not in {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "rapport-transfer-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sqlite_url(store: &Store) -> String {
    format!("sqlite://{}", store.sqlite_path().unwrap().display())
}

/// The demo workspace plus rows made through the API and the app, so that every exported
/// table holds rows. Returns the org and an API token of its owner.
async fn varied_org(app: &TestApp) -> (OrgId, String) {
    // It replies to London clients: in their business hours, or the replies would be held.
    app.start_clock_in_london_office_hours();
    let a = &app.app;
    rapport_seed::demo::seed(a).await.unwrap();
    let org = a.org_by_slug("northwind").await.unwrap().unwrap();
    let owner = a
        .member_by_email(org.id, DEMO_OWNER)
        .await
        .unwrap()
        .unwrap();
    let ctx = a.ctx_for_member(org.id, owner.id).await.unwrap();
    let (_, token) = a
        .create_token_for(&ctx, owner.id, "moving day")
        .await
        .unwrap();
    let client = app
        .post(
            "/api/v1/clients",
            &token,
            json!({"name": "Export Test Client", "calendar": {"tz": "Europe/London"}}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let contact = app
        .post(
            "/api/v1/contacts",
            &token,
            json!({"client_id": client, "name": "Eve Export", "email": "eve@export.example"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/contacts/{contact}/invite"),
        &token,
        json!({}),
    )
    .await
    .ok(202);
    let request = app
        .post(
            "/api/v1/requests",
            &token,
            json!({"client_id": client, "contact_id": contact, "title": "Aubergine export check",
                   "body": "Sentinel word zanzibar", "tags": ["moving", "tests"], "kind": "data"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/requests/{request}/assign"),
        &token,
        json!({"assignee_id": owner.id.0}),
    )
    .await
    .ok(200);
    app.patch(
        &format!("/api/v1/requests/{request}"),
        &token,
        json!({"title": "Aubergine (brinjal) export check", "estimate_minutes": 45}),
    )
    .await
    .ok(200);
    for (direction, body) in [
        ("note", "Internal: compare every row"),
        ("outbound", "We are moving your data today."),
    ] {
        app.post(
            &format!("/api/v1/requests/{request}/messages"),
            &token,
            json!({"direction": direction, "body": body}),
        )
        .await
        .ok(201);
    }
    let promise = app
        .post(
            "/api/v1/promises",
            &token,
            json!({"request_id": request, "kind": "delivery", "due_at": "2031-01-01T00:00:00Z"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/promises/{promise}/renegotiate"),
        &token,
        json!({"due_at": "2031-02-01T00:00:00Z", "reason": "the move takes a month"}),
    )
    .await
    .ok(200);
    app.post(
        "/api/v1/requests/quick",
        &token,
        json!({"client_id": client, "title": "Quick fix", "minutes": 15, "reply": "Done."}),
    )
    .await
    .ok(201);
    // A session (not exported), an alert, a job, and a change order (no API yet).
    a.sign_in_member(
        rapport_app::auth::Credentials {
            org: Some("northwind".into()),
            email: DEMO_OWNER.into(),
            password: DEMO_PASSWORD.into(),
            totp: None,
        },
        None,
        None,
    )
    .await
    .unwrap();
    let now = a.now();
    let org_id = org.id;
    let recipient = owner.id;
    a.store()
        .write(move |db| -> rapport_app::AppResult<()> {
            rapport_app::alerts::raise(
                db,
                org_id,
                &NewAlert {
                    kind: "promise.at_risk".into(),
                    severity: Severity::Warning,
                    subject_kind: Some("request"),
                    subject_id: Some(request),
                    message: "The delivery is at risk".into(),
                    details: json!({"request_id": request, "promise_id": promise}),
                    recipient_id: Some(recipient),
                    dedupe_key: format!("promise.at_risk:{promise}"),
                },
                now,
            )?;
            let eng = db.query_one(
                "SELECT id, client_id FROM engagements WHERE org_id = $1 ORDER BY id LIMIT 1",
                params![org_id],
            )?;
            let (eng_id, eng_client): (i64, i64) = (eng.get("id")?, eng.get("client_id")?);
            let req: i64 = db.scalar(
                "SELECT id FROM requests WHERE org_id = $1 AND engagement_id = $2 ORDER BY id LIMIT 1",
                params![org_id, eng_id],
            )?;
            let co: i64 = db.scalar(
                "INSERT INTO change_orders (org_id, engagement_id, client_id, title, description, estimate_minutes,
                     rate_minor, price_minor, currency, status, created_by_kind, created_by_id, created_at, updated_at)
                 VALUES ($1, $2, $3, 'Extra dashboards', 'Two more', 120, 9000, 18000, 'EUR', 'draft', 'member', $4, $5, $5)
                 RETURNING id",
                params![org_id, eng_id, eng_client, recipient, now],
            )?;
            db.execute(
                "INSERT INTO change_order_requests (org_id, change_order_id, request_id) VALUES ($1, $2, $3)",
                params![org_id, co, req],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    a.enqueue(
        org.id,
        "probe",
        json!({"request_id": request, "sleep_ms": 0}),
        Some("2031-01-01T00:00:00Z".parse().unwrap()),
        Some(format!("probe:{request}")),
    )
    .await
    .unwrap();
    // Someone has the request open (presence stays behind).
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/requests/{request}/presence"),
        Some(&token),
        Some(json!({"state": "composing"})),
    )
    .await
    .ok(200);
    // It is snoozed until the client writes (the snooze moves with it, by the same member).
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/requests/{request}/snooze"),
        Some(&token),
        Some(json!({"until_client_writes": true})),
    )
    .await
    .ok(200);
    // Fair assignment: the org's default, an engagement's own choice, and a turn taken by a
    // member with room this week.
    app.call(
        reqwest::Method::PUT,
        "/api/v1/assignment",
        Some(&token),
        Some(json!({"auto_assign": false})),
    )
    .await
    .ok(200);
    let fresh = app
        .post(
            "/api/v1/members",
            &token,
            json!({"email": "turn@northwind.example", "name": "Tam Turner", "role": "agent", "tz": "Europe/London"}),
        )
        .await
        .ok(201)["id"]
        .clone();
    let desk = app
        .post(
            "/api/v1/engagements",
            &token,
            json!({"client_id": client, "name": "Auto desk", "currency": "GBP", "team_member_ids": [fresh]}),
        )
        .await
        .ok(201)["id"]
        .clone();
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/engagements/{desk}/assignment"),
        Some(&token),
        Some(json!({"auto_assign": true})),
    )
    .await
    .ok(200);
    let by_turn = app
        .post(
            "/api/v1/requests",
            &token,
            json!({"client_id": client, "engagement_id": desk, "title": "Assigned by turn"}),
        )
        .await
        .ok(201);
    assert_eq!(by_turn["assignee_id"], fresh);
    // Their notifications come by an hourly digest (the choice moves with them).
    app.call(
        reqwest::Method::PUT,
        "/api/v1/notifications/settings",
        Some(&token),
        Some(json!({"email": "hourly"})),
    )
    .await
    .ok(200);
    newer_tables(app, &token, &ctx, client, contact).await;
    for t in TABLES {
        let n = app.count_in(org.id, t.name).await;
        assert!(n > 0, "the varied org has no {} rows", t.name);
    }
    // Columns added to older tables hold values, so the comparisons see them.
    for (table, column) in [
        ("members", "totp_secret"),
        ("members", "totp_enabled"),
        ("engagements", "sla_policy"),
        ("engagements", "silence_policy"),
        ("engagements", "calendar"),
        ("requests", "sla_due_at"),
        ("requests", "sla_state"),
        ("change_orders", "decided_by_name"),
    ] {
        let org = org.id;
        let set = a
            .store()
            .read(move |db| {
                db.scalar::<i64>(
                    &format!(
                        "SELECT COUNT(*) FROM {table} WHERE org_id = $1 AND {column} IS NOT NULL \
                         AND CAST({column} AS TEXT) NOT IN ('0', 'false')"
                    ),
                    params![org],
                )
            })
            .await
            .unwrap();
        assert!(set > 0, "no {table}.{column} is set in the varied org");
    }
    // Rows of tables that stay behind exist too, so leaving them behind is seen.
    for (table, _) in spec::EXCLUDED {
        if !["orgs", "schema_migrations"].contains(table) {
            assert!(
                app.count_in(org.id, table).await > 0,
                "the varied org has no {table} rows"
            );
        }
    }
    (org.id, token)
}

async fn post_id(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    app.post(path, token, body).await.ok(201)["id"]
        .as_i64()
        .unwrap()
}

/// The current code of a TOTP secret (base32).
fn totp_code(secret: &str, now: jiff::Timestamp) -> String {
    let bytes = rapport_app::totp::from_base32(secret).unwrap();
    format!(
        "{:06}",
        rapport_app::totp::code_at_step(&bytes, now.as_second().div_euclid(30), 6)
    )
}

/// Ravi (who turned TOTP on in the varied org) signs in with the next step's code (accepted
/// for clock drift): the current one may be the code that turned TOTP on, and a code works once.
async fn sign_in_with_totp(
    app: &App,
    secret: &str,
) -> rapport_app::AppResult<rapport_app::auth::SignedIn> {
    app.sign_in_member(
        rapport_app::auth::Credentials {
            org: Some("northwind".into()),
            email: "ravi@northwind.example".into(),
            password: DEMO_PASSWORD.into(),
            totp: Some(totp_code(
                secret,
                app.now()
                    .checked_add(jiff::SignedDuration::from_secs(30))
                    .unwrap(),
            )),
        },
        None,
        None,
    )
    .await
}

/// Rows in the tables of clocks, scope, care and accounts, made as the app makes them: an
/// engagement with SLA, silence and calendar, delivered and rated work (invitations, the
/// perception gap, client health), a complaint, a confirmed verdict, change orders approved
/// by the contact and overridden by a manager, a member with TOTP on, and a password reset
/// (a one-time link and a system mail, which stay behind).
async fn newer_tables(app: &TestApp, token: &str, owner: &Ctx, client: i64, contact: i64) {
    let a = &app.app;
    let org = owner.org();
    // A checked import not yet applied stays behind.
    a.hold_import(
        owner,
        "clients",
        "",
        b"name,tz\r\nLater Ltd,UTC\r\n".to_vec(),
    )
    .await
    .unwrap();
    // The policy for unverified senders moves with the org.
    app.call(
        reqwest::Method::PUT,
        "/api/v1/mail-policy",
        Some(token),
        Some(json!({"require_authentication": false, "authserv_id": "mx.northwind.example"})),
    )
    .await
    .ok(200);
    let engagement = post_id(
        app,
        token,
        "/api/v1/engagements",
        json!({"client_id": client, "name": "Sales reporting", "currency": "EUR", "hourly_rate_minor": 9000,
               "brief": {"text": "Sales reporting for the export team.", "items": [
                   {"id": "reports", "kind": "in", "text": "Monthly sales reports, sales dashboards and sales data exports"},
                   {"id": "apps", "kind": "out", "text": "iPhone and Android phone apps"}]},
               "sla_policy": {"targets": {"normal": {"first_response_minutes": 120,
                   "next_response_minutes": 240, "resolution_minutes": 960}}},
               "silence_policy": {"max_business_minutes": 240},
               "calendar": {"tz": "Europe/London", "hours": ["mon-fri 09:00-17:30"]}}),
    )
    .await;
    let request = |title: &str, kind: &str, body: &str| {
        json!({"client_id": client, "engagement_id": engagement, "contact_id": contact,
               "title": title, "kind": kind, "body": body})
    };
    let as_contact = Ctx::new(
        Principal::Contact {
            org_id: org,
            contact_id: ContactId(contact),
            client_id: ClientId(client),
            role: rapport_core::access::ContactRole::DEFAULT,
        },
        None,
    );

    // Delivered work rated low by the client and high by the team: invitations, ratings and
    // a perception gap flagged for the client and the engagement.
    for (i, title) in [
        "Monthly sales report for March",
        "Sales dashboard for the board",
        "Sales data export for the auditors",
    ]
    .into_iter()
    .enumerate()
    {
        let id = post_id(
            app,
            token,
            "/api/v1/requests",
            request(title, "data", "As every month."),
        )
        .await;
        for status in ["in_progress", "delivered"] {
            app.post(
                &format!("/api/v1/requests/{id}/transition"),
                token,
                json!({"status": status}),
            )
            .await
            .ok(200);
        }
        a.team_rate_request(owner, RequestId(id), 5, "Spotless")
            .await
            .unwrap();
        if i == 0 {
            // Through the link the invitation mailed: the invitation is used.
            let messages = app
                .get(&format!("/api/v1/requests/{id}/messages"), token)
                .await
                .ok(200);
            let body = messages["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|m| m["body"].as_str())
                .find(|b| b.contains("/rate/"))
                .expect("the rating invitation's message")
                .to_string();
            let link = body
                .split("/rate/")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap();
            a.rate_by_invitation(link, 1, "Late and wrong", None, None)
                .await
                .unwrap();
        } else {
            a.rate_request(&as_contact, RequestId(id), 1, "Not what we asked for")
                .await
                .unwrap();
        }
        if i == 1 {
            app.post(
                &format!("/api/v1/requests/{id}/scope"),
                token,
                json!({"verdict": "in", "reason": "Dashboards are in the brief"}),
            )
            .await
            .ok(200);
        }
    }

    // A complaint.
    post_id(
        app,
        token,
        "/api/v1/requests",
        request(
            "The sales report is wrong again",
            "complaint",
            "This is unacceptable. The numbers are wrong again and we are very angry.",
        ),
    )
    .await;

    // Out of scope: one change order approved by the contact, one started anyway.
    let order = |rid: i64| {
        json!({"engagement_id": engagement, "request_ids": [rid], "title": "Phone app",
               "description": "Out of scope.", "estimate_minutes": 600})
    };
    let mut orders = Vec::new();
    for title in [
        "iPhone app for the sales team",
        "Android phone app for the sales team",
    ] {
        let r = app
            .post(
                "/api/v1/requests",
                token,
                request(title, "feature", "For the sales team."),
            )
            .await
            .ok(201);
        assert_eq!(r["scope"]["verdict"], "out", "{r}");
        let rid = r["id"].as_i64().unwrap();
        let co = post_id(app, token, "/api/v1/change-orders", order(rid)).await;
        app.post(
            &format!("/api/v1/change-orders/{co}/send"),
            token,
            json!({}),
        )
        .await
        .ok(200);
        orders.push((rid, co));
    }
    a.decide_change_order(
        &as_contact,
        ChangeOrderId(orders[0].1),
        true,
        DecisionInput {
            note: Some("Go ahead".into()),
        },
    )
    .await
    .unwrap();
    app.post(
        &format!("/api/v1/requests/{}/transition", orders[1].0),
        token,
        json!({"status": "in_progress", "override_reason": "Goodwill: they are renewing"}),
    )
    .await
    .ok(200);

    // A manager with two-factor sign-in (its secret sealed with the server's key).
    let ravi = a
        .member_by_email(org, "ravi@northwind.example")
        .await
        .unwrap()
        .unwrap();
    let ravi = a.ctx_for_member(org, ravi.id).await.unwrap();
    let enrolment = a.totp_begin(&ravi).await.unwrap();
    a.totp_set(
        &ravi,
        &totp_code(&enrolment.secret, a.now()),
        Some(DEMO_PASSWORD),
        true,
    )
    .await
    .unwrap();

    // A password reset (a one-time link, a system mail and sign-in counters) and a POST that
    // may be retried (an idempotency key): all stay behind.
    a.request_password_reset(Some("northwind".into()), DEMO_OWNER, None)
        .await
        .unwrap();
    let res = app
        .http
        .post(format!("{}/api/v1/requests", app.base))
        .bearer_auth(token)
        .header("idempotency-key", "moving-day-1")
        .json(&json!({"client_id": client, "title": "Sent once, retried safely"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);

    // Mail: a polled mailbox (its password sealed), a message from the contact with an
    // attachment (mail facts and the file) answering one never received (an anchor), and one
    // from a stranger waiting in triage.
    a.create_mailbox(
        owner,
        serde_json::from_value(json!({"name": "Support", "host": "imap.northwind.example",
            "username": "support", "password": "imap secret"}))
        .unwrap(),
    )
    .await
    .unwrap();
    for (from, id) in [
        ("eve@export.example", "<moving-1@export.example>"),
        ("stranger@elsewhere.example", "<moving-2@elsewhere.example>"),
    ] {
        let raw = format!(
            "From: {from}\r\nTo: support@northwind.example\r\nSubject: Figures attached\r\n\
             Message-ID: {id}\r\nIn-Reply-To: <not-yet-here@export.example>\r\n\
             Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nThe figures, attached.\r\n--b\r\n\
             Content-Type: text/csv; name=\"figures.csv\"\r\n\
             Content-Disposition: attachment; filename=\"figures.csv\"\r\n\r\nmonth,total\r\n\
             march,42\r\n--b--\r\n"
        );
        let n = raw.len();
        a.ingest_mail(
            org,
            raw.into_bytes(),
            rapport_app::mail::Received::whole(rapport_core::inbox::MailSource::Pipe, n),
        )
        .await
        .unwrap();
    }
    // Working fast: a canned reply, a webhook with a delivery, a (paused) rule naming both and
    // a member, a merged request and a calendar feed.
    let canned = post_id(
        app,
        token,
        "/api/v1/canned-replies",
        json!({"name": "Ack", "body": "Thanks, {{contact.preferred_name}}: #{{request.ref}}.",
               "add_tags": ["acked"], "assignee_id": owner.principal.member_id()}),
    )
    .await;
    let hook = post_id(
        app,
        token,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.example.com/rapport", "events": ["request_created"], "enabled": false}),
    )
    .await;
    app.app
        .store()
        .write(move |db| {
            rapport_store::repo::automation::insert_delivery(
                db,
                org,
                rapport_core::ids::WebhookId(hook),
                "ping",
                "{}",
                jiff::Timestamp::now(),
            )
        })
        .await
        .unwrap();
    post_id(
        app,
        token,
        "/api/v1/rules",
        json!({"name": "Route", "event": "request_created", "enabled": false,
               "conditions": {"client_id": client},
               "actions": [{"type": "apply_canned_reply", "canned_reply_id": canned},
                           {"type": "call_webhook", "webhook_id": hook},
                           {"type": "assign", "assignee_id": owner.principal.member_id()}]}),
    )
    .await;
    let dup = post_id(
        app,
        token,
        "/api/v1/requests",
        json!({"client_id": client, "title": "Duplicate"}),
    )
    .await;
    let keep = post_id(
        app,
        token,
        "/api/v1/requests",
        json!({"client_id": client, "title": "Original"}),
    )
    .await;
    app.post(
        &format!("/api/v1/requests/{dup}/merge"),
        token,
        json!({"into": keep}),
    )
    .await
    .ok(200);
    post_id(app, token, "/api/v1/calendar-feeds", json!({})).await;
    // Client health, current and today's history.
    app.run_jobs().await;
}

impl TestApp {
    async fn count_in(&self, org: OrgId, table: &'static str) -> i64 {
        count_in(self.app.store(), Some(org), table).await
    }
}

async fn count_in(store: &Store, org: Option<OrgId>, table: &'static str) -> i64 {
    store
        .read(move |db| match org {
            Some(o) => db.scalar::<i64>(
                &format!("SELECT COUNT(*) FROM {table} WHERE org_id = $1"),
                params![o],
            ),
            None => db.scalar::<i64>(&format!("SELECT COUNT(*) FROM {table}"), params![]),
        })
        .await
        .unwrap()
}

/// A varied org on SQLite, exported with the CLI to `dir/source.jsonl`.
async fn source_export(dir: &Path) -> (TestApp, PathBuf, String) {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let (_, token) = varied_org(&app).await;
    let file = dir.join("source.jsonl");
    let r = ok(rapport(&[
        "export",
        "--org",
        "northwind",
        "--output",
        file.to_str().unwrap(),
        "--db",
        &sqlite_url(app.app.store()),
    ]));
    assert!(r.stderr.contains("exported northwind"), "{}", r.stderr);
    (app, file, token)
}

/// An export as comparable data: the header without what differs by engine and moment, and
/// each table's rows with JSON text parsed. The `org.import` audit events are taken out and
/// counted.
struct Normalised {
    header: Value,
    tables: BTreeMap<String, Vec<Value>>,
    imports: usize,
}

fn normalise(path: &Path) -> Normalised {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let mut header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    for k in ["engine", "exported_at", "tables"] {
        header.as_object_mut().unwrap().remove(k);
    }
    let mut tables: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut imports = 0;
    let mut ended = false;
    for l in lines {
        let v: Value = serde_json::from_str(l).unwrap();
        if v.get("end").is_some() {
            ended = true;
            continue;
        }
        let table = v["table"].as_str().unwrap().to_string();
        let mut row = v["row"].clone();
        if table == "audit_events" && row["action"] == "org.import" {
            imports += 1;
            continue;
        }
        for (_, val) in row.as_object_mut().unwrap().iter_mut() {
            if let Value::String(s) = val
                && let Ok(parsed @ (Value::Object(_) | Value::Array(_))) =
                    serde_json::from_str::<Value>(s)
            {
                *val = parsed;
            }
        }
        tables.entry(table).or_default().push(row);
    }
    assert!(ended, "{} has its end marker", path.display());
    for rows in tables.values_mut() {
        rows.sort_by_key(|r| r.to_string());
    }
    Normalised {
        header,
        tables,
        imports,
    }
}

fn assert_same(a: &Normalised, b: &Normalised) {
    assert_eq!(a.header, b.header);
    assert_eq!(
        a.tables.keys().collect::<Vec<_>>(),
        b.tables.keys().collect::<Vec<_>>()
    );
    for (t, rows) in &a.tables {
        let other = &b.tables[t];
        assert_eq!(rows.len(), other.len(), "{t}: row count");
        for (x, y) in rows.iter().zip(other) {
            assert_eq!(x, y, "{t}: rows differ");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_export_imports_into_postgres_unchanged() {
    let Some(pg) = TestDb::new(Engine::Postgres) else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    let dir = temp_dir("pg");
    let (_source, file, token) = source_export(&dir).await;
    let pg_store = pg.store().await.unwrap();
    let url = pg.standalone_url();
    let r = ok(rapport_stdin(&["import", "--db", &url], &file));
    assert!(r.stdout.contains("ids kept"), "{}", r.stdout);
    let again = dir.join("from-postgres.jsonl");
    ok(rapport(&[
        "export",
        "--org",
        "northwind",
        "-o",
        again.to_str().unwrap(),
        "--db",
        &url,
    ]));
    let a = normalise(&file);
    let b = normalise(&again);
    assert_eq!(a.imports, 0);
    assert_eq!(b.imports, 1, "the import is in the audit trail");
    assert_same(&a, &b);
    for t in TABLES {
        assert!(!a.tables[t.name].is_empty(), "{} compared", t.name);
    }
    assert!(!a.tables.contains_key("sessions"), "sessions stay behind");
    for (table, _) in spec::EXCLUDED {
        assert!(!a.tables.contains_key(*table), "{table} stays behind");
        if *table != "schema_migrations" {
            assert_eq!(
                count_in(&pg_store, None, table).await,
                i64::from(*table == "orgs"),
                "{table} on PostgreSQL"
            );
        }
    }

    // And back: PostgreSQL's export into a fresh SQLite gives the same rows again.
    let back = TestDb::new(Engine::Sqlite).unwrap();
    back.store().await.unwrap();
    ok(rapport(&[
        "import",
        again.to_str().unwrap(),
        "--db",
        &back.url,
    ]));
    let round = dir.join("round-trip.jsonl");
    ok(rapport(&[
        "export",
        "--org",
        "northwind",
        "-o",
        round.to_str().unwrap(),
        "--db",
        &back.url,
    ]));
    let c = normalise(&round);
    assert_eq!(c.imports, 2);
    assert_same(&a, &c);

    // The moved org works on PostgreSQL: its token, its password, new rows (the identity
    // sequences moved past the imported ids), and search over the imported text.
    // TOTP secrets travel sealed: they open only where the server has the same key.
    let sealed = a.tables["members"]
        .iter()
        .find_map(|m| m["totp_secret"].as_str())
        .expect("a sealed TOTP secret")
        .to_string();
    let with_key = Settings {
        secrets: SecretBox::from_base64(TEST_SECRET_KEY).unwrap(),
        ..Settings::default()
    };
    let secret = with_key.secrets.open(&sealed).unwrap();
    let keyless = App::new(pg_store.clone(), Settings::default());
    assert!(
        sign_in_with_totp(&keyless, secret.expose()).await.is_err(),
        "no key, no second factor"
    );
    let app = App::new(pg_store, with_key);
    sign_in_with_totp(&app, secret.expose()).await.unwrap();
    let principal = app.api_token(&token).await.unwrap();
    assert!(
        principal.is_some(),
        "API tokens keep working when ids are kept"
    );
    app.sign_in_member(
        rapport_app::auth::Credentials {
            org: Some("northwind".into()),
            email: DEMO_OWNER.into(),
            password: DEMO_PASSWORD.into(),
            totp: None,
        },
        None,
        None,
    )
    .await
    .unwrap();
    let org = app.org_by_slug("northwind").await.unwrap().unwrap();
    let owner = app
        .member_by_email(org.id, DEMO_OWNER)
        .await
        .unwrap()
        .unwrap();
    let ctx = app.ctx_for_member(org.id, owner.id).await.unwrap();
    let max_request = a.tables["requests"]
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .max()
        .unwrap();
    let client = a.tables["clients"][0]["id"].as_i64().unwrap();
    let fresh = app
        .create_request(
            &ctx,
            serde_json::from_value::<NewRequest>(
                json!({"client_id": client, "title": "First request after the move"}),
            )
            .unwrap(),
            rapport_core::request::Channel::Api,
        )
        .await
        .unwrap();
    assert!(fresh.id.0 > max_request, "{} > {max_request}", fresh.id.0);
    let hits = app
        .search_org(
            org.id,
            SearchInput {
                q: "zanzibar".into(),
                ..SearchInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(hits.items.len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// Import the same export twice into one database: the first keeps the ids, the second is
/// renumbered; undoing the renumbering gives back exactly the exported rows.
async fn import_twice(engine: Engine) {
    let Some(target) = TestDb::new(engine) else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    let dir = temp_dir("twice");
    let (_source, file, _) = source_export(&dir).await;
    let store = target.store().await.unwrap();
    let url = target.standalone_url();
    let f = file.to_str().unwrap();
    ok(rapport(&["import", f, "--db", &url]));
    refused(rapport(&["import", f, "--db", &url]), "already exists");
    let r = ok(rapport(&[
        "import",
        f,
        "--as-slug",
        "northwind-copy",
        "--json",
        "--db",
        &url,
    ]));
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["remapped"], true, "{report}");
    assert_eq!(report["slug"], "northwind-copy");
    let copy = dir.join("copy.jsonl");
    ok(rapport(&[
        "export",
        "--org",
        "northwind-copy",
        "-o",
        copy.to_str().unwrap(),
        "--db",
        &url,
    ]));

    // Per-table offsets, from the id ranges in the two headers.
    let header = |p: &Path| -> Value {
        serde_json::from_str(std::fs::read_to_string(p).unwrap().lines().next().unwrap()).unwrap()
    };
    let (h_orig, h_copy) = (header(&file), header(&copy));
    let mut undo = Remap::default();
    undo.set(
        "orgs",
        h_orig["org"]["id"].as_i64().unwrap() - h_copy["org"]["id"].as_i64().unwrap(),
    );
    assert_ne!(h_orig["org"]["id"], h_copy["org"]["id"]);
    for t in TABLES.iter().filter(|t| t.has_id) {
        let min = |h: &Value| {
            h["tables"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == t.name)
                .unwrap()["min_id"]
                .as_i64()
                .unwrap()
        };
        let delta = min(&h_orig) - min(&h_copy);
        assert_ne!(delta, 0, "{} renumbered", t.name);
        undo.set(t.name, delta);
    }
    let orig = normalise(&file);
    let mut back = normalise(&copy);
    assert_eq!(back.imports, 1);
    for t in TABLES {
        let rows = back.tables.get_mut(t.name).unwrap();
        for row in rows.iter_mut() {
            let kinds: BTreeMap<String, Value> = row
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let obj = row.as_object_mut().unwrap();
            obj.insert("org_id".into(), h_orig["org"]["id"].clone());
            if t.has_id {
                let id = obj["id"].as_i64().unwrap();
                obj.insert("id".into(), json!(undo.id(t.name, id)));
            }
            for (col, r) in t.refs {
                let Some(id) = obj[*col].as_i64() else {
                    continue;
                };
                let table: &str = match r {
                    Ref::Table(table) => table,
                    Ref::Kind(kind_col) => {
                        spec::kind_table(kinds[*kind_col].as_str().unwrap()).unwrap()
                    }
                };
                obj.insert((*col).into(), json!(undo.id(table, id)));
            }
            for col in t.json_with_ids {
                undo.json(obj.get_mut(*col).unwrap());
            }
        }
        rows.sort_by_key(|r| r.to_string());
    }
    let mut expected_header = orig.header.clone();
    expected_header["org"]["slug"] = json!("northwind-copy");
    expected_header["org"]["id"] = h_copy["org"]["id"].clone();
    assert_eq!(back.header, expected_header);
    back.header = orig.header.clone();
    assert_same(&orig, &back);

    // Both copies live side by side; the first kept its ids.
    assert_eq!(
        count_in(&store, None, "requests").await,
        2 * orig.tables["requests"].len() as i64
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_twice_renumbers_consistently_sqlite() {
    import_twice(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_twice_renumbers_consistently_postgres() {
    import_twice(Engine::Postgres).await;
}

/// Broken files and refused imports leave the database as it was.
async fn broken_imports(engine: Engine) {
    let Some(target) = TestDb::new(engine) else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    let dir = temp_dir("broken");
    let (_source, file, _) = source_export(&dir).await;
    let store = target.store().await.unwrap();
    let url = target.standalone_url();
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let message_line = lines
        .iter()
        .position(|l| l.contains("\"table\":\"messages\""))
        .unwrap();
    let edit = |f: &dyn Fn(&mut Vec<String>)| -> PathBuf {
        let mut ls: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        f(&mut ls);
        let p = dir.join(format!("broken-{}.jsonl", next_number()));
        std::fs::write(&p, ls.join("\n") + "\n").unwrap();
        p
    };
    let set = |ls: &mut Vec<String>, at: usize, f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&ls[at]).unwrap();
        f(&mut v);
        ls[at] = v.to_string();
    };
    let missing_ref_line = format!("line {}", message_line + 1);
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            edit(&|ls| {
                ls.pop();
            }),
            "end marker",
        ),
        (
            edit(&|ls| {
                set(ls, message_line, &|v| {
                    v["row"]["request_id"] = json!(987_654_321)
                })
            }),
            &missing_ref_line,
        ),
        (
            edit(&|ls| ls[message_line + 2] = "{not json".into()),
            "not JSON",
        ),
        (
            edit(&|ls| set(ls, message_line, &|v| v["row"]["colour"] = json!("red"))),
            "no column \"colour\"",
        ),
        (
            edit(&|ls| set(ls, 0, &|v| v["schema_version"] = json!(999))),
            "newer",
        ),
        (
            edit(&|ls| set(ls, 0, &|v| v["format"] = json!("something-else"))),
            "format",
        ),
        (edit(&|ls| ls.truncate(0)), "empty"),
    ];
    for (path, mentions) in &cases {
        refused(
            rapport(&["import", path.to_str().unwrap(), "--db", &url]),
            mentions,
        );
        for t in TABLES {
            assert_eq!(
                count_in(&store, None, t.name).await,
                0,
                "{} after {mentions}",
                t.name
            );
        }
        assert_eq!(count_in(&store, None, "orgs").await, 0, "after {mentions}");
    }
    // The intact file still imports.
    ok(rapport(&["import", file.to_str().unwrap(), "--db", &url]));
    let _ = std::fs::remove_dir_all(dir);
}

fn next_number() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_imports_change_nothing_sqlite() {
    broken_imports(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_imports_change_nothing_postgres() {
    broken_imports(Engine::Postgres).await;
}
