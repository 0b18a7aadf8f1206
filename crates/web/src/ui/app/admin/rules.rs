//! Rules (admins), built in a form: when an event happens to a request that meets the
//! conditions, do the actions. The form offers what the rule model holds (event; client,
//! priority, words, tag; assign, tags, priority, notify, canned reply, webhook, quick lane),
//! edits a saved rule in the same form, and saves through the API's use cases, which check it
//! the same way.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use rapport_app::AppError;
use rapport_core::ids::{CannedReplyId, ClientId, MemberId, RuleId, WebhookId};
use rapport_core::request::Priority;
use rapport_core::rule::{Action, Conditions, Event, Rule, RuleInput};
use serde::Deserialize;

use super::super::fields::{self, Labels, saved_or_refill};
use super::super::{CsrfOnly, active_members, me, page, parse_id};
use super::{admin_post, require_admin};
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
    let notice = match q.done.as_str() {
        "saved" => Some("Rule saved; it runs from now on."),
        "deleted" => Some("Rule deleted."),
        _ => None,
    };
    form_page(&state, &s, &RuleForm::default(), None, None, notice).await
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
    /// "" leaves the assignee, "none" takes them off, else a member's id.
    assignee_id: String,
    webhook_id: String,
}

impl RuleForm {
    /// A saved rule as the form shows it: the first action of each kind (every tag).
    fn of(r: &Rule) -> Self {
        let mut f = RuleForm {
            name: r.name.clone(),
            event: r.event.as_str().to_string(),
            client_id: r
                .conditions
                .client_id
                .map(|c| c.0.to_string())
                .unwrap_or_default(),
            priority_is: r
                .conditions
                .priority
                .first()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            text_contains: r.conditions.text_contains.clone().unwrap_or_default(),
            has_tag: r.conditions.has_tag.clone().unwrap_or_default(),
            ..Default::default()
        };
        let mut tags = Vec::new();
        for a in &r.actions {
            match a {
                Action::Tag { tag } => tags.push(tag.clone()),
                Action::SetPriority { priority } if f.set_priority.is_empty() => {
                    f.set_priority = priority.as_str().to_string();
                }
                Action::Notify { message, .. } if f.notify.is_empty() => {
                    f.notify = message.clone();
                }
                Action::ApplyCannedReply { canned_reply_id } if f.canned_reply_id.is_empty() => {
                    f.canned_reply_id = canned_reply_id.0.to_string();
                }
                Action::CallWebhook { webhook_id } if f.webhook_id.is_empty() => {
                    f.webhook_id = webhook_id.0.to_string();
                }
                Action::Assign { assignee_id } if f.assignee_id.is_empty() => {
                    f.assignee_id = assignee_id
                        .map(|m| m.0.to_string())
                        .unwrap_or_else(|| "none".into());
                }
                Action::AddToQuickLane {} => f.quick_lane = "yes".into(),
                _ => {}
            }
        }
        f.add_tag = tags.join(", ");
        f
    }

    /// The rule the form describes; editing, what the form does not show of `before` is kept
    /// as it was (other conditions, a second action of a kind, who an alert is for, on or off).
    fn input(&self, before: Option<&Rule>) -> Result<RuleInput, AppError> {
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
        let kept = before.map(|b| b.conditions.clone()).unwrap_or_default();
        let priority_is = priority("conditions.priority", &self.priority_is)?;
        let conditions = Conditions {
            client_id: id("conditions.client_id", &self.client_id)?.map(ClientId),
            // The form shows one priority; a saved list that starts with it stays whole.
            priority: match priority_is {
                Some(p) if kept.priority.first() == Some(&p) => kept.priority.clone(),
                p => p.into_iter().collect(),
            },
            text_contains: fields::opt(&self.text_contains),
            has_tag: fields::opt(&self.has_tag),
            ..kept
        };
        let mut actions = Vec::new();
        match self.assignee_id.as_str() {
            "" => {}
            "none" => actions.push(Action::Assign { assignee_id: None }),
            m => actions.push(Action::Assign {
                assignee_id: id("actions", m)?.map(MemberId),
            }),
        }
        for tag in fields::items(&self.add_tag) {
            actions.push(Action::Tag { tag });
        }
        if let Some(p) = priority("actions", &self.set_priority)? {
            actions.push(Action::SetPriority { priority: p });
        }
        if let Some(message) = fields::opt(&self.notify) {
            let member_id = before.and_then(|b| {
                b.actions.iter().find_map(|a| match a {
                    Action::Notify { member_id, .. } => *member_id,
                    _ => None,
                })
            });
            actions.push(Action::Notify { member_id, message });
        }
        if let Some(c) = id("actions", &self.canned_reply_id)? {
            actions.push(Action::ApplyCannedReply {
                canned_reply_id: CannedReplyId(c),
            });
        }
        if let Some(w) = id("actions", &self.webhook_id)? {
            actions.push(Action::CallWebhook {
                webhook_id: WebhookId(w),
            });
        }
        if self.quick_lane == "yes" {
            actions.push(Action::AddToQuickLane {});
        }
        if let Some(b) = before {
            actions.extend(unshown(&b.actions));
        }
        Ok(RuleInput {
            name: self.name.trim().to_string(),
            event,
            conditions,
            actions,
            enabled: before.is_none_or(|b| b.enabled),
        })
    }
}

/// The actions of a saved rule the form does not show: the second and later of a kind (tags
/// excepted: the form shows them all).
fn unshown(actions: &[Action]) -> Vec<Action> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for a in actions {
        let kind = std::mem::discriminant(a);
        if seen.contains(&kind) && !matches!(a, Action::Tag { .. }) {
            out.push(a.clone());
        } else {
            seen.push(kind);
        }
    }
    out
}

/// Names for the ids actions hold, to say them in words.
struct Names {
    members: Vec<(MemberId, String)>,
    webhooks: Vec<(WebhookId, String)>,
}

fn describe_action(a: &Action, n: &Names) -> String {
    match a {
        Action::Assign { assignee_id: None } => "unassign".into(),
        Action::Assign {
            assignee_id: Some(m),
        } => match n.members.iter().find(|(id, _)| id == m) {
            Some((_, name)) => format!("assign to {name}"),
            None => format!("assign to member {}", m.0),
        },
        Action::Tag { tag } => format!("tag “{tag}”"),
        Action::SetPriority { priority } => format!("priority {}", priority.as_str()),
        Action::ApplyCannedReply { .. } => "apply a canned reply".into(),
        Action::CallWebhook { webhook_id } => {
            match n.webhooks.iter().find(|(id, _)| id == webhook_id) {
                Some((_, url)) => format!("call the webhook {url}"),
                None => format!("call webhook {}", webhook_id.0),
            }
        }
        Action::Notify { message, .. } => format!("notify “{message}”"),
        Action::AddToQuickLane {} => "quick lane".into(),
    }
}

/// The rules and, below them, the builder (shown again with the error when a rule is refused);
/// editing one, the builder alone, filled in with it.
async fn form_page(
    state: &AppState,
    s: &Session,
    f: &RuleForm,
    editing: Option<&Rule>,
    error: Option<(StatusCode, String)>,
    ok: Option<&str>,
) -> UiResult<Response> {
    require_admin(s)?;
    let me = me(state, s).await?;
    let rules = match editing {
        Some(_) => Vec::new(),
        None => state.app.list_rules(&s.ctx).await?,
    };
    let names = Names {
        members: active_members(state, s).await?,
        webhooks: state
            .app
            .list_webhooks(&s.ctx)
            .await?
            .into_iter()
            .map(|w| (w.id, w.url))
            .collect(),
    };
    let (heading, action, title) = match editing {
        Some(r) => (
            format!("Edit the rule {}", r.name),
            format!("/app/admin/rules/{}", r.id.0),
            r.name.clone(),
        ),
        None => (
            "New rule".to_string(),
            "/app/admin/rules".to_string(),
            "Rules".to_string(),
        ),
    };
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
        @if editing.is_some() {
            p class="crumbs" { a href="/app/admin/rules" { "Rules" } " › " (title) }
        }
        h1 { (title) }
        @if let Some(n) = ok { p class="notice ok" role="status" { (n) } }
        @if editing.is_none() && rules.is_empty() { p class="muted" { "No rules yet." } }
        @if editing.is_none() { ul class="cards" id="rule-list" {
            @for r in &rules {
                li {
                    p { a href={ "/app/admin/rules/" (r.id.0) } { strong { (r.name) } } " · " @if r.enabled { "on" } @else { "off" } }
                    p class="muted cell-wrap" {
                        "When " (words(r.event.as_str()))
                        @if let Some(t) = &r.conditions.text_contains { ", if the text contains “" (t) "”" }
                        @if let Some(t) = &r.conditions.has_tag { ", if tagged “" (t) "”" }
                        @if !r.conditions.priority.is_empty() { ", if priority " (r.conditions.priority.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" or ")) }
                        ": " (r.actions.iter().map(|a| describe_action(a, &names)).collect::<Vec<_>>().join(", "))
                    }
                    form method="post" action={ "/app/admin/rules/" (r.id.0) "/delete" } class="row" {
                        (csrf_field(&s.csrf))
                        button type="submit" class="secondary" aria-label={ "Delete the rule " (r.name) } { "Delete" }
                    }
                }
            }
        } }
        h2 id="new-rule-h" { (heading) }
        (fields::notice(error.as_deref()))
        form method="post" action=(action) class="stack" id="rule-form" aria-labelledby="new-rule-h" {
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
                label for="ru-assign" { "Assign to" }
                select id="ru-assign" name="assignee_id" {
                    option value="" { "(leave it)" }
                    option value="none" selected[f.assignee_id == "none"] { "(nobody: take the assignee off)" }
                    @for (id, name) in &names.members { option value=(id.0) selected[f.assignee_id == id.0.to_string()] { (name) } }
                }
                label for="ru-add-tag" { "Add the tags (comma-separated)" }
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
                label for="ru-webhook" { "Call the webhook" }
                select id="ru-webhook" name="webhook_id" {
                    option value="" { "(none)" }
                    @for (id, url) in &names.webhooks { option value=(id.0) selected[f.webhook_id == id.0.to_string()] { (url) } }
                }
                label { input type="checkbox" name="quick_lane" value="yes" checked[f.quick_lane == "yes"]; " Put it in the quick lane" }
            }
            button type="submit" { "Save the rule" }
        }
    };
    let markup = page(state, s, &me, &title, "rules", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<RuleForm>,
) -> UiResult<Response> {
    admin_post(&s, &f.csrf)?;
    let result = async { state.app.create_rule(&s.ctx, f.input(None)?).await }.await;
    saved_or_refill(result, "/app/admin/rules?done=saved", LABELS, |said| {
        form_page(&state, &s, &f, None, Some(said), None)
    })
    .await
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let id = RuleId(parse_id(&raw)?);
    require_admin(&s)?;
    let r = state.app.get_rule(&s.ctx, id).await?;
    form_page(&state, &s, &RuleForm::of(&r), Some(&r), None, None).await
}

pub(super) async fn update(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<RuleForm>,
) -> UiResult<Response> {
    let id = RuleId(parse_id(&raw)?);
    admin_post(&s, &f.csrf)?;
    let before = state.app.get_rule(&s.ctx, id).await?;
    let result = async {
        state
            .app
            .update_rule(&s.ctx, id, f.input(Some(&before))?)
            .await
    }
    .await;
    saved_or_refill(result, "/app/admin/rules?done=saved", LABELS, |said| {
        form_page(&state, &s, &f, Some(&before), Some(said), None)
    })
    .await
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = RuleId(parse_id(&raw)?);
    admin_post(&s, &f.csrf)?;
    state.app.delete_rule(&s.ctx, id).await?;
    Ok(Redirect::to("/app/admin/rules?done=deleted").into_response())
}
