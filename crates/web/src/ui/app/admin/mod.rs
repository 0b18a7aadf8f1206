//! Administration in the browser: alerts, mailboxes with their connection test, the triage
//! queue of mail that could not be routed, canned replies, rules (built in a form) and webhooks (with their delivery log
//! and a ping), imports checked before they are applied, the billing export and calendar feeds; and the banner that tells admins what the server is
//! missing (no SMTP, no `RAPPORT_SECRET_KEY`, a mailbox that cannot be read) instead of letting
//! it show only as a failure somewhere else.

mod alerts;
mod billing;
mod canned;
mod feeds;
mod import;
mod mailboxes;
mod rules;
mod triage;
mod webhooks;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use maud::{Markup, html};
use rapport_app::pages::Nav;
use rapport_core::access::Permission;
use rapport_core::inbox::MailboxStatus;
use rapport_core::message::SendStatus;

use super::COUNT_CAP;
use crate::state::AppState;
use crate::ui::{Session, UiError, UiResult};

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/app/alerts", get(alerts::list))
        .route("/app/alerts/{id}", post(alerts::update))
        .route("/app/admin/mailboxes", get(mailboxes::list))
        .route(
            "/app/admin/mailboxes/new",
            get(mailboxes::new_page).post(mailboxes::create),
        )
        .route("/app/admin/mailboxes/{id}/test", post(mailboxes::test))
        .route(
            "/app/admin/mailboxes/{id}/active",
            post(mailboxes::set_active),
        )
        .route("/app/admin/canned", get(canned::list))
        .route(
            "/app/admin/canned/new",
            get(canned::new_page).post(canned::create),
        )
        .route(
            "/app/admin/canned/{id}",
            get(canned::edit_page).post(canned::update),
        )
        .route("/app/admin/canned/{id}/delete", post(canned::delete))
        .route("/app/admin/webhooks", get(webhooks::list))
        .route(
            "/app/admin/webhooks/new",
            get(webhooks::new_page).post(webhooks::create),
        )
        .route("/app/admin/webhooks/{id}", get(webhooks::webhook_page))
        .route("/app/admin/webhooks/{id}/ping", post(webhooks::ping))
        .route(
            "/app/admin/webhooks/{id}/enabled",
            post(webhooks::set_enabled),
        )
        .route("/app/admin/rules", get(rules::list).post(rules::create))
        .route(
            "/app/admin/rules/{id}",
            get(rules::edit_page).post(rules::update),
        )
        .route("/app/admin/rules/{id}/delete", post(rules::delete))
        .route(
            "/app/admin/import",
            get(import::import_page).post(import::check),
        )
        .route("/app/admin/import/apply", post(import::apply))
        .route("/app/admin/billing", get(billing::billing_page))
        .route("/app/admin/billing.csv", get(billing::download))
        .route("/app/admin/feeds", get(feeds::list).post(feeds::create))
        .route("/app/admin/feeds/{id}/revoke", post(feeds::revoke))
        .route("/app/admin/triage", get(triage::list))
        .route("/app/admin/triage/{id}/assign", post(triage::assign))
        .route("/app/admin/triage/{id}/dismiss", post(triage::dismiss))
}

/// Whether the signed-in member administers the firm (admins and owners).
pub(super) fn is_admin(s: &Session) -> bool {
    s.ctx.principal.allows(Permission::ManageMembers)
}

/// What every administration form checks before it changes anything: the form came from this
/// session's page, and the session is an admin's.
fn admin_post(s: &Session, csrf: &str) -> UiResult<()> {
    s.check(csrf)?;
    require_admin(s)
}

/// Admin pages answer members with a page saying so, not an empty list.
fn require_admin(s: &Session) -> UiResult<()> {
    if is_admin(s) {
        Ok(())
    } else {
        Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Only the firm's admins and owners can open the administration pages.",
        ))
    }
}

/// The navigation's Admin group (admins and owners only).
pub(super) fn nav_group(current: &str, nav: &Nav) -> Markup {
    let item = |href: &str, id: &str, label: &str, n: Option<usize>| {
        html! {
            li { a href=(href) aria-current=[(current == id).then_some("page")] {
                (label)
                @if let Some(n) = n { " " span class="count" aria-label={ (n) " waiting" } { (n) @if n >= COUNT_CAP { "+" } } }
            } }
        }
    };
    html! {
        li class="nav-group" {
            span class="nav-heading" id="nav-admin" { "Admin" }
            ul aria-labelledby="nav-admin" {
                (item("/app/admin/mailboxes", "mailboxes", "Mailboxes", None))
                (item("/app/admin/triage", "triage", "Triage", Some(nav.triage)))
                (item("/app/admin/canned", "canned", "Canned replies", None))
                (item("/app/admin/rules", "rules", "Rules", None))
                (item("/app/admin/webhooks", "webhooks", "Webhooks", None))
                (item("/app/admin/import", "import", "Import", None))
                (item("/app/admin/billing", "billing", "Billing export", None))
                (item("/app/admin/feeds", "feeds", "Calendar feeds", None))
            }
        }
    }
}

/// What an admin must set, in words: one line per problem, with the setting's name.
pub(super) fn banner(state: &AppState, s: &Session, nav: &Nav) -> Markup {
    if !is_admin(s) {
        return html! {};
    }
    let mut problems: Vec<Markup> = Vec::new();
    if state.app.settings.mail.transport.is_none() {
        problems.push(html! {
            "No SMTP server is configured, so replies, invitations and notifications cannot be sent. Set "
            code { "RAPPORT_SMTP" } " (smtp://USER:PASSWORD@HOST:PORT) and " code { "RAPPORT_MAIL_FROM" }
            " on the server and restart it."
        });
    }
    if !state.app.settings.secrets.is_configured() {
        problems.push(html! {
            code { "RAPPORT_SECRET_KEY" } " is not set, so mailboxes and webhooks cannot be added. Make one with "
            code { "rapport secret-key" } ", set it on the server and restart it."
        });
    }
    for mb in &nav.mailboxes {
        if mb.active && mb.status == MailboxStatus::Failing {
            problems.push(html! {
                "Mailbox " strong { (mb.name) } " cannot be read: "
                (mb.last_error.as_deref().unwrap_or("the last poll failed")) ". "
                a href="/app/admin/mailboxes" { "Check its settings" }
            });
        }
    }
    html! {
        @if !problems.is_empty() {
            aside class="setup-banner" aria-labelledby="setup-h" {
                strong id="setup-h" { "Set-up needs attention" }
                ul { @for p in &problems { li { (p) } } }
            }
        }
    }
}

/// An outbound message's delivery state; with no SMTP configured a message waiting to go says
/// it cannot, rather than "queued" for ever.
pub(in crate::ui::app) fn send_state(state: &AppState, st: SendStatus) -> Markup {
    let stuck = matches!(
        st,
        SendStatus::Queued | SendStatus::Scheduled | SendStatus::Failed
    );
    html! {
        @if stuck && state.app.settings.mail.transport.is_none() {
            span class="send-blocked" { "not sent: it cannot be sent until mail (SMTP) is configured" }
        } @else {
            (st.as_str())
        }
    }
}
