//! Canned replies (admins): the list, writing and editing one (its text with `{{variables}}`
//! and what applying it also does to the request), and deleting one — the API's use cases.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_core::canned::{CannedReply, CannedReplyInput, VARIABLES};
use rapport_core::ids::CannedReplyId;
use serde::Deserialize;

use super::super::fields::{self, Labels, saved_or_refill};
use super::super::{ALL_STATUSES, CsrfOnly, me, page, parse_id, status_label};
use super::{admin_post, require_admin};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[
    ("name", "Name"),
    ("body", "Text"),
    ("set_status", "Then set the status to"),
    ("add_tags", "Then add the tags"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: String,
}

pub(super) async fn list(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<DoneQuery>,
) -> UiResult<Markup> {
    require_admin(&s)?;
    let me = me(&state, &s).await?;
    let list = state
        .app
        .list_canned_replies(&s.ctx, None, rapport_app::MAX_PAGE)
        .await?;
    let notice = match q.done.as_str() {
        "saved" => Some("Saved; it is offered in the reply composer."),
        "deleted" => Some("Deleted."),
        _ => None,
    };
    let body = html! {
        h1 { "Canned replies" }
        @if let Some(n) = notice { p class="notice ok" role="status" { (n) } }
        p { a class="button" href="/app/admin/canned/new" { "Write a canned reply" } }
        @if list.items.is_empty() { p class="muted" { "No canned replies yet." } }
        ul class="cards" id="canned-list" {
            @for c in &list.items {
                li {
                    p { a href={ "/app/admin/canned/" (c.id.0) } { strong { (c.name) } } }
                    p class="muted cell-wrap" { (c.body.chars().take(160).collect::<String>()) }
                    @if let Some(st) = c.set_status { p class="muted" { "Then: " (status_label(st)) } }
                }
            }
        }
    };
    page(&state, &s, &me, "Canned replies", "canned", body).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct CannedForm {
    csrf: String,
    name: String,
    body: String,
    set_status: String,
    add_tags: String,
}

impl CannedForm {
    fn of(c: &CannedReply) -> Self {
        CannedForm {
            name: c.name.clone(),
            body: c.body.clone(),
            set_status: c
                .set_status
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            add_tags: c.add_tags.join(", "),
            ..Default::default()
        }
    }

    fn input(&self, before: Option<&CannedReply>) -> Result<CannedReplyInput, AppError> {
        let set_status = match self.set_status.as_str() {
            "" => None,
            st => Some(
                st.parse()
                    .map_err(|_| AppError::invalid("set_status", "choose a status"))?,
            ),
        };
        Ok(CannedReplyInput {
            name: self.name.trim().to_string(),
            body: self.body.clone(),
            set_status,
            // What this form does not show is kept as it was.
            set_priority: before.and_then(|b| b.set_priority),
            add_tags: fields::items(&self.add_tags),
            assignee_id: before.and_then(|b| b.assignee_id),
        })
    }
}

async fn form_page(
    state: &AppState,
    s: &Session,
    f: &CannedForm,
    existing: Option<&CannedReply>,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    require_admin(s)?;
    let me = me(state, s).await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let (title, action) = match existing {
        Some(c) => (c.name.clone(), format!("/app/admin/canned/{}", c.id.0)),
        None => (
            "Write a canned reply".to_string(),
            "/app/admin/canned/new".to_string(),
        ),
    };
    let body = html! {
        p class="crumbs" { a href="/app/admin/canned" { "Canned replies" } " › " (title) }
        h1 { (title) }
        (fields::notice(error.as_deref()))
        form method="post" action=(action) class="stack" id="canned-form" {
            (csrf_field(&s.csrf))
            label for="cr-name" { "Name" }
            input id="cr-name" name="name" required maxlength="200" autocomplete="off" value=(f.name);
            label for="cr-body" { "Text" }
            textarea id="cr-body" name="body" rows="8" required { (f.body) }
            details id="cr-vars" {
                summary { "Variables the text may use" }
                ul { @for (_, name, what) in VARIABLES { li { code { "{{" (name) "}}" } ": " (what) } } }
            }
            label for="cr-status" { "Then set the status to" }
            select id="cr-status" name="set_status" {
                option value="" { "(leave it)" }
                @for st in ALL_STATUSES {
                    option value=(st.as_str()) selected[f.set_status == st.as_str()] { (status_label(st)) }
                }
            }
            label for="cr-tags" { "Then add the tags (comma-separated)" }
            input id="cr-tags" name="add_tags" autocomplete="off" value=(f.add_tags);
            button type="submit" { "Save" }
        }
        @if let Some(c) = existing {
            form method="post" action={ "/app/admin/canned/" (c.id.0) "/delete" } class="row" {
                (csrf_field(&s.csrf))
                button type="submit" class="secondary" { "Delete this canned reply" }
            }
        }
    };
    let markup = page(state, s, &me, &title, "canned", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn new_page(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Response> {
    form_page(&state, &s, &CannedForm::default(), None, None).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<CannedForm>,
) -> UiResult<Response> {
    admin_post(&s, &f.csrf)?;
    let result = async { state.app.create_canned_reply(&s.ctx, f.input(None)?).await }.await;
    saved_or_refill(result, "/app/admin/canned?done=saved", LABELS, |said| {
        form_page(&state, &s, &f, None, Some(said))
    })
    .await
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let id = CannedReplyId(parse_id(&raw)?);
    require_admin(&s)?;
    let c = state.app.get_canned_reply(&s.ctx, id).await?;
    form_page(&state, &s, &CannedForm::of(&c), Some(&c), None).await
}

pub(super) async fn update(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CannedForm>,
) -> UiResult<Response> {
    let id = CannedReplyId(parse_id(&raw)?);
    admin_post(&s, &f.csrf)?;
    let before = state.app.get_canned_reply(&s.ctx, id).await?;
    let result = async {
        state
            .app
            .update_canned_reply(&s.ctx, id, f.input(Some(&before))?)
            .await
    }
    .await;
    saved_or_refill(result, "/app/admin/canned?done=saved", LABELS, |said| {
        form_page(&state, &s, &f, Some(&before), Some(said))
    })
    .await
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = CannedReplyId(parse_id(&raw)?);
    admin_post(&s, &f.csrf)?;
    state.app.delete_canned_reply(&s.ctx, id).await?;
    Ok(Redirect::to("/app/admin/canned?done=deleted").into_response())
}
