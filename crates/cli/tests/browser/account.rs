//! A member's own account in the browser: an API token is made (shown once), proved to work
//! against the API and revoked, after which it does not; an admin checks an import and applies
//! it; the password is changed, every session ends, and the new password signs in.

use fantoccini::{Client, Locator};
use rapport_store::Engine;
use rapport_store::testing::TestDb;

use crate::support::*;

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The status `GET /api/v1/me` answers with `token` as the bearer.
async fn api_me(base: &str, token: &str) -> Result<u16, String> {
    let res = reqwest::Client::new()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(err)?;
    Ok(res.status().as_u16())
}

async fn account_journey(c: &Client, base: &str, step: &mut &'static str) -> Step {
    *step = "the owner opens their account from the header";
    sign_in(
        c,
        base,
        rapport_seed::demo::DEMO_OWNER,
        rapport_seed::demo::DEMO_PASSWORD,
    )
    .await?;
    click(c, "header a.who").await?;
    wait_text(c, "main h1", "Your account").await?;
    wait_text(c, "#totp-state", "Off").await?;
    shots(c, "account").await?;

    *step = "a token is made and shown once";
    fill(c, "#tk-name", "Reporting script").await?;
    click(c, "#token-form button[type=submit]").await?;
    wait_text(c, "#new-token", "it will not be shown again").await?;
    let secret = text(c, "#token-secret").await?;
    check(
        api_me(base, &secret).await? == 200,
        "the new token works against the API",
    )?;
    shots(c, "account-token").await?;

    *step = "the token is revoked and stops working";
    click(c, "button[aria-label='Revoke Reporting script']").await?;
    wait_text(c, "main .notice.ok", "Token revoked").await?;
    wait_text(c, "#token-list", "revoked").await?;
    check(
        api_me(base, &secret).await? == 401,
        "the revoked token is refused",
    )?;

    *step = "an import is checked, then applied";
    let csv = std::env::temp_dir().join(format!("rapport-import-{}.csv", std::process::id()));
    std::fs::write(
        &csv,
        "name,tz\nHarbour Bakery,Europe/London\nKestrel Studio,Europe/Paris\n",
    )
    .map_err(err)?;
    click(c, "nav.side a[href='/app/admin/import']").await?;
    wait_text(c, "main h1", "Import").await?;
    select(c, "#im-kind", "clients").await?;
    c.find(Locator::Css("#im-file"))
        .await
        .map_err(err)?
        .send_keys(&csv.display().to_string())
        .await
        .map_err(err)?;
    click(c, "#import-form button[type=submit]").await?;
    wait_text(c, "#import-summary", "2 would be imported").await?;
    wait_text(c, "#import-rows", "Harbour Bakery").await?;
    wait_text(c, "#import-rows", "would be added").await?;
    shots(c, "admin-import").await?;
    click(c, "#apply-form button[type=submit]").await?;
    wait_text(c, "#import-summary", "2 imported").await?;
    let _ = std::fs::remove_file(&csv);
    c.goto(&format!("{base}/app/clients")).await.map_err(err)?;
    wait_text(c, "main", "Kestrel Studio").await?;
    c.goto(&format!("{base}/app/account")).await.map_err(err)?;

    *step = "a mistyped current password is refused in the label's words";
    fill(c, "#pw-current", "not my password").await?;
    fill(c, "#pw-new", NEW_PASSWORD).await?;
    click(c, "#password-form button[type=submit]").await?;
    wait_text(c, "#password .notice.error", "Current password:").await?;

    *step = "the password is changed and the new one signs in";
    fill(c, "#pw-current", rapport_seed::demo::DEMO_PASSWORD).await?;
    fill(c, "#pw-new", NEW_PASSWORD).await?;
    click(c, "#password-form button[type=submit]").await?;
    wait_text(c, "main .notice.ok", "Your password was changed").await?;
    sign_in(c, base, rapport_seed::demo::DEMO_OWNER, NEW_PASSWORD).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_looks_after_their_account_in_chromium() {
    let Some(driver) = chromedriver_or_skip() else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (base, _stop) = serve_demo(&db).await;
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let outcome = account_journey(&client, &base, &mut step).await;
    conclude(client, step, outcome).await;
}
