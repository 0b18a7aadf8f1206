//! A request logged on a client's behalf (a call, a chat, a hallway ask), with its files: the
//! same use case and file checks as the portal's form, reached from the client page and the
//! queue.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_app::uploads::{MAX_FILE_BYTES, MAX_FILES};
use rapport_core::engagement::EngagementStatus;
use rapport_core::ids::{ClientId, ContactId, EngagementId};
use rapport_core::request::{Channel, NewRequest};
use serde::Deserialize;

use super::fields::{self, Labels, is_form_error, say};
use super::{me, page};
use crate::state::AppState;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[
    ("client_id", "Client"),
    ("title", "Title"),
    ("body", "What they asked"),
    ("contact_id", "Contact"),
    ("engagement_id", "Engagement"),
    ("kind", "Kind"),
    ("priority", "Priority"),
    ("estimate_minutes", "Estimate"),
    ("files", "Files"),
];

const KINDS: [&str; 6] = ["feature", "data", "bug", "question", "complaint", "other"];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct NewQuery {
    client: String,
}

/// What was typed, kept when the form comes back with an error.
#[derive(Default, Clone)]
struct LogForm {
    csrf: String,
    client: String,
    title: String,
    body: String,
    contact: String,
    engagement: String,
    kind: String,
    priority: String,
    estimate_hours: String,
}

impl LogForm {
    fn of(pairs: Vec<(String, String)>) -> Self {
        let mut f = LogForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "client" => f.client = v,
                "title" => f.title = v,
                "body" => f.body = v,
                "contact" => f.contact = v,
                "engagement" => f.engagement = v,
                "kind" => f.kind = v,
                "priority" => f.priority = v,
                "estimate_hours" => f.estimate_hours = v,
                _ => {}
            }
        }
        f
    }
}

/// The form for one client; `None` when the client is still to be chosen.
async fn form(
    state: &AppState,
    s: &Session,
    client: Option<ClientId>,
    f: &LogForm,
    error: Option<&str>,
) -> UiResult<Markup> {
    let Some(client) = client else {
        let clients = state
            .app
            .list_clients(&s.ctx, None, None, rapport_app::MAX_PAGE)
            .await?;
        return Ok(html! {
            h1 { "Log a request" }
            (fields::notice(error))
            @if clients.items.is_empty() {
                p class="empty" { "Add a client first: " a href="/app/clients/new" { "add a client" } "." }
            } @else {
                form method="get" action="/app/requests/new" class="stack" id="pick-client" {
                    label for="r-client" { "For which client?" }
                    select id="r-client" name="client" required {
                        @for c in &clients.items { option value=(c.id.0) { (c.name) } }
                    }
                    button type="submit" { "Continue" }
                }
            }
        });
    };
    let record = state.app.client_record(&s.ctx, client).await?;
    let contacts = state
        .app
        .list_contacts(&s.ctx, Some(client), None, 100)
        .await?;
    let engagements = state
        .app
        .list_engagements(&s.ctx, Some(client), None, 100)
        .await?;
    let active: Vec<_> = engagements
        .items
        .iter()
        .filter(|e| e.status == EngagementStatus::Active)
        .collect();
    // A fresh form proposes the first active engagement, since its brief decides the scope.
    let fresh = f.title.is_empty() && f.csrf.is_empty();
    let priority = if f.priority.is_empty() {
        "normal"
    } else {
        f.priority.as_str()
    };
    Ok(html! {
        p class="crumbs" { a href="/app/clients" { "Clients" } " › " a href={ "/app/clients/" (client.0) } { (record.name) } }
        h1 { "Log a request for " (record.name) }
        (fields::notice(error))
        form method="post" action="/app/requests/new" class="stack" id="log-request" enctype="multipart/form-data" {
            (csrf_field(&s.csrf))
            input type="hidden" name="client" value=(client.0);
            label for="r-contact" { "Contact (their etiquette applies to replies)" }
            select id="r-contact" name="contact" {
                option value="" { "nobody in particular" }
                @for c in &contacts.items { option value=(c.id.0) selected[f.contact == c.id.0.to_string()] { (c.name) } }
            }
            label for="r-engagement" { "Engagement (its brief decides the scope verdict)" }
            select id="r-engagement" name="engagement" {
                @for (i, e) in active.iter().enumerate() {
                    option value=(e.id.0) selected[(fresh && i == 0) || f.engagement == e.id.0.to_string()] { (e.name) }
                }
                option value="" selected[!fresh && f.engagement.is_empty()] { "none" }
            }
            label for="r-kind" { "Kind" }
            select id="r-kind" name="kind" {
                @for k in KINDS { option value=(k) selected[f.kind == k] { (k) } }
            }
            label for="r-priority" { "Priority" }
            select id="r-priority" name="priority" {
                @for p in PRIORITIES { option value=(p) selected[priority == p] { (p) } }
            }
            label for="r-title" { "Title" }
            input id="r-title" name="title" required maxlength="300" autocomplete="off" value=(f.title);
            label for="r-body" { "What they asked" }
            textarea id="r-body" name="body" rows="5" { (f.body) }
            label for="r-estimate" { "Estimate (hours, optional)" }
            input id="r-estimate" name="estimate_hours" inputmode="decimal" autocomplete="off" value=(f.estimate_hours);
            label for="r-files" { "Files (optional: up to " (MAX_FILES) "; pdf, images, txt, csv, xlsx, docx, zip; " (MAX_FILE_BYTES / 1024 / 1024) " MiB each)" }
            input id="r-files" name="files" type="file" multiple accept=".pdf,.png,.jpg,.jpeg,.gif,.txt,.csv,.xlsx,.docx,.zip,.md,.log";
            @if error.is_some() { p class="muted" { "Files are not kept when the form comes back: choose them again." } }
            button type="submit" { "Log the request" }
        }
    })
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<NewQuery>,
) -> UiResult<Response> {
    let me = me(&state, &s).await?;
    let client = fields::whole("client_id", &q.client)
        .ok()
        .flatten()
        .map(ClientId);
    let body = form(&state, &s, client, &LogForm::default(), None).await?;
    Ok(page(&state, &s, &me, "Log a request", "new-request", body)
        .await?
        .into_response())
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    req: axum::extract::Request,
) -> UiResult<Response> {
    let (pairs, files) = crate::ui::form::with_files(req, &state).await?;
    let f = LogForm::of(pairs);
    s.check(&f.csrf)?;
    let client = fields::whole("client_id", &f.client).ok().flatten();
    let result = async {
        let Some(client) = client else {
            return Err(AppError::invalid("client_id", "choose a client"));
        };
        let input = NewRequest {
            client_id: Some(ClientId(client)),
            engagement_id: fields::whole("engagement_id", &f.engagement)?.map(EngagementId),
            contact_id: fields::whole("contact_id", &f.contact)?.map(ContactId),
            title: f.title.clone(),
            body: fields::opt(&f.body),
            kind: Some(
                f.kind
                    .parse()
                    .map_err(|_| AppError::invalid("kind", "choose a kind"))?,
            ),
            priority: Some(
                f.priority
                    .parse()
                    .map_err(|_| AppError::invalid("priority", "choose a priority"))?,
            ),
            channel: None,
            tags: None,
            estimate_minutes: fields::hours("estimate_minutes", &f.estimate_hours)?,
            due_at: None,
            assignee_id: None,
        };
        state
            .app
            .create_request_with_files(&s.ctx, input, Channel::Web, files)
            .await
    }
    .await;
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/app/requests/{}", r.id.0)).into_response()),
        Err(e) if is_form_error(&e) => {
            let (status, msg) = say(&e, LABELS);
            let me = me(&state, &s).await?;
            let body = form(&state, &s, client.map(ClientId), &f, Some(&msg)).await?;
            let markup = page(&state, &s, &me, "Log a request", "new-request", body).await?;
            Ok((status, markup).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
