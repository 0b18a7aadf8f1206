//! The triage queue (admins): mail Rapport could not route, each with the reason in words.
//! Assigning one to a client adds its sender as that client's contact and routes the message
//! again (it opens or joins a request); dismissing closes it as needing nothing.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use rapport_app::AppError;
use rapport_app::mail::IngestOutcome;
use rapport_core::client::NewContact;
use rapport_core::ids::ClientId;
use rapport_core::inbox::TriageStatus;
use serde::Deserialize;

use super::super::fields::{Labels, is_form_error, say};
use super::super::{CsrfOnly, me, page, parse_id};
use super::{admin_post, require_admin};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field, urlencode};

const LABELS: Labels = &[
    ("client_id", "Client"),
    ("name", "Contact name"),
    ("email", "Sender"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TriageQuery {
    done: String,
}

async fn list_page(
    state: &AppState,
    s: &Session,
    notice: Option<String>,
    error: Option<(i64, String)>,
    status: StatusCode,
) -> UiResult<Response> {
    require_admin(s)?;
    let me = me(state, s).await?;
    let items = state
        .app
        .list_triage(
            &s.ctx,
            Some(TriageStatus::Open),
            None,
            rapport_app::MAX_PAGE,
        )
        .await?;
    let clients = state
        .app
        .list_clients(&s.ctx, None, None, rapport_app::MAX_PAGE)
        .await?;
    let body = html! {
        h1 { "Triage" }
        p class="muted" { "Mail Rapport could not route to a client, oldest first. Assign a message to a client to add its sender as their contact and route it again, or dismiss it." }
        @if let Some(n) = &notice { p class="notice ok" role="status" { (n) } }
        @if items.items.is_empty() { p class="muted" { "Nothing waits for triage." } }
        ul class="cards" {
            @for t in &items.items {
                li id={ "triage-" (t.id) } {
                    p class="cell-wrap" { strong { (t.subject.as_deref().unwrap_or("(no subject)")) } }
                    p class="cell-wrap" {
                        "From " (t.from_address.as_deref().unwrap_or("an unknown sender"))
                        " · " (me.at(t.received_at))
                    }
                    p class="muted cell-wrap" { (t.reason.as_str().replace('_', " ")) ": " (t.detail) }
                    @if let Some((_, e)) = error.as_ref().filter(|(id, _)| *id == t.id) {
                        p class="notice error" role="alert" { (e) }
                    }
                    @if let Some(from) = &t.from_address {
                        form method="post" action={ "/app/admin/triage/" (t.id) "/assign" } class="row" {
                            (csrf_field(&s.csrf))
                            div {
                                label for={ "tc-" (t.id) } { "Client" }
                                select id={ "tc-" (t.id) } name="client_id" required {
                                    option value="" { "Choose a client" }
                                    @for c in &clients.items { option value=(c.id.0) { (c.name) } }
                                }
                            }
                            div {
                                label for={ "tn-" (t.id) } { "Contact name" }
                                input id={ "tn-" (t.id) } name="name" required maxlength="200" autocomplete="off"
                                    value=(from.split('@').next().unwrap_or(from));
                            }
                            button type="submit" { "Add the sender and route" }
                        }
                    }
                    form method="post" action={ "/app/admin/triage/" (t.id) "/dismiss" } class="row" {
                        (csrf_field(&s.csrf))
                        button type="submit" class="secondary" { "Dismiss" }
                    }
                }
            }
        }
    };
    let markup = page(state, s, &me, "Triage", "triage", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn list(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<TriageQuery>,
) -> UiResult<Response> {
    let notice = match q.done.as_str() {
        "dismissed" => Some("Dismissed.".to_string()),
        "duplicate" => Some("That message was already recorded; the item is closed.".to_string()),
        _ => None,
    };
    list_page(&state, &s, notice, None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AssignForm {
    csrf: String,
    client_id: String,
    name: String,
}

pub(super) async fn assign(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<AssignForm>,
) -> UiResult<Response> {
    let id = parse_id(&raw)?;
    admin_post(&s, &f.csrf)?;
    let result = async {
        let item = state.app.get_triage(&s.ctx, id).await?;
        let email = item
            .from_address
            .ok_or_else(|| AppError::invalid("email", "the message names no sender"))?;
        let client_id = f
            .client_id
            .parse::<i64>()
            .map_err(|_| AppError::invalid("client_id", "choose a client"))?;
        state
            .app
            .create_contact(
                &s.ctx,
                NewContact {
                    client_id: ClientId(client_id),
                    name: f.name.trim().to_string(),
                    email,
                    phone: None,
                    etiquette: None,
                    role: None,
                },
            )
            .await?;
        state.app.retry_triage(&s.ctx, id).await
    }
    .await;
    match result {
        Ok(IngestOutcome::NewRequest { request_id, .. })
        | Ok(IngestOutcome::Threaded { request_id, .. }) => Ok(Redirect::to(&format!(
            "/app/requests/{}?done={}",
            request_id.0,
            urlencode("routed")
        ))
        .into_response()),
        Ok(IngestOutcome::Duplicate { .. }) => {
            Ok(Redirect::to("/app/admin/triage?done=duplicate").into_response())
        }
        Ok(IngestOutcome::Triaged { detail, .. }) => {
            let msg = format!(
                "The sender is now a contact, but the message still cannot be routed: {detail}"
            );
            list_page(&state, &s, None, Some((id, msg)), StatusCode::CONFLICT).await
        }
        Err(e) if is_form_error(&e) => {
            let (status, msg) = say(&e, LABELS);
            list_page(&state, &s, None, Some((id, msg)), status).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn dismiss(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = parse_id(&raw)?;
    admin_post(&s, &f.csrf)?;
    state.app.dismiss_triage(&s.ctx, id).await?;
    Ok(Redirect::to("/app/admin/triage?done=dismissed").into_response())
}
