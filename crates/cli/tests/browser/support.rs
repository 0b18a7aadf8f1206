//! What every browser journey needs: chromedriver and a Chromium session, the servers (the demo
//! workspace, an empty firm mailing through an SMTP sink), and small page helpers that wait for
//! what they look for.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use rapport_app::{App, Settings};
use rapport_store::testing::TestDb;
use rapport_web::{AppState, WebConfig};
use serde_json::json;

use crate::mail_servers;

/// chromedriver, ended when the test ends.
pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn chromedriver() -> Option<String> {
    let path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let ok = Command::new(&path)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(path)
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let dir = std::env::var("RAPPORT_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

pub(crate) async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
    eprintln!("screenshot: {}", path.display());
}

/// The demo workspace on a random port; returns its base URL.
pub(crate) async fn serve_demo(db: &TestDb) -> (String, tokio::sync::oneshot::Sender<()>) {
    let store = db.store().await.expect("open and migrate");
    let app = App::new(store, Settings::default());
    rapport_seed::demo::seed(&app).await.expect("demo data");
    sent_change_order(&app).await;
    serve_app(app).await
}

/// Serve `app` (prepared by the caller) on a random port; returns its base URL.
pub(crate) async fn serve_app(app: App) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let web = WebConfig {
        api_rate: None,
        ..WebConfig::default()
    };
    tokio::spawn(async move {
        rapport_web::serve(listener, AppState::new(app, web), async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (format!("http://{addr}"), tx)
}

/// A change order sent to Kaveri Foods (the demo's first client) for the portal to approve.
pub(crate) async fn sent_change_order(app: &App) {
    use rapport_app::requests::RequestFilter;
    let org = app
        .org_by_slug(rapport_seed::demo::DEMO_ORG)
        .await
        .unwrap()
        .expect("the demo org");
    let owner = app
        .member_by_email(org.id, rapport_seed::demo::DEMO_OWNER)
        .await
        .unwrap()
        .expect("the demo owner");
    let ctx = app.ctx_for_member(org.id, owner.id).await.unwrap();
    let kaveri = rapport_core::ids::ClientId(1);
    let engagement = app
        .list_engagements(&ctx, Some(kaveri), None, 10)
        .await
        .unwrap()
        .items[0]
        .id;
    let request = app
        .list_requests(
            &ctx,
            RequestFilter {
                engagement: Some(engagement),
                statuses: vec![rapport_core::request::Status::New],
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items[0]
        .id;
    app.confirm_scope(
        &ctx,
        request,
        rapport_core::scope::ConfirmInput {
            verdict: "out".parse().unwrap(),
            reason: "A new data feed is not in the brief".into(),
        },
    )
    .await
    .unwrap();
    let co = app
        .create_change_order(
            &ctx,
            rapport_core::change_order::NewChangeOrder {
                engagement_id: engagement,
                request_ids: vec![request],
                title: "Cold-store sensor feed".into(),
                description: "A live feed from the cold-store sensors, outside the brief.".into(),
                estimate_minutes: 6 * 60,
                rate_minor: None,
            },
        )
        .await
        .unwrap();
    app.send_change_order(&ctx, co.id).await.unwrap();

    // A delivery of Kaveri's, not yet rated, for the portal's rating form.
    let delivered = app
        .create_request(
            &ctx,
            serde_json::from_value(serde_json::json!({
                "client_id": kaveri.0, "engagement_id": engagement.0,
                "title": "Freezer audit summary", "body": "The audit summary for March."
            }))
            .unwrap(),
            rapport_core::request::Channel::Portal,
        )
        .await
        .unwrap();
    for status in ["in_progress", "delivered"] {
        app.transition_request(
            &ctx,
            delivered.id,
            serde_json::from_value(serde_json::json!({ "status": status })).unwrap(),
        )
        .await
        .unwrap();
    }
}

pub(crate) async fn start_browser(driver: &str) -> (Driver, Client) {
    let (guard, url) = start_driver(driver);
    let client = session(&url).await;
    (guard, client)
}

/// Two Chromium sessions on one chromedriver: two people in two browsers, each with its own
/// profile (so its own cookies and sign-in).
pub(crate) async fn start_two_browsers(driver: &str) -> (Driver, Client, Client) {
    let (guard, url) = start_driver(driver);
    let first = session(&url).await;
    let second = session(&url).await;
    (guard, first, second)
}

/// chromedriver on a free port; its URL.
fn start_driver(driver: &str) -> (Driver, String) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    (Driver(child), format!("http://127.0.0.1:{port}"))
}

/// A new headless Chromium session on the chromedriver at `url`.
async fn session(url: &str) -> Client {
    let mut caps = serde_json::Map::new();
    let mut args = vec![
        "--headless=new",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--lang=en-GB",
    ];
    // Chromium refuses to run as root inside its sandbox.
    args.push("--no-sandbox");
    let mut opts = json!({ "args": args });
    if let Ok(bin) = std::env::var("CHROMIUM") {
        opts["binary"] = json!(bin);
    } else if std::path::Path::new("/usr/bin/chromium").exists() {
        opts["binary"] = json!("/usr/bin/chromium");
    }
    caps.insert("goog:chromeOptions".into(), opts);
    let mut last = None;
    for _ in 0..150 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(url)
            .await
        {
            Ok(c) => return c,
            Err(e) => {
                last = Some(e.to_string());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("could not start a Chromium session: {last:?}");
}

pub(crate) type Step = Result<(), String>;

pub(crate) fn check(cond: bool, what: impl Into<String>) -> Step {
    if cond { Ok(()) } else { Err(what.into()) }
}

pub(crate) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Run a step on a freshly found element again when htmx replaced the element between finding
/// it and using it (WebDriver's "stale element reference"), a few times.
async fn fresh<T, F, Fut>(mut step: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut tries = 0;
    loop {
        match step().await {
            Err(e) if e.contains("stale element") && tries < 5 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            done => return done,
        }
    }
}

async fn find(c: &Client, css: &str) -> Result<fantoccini::elements::Element, String> {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))
}

pub(crate) async fn text(c: &Client, css: &str) -> Result<String, String> {
    fresh(|| async { find(c, css).await?.text().await.map_err(err) }).await
}

/// A form control's current value (what was typed), read again if htmx replaced it meanwhile.
pub(crate) async fn value(c: &Client, css: &str) -> Result<String, String> {
    fresh(|| async {
        Ok(find(c, css)
            .await?
            .prop("value")
            .await
            .map_err(err)?
            .unwrap_or_default())
    })
    .await
}

/// The `id` of the first element to appear that matches `css` (a list of alternatives, when
/// either of two outcomes may come), read again if htmx replaced it meanwhile.
pub(crate) async fn first_id(c: &Client, css: &str) -> Result<String, String> {
    fresh(|| async {
        Ok(find(c, css)
            .await?
            .attr("id")
            .await
            .map_err(err)?
            .unwrap_or_default())
    })
    .await
}

pub(crate) async fn fill(c: &Client, css: &str, value: &str) -> Step {
    fresh(|| async {
        let el = find(c, css).await?;
        el.clear().await.map_err(err)?;
        el.send_keys(value).await.map_err(err)
    })
    .await
}

pub(crate) async fn click(c: &Client, css: &str) -> Step {
    fresh(|| async { find(c, css).await?.click().await.map_err(err) }).await
}

/// Which of several outcomes the page came back with: the index of the first selector in `css`
/// that matches, waiting up to 15 seconds for any of them.
pub(crate) async fn first_of(c: &Client, css: &[&str]) -> Result<usize, String> {
    for _ in 0..100 {
        for (i, sel) in css.iter().enumerate() {
            if c.find(Locator::Css(sel)).await.is_ok() {
                return Ok(i);
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    Err(format!("none of {css:?} showed"))
}

/// Wait until the element's text contains `want`.
pub(crate) async fn wait_text(c: &Client, css: &str, want: &str) -> Step {
    let mut seen = String::new();
    for _ in 0..100 {
        // A missing element or an error reading it is reported as such, not as an empty text.
        seen = match c.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_else(|e| format!("<{e}>")),
            Err(_) => "<no such element>".into(),
        };
        if seen.contains(want) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    Err(format!("{css} never showed {want:?}; it shows {seen:?}"))
}

pub(crate) async fn path(c: &Client) -> Result<String, String> {
    let u = c.current_url().await.map_err(err)?;
    Ok(match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    })
}

/// An aiosmtpd sink on loopback for the journey's mail, or `None` (said on stderr) where
/// aiosmtpd is missing; on CI its absence is a failure.
pub(crate) fn smtp_sink_or_skip() -> Option<mail_servers::SmtpSink> {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("aiosmtpd is not installed, and CI=true: the journeys mail invitations");
        }
        eprintln!("skipped: aiosmtpd is not installed (pip install aiosmtpd)");
        return None;
    }
    Some(mail_servers::SmtpSink::start())
}

/// The job worker as `rapport serve` runs it (mail out, mailbox polls), every 100 ms until
/// dropped.
pub(crate) struct Worker(tokio::task::JoinHandle<()>);

impl Drop for Worker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) fn spawn_worker(app: App) -> Worker {
    Worker(tokio::spawn(async move {
        let cfg = rapport_app::jobs::WorkerConfig::new("browser-test");
        loop {
            let _ = app.run_due_jobs(&cfg).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }))
}

pub(crate) const OWNER_EMAIL: &str = "olu@ferris.example";
pub(crate) const OWNER_PASSWORD: &str = "owner password 12345";

/// An empty firm with one owner, mailing through `smtp`, served on a random port. Returns the
/// base URL, the app (for the job runner) and the server's stop switch.
pub(crate) async fn serve_empty(
    db: &TestDb,
    smtp: &str,
) -> (String, App, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let store = db.store().await.expect("open and migrate");
    let mut mail = rapport_app::mail::MailSettings::default()
        .with_from("Ferris Desk <desk@ferris.example>")
        .unwrap();
    let config = rapport_mail::smtp::SmtpConfig::parse(smtp).unwrap();
    mail.transport = Some(std::sync::Arc::new(
        rapport_mail::smtp::SmtpTransport::new(&config, &mail.domain).unwrap(),
    ));
    let settings = Settings {
        public_url: base.clone(),
        mail,
        ..Settings::default()
    };
    let app = App::new(store, settings);
    let org = app.create_org("ferris", "Ferris & Co").await.unwrap();
    app.add_member_as_operator(
        org.id,
        rapport_core::member::NewMember {
            email: OWNER_EMAIL.into(),
            name: "Olu Owner".into(),
            role: rapport_core::access::Role::Owner,
            tz: "Europe/London".into(),
            working_hours: None,
            weekly_capacity_minutes: None,
            password: Some(OWNER_PASSWORD.into()),
        },
    )
    .await
    .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let web = WebConfig {
        api_rate: None,
        ..WebConfig::default()
    };
    let served = app.clone();
    tokio::spawn(async move {
        rapport_web::serve(listener, AppState::new(served, web), async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (base, app, tx)
}

/// Decode a quoted-printable body (soft line breaks and `=XX`).
pub(crate) fn qp_decode(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The link containing `marker` in the mail the sink received for `to`.
pub(crate) async fn mailed_link(
    sink: &mail_servers::SmtpSink,
    to: &str,
    marker: &str,
) -> Result<String, String> {
    for _ in 0..300 {
        for (envelope, raw) in sink.received() {
            let for_them = envelope["to"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == to));
            let body = qp_decode(&String::from_utf8_lossy(&raw));
            if let (true, Some(at)) = (for_them, body.find(marker)) {
                let start = body[..at].rfind(char::is_whitespace).map_or(0, |i| i + 1);
                let end = body[at..]
                    .find(char::is_whitespace)
                    .map_or(body.len(), |i| at + i);
                return Ok(body[start..end].to_string());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "no mail to {to} with {marker} reached the SMTP sink"
    ))
}

/// Screenshots at desktop width and at 390 px, checking nothing overflows sideways at 390.
pub(crate) async fn shots(c: &Client, name: &str) -> Step {
    shot(c, name).await;
    accessible(c, name).await?;
    c.set_window_size(390, 900).await.map_err(err)?;
    let widths = c
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .map_err(err)?;
    let (scroll, inner) = (
        widths[0].as_i64().unwrap_or(0),
        widths[1].as_i64().unwrap_or(0),
    );
    shot(c, &format!("{name}-390")).await;
    // Name what sticks out, so a failure says where to look.
    let wide = if scroll > inner {
        c.execute(
            "const w = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1).slice(-5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')).join(', ');",
            vec![],
        )
        .await
        .map(|v| v.as_str().unwrap_or("").to_string())
        .unwrap_or_default()
    } else {
        String::new()
    };
    c.set_window_size(1280, 1000).await.map_err(err)?;
    check(
        inner > 0 && scroll <= inner,
        format!("{name} overflows at 390 px: scrollWidth {scroll} > clientWidth {inner} ({wide})"),
    )
}

/// axe-core's script (npm package `axe-core`): `RAPPORT_AXE_JS`, else `node_modules/axe-core`
/// at the workspace root. CI installs it; elsewhere the check is skipped when it is missing.
fn axe_script() -> Option<&'static str> {
    static SCRIPT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SCRIPT
        .get_or_init(|| {
            let path = std::env::var("RAPPORT_AXE_JS")
                .map(PathBuf::from)
                .unwrap_or_else(|_| {
                    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                        .join("../../node_modules/axe-core/axe.min.js")
                });
            match std::fs::read_to_string(&path) {
                Ok(js) => Some(js),
                Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
                    "axe-core is not at {} ({e}), and CI=true: the accessibility check must run \
                     (npm install axe-core, then RAPPORT_AXE_JS=.../axe.min.js)",
                    path.display()
                ),
                Err(_) => {
                    eprintln!("skipped: the accessibility check (axe-core is not installed)");
                    None
                }
            }
        })
        .as_deref()
}

/// Whether the accessibility check runs here (always under CI).
pub(crate) fn axe_available() -> bool {
    axe_script().is_some()
}

/// axe-core on the page as it stands: no serious or critical violation (WCAG 2.1 A and AA rules
/// and axe's best practices). A failure names each rule, its help text and where it applies.
pub(crate) async fn accessible(c: &Client, name: &str) -> Step {
    let Some(axe) = axe_script() else {
        return Ok(());
    };
    let loaded = c
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .map_err(err)?;
    if loaded != json!(true) {
        c.execute(axe, vec![])
            .await
            .map_err(|e| format!("loading axe-core: {e}"))?;
    }
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at '
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                 .catch(e => done(['axe failed: ' + e]));"#,
            vec![],
        )
        .await
        .map_err(|e| format!("running axe-core: {e}"))?;
    let problems: Vec<String> = serde_json::from_value(found).map_err(err)?;
    check(
        problems.is_empty(),
        format!(
            "{name}: accessibility violations:\n  {}",
            problems.join("\n  ")
        ),
    )
}

/// Press one key as a person would, on whatever has the focus.
pub(crate) async fn press(c: &Client, key: char) -> Step {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await.map_err(err)
}

/// Wait (up to 10 s) until the browser is at `path`.
pub(crate) async fn wait_path(c: &Client, path: &str) -> Step {
    let mut at = String::new();
    for _ in 0..100 {
        at = c.current_url().await.map_err(err)?.path().to_string();
        if at == path {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("expected to be at {path}, still at {at}"))
}

/// A script's answer, as text.
pub(crate) async fn eval(c: &Client, script: &str) -> Result<String, String> {
    let v = c.execute(script, vec![]).await.map_err(err)?;
    Ok(match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

pub(crate) async fn select(c: &Client, css: &str, value: &str) -> Step {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?
        .select_by_value(value)
        .await
        .map_err(err)
}

pub(crate) async fn sign_in(c: &Client, base: &str, email: &str, password: &str) -> Step {
    c.goto(&format!("{base}/app/login")).await.map_err(err)?;
    fill(c, "#email", email).await?;
    fill(c, "#password", password).await?;
    click(c, "form.stack button[type=submit]").await?;
    wait_text(c, "main h1", "Mine").await
}

/// A contact signs in to the portal and lands on what waits on them.
pub(crate) async fn portal_sign_in(c: &Client, base: &str, email: &str, password: &str) -> Step {
    c.goto(&format!("{base}/portal")).await.map_err(err)?;
    fill(c, "#email", email).await?;
    fill(c, "#password", password).await?;
    click(c, "form.stack button[type=submit]").await?;
    wait_text(c, "main h1", "Waiting on you").await
}

pub(crate) async fn sign_out(c: &Client) -> Step {
    click(c, "header form[action='/app/logout'] button").await?;
    wait_text(c, "main h1", "Sign in").await
}

/// Sign the contact out and wait for it to land, so the sign-out cannot overtake the next page.
pub(crate) async fn portal_sign_out(c: &Client) -> Step {
    click(c, "header form[action='/portal/logout'] button").await?;
    wait_text(c, "main h1", "Sign in to your client portal").await
}

/// chromedriver's path; `None` (the test is skipped, saying why) when it is missing outside CI.
/// On CI a missing browser fails the test: the suite must run there.
pub(crate) fn chromedriver_or_skip() -> Option<String> {
    let found = chromedriver();
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "chromedriver is not installed, and CI=true: the browser suite must run \
                 (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!(
            "skipped: chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
    }
    found
}

/// End a journey: a failed step leaves `failure-<step>.png`, the browser closes, and the test
/// fails naming the step.
pub(crate) async fn conclude(client: Client, step: &str, outcome: Step) {
    if outcome.is_err() {
        let name = format!("failure-{}", step.replace(' ', "-"));
        shot(&client, &name).await;
    }
    let _ = client.close().await;
    if let Err(e) = outcome {
        panic!("browser step {step:?} failed: {e}");
    }
}
