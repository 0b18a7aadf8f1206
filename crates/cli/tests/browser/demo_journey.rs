use fantoccini::{Client, Locator};
use rapport_store::Engine;
use rapport_store::testing::TestDb;

use crate::support::*;

/// An agent's morning, then a client's visit.
async fn journey(c: &Client, base: &str, step: &mut &'static str) -> Step {
    *step = "agent signs in";
    c.goto(&format!("{base}/app")).await.map_err(err)?;
    check(
        path(c).await?.starts_with("/app/login"),
        "the workspace asks to sign in",
    )?;
    shots(c, "sign-in").await?;
    sign_in(
        c,
        base,
        rapport_seed::demo::DEMO_OWNER,
        rapport_seed::demo::DEMO_PASSWORD,
    )
    .await?;

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
    shots(c, "workspace-queue").await?;

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
            let a = row.find(Locator::Css("td.title a")).await.map_err(err)?;
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
    shots(c, "request-page").await?;

    *step = "agent sends the reply, confirming the findings";
    click(c, "#send").await?;
    wait_text(c, "main", "Send anyway").await?;
    click(c, "#composer input[name=confirm]").await?;
    click(c, "#send").await?;
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
    shots(c, "dashboard").await?;

    *step = "client page";
    c.goto(&format!("{base}/app/clients/1"))
        .await
        .map_err(err)?;
    wait_text(c, "main h1", "Kaveri Foods").await?;
    wait_text(c, "#client-time", "Asia/Kolkata").await?;
    shots(c, "client-page").await?;

    *step = "engagement page with its budget burn";
    click(c, "section[aria-labelledby=eng-h] li a").await?;
    wait_text(c, "#budget-h", "Budget").await?;
    let burn = c
        .find_all(Locator::Css("#main svg.chart rect.bar"))
        .await
        .map_err(err)?;
    check(burn.len() >= 2, "the burn chart has bars")?;
    shots(c, "engagement").await?;

    *step = "search as you type";
    fill(c, "#q", "dashboard").await?;
    wait_text(c, "#search-results", "ashboard").await?;

    *step = "agent signs out";
    c.goto(&format!("{base}/app")).await.map_err(err)?;
    sign_out(c).await?;

    *step = "contact signs in to the portal";
    portal_sign_in(
        c,
        base,
        rapport_seed::demo::DEMO_CONTACT,
        rapport_seed::demo::DEMO_PASSWORD,
    )
    .await?;
    let home = text(c, "main").await?;
    check(
        home.contains("IST"),
        "portal dates are in the client's zone (IST)",
    )?;
    // What waits on the client comes before the list of everything.
    wait_text(c, "#waits", "Change orders to decide").await?;
    wait_text(c, "#waits", "Cold-store sensor feed").await?;
    wait_text(c, "#waits", "Deliveries to rate").await?;
    wait_text(c, "#waits", "Freezer audit summary").await?;
    let (waits_at, list_at) = (
        home.find("Change orders to decide"),
        home.find("Your requests"),
    );
    check(
        matches!((waits_at, list_at), (Some(w), Some(l)) if w < l),
        "the change order to decide is shown before the request list",
    )?;
    shots(c, "portal").await?;

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
    shots(c, "portal-request").await?;

    *step = "contact approves a change order";
    click(c, "header a[href='/portal/change-orders']").await?;
    wait_text(c, "main", "Cold-store sensor feed").await?;
    shots(c, "portal-change-orders").await?;
    click(c, "article.co form button[value=approve]").await?;
    // Approving commits the client to a fee: the portal asks once more, naming it.
    wait_text(c, "main h1", "Approve this change order?").await?;
    wait_text(c, "#co-confirm", "Cold-store sensor feed").await?;
    shots(c, "portal-co-confirm").await?;
    click(c, "main form button[type=submit]").await?;
    wait_text(c, "#co-result", "You approved Cold-store sensor feed").await?;
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
    check(
        !text(c, "#waits").await?.contains("Cold-store sensor feed"),
        "a decided change order no longer waits on the client",
    )?;
    c.find(Locator::XPath(
        "//section[@id='waits']//a[contains(., 'Freezer audit summary')]",
    ))
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
    shots(c, "portal-rating").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_and_portal_in_chromium() {
    let Some(driver) = chromedriver_or_skip() else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (base, _stop) = serve_demo(&db).await;
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let outcome = journey(&client, &base, &mut step).await;
    conclude(client, step, outcome).await;
}
