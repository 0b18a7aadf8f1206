//! The request page and its actions: reply, lint, status, assignment, promises, time, the
//! team's rating and the scope verdict.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::care::LintTarget;
use rapport_app::{AppError, AppResult};
use rapport_core::ids::{PromiseId, RequestId};
use rapport_core::message::{Direction, NewMessage};
use rapport_core::promise::{NewPromise, PromiseKind, SettleInput};
use rapport_core::request::{AssignInput, Status, TransitionInput};
use rapport_core::scope::ConfirmInput;
use serde::Deserialize;

use super::{ALL_STATUSES, CsrfOnly, Me, me, page_with, parse_id, status_label};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{
    Agent, Session, UiResult, csrf_field, describe, local_value, parse_local,
    relative::{due_el, when_el},
    trusted, urlencode, when,
};

/// What a re-rendered request page carries from the form that failed.
#[derive(Default)]
struct Extra {
    status: Option<StatusCode>,
    notice: Option<String>,
    error: Option<String>,
    draft: String,
    direction: String,
    findings: Vec<serde_json::Value>,
    /// How the lint says to greet the contact, when it was run.
    addressee: Option<String>,
    /// The canned reply chosen in the composer, and its text rendered for this request.
    canned: Option<(rapport_core::ids::CannedReplyId, String)>,
    /// A reply or note held because these messages arrived while it was written: shown above
    /// the composer, the draft kept below them.
    held_for: Vec<rapport_core::message::Message>,
}

/// Who else has the request open: the fragment the page polls, and its first state.
fn presence_list(others: &[rapport_core::presence::Presence]) -> Markup {
    html! {
        @if others.is_empty() {
            p class="muted" { "Nobody else has this request open." }
        } @else {
            ul class="presence-others" {
                @for o in others {
                    li class={ "presence-" (o.state.as_str()) } { (o.sentence()) "." }
                }
            }
        }
    }
}

/// The messages a held reply or note did not know about, above the composer that kept it.
fn held_box(held: &[rapport_core::message::Message], me: &Me) -> Markup {
    html! {
        div class="notice error held" id="held" role="alert" {
            p {
                strong { "Not sent: " }
                @if held.len() == 1 { "a new message arrived" } @else { (held.len()) " new messages arrived" }
                " on the thread while you were writing. Your draft is kept below; read "
                @if held.len() == 1 { "it" } @else { "them" }
                ", then send anyway or change the draft."
            }
            @for m in held {
                article class={ "msg " (m.direction.as_str()) } {
                    header {
                        strong { @match m.direction { Direction::Inbound => "Client", Direction::Outbound => "Reply", Direction::Note => "Internal note" } }
                        " · " (me.at(m.created_at))
                    }
                    div class="body text" { (m.body) }
                }
            }
        }
    }
}

pub(super) fn findings_list(findings: &[serde_json::Value]) -> Markup {
    html! {
        @if findings.is_empty() {
            p class="lint-ok" { "No etiquette findings." }
        } @else {
            ul class="findings" {
                @for f in findings {
                    li {
                        strong { (f["rule"].as_str().unwrap_or("finding").replace('_', " ")) } ": "
                        (f["message"].as_str().unwrap_or(""))
                        @if let Some(s) = f["suggestion"].as_str() { " — try " q { (s) } }
                    }
                }
            }
        }
    }
}

/// The composer's findings, offering to hold the reply for the client's next business hour
/// when the moment is what is wrong (quiet hours, a holiday): the same panel whether the lint
/// ran as you typed, on "Check the message" or on a refused send.
fn lint_panel(findings: &[serde_json::Value], addressee: Option<&str>) -> Markup {
    let timing = findings
        .iter()
        .any(|f| matches!(f["rule"].as_str(), Some("quiet_hours" | "holiday")));
    html! {
        @if let Some(a) = addressee { p class="muted" { "Greet them as " strong { (a) } "." } }
        (findings_list(findings))
        @if timing {
            p { button type="submit" name="when" value="client_hours" id="send-client-hours" { "Send at their next business hour" } }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: String,
}

pub(super) async fn request_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    // Only known confirmations are shown (the parameter is not echoed).
    let notice = match q.done.as_str() {
        "status changed" => Some("Status changed."),
        "assigned" => Some("Assignment saved."),
        "promise made" => Some("Promise recorded."),
        "time logged" => Some("Time logged."),
        "time corrected" => Some("Time entry corrected."),
        "time deleted" => Some("Time entry deleted."),
        "rated" => Some("The team's rating is recorded beside the client's."),
        "promise moved" => Some("Promise moved to the new date; the history keeps why."),
        "scope recorded" => Some("Scope verdict recorded."),
        "snoozed" => {
            Some("Snoozed: it is out of the queues until it returns. Its SLA keeps running.")
        }
        "unsnoozed" => Some("Back in the queues."),
        "logged" => Some("Logged and finished through the quick lane; nobody was told."),
        "logged and told" => {
            Some("Logged and finished through the quick lane; the reply is queued to the client.")
        }
        "routed" => {
            Some("The sender is now the client's contact and their message is on this request.")
        }
        _ => None,
    };
    let extra = Extra {
        notice: notice.map(str::to_string),
        ..Default::default()
    };
    render_request(&state, &s, id, extra).await
}

async fn render_request(
    state: &AppState,
    s: &Session,
    id: RequestId,
    extra: Extra,
) -> UiResult<Response> {
    // One snapshot: the request, its thread and ledger and the navigation agree.
    let model = state.app.request_page(&s.ctx, id).await?;
    let me = Me::of(&model.nav.me, state.app.now());
    let rapport_app::pages::RequestPage {
        request: r,
        ratings,
        messages,
        attachments: files,
        client,
        client_now: now,
        promises,
        time,
        canned,
        ..
    } = &model;
    let members = super::active(&model.members);
    let assignee = model.assignee.as_ref().map(|m| m.name.clone());
    let suggested = model.suggested_due;
    let due_default = suggested.unwrap_or_else(|| {
        state
            .app
            .now()
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap_or(state.app.now())
    });
    let ctz = client.calendar.tz.clone();
    let at = state.app.now();
    let direction = if extra.direction.is_empty() {
        "outbound"
    } else {
        extra.direction.as_str()
    };
    let base = format!("/app/requests/{}", id.0);
    let body = html! {
        p class="crumbs" { a href="/app" { "Queues" } " › " a href={ "/app/clients/" (client.id.0) } { (client.name) } " › " (r.reference) }
        h1 { (r.title) }
        @if let Some(n) = &extra.notice { p class="notice ok" role="status" { (n) } }
        @if let Some(e) = &extra.error { p class="notice error" role="alert" { (e) } }
        dl class="facts" {
            dt { "Status" } dd { span class={ "status s-" (r.status.as_str()) } { (status_label(r.status)) } }
            dt { "Kind" } dd { (r.kind.as_str()) " · " (r.priority.as_str()) " priority" }
            dt { "Assignee" } dd { (assignee.as_deref().unwrap_or("nobody")) }
            dt { "Opened" } dd { (when_el(r.created_at, at, &me.tz)) }
            @if let Some(d) = r.due_at {
                dt { "Due" } dd { @if r.status.is_open() { (due_el(d, at, &me.tz)) } @else { (me.at(d)) } }
            }
            dt { "Client's time" } dd id="client-time" {
                (now.local_time.replace('T', " ")) " " (now.tz) " (" (now.weekday) ") · "
                @if now.in_office { "in office" } @else {
                    "out of office"
                    @if let Some(o) = now.next_open { "; opens " (me.at(o)) }
                }
            }
        }
        // Who else has it open: read with the page, then (with JavaScript) reported and read
        // again every few seconds, saying whether this member is writing.
        div id="presence" class="presence" aria-live="polite"
            hx-post={ (base) "/presence" } hx-trigger="load, every 5s"
            hx-include="#composer input[name=csrf], #body" hx-swap="innerHTML" {
            (presence_list(&model.others))
        }
        (snooze_box(model.snooze.as_ref(), &base, &s.csrf, &me, &ctz, r.status))
        div class="actions" {
            form method="post" action={ (base) "/assign" } class="inline" id="assign-form" aria-label="Assign" {
                (csrf_field(&s.csrf))
                label for="assignee" { "Assign to " }
                select id="assignee" name="assignee" {
                    option value="none" selected[r.assignee_id.is_none()] { "nobody" }
                    @for (mid, name) in &members {
                        option value=(mid.0) selected[r.assignee_id == Some(*mid)] {
                            (name) @if *mid == me.id { " (me)" }
                        }
                    }
                }
                button type="submit" { "Assign" }
            }
            @if r.assignee_id != Some(me.id) {
                form method="post" action={ (base) "/assign" } class="inline" id="take-form" {
                    (csrf_field(&s.csrf))
                    input type="hidden" name="assignee" value="me";
                    // Taking unassigned work is a race with colleagues: it only wins while nobody has it.
                    @if r.assignee_id.is_none() { input type="hidden" name="if_unassigned" value="yes"; }
                    button type="submit" { "Assign to me" }
                }
            }
            form method="post" action={ (base) "/status" } class="inline" aria-label="Change status" {
                (csrf_field(&s.csrf))
                label for="status" { "Move to " }
                // The usual next step is preselected: a control left alone never moves work back.
                select id="status" name="status" required {
                    @if r.status.forward().is_none() { option value="" disabled selected { "Choose…" } }
                    @for st in ALL_STATUSES {
                        @if r.status.can_become(st).is_ok() {
                            option value=(st.as_str()) selected[r.status.forward() == Some(st)] { (status_label(st)) }
                        }
                    }
                }
                label for="reason" class="sr-only" { "Reason" }
                input id="reason" name="reason" placeholder="Reason (optional)";
                button type="submit" { "Change status" }
            }
        }
        section aria-labelledby="thread-h" {
            h2 id="thread-h" { "Thread" }
            article class="msg inbound" {
                header { strong { "Request" } " · " (me.at(r.created_at)) }
                @if r.body.is_empty() { p class="muted" { "(no details)" } } @else { div class="body text" { (r.body) } }
            }
            @for m in &messages.items {
                article class={ "msg " (m.direction.as_str()) } {
                    header {
                        strong { @match m.direction { Direction::Inbound => "Client", Direction::Outbound => "Reply", Direction::Note => "Internal note" } }
                        " · " (me.at(m.created_at))
                        @if let Some(st) = m.send_status { " · " span class="send-status" { (super::admin::send_state(state, st)) } }
                        @if let (Some(at), Some(rapport_core::message::SendStatus::Scheduled)) = (m.scheduled_for, m.send_status) { " for " (me.at(at)) }
                    }
                    @if let Some(h) = &m.body_html { div class="body html" { (trusted(h)) } }
                    @else { div class="body text" { (m.body) } }
                    (crate::ui::attachment_links(files.get(&m.id.0), "/app"))
                }
            }
        }
        section aria-labelledby="compose-h" class="composer" {
            h2 id="compose-h" { "Reply or note" }
            @if !extra.held_for.is_empty() { (held_box(&extra.held_for, &me)) }
            form method="post" action={ (base) "/reply" } id="composer" {
                (csrf_field(&s.csrf))
                // The thread as this composer saw it: a message arriving first holds the send.
                input type="hidden" name="last_seen" id="last-seen" value=(model.last_message_id.0);
                fieldset {
                    legend { "Kind" }
                    label { input type="radio" name="direction" value="outbound" checked[direction == "outbound"]; " Reply to the client" }
                    label { input type="radio" name="direction" value="note" checked[direction == "note"]; " Internal note" }
                }
                @if !canned.items.is_empty() {
                    div class="canned row" {
                        label for="canned" { "Canned reply" }
                        select id="canned" name="canned"
                            hx-get={ (base) "/canned-preview" } hx-trigger="change" hx-target="#canned-preview" hx-swap="innerHTML" {
                            option value="" { "Choose…" }
                            @for c in &canned.items {
                                option value=(c.id.0) selected[extra.canned.as_ref().is_some_and(|(id, _)| *id == c.id)] { (c.name) }
                            }
                        }
                        button type="submit" class="secondary" formaction={ (base) "/canned" } formnovalidate name="canned_do" value="preview" { "Preview" }
                        button type="submit" class="secondary" formaction={ (base) "/canned" } formnovalidate name="canned_do" value="insert" id="canned-insert" { "Insert" }
                    }
                    div id="canned-preview" class="canned-preview" aria-live="polite" {
                        @if let Some((_, text)) = &extra.canned { (canned_preview(text)) }
                    }
                }
                label for="body" { "Message" }
                textarea id="body" name="body" rows="8" required
                    hx-post={ (base) "/lint" } hx-trigger="input changed delay:400ms, load"
                    hx-target="#lint" hx-swap="innerHTML" aria-describedby="lint" { (extra.draft) }
                div id="lint" class="lint" aria-live="polite" { (lint_panel(&extra.findings, extra.addressee.as_deref())) }
                @if !extra.findings.is_empty() {
                    label { input type="checkbox" name="confirm" value="yes"; " Send anyway (the findings are recorded)" }
                }
                p class="muted" { "It is " (now.local_time.replace('T', " ")) " for the client (" (now.tz) ")." }
                // Without JavaScript the findings come from here (or from a refused send).
                button type="submit" name="intent" value="check" class="secondary" id="check-reply" { "Check the message" }
                " "
                button type="submit" id="send" { @if extra.held_for.is_empty() { "Send" } @else { "Send anyway" } }
            }
        }
        section aria-labelledby="promises-h" {
            h2 id="promises-h" { "Promises" }
            @if promises.items.is_empty() { p class="empty" { "No promises on this request." } }
            ul class="promises" {
                @for p in &promises.items {
                    li {
                        strong { (p.kind.as_str()) } " by "
                        @if p.status.is_pending() { (due_el(p.due_at, at, &me.tz)) } @else { (me.at(p.due_at)) }
                        " (client: " (when(p.due_at, &ctz)) ") — " (p.status.as_str())
                        @if !p.description.is_empty() { " · " (p.description) }
                        @if matches!(p.status.as_str(), "open" | "renegotiated") {
                            form method="post" action={ "/app/promises/" (p.id.0) "/keep" } class="inline" {
                                (csrf_field(&s.csrf))
                                button type="submit" { "Mark kept" }
                            }
                            details class="inline" {
                                summary { "Renegotiate" }
                                form method="post" action={ "/app/promises/" (p.id.0) "/renegotiate" } class="row" {
                                    (csrf_field(&s.csrf))
                                    label { "New date (" (me.tz) ") " input type="datetime-local" name="due" required value=(local_value(p.due_at, &me.tz)); }
                                    label { "Why " input name="reason" required maxlength="10000"; }
                                    button type="submit" { "Move the date" }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action={ (base) "/promises" } class="row" aria-label="Make a promise" {
                (csrf_field(&s.csrf))
                label { "Kind "
                    select name="kind" {
                        @for k in ["reply", "proposal", "delivery", "call", "other"] { option value=(k) { (k) } }
                    }
                }
                label { "Due (" (me.tz) ") "
                    input type="datetime-local" name="due" required value=(local_value(due_default, &me.tz));
                }
                label { "What " input name="description" maxlength="2000"; }
                button type="submit" { "Promise" }
                @if suggested.is_some() { span class="muted" { " Suggested from the queue and capacity." } }
            }
        }
        section aria-labelledby="time-h" {
            h2 id="time-h" { "Time" }
            p { (r.spent_minutes) " minutes spent" @if let Some(e) = r.estimate_minutes { " of an estimated " (e) } "." }
            @if !time.items.is_empty() {
                ul class="time-entries" {
                    @for t in &time.items {
                        li id={ "time-" (t.id.0) } {
                            (t.minutes) " min · " (me.at(t.started_at)) @if !t.billable { " · not billable" } @if !t.note.is_empty() { " · " (t.note) }
                            details class="inline" {
                                summary { "Edit" }
                                form method="post" action={ "/app/time/" (t.id.0) "/edit" } class="row" aria-label="Correct this time entry" {
                                    (csrf_field(&s.csrf))
                                    label { "Minutes " input type="number" name="minutes" min="1" max="1440" required value=(t.minutes); }
                                    label { "Note " input name="note" maxlength="2000" value=(t.note); }
                                    label { input type="checkbox" name="billable" value="yes" checked[t.billable]; " billable" }
                                    button type="submit" { "Save" }
                                }
                            }
                            form method="post" action={ "/app/time/" (t.id.0) "/delete" } class="inline" {
                                (csrf_field(&s.csrf))
                                button type="submit" class="secondary" aria-label={ "Delete the " (t.minutes) " minutes" } { "Delete" }
                            }
                        }
                    }
                }
            }
            form method="post" action={ (base) "/time" } class="row" aria-label="Log time" {
                (csrf_field(&s.csrf))
                label { "Minutes " input type="number" name="minutes" min="1" max="1440" required; }
                label { "Note " input name="note" maxlength="2000"; }
                label { input type="checkbox" name="billable" value="yes" checked; " billable" }
                button type="submit" { "Log time" }
            }
        }
        @if matches!(r.status, Status::Delivered | Status::Closed) {
            section aria-labelledby="ratings-h" {
                h2 id="ratings-h" { "Ratings" }
                @let client_rating = ratings.iter().find(|x| x.source == rapport_core::rating::RatingSource::Client);
                @let team_rating = ratings.iter().find(|x| x.source == rapport_core::rating::RatingSource::Team);
                p {
                    "The client: "
                    @match client_rating { Some(x) => { strong { (x.score) " / 5" } @if !x.comment.is_empty() { " — " (x.comment) } }, None => "not rated yet" }
                    "."
                }
                @match team_rating {
                    Some(x) => p { "The team: " strong { (x.score) " / 5" } @if !x.comment.is_empty() { " — " (x.comment) } "." },
                    None => form method="post" action={ (base) "/rating" } class="row" aria-label="The team's own rating of this delivery" {
                        (csrf_field(&s.csrf))
                        label { "The team's own rating "
                            select name="score" required {
                                @for n in 1..=5 { option value=(n) { (n) } }
                            }
                        }
                        label { "Comment " input name="comment" maxlength="2000"; }
                        button type="submit" { "Rate our work" }
                    },
                }
            }
        }
        section aria-labelledby="scope-h" {
            h2 id="scope-h" { "Scope" }
            @match &r.scope {
                None => p class="empty" { "No scope verdict (no engagement brief to check against)." },
                Some(sc) => {
                    p {
                        "The check says " strong { (sc.verdict.as_str()) }
                        " (confidence " (format!("{:.0}%", sc.confidence * 100.0)) ")"
                        @if let Some(v) = sc.confirmed_verdict { "; a person decided " strong { (v.as_str()) } }
                        @if let Some(reason) = &sc.confirm_reason { ": " (reason) }
                    }
                    @if let Some(reason) = &sc.reason { p id="scope-reason" { "Why: " (reason) "." } }
                    @if let Some(x) = &sc.excess {
                        p id="scope-limit" {
                            "Limit of item " strong { (x.item_id) } ": " (x.limit)
                            @if let Some(extra) = x.extra_phrase() { "; this asks for " (extra) }
                            "."
                        }
                    }
                    @if let Some(u) = &sc.usage {
                        p id="scope-usage" { "Used of item " strong { (u.item_id) } " when checked: " (u.describe()) "." }
                    }
                    @if !sc.precedents.is_empty() {
                        div id="scope-precedents" {
                            p { "How the firm decided close requests:" }
                            ul {
                                @for p in &sc.precedents {
                                    li { (p.sentence()) " " a href={ "/app/requests/" (p.request_id) } { "Open #" (p.request_id) } }
                                }
                            }
                        }
                    }
                    @let evidence: Vec<rapport_core::scope::Evidence> = serde_json::from_value(sc.evidence.clone()).unwrap_or_default();
                    @if !evidence.is_empty() {
                        details {
                            summary { "Evidence" }
                            ul class="evidence" { @for e in &evidence { li { (e.sentence()) } } }
                        }
                    }
                    form method="post" action={ (base) "/scope" } class="row" aria-label="Confirm or override the scope verdict" {
                        (csrf_field(&s.csrf))
                        label { "Verdict "
                            select name="verdict" {
                                @for v in ["in", "out", "unclear"] {
                                    option value=(v) selected[sc.confirmed_verdict.unwrap_or(sc.verdict).as_str() == v] { (v) }
                                }
                            }
                        }
                        label { "Why " input name="reason" required maxlength="10000"; }
                        button type="submit" { "Confirm / override" }
                    }
                    @if let (Some(eid), Some(rapport_core::scope::Verdict::Out), true) = (r.engagement_id, super::change_orders::effective_verdict(r), s.ctx.principal.allows(rapport_core::access::Permission::ManageClients)) {
                        p { a class="button" href={ "/app/engagements/" (eid.0) "/change-orders/new?request=" (r.id.0) } { "Draft a change order" } }
                    }
                }
            }
        }
    };
    let markup = page_with(state, s, &me, &model.nav, &r.title, "", body);
    Ok((extra.status.unwrap_or(StatusCode::OK), markup).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ReplyForm {
    csrf: String,
    body: String,
    direction: String,
    confirm: String,
    /// `client_hours`: hold the reply until the client's calendar next opens.
    when: String,
    /// `check`: lint the draft and show the page again, sending nothing.
    intent: String,
    /// The newest message id the page showed (`0`: none).
    last_seen: String,
}

pub(super) async fn reply(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<ReplyForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let direction = match f.direction.as_str() {
        "note" => Direction::Note,
        _ => Direction::Outbound,
    };
    if f.intent == "check" {
        return check_reply(&state, &s, id, f).await;
    }
    let input = NewMessage {
        direction: Some(direction),
        body: f.body.clone(),
        scheduled_for: None,
        // Only outbound messages are linted, so only they may confirm findings.
        confirm_findings: (direction == Direction::Outbound).then_some(f.confirm == "yes"),
        schedule: (direction == Direction::Outbound && f.when == "client_hours")
            .then_some(rapport_core::message::Schedule::ClientHours),
        last_seen_message_id: f
            .last_seen
            .trim()
            .parse()
            .ok()
            .map(rapport_core::ids::MessageId),
    };
    match state.app.add_message(&s.ctx, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/app/requests/{}#thread-h", id.0)).into_response()),
        Err(AppError::Unconfirmed { findings, .. }) => {
            let list = findings.as_array().cloned().unwrap_or_default();
            render_request(
                &state,
                &s,
                id,
                Extra {
                    status: Some(StatusCode::CONFLICT),
                    error: Some(crate::ui::held_for_findings(&list)),
                    draft: f.body,
                    direction: f.direction,
                    findings: list,
                    ..Default::default()
                },
            )
            .await
        }
        // The page shows the thread again with the new messages, so its next send is over them.
        Err(AppError::StaleThread { messages, .. }) => {
            render_request(
                &state,
                &s,
                id,
                Extra {
                    status: Some(StatusCode::CONFLICT),
                    draft: f.body,
                    direction: f.direction,
                    held_for: messages,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let (status, msg) = describe(&e);
            render_request(
                &state,
                &s,
                id,
                Extra {
                    status: Some(status),
                    error: Some(msg),
                    draft: f.body,
                    direction: f.direction,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// "Check the message": the lint's findings on the page again with the draft, nothing sent.
async fn check_reply(
    state: &AppState,
    s: &Session,
    id: RequestId,
    f: ReplyForm,
) -> UiResult<Response> {
    let mut extra = Extra {
        draft: f.body.clone(),
        direction: f.direction.clone(),
        ..Default::default()
    };
    if f.direction == "note" {
        extra.notice = Some("Internal notes are not linted.".into());
    } else {
        match state
            .app
            .lint_message(&s.ctx, LintTarget::Request(id), f.body, None, None)
            .await
        {
            Ok(out) => {
                extra.findings = out
                    .findings
                    .iter()
                    .filter_map(|f| serde_json::to_value(f).ok())
                    .collect();
                extra.addressee = out.addressee;
            }
            Err(e @ AppError::Invalid(_)) => {
                let (status, msg) = describe(&e);
                extra.status = Some(status);
                extra.error = Some(msg);
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_request(state, s, id, extra).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LintForm {
    csrf: String,
    body: String,
    direction: String,
}

/// The composer's findings as you type (an htmx fragment).
pub(super) async fn lint(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<LintForm>,
) -> UiResult<Markup> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    if f.direction == "note" {
        return Ok(html! { p class="muted" { "Internal notes are not linted." } });
    }
    if f.body.trim().is_empty() {
        return Ok(html! { p class="muted" { "Findings appear here as you type." } });
    }
    match state
        .app
        .lint_message(&s.ctx, LintTarget::Request(id), f.body, None, None)
        .await
    {
        Ok(out) => {
            let list: Vec<serde_json::Value> = out
                .findings
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .collect();
            Ok(lint_panel(&list, out.addressee.as_deref()))
        }
        Err(e @ AppError::Invalid(_)) => Ok(html! { p class="notice error" { (describe(&e).1) } }),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PresenceForm {
    csrf: String,
    /// The composer's draft: a member with words in it is writing.
    body: String,
}

/// The presence poll (an htmx fragment): report this member viewing, or composing when the
/// composer holds a draft, and show who else has the request open.
pub(super) async fn presence(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<PresenceForm>,
) -> UiResult<Markup> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let state_now = if f.body.trim().is_empty() {
        rapport_core::presence::PresenceState::Viewing
    } else {
        rapport_core::presence::PresenceState::Composing
    };
    let others = state
        .app
        .report_presence(
            &s.ctx,
            id,
            rapport_core::presence::PresenceReport { state: state_now },
        )
        .await?;
    Ok(presence_list(&others))
}

/// Whether the request is snoozed (until when, for the member and in the client's zone) with
/// the form to un-snooze it, or the form to snooze it.
fn snooze_box(
    z: Option<&rapport_core::snooze::Snooze>,
    base: &str,
    csrf: &str,
    me: &Me,
    client_tz: &str,
    status: Status,
) -> Markup {
    html! {
        section id="snooze" class="snooze" aria-labelledby="snooze-h" {
            h2 id="snooze-h" class="sr-only" { "Snooze" }
            @if let Some(z) = z {
                p id="snoozed-until" class="notice" {
                    @match z.until {
                        Some(t) => {
                            "Snoozed until " (me.at(t)) " (" (when(t, client_tz)) " for the client)"
                            @if z.until_client_writes { ", or until the client writes" }
                            "."
                        }
                        None => "Snoozed until the client writes.",
                    }
                    " Its SLA clocks keep running."
                }
                form method="post" action={ (base) "/unsnooze" } class="inline" id="unsnooze-form" {
                    (csrf_field(csrf))
                    button type="submit" { "Un-snooze" }
                }
            } @else if status != Status::Closed {
                form method="post" action={ (base) "/snooze" } class="inline" id="snooze-form" aria-label="Snooze" {
                    (csrf_field(csrf))
                    label for="snooze-preset" { "Snooze " }
                    select id="snooze-preset" name="preset" {
                        option value="later_today" { "later today (3 hours)" }
                        option value="tomorrow_morning" { "until tomorrow morning (09:00 " (me.tz) ")" }
                        option value="next_week" { "until next week (Monday 09:00)" }
                        option value="client_writes" { "until the client writes" }
                        option value="at" { "until the time below" }
                    }
                    label for="snooze-at" class="sr-only" { "Until (" (me.tz) ")" }
                    input type="datetime-local" id="snooze-at" name="at";
                    label { input type="checkbox" name="or_client_writes" value="yes" checked; " or until the client writes" }
                    button type="submit" { "Snooze" }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SnoozeForm {
    csrf: String,
    /// A [`rapport_core::snooze::Preset`], `client_writes`, or `at` (the `at` field's time).
    preset: String,
    /// `datetime-local` in the member's zone, for `preset=at`.
    at: String,
    /// `yes`: the client's message brings it back too.
    or_client_writes: String,
}

pub(super) async fn snooze(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<SnoozeForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let me = me(&state, &s).await?;
    let or_client = f.or_client_writes == "yes";
    let now = state.app.now();
    let until: Result<Option<jiff::Timestamp>, AppError> = match f.preset.as_str() {
        "client_writes" => Ok(None),
        "at" => parse_local(&f.at, &me.tz)
            .map(Some)
            .map_err(|m| AppError::invalid("until", m)),
        p => match p.parse::<rapport_core::snooze::Preset>() {
            Ok(preset) => {
                let tz = jiff::tz::TimeZone::get(&me.tz).unwrap_or(jiff::tz::TimeZone::UTC);
                Ok(preset.until(now, &tz))
            }
            Err(_) => Err(AppError::invalid("preset", "choose when it comes back")),
        },
    };
    let result = match until {
        Ok(until) => state
            .app
            .snooze_request(
                &s.ctx,
                id,
                rapport_core::snooze::SnoozeInput {
                    until,
                    until_client_writes: or_client || until.is_none(),
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    action_result(&state, &s, id, result, "snoozed").await
}

pub(super) async fn unsnooze(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let result = match state.app.unsnooze_request(&s.ctx, id).await {
        // Already back (its time passed, or the client wrote): nothing left to do.
        Err(AppError::NotFound("snooze")) => Ok(()),
        other => other.map(|_| ()),
    };
    action_result(&state, &s, id, result, "unsnoozed").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StatusForm {
    csrf: String,
    status: String,
    reason: String,
}

async fn action_result(
    state: &AppState,
    s: &Session,
    id: RequestId,
    result: AppResult<()>,
    done: &str,
) -> UiResult<Response> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/app/requests/{}?done={}", id.0, urlencode(done)))
                .into_response(),
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            let (status, msg) = describe(&e);
            render_request(
                state,
                s,
                id,
                Extra {
                    status: Some(status),
                    error: Some(msg),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn set_status(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<StatusForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let result = match f.status.parse::<Status>() {
        Ok(status) => state
            .app
            .transition_request(
                &s.ctx,
                id,
                TransitionInput {
                    status,
                    reason: Some(f.reason.clone()).filter(|r| !r.trim().is_empty()),
                    override_reason: None,
                },
            )
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::invalid("status", "choose a status")),
    };
    action_result(&state, &s, id, result, "status changed").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AssignForm {
    csrf: String,
    assignee: String,
    /// `yes`: take it only while nobody has it ("Assign to me" on unassigned work).
    if_unassigned: String,
}

pub(super) async fn assign(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<AssignForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let who = match f.assignee.as_str() {
        "me" => Ok(s.ctx.principal.member_id()),
        "none" | "" => Ok(None),
        raw => raw
            .parse::<i64>()
            .map(|n| Some(rapport_core::ids::MemberId(n)))
            .map_err(|_| AppError::invalid("assignee_id", "choose a member")),
    };
    let result = match who {
        Ok(who) => state
            .app
            .assign_request(
                &s.ctx,
                id,
                AssignInput {
                    assignee_id: who,
                    if_unassigned: (f.if_unassigned == "yes").then_some(true),
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    action_result(&state, &s, id, result, "assigned").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PromiseForm {
    csrf: String,
    kind: String,
    due: String,
    description: String,
}

pub(super) async fn make_promise(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<PromiseForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let me = me(&state, &s).await?;
    let result = async {
        let kind: PromiseKind = f
            .kind
            .parse()
            .map_err(|_| AppError::invalid("kind", "choose a kind of promise"))?;
        let due = parse_local(&f.due, &me.tz).map_err(|m| AppError::invalid("due", m))?;
        state
            .app
            .make_promise(
                &s.ctx,
                NewPromise {
                    request_id: Some(id),
                    client_id: None,
                    contact_id: None,
                    kind,
                    description: Some(f.description.clone()).filter(|d| !d.trim().is_empty()),
                    due_at: due,
                    made_by: None,
                },
            )
            .await
            .map(|_| ())
    }
    .await;
    action_result(&state, &s, id, result, "promise made").await
}

pub(super) async fn keep_promise(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let pid = PromiseId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let p = state
        .app
        .settle_promise(&s.ctx, pid, true, SettleInput::default())
        .await?;
    Ok(match p.request_id {
        Some(r) => Redirect::to(&format!("/app/requests/{}#promises-h", r.0)),
        None => Redirect::to(&format!("/app/clients/{}", p.client_id.0)),
    }
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TimeForm {
    csrf: String,
    minutes: String,
    note: String,
    billable: String,
}

pub(super) async fn log_time(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<TimeForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let result = match f.minutes.trim().parse::<i64>() {
        Ok(minutes) => state
            .app
            .log_time(
                &s.ctx,
                rapport_core::time_entry::NewTimeEntry {
                    request_id: Some(id),
                    engagement_id: None,
                    member_id: None,
                    started_at: None,
                    minutes,
                    billable: Some(f.billable == "yes"),
                    note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
                },
            )
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::invalid(
            "minutes",
            "a whole number of minutes, 1-1440",
        )),
    };
    action_result(&state, &s, id, result, "time logged").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RatingForm {
    csrf: String,
    score: String,
    comment: String,
}

/// The team's own rating of delivered work, set against the client's (the perception gap).
pub(super) async fn team_rating(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<RatingForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let result = match f.score.trim().parse::<i64>() {
        Ok(score) => state
            .app
            .team_rate_request(&s.ctx, id, score, f.comment.trim())
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::invalid("score", "a whole number from 1 to 5")),
    };
    action_result(&state, &s, id, result, "rated").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RenegotiateForm {
    csrf: String,
    due: String,
    reason: String,
}

pub(super) async fn renegotiate_promise(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<RenegotiateForm>,
) -> UiResult<Response> {
    let pid = PromiseId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let me = me(&state, &s).await?;
    let p = state.app.get_promise(&s.ctx, pid).await?;
    let request = p.promise.request_id;
    let result = async {
        let due = parse_local(&f.due, &me.tz).map_err(|m| AppError::invalid("due", m))?;
        state
            .app
            .renegotiate_promise(
                &s.ctx,
                pid,
                rapport_core::promise::RenegotiateInput {
                    due_at: due,
                    reason: f.reason.clone(),
                },
            )
            .await
            .map(|_| ())
    }
    .await;
    match request {
        Some(r) => action_result(&state, &s, r, result, "promise moved").await,
        None => {
            result?;
            Ok(Redirect::to(&format!("/app/clients/{}", p.promise.client_id.0)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ScopeForm {
    csrf: String,
    verdict: String,
    reason: String,
}

pub(super) async fn confirm_scope(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<ScopeForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let result = match f.verdict.parse() {
        Ok(verdict) => state
            .app
            .confirm_scope(
                &s.ctx,
                id,
                ConfirmInput {
                    verdict,
                    reason: f.reason.clone(),
                },
            )
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::invalid("verdict", "choose in, out or unclear")),
    };
    action_result(&state, &s, id, result, "scope recorded").await
}

/// The request a time entry belongs to, where its edit and delete forms live.
async fn time_request(
    state: &AppState,
    s: &Session,
    id: rapport_core::ids::TimeEntryId,
) -> UiResult<RequestId> {
    let t = state.app.get_time(&s.ctx, id).await?;
    t.request_id.ok_or_else(crate::ui::UiError::not_found)
}

pub(super) async fn edit_time(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<TimeForm>,
) -> UiResult<Response> {
    let tid = rapport_core::ids::TimeEntryId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let id = time_request(&state, &s, tid).await?;
    let result = match f.minutes.trim().parse::<i64>() {
        Ok(minutes) => state
            .app
            .update_time(
                &s.ctx,
                tid,
                rapport_core::time_entry::TimeEntryPatch {
                    minutes: Some(minutes),
                    billable: Some(f.billable == "yes"),
                    note: Some(f.note.clone()),
                    started_at: None,
                },
            )
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::invalid(
            "minutes",
            "a whole number of minutes, 1-1440",
        )),
    };
    action_result(&state, &s, id, result, "time corrected").await
}

pub(super) async fn delete_time(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let tid = rapport_core::ids::TimeEntryId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let id = time_request(&state, &s, tid).await?;
    let result = state.app.delete_time(&s.ctx, tid).await;
    action_result(&state, &s, id, result, "time deleted").await
}

fn canned_preview(text: &str) -> Markup {
    html! {
        p class="muted" { "Preview, as the client would read it:" }
        blockquote class="body text" { (text) }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CannedQuery {
    canned: String,
}

/// The chosen canned reply rendered for this request (an htmx fragment under the select).
pub(super) async fn canned_preview_fragment(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    Query(q): Query<CannedQuery>,
) -> UiResult<Markup> {
    let id = RequestId(parse_id(&raw)?);
    let Ok(cid) = q.canned.parse::<i64>() else {
        return Ok(html! {});
    };
    match state
        .app
        .preview_canned_reply(&s.ctx, rapport_core::ids::CannedReplyId(cid), id)
        .await
    {
        Ok(p) => Ok(canned_preview(&p.body)),
        Err(e @ (AppError::NotFound(_) | AppError::Invalid(_))) => {
            Ok(html! { p class="notice error" { (describe(&e).1) } })
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CannedForm {
    csrf: String,
    body: String,
    direction: String,
    canned: String,
    /// `preview` shows the text; `insert` adds it to the draft.
    canned_do: String,
}

/// The composer's canned reply without JavaScript: preview it, or insert it after what is
/// already typed; nothing is sent, and the draft comes back as it was.
pub(super) async fn canned(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CannedForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let chosen = match f.canned.parse::<i64>() {
        Ok(cid) => {
            let cid = rapport_core::ids::CannedReplyId(cid);
            match state.app.preview_canned_reply(&s.ctx, cid, id).await {
                Ok(p) => Ok((cid, p.body)),
                Err(e @ AppError::NotFound(_)) => Err(describe(&e).1),
                Err(e) => return Err(e.into()),
            }
        }
        Err(_) => Err("Canned reply: choose one first.".to_string()),
    };
    let extra = match chosen {
        Ok((_, text)) if f.canned_do == "insert" => {
            let draft = if f.body.trim().is_empty() {
                text
            } else {
                format!("{}\n\n{text}", f.body.trim_end())
            };
            Extra {
                notice: Some("Canned reply inserted: read it over, then send.".into()),
                draft,
                direction: "outbound".into(),
                ..Default::default()
            }
        }
        Ok((cid, text)) => Extra {
            draft: f.body,
            direction: f.direction,
            canned: Some((cid, text)),
            ..Default::default()
        },
        Err(msg) => Extra {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            error: Some(msg),
            draft: f.body,
            direction: f.direction,
            ..Default::default()
        },
    };
    render_request(&state, &s, id, extra).await
}
