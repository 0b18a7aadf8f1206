//! A client rates delivered work from the link in the invitation mail: the link opens a page,
//! not JSON, and works once.

use fantoccini::Client;
use rapport_app::App;
use rapport_store::Engine;
use rapport_store::testing::TestDb;
use serde_json::json;

use crate::mail_servers;
use crate::support::*;

const CONTACT: &str = "ines@lumen.example";

/// A client with a contact, and a request of theirs delivered: the rating invitation is queued.
async fn delivered_request(app: &App) {
    let org = app.org_by_slug("ferris").await.unwrap().expect("the org");
    let owner = app
        .member_by_email(org.id, OWNER_EMAIL)
        .await
        .unwrap()
        .expect("the owner");
    let ctx = app.ctx_for_member(org.id, owner.id).await.unwrap();
    let client = app
        .create_client(
            &ctx,
            serde_json::from_value(
                json!({"name": "Lumen Optics", "calendar": {"tz": "Europe/Lisbon"}}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let contact = app
        .create_contact(
            &ctx,
            serde_json::from_value(
                json!({"client_id": client.id.0, "name": "Inês Sousa", "email": CONTACT}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let request = app
        .create_request(
            &ctx,
            serde_json::from_value(json!({
                "client_id": client.id.0, "contact_id": contact.id.0,
                "title": "Lens catalogue export", "body": "The catalogue as a spreadsheet."
            }))
            .unwrap(),
            rapport_core::request::Channel::Api,
        )
        .await
        .unwrap();
    app.transition_request(
        &ctx,
        request.id,
        serde_json::from_value(json!({ "status": "delivered" })).unwrap(),
    )
    .await
    .unwrap();
}

async fn rate_from_the_mail(
    c: &Client,
    sink: &mail_servers::SmtpSink,
    step: &mut &'static str,
) -> Step {
    *step = "the invitation mail arrives with a link to a page";
    let link = mailed_link(sink, CONTACT, "/rate/").await?;
    c.goto(&link).await.map_err(err)?;
    wait_text(c, "main h1", "How did we do?").await?;
    wait_text(c, "#rate-for", "Lens catalogue export").await?;
    shots(c, "rating-link").await?;

    *step = "the client rates from the page";
    click(c, "fieldset.stars input[value='5']").await?;
    fill(c, "#comment", "Exactly the columns we needed.").await?;
    click(c, "#rate-form button[type=submit]").await?;
    wait_text(c, "#rate-done", "You rated this 5 / 5").await?;
    shots(c, "rating-link-done").await?;

    *step = "the link works once";
    c.goto(&link).await.map_err(err)?;
    wait_text(c, "#rate-closed", "already").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_rates_from_the_emailed_link_in_chromium() {
    let Some(driver) = chromedriver_or_skip() else {
        return;
    };
    let Some(sink) = smtp_sink_or_skip() else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (_base, app, _stop) = serve_empty(&db, &sink.url()).await;
    delivered_request(&app).await;
    let _worker = spawn_worker(app);
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let outcome = rate_from_the_mail(&client, &sink, &mut step).await;
    conclude(client, step, outcome).await;
}
