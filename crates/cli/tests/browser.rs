//! The workspace and the portal in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver against the demo workspace served on 127.0.0.1.
//!
//! Without chromedriver the test fails when `CI=true` and is skipped, saying why, elsewhere.
//! Screenshots go to `RAPPORT_SCREENSHOT_DIR` (docs/screenshots to refresh the committed ones)
//! or, by default, under the target directory; a failing step leaves `failure-*.png` there.

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
    click(c, "section[aria-labelledby=eng-h] a").await?;
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
