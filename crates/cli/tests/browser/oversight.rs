//! Oversight pages over the demo workspace: capacity for the weeks ahead, clients at risk, the
//! scope report and the audit log, each usable at 390 px.

use fantoccini::Client;
use rapport_store::Engine;
use rapport_store::testing::TestDb;

use crate::support::*;

async fn oversee(c: &Client, base: &str, step: &mut &'static str) -> Step {
    *step = "owner signs in";
    sign_in(
        c,
        base,
        rapport_seed::demo::DEMO_OWNER,
        rapport_seed::demo::DEMO_PASSWORD,
    )
    .await?;

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

/// The keyboard shortcuts (issue 18, polish): "?" lists them, j and k walk the queue and then the
/// requests opened from it, r and a reach the composer and the assignee; and an unknown address
/// is a page with a way back.
async fn keyboard(c: &Client, base: &str, step: &mut &'static str) -> Step {
    *step = "the shortcuts list opens with ?";
    c.goto(&format!("{base}/app?view=open"))
        .await
        .map_err(err)?;
    wait_text(c, "main h1", "All open").await?;
    press(c, '?').await?;
    check(
        eval(c, "return document.getElementById('shortcuts').open;").await? == "true",
        "? opens the shortcuts dialog",
    )?;
    wait_text(c, "#shortcuts", "Next request").await?;
    accessible(c, "shortcuts").await?;
    press(c, '?').await?;
    check(
        eval(c, "return document.getElementById('shortcuts').open;").await? == "false",
        "? closes it again",
    )?;

    *step = "j and k walk the queue";
    let hrefs = eval(
        c,
        "return Array.from(document.querySelectorAll('table.queue td.title a')).map(a => a.getAttribute('href')).join(' ');",
    )
    .await?;
    let hrefs: Vec<&str> = hrefs.split(' ').collect();
    check(
        hrefs.len() >= 3,
        format!("three requests to walk: {hrefs:?}"),
    )?;
    let focused =
        "return document.activeElement.getAttribute('href') || document.activeElement.id;";
    press(c, 'j').await?;
    press(c, 'j').await?;
    press(c, 'k').await?;
    press(c, 'j').await?;
    check(
        eval(c, focused).await? == hrefs[1],
        "j, j, k, j lands on the second",
    )?;

    *step = "the request opened from the queue: r, a, then j to the next";
    press(c, '\u{E007}').await?; // Enter follows the focused link.
    wait_path(c, hrefs[1]).await?;
    wait_text(c, "main", "Thread").await?;
    press(c, 'r').await?;
    check(eval(c, focused).await? == "body", "r focuses the reply")?;
    c.execute("document.activeElement.blur();", vec![])
        .await
        .map_err(err)?;
    press(c, 'a').await?;
    check(
        eval(c, focused).await? == "assignee",
        "a focuses the assignee",
    )?;
    c.execute("document.activeElement.blur();", vec![])
        .await
        .map_err(err)?;
    press(c, 'j').await?;
    wait_path(c, hrefs[2]).await?;

    *step = "an unknown address is a page";
    c.goto(&format!("{base}/app/no-such-page"))
        .await
        .map_err(err)?;
    wait_text(c, "main h1", "Not Found").await?;
    wait_text(c, "main", "There is no such page.").await?;
    shots(c, "not-found").await?;

    *step = "the accessibility check finds a fault planted in the page";
    if axe_available() {
        c.execute(
            "const i = document.createElement('img'); i.src = '/assets/none.png'; document.querySelector('main').appendChild(i);",
            vec![],
        )
        .await
        .map_err(err)?;
        let found = accessible(c, "planted").await;
        check(
            found.as_ref().is_err_and(|e| e.contains("image-alt")),
            format!("an image without alternative text is reported: {found:?}"),
        )?;
    }
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
    let mut outcome = oversee(&client, &base, &mut step).await;
    if outcome.is_ok() {
        outcome = keyboard(&client, &base, &mut step).await;
    }
    conclude(client, step, outcome).await;
}
