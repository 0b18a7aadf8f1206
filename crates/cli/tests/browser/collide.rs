//! Collision detection in two browsers (issue 21, item 1): Ada and Ravi open the same request
//! and each sees the other, live; Ravi sees Ada writing; Ada's note goes first, so Ravi's is
//! held with her note shown above his kept draft, and he sends it anyway.

use fantoccini::Client;
use rapport_core::message::Direction;
use rapport_store::testing::TestDb;
use rapport_store::{Engine, params};

use crate::support::*;

const RAVI: &str = "ravi@northwind.example";

async fn two_members_on_one_request(
    ada: &Client,
    ravi: &Client,
    base: &str,
    step: &mut &'static str,
) -> Step {
    *step = "both sign in";
    sign_in(
        ada,
        base,
        rapport_seed::demo::DEMO_OWNER,
        rapport_seed::demo::DEMO_PASSWORD,
    )
    .await?;
    sign_in(ravi, base, RAVI, rapport_seed::demo::DEMO_PASSWORD).await?;

    *step = "both open the same request and see each other";
    ada.goto(&format!("{base}/app?view=open"))
        .await
        .map_err(err)?;
    click(ada, "table.queue td.title a").await?;
    // The request page has loaded once its presence box is there.
    text(ada, "#presence").await?;
    let url = ada.current_url().await.map_err(err)?;
    ravi.goto(url.as_str()).await.map_err(err)?;
    wait_text(ravi, "#presence", "Ada Okafor is viewing this request").await?;
    wait_text(ada, "#presence", "Ravi Menon is viewing this request").await?;

    *step = "Ravi sees Ada writing";
    click(ada, "input[name=direction][value=note]").await?;
    fill(ada, "#body", "Checked the cold-store logs: Pune is fine.").await?;
    wait_text(ravi, "#presence", "Ada Okafor is writing a reply or note").await?;
    shots(ravi, "collide-presence").await?;

    *step = "Ravi writes too; Ada's note goes first";
    click(ravi, "input[name=direction][value=note]").await?;
    fill(
        ravi,
        "#body",
        "I will call Priya about Pune this afternoon.",
    )
    .await?;
    click(ada, "#send").await?;
    wait_text(
        ada,
        "section[aria-labelledby=thread-h]",
        "Checked the cold-store logs",
    )
    .await?;

    *step = "Ravi's note is held with Ada's shown above his draft";
    click(ravi, "#send").await?;
    wait_text(ravi, "#held", "Checked the cold-store logs: Pune is fine.").await?;
    wait_text(ravi, "#held", "Not sent").await?;
    let draft = value(ravi, "#body").await?;
    check(
        draft == "I will call Priya about Pune this afternoon.",
        format!("the held note keeps the draft: {draft:?}"),
    )?;
    let thread = text(ravi, "section[aria-labelledby=thread-h]").await?;
    check(
        !thread.contains("I will call Priya"),
        "nothing was sent while held",
    )?;
    shots(ravi, "collide-held").await?;

    *step = "Ravi sends anyway";
    wait_text(ravi, "#send", "Send anyway").await?;
    click(ravi, "#send").await?;
    wait_text(
        ravi,
        "section[aria-labelledby=thread-h]",
        "I will call Priya about Pune this afternoon.",
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_members_see_each_other_and_the_second_note_is_held_in_chromium() {
    let Some(driver) = chromedriver_or_skip() else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (base, _stop) = serve_demo(&db).await;
    let (_driver, ada, ravi) = start_two_browsers(&driver).await;
    let mut step = "start";
    let outcome = two_members_on_one_request(&ada, &ravi, &base, &mut step).await;
    if outcome.is_err() {
        shot(&ravi, "failure-collide-ravi").await;
    }
    let _ = ravi.clone().close().await;
    conclude(ada, step, outcome).await;
    // Each note once: the held one was not written twice.
    let store = db.store().await.expect("the store");
    let n: i64 = store
        .read(|db| {
            db.scalar(
                "SELECT COUNT(*) AS n FROM messages WHERE direction = $1 AND body LIKE $2",
                params![Direction::Note.as_str(), "%call Priya about Pune%"],
            )
        })
        .await
        .expect("count");
    assert_eq!(
        n, 1,
        "the held note was sent once, when Ravi sent it anyway"
    );
}
