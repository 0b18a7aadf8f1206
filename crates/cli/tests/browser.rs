//! The workspace and the portal in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver against the demo workspace served on 127.0.0.1,
//! and a new firm set up from an empty database, its invitations mailed to an SMTP sink.
//!
//! Without chromedriver the test fails when `CI=true` and is skipped, saying why, elsewhere.
//! Screenshots go to `RAPPORT_SCREENSHOT_DIR` (docs/screenshots to refresh the committed ones)
//! or, by default, under the target directory; a failing step leaves `failure-*.png` there.

mod mail_servers;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use rapport_app::{App, Settings};
use rapport_store::Engine;
use rapport_store::testing::TestDb;
use rapport_web::{AppState, WebConfig};
use serde_json::json;

/// chromedriver, ended when the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<String> {
    let path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let ok = Command::new(&path)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(path)
}

fn screenshot_dir() -> PathBuf {
    let dir = std::env::var("RAPPORT_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
    eprintln!("screenshot: {}", path.display());
}

/// The demo workspace on a random port; returns its base URL.
async fn serve_demo(db: &TestDb) -> (String, tokio::sync::oneshot::Sender<()>) {
    let store = db.store().await.expect("open and migrate");
    let app = App::new(store, Settings::default());
    app.seed_demo().await.expect("demo data");
    sent_change_order(&app).await;
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
async fn sent_change_order(app: &App) {
    use rapport_app::requests::RequestFilter;
    let org = app
        .org_by_slug(rapport_app::demo::DEMO_ORG)
        .await
        .unwrap()
        .expect("the demo org");
    let owner = app
        .member_by_email(org.id, rapport_app::demo::DEMO_OWNER)
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

async fn start_browser(driver: &str) -> (Driver, Client) {
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
    let guard = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
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
            .connect(&url)
            .await
        {
            Ok(c) => return (guard, c),
            Err(e) => {
                last = Some(e.to_string());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("could not start a Chromium session: {last:?}");
}

type Step = Result<(), String>;

fn check(cond: bool, what: impl Into<String>) -> Step {
    if cond { Ok(()) } else { Err(what.into()) }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

async fn text(c: &Client, css: &str) -> Result<String, String> {
    let el = c
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?;
    el.text().await.map_err(err)
}

async fn fill(c: &Client, css: &str, value: &str) -> Step {
    let el = c
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?;
    el.clear().await.map_err(err)?;
    el.send_keys(value).await.map_err(err)
}

async fn click(c: &Client, css: &str) -> Step {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?
        .click()
        .await
        .map_err(err)
}

/// Wait until the element's text contains `want`.
async fn wait_text(c: &Client, css: &str, want: &str) -> Step {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            seen = el.text().await.unwrap_or_default();
            if seen.contains(want) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    Err(format!("{css} never showed {want:?}; it shows {seen:?}"))
}

async fn path(c: &Client) -> Result<String, String> {
    let u = c.current_url().await.map_err(err)?;
    Ok(match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    })
}

/// An agent's morning, then a client's visit.
async fn journey(c: &Client, base: &str, step: &mut &'static str) -> Step {
    *step = "agent signs in";
    c.goto(&format!("{base}/app")).await.map_err(err)?;
    check(
        path(c).await?.starts_with("/app/login"),
        "the workspace asks to sign in",
    )?;
    shot(c, "sign-in").await;
    fill(c, "#email", rapport_app::demo::DEMO_OWNER).await?;
    fill(c, "#password", rapport_app::demo::DEMO_PASSWORD).await?;
    click(c, "form.stack button[type=submit]").await?;
    wait_text(c, "main h1", "Mine").await?;

    *step = "agent opens a view";
    click(c, "nav.side a[href='/app?view=open']").await?;
    wait_text(c, "main h1", "All open").await?;
    let count = text(c, "nav.side a[href='/app?view=open'] .count").await?;
    let rows = c
        .find_all(Locator::Css("table.queue tbody tr"))
        .await
        .map_err(err)?;
    check(!rows.is_empty(), "the open view lists requests")?;
    check(
        count.trim_end_matches('+').parse::<usize>().unwrap_or(0) >= rows.len(),
        format!("the nav count {count} covers the {} rows shown", rows.len()),
    )?;
    shot(c, "workspace-queue").await;

    *step = "agent sorts the view, oldest first";
    let sort = c
        .find(Locator::Css("form.filters select[name=sort]"))
        .await
        .map_err(err)?;
    sort.select_by_label("Oldest").await.map_err(err)?;
    click(c, "form.filters button[type=submit]").await?;
    wait_text(c, "main h1", "All open").await?;
    check(
        path(c).await?.contains("sort=created"),
        "the sort is in the address",
    )?;
    let rows = c
        .find_all(Locator::Css("table.queue tbody tr"))
        .await
        .map_err(err)?;

    *step = "agent opens a request of Kaveri Foods";
    let mut href = None;
    for row in &rows {
        let t = row.text().await.map_err(err)?;
        if t.contains("Kaveri Foods") {
            let a = row
                .find(Locator::Css("td:nth-child(2) a"))
                .await
                .map_err(err)?;
            href = a.attr("href").await.map_err(err)?;
            break;
        }
    }
    let href = href.ok_or("no Kaveri Foods request in the open view")?;
    c.goto(&format!("{base}{href}")).await.map_err(err)?;
    wait_text(c, "#client-time", "Asia/Kolkata").await?;

    *step = "agent sees a lint finding while typing";
    // Kaveri's glossary says "ladies' fingers" for okra, and "Dear Sir/Madam" is to be avoided.
    fill(c, "#body", "Dear Sir/Madam, the okra figures are updated.").await?;
    wait_text(c, "#lint", "okra").await?;
    let lint = text(c, "#lint").await?;
    check(
        lint.contains("ladies' fingers"),
        format!("the finding suggests their word: {lint}"),
    )?;
    shot(c, "request-page").await;

    *step = "agent sends the reply, confirming the findings";
    click(c, "#composer button[type=submit]").await?;
    wait_text(c, "main", "Send anyway").await?;
    click(c, "#composer input[name=confirm]").await?;
    click(c, "#composer button[type=submit]").await?;
    wait_text(
        c,
        "section[aria-labelledby=thread-h]",
        "the okra figures are updated",
    )
    .await?;

    *step = "agent logs quick work";
    c.goto(&format!("{base}/app/quick")).await.map_err(err)?;
    let select = c
        .wait()
        .for_element(Locator::Css("#qclient"))
        .await
        .map_err(err)?;
    select.select_by_label("Kaveri Foods").await.map_err(err)?;
    fill(c, "#qtitle", "Re-sent the weekly export").await?;
    fill(c, "#qminutes", "10").await?;
    click(c, "#quick button[type=submit]").await?;
    wait_text(c, "main h1", "Re-sent the weekly export").await?;
    let facts = text(c, "dl.facts").await?;
    check(
        facts.contains("delivered") || facts.contains("closed"),
        format!("quick work is finished: {facts}"),
    )?;

    *step = "dashboard renders its charts";
    c.goto(&format!("{base}/app/dashboard"))
        .await
        .map_err(err)?;
    wait_text(c, "main h1", "Dashboard").await?;
    let charts = c.find_all(Locator::Css("svg.chart")).await.map_err(err)?;
    check(
        charts.len() >= 5,
        format!("{} charts on the dashboard", charts.len()),
    )?;
    let bars = c
        .find_all(Locator::Css("svg.chart rect.bar"))
        .await
        .map_err(err)?;
    check(bars.len() > 2, "the charts have bars")?;
    shot(c, "dashboard").await;

    *step = "client page";
    c.goto(&format!("{base}/app/clients/1"))
        .await
        .map_err(err)?;
    wait_text(c, "main h1", "Kaveri Foods").await?;
    wait_text(c, "#client-time", "Asia/Kolkata").await?;
    shot(c, "client-page").await;

    *step = "engagement page with its budget burn";
    click(c, "section[aria-labelledby=eng-h] li a").await?;
    wait_text(c, "#budget-h", "Budget").await?;
    let burn = c
        .find_all(Locator::Css("#main svg.chart rect.bar"))
        .await
        .map_err(err)?;
    check(burn.len() >= 2, "the burn chart has bars")?;
    shot(c, "engagement").await;

    *step = "search as you type";
    fill(c, "#q", "dashboard").await?;
    wait_text(c, "#search-results", "ashboard").await?;

    *step = "agent signs out";
    c.goto(&format!("{base}/app")).await.map_err(err)?;
    click(c, "header form[action='/app/logout'] button").await?;
    wait_text(c, "main h1", "Sign in").await?;

    *step = "contact signs in to the portal";
    c.goto(&format!("{base}/portal")).await.map_err(err)?;
    fill(c, "#email", rapport_app::demo::DEMO_CONTACT).await?;
    fill(c, "#password", rapport_app::demo::DEMO_PASSWORD).await?;
    click(c, "form.stack button[type=submit]").await?;
    wait_text(c, "main h1", "Your requests").await?;
    let list = text(c, "main").await?;
    check(
        list.contains("IST"),
        "portal dates are in the client's zone (IST)",
    )?;
    shot(c, "portal").await;

    *step = "contact creates a request";
    click(c, "header a[href='/portal/requests/new']").await?;
    fill(c, "#title", "Cold-chain report for the Pune warehouse").await?;
    fill(c, "#body", "Daily temperatures per storage room, please.").await?;
    let csv = screenshot_dir().join("rooms.csv");
    std::fs::write(&csv, "room,max_c\nA,4\nB,5\n").map_err(err)?;
    c.find(Locator::Css("#files"))
        .await
        .map_err(err)?
        .send_keys(&csv.display().to_string())
        .await
        .map_err(err)?;
    click(c, "#new-request button[type=submit]").await?;
    wait_text(c, "main h1", "Cold-chain report for the Pune warehouse").await?;
    wait_text(c, "dl.facts", "received").await?;
    wait_text(c, "section[aria-labelledby=thread-h]", "rooms.csv").await?;
    let _ = std::fs::remove_file(&csv);
    shot(c, "portal-request").await;

    *step = "contact approves a change order";
    click(c, "header a[href='/portal/change-orders']").await?;
    wait_text(c, "main", "Cold-store sensor feed").await?;
    shot(c, "portal-change-orders").await;
    click(c, "article.co form button[value=approve]").await?;
    wait_text(c, "main h1", "Change orders").await?;
    let cards = c.find_all(Locator::Css("article.co")).await.map_err(err)?;
    let mut approved = false;
    for card in cards {
        let t = card.text().await.map_err(err)?;
        if t.contains("Cold-store sensor feed") {
            approved = t.contains("approved") && t.contains("Priya Mehta");
        }
    }
    check(approved, "the change order shows approved, by Priya Mehta")?;

    *step = "contact rates a delivery";
    click(c, "header a[href='/portal']").await?;
    wait_text(c, "main", "Freezer audit summary").await?;
    c.find(Locator::LinkText("Freezer audit summary"))
        .await
        .map_err(err)?
        .click()
        .await
        .map_err(err)?;
    wait_text(c, "#rate-h", "How did we do?").await?;
    click(c, "fieldset.stars input[value='4']").await?;
    fill(c, "#comment", "Clear and on time.").await?;
    click(c, "section[aria-labelledby=rate-h] button[type=submit]").await?;
    wait_text(c, "section[aria-labelledby=rate-h]", "You rated this 4 / 5").await?;
    shot(c, "portal-rating").await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_and_portal_in_chromium() {
    let Some(driver) = chromedriver() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "chromedriver is not installed, and CI=true: the browser suite must run \
                 (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!(
            "skipped: chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (base, _stop) = serve_demo(&db).await;
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let outcome = journey(&client, &base, &mut step).await;
    if outcome.is_err() {
        let name = format!("failure-{}", step.replace(' ', "-"));
        shot(&client, &name).await;
    }
    let _ = client.close().await;
    if let Err(e) = outcome {
        panic!("browser step {step:?} failed: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Setting up a firm from an empty workspace (issue 17, item 1)

/// Whether aiosmtpd is here for the SMTP sink; on CI its absence is a failure.
fn smtp_sink_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("aiosmtpd is not installed, and CI=true: the set-up test mails invitations");
    }
    ok
}

const OWNER_EMAIL: &str = "olu@ferris.example";
const OWNER_PASSWORD: &str = "owner password 12345";

/// An empty firm with one owner, mailing through `smtp`, served on a random port. Returns the
/// base URL, the app (for the job runner) and the server's stop switch.
async fn serve_empty(db: &TestDb, smtp: &str) -> (String, App, tokio::sync::oneshot::Sender<()>) {
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
fn qp_decode(s: &str) -> String {
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
async fn mailed_link(
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
async fn shots(c: &Client, name: &str) -> Step {
    shot(c, name).await;
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
    c.set_window_size(1280, 1000).await.map_err(err)?;
    check(
        inner > 0 && scroll <= inner,
        format!("{name} overflows at 390 px: scrollWidth {scroll} > clientWidth {inner}"),
    )
}

async fn select(c: &Client, css: &str, value: &str) -> Step {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?
        .select_by_value(value)
        .await
        .map_err(err)
}

async fn sign_in(c: &Client, base: &str, email: &str, password: &str) -> Step {
    c.goto(&format!("{base}/app/login")).await.map_err(err)?;
    fill(c, "#email", email).await?;
    fill(c, "#password", password).await?;
    click(c, "form.stack button[type=submit]").await?;
    wait_text(c, "main h1", "Mine").await
}

async fn sign_out(c: &Client) -> Step {
    click(c, "header form[action='/app/logout'] button").await?;
    wait_text(c, "main h1", "Sign in").await
}

/// Sign the contact out and wait for it to land, so the sign-out cannot overtake the next page.
async fn portal_sign_out(c: &Client) -> Step {
    click(c, "header form[action='/portal/logout'] button").await?;
    wait_text(c, "main h1", "Sign in to your client portal").await
}

/// An owner's first week, only through the pages: team, client, contact, engagement.
async fn first_week(
    c: &Client,
    base: &str,
    sink: &mail_servers::SmtpSink,
    step: &mut &'static str,
) -> Step {
    *step = "owner lands in an empty workspace";
    sign_in(c, base, OWNER_EMAIL, OWNER_PASSWORD).await?;
    wait_text(c, "#start-h", "Get started").await?;
    shots(c, "setup-get-started").await?;

    *step = "owner invites a member";
    click(c, ".get-started a[href='/app/members/new']").await?;
    wait_text(c, "main h1", "Invite a member").await?;
    fill(c, "#m-name", "Ines Iyer").await?;
    fill(c, "#m-email", "ines@ferris.example").await?;
    select(c, "#m-role", "manager").await?;
    fill(c, "#m-tz", "Mars/Olympus").await?;
    fill(c, "#m-capacity", "30").await?;
    click(c, "#member-form button[type=submit]").await?;
    // The error speaks of the form's label, not the API's field name.
    wait_text(c, "main .notice.error", "Time zone:").await?;
    shots(c, "setup-member-invite").await?;
    fill(c, "#m-tz", "Asia/Kolkata").await?;
    click(c, "#member-form button[type=submit]").await?;
    wait_text(c, "main h1", "Members").await?;
    wait_text(c, "main table", "invited, not joined yet").await?;
    shots(c, "setup-members").await?;

    *step = "the member follows the mailed link and chooses a password";
    let link = mailed_link(sink, "ines@ferris.example", "/app/invite?token=").await?;
    check(
        link.starts_with(base),
        format!("the link points here: {link}"),
    )?;
    c.goto(&link).await.map_err(err)?;
    wait_text(c, "main h1", "Choose your password").await?;
    shots(c, "setup-member-accept").await?;
    fill(c, "#invite-password", "ines chose this 42").await?;
    click(c, "#accept-invite button[type=submit]").await?;
    wait_text(c, "main h1", "Mine").await?;
    wait_text(c, "header .who", "Ines Iyer").await?;
    sign_out(c).await?;
    sign_in(c, base, "ines@ferris.example", "ines chose this 42").await?;
    sign_out(c).await?;

    *step = "owner edits the member's capacity";
    sign_in(c, base, OWNER_EMAIL, OWNER_PASSWORD).await?;
    c.goto(&format!("{base}/app/members")).await.map_err(err)?;
    c.find(Locator::LinkText("Ines Iyer"))
        .await
        .map_err(err)?
        .click()
        .await
        .map_err(err)?;
    wait_text(c, "main h1", "Ines Iyer").await?;
    fill(c, "#m-capacity", "32").await?;
    shots(c, "setup-member-edit").await?;
    click(c, "#member-form button[type=submit]").await?;
    wait_text(c, "main table", "32 h a week").await?;

    *step = "owner adds a client with calendar and etiquette";
    c.goto(&format!("{base}/app/clients")).await.map_err(err)?;
    click(c, "main a[href='/app/clients/new']").await?;
    wait_text(c, "main h1", "Add a client").await?;
    fill(c, "#c-name", "Kaveri Foods").await?;
    fill(c, "#c-tz", "Asia/Kolkata").await?;
    fill(c, "#c-hours", "mon-fri 09:00-18:00").await?;
    fill(c, "#c-countries", "IN, XX").await?;
    fill(c, "#c-locale", "en-IN").await?;
    fill(c, "#c-avoid", "Dear Sir/Madam").await?;
    fill(c, "#c-glossary", "ladies' fingers = okra").await?;
    click(c, "#client-form button[type=submit]").await?;
    wait_text(c, "main .notice.error", "Public holidays of").await?;
    shots(c, "setup-client-form").await?;
    fill(c, "#c-countries", "IN").await?;
    click(c, "#client-form button[type=submit]").await?;
    wait_text(c, "main h1", "Kaveri Foods").await?;
    wait_text(c, "#client-time", "Asia/Kolkata").await?;
    let facts = text(c, "main").await?;
    check(
        facts.contains("holidays of IN") && facts.contains("ladies' fingers"),
        format!("the client page shows the calendar and their words: {facts}"),
    )?;

    *step = "owner finds the client in the list";
    c.goto(&format!("{base}/app/clients?q=kav"))
        .await
        .map_err(err)?;
    wait_text(c, "main table", "Kaveri Foods").await?;
    shots(c, "setup-clients").await?;

    *step = "owner adds a contact and how to address them";
    c.find(Locator::LinkText("Kaveri Foods"))
        .await
        .map_err(err)?
        .click()
        .await
        .map_err(err)?;
    click(c, "main a[href$='/contacts/new']").await?;
    fill(c, "#p-name", "Priya Mehta").await?;
    fill(c, "#p-email", "priya@kaveri.example").await?;
    fill(c, "#p-preferred", "Dr Mehta").await?;
    fill(c, "#p-form", "Dr").await?;
    fill(c, "#p-avoid", "Priya").await?;
    shots(c, "setup-contact-form").await?;
    click(c, "#contact-form button[type=submit]").await?;
    wait_text(c, "ul.contacts", "greet as Dr Mehta").await?;

    *step = "owner invites the contact to the portal";
    click(c, "ul.contacts form button[type=submit]").await?;
    wait_text(c, "ul.contacts", "portal on").await?;
    shots(c, "setup-client-page").await?;

    *step = "owner writes an engagement with a brief and service levels";
    click(c, "main a[href$='/engagements/new']").await?;
    wait_text(c, "main h1", "New engagement for Kaveri Foods").await?;
    fill(c, "#e-name", "Cold-chain reporting").await?;
    fill(
        c,
        "#e-brief",
        "Reporting on the cold stores' temperatures for the operations team.",
    )
    .await?;
    fill(
        c,
        "#e-in",
        "Weekly temperature reports for the cold stores\nSales dashboards",
    )
    .await?;
    fill(c, "#e-out", "Changes to the mobile app").await?;
    fill(c, "#e-sample", "Please add a new screen to the mobile app").await?;
    wait_text(c, "#scope-preview", "would say out").await?;
    fill(c, "#e-currency", "INR").await?;
    fill(c, "#e-rate", "4500").await?;
    fill(c, "#e-budget", "120").await?;
    fill(c, "#sla-normal-first", "2").await?;
    shots(c, "setup-engagement-form").await?;
    click(c, "#engagement-form button[value=save]").await?;
    wait_text(c, "main h1", "Cold-chain reporting").await?;
    wait_text(
        c,
        "#sla-words",
        "Normal priority: first reply within 2 business hours",
    )
    .await?;
    wait_text(c, "#sla-words", "of Kaveri Foods' calendar").await?;
    shots(c, "setup-engagement").await?;

    *step = "owner edits the engagement";
    click(c, "main a[href$='/edit']").await?;
    wait_text(c, "main h1", "Edit Cold-chain reporting").await?;
    shots(c, "setup-engagement-edit").await?;
    c.goto(&format!("{base}/app")).await.map_err(err)?;
    let start = c.find_all(Locator::Css("#start-h")).await.map_err(err)?;
    check(
        start.is_empty(),
        "get started is gone once everything is set up",
    )?;
    sign_out(c).await?;

    *step = "the contact follows the mailed link and chooses a password";
    let link = mailed_link(sink, "priya@kaveri.example", "/portal/invite?token=").await?;
    c.goto(&link).await.map_err(err)?;
    fill(c, "#invite-password", "priya chose this 7").await?;
    shots(c, "setup-portal-accept").await?;
    click(c, "main form button[type=submit]").await?;
    wait_text(c, "main h1", "Your requests").await?;
    portal_sign_out(c).await
}

/// The commercial flow through the pages (issue 17, item 2): a request logged for the client
/// is out of scope, a change order priced from estimate x rate is sent, the contact approves
/// it in the portal, and the team sees the decision and the note.
async fn commercial_flow(c: &Client, base: &str, step: &mut &'static str) -> Step {
    *step = "owner logs a request for the client";
    sign_in(c, base, OWNER_EMAIL, OWNER_PASSWORD).await?;
    c.goto(&format!("{base}/app/clients")).await.map_err(err)?;
    c.find(Locator::LinkText("Kaveri Foods"))
        .await
        .map_err(err)?
        .click()
        .await
        .map_err(err)?;
    fill(c, "#r-title", "A new screen in the mobile app").await?;
    fill(
        c,
        "#r-body",
        "Please add a screen to the mobile app for the warehouse staff.",
    )
    .await?;
    c.find(Locator::Css("#r-contact option:nth-child(2)"))
        .await
        .map_err(err)?
        .click()
        .await
        .map_err(err)?;
    fill(c, "#r-estimate", "6").await?;
    click(c, "#log-request button[type=submit]").await?;
    wait_text(c, "main h1", "A new screen in the mobile app").await?;

    *step = "the request is out of scope";
    wait_text(c, "section[aria-labelledby=scope-h]", "The check says out").await?;
    // The request page predates this work and still overflows at 390 px: desktop only.
    shot(c, "co-request-out-of-scope").await;

    *step = "owner drafts a change order priced from estimate and rate";
    click(
        c,
        "section[aria-labelledby=scope-h] a[href*='/change-orders/new']",
    )
    .await?;
    wait_text(c, "main h1", "Change order for Cold-chain reporting").await?;
    fill(
        c,
        "#co-description",
        "Design and build the warehouse screen in the mobile app.",
    )
    .await?;
    click(c, "#co-form button[value=price]").await?;
    wait_text(c, "#co-price", "= 27000.00 INR").await?;
    shots(c, "co-form").await?;
    click(c, "#co-form button[value=save]").await?;
    wait_text(c, "#co-state", "draft").await?;

    *step = "owner edits the draft's estimate";
    click(c, "main a[href$='/edit']").await?;
    wait_text(c, "main h1", "Edit change order").await?;
    fill(c, "#co-estimate", "8").await?;
    click(c, "#co-form button[value=save]").await?;
    wait_text(c, "#co-facts", "8 h × 4500.00 INR = 36000.00 INR").await?;

    *step = "owner sends the change order";
    click(c, "#co-send button[type=submit]").await?;
    wait_text(c, "#co-state", "sent").await?;
    shots(c, "co-sent").await?;
    sign_out(c).await?;

    *step = "the contact approves in the portal";
    c.goto(&format!("{base}/portal")).await.map_err(err)?;
    fill(c, "#email", "priya@kaveri.example").await?;
    fill(c, "#password", "priya chose this 7").await?;
    click(c, "form.stack button[type=submit]").await?;
    wait_text(c, "main h1", "Your requests").await?;
    click(c, "header a[href='/portal/change-orders']").await?;
    wait_text(c, "main", "A new screen in the mobile app").await?;
    fill(
        c,
        "article.co textarea[name=note]",
        "Approved; please start on Monday.",
    )
    .await?;
    click(c, "article.co form button[value=approve]").await?;
    wait_text(c, "main article.co", "approved").await?;
    portal_sign_out(c).await?;

    *step = "the team sees the decision and the totals";
    sign_in(c, base, OWNER_EMAIL, OWNER_PASSWORD).await?;
    c.goto(&format!("{base}/app/clients")).await.map_err(err)?;
    c.find(Locator::LinkText("Kaveri Foods"))
        .await
        .map_err(err)?
        .click()
        .await
        .map_err(err)?;
    click(c, "section[aria-labelledby=eng-h] li a").await?;
    wait_text(c, "#co-totals", "approved: 36000.00 INR (1)").await?;
    wait_text(c, "#co-list", "Approved; please start on Monday.").await?;
    shots(c, "co-engagement").await?;
    click(c, "#co-list a").await?;
    wait_text(c, "#co-decision", "approved by Priya Mehta").await?;
    wait_text(c, "#co-decision", "Approved; please start on Monday.").await?;
    shots(c, "co-decided").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_sets_up_the_firm_in_chromium() {
    let Some(driver) = chromedriver() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromedriver is not installed, and CI=true: the browser suite must run");
        }
        eprintln!("skipped: chromedriver is not installed");
        return;
    };
    if !smtp_sink_available() {
        eprintln!("skipped: aiosmtpd is not installed (pip install aiosmtpd)");
        return;
    }
    let sink = mail_servers::SmtpSink::start();
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (base, app, _stop) = serve_empty(&db, &sink.url()).await;
    // The mail worker, as `rapport serve` runs it: invitations go out through the sink.
    let jobs = tokio::spawn(async move {
        let cfg = rapport_app::jobs::WorkerConfig::new("browser-test");
        loop {
            let _ = app.run_due_jobs(&cfg).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let mut outcome = first_week(&client, &base, &sink, &mut step).await;
    if outcome.is_ok() {
        outcome = commercial_flow(&client, &base, &mut step).await;
    }
    if outcome.is_err() {
        let name = format!("failure-{}", step.replace(' ', "-"));
        shot(&client, &name).await;
    }
    let _ = client.close().await;
    jobs.abort();
    if let Err(e) = outcome {
        panic!("browser step {step:?} failed: {e}");
    }
}
