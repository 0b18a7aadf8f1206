//! The quick lane: log small finished work, its time and the note to the client in one step.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::{AppError, AppResult};
use rapport_core::ids::ClientId;
use rapport_core::request::QuickRequest;
use serde::Deserialize;

use super::request::findings_list;
use super::{Me, client_names, me, page};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field, describe};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct QuickForm {
    csrf: String,
    client: String,
    contact: String,
    title: String,
    minutes: String,
    reply: String,
    confirm: String,
}

async fn quick_form(
    state: &AppState,
    s: &Session,
    me: &Me,
    f: &QuickForm,
    error: Option<String>,
    findings: Vec<serde_json::Value>,
) -> UiResult<Markup> {
    let mut clients: Vec<(ClientId, String)> = client_names(state, s).await?.into_iter().collect();
    clients.sort_by(|a, b| a.1.cmp(&b.1));
    // Every contact, grouped by client: the reply is addressed to, and linted for, the one
    // chosen (without JavaScript the list cannot follow the client select).
    let contacts = state
        .app
        .list_contacts(&s.ctx, None, None, rapport_app::MAX_PAGE)
        .await?;
    let body = html! {
        h1 { "Log quick work" }
        p { "Log a small piece of work that is already done, record the time, and tell the client — in one step." }
        @if let Some(e) = &error { p class="notice error" role="alert" { (e) } }
        form method="post" action="/app/quick" class="stack" id="quick" {
            (csrf_field(&s.csrf))
            label for="qclient" { "Client" }
            select id="qclient" name="client" required {
                option value="" { "Choose…" }
                @for (id, name) in &clients {
                    option value=(id.0) selected[f.client == id.0.to_string()] { (name) }
                }
            }
            label for="qcontact" { "Contact (the reply goes to them, in their etiquette)" }
            select id="qcontact" name="contact" {
                option value="" { "nobody in particular" }
                @for (cid, cname) in &clients {
                    @let theirs: Vec<_> = contacts.items.iter().filter(|p| p.client_id == *cid).collect();
                    @if !theirs.is_empty() {
                        optgroup label=(cname) {
                            @for p in theirs {
                                option value=(p.id.0) selected[f.contact == p.id.0.to_string()] { (p.name) " (" (cname) ")" }
                            }
                        }
                    }
                }
            }
            label for="qtitle" { "What was done" }
            input id="qtitle" name="title" required maxlength="300" value=(f.title);
            label for="qminutes" { "Minutes spent" }
            input id="qminutes" name="minutes" type="number" min="1" max="1440" required value=(f.minutes);
            label for="qreply" { "Tell the client (optional)" }
            textarea id="qreply" name="reply" rows="5" { (f.reply) }
            @if !findings.is_empty() {
                div class="lint" role="alert" { (findings_list(&findings)) }
                label { input type="checkbox" name="confirm" value="yes"; " Send anyway (the findings are recorded)" }
            }
            button type="submit" { "Log and finish" }
        }
    };
    page(state, s, me, "Quick lane", "quick-form", body).await
}

pub(super) async fn quick_page(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    quick_form(&state, &s, &me, &QuickForm::default(), None, vec![]).await
}

pub(super) async fn quick(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<QuickForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    let me = me(&state, &s).await?;
    let input = (|| -> AppResult<QuickRequest> {
        let client = f
            .client
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid("client", "choose a client"))?;
        let minutes = f
            .minutes
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid("minutes", "a whole number of minutes, 1-1440"))?;
        let contact = match f.contact.trim() {
            "" => None,
            raw => Some(rapport_core::ids::ContactId(
                raw.parse::<i64>()
                    .map_err(|_| AppError::invalid("contact", "choose a contact"))?,
            )),
        };
        Ok(QuickRequest {
            client_id: ClientId(client),
            engagement_id: None,
            contact_id: contact,
            title: f.title.clone(),
            body: None,
            kind: None,
            minutes,
            billable: None,
            reply: Some(f.reply.clone()).filter(|r| !r.trim().is_empty()),
            tags: None,
            confirm_findings: Some(f.confirm == "yes"),
        })
    })();
    let result = match input {
        Ok(i) => state.app.quick_request(&s.ctx, i).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((r, _, message)) => {
            // Only a reply actually queued is announced as told.
            let done = if message.is_some() {
                "logged and told"
            } else {
                "logged"
            };
            Ok(Redirect::to(&format!(
                "/app/requests/{}?done={}",
                r.id.0,
                crate::ui::urlencode(done)
            ))
            .into_response())
        }
        Err(AppError::Unconfirmed { findings, .. }) => {
            let list = findings.as_array().cloned().unwrap_or_default();
            let words = crate::ui::held_for_findings(&list);
            let m = quick_form(&state, &s, &me, &f, Some(words), list).await?;
            Ok((StatusCode::CONFLICT, m).into_response())
        }
        // Nothing was logged: say why and keep every word typed.
        Err(
            e @ (AppError::Invalid(_)
            | AppError::Conflict { .. }
            | AppError::Forbidden(_)
            | AppError::NotFound(_)),
        ) => {
            let (status, msg) = describe(&e);
            let m = quick_form(&state, &s, &me, &f, Some(msg), vec![]).await?;
            Ok((status, m).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
