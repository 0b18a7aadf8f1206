//! An admin runs the firm's mail from the pages: the banner names what the server lacks (no
//! SMTP here), a mailbox is added and its connection tested against a real Dovecot, a mailbox
//! with a wrong password raises an alert counted in the navigation, mail from a stranger waits
//! in triage and is assigned to a client, a webhook is added and its delivery log shows a ping
//! that a receiver on loopback got, a canned reply is written (a bad variable is refused in
//! the form's words), a rule built in the form fires on the routed mail, and a reply says it cannot be sent rather than
//! "queued". A member meets a refusal, not the admin pages.

use std::time::Duration;

use fantoccini::{Client, Locator};
use rapport_app::{App, Settings};
use rapport_store::Engine;
use rapport_store::testing::TestDb;
use rapport_web::{AppState, WebConfig};

use crate::mail_servers::{self, Dovecot};
use crate::support::*;

const AGENT_EMAIL: &str = "ada@ferris.example";
const AGENT_PASSWORD: &str = "agent password 12345";

/// A firm with an owner, an agent and one client, with no SMTP configured but a secret key, and
/// mailboxes allowed on this machine (Dovecot listens on loopback at a random port).
async fn serve_without_smtp(db: &TestDb) -> (String, App, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let store = db.store().await.expect("open and migrate");
    let mut mail = rapport_app::mail::MailSettings::default()
        .with_from("Ferris Desk <desk@ferris.example>")
        .unwrap();
    mail.transport = None;
    mail.allow_private_hosts = true;
    mail.allow_any_port = true;
    let settings = Settings {
        public_url: base.clone(),
        mail,
        secrets: rapport_app::secrets::SecretBox::from_base64(
            &rapport_app::secrets::SecretBox::generate_key(),
        )
        .unwrap(),
        webhooks: rapport_app::automation::WebhookSettings {
            allow_private: true,
            ..Default::default()
        },
        ..Settings::default()
    };
    let app = App::new(store, settings);
    let org = app.create_org("ferris", "Ferris & Co").await.unwrap();
    for (email, name, role, password) in [
        (
            OWNER_EMAIL,
            "Olu Owner",
            rapport_core::access::Role::Owner,
            OWNER_PASSWORD,
        ),
        (
            AGENT_EMAIL,
            "Ada Agent",
            rapport_core::access::Role::Agent,
            AGENT_PASSWORD,
        ),
    ] {
        app.add_member_as_operator(
            org.id,
            rapport_core::member::NewMember {
                email: email.into(),
                name: name.into(),
                role,
                tz: "Europe/London".into(),
                working_hours: None,
                weekly_capacity_minutes: None,
                password: Some(password.into()),
            },
        )
        .await
        .unwrap();
    }
    let owner = app
        .member_by_email(org.id, OWNER_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let ctx = app.ctx_for_member(org.id, owner.id).await.unwrap();
    let client: rapport_core::client::NewClient = serde_json::from_value(serde_json::json!({
        "name": "Northwind", "calendar": {"tz": "Europe/London"}
    }))
    .unwrap();
    app.create_client(&ctx, client).await.unwrap();
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

/// A tiny HTTP receiver on loopback answering 200 to every POST; returns its URL and the bodies
/// it was sent.
async fn receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read the head, then as much body as Content-Length says.
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            seen.lock().unwrap().push(text[end + 4..].to_string());
                            break;
                        }
                    }
                }
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, bodies)
}

/// Load `url` again until `css` holds `want`: what a person does while a poll runs.
async fn reload_until(c: &Client, url: &str, css: &str, want: &str) -> Step {
    let mut last = String::new();
    for _ in 0..60 {
        c.goto(url).await.map_err(err)?;
        last = text(c, css).await.unwrap_or_default();
        if last.contains(want) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!(
        "{css} at {url} never showed {want:?}; last: {last:?}"
    ))
}

async fn add_mailbox(c: &Client, base: &str, d: &Dovecot, name: &str, password: &str) -> Step {
    c.goto(&format!("{base}/app/admin/mailboxes/new"))
        .await
        .map_err(err)?;
    wait_text(c, "main h1", "Add a mailbox").await?;
    fill(c, "#mb-name", name).await?;
    fill(c, "#mb-host", "127.0.0.1").await?;
    select(c, "#mb-tls", "none").await?;
    fill(c, "#mb-port", &d.port.to_string()).await?;
    fill(c, "#mb-user", &d.user).await?;
    fill(c, "#mb-password", password).await?;
    fill(c, "#mb-every", "5").await?;
    click(c, "#mailbox-form button[type=submit]").await?;
    wait_text(c, "main .notice.ok", "Mailbox added").await
}

async fn admin_journey(c: &Client, base: &str, d: &Dovecot, step: &mut &'static str) -> Step {
    *step = "the banner names what the server lacks";
    sign_in(c, base, OWNER_EMAIL, OWNER_PASSWORD).await?;
    wait_text(c, ".setup-banner", "No SMTP server is configured").await?;
    wait_text(c, ".setup-banner", "RAPPORT_SMTP").await?;
    let banner = text(c, ".setup-banner").await?;
    check(
        !banner.contains("RAPPORT_SECRET_KEY"),
        format!("the key is set, so the banner does not ask for it: {banner}"),
    )?;

    *step = "a mistyped mailbox form is shown again with the label's words";
    c.goto(&format!("{base}/app/admin/mailboxes/new"))
        .await
        .map_err(err)?;
    fill(c, "#mb-name", "Support").await?;
    fill(c, "#mb-host", "127.0.0.1").await?;
    fill(c, "#mb-port", "not a port").await?;
    fill(c, "#mb-user", &d.user).await?;
    fill(c, "#mb-password", &d.password).await?;
    click(c, "#mailbox-form button[type=submit]").await?;
    wait_text(c, "main .notice.error", "Port:").await?;
    shots(c, "admin-mailbox-new").await?;

    *step = "the admin adds the mailbox and tests its connection";
    add_mailbox(c, base, d, "Support", &d.password).await?;
    click(c, "button[aria-label='Test the connection of Support']").await?;
    wait_text(c, "#test-result", "the connection works").await?;
    wait_text(c, "#test-result", "Signed in as support and opened INBOX").await?;
    shots(c, "admin-mailboxes").await?;

    *step = "the admin writes a canned reply";
    click(c, "nav.side a[href='/app/admin/canned']").await?;
    wait_text(c, "main h1", "Canned replies").await?;
    click(c, "main a[href='/app/admin/canned/new']").await?;
    fill(c, "#cr-name", "Export fix on its way").await?;
    fill(
        c,
        "#cr-body",
        "{{contact.salutation}}\n\nThe fix is in {{nowhere}}.",
    )
    .await?;
    click(c, "#canned-form button[type=submit]").await?;
    wait_text(c, "main .notice.error", "Text:").await?;
    shots(c, "admin-canned-form").await?;
    fill(
        c,
        "#cr-body",
        "{{contact.salutation}}\n\nThe fix for {{request.title}} is on its way.\n\n{{agent.name}}",
    )
    .await?;
    select(c, "#cr-status", "in_progress").await?;
    click(c, "#canned-form button[type=submit]").await?;
    wait_text(c, "main .notice.ok", "Saved").await?;
    wait_text(c, "#canned-list", "Export fix on its way").await?;
    wait_text(c, "#canned-list", "Then: in progress").await?;
    shots(c, "admin-canned").await?;

    *step = "the admin adds a webhook and pings it";
    let (hook_url, received) = receiver().await;
    click(c, "nav.side a[href='/app/admin/webhooks']").await?;
    wait_text(c, "main h1", "Webhooks").await?;
    click(c, "main a[href='/app/admin/webhooks/new']").await?;
    fill(c, "#wh-url", &hook_url).await?;
    click(c, "#webhook-form button[type=submit]").await?;
    wait_text(c, "main .notice.error", "Events:").await?;
    shots(c, "admin-webhook-new").await?;
    click(c, "#webhook-form input[value=request_created]").await?;
    click(c, "#webhook-form button[type=submit]").await?;
    wait_text(c, "#webhook-secret", "whsec_").await?;
    click(c, "main a[href^='/app/admin/webhooks/']").await?;
    click(c, "#ping").await?;
    wait_text(c, "main .notice.ok", "Ping sent").await?;
    let log = path(c).await?;
    reload_until(c, &format!("{base}{log}"), "#deliveries", "delivered").await?;
    wait_text(c, "#deliveries", "ping").await?;
    wait_text(c, "#deliveries", "answered 200").await?;
    shots(c, "admin-webhook").await?;
    let bodies = received.lock().unwrap().clone();
    check(
        bodies.iter().any(|b| b.contains("ping")),
        format!("the receiver got the ping: {bodies:?}"),
    )?;

    *step = "a mailbox with a wrong password fails its test and raises an alert";
    add_mailbox(c, base, d, "Old inbox", "not the password").await?;
    click(c, "button[aria-label='Test the connection of Old inbox']").await?;
    wait_text(c, "#test-result", "the connection failed").await?;
    reload_until(c, &format!("{base}/app"), "#alert-count", "1").await?;
    wait_text(c, ".setup-banner", "Mailbox Old inbox cannot be read").await?;
    click(c, "nav.side a[href='/app/alerts']").await?;
    wait_text(c, "main h1", "Alerts").await?;
    wait_text(c, "main ul.cards", "mailbox.failing").await?;
    shots(c, "admin-alerts").await?;
    click(c, "main ul.cards button[value=acknowledged]").await?;
    wait_text(c, "main .notice.ok", "Acknowledged").await?;
    wait_text(c, "main ul.cards", "acknowledged").await?;
    // Acknowledged, it no longer counts as waiting for someone.
    wait_text(c, "#alert-count", "0").await?;
    // Paused, it is no longer read, and its alerts resolve.
    c.goto(&format!("{base}/app/admin/mailboxes"))
        .await
        .map_err(err)?;
    click(c, "button[aria-label='Pause Old inbox']").await?;
    wait_text(c, "main .notice.ok", "Paused").await?;
    reload_until(
        c,
        &format!("{base}/app/alerts?show=resolved"),
        "main",
        "mailbox.failing",
    )
    .await?;

    *step = "the admin builds a rule in the form";
    click(c, "nav.side a[href='/app/admin/rules']").await?;
    wait_text(c, "main h1", "Rules").await?;
    fill(c, "#ru-name", "Export trouble").await?;
    select(c, "#ru-event", "request_created").await?;
    fill(c, "#ru-text", "export").await?;
    click(c, "#rule-form button[type=submit]").await?;
    // No action: refused in the form's words, what was typed kept.
    wait_text(c, "main .notice.error", "Then:").await?;
    fill(c, "#ru-notify", "A client cannot export").await?;
    select(c, "#ru-set-priority", "high").await?;
    click(c, "#rule-form button[type=submit]").await?;
    wait_text(c, "main .notice.ok", "Rule saved").await?;
    wait_text(c, "#rule-list", "if the text contains “export”").await?;
    shots(c, "admin-rules").await?;

    *step = "mail from a stranger waits in triage";
    d.append(
        b"From: Dana Stone <dana@northwind.example>\r\nTo: support@ferris.example\r\n\
          Subject: Export stops at 1000 rows\r\nMessage-ID: <dana-1@northwind.example>\r\n\
          Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n\r\nThe CSV export stops at 1000 rows.\r\n",
    );
    reload_until(
        c,
        &format!("{base}/app/admin/triage"),
        "main",
        "Export stops at 1000 rows",
    )
    .await?;
    wait_text(c, "main ul.cards", "dana@northwind.example").await?;
    wait_text(c, "nav.side a[href='/app/admin/triage'] .count", "1").await?;
    shots(c, "admin-triage").await?;

    *step = "the admin assigns it to the client";
    c.find(Locator::Css("main ul.cards select[name=client_id]"))
        .await
        .map_err(err)?
        .select_by_label("Northwind")
        .await
        .map_err(err)?;
    fill(c, "main ul.cards input[name=name]", "Dana Stone").await?;
    click(c, "main ul.cards form[action$='/assign'] button").await?;
    wait_text(c, "main h1", "Export stops at 1000 rows").await?;
    wait_text(c, "main .notice.ok", "now the client's contact").await?;

    *step = "the rule fired on the new request";
    let request = path(c).await?;
    reload_until(c, &format!("{base}{request}"), "main", "high priority").await?;
    reload_until(
        c,
        &format!("{base}/app/alerts"),
        "main",
        "A client cannot export",
    )
    .await?;
    c.goto(&format!("{base}{request}")).await.map_err(err)?;
    wait_text(c, "main h1", "Export stops at 1000 rows").await?;

    *step = "a reply says it cannot be sent without SMTP";
    fill(
        c,
        "#body",
        "Hello Dana,\n\nThank you for the details. We are looking into the export now.\n\nKind regards,\nOlu",
    )
    .await?;
    click(c, "#send").await?;
    // The etiquette lint may hold the reply for a confirmation first; which page comes back is
    // only known once it has loaded, so wait for either (checking at once raced a slow server).
    let held = "#composer input[name=confirm]";
    if first_of(c, &[held, "article.msg.outbound .send-blocked"]).await? == 0 {
        click(c, held).await?;
        click(c, "#send").await?;
    }
    wait_text(
        c,
        "article.msg.outbound",
        "cannot be sent until mail (SMTP) is configured",
    )
    .await?;
    let thread = text(c, "article.msg.outbound header").await?;
    check(
        !thread.contains("queued"),
        format!("the reply does not say queued: {thread}"),
    )?;
    c.goto(&format!("{base}/app/admin/triage"))
        .await
        .map_err(err)?;
    wait_text(c, "main", "Nothing waits for triage").await?;
    sign_out(c).await?;

    *step = "a member sees no Admin group and is refused the pages";
    sign_in(c, base, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let nav = text(c, "nav.side").await?;
    check(
        !nav.contains("Mailboxes") && nav.contains("Alerts"),
        format!("a member's navigation: {nav}"),
    )?;
    check(
        c.find(Locator::Css(".setup-banner")).await.is_err(),
        "the set-up banner is for admins",
    )?;
    c.goto(&format!("{base}/app/admin/mailboxes"))
        .await
        .map_err(err)?;
    wait_text(c, "main", "Only the firm's admins and owners").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_runs_mail_from_the_pages_in_chromium() {
    let Some(driver) = chromedriver_or_skip() else {
        return;
    };
    if !mail_servers::available() {
        return;
    }
    let dovecot = Dovecot::start();
    let db = TestDb::new(Engine::Sqlite).expect("a SQLite test database");
    let (base, app, _stop) = serve_without_smtp(&db).await;
    let _worker = spawn_worker(app);
    let (_driver, client) = start_browser(&driver).await;
    let mut step = "start";
    let outcome = admin_journey(&client, &base, &dovecot, &mut step).await;
    conclude(client, step, outcome).await;
}
