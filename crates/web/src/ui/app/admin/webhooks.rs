//! Webhooks (admins): the subscriptions, subscribing a URL to events (its signing secret shown
//! once), each one's delivery log, a ping, and turning one off or on — the API's use cases.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_core::ids::WebhookId;
use rapport_core::rule::Event;
use rapport_core::webhook::WebhookInput;
use serde::Deserialize;

use super::super::fields::{self, Labels, is_form_error, say};
use super::super::{CsrfOnly, me, page, parse_id};
use super::{admin_post, require_admin};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[("url", "Address (URL)"), ("events", "Events")];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: String,
}

pub(super) async fn list(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Markup> {
    require_admin(&s)?;
    let me = me(&state, &s).await?;
    let hooks = state.app.list_webhooks(&s.ctx).await?;
    let body = html! {
        h1 { "Webhooks" }
        p class="muted" { "Rapport posts each event you subscribe to, signed with the webhook's secret, and retries when the receiver does not answer 2xx." }
        p { a class="button" href="/app/admin/webhooks/new" { "Add a webhook" } }
        @if hooks.is_empty() { p class="muted" { "No webhooks yet." } }
        ul class="cards" id="webhook-list" {
            @for h in &hooks {
                li {
                    p class="cell-wrap" { a href={ "/app/admin/webhooks/" (h.id.0) } { (h.url) } }
                    p class="muted" {
                        @if h.enabled { "on" } @else { "off" } " · "
                        (h.events.iter().map(|e| e.as_str().replace('_', " ")).collect::<Vec<_>>().join(", "))
                    }
                }
            }
        }
    };
    page(&state, &s, &me, "Webhooks", "webhooks", body).await
}

fn form_markup(s: &Session, url: &str, chosen: &[String]) -> Markup {
    html! {
        form method="post" action="/app/admin/webhooks/new" class="stack" id="webhook-form" {
            (csrf_field(&s.csrf))
            label for="wh-url" { "Address (URL)" }
            input id="wh-url" name="url" type="url" required maxlength="2000" autocomplete="off" placeholder="https://example.com/rapport" value=(url);
            fieldset {
                legend { "Events" }
                @for e in Event::ALL {
                    label { input type="checkbox" name="events" value=(e.as_str()) checked[chosen.iter().any(|c| c == e.as_str())]; " " (e.as_str().replace('_', " ")) }
                }
            }
            button type="submit" { "Add the webhook" }
        }
    }
}

async fn form_page(
    state: &AppState,
    s: &Session,
    url: &str,
    chosen: &[String],
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    require_admin(s)?;
    let me = me(state, s).await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let body = html! {
        p class="crumbs" { a href="/app/admin/webhooks" { "Webhooks" } " › Add a webhook" }
        h1 { "Add a webhook" }
        (fields::notice(error.as_deref()))
        @if !state.app.settings.secrets.is_configured() {
            p class="notice error" role="alert" {
                "Webhook secrets are stored sealed with " code { "RAPPORT_SECRET_KEY" }
                ", which is not set on this server: adding a webhook will be refused until an administrator sets it (make one with "
                code { "rapport secret-key" } ") and restarts the server."
            }
        }
        (form_markup(s, url, chosen))
    };
    let markup = page(state, s, &me, "Add a webhook", "webhooks", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn new_page(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Response> {
    form_page(&state, &s, "", &[], None).await
}

/// Checkboxes repeat their name, which only a list of pairs reads.
pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    admin_post(&s, &value("csrf"))?;
    let url = value("url").trim().to_string();
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.clone())
        .collect();
    let result = async {
        let events = chosen
            .iter()
            .map(|e| {
                e.parse::<Event>().map_err(|_| {
                    rapport_app::AppError::invalid("events", format!("{e:?} is not an event"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        state
            .app
            .create_webhook(
                &s.ctx,
                WebhookInput {
                    url: url.clone(),
                    events,
                    secret: None,
                    enabled: true,
                },
            )
            .await
    }
    .await;
    match result {
        Ok(created) => {
            let me = me(&state, &s).await?;
            let id = created.webhook.id.0;
            let body = html! {
                p class="crumbs" { a href="/app/admin/webhooks" { "Webhooks" } " › Added" }
                h1 { "Webhook added" }
                p class="notice ok" role="status" id="webhook-secret" {
                    "Its signing secret, shown only now — store it where the receiver checks signatures: "
                    code { (created.secret) }
                }
                p { a href={ "/app/admin/webhooks/" (id) } { "Open its delivery log" } }
            };
            Ok(page(&state, &s, &me, "Webhook added", "webhooks", body)
                .await?
                .into_response())
        }
        Err(e) if is_form_error(&e) => {
            form_page(&state, &s, &url, &chosen, Some(say(&e, LABELS))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn webhook_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult<Markup> {
    let id = WebhookId(parse_id(&raw)?);
    require_admin(&s)?;
    let me = me(&state, &s).await?;
    let h = state.app.get_webhook(&s.ctx, id).await?;
    let log = state
        .app
        .list_deliveries(&s.ctx, id, None, rapport_app::MAX_PAGE)
        .await?;
    let notice = match q.done.as_str() {
        "pinged" => Some("Ping sent; it shows below once the receiver answers."),
        "on" => Some("On: events are delivered again."),
        "off" => Some("Off: no events are delivered."),
        _ => None,
    };
    let body = html! {
        p class="crumbs" { a href="/app/admin/webhooks" { "Webhooks" } " › Delivery log" }
        h1 class="cell-wrap" { (h.url) }
        @if let Some(n) = notice { p class="notice ok" role="status" { (n) } }
        p class="muted" { @if h.enabled { "On" } @else { "Off" } " · "
            (h.events.iter().map(|e| e.as_str().replace('_', " ")).collect::<Vec<_>>().join(", ")) }
        div class="row" {
            form method="post" action={ "/app/admin/webhooks/" (id.0) "/ping" } class="row" {
                (csrf_field(&s.csrf))
                button type="submit" id="ping" { "Send a ping" }
            }
            form method="post" action={ "/app/admin/webhooks/" (id.0) "/enabled" } class="row" {
                (csrf_field(&s.csrf))
                button type="submit" class="secondary" { @if h.enabled { "Turn off" } @else { "Turn on" } }
            }
        }
        h2 { "Deliveries" }
        @if log.items.is_empty() { p class="muted" { "Nothing delivered yet." } }
        ul class="cards" id="deliveries" {
            @for d in &log.items {
                li class=[(d.status.as_str() == "failed").then_some("sev-critical")] {
                    p { strong { (d.event) } " · " (d.status.as_str()) " · " (d.attempts) " attempt" @if d.attempts != 1 { "s" }
                        @if let Some(code) = d.last_status_code { " · answered " (code) } }
                    p class="muted" { (me.at(d.created_at)) }
                    @if let Some(e) = &d.last_error { p class="notice error cell-wrap" { (e) } }
                }
            }
        }
    };
    page(&state, &s, &me, "Webhook", "webhooks", body).await
}

pub(super) async fn ping(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = WebhookId(parse_id(&raw)?);
    admin_post(&s, &f.csrf)?;
    state.app.ping_webhook(&s.ctx, id).await?;
    Ok(Redirect::to(&format!("/app/admin/webhooks/{}?done=pinged", id.0)).into_response())
}

pub(super) async fn set_enabled(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = WebhookId(parse_id(&raw)?);
    admin_post(&s, &f.csrf)?;
    let h = state.app.get_webhook(&s.ctx, id).await?;
    let now = state
        .app
        .set_webhook_enabled(&s.ctx, id, !h.enabled)
        .await?;
    let done = if now.enabled { "on" } else { "off" };
    Ok(Redirect::to(&format!("/app/admin/webhooks/{}?done={done}", id.0)).into_response())
}
