//! Mailboxes (admins): the list with each one's state and last error, adding an IMAP mailbox,
//! testing its connection, and pausing or resuming its polling — the same use cases as the API's.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_app::mail::MailboxTest;
use rapport_core::inbox::{Mailbox, MailboxStatus, NewMailbox};
use serde::Deserialize;

use super::super::fields::{self, Labels, saved_or_refill};
use super::super::{CsrfOnly, me, page, parse_id};
use super::{admin_post, require_admin};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[
    ("name", "Name"),
    ("host", "IMAP server"),
    ("port", "Port"),
    ("tls", "Security"),
    ("username", "User name"),
    ("password", "Password"),
    ("folder", "Folder"),
    ("poll_seconds", "Check every"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: String,
}

async fn list_page(
    state: &AppState,
    s: &Session,
    notice: Option<&str>,
    tested: Option<(&Mailbox, &MailboxTest)>,
) -> UiResult<Markup> {
    require_admin(s)?;
    let me = me(state, s).await?;
    let mailboxes = state.app.list_mailboxes(&s.ctx).await?;
    let body = html! {
        h1 { "Mailboxes" }
        p class="muted" { "Rapport reads these IMAP folders and turns new mail into requests, or threads it onto the request it answers." }
        @if let Some(n) = notice { p class="notice ok" role="status" { (n) } }
        @if let Some((mb, t)) = tested {
            p class={ "notice " @if t.ok { "ok" } @else { "error" } } role="status" id="test-result" {
                strong { (mb.name) ": " @if t.ok { "the connection works." } @else { "the connection failed." } }
                " " (t.message)
            }
        }
        p { a class="button" href="/app/admin/mailboxes/new" { "Add a mailbox" } }
        @if mailboxes.is_empty() { p class="muted" { "No mailboxes yet." } }
        ul class="cards" {
            @for mb in &mailboxes {
                li class=[(mb.status == MailboxStatus::Failing && mb.active).then_some("sev-critical")] {
                    p { strong { (mb.name) } " · "
                        @if !mb.active { "paused" } @else { (mb.status.as_str()) }
                        " · " (mb.imported) " imported" }
                    p class="muted cell-wrap" {
                        (mb.username.as_deref().unwrap_or("")) " at " (mb.host.as_deref().unwrap_or(""))
                        ":" (mb.port.unwrap_or(993)) " (" (mb.tls.as_str()) "), folder " (mb.folder)
                        ", every " (mb.poll_seconds) " s"
                    }
                    @if let Some(t) = mb.last_ok_at { p class="muted" { "Last read " (me.at(t)) } }
                    @if let (true, Some(e)) = (mb.status == MailboxStatus::Failing, &mb.last_error) {
                        p class="notice error cell-wrap" { "Cannot be read: " (e) }
                    }
                    div class="row" {
                        form method="post" action={ "/app/admin/mailboxes/" (mb.id) "/test" } class="row" {
                            (csrf_field(&s.csrf))
                            button type="submit" class="secondary" aria-label={ "Test the connection of " (mb.name) } { "Test the connection" }
                        }
                        form method="post" action={ "/app/admin/mailboxes/" (mb.id) "/active" } class="row" {
                            (csrf_field(&s.csrf))
                            @if mb.active {
                                button type="submit" class="secondary" aria-label={ "Pause " (mb.name) } { "Pause" }
                            } @else {
                                button type="submit" aria-label={ "Resume " (mb.name) } { "Resume" }
                            }
                        }
                    }
                }
            }
        }
    };
    page(state, s, &me, "Mailboxes", "mailboxes", body).await
}

pub(super) async fn list(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<DoneQuery>,
) -> UiResult<Markup> {
    let notice = match q.done.as_str() {
        "added" => {
            Some("Mailbox added; its first check runs now. Test the connection to see it sign in.")
        }
        "paused" => Some(
            "Paused: it is no longer read (nothing is lost; resuming starts where it stopped).",
        ),
        "resumed" => Some("Resumed: it is read again from where it stopped."),
        _ => None,
    };
    list_page(&state, &s, notice, None).await
}

/// The add form, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct MailboxForm {
    csrf: String,
    name: String,
    host: String,
    port: String,
    tls: String,
    username: String,
    password: String,
    folder: String,
    poll_seconds: String,
}

impl MailboxForm {
    fn input(&self) -> Result<NewMailbox, AppError> {
        let port = match self.port.trim() {
            "" => None,
            p => Some(p.parse::<u16>().map_err(|_| {
                AppError::invalid("port", format!("{p:?} is not a port number (1-65535)"))
            })?),
        };
        let poll_seconds = match self.poll_seconds.trim() {
            "" => None,
            p => Some(p.parse::<i64>().map_err(|_| {
                AppError::invalid("poll_seconds", format!("{p:?} is not a number of seconds"))
            })?),
        };
        let tls = match self.tls.trim() {
            "" => None,
            t => Some(
                t.parse()
                    .map_err(|_| AppError::invalid("tls", "choose TLS, STARTTLS or none"))?,
            ),
        };
        Ok(NewMailbox {
            name: self.name.trim().to_string(),
            host: self.host.trim().to_string(),
            port,
            tls,
            username: self.username.trim().to_string(),
            password: self.password.clone(),
            folder: fields::opt(&self.folder),
            processed_action: None,
            move_to: None,
            poll_seconds,
        })
    }
}

async fn form_page(
    state: &AppState,
    s: &Session,
    f: &MailboxForm,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    require_admin(s)?;
    let me = me(state, s).await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let tls = if f.tls.is_empty() {
        "tls"
    } else {
        f.tls.as_str()
    };
    let body = html! {
        p class="crumbs" { a href="/app/admin/mailboxes" { "Mailboxes" } " › Add a mailbox" }
        h1 { "Add a mailbox" }
        (fields::notice(error.as_deref()))
        @if !state.app.settings.secrets.is_configured() {
            p class="notice error" role="alert" {
                "Mailbox passwords are stored sealed with " code { "RAPPORT_SECRET_KEY" }
                ", which is not set on this server: adding a mailbox will be refused until an administrator sets it (make one with "
                code { "rapport secret-key" } ") and restarts the server."
            }
        }
        form method="post" action="/app/admin/mailboxes/new" class="stack" id="mailbox-form" {
            (csrf_field(&s.csrf))
            label for="mb-name" { "Name" }
            input id="mb-name" name="name" required maxlength="200" autocomplete="off" placeholder="Support inbox" value=(f.name);
            label for="mb-host" { "IMAP server" }
            input id="mb-host" name="host" required maxlength="253" autocomplete="off" placeholder="imap.example.com" value=(f.host);
            label for="mb-tls" { "Security" }
            select id="mb-tls" name="tls" {
                option value="tls" selected[tls == "tls"] { "TLS (port 993)" }
                option value="starttls" selected[tls == "starttls"] { "STARTTLS (port 143)" }
                option value="none" selected[tls == "none"] { "None (a server on this machine only)" }
            }
            label for="mb-port" { "Port (blank: the usual one for the security chosen)" }
            input id="mb-port" name="port" inputmode="numeric" autocomplete="off" value=(f.port);
            label for="mb-user" { "User name" }
            input id="mb-user" name="username" required maxlength="200" autocomplete="off" value=(f.username);
            label for="mb-password" { "Password" }
            input id="mb-password" name="password" type="password" required maxlength="1024" autocomplete="new-password";
            p class="muted" { "Stored sealed; it is never shown again." }
            label for="mb-folder" { "Folder (blank: INBOX)" }
            input id="mb-folder" name="folder" maxlength="200" autocomplete="off" value=(f.folder);
            label for="mb-every" { "Check every (seconds, blank: 60)" }
            input id="mb-every" name="poll_seconds" inputmode="numeric" autocomplete="off" value=(f.poll_seconds);
            button type="submit" { "Add the mailbox" }
        }
    };
    let markup = page(state, s, &me, "Add a mailbox", "mailboxes", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn new_page(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Response> {
    form_page(&state, &s, &MailboxForm::default(), None).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<MailboxForm>,
) -> UiResult<Response> {
    admin_post(&s, &f.csrf)?;
    let result = async { state.app.create_mailbox(&s.ctx, f.input()?).await }.await;
    saved_or_refill(result, "/app/admin/mailboxes?done=added", LABELS, |said| {
        form_page(&state, &s, &f, Some(said))
    })
    .await
}

pub(super) async fn test(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = parse_id(&raw)?;
    s.check(&f.csrf)?;
    let mb = state.app.get_mailbox(&s.ctx, id).await?;
    let t = state.app.test_mailbox(&s.ctx, id).await?;
    Ok(list_page(&state, &s, None, Some((&mb, &t)))
        .await?
        .into_response())
}

pub(super) async fn set_active(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = parse_id(&raw)?;
    s.check(&f.csrf)?;
    let mb = state.app.get_mailbox(&s.ctx, id).await?;
    let now = state.app.set_mailbox_active(&s.ctx, id, !mb.active).await?;
    let done = if now.active { "resumed" } else { "paused" };
    Ok(Redirect::to(&format!("/app/admin/mailboxes?done={done}")).into_response())
}
