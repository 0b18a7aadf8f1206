//! Oversight pages over the demo workspace: capacity for the weeks ahead, clients at risk, the
//! scope report and the audit log, each usable at 390 px.

use fantoccini::Client;
use rapport_store::Engine;
use rapport_store::testing::TestDb;

use crate::support::*;

async fn oversee(c: &Client, base: &str, step: &mut &'static str) -> Step {
    *step = "owner signs in";
    c.goto(&format!("{base}/app/login")).await.map_err(err)?;
    fill(c, "#email", rapport_app::demo::DEMO_OWNER).await?;
    fill(c, "#password", rapport_app::demo::DEMO_PASSWORD).await?;
    click(c, "form.stack button[type=submit]").await?;
    wait_text(c, "main h1", "Mine").await?;

    *step = "capacity for the weeks ahead";
    click(c, "nav.side a[href='/app/capacity']").await?;
    wait_text(c, "main h1", "Capacity").await?;
    wait_text(c, "#capacity", "w/c").await?;
    shots(c, "oversight-capacity").await?;

    *step = "clients at risk with their reasons";
    click(c, "nav.side a[href='/app/at-risk']").await?;
    wait_text(c, "main h1", "Clients at risk").await?;
    shots(c, "oversight-at-risk").await?;

    *step = "the scope report";
    click(c, "nav.side a[href='/app/scope-report']").await?;
    wait_text(c, "main h1", "Scope report").await?;
    shots(c, "oversight-scope-report").await?;

    *step = "the audit log, filtered to change orders";
    click(c, "nav.side a[href='/app/audit']").await?;
    wait_text(c, "main h1", "Audit log").await?;
    select(c, "#what", "change_order.").await?;
    click(c, "#audit-filters button[type=submit]").await?;
    wait_text(c, "#audit", "change_order.").await?;
    let rows = text(c, "#audit tbody").await?;
    check(
        rows.lines().all(|l| !l.contains("request.create")),
        "the filter keeps only change-order events",
    )?;
    shots(c, "oversight-audit").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversight_pages_in_chromium() {
    let Some(driver) = chromedriver_or_skip() else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (base, _stop) = serve_demo(&db).await;
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let outcome = oversee(&client, &base, &mut step).await;
    conclude(client, step, outcome).await;
}
