//! Rules (admins), built in a form: when an event happens to a request that meets the
//! conditions, do the actions. The form offers what the rule model holds (event; client,
//! priority, words, tag; tag, priority, notify, canned reply, quick lane) and saves through the
//! API's use case, which checks it the same way.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use rapport_app::AppError;
use rapport_core::ids::{CannedReplyId, ClientId, RuleId};
use rapport_core::request::Priority;
use rapport_core::rule::{Action, Conditions, Event, RuleInput};
use serde::Deserialize;

use super::super::fields::{self, Labels, is_form_error, say};
use super::super::{CsrfOnly, me, page, parse_id};
use super::require_admin;
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[
    ("name", "Name"),
    ("event", "When"),
    ("conditions.client_id", "Client"),
    ("conditions.text_contains", "The text contains"),
    ("conditions.has_tag", "It carries the tag"),
    ("actions", "Then"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: String,
}

fn words(s: &str) -> String {
    s.replace('_', " ")
}

pub(super) async fn list(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<DoneQuery>,
) -> UiResult<Response> {
    form_page(
        &state,
        &s,
        &RuleForm::default(),
        None,
        q.done == "saved",
        q.done == "deleted",
    )
    .await
}

/// The builder, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct RuleForm {
    csrf: String,
    name: String,
    event: String,
    client_id: String,
    priority_is: String,
    text_contains: String,
    has_tag: String,
    add_tag: String,
    set_priority: String,
    notify: String,
    canned_reply_id: String,
    quick_lane: String,
}

impl RuleForm {
    fn input(&self) -> Result<RuleInput, AppError> {
        let event: Event = self
            .event
            .parse()
            .map_err(|_| AppError::invalid("event", "choose when the rule runs"))?;
        let priority = |field: &str, v: &str| -> Result<Option<Priority>, AppError> {
            match v {
                "" => Ok(None),
                p => p
                    .parse()
                    .map(Some)
                    .map_err(|_| AppError::invalid(field, "choose a priority")),
            }
        };
        let id = |field: &str, v: &str| -> Result<Option<i64>, AppError> {
            match v {
                "" => Ok(None),
                n => n
                    .parse()
                    .map(Some)
                    .map_err(|_| AppError::invalid(field, "choose one from the list")),
            }
        };
        let conditions = Conditions {
            client_id: id("conditions.client_id", &self.client_id)?.map(ClientId),
            priority: priority("conditions.priority", &self.priority_is)?
                .into_iter()
                .collect(),
            text_contains: fields::opt(&self.text_contains),
            has_tag: fields::opt(&self.has_tag),
            ..Default::default()
        };
        let mut actions = Vec::new();
        if let Some(tag) = fields::opt(&self.add_tag) {
            actions.push(Action::Tag { tag });
        }
        if let Some(p) = priority("actions", &self.set_priority)? {
            actions.push(Action::SetPriority { priority: p });
        }
        if let Some(message) = fields::opt(&self.notify) {
            actions.push(Action::Notify {
                member_id: None,
                message,
            });
        }
        if let Some(c) = id("actions", &self.canned_reply_id)? {
            actions.push(Action::ApplyCannedReply {
                canned_reply_id: CannedReplyId(c),
            });
        }
        if self.quick_lane == "yes" {
            actions.push(Action::AddToQuickLane {});
        }
        Ok(RuleInput {
            name: self.name.trim().to_string(),
            event,
            conditions,
            actions,
            enabled: true,
        })
    }
}

fn describe_action(a: &Action) -> String {
    match a {
        Action::Assign { .. } => "assign".into(),
        Action::Tag { tag } => format!("tag “{tag}”"),
        Action::SetPriority { priority } => format!("priority {}", priority.as_str()),
        Action::ApplyCannedReply { .. } => "apply a canned reply".into(),
        Action::CallWebhook { .. } => "call a webhook".into(),
        Action::Notify { message, .. } => format!("notify “{message}”"),
        Action::AddToQuickLane {} => "quick lane".into(),
    }
}

/// The rules and, below them, the builder (shown again with the error when a rule is refused).
async fn form_page(
    state: &AppState,
    s: &Session,
    f: &RuleForm,
    error: Option<(StatusCode, String)>,
    saved: bool,
    deleted: bool,
) -> UiResult<Response> {
    require_admin(s)?;
    let me = me(state, s).await?;
    let rules = state.app.list_rules(&s.ctx).await?;
    let clients = state
        .app
        .list_clients(&s.ctx, None, None, rapport_app::MAX_PAGE)
        .await?;
    let canned = state
        .app
        .list_canned_replies(&s.ctx, None, rapport_app::MAX_PAGE)
        .await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let priorities = |name: &str, id: &str, current: &str, blank: &str| {
        html! {
            select id=(id) name=(name) {
                option value="" { (blank) }
                @for p in Priority::ALL { option value=(p.as_str()) selected[current == p.as_str()] { (p.as_str()) } }
            }
        }
    };
    let body = html! {
        h1 { "Rules" }
        @if saved { p class="notice ok" role="status" { "Rule saved; it runs from now on." } }
        @if deleted { p class="notice ok" role="status" { "Rule deleted." } }
        @if rules.is_empty() { p class="muted" { "No rules yet." } }
        ul class="cards" id="rule-list" {
            @for r in &rules {
                li {
                    p { strong { (r.name) } " · " @if r.enabled { "on" } @else { "off" } }
                    p class="muted cell-wrap" {
                        "When " (words(r.event.as_str()))
                        @if let Some(t) = &r.conditions.text_contains { ", if the text contains “" (t) "”" }
                        @if let Some(t) = &r.conditions.has_tag { ", if tagged “" (t) "”" }
                        @if !r.conditions.priority.is_empty() { ", if priority " (r.conditions.priority.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" or ")) }
                        ": " (r.actions.iter().map(describe_action).collect::<Vec<_>>().join(", "))
                    }
                    form method="post" action={ "/app/admin/rules/" (r.id.0) "/delete" } class="row" {
                        (csrf_field(&s.csrf))
                        button type="submit" class="secondary" aria-label={ "Delete the rule " (r.name) } { "Delete" }
                    }
                }
            }
        }
        h2 id="new-rule-h" { "New rule" }
        (fields::notice(error.as_deref()))
        form method="post" action="/app/admin/rules" class="stack" id="rule-form" aria-labelledby="new-rule-h" {
            (csrf_field(&s.csrf))
            label for="ru-name" { "Name" }
            input id="ru-name" name="name" required maxlength="200" autocomplete="off" value=(f.name);
            label for="ru-event" { "When" }
            select id="ru-event" name="event" {
                @for e in Event::ALL { option value=(e.as_str()) selected[f.event == e.as_str()] { (words(e.as_str())) } }
            }
            fieldset {
                legend { "If (all that are filled in hold)" }
                label for="ru-client" { "Client" }
                select id="ru-client" name="client_id" {
                    option value="" { "(any client)" }
                    @for c in &clients.items { option value=(c.id.0) selected[f.client_id == c.id.0.to_string()] { (c.name) } }
                }
                label for="ru-priority-is" { "Priority is" }
                (priorities("priority_is", "ru-priority-is", &f.priority_is, "(any priority)"))
                label for="ru-text" { "The text contains" }
                input id="ru-text" name="text_contains" autocomplete="off" value=(f.text_contains);
                label for="ru-has-tag" { "It carries the tag" }
                input id="ru-has-tag" name="has_tag" autocomplete="off" value=(f.has_tag);
            }
            fieldset {
                legend { "Then (at least one)" }
                label for="ru-add-tag" { "Add the tag" }
                input id="ru-add-tag" name="add_tag" autocomplete="off" value=(f.add_tag);
                label for="ru-set-priority" { "Set the priority to" }
                (priorities("set_priority", "ru-set-priority", &f.set_priority, "(leave it)"))
                label for="ru-notify" { "Alert the team with" }
                input id="ru-notify" name="notify" autocomplete="off" value=(f.notify);
                label for="ru-canned" { "Apply the canned reply" }
                select id="ru-canned" name="canned_reply_id" {
                    option value="" { "(none)" }
                    @for c in &canned.items { option value=(c.id.0) selected[f.canned_reply_id == c.id.0.to_string()] { (c.name) } }
                }
                label { input type="checkbox" name="quick_lane" value="yes" checked[f.quick_lane == "yes"]; " Put it in the quick lane" }
            }
            button type="submit" { "Save the rule" }
        }
    };
    let markup = page(state, s, &me, "Rules", "rules", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<RuleForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    require_admin(&s)?;
    let result = async { state.app.create_rule(&s.ctx, f.input()?).await }.await;
    match result {
        Ok(_) => Ok(Redirect::to("/app/admin/rules?done=saved").into_response()),
        Err(e) if is_form_error(&e) => {
            form_page(&state, &s, &f, Some(say(&e, LABELS)), false, false).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = RuleId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    require_admin(&s)?;
    state.app.delete_rule(&s.ctx, id).await?;
    Ok(Redirect::to("/app/admin/rules?done=deleted").into_response())
}
