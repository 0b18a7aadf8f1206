//! People at the client (issue 22, item 1): a requester's portal shows a change order for their
//! request without the buttons, naming who may approve it; the approver approves it.

use fantoccini::{Client, Locator};
use rapport_app::{App, Settings};
use rapport_core::access::ContactRole;
use rapport_core::client::ContactPatch;
use rapport_core::request::RequestPatch;
use rapport_seed::demo::{DEMO_CONTACT, DEMO_ORG, DEMO_OWNER, DEMO_PASSWORD};
use rapport_store::Engine;
use rapport_store::testing::TestDb;

use crate::support::*;

const REQUESTER: &str = "arjun.rao@kaveri.example";

/// The demo with its sent change order, whose request is now Arjun's, and Arjun a requester
/// (Priya keeps the approver role every contact had before roles).
async fn demo_with_a_requester(db: &TestDb) -> App {
    let store = db.store().await.expect("open and migrate");
    let app = App::new(store, Settings::default());
    rapport_seed::demo::seed(&app).await.expect("demo data");
    sent_change_order(&app).await;
    let org = app
        .org_by_slug(DEMO_ORG)
        .await
        .unwrap()
        .expect("the demo org");
    let owner = app
        .member_by_email(org.id, DEMO_OWNER)
        .await
        .unwrap()
        .expect("the demo owner");
    let ctx = app.ctx_for_member(org.id, owner.id).await.unwrap();
    let kaveri = rapport_core::ids::ClientId(1);
    let contacts = app
        .list_contacts(&ctx, Some(kaveri), None, 50)
        .await
        .unwrap();
    let arjun = contacts
        .items
        .iter()
        .find(|c| c.email == REQUESTER)
        .expect("Arjun at Kaveri")
        .id;
    app.update_contact(
        &ctx,
        arjun,
        ContactPatch {
            role: Some(ContactRole::Requester),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let orders = app
        .list_change_orders(&ctx, Default::default())
        .await
        .unwrap();
    let co = orders
        .items
        .iter()
        .find(|co| co.title == "Cold-store sensor feed")
        .expect("the sent change order");
    app.update_request(
        &ctx,
        co.request_ids[0],
        RequestPatch {
            contact_id: Some(Some(arjun)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app
}

async fn journey(c: &Client, base: &str, step: &mut &'static str) -> Step {
    *step = "the requester sees the change order without the buttons";
    portal_sign_in(c, base, REQUESTER, DEMO_PASSWORD).await?;
    wait_text(c, "#waits-co", "waiting for your approvers").await?;
    click(c, "header a[href='/portal/change-orders']").await?;
    wait_text(c, "main", "Cold-store sensor feed").await?;
    let buttons = c
        .find_all(Locator::Css("article.co form button[value=approve]"))
        .await
        .map_err(err)?;
    check(
        buttons.is_empty(),
        "a requester is offered no Approve button",
    )?;
    wait_text(c, "article.co p.notice", "Only your approvers can approve").await?;
    wait_text(c, "article.co p.notice", "Priya Mehta").await?;
    shots(c, "portal-requester-change-order").await?;
    portal_sign_out(c).await?;

    *step = "the approver approves it";
    portal_sign_in(c, base, DEMO_CONTACT, DEMO_PASSWORD).await?;
    click(c, "header a[href='/portal/change-orders']").await?;
    wait_text(c, "main", "Cold-store sensor feed").await?;
    click(c, "article.co form button[value=approve]").await?;
    wait_text(c, "main h1", "Approve this change order?").await?;
    click(c, "main form button[type=submit]").await?;
    wait_text(c, "#co-result", "You approved Cold-store sensor feed").await?;
    wait_text(c, "article.co", "by Priya Mehta").await?;
    portal_sign_out(c).await?;

    *step = "the requester sees it decided";
    portal_sign_in(c, base, REQUESTER, DEMO_PASSWORD).await?;
    click(c, "header a[href='/portal/change-orders']").await?;
    wait_text(c, "article.co", "by Priya Mehta").await?;
    let notices = c
        .find_all(Locator::Css("article.co p.notice"))
        .await
        .map_err(err)?;
    check(notices.is_empty(), "nothing is left to approve")?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approver_approves_what_a_requester_could_not_in_chromium() {
    let Some(driver) = chromedriver_or_skip() else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let app = demo_with_a_requester(&db).await;
    let (base, _stop) = serve_app(app).await;
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let outcome = journey(&client, &base, &mut step).await;
    conclude(client, step, outcome).await;
}
