//! The member's own inbox: what happened to them (assigned, the client replied, their promise
//! due soon or broken, an @mention, an SLA at risk), unread first; mark one or all read; and how
//! it reaches them by mail. The same use cases as `/api/v1/notifications`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::notify::NotificationFilter;
use rapport_core::notification::{EmailDelivery, MailState, NotificationSettings};
use serde::Deserialize;

use super::{me, page, parse_id};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, UiError, UiResult, csrf_field};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct InboxQuery {
    /// `unread` shows only the unread ones.
    show: String,
    done: String,
}

fn delivery_label(e: EmailDelivery) -> &'static str {
    match e {
        EmailDelivery::Immediate => "At once, one mail each",
        EmailDelivery::Hourly => "An hourly digest",
        EmailDelivery::Off => "No mail (this inbox only)",
    }
}

pub(super) async fn inbox(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<InboxQuery>,
) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let unread_only = q.show == "unread";
    let items = state
        .app
        .list_notifications(
            &s.ctx,
            NotificationFilter {
                unread_only,
                cursor: None,
                limit: Some(rapport_app::MAX_PAGE),
            },
        )
        .await?;
    let settings = state.app.notification_settings(&s.ctx).await?;
    let notice = match q.done.as_str() {
        "read" => Some("Marked read.".to_string()),
        "settings" => Some(format!(
            "Saved: {}.",
            delivery_label(settings.email).to_lowercase()
        )),
        n if n.starts_with("all-") => Some(format!("{} marked read.", &n[4..])),
        _ => None,
    };
    let unread = items.items.iter().filter(|n| n.read_at.is_none()).count();
    let body = html! {
        h1 { "Inbox" }
        @if let Some(n) = notice { p class="notice ok" role="status" { (n) } }
        div class="row" {
            @if unread_only { a href="/app/inbox" { "Show all" } }
            @else { a href="/app/inbox?show=unread" { "Show unread only" } }
            @if unread > 0 {
                form method="post" action="/app/inbox/read-all" class="inline" {
                    (csrf_field(&s.csrf))
                    button type="submit" class="secondary" { "Mark all read" }
                }
            }
        }
        @if items.items.is_empty() {
            p class="muted" { @if unread_only { "Nothing unread." } @else { "Nothing yet: you will see here what happens to your work." } }
        }
        ul class="cards inbox" aria-label="Notifications" {
            @for n in &items.items {
                li class={ "notification" @if n.read_at.is_none() { " unread" } } {
                    p {
                        @if n.read_at.is_none() { strong { "Unread" } " · " }
                        (n.kind.as_str().replace('_', " ")) " · " (me.at(n.created_at))
                        @if n.email == MailState::Pending { " · " span class="muted" { "mail waiting for your working hours" } }
                    }
                    p class="cell-wrap" {
                        (n.message)
                        @if let Some(r) = n.request_id { " " a href={ "/app/requests/" (r) } { "Open" } }
                    }
                    @if n.read_at.is_none() {
                        form method="post" action={ "/app/inbox/" (n.id) "/read" } class="row" {
                            (csrf_field(&s.csrf))
                            button type="submit" class="secondary" { "Mark read" }
                        }
                    }
                }
            }
        }
        h2 { "Mail" }
        form method="post" action="/app/inbox/settings" {
            (csrf_field(&s.csrf))
            fieldset {
                legend { "Tell me by mail" }
                @for e in EmailDelivery::ALL {
                    label {
                        input type="radio" name="email" value=(e.as_str()) checked[settings.email == *e];
                        " " (delivery_label(*e))
                    }
                }
                p class="muted" { "Mail waits outside your working hours (on your member page) until your next working hour." }
            }
            button type="submit" { "Save" }
        }
    };
    page(&state, &s, &me, "Inbox", "inbox", body).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CsrfForm {
    csrf: String,
}

pub(super) async fn read(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfForm>,
) -> UiResult<Response> {
    let id = parse_id(&raw)?;
    s.check(&f.csrf)?;
    state.app.mark_notification_read(&s.ctx, id).await?;
    Ok(Redirect::to("/app/inbox?done=read").into_response())
}

pub(super) async fn read_all(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<CsrfForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    let n = state.app.mark_all_notifications_read(&s.ctx).await?;
    Ok(Redirect::to(&format!("/app/inbox?done=all-{n}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SettingsForm {
    csrf: String,
    email: String,
}

pub(super) async fn settings(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<SettingsForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    let email: EmailDelivery = f.email.parse().map_err(|_| {
        UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tell me by mail: choose at once, an hourly digest or no mail.",
        )
    })?;
    state
        .app
        .set_notification_settings(&s.ctx, NotificationSettings { email })
        .await?;
    Ok(Redirect::to("/app/inbox?done=settings").into_response())
}
