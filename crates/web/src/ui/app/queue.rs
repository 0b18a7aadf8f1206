//! The queues: one list per view, with sort and filters.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_core::ids::{ClientId, RequestId};
use rapport_core::request::Status;
use serde::Deserialize;

use super::{
    ALL_STATUSES, VIEWS, awaiting_change_orders, client_names, me, page, status_label, view_filter,
};
use crate::state::AppState;
use crate::ui::{Agent, UiError, UiResult, describe, urlencode, when};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct QueueQuery {
    view: Option<String>,
    sort: Option<String>,
    kind: Option<String>,
    status: Option<String>,
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
    let me = me(&state, &s).await?;
    let view = q.view.clone().unwrap_or_else(|| "mine".into());
    let label = VIEWS
        .iter()
        .find(|(v, _)| *v == view)
        .map(|(_, l)| *l)
        .ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "There is no such view."))?;
    let mut next = None;
    let mut problem = None;
    let rows: Vec<Row> = match view.as_str() {
        "silence" => state
            .app
            .list_silence(&s.ctx, Some(100))
            .await?
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
            })
            .collect(),
        "change-orders" => awaiting_change_orders(&state, &s, q.cursor.clone())
            .await
            .map(|l| {
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
                        })
                    })
                    .collect()
            })?,
        "complaints" => state
            .app
            .list_complaints(&s.ctx, false, None, q.cursor.as_deref(), Some(50))
            .await
            .map(|l| {
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
                    })
                    .collect()
            })?,
        v => {
            let mut f = view_filter(v).unwrap_or_default();
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
            f.cursor = q.cursor.clone().filter(|c| !c.is_empty());
            f.limit = Some(25);
            match state.app.list_requests_with_sla(&s.ctx, f).await {
                Ok(l) => {
                    next = l.next_cursor;
                    l.items
                        .into_iter()
                        .map(|r| Row {
                            note: match (r.sla_state.as_deref(), r.sla_due_at) {
                                (Some(st), Some(due)) => {
                                    format!(
                                        "SLA {} · due {}",
                                        st.replace('_', " "),
                                        when(due, &me.tz)
                                    )
                                }
                                (Some(st), None) => format!("SLA {}", st.replace('_', " ")),
                                _ => String::new(),
                            },
                            id: r.request.id,
                            reference: r.request.reference,
                            title: r.request.title,
                            client: r.request.client_id,
                            status: r.request.status,
                        })
                        .collect()
                }
                Err(e @ AppError::Invalid(_)) => {
                    problem = Some(describe(&e).1);
                    vec![]
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let clients = client_names(&state, &s).await?;
    let listable = view_filter(&view).is_some();
    let keep = |cursor: &str| {
        format!(
            "/app?view={}&sort={}&kind={}&status={}&cursor={}",
            urlencode(&view),
            urlencode(q.sort.as_deref().unwrap_or("")),
            urlencode(q.kind.as_deref().unwrap_or("")),
            urlencode(q.status.as_deref().unwrap_or("")),
            urlencode(cursor)
        )
    };
    let start = super::setup::get_started(&state, &s).await?;
    let body = html! {
        h1 { (label) }
        (start)
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
                button type="submit" { "Apply" }
            }
        }
        @if rows.is_empty() {
            p class="empty" { "Nothing here." }
        } @else {
            table class="queue" {
                caption class="sr-only" { (label) }
                thead { tr { th scope="col" { "Ref" } th scope="col" { "Title" } th scope="col" { "Client" } th scope="col" { "Status" } th scope="col" { "Clock" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (r.reference) }
                            td { a href={ "/app/requests/" (r.id.0) } { (r.title) } }
                            td { a href={ "/app/clients/" (r.client.0) } { (clients.get(&r.client).map(String::as_str).unwrap_or("?")) } }
                            td { span class={ "status s-" (r.status.as_str()) } { (status_label(r.status)) } }
                            td class="muted" { (r.note) }
                        }
                    }
                }
            }
        }
        @if let Some(c) = &next {
            nav aria-label="Pages" class="pager" { a rel="next" href=(keep(c)) { "Next page →" } }
        }
    };
    page(&state, &s, &me, label, &view, body).await
}
