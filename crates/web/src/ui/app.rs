//! The agent workspace: queues, the request page, the quick lane, clients, the dashboard and
//! search.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rapport_app::care::LintTarget;
use rapport_app::clocks::capacity::SuggestQuery;
use rapport_app::clocks::ledger::GroupBy;
use rapport_app::promises::PromiseFilter;
use rapport_app::requests::RequestFilter;
use rapport_app::search::SearchInput;
use rapport_app::{AppError, AppResult};
use rapport_core::ids::{ClientId, MemberId, PromiseId, RequestId};
use rapport_core::message::{Direction, NewMessage};
use rapport_core::promise::{NewPromise, PromiseKind, SettleInput};
use rapport_core::request::{AssignInput, QuickRequest, Status, TransitionInput};
use rapport_core::scope::ConfirmInput;
use serde::Deserialize;

use super::charts;
use super::{
    Agent, SameOrigin, Session, Side, UiError, UiResult, bare_page, csrf_field, describe, is_htmx,
    local_value, login_csrf_cookie, login_csrf_ok, parse_local, random_token, safe_next, time_el,
    trusted, urlencode, when,
};
use crate::extract::SESSION_COOKIE;
use crate::state::AppState;
use crate::ui::form::UiForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/app", get(queue))
        .route("/app/", get(|| async { Redirect::to("/app") }))
        .route("/app/login", get(login_page).post(login))
        .route("/app/logout", post(logout))
        .route("/app/requests/{id}", get(request_page))
        .route("/app/requests/{id}/reply", post(reply))
        .route("/app/requests/{id}/lint", post(lint))
        .route("/app/requests/{id}/status", post(set_status))
        .route("/app/requests/{id}/assign", post(assign))
        .route("/app/requests/{id}/promises", post(make_promise))
        .route("/app/requests/{id}/scope", post(confirm_scope))
        .route("/app/promises/{id}/keep", post(keep_promise))
        .route("/app/promises/{id}/renegotiate", post(renegotiate_promise))
        .route("/app/quick", get(quick_page).post(quick))
        .route("/app/clients/{id}", get(client_page))
        .route("/app/contacts/{id}/portal", post(contact_portal))
        .route("/app/engagements/{id}", get(engagement_page))
        .route("/app/requests/{id}/time", post(log_time))
        .route("/app/requests/{id}/rating", post(team_rating))
        .route("/app/dashboard", get(dashboard))
        .route("/app/search", get(search))
        .route(
            "/app/attachments/{id}",
            get(
                |State(state): State<AppState>, Agent(s): Agent, Path(raw): Path<String>| async move {
                    super::download(&state, &s, &raw).await
                },
            ),
        )
}

pub const OPEN: [Status; 4] = [
    Status::New,
    Status::Triaged,
    Status::InProgress,
    Status::WaitingOnClient,
];

pub const ALL_STATUSES: [Status; 6] = [
    Status::New,
    Status::Triaged,
    Status::InProgress,
    Status::WaitingOnClient,
    Status::Delivered,
    Status::Closed,
];

/// The queues in the navigation: id, label.
pub const VIEWS: [(&str, &str); 8] = [
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("sla", "At SLA risk"),
    ("silence", "Waiting in silence"),
    ("change-orders", "Awaiting change order"),
    ("complaints", "Complaints"),
    ("quick", "Quick lane"),
    ("open", "All open"),
];

/// How many a view's count shows before "+".
const COUNT_CAP: usize = 200;

pub fn parse_id(raw: &str) -> UiResult<i64> {
    match raw.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(UiError::not_found()),
    }
}

fn status_label(s: Status) -> String {
    s.as_str().replace('_', " ")
}

/// Who is signed in: their name and zone.
struct Me {
    name: String,
    tz: String,
    id: MemberId,
}

async fn me(state: &AppState, s: &Session) -> UiResult<Me> {
    let id = s.ctx.principal.member_id().ok_or_else(UiError::not_found)?;
    let m = state.app.get_member(&s.ctx, id).await?;
    Ok(Me {
        name: m.name,
        tz: m.tz,
        id,
    })
}

/// Change orders sent to clients and not yet decided.
async fn awaiting_change_orders(
    state: &AppState,
    s: &Session,
    cursor: Option<String>,
) -> AppResult<rapport_app::Listing<rapport_core::change_order::ChangeOrder>> {
    state
        .app
        .list_change_orders(
            &s.ctx,
            rapport_app::change_orders::ChangeOrderFilter {
                status: Some(rapport_core::change_order::ChangeOrderStatus::Sent),
                cursor,
                limit: Some(COUNT_CAP),
                ..Default::default()
            },
        )
        .await
}

fn view_filter(view: &str) -> Option<RequestFilter> {
    let open = OPEN.to_vec();
    let f = match view {
        "mine" => RequestFilter {
            statuses: open,
            assignee: Some("me".into()),
            ..Default::default()
        },
        "unassigned" => RequestFilter {
            statuses: open,
            assignee: Some("none".into()),
            ..Default::default()
        },
        "sla" => RequestFilter {
            statuses: open,
            sla_states: vec![
                rapport_core::sla::ClockStatus::AtRisk,
                rapport_core::sla::ClockStatus::Breached,
            ],
            sort: Some("sla_due".into()),
            ..Default::default()
        },
        "quick" => RequestFilter {
            quick: Some(true),
            ..Default::default()
        },
        "open" => RequestFilter {
            statuses: open,
            ..Default::default()
        },
        _ => return None,
    };
    Some(f)
}

/// The number of items in each view (capped), for the navigation.
async fn counts(state: &AppState, s: &Session) -> AppResult<HashMap<&'static str, usize>> {
    let mut out = HashMap::new();
    for (view, _) in VIEWS {
        let n = match view {
            "silence" => state.app.list_silence(&s.ctx, Some(COUNT_CAP)).await?.len(),
            "complaints" => state
                .app
                .list_complaints(&s.ctx, false, None, None, Some(COUNT_CAP))
                .await?
                .items
                .len(),
            "change-orders" => awaiting_change_orders(state, s, None).await?.items.len(),
            v => {
                let mut f = view_filter(v).unwrap_or_default();
                f.limit = Some(COUNT_CAP);
                f.sort = None;
                state
                    .app
                    .list_requests_with_sla(&s.ctx, f)
                    .await?
                    .items
                    .len()
            }
        };
        out.insert(view, n);
    }
    Ok(out)
}

/// A workspace page: header with search, navigation with counts, and the content.
async fn page(
    state: &AppState,
    s: &Session,
    me: &Me,
    title: &str,
    current: &str,
    body: Markup,
) -> UiResult<Markup> {
    let counts = counts(state, s).await?;
    Ok(bare_page(
        title,
        html! {
            header class="top" {
                a class="brand" href="/app" { "Rapport" }
                form class="search" role="search" method="get" action="/app/search" {
                    label for="q" class="sr-only" { "Search requests" }
                    input id="q" type="search" name="q" placeholder="Search requests (press /)"
                        autocomplete="off"
                        hx-get="/app/search" hx-trigger="input changed delay:250ms, search"
                        hx-target="#search-results" hx-swap="innerHTML";
                    button type="submit" { "Search" }
                    div id="search-results" class="search-results" aria-live="polite" {}
                }
                span class="who" { (me.name) }
                form method="post" action="/app/logout" class="inline" {
                    (csrf_field(&s.csrf))
                    button type="submit" class="link" { "Sign out" }
                }
            }
            div class="layout" {
                nav aria-label="Views" class="side" {
                    ul {
                        @for (view, label) in VIEWS {
                            @let n = counts.get(view).copied().unwrap_or(0);
                            li {
                                a href={ "/app?view=" (view) }
                                    aria-current=[(current == view).then_some("page")] {
                                    (label) " "
                                    span class="count" aria-label={ (n) " items" } {
                                        (n) @if n >= COUNT_CAP { "+" }
                                    }
                                }
                            }
                        }
                        li { a href="/app/quick" aria-current=[(current == "quick-form").then_some("page")] { "Log quick work" } }
                        li { a href="/app/dashboard" aria-current=[(current == "dashboard").then_some("page")] { "Dashboard" } }
                    }
                }
                main id="main" tabindex="-1" { (body) }
            }
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct QueueQuery {
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

async fn client_names(state: &AppState, s: &Session) -> AppResult<HashMap<ClientId, String>> {
    let list = state
        .app
        .list_clients(&s.ctx, None, rapport_app::MAX_PAGE)
        .await?;
    Ok(list.items.into_iter().map(|c| (c.id, c.name)).collect())
}

async fn queue(
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
    let body = html! {
        h1 { (label) }
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

// ---------------------------------------------------------------------------------------------
// Signing in and out

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    pub csrf: String,
    pub org: String,
    pub email: String,
    pub password: String,
    pub totp: String,
    pub next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    pub next: Option<String>,
}

pub fn login_form(
    side: Side,
    token: &str,
    next: &str,
    error: Option<&str>,
    email: &str,
    extra: Markup,
) -> Markup {
    let (title, action) = match side {
        Side::App => ("Sign in to the workspace", "/app/login"),
        Side::Portal => ("Sign in to your client portal", "/portal/login"),
    };
    bare_page(
        title,
        html! {
            main id="main" class="narrow" {
                h1 { (title) }
                @if let Some(e) = error { p class="notice error" role="alert" { (e) } }
                form method="post" action=(action) class="stack" {
                    input type="hidden" name="csrf" value=(token);
                    input type="hidden" name="next" value=(next);
                    label for="email" { "Email" }
                    input id="email" name="email" type="email" required autocomplete="username" value=(email);
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" required autocomplete="current-password";
                    @if side == Side::App {
                        label for="totp" { "One-time code (if you turned it on)" }
                        input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code";
                    }
                    label for="org" { "Organisation (only if you belong to several)" }
                    input id="org" name="org" autocomplete="organization";
                    button type="submit" { "Sign in" }
                }
                (extra)
            }
        },
    )
}

/// Answer with a page and a fresh sign-in token cookie.
pub fn with_login_cookie(
    state: &AppState,
    token: &str,
    status: StatusCode,
    body: Markup,
) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, login_csrf_cookie(state, token));
    res
}

async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let token = random_token();
    let next = safe_next(q.next.as_deref(), Side::App);
    let body = login_form(Side::App, &token, &next, None, "", html! {});
    with_login_cookie(&state, &token, StatusCode::OK, body)
}

pub fn signed_in(state: &AppState, s: rapport_app::auth::SignedIn, to: &str) -> Response {
    let max_age = state.app.settings.session_ttl.as_secs();
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::api::auth::session_cookie(state, &s.token, max_age),
    );
    res
}

async fn login(
    State(state): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    ci: axum::extract::ConnectInfo<std::net::SocketAddr>,
    UiForm(f): UiForm<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next), Side::App);
    let retry = |msg: &str, status: StatusCode| {
        let token = random_token();
        let body = login_form(Side::App, &token, &next, Some(msg), &f.email, html! {});
        with_login_cookie(&state, &token, status, body)
    };
    if !login_csrf_ok(&headers, &f.csrf) {
        return retry(
            "The sign-in form expired (stale CSRF token). Please sign in again.",
            StatusCode::FORBIDDEN,
        );
    }
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    let creds = rapport_app::auth::Credentials {
        org: Some(f.org.trim().to_string()).filter(|o| !o.is_empty()),
        email: f.email.clone(),
        password: f.password.clone(),
        totp: Some(f.totp.trim().to_string()).filter(|o| !o.is_empty()),
    };
    match state
        .app
        .sign_in_member(creds, crate::extract::client_ip_from(&ci), previous)
        .await
    {
        Ok(s) => signed_in(&state, s, &next),
        Err(e) => {
            let (status, msg) = describe(&e);
            retry(&msg, status)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf: String,
}

pub async fn sign_out(state: &AppState, s: &Session, headers: &HeaderMap, to: &str) -> Response {
    if let Some(token) = crate::extract::cookie_in(headers, SESSION_COOKIE)
        && let Err(e) = state.app.sign_out(token).await
    {
        return UiError::from(e).into_response();
    }
    let _ = s;
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::api::auth::session_cookie(state, "", 0),
    );
    res
}

async fn logout(
    State(state): State<AppState>,
    Agent(s): Agent,
    headers: HeaderMap,
    UiForm(f): UiForm<CsrfOnly>,
) -> Response {
    if let Err(e) = s.check(&f.csrf) {
        return e.into_response();
    }
    sign_out(&state, &s, &headers, "/app/login").await
}

// ---------------------------------------------------------------------------------------------
// The request page

/// What a re-rendered request page carries from the form that failed.
#[derive(Default)]
struct Extra {
    status: Option<StatusCode>,
    notice: Option<String>,
    error: Option<String>,
    draft: String,
    direction: String,
    findings: Vec<serde_json::Value>,
}

fn findings_list(findings: &[serde_json::Value]) -> Markup {
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

async fn request_page(
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
        "rated" => Some("The team's rating is recorded beside the client's."),
        "promise moved" => Some("Promise moved to the new date; the history keeps why."),
        "scope recorded" => Some("Scope verdict recorded."),
        "logged" => Some("Logged and finished through the quick lane."),
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
    let me = me(state, s).await?;
    let r = state.app.get_request(&s.ctx, id).await?;
    let ratings = state.app.request_ratings(&s.ctx, id).await?;
    let messages = state.app.list_messages(&s.ctx, id, None, 200).await?;
    let files = super::attachments_of(state, s, &messages.items).await?;
    let client = state.app.client_record(&s.ctx, r.client_id).await?;
    let now = state
        .app
        .client_now(&s.ctx, r.client_id, r.engagement_id)
        .await?;
    let promises = state
        .app
        .list_promises(
            &s.ctx,
            PromiseFilter {
                request: Some(id),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await?;
    let time = state
        .app
        .list_time(
            &s.ctx,
            rapport_app::time::TimeFilter {
                request: Some(id),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await?;
    let assignee = match r.assignee_id {
        Some(a) => Some(state.app.get_member(&s.ctx, a).await?.name),
        None => None,
    };
    let suggested = state
        .app
        .suggest_due(
            &s.ctx,
            SuggestQuery {
                request_id: Some(id),
                assignee_id: r.assignee_id.or(Some(me.id)),
                estimate_minutes: None,
                priority: None,
                margin_percent: None,
            },
        )
        .await
        .ok()
        .map(|d| d.suggestion.suggested);
    let due_default = suggested.unwrap_or_else(|| {
        state
            .app
            .now()
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap_or(state.app.now())
    });
    let ctz = client.calendar.tz.clone();
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
            dt { "Opened" } dd { (time_el(r.created_at, &me.tz)) }
            @if let Some(d) = r.due_at { dt { "Due" } dd { (time_el(d, &me.tz)) } }
            dt { "Client's time" } dd id="client-time" {
                (now.local_time.replace('T', " ")) " " (now.tz) " (" (now.weekday) ") · "
                @if now.in_office { "in office" } @else {
                    "out of office"
                    @if let Some(o) = now.next_open { "; opens " (time_el(o, &me.tz)) }
                }
            }
        }
        div class="actions" {
            form method="post" action={ (base) "/assign" } class="inline" {
                (csrf_field(&s.csrf))
                @if r.assignee_id == Some(me.id) {
                    input type="hidden" name="assignee" value="none";
                    button type="submit" { "Unassign me" }
                } @else {
                    input type="hidden" name="assignee" value="me";
                    button type="submit" { "Assign to me" }
                }
            }
            form method="post" action={ (base) "/status" } class="inline" aria-label="Change status" {
                (csrf_field(&s.csrf))
                label for="status" { "Move to " }
                select id="status" name="status" {
                    @for st in ALL_STATUSES {
                        @if r.status.can_become(st).is_ok() { option value=(st.as_str()) { (status_label(st)) } }
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
                header { strong { "Request" } " · " (time_el(r.created_at, &me.tz)) }
                @if r.body.is_empty() { p class="muted" { "(no details)" } } @else { div class="body text" { (r.body) } }
            }
            @for m in &messages.items {
                article class={ "msg " (m.direction.as_str()) } {
                    header {
                        strong { @match m.direction { Direction::Inbound => "Client", Direction::Outbound => "Reply", Direction::Note => "Internal note" } }
                        " · " (time_el(m.created_at, &me.tz))
                        @if let Some(st) = m.send_status { " · " (st.as_str()) }
                    }
                    @if let Some(h) = &m.body_html { div class="body html" { (trusted(h)) } }
                    @else { div class="body text" { (m.body) } }
                    (super::attachment_links(files.get(&m.id.0), "/app"))
                }
            }
        }
        section aria-labelledby="compose-h" class="composer" {
            h2 id="compose-h" { "Reply or note" }
            form method="post" action={ (base) "/reply" } id="composer" {
                (csrf_field(&s.csrf))
                fieldset {
                    legend { "Kind" }
                    label { input type="radio" name="direction" value="outbound" checked[direction == "outbound"]; " Reply to the client" }
                    label { input type="radio" name="direction" value="note" checked[direction == "note"]; " Internal note" }
                }
                label for="body" { "Message" }
                textarea id="body" name="body" rows="8" required
                    hx-post={ (base) "/lint" } hx-trigger="input changed delay:400ms, load"
                    hx-target="#lint" hx-swap="innerHTML" aria-describedby="lint" { (extra.draft) }
                div id="lint" class="lint" aria-live="polite" { (findings_list(&extra.findings)) }
                @if !extra.findings.is_empty() {
                    label { input type="checkbox" name="confirm" value="yes"; " Send anyway (the findings are recorded)" }
                }
                p class="muted" { "It is " (now.local_time.replace('T', " ")) " for the client (" (now.tz) ")." }
                button type="submit" { "Send" }
            }
        }
        section aria-labelledby="promises-h" {
            h2 id="promises-h" { "Promises" }
            @if promises.items.is_empty() { p class="empty" { "No promises on this request." } }
            ul class="promises" {
                @for p in &promises.items {
                    li {
                        strong { (p.kind.as_str()) } " by " (time_el(p.due_at, &me.tz)) " (client: " (when(p.due_at, &ctz)) ") — " (p.status.as_str())
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
                ul {
                    @for t in &time.items {
                        li { (t.minutes) " min · " (time_el(t.started_at, &me.tz)) @if !t.billable { " · not billable" } @if !t.note.is_empty() { " · " (t.note) } }
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
                    details {
                        summary { "Evidence" }
                        pre class="evidence" { (serde_json::to_string_pretty(&sc.evidence).unwrap_or_default()) }
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
                }
            }
        }
    };
    let markup = page(state, s, &me, &r.title, "", body).await?;
    Ok((extra.status.unwrap_or(StatusCode::OK), markup).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyForm {
    csrf: String,
    body: String,
    direction: String,
    confirm: String,
}

async fn reply(
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
    let input = NewMessage {
        direction: Some(direction),
        body: f.body.clone(),
        scheduled_for: None,
        // Only outbound messages are linted, so only they may confirm findings.
        confirm_findings: (direction == Direction::Outbound).then_some(f.confirm == "yes"),
        schedule: None,
    };
    match state.app.add_message(&s.ctx, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/app/requests/{}#thread-h", id.0)).into_response()),
        Err(AppError::Unconfirmed {
            message, findings, ..
        }) => {
            let list = findings.as_array().cloned().unwrap_or_default();
            render_request(
                &state,
                &s,
                id,
                Extra {
                    status: Some(StatusCode::CONFLICT),
                    error: Some(message),
                    draft: f.body,
                    direction: f.direction,
                    findings: list,
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct LintForm {
    csrf: String,
    body: String,
    direction: String,
}

/// The composer's findings as you type (an htmx fragment).
async fn lint(
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
            Ok(html! {
                @if let Some(a) = &out.addressee { p class="muted" { "Greet them as " strong { (a) } "." } }
                (findings_list(&list))
            })
        }
        Err(e @ AppError::Invalid(_)) => Ok(html! { p class="notice error" { (describe(&e).1) } }),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
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

async fn set_status(
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
struct AssignForm {
    csrf: String,
    assignee: String,
}

async fn assign(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<AssignForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let who = match f.assignee.as_str() {
        "me" => s.ctx.principal.member_id(),
        _ => None,
    };
    let result = state
        .app
        .assign_request(&s.ctx, id, AssignInput { assignee_id: who })
        .await
        .map(|_| ());
    action_result(&state, &s, id, result, "assigned").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PromiseForm {
    csrf: String,
    kind: String,
    due: String,
    description: String,
}

async fn make_promise(
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

async fn keep_promise(
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
struct PortalForm {
    csrf: String,
    /// `invite` or `revoke`.
    action: String,
}

/// Invite a contact to the portal or revoke their access, from the client page.
async fn contact_portal(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<PortalForm>,
) -> UiResult<Response> {
    let id = rapport_core::ids::ContactId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    match f.action.as_str() {
        "invite" => state.app.invite_contact(&s.ctx, id).await?,
        "revoke" => {
            let patch = rapport_core::client::ContactPatch {
                portal_enabled: Some(false),
                ..Default::default()
            };
            state.app.update_contact(&s.ctx, id, patch).await?;
        }
        _ => {
            return Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown action",
            ));
        }
    }
    let c = state.app.get_contact(&s.ctx, id).await?;
    Ok(Redirect::to(&format!("/app/clients/{}#contacts-h", c.client_id.0)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TimeForm {
    csrf: String,
    minutes: String,
    note: String,
    billable: String,
}

async fn log_time(
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
struct RatingForm {
    csrf: String,
    score: String,
    comment: String,
}

/// The team's own rating of delivered work, set against the client's (the perception gap).
async fn team_rating(
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
struct RenegotiateForm {
    csrf: String,
    due: String,
    reason: String,
}

async fn renegotiate_promise(
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
struct ScopeForm {
    csrf: String,
    verdict: String,
    reason: String,
}

async fn confirm_scope(
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

// ---------------------------------------------------------------------------------------------
// The quick lane

#[derive(Deserialize, Default)]
#[serde(default)]
struct QuickForm {
    csrf: String,
    client: String,
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

async fn quick_page(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    quick_form(&state, &s, &me, &QuickForm::default(), None, vec![]).await
}

async fn quick(
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
        Ok(QuickRequest {
            client_id: ClientId(client),
            engagement_id: None,
            contact_id: None,
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
        Ok((r, _, _)) => {
            Ok(Redirect::to(&format!("/app/requests/{}?done=logged", r.id.0)).into_response())
        }
        Err(AppError::Unconfirmed {
            message, findings, ..
        }) => {
            let list = findings.as_array().cloned().unwrap_or_default();
            let m = quick_form(&state, &s, &me, &f, Some(message), list).await?;
            Ok((StatusCode::CONFLICT, m).into_response())
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let (status, msg) = describe(&e);
            let m = quick_form(&state, &s, &me, &f, Some(msg), vec![]).await?;
            Ok((status, m).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Clients, the dashboard, search

async fn client_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Markup> {
    let id = ClientId(parse_id(&raw)?);
    let me = me(&state, &s).await?;
    let client = state.app.client_record(&s.ctx, id).await?;
    let now = state.app.client_now(&s.ctx, id, None).await?;
    let contacts = state.app.list_contacts(&s.ctx, Some(id), None, 100).await?;
    let manages_portal = s
        .ctx
        .principal
        .allows(rapport_core::access::Permission::ManagePortalAccess);
    let engagements = state
        .app
        .list_engagements(&s.ctx, Some(id), None, 100)
        .await?;
    let health = state.app.client_health(&s.ctx, id).await.ok();
    let ledger = state
        .app
        .promise_stats(&s.ctx, Some(GroupBy::Client))
        .await?;
    let stats = ledger
        .groups
        .iter()
        .find(|g| g.id == id.0)
        .map(|g| &g.stats);
    let body = html! {
        h1 { (client.name) }
        dl class="facts" {
            dt { "Local time" } dd id="client-time" {
                (now.local_time.replace('T', " ")) " " (now.tz) " (" (now.weekday) ") · "
                @if now.in_office { "in office" } @else { "out of office" }
                @if now.holiday_today { " · holiday today" }
            }
            dt { "Calendar" } dd { (client.calendar.hours.join(", ")) @if !client.calendar.countries.is_empty() { " · holidays of " (client.calendar.countries.join(", ")) } }
            dt { "Promises kept" } dd {
                @match stats.and_then(|s| s.kept_percent) {
                    Some(p) => { (format!("{p:.0}%")) }
                    None => { "none settled yet" }
                }
                @if let Some(st) = stats { " (" (st.kept) " kept, " (st.broken) " broken, " (st.pending) " pending)" }
            }
        }
        section aria-labelledby="health-h" {
            h2 id="health-h" { "Health" }
            @match &health {
                None => p class="empty" { "Not computed yet." },
                Some(h) => {
                    p class="score" { "Score " strong { (h.score) } " / 100" }
                    @if h.reasons.is_empty() { p { "No bad signal." } }
                    ul {
                        @for r in &h.reasons { li { (r.detail) " (−" (r.points) ")" } }
                    }
                    figure class="trend" {
                        (charts::trend(&h.trend.iter().map(|p| (p.date.to_string(), f64::from(p.score))).collect::<Vec<_>>(), "Health over the last 90 days", 100.0))
                        figcaption { "One score a day, from the daily snapshots." }
                    }
                }
            }
        }
        section aria-labelledby="etiquette-h" {
            h2 id="etiquette-h" { "Etiquette" }
            dl class="facts" {
                dt { "Tone" } dd { (format!("{:?}", client.etiquette.tone).to_lowercase()) }
                @if let Some(l) = &client.etiquette.language { dt { "Language" } dd { (l) } }
                dt { "Avoid" } dd { @if client.etiquette.avoid.is_empty() { "—" } (client.etiquette.avoid.join(", ")) }
                dt { "Their words" } dd {
                    @if client.etiquette.glossary.is_empty() { "—" }
                    @for (i, g) in client.etiquette.glossary.iter().enumerate() {
                        @if i > 0 { ", " } q { (g.theirs) } " for " q { (g.ours) }
                    }
                }
            }
            h3 id="contacts-h" { "Contacts" }
            ul {
                @for c in &contacts.items {
                    li {
                        (c.name) " <" (c.email) ">"
                        @if let Some(p) = &c.etiquette.preferred_name { " · greet as " strong { (p) } }
                        @if !c.etiquette.avoid.is_empty() { " · never " (c.etiquette.avoid.join(", ")) }
                        " · portal " @if c.portal_enabled { "on" } @else { "off" }
                        // The keys to the portal are a manager's (the API refuses others too).
                        @if manages_portal {
                            form method="post" action={ "/app/contacts/" (c.id.0) "/portal" } class="inline" {
                                (csrf_field(&s.csrf))
                                @if c.portal_enabled {
                                    input type="hidden" name="action" value="revoke";
                                    button type="submit" { "Revoke portal access" }
                                } @else {
                                    input type="hidden" name="action" value="invite";
                                    button type="submit" { "Invite to the portal" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="eng-h" {
            h2 id="eng-h" { "Engagements" }
            @if engagements.items.is_empty() { p class="empty" { "None." } }
            ul {
                @for e in &engagements.items {
                    li {
                        a href={ "/app/engagements/" (e.id.0) } { strong { (e.name) } } " · " (format!("{:?}", e.status).to_lowercase())
                        @if let Some(b) = e.budget_minutes { " · budget " (b / 60) " h" }
                        p class="muted" { (e.brief.text) }
                    }
                }
            }
        }
        p { a href={ "/app?view=open" } { "Open requests" } }
    };
    page(&state, &s, &me, &client.name, "", body).await
}

async fn engagement_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Markup> {
    let id = rapport_core::ids::EngagementId(parse_id(&raw)?);
    let me = me(&state, &s).await?;
    let (e, burn) = state.app.engagement_budget(&s.ctx, id).await?;
    let client = state.app.client_record(&s.ctx, e.client_id).await?;
    let cos = state
        .app
        .list_change_orders(
            &s.ctx,
            rapport_app::change_orders::ChangeOrderFilter {
                engagement: Some(id),
                limit: Some(100),
                ..Default::default()
            },
        )
        .await?;
    let hours = |m: i64| m as f64 / 60.0;
    let mut groups = vec![
        charts::Group {
            label: "burnt".into(),
            values: vec![hours(burn.burn_minutes)],
        },
        charts::Group {
            label: "forecast".into(),
            values: vec![hours(burn.forecast_minutes)],
        },
    ];
    if let Some(b) = burn.budget_minutes {
        groups.push(charts::Group {
            label: "budget".into(),
            values: vec![hours(b)],
        });
    }
    let body = html! {
        p class="crumbs" { a href={ "/app/clients/" (client.id.0) } { (client.name) } " › engagement" }
        h1 { (e.name) }
        section aria-labelledby="brief-h" {
            h2 id="brief-h" { "Brief" }
            p { (e.brief.text) }
            ul {
                @for item in &e.brief.items {
                    li { strong { (format!("{:?}", item.kind).to_lowercase()) } ": " (item.text) }
                }
            }
        }
        section aria-labelledby="budget-h" {
            h2 id="budget-h" { "Budget" }
            p {
                (format!("{:.1}", hours(burn.burn_minutes))) " h of billable base work"
                @if let Some(b) = burn.budget_minutes { " of " (b / 60) " h" }
                @if let Some(p) = burn.used_minutes_percent { " (" (format!("{p:.1}")) "%)" }
                @if burn.non_billable_minutes > 0 {
                    "; " (format!("{:.1}", hours(burn.non_billable_minutes))) " h non-billable, not counted"
                }
                @if burn.change_order_minutes > 0 {
                    "; " (format!("{:.1}", hours(burn.change_order_minutes))) " h on approved change orders, billed on them"
                }
                "; forecast " (format!("{:.1}", hours(burn.forecast_minutes))) " h with "
                (burn.open_requests) " open requests"
                @if burn.unestimated_open_requests > 0 { " (" (burn.unestimated_open_requests) " without an estimate)" }
                "."
            }
            figure class="trend" {
                (charts::bars("Budget burn, hours", &["hours"], &groups, "hours"))
                figcaption { "Billable base hours burnt, burnt plus remaining estimates, and the budget." }
            }
        }
        section aria-labelledby="co-h" {
            h2 id="co-h" { "Change orders" }
            @if cos.items.is_empty() { p class="empty" { "None." } }
            ul {
                @for co in &cos.items {
                    li { strong { (co.title) } " · " (co.currency.format(co.price_minor)) " · " (co.status.as_str())
                        @if let Some(t) = co.decided_at { " on " (time_el(t, &me.tz)) } }
                }
            }
        }
    };
    page(&state, &s, &me, &e.name, "", body).await
}

async fn dashboard(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let ledger = state
        .app
        .promise_stats(&s.ctx, Some(GroupBy::Member))
        .await?;
    let team = state.app.team_capacity(&s.ctx, 1, None).await?;
    let promise_bars: Vec<charts::Group> = ledger
        .groups
        .iter()
        .map(|g| charts::Group {
            label: g.name.clone(),
            values: vec![g.stats.kept as f64, g.stats.broken as f64],
        })
        .collect();
    let load_bars: Vec<charts::Group> = team
        .iter()
        .map(|m| {
            let w = m.weeks.first();
            charts::Group {
                label: m.name.clone(),
                values: vec![
                    w.map(|w| w.committed_minutes).unwrap_or(0) as f64 / 60.0,
                    w.map(|w| w.capacity_minutes)
                        .unwrap_or(m.weekly_capacity_minutes) as f64
                        / 60.0,
                ],
            }
        })
        .collect();
    let mut clients: Vec<(ClientId, String)> =
        client_names(&state, &s).await?.into_iter().collect();
    clients.sort_by_key(|c| c.0);
    let mut gap_bars = Vec::new();
    for (id, name) in clients {
        let g = state
            .app
            .perception_gap(&s.ctx, rapport_app::ratings::GapSubject::Client(id), None)
            .await?;
        if g.current.pairs > 0 {
            gap_bars.push(charts::Group {
                label: name,
                values: vec![
                    g.current.client_average.unwrap_or(0.0),
                    g.current.team_average.unwrap_or(0.0),
                ],
            });
        }
    }
    // Out-of-scope work over the last twelve months, per engagement: billed through approved
    // change orders, or absorbed (started anyway by a manager's override).
    let scope = state
        .app
        .scope_report(&s.ctx, rapport_app::scope::ReportQuery::default())
        .await?;
    let scope_bars: Vec<charts::Group> = scope
        .totals
        .iter()
        .filter(|t| t.billed_minutes + t.absorbed_minutes + t.pending_minutes > 0)
        .map(|t| charts::Group {
            label: t.engagement_name.clone(),
            values: vec![
                t.billed_minutes as f64 / 60.0,
                t.absorbed_minutes as f64 / 60.0,
                t.pending_minutes as f64 / 60.0,
            ],
        })
        .collect();
    let promise_weeks: Vec<charts::Group> = state
        .app
        .promises_by_week(&s.ctx, 8)
        .await?
        .into_iter()
        .map(|w| charts::Group {
            label: w.week.strftime("%b %d").to_string(),
            values: vec![w.kept as f64, w.broken as f64],
        })
        .collect();
    let breach_bars: Vec<charts::Group> = state
        .app
        .sla_breaches_by_week(&s.ctx, 8)
        .await?
        .into_iter()
        .map(|(week, n)| charts::Group {
            label: week.strftime("%b %d").to_string(),
            values: vec![n as f64],
        })
        .collect();
    let body = html! {
        h1 { "Dashboard" }
        p {
            "Promises overall: " (ledger.overall.kept) " kept, " (ledger.overall.broken) " broken, "
            (ledger.overall.pending) " pending"
            @if let Some(p) = ledger.overall.kept_percent { " — " strong { (format!("{p:.0}% kept")) } }
            "."
        }
        div class="charts" {
            figure {
                (charts::bars("Promises kept and broken, per member", &["kept", "broken"], &promise_bars, "promises"))
                figcaption { "Promises kept (first bar) and broken (second) by the member who made them." }
            }
            figure {
                (charts::bars("Promises kept and broken, per week", &["kept", "broken"], &promise_weeks, "promises"))
                figcaption { "Promises kept and broken each week (weeks from Monday, UTC), the last eight weeks, by when they were kept or broken." }
            }
            figure {
                (charts::bars("Workload and capacity this week, hours", &["committed", "capacity"], &load_bars, "hours"))
                figcaption { "Hours of open work committed this week against each member's capacity." }
            }
            figure {
                (charts::bars("Ratings: the client's and the team's own, per client", &["client", "team"], &gap_bars, "of 5"))
                figcaption { "Average ratings of the same delivered work (1-5): where the team rates itself higher, the perception gap." }
            }
            figure {
                (charts::bars("Out-of-scope hours, last 12 months", &["billed", "absorbed", "undecided"], &scope_bars, "hours"))
                figcaption { "Hours of out-of-scope work per engagement: billed through approved change orders, absorbed as goodwill, or not yet decided." }
            }
            figure {
                (charts::bars("SLA breaches per week", &["breaches"], &breach_bars, "breaches"))
                figcaption { "SLA targets breached each week (weeks from Monday, UTC), the last eight weeks." }
            }
        }
    };
    page(&state, &s, &me, "Dashboard", "dashboard", body).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchQ {
    q: String,
}

async fn search(
    State(state): State<AppState>,
    Agent(s): Agent,
    headers: HeaderMap,
    Query(q): Query<SearchQ>,
) -> UiResult<Markup> {
    let text = q.q.trim().to_string();
    let results = if text.is_empty() {
        None
    } else {
        match state
            .app
            .search(
                &s.ctx,
                SearchInput {
                    q: text.clone(),
                    limit: Some(10),
                    ..Default::default()
                },
            )
            .await
        {
            Ok(r) => Some(Ok(r)),
            Err(e @ AppError::Invalid(_)) => Some(Err(describe(&e).1)),
            Err(e) => return Err(e.into()),
        }
    };
    let list = html! {
        @match &results {
            None => {},
            Some(Err(m)) => p class="notice error" { (m) },
            Some(Ok(r)) if r.items.is_empty() => p class="empty" { "No request matches." },
            Some(Ok(r)) => ul class="hits" {
                @for h in &r.items {
                    li {
                        a href={ "/app/requests/" (h.request_id.0) } { (h.reference) " " (h.title) }
                        " " span class={ "status s-" (h.status.as_str()) } { (status_label(h.status)) }
                        div class="snippet" { (trusted(&h.snippet)) }
                    }
                }
            },
        }
    };
    if is_htmx(&headers) {
        return Ok(list);
    }
    let me = me(&state, &s).await?;
    let body = html! {
        h1 { "Search" }
        form method="get" action="/app/search" role="search" {
            label for="q2" { "Search requests " }
            input id="q2" type="search" name="q" value=(text);
            button type="submit" { "Search" }
        }
        (list)
    };
    page(&state, &s, &me, "Search", "", body).await
}
