//! The queues: one list per view, with sort and filters.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_app::pages::QueueRows;
use rapport_core::ids::{ClientId, MemberId, RequestId};
use rapport_core::request::{BulkAction, BulkInput, Priority, Status};
use serde::Deserialize;

use super::{ALL_STATUSES, Me, VIEWS, active, page_with, status_label, view_filter};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiError, UiResult, csrf_field, describe, urlencode, when};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct QueueQuery {
    view: Option<String>,
    sort: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    client: Option<String>,
    cursor: Option<String>,
}

/// One row of a queue, whatever the view.
struct Row {
    id: RequestId,
    reference: String,
    title: String,
    client: ClientId,
    status: Status,
    note: String,
    /// Only the request lists carry these; the other views leave them empty.
    assignee: Option<MemberId>,
    priority: Option<Priority>,
    created: Option<jiff::Timestamp>,
}

const SORTS: [(&str, &str); 5] = [
    ("-created", "Newest"),
    ("created", "Oldest"),
    ("-updated", "Recently updated"),
    ("due", "Due date"),
    ("sla_due", "SLA due"),
];

pub(super) async fn queue(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<QueueQuery>,
) -> UiResult<Markup> {
    render(&state, &s, q, None).await
}

/// A queue, with the outcome of a bulk change above it when there was one.
async fn render(
    state: &AppState,
    s: &Session,
    q: QueueQuery,
    outcome: Option<Markup>,
) -> UiResult<Markup> {
    let view = q.view.clone().unwrap_or_else(|| "mine".into());
    let label = VIEWS
        .iter()
        .find(|(v, _)| *v == view)
        .map(|(_, l)| *l)
        .ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "There is no such view."))?;
    let mut problem = None;
    // Only the request listings take the sort and filters (the other queues ignore them).
    let listable = view_filter(&view).is_some();
    let mut f = view_filter(&view).unwrap_or_default();
    if listable {
        if let Some(sort) = q.sort.as_deref().filter(|s| !s.is_empty()) {
            f.sort = Some(sort.to_string());
        }
        if let Some(k) = q.kind.as_deref().filter(|s| !s.is_empty()) {
            match k.parse() {
                Ok(kind) => f.kind = Some(kind),
                Err(_) => problem = Some(format!("{k:?} is not a kind of request")),
            }
        }
        if let Some(st) = q.status.as_deref().filter(|s| !s.is_empty()) {
            match st.parse() {
                Ok(status) => f.statuses = vec![status],
                Err(_) => problem = Some(format!("{st:?} is not a status")),
            }
        }
        if let Some(c) = q.client.as_deref().filter(|s| !s.is_empty()) {
            match c.parse::<i64>() {
                Ok(id) => f.client = Some(ClientId(id)),
                Err(_) => problem = Some(format!("{c:?} is not a client")),
            }
        }
        f.cursor = q.cursor.clone().filter(|c| !c.is_empty());
        f.limit = Some(25);
    }
    // One snapshot: the rows, the names beside them, the counts and the set-up list agree.
    let model = state
        .app
        .queue_page(
            &s.ctx,
            rapport_app::pages::QueueQuery {
                view: view.clone(),
                filter: f,
                cursor: q.cursor.clone(),
            },
        )
        .await?;
    let me = Me::of(&model.nav.me, state.app.now());
    let mut next = None;
    let rows: Vec<Row> = match model.rows {
        QueueRows::Silence(list) => list
            .into_iter()
            .map(|r| Row {
                id: r.request_id,
                reference: r.reference,
                title: r.title,
                client: r.client_id,
                status: r.status,
                note: format!(
                    "waiting {} business min (limit {})",
                    r.silence.business_minutes_waiting, r.max_business_minutes
                ),
                assignee: None,
                priority: None,
                created: None,
            })
            .collect(),
        QueueRows::ChangeOrders(l) => {
            next = l.next_cursor;
            l.items
                .into_iter()
                .filter_map(|co| {
                    Some(Row {
                        id: *co.request_ids.first()?,
                        reference: format!("CO-{}", co.id.0),
                        title: co.title,
                        client: co.client_id,
                        status: Status::WaitingOnClient,
                        note: format!(
                            "{} awaiting approval{}",
                            co.currency.format(co.price_minor),
                            co.sent_at
                                .map(|t| format!(" since {}", when(t, &me.tz)))
                                .unwrap_or_default()
                        ),
                        assignee: None,
                        priority: None,
                        created: None,
                    })
                })
                .collect()
        }
        QueueRows::Complaints(l) => {
            next = l.next_cursor;
            l.items
                .into_iter()
                .map(|c| Row {
                    id: c.request_id,
                    reference: c.reference,
                    title: c.title,
                    client: c.client_id,
                    status: c.status,
                    note: format!("flagged {}", when(c.flagged_at, &me.tz)),
                    assignee: None,
                    priority: None,
                    created: None,
                })
                .collect()
        }
        QueueRows::Requests(Ok(l)) => {
            next = l.next_cursor;
            l.items
                .into_iter()
                .map(|r| Row {
                    note: match (
                        model.snoozes.get(&r.request.id),
                        r.sla_state.as_deref(),
                        r.sla_due_at,
                    ) {
                        // The Snoozed view says when each comes back; its SLA keeps running.
                        (Some(z), st, _) => {
                            let back = snooze_returns(z, &me.tz);
                            match st {
                                Some(st) => format!("{back} · SLA {}", st.replace('_', " ")),
                                None => back,
                            }
                        }
                        (None, Some(st), Some(due)) => {
                            format!("SLA {} · due {}", st.replace('_', " "), when(due, &me.tz))
                        }
                        (None, Some(st), None) => format!("SLA {}", st.replace('_', " ")),
                        _ => String::new(),
                    },
                    id: r.request.id,
                    reference: r.request.reference,
                    title: r.request.title,
                    client: r.request.client_id,
                    status: r.request.status,
                    assignee: r.request.assignee_id,
                    priority: Some(r.request.priority),
                    created: Some(r.request.created_at),
                })
                .collect()
        }
        QueueRows::Requests(Err(e)) => {
            problem = Some(describe(&e).1);
            vec![]
        }
    };
    let clients: HashMap<ClientId, String> = model
        .clients
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let members: HashMap<MemberId, String> = model
        .members
        .iter()
        .map(|m| (m.id, m.name.clone()))
        .collect();
    let active = active(&model.members);
    let mut client_list: Vec<(&ClientId, &String)> = clients.iter().collect();
    client_list.sort_by(|a, b| a.1.cmp(b.1));
    let now = state.app.now();
    let keep = |cursor: &str| {
        format!(
            "/app?view={}&sort={}&kind={}&status={}&client={}&cursor={}",
            urlencode(&view),
            urlencode(q.sort.as_deref().unwrap_or("")),
            urlencode(q.kind.as_deref().unwrap_or("")),
            urlencode(q.status.as_deref().unwrap_or("")),
            urlencode(q.client.as_deref().unwrap_or("")),
            urlencode(cursor)
        )
    };
    let start = super::setup::get_started(model.get_started.as_ref());
    let body = html! {
        h1 { (label) }
        p class="page-actions" { a class="button" href="/app/requests/new" id="new-request-link" { "Log a request" } }
        (start)
        @if let Some(o) = &outcome { (o) }
        @if let Some(p) = &problem { p class="notice error" role="alert" { (p) } }
        @if listable {
            form method="get" action="/app" class="filters" aria-label="Sort and filter" {
                input type="hidden" name="view" value=(view);
                label { "Sort "
                    select name="sort" {
                        @for (v, l) in SORTS {
                            option value=(v) selected[q.sort.as_deref() == Some(v)] { (l) }
                        }
                    }
                }
                label { "Kind "
                    select name="kind" {
                        option value="" { "any" }
                        @for k in ["feature", "data", "bug", "question", "complaint", "other"] {
                            option value=(k) selected[q.kind.as_deref() == Some(k)] { (k) }
                        }
                    }
                }
                label { "Status "
                    select name="status" {
                        option value="" { "any open" }
                        @for st in ALL_STATUSES {
                            option value=(st.as_str()) selected[q.status.as_deref() == Some(st.as_str())] { (status_label(st)) }
                        }
                    }
                }
                label { "Client "
                    select name="client" id="filter-client" {
                        option value="" { "any" }
                        @for (id, name) in &client_list {
                            option value=(id.0) selected[q.client.as_deref() == Some(id.0.to_string().as_str())] { (name) }
                        }
                    }
                }
                button type="submit" { "Apply" }
            }
        }
        @if rows.is_empty() {
            p class="empty" { "Nothing here." }
        } @else {
            form method="post" action="/app/queue/bulk" id="bulk" aria-label="Change the ticked requests" {
                (csrf_field(&s.csrf))
                input type="hidden" name="view" value=(view);
                input type="hidden" name="sort" value=(q.sort.as_deref().unwrap_or(""));
                input type="hidden" name="kind" value=(q.kind.as_deref().unwrap_or(""));
                input type="hidden" name="status" value=(q.status.as_deref().unwrap_or(""));
                input type="hidden" name="client" value=(q.client.as_deref().unwrap_or(""));
                div class="table-wrap" {
                    table class="queue" {
                        caption class="sr-only" { (label) }
                        thead { tr {
                            th scope="col" { span class="sr-only" { "Tick" } }
                            th scope="col" { "Ref" } th scope="col" { "Title" } th scope="col" { "Client" }
                            th scope="col" { "Assignee" } th scope="col" { "Priority" } th scope="col" { "Age" }
                            th scope="col" { "Status" } th scope="col" { "SLA clock" }
                        } }
                        tbody {
                            @for r in &rows {
                                tr {
                                    td {
                                        input type="checkbox" name="ids" value=(r.id.0) id={ "pick-" (r.id.0) };
                                        label for={ "pick-" (r.id.0) } class="sr-only" { "Tick " (r.reference) }
                                    }
                                    td { (r.reference) }
                                    td class="title" { a href={ "/app/requests/" (r.id.0) } { (r.title) } }
                                    td { a href={ "/app/clients/" (r.client.0) } { (clients.get(&r.client).map(String::as_str).unwrap_or("?")) } }
                                    td class="assignee" { @match r.assignee { Some(a) => (members.get(&a).map(String::as_str).unwrap_or("?")), None => span class="muted" { "nobody" } } }
                                    td { @if let Some(p) = r.priority { span class={ "prio p-" (p.as_str()) } { (p.as_str()) } } }
                                    td class="age" { @if let Some(c) = r.created { time datetime=(c.to_string()) title=(when(c, &me.tz)) { (age(now, c)) } } }
                                    td { span class={ "status s-" (r.status.as_str()) } { (status_label(r.status)) } }
                                    td class="muted" { (r.note) }
                                }
                            }
                        }
                    }
                }
                fieldset class="bulk" {
                    legend { "Change the ticked requests" }
                    div class="row" {
                        label for="bulk-assignee" { "Assign to" }
                        select id="bulk-assignee" name="assignee" {
                            option value="none" { "nobody" }
                            @for (mid, name) in &active { option value=(mid.0) { (name) } }
                        }
                        button type="submit" name="bulk" value="assign" { "Assign" }
                    }
                    div class="row" {
                        label for="bulk-status" { "Move to" }
                        select id="bulk-status" name="to" {
                            @for st in ALL_STATUSES { option value=(st.as_str()) { (status_label(st)) } }
                        }
                        button type="submit" name="bulk" value="status" { "Change status" }
                    }
                    div class="row" {
                        label for="bulk-tag" { "Tag" }
                        input id="bulk-tag" name="tag" maxlength="50" autocomplete="off";
                        button type="submit" name="bulk" value="tag" { "Add tag" }
                    }
                }
            }
        }
        @if let Some(c) = &next {
            nav aria-label="Pages" class="pager" { a rel="next" href=(keep(c)) { "Next page →" } }
        }
    };
    Ok(page_with(state, s, &me, &model.nav, label, &view, body))
}

/// When a snoozed request comes back, as the Snoozed view says it.
fn snooze_returns(z: &rapport_core::snooze::Snooze, tz: &str) -> String {
    match (z.until, z.until_client_writes) {
        (Some(t), true) => format!("back {} or when the client writes", when(t, tz)),
        (Some(t), false) => format!("back {}", when(t, tz)),
        (None, _) => "back when the client writes".to_string(),
    }
}

/// How long a request has been open, in the largest unit that says it.
fn age(now: jiff::Timestamp, since: jiff::Timestamp) -> String {
    let minutes = now.duration_since(since).as_secs().max(0) / 60;
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} d", m / (24 * 60)),
    }
}

/// The bulk form: which rows were ticked, which button was pressed, and the queue to return to.
fn bulk_form(pairs: Vec<(String, String)>) -> (String, QueueQuery, Vec<String>, [String; 4]) {
    let mut q = QueueQuery::default();
    let (mut csrf, mut ids) = (String::new(), Vec::new());
    let [mut bulk, mut assignee, mut to, mut tag] = Default::default();
    for (k, v) in pairs {
        let keep = Some(v.clone()).filter(|v| !v.is_empty());
        match k.as_str() {
            "csrf" => csrf = v,
            "ids" => ids.push(v),
            "bulk" => bulk = v,
            "assignee" => assignee = v,
            "to" => to = v,
            "tag" => tag = v,
            "view" => q.view = keep,
            "sort" => q.sort = keep,
            "kind" => q.kind = keep,
            "status" => q.status = keep,
            "client" => q.client = keep,
            _ => {}
        }
    }
    (csrf, q, ids, [bulk, assignee, to, tag])
}

pub(super) async fn bulk(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let (csrf, q, ids, [bulk, assignee, to, tag]) = bulk_form(pairs);
    s.check(&csrf)?;
    let action = match bulk.as_str() {
        "assign" => match assignee.as_str() {
            "none" | "" => Ok(BulkAction::Assign { assignee_id: None }),
            a => a
                .parse()
                .map(|n| BulkAction::Assign {
                    assignee_id: Some(MemberId(n)),
                })
                .map_err(|_| "Assign to: choose a member.".to_string()),
        },
        "status" => to
            .parse()
            .map(|status| BulkAction::Status {
                status,
                reason: None,
            })
            .map_err(|_| "Move to: choose a status.".to_string()),
        "tag" => Ok(BulkAction::Tag { tag }),
        _ => Err("Choose what to change.".to_string()),
    };
    let request_ids: Result<Vec<RequestId>, _> =
        ids.iter().map(|i| i.parse().map(RequestId)).collect();
    let outcome = match (action, request_ids) {
        (Err(m), _) => Err(m),
        (_, Err(_)) => Err("The ticked rows could not be read.".to_string()),
        (Ok(action), Ok(request_ids)) => {
            match state
                .app
                .bulk_requests(
                    &s.ctx,
                    BulkInput {
                        request_ids,
                        action,
                    },
                )
                .await
            {
                Ok(o) => Ok(o),
                Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_))) => Err(match &e {
                    AppError::Invalid(v) if v.0.iter().any(|f| f.field == "request_ids") => {
                        "Tick at least one request (at most 100).".to_string()
                    }
                    AppError::Invalid(v) if v.0.iter().any(|f| f.field == "action.tag") => {
                        format!(
                            "Tag: {}",
                            v.0.iter()
                                .map(|f| f.message.as_str())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    }
                    _ => describe(&e).1,
                }),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let (status, notice) = match outcome {
        Err(m) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! { p class="notice error" role="alert" id="bulk-outcome" { (m) } },
        ),
        Ok(o) => (
            StatusCode::OK,
            html! {
                div class={ "notice " @if o.failed.is_empty() { "ok" } @else { "error" } } role="status" id="bulk-outcome" {
                    p { (o.changed.len()) " changed" @if !o.failed.is_empty() { "; " (o.failed.len()) " could not change:" } "." }
                    @if !o.failed.is_empty() {
                        ul { @for f in &o.failed { li { a href={ "/app/requests/" (f.request_id.0) } { "#" (f.request_id.0) } ": " (f.message) } } }
                    }
                }
            },
        ),
    };
    let markup = render(&state, &s, q, Some(notice)).await?;
    Ok((status, markup).into_response())
}
