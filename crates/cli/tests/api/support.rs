//! A real server on 127.0.0.1:0 over a fresh database, and a small HTTP client for it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use rapport_app::{App, Settings};
use rapport_core::access::Role;
use rapport_core::ids::OrgId;
use rapport_core::member::NewMember;
use rapport_store::testing::TestDb;
use rapport_store::{Engine, params};
use rapport_web::{AppState, WebConfig};
use reqwest::Method;
use serde_json::{Value, json};

/// One test body, run on both engines. The PostgreSQL variant skips (with a message) only when
/// `RAPPORT_TEST_POSTGRES_URL` is unset outside CI; on CI it fails instead.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        $crate::both_with!($name, $crate::support::TestApp::spawn, $body);
    };
}

/// As [`both!`], with what the body is given made by `$spawn(engine)`: a server with other
/// settings, or a server and the fakes it talks to. `None` means PostgreSQL is not configured.
/// The one way every two-engine test in this suite is declared.
#[macro_export]
macro_rules! both_with {
    ($name:ident, $spawn:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let given = ($spawn)(rapport_store::Engine::Sqlite)
                    .await
                    .expect("a test server on SQLite");
                ($body)(given).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(given) = ($spawn)(rapport_store::Engine::Postgres).await else {
                    eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
                    return;
                };
                ($body)(given).await;
            }
        }
    };
}

pub const PASSWORD: &str = "correct horse battery staple";
/// The operator's `/metrics` token on every test server (`web.metrics_token`).
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";
/// A fixed sealing key for tests (32 bytes, base64url).
pub const TEST_SECRET_KEY: &str = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMzJieXQ";

pub struct TestApp {
    pub base: String,
    pub app: App,
    /// The app's clock in unix milliseconds; 0 (the default) follows the real time. See
    /// [`TestApp::set_now`].
    pub clock: Arc<AtomicI64>,
    pub org: OrgId,
    pub owner: String,
    pub http: reqwest::Client,
    /// How far the app's clock runs ahead of the real one, in milliseconds (see `advance`).
    clock_offset: Arc<AtomicI64>,
    _db: TestDb,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// An answer: status and JSON body (Null when empty or not JSON).
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Res {
    #[track_caller]
    pub fn ok(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self.body
    }

    /// The fields a problem answer names.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Like [`Res::ok`], keeping the headers.
    #[track_caller]
    pub fn ok_res(self, status: u16) -> Res {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self
    }

    #[track_caller]
    pub fn problem(self, status: u16) -> Res {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        let ct = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert_eq!(
            ct, "application/problem+json",
            "problem answers are problem+json"
        );
        assert_eq!(self.body["status"], status, "{}", self.body);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            self.body
        );
        self
    }
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        // The per-token rate limit has its own test; here it would only slow the suite.
        Self::spawn_with(engine, |_, web| web.api_rate = None).await
    }

    /// Spawn with adjusted settings (limits, timeouts) for the tests that need them.
    pub async fn spawn_with(
        engine: Engine,
        adjust: impl FnOnce(&mut Settings, &mut WebConfig),
    ) -> Option<TestApp> {
        let db = TestDb::new(engine)?;
        let store = db.store().await.expect("open and migrate");
        // The real clock unless a test fixes it (`set_now`) or moves it on (`advance`): tests
        // that compare with `Timestamp::now()` are unaffected.
        let clock = Arc::new(AtomicI64::new(0));
        let clock_offset = Arc::new(AtomicI64::new(0));
        let (fixed, offset) = (Arc::clone(&clock), Arc::clone(&clock_offset));
        let mut settings = Settings {
            secrets: rapport_app::secrets::SecretBox::from_base64(TEST_SECRET_KEY).unwrap(),
            ..Settings::default()
        };
        let mut web = WebConfig {
            metrics_token: Some(METRICS_TOKEN.into()),
            ..WebConfig::default()
        };
        adjust(&mut settings, &mut web);
        let app = App::new(store, settings).with_clock(move || {
            let base = match fixed.load(Ordering::SeqCst) {
                0 => jiff::Timestamp::now(),
                ms => jiff::Timestamp::from_millisecond(ms).expect("a test clock in range"),
            };
            base.checked_add(jiff::SignedDuration::from_millis(
                offset.load(Ordering::SeqCst),
            ))
            .expect("clock within range")
        });
        let org = app
            .create_org("acme", "Acme Consulting")
            .await
            .expect("org");
        let owner_member = app
            .add_member_as_operator(
                org.id,
                member("owner@acme.example", "Olu Owner", Role::Owner),
            )
            .await
            .expect("owner");
        let ctx = app.ctx_for_member(org.id, owner_member.id).await.unwrap();
        let (_, owner) = app
            .create_token_for(&ctx, owner_member.id, "tests")
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(app.clone(), web);
        tokio::spawn(async move {
            rapport_web::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Some(TestApp {
            base: format!("http://{addr}"),
            app,
            clock,
            org: org.id,
            owner,
            http: reqwest::Client::builder()
                .cookie_store(false)
                .build()
                .unwrap(),
            clock_offset,
            _db: db,
            _shutdown: tx,
        })
    }

    /// Move the app's clock forward (e.g. past an expiry).
    pub fn advance(&self, by: jiff::SignedDuration) {
        let ms = i64::try_from(by.as_millis()).expect("a sane duration");
        self.clock_offset.fetch_add(ms, Ordering::SeqCst);
    }
    /// Fix the app's clock at `at` (RFC 3339), for the server and for jobs run by the test.
    pub fn set_now(&self, at: &str) {
        let t: jiff::Timestamp = at.parse().expect("an RFC 3339 instant");
        self.clock.store(t.as_millisecond(), Ordering::SeqCst);
    }

    /// Start the app's clock at `at` (RFC 3339) and let it run: for tests that need a moment
    /// of the week (a client's business hours) but also real time passing (retries, waits).
    pub fn start_clock_at(&self, at: &str) {
        let t: jiff::Timestamp = at.parse().expect("an RFC 3339 instant");
        self.clock.store(0, Ordering::SeqCst);
        let ahead = t.as_millisecond() - jiff::Timestamp::now().as_millisecond();
        self.clock_offset.store(ahead, Ordering::SeqCst);
    }

    /// Start the app's clock, running, at 10:00 on a recent Monday in London: inside the
    /// business hours of the tests' London clients whatever the real hour, so a reply is not
    /// held for quiet hours. The Monday is in the past (last week's), so nothing the app makes
    /// is dated ahead of the real clock that other processes (the CLI) read.
    pub fn start_clock_in_london_office_hours(&self) {
        let london = jiff::tz::TimeZone::get("Europe/London").expect("tzdb has London");
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(london.clone())
            .date();
        let back = i64::from(today.weekday().to_monday_zero_offset()) + 7;
        let monday = today
            .checked_sub(jiff::Span::new().days(back))
            .expect("a date in range");
        let at = monday
            .at(10, 0, 0, 0)
            .to_zoned_datetime(london)
            .expect("10:00 exists in London")
            .timestamp();
        self.start_clock_at(&at.to_string());
    }

    /// Move the fixed clock on by `minutes`.
    pub fn advance_minutes(&self, minutes: i64) {
        let now = self.clock.load(Ordering::SeqCst);
        assert_ne!(now, 0, "set_now first");
        self.clock.store(now + minutes * 60_000, Ordering::SeqCst);
    }

    /// Run every job due at the app's time, as a worker would, until none is left.
    pub async fn run_jobs(&self) -> usize {
        let cfg = rapport_app::jobs::WorkerConfig::new("tests");
        let mut total = 0;
        for _ in 0..100 {
            let n = self.app.run_due_jobs(&cfg).await.expect("jobs run");
            if n == 0 {
                return total;
            }
            total += n;
        }
        panic!("jobs keep coming due at the same instant");
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Res {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Res {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Res {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Res {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Res {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// A raw body with a content type (for malformed-input tests).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Res {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        Res {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        }
    }

    /// A member with `role` and a bearer token for them.
    pub async fn member_token(&self, email: &str, role: Role) -> String {
        let m = self
            .app
            .add_member_as_operator(
                self.org,
                member(email, email.split('@').next().unwrap(), role),
            )
            .await
            .unwrap();
        let ctx = self.app.ctx_for_member(self.org, m.id).await.unwrap();
        self.app
            .create_token_for(&ctx, m.id, "tests")
            .await
            .unwrap()
            .1
    }

    /// A second firm on the same server ("globex") with an owner; returns its id and the owner's
    /// API token, for checking that one firm never reaches another's records.
    pub async fn other_firm(&self) -> (OrgId, String) {
        let other = self.app.create_org("globex", "Globex").await.unwrap();
        let m = self
            .app
            .add_member_as_operator(other.id, member("boss@globex.example", "Boss", Role::Owner))
            .await
            .unwrap();
        let ctx = self.app.ctx_for_member(other.id, m.id).await.unwrap();
        let (_, token) = self.app.create_token_for(&ctx, m.id, "t").await.unwrap();
        (other.id, token)
    }

    /// A client (with default calendar) created through the API; returns its id.
    pub async fn client(&self, name: &str) -> i64 {
        self.post(
            "/api/v1/clients",
            &self.owner,
            json!({"name": name, "calendar": {"tz": "Europe/London"}}),
        )
        .await
        .ok(201)["id"]
            .as_i64()
            .unwrap()
    }

    /// A contact created through the API. With a password, they are also invited to the portal
    /// and accept with it, as a contact would: staff never set a contact's password.
    pub async fn contact(&self, client: i64, email: &str, password: Option<&str>) -> i64 {
        let body = json!({"client_id": client, "name": "Pat Contact", "email": email});
        let id = self
            .post("/api/v1/contacts", &self.owner, body)
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        if let Some(p) = password {
            self.give_portal_access(id, p).await;
        }
        id
    }

    /// The owner invites contact `id` and the contact accepts, choosing `password`. Accepting
    /// signs the contact in; they sign out again, so tests start from a contact with a password
    /// and no session.
    pub async fn give_portal_access(&self, id: i64, password: &str) {
        let token = self.invite(id, &self.owner).await;
        let res = self
            .call(
                Method::POST,
                "/api/v1/portal/invite/accept",
                None,
                Some(json!({"token": token, "password": password})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let cookie = res.headers["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let csrf = res.body["csrf_token"].as_str().unwrap().to_string();
        self.with_cookie(
            Method::POST,
            "/api/v1/auth/logout",
            &cookie,
            Some(&csrf),
            None,
        )
        .await
        .ok(204);
    }

    /// Invite contact `id` to the portal as `token`'s holder; returns the token from the mail.
    pub async fn invite(&self, id: i64, token: &str) -> String {
        self.post(&format!("/api/v1/contacts/{id}/invite"), token, json!({}))
            .await
            .ok(202);
        let email = self
            .get(&format!("/api/v1/contacts/{id}"), &self.owner)
            .await
            .ok(200)["email"]
            .as_str()
            .unwrap()
            .to_string();
        self.link_in_mail(&email, "/portal/invite?token=").await
    }

    /// The token of the link after `marker` in the latest system mail to `to`.
    pub async fn link_in_mail(&self, to: &str, marker: &str) -> String {
        let (org, to) = (self.org, to.to_string());
        let mails = self
            .app
            .store()
            .read(move |db| rapport_store::repo::accounts::mails_to(db, org, &to))
            .await
            .unwrap();
        let body = mails.first().map(|m| m.body.clone()).unwrap_or_default();
        let start = body
            .find(marker)
            .unwrap_or_else(|| panic!("no {marker} link in {body:?}"))
            + marker.len();
        body[start..].split_whitespace().next().unwrap().to_string()
    }

    /// An engagement of `client` with this brief, created through the API; returns its id.
    pub async fn engagement_with_brief(
        &self,
        client: i64,
        name: &str,
        currency: &str,
        brief: Value,
    ) -> i64 {
        self.post(
            "/api/v1/engagements",
            &self.owner,
            json!({"client_id": client, "name": name, "currency": currency, "brief": brief}),
        )
        .await
        .ok(201)["id"]
            .as_i64()
            .unwrap()
    }

    /// A request in an engagement, logged by the owner through the API (its scope checked).
    pub async fn request_in(&self, client: i64, engagement: i64, title: &str, body: &str) -> Value {
        self.post(
            "/api/v1/requests",
            &self.owner,
            json!({"client_id": client, "engagement_id": engagement, "title": title, "body": body}),
        )
        .await
        .ok(201)
    }

    pub async fn request(&self, client: i64, title: &str) -> Value {
        self.post(
            "/api/v1/requests",
            &self.owner,
            json!({"client_id": client, "title": title}),
        )
        .await
        .ok(201)
    }

    /// Sign a contact in to the portal; returns (cookie header value, csrf token).
    pub async fn portal_session(&self, email: &str, password: &str) -> (String, String) {
        let res = self
            .http
            .post(format!("{}/api/v1/portal/login", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let cookie = res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_string();
        let body: Value = res.json().await.unwrap();
        (cookie, body["csrf_token"].as_str().unwrap().to_string())
    }

    /// Call with a session cookie (and the CSRF header when given).
    pub async fn with_cookie(
        &self,
        method: Method,
        path: &str,
        cookie: &str,
        csrf: Option<&str>,
        body: Option<Value>,
    ) -> Res {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", cookie);
        if let Some(c) = csrf {
            req = req.header("x-csrf-token", c);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        Res {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        }
    }

    /// Rows in a table for this test's org (to prove nothing was written).
    pub async fn count(&self, table: &'static str) -> i64 {
        let org = self.org;
        self.app
            .store()
            .read(move |db| {
                db.scalar::<i64>(
                    &format!("SELECT COUNT(*) FROM {table} WHERE org_id = $1"),
                    params![org],
                )
            })
            .await
            .unwrap()
    }

    /// Every row count that a write could touch, to compare before and after.
    pub async fn snapshot(&self) -> Vec<i64> {
        let mut out = Vec::new();
        for t in [
            "members",
            "clients",
            "contacts",
            "engagements",
            "requests",
            "request_tags",
            "messages",
            "promises",
            "promise_changes",
            "time_entries",
            "request_status_log",
            "jobs",
            "alerts",
            "api_tokens",
            "ratings",
            "rating_invitations",
            "request_care",
            "client_health",
            "client_health_history",
            "perception_flags",
            "change_orders",
            "change_order_requests",
            "scope_confirmations",
            "scope_overrides",
            "mailboxes",
            "mail_meta",
            "attachments",
            "triage",
            "canned_replies",
            "rules",
            "webhooks",
            "webhook_deliveries",
        ] {
            out.push(self.count(t).await);
        }
        // Audit events record attempts too (e.g. failed sign-ins), so only changes are compared.
        out
    }
}

pub fn member(email: &str, name: &str, role: Role) -> NewMember {
    NewMember {
        email: email.into(),
        name: name.into(),
        role,
        tz: "Europe/London".into(),
        working_hours: None,
        weekly_capacity_minutes: None,
        password: Some(PASSWORD.into()),
    }
}
