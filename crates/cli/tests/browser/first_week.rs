use fantoccini::{Client, Locator};
use rapport_store::Engine;
use rapport_store::testing::TestDb;

use crate::mail_servers;
use crate::support::*;

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

    *step = "owner records the member's absence on their page";
    c.find(Locator::LinkText("Ines Iyer"))
        .await
        .map_err(err)?
        .click()
        .await
        .map_err(err)?;
    wait_text(c, "#absences", "No absences recorded.").await?;
    // A date input's typing order depends on the browser's locale; its value does not.
    c.execute(
        "document.querySelector('#a-start').value = '2030-03-04'; document.querySelector('#a-end').value = '2030-03-06';",
        vec![],
    )
    .await
    .map_err(err)?;
    fill(c, "#a-note", "Conference").await?;
    click(c, "#absence-form button[type=submit]").await?;
    wait_text(c, "#absences", "2030-03-04 to 2030-03-06 · Conference").await?;
    shots(c, "setup-member-absence").await?;

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
        "Weekly temperature reports for the cold stores\nSales dashboards\nTwo site visits a month",
    )
    .await?;
    // The limits read from the in items show as they are typed, to be reworded if wrong.
    wait_text(c, "#limits-read", "2 site visits per month").await?;
    fill(c, "#e-out", "Changes to the mobile app").await?;
    fill(c, "#e-sample", "Please add a new screen to the mobile app").await?;
    wait_text(c, "#scope-preview", "would say out").await?;
    fill(c, "#e-currency", "INR").await?;
    fill(c, "#e-rate", "4500").await?;
    fill(c, "#e-budget", "120").await?;
    fill(c, "#sla-normal-first", "2").await?;
    c.find(Locator::XPath(
        "//fieldset[@id='e-team']//label[contains(., 'Ines Iyer')]/input",
    ))
    .await
    .map_err(|e| format!("Ines on the team: {e}"))?
    .click()
    .await
    .map_err(err)?;
    shots(c, "setup-engagement-form").await?;
    click(c, "#engagement-form button[value=save]").await?;
    wait_text(c, "main h1", "Cold-chain reporting").await?;
    wait_text(c, "#team", "Ines Iyer").await?;
    wait_text(
        c,
        "#sla-words",
        "Normal priority: first reply within 2 business hours",
    )
    .await?;
    wait_text(c, "#sla-words", "of Kaveri Foods' calendar").await?;
    wait_text(
        c,
        "#limit-use",
        "Two site visits a month: 0 of 2 site visits used this month",
    )
    .await?;
    shots(c, "setup-engagement").await?;

    *step = "owner edits the engagement";
    click(c, "main a[href$='/edit']").await?;
    wait_text(c, "main h1", "Edit Cold-chain reporting").await?;
    shots(c, "setup-engagement-edit").await?;
    c.goto(&format!("{base}/app")).await.map_err(err)?;
    // The records are done; what is left is the mail set-up, each step a link to its page.
    let left = eval(
        c,
        "return Array.from(document.querySelectorAll('.get-started li:not(.done) a')).map(a => a.getAttribute('href')).join(' ');",
    )
    .await?;
    check(
        left == "/app/admin/mailboxes/new /app/admin/canned/new",
        format!("only the mail set-up is left to do: {left:?}"),
    )?;
    sign_out(c).await?;

    *step = "the contact follows the mailed link and chooses a password";
    let link = mailed_link(sink, "priya@kaveri.example", "/portal/invite?token=").await?;
    c.goto(&link).await.map_err(err)?;
    fill(c, "#invite-password", "priya chose this 7").await?;
    shots(c, "setup-portal-accept").await?;
    click(c, "main form button[type=submit]").await?;
    wait_text(c, "main h1", "Waiting on you").await?;
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
    click(c, "#log-request-link").await?;
    wait_text(c, "main h1", "Log a request for Kaveri Foods").await?;
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
    shots(c, "co-request-out-of-scope").await?;

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
    portal_sign_in(c, base, "priya@kaveri.example", "priya chose this 7").await?;
    wait_text(c, "#waits", "A new screen in the mobile app").await?;
    click(c, "header a[href='/portal/change-orders']").await?;
    wait_text(c, "main", "A new screen in the mobile app").await?;
    fill(
        c,
        "article.co textarea[name=note]",
        "Approved; please start on Monday.",
    )
    .await?;
    click(c, "article.co form button[value=approve]").await?;
    wait_text(c, "#co-confirm", "36000.00 INR").await?;
    click(c, "main form button[type=submit]").await?;
    wait_text(c, "#co-result", "You approved").await?;
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
    let Some(driver) = chromedriver_or_skip() else {
        return;
    };
    let Some(sink) = smtp_sink_or_skip() else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (base, app, _stop) = serve_empty(&db, &sink.url()).await;
    let _worker = spawn_worker(app);
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let mut outcome = first_week(&client, &base, &sink, &mut step).await;
    if outcome.is_ok() {
        outcome = commercial_flow(&client, &base, &mut step).await;
    }
    if outcome.is_ok() {
        outcome = crate::daily_work::daily_work(&client, &base, &mut step).await;
    }
    conclude(client, step, outcome).await;
}
