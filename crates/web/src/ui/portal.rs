//! The client portal: a contact's own requests (every date in their client's time zone), new
//! requests, the thread, replies and ratings, and what they were promised.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use rapport_app::promises::PromiseFilter;
use rapport_app::requests::RequestFilter;
use rapport_app::{AppError, AppResult};
use rapport_core::access::ContactRole;
use rapport_core::ids::{ClientId, ContactId, RequestId};
use rapport_core::message::{Direction, NewMessage};
use rapport_core::promise::{PromiseKind, PromiseStatus};
use rapport_core::request::{Channel, Kind, NewRequest, Status};
use serde::Deserialize;

use super::app::{
    CsrfOnly, LoginForm, NextQuery, login_form, parse_id, sign_out, signed_in, with_login_cookie,
};
use super::form::UiForm;
use super::{
    SameOrigin, Session, Side, UiError, UiResult, Visitor, bare_page, csrf_field, describe, due_el,
    login_csrf_ok, random_token, relative, safe_next, time_el, trusted, urlencode,
};
use crate::extract::SESSION_COOKIE;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(home))
        .route("/portal/", get(|| async { Redirect::to("/portal") }))
        .route("/portal/login", get(login_page).post(login))
        .route("/portal/link", get(link_page).post(link_consume))
        .route("/portal/link/request", post(link_request))
        .route("/portal/invite", get(invite_page).post(invite_accept))
        .route("/portal/logout", post(logout))
        .route("/portal/requests/new", get(new_page))
        .route("/portal/requests", post(create))
        .route("/portal/requests/{id}", get(request_page))
        .route("/portal/requests/{id}/reply", post(reply))
        .route("/portal/requests/{id}/rate", post(rate))
        .route("/portal/promises", get(promises))
        .route("/portal/change-orders", get(change_orders))
        .route("/portal/change-orders/{id}/decide", post(decide))
        .route("/portal/people", get(people).post(add_person))
        .route("/portal/people/{id}", post(change_person))
        .route(
            "/portal/attachments/{id}",
            get(
                |State(state): State<AppState>, Visitor(s): Visitor, Path(raw): Path<String>| async move {
                    super::download(&state, &s, &raw).await
                },
            ),
        )
}

/// The contact, their role, their client's name and zone.
struct Who {
    id: ContactId,
    name: String,
    role: ContactRole,
    client: String,
    client_id: ClientId,
    tz: String,
}

impl Who {
    fn may_approve(&self) -> bool {
        self.role.at_least(ContactRole::Approver)
    }

    fn is_client_admin(&self) -> bool {
        self.role == ContactRole::ClientAdmin
    }
}

async fn who(state: &AppState, s: &Session) -> UiResult<Who> {
    let rapport_core::access::Principal::Contact {
        contact_id,
        client_id,
        role,
        ..
    } = s.ctx.principal
    else {
        return Err(UiError::not_found());
    };
    let c = state.app.get_contact(&s.ctx, contact_id).await?;
    let client = state.app.get_client(&s.ctx, client_id).await?;
    Ok(Who {
        id: contact_id,
        name: c.name,
        role,
        client: client.name,
        client_id,
        tz: client.calendar.tz,
    })
}

fn status_words(s: Status) -> &'static str {
    match s {
        Status::New => "received",
        Status::Triaged => "being planned",
        Status::InProgress => "in progress",
        Status::WaitingOnClient => "waiting for you",
        Status::Delivered => "delivered",
        Status::Closed => "closed",
    }
}

fn page(s: &Session, who: &Who, title: &str, current: &str, body: Markup) -> Markup {
    bare_page(
        title,
        html! {
            header class="top portal" {
                a class="brand" href="/portal" { (who.client) " · Rapport" }
                nav aria-label="Portal" {
                    a href="/portal" aria-current=[(current == "home").then_some("page")] { "Your requests" }
                    " "
                    a href="/portal/requests/new" aria-current=[(current == "new").then_some("page")] { "New request" }
                    " "
                    a href="/portal/promises" aria-current=[(current == "promises").then_some("page")] { "What we promised" }
                    " "
                    a href="/portal/change-orders" aria-current=[(current == "change-orders").then_some("page")] { "Change orders" }
                    @if who.is_client_admin() {
                        " "
                        a href="/portal/people" aria-current=[(current == "people").then_some("page")] { "People" }
                    }
                }
                span class="who" { (who.name) " (" (who.role.label()) ") · times in " (who.tz) }
                form method="post" action="/portal/logout" class="inline" {
                    (csrf_field(&s.csrf))
                    button type="submit" class="link" { "Sign out" }
                }
            }
            main id="main" tabindex="-1" class="portal-main" { (body) }
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Signing in: password, or an emailed one-time link

fn link_form(token: &str) -> Markup {
    html! {
        section aria-labelledby="link-h" class="stack" {
            h2 id="link-h" { "No password? Get a sign-in link by email" }
            form method="post" action="/portal/link/request" class="stack" {
                input type="hidden" name="csrf" value=(token);
                label for="link-email" { "Email" }
                input id="link-email" name="email" type="email" required autocomplete="email";
                button type="submit" { "Email me a link" }
            }
        }
    }
}

async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let token = random_token();
    let next = safe_next(q.next.as_deref(), Side::Portal);
    let body = login_form(Side::Portal, &token, &next, None, "", link_form(&token));
    with_login_cookie(&state, &token, StatusCode::OK, body)
}

async fn login(
    State(state): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    ci: axum::extract::ConnectInfo<std::net::SocketAddr>,
    UiForm(f): UiForm<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next), Side::Portal);
    let retry = |msg: &str, status: StatusCode| {
        let token = random_token();
        let body = login_form(
            Side::Portal,
            &token,
            &next,
            Some(msg),
            &f.email,
            link_form(&token),
        );
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
        totp: None,
    };
    match state
        .app
        .sign_in_contact(creds, crate::extract::client_ip_from(&ci), previous)
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
struct LinkRequestForm {
    csrf: String,
    email: String,
    org: String,
}

async fn link_request(
    State(state): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    ci: axum::extract::ConnectInfo<std::net::SocketAddr>,
    UiForm(f): UiForm<LinkRequestForm>,
) -> Response {
    let token = random_token();
    let answer = |msg: &str, status: StatusCode, error: bool| {
        let body = bare_page(
            "Sign-in link",
            html! {
                main id="main" class="narrow" {
                    h1 { "Sign-in link" }
                    p class={ "notice " @if error { "error" } @else { "ok" } } role=(if error { "alert" } else { "status" }) { (msg) }
                    p { a href="/portal/login" { "Back to sign-in" } }
                }
            },
        );
        with_login_cookie(&state, &token, status, body)
    };
    if !login_csrf_ok(&headers, &f.csrf) {
        return answer(
            "The form expired (stale CSRF token). Please try again.",
            StatusCode::FORBIDDEN,
            true,
        );
    }
    match state
        .app
        .request_portal_link(
            Some(f.org.trim().to_string()).filter(|o| !o.is_empty()),
            &f.email,
            crate::extract::client_ip_from(&ci),
        )
        .await
    {
        // The same answer whether or not the address is known.
        Ok(()) => answer(
            "If that address belongs to a contact, a sign-in link is on its way. It works once, within the hour.",
            StatusCode::OK,
            false,
        ),
        Err(e) => {
            let (status, msg) = describe(&e);
            answer(&msg, status, true)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenQuery {
    token: String,
}

/// The emailed link opens this page; signing in takes a click (a POST), so that mail scanners
/// that follow links do not use it up.
async fn link_page(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    let token = random_token();
    let body = bare_page(
        "Sign in with your link",
        html! {
            main id="main" class="narrow" {
                h1 { "Sign in with your link" }
                form method="post" action="/portal/link" class="stack" {
                    input type="hidden" name="csrf" value=(token);
                    input type="hidden" name="token" value=(q.token);
                    button type="submit" { "Sign in to the portal" }
                }
            }
        },
    );
    with_login_cookie(&state, &token, StatusCode::OK, body)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConsumeForm {
    csrf: String,
    token: String,
}

async fn link_consume(
    State(state): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    ci: axum::extract::ConnectInfo<std::net::SocketAddr>,
    UiForm(f): UiForm<ConsumeForm>,
) -> Response {
    if !login_csrf_ok(&headers, &f.csrf) {
        return UiError::new(
            StatusCode::FORBIDDEN,
            "The form expired (stale CSRF token). Open the link from your email again.",
        )
        .into_response();
    }
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    match state
        .app
        .use_portal_link(&f.token, crate::extract::client_ip_from(&ci), previous)
        .await
    {
        Ok(s) => signed_in(&state, s, "/portal"),
        Err(e) => {
            let (status, msg) = describe(&e);
            UiError::new(
                status,
                format!("{msg} The link may have been used or expired; ask for a new one."),
            )
            .into_response()
        }
    }
}

fn invite_form(csrf: &str, invite: &str, error: Option<&str>) -> Markup {
    html! {
        main id="main" class="narrow" {
            h1 { "Choose your portal password" }
            @if let Some(e) = error {
                p class="notice error" role="alert" { (e) }
            }
            form method="post" action="/portal/invite" class="stack" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="token" value=(invite);
                label for="invite-password" { "Password (at least 10 characters)" }
                input id="invite-password" name="password" type="password" required minlength="10"
                    autocomplete="new-password";
                button type="submit" { "Set password and sign in" }
            }
        }
    }
}

/// The invitation mail opens this page: the contact chooses their own password here.
async fn invite_page(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    let token = random_token();
    let body = bare_page(
        "Accept your invitation",
        invite_form(&token, &q.token, None),
    );
    with_login_cookie(&state, &token, StatusCode::OK, body)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    csrf: String,
    token: String,
    password: String,
}

async fn invite_accept(
    State(state): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    ci: axum::extract::ConnectInfo<std::net::SocketAddr>,
    UiForm(f): UiForm<InviteForm>,
) -> Response {
    let retry = |msg: &str, status: StatusCode| {
        let csrf = random_token();
        let body = bare_page(
            "Accept your invitation",
            invite_form(&csrf, &f.token, Some(msg)),
        );
        with_login_cookie(&state, &csrf, status, body)
    };
    if !login_csrf_ok(&headers, &f.csrf) {
        return retry(
            "The form expired (stale CSRF token). Please try again.",
            StatusCode::FORBIDDEN,
        );
    }
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    match state
        .app
        .accept_portal_invite(
            &f.token,
            &f.password,
            crate::extract::client_ip_from(&ci),
            previous,
        )
        .await
    {
        Ok(s) => signed_in(&state, s, "/portal"),
        Err(e) => {
            let (status, msg) = describe(&e);
            retry(&msg, status)
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    headers: HeaderMap,
    UiForm(f): UiForm<CsrfOnly>,
) -> Response {
    if let Err(e) = s.check(&f.csrf) {
        return e.into_response();
    }
    sign_out(&state, &s, &headers, "/portal/login").await
}

// ---------------------------------------------------------------------------------------------
// Requests

#[derive(Deserialize, Default)]
#[serde(default)]
struct HomeQuery {
    cursor: Option<String>,
}

/// What waits on the client, read for the home page: change orders to decide, questions to
/// answer, deliveries to rate, and what we promised next.
struct Waiting {
    change_orders: Vec<rapport_core::change_order::ChangeOrder>,
    questions: Vec<rapport_core::request::Request>,
    to_rate: Vec<rapport_core::request::Request>,
    promises: Vec<rapport_core::promise::Promise>,
}

/// How many deliveries home looks back over for ones still to rate.
const RECENT_DELIVERIES: usize = 10;

async fn waiting(state: &AppState, s: &Session) -> UiResult<Waiting> {
    let change_orders = state
        .app
        .list_change_orders(
            &s.ctx,
            rapport_app::change_orders::ChangeOrderFilter {
                status: Some(rapport_core::change_order::ChangeOrderStatus::Sent),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await?
        .items;
    let by_status = |status: Status, limit: usize| RequestFilter {
        statuses: vec![status],
        limit: Some(limit),
        ..Default::default()
    };
    let questions = state
        .app
        .list_requests(&s.ctx, by_status(Status::WaitingOnClient, 50))
        .await?
        .items;
    let delivered = state
        .app
        .list_requests(&s.ctx, by_status(Status::Delivered, RECENT_DELIVERIES))
        .await?
        .items;
    let unrated = state
        .app
        .unrated_by_me(&s.ctx, delivered.iter().map(|r| r.id).collect())
        .await?;
    let to_rate = delivered
        .into_iter()
        .filter(|r| unrated.contains(&r.id))
        .collect();
    let mut promises = state
        .app
        .list_promises(
            &s.ctx,
            PromiseFilter {
                statuses: vec![PromiseStatus::Open, PromiseStatus::Renegotiated],
                limit: Some(rapport_app::MAX_PAGE),
                ..Default::default()
            },
        )
        .await?
        .items;
    promises.sort_by_key(|p| p.due_at);
    Ok(Waiting {
        change_orders,
        questions,
        to_rate,
        promises,
    })
}

/// The date a request is promised for: its earliest pending delivery promise, else any pending
/// promise, else the due date set on the request.
fn promised_for(
    r: &rapport_core::request::Request,
    promises: &[rapport_core::promise::Promise],
) -> Option<jiff::Timestamp> {
    let mine = promises.iter().filter(|p| p.request_id == Some(r.id));
    let delivery = mine
        .clone()
        .filter(|p| p.kind == PromiseKind::Delivery)
        .map(|p| p.due_at)
        .min();
    delivery
        .or_else(|| mine.map(|p| p.due_at).min())
        .or(r.due_at)
}

async fn home(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    Query(q): Query<HomeQuery>,
) -> UiResult<Markup> {
    let who = who(&state, &s).await?;
    let now = state.app.now();
    let first_page = q.cursor.as_deref().is_none_or(str::is_empty);
    let w = waiting(&state, &s).await?;
    let list = state
        .app
        .list_requests(
            &s.ctx,
            RequestFilter {
                cursor: q.cursor.filter(|c| !c.is_empty()),
                limit: Some(25),
                ..Default::default()
            },
        )
        .await?;
    let nothing_waits =
        w.change_orders.is_empty() && w.questions.is_empty() && w.to_rate.is_empty();
    let body = html! {
        @if first_page {
            section aria-labelledby="waits-h" id="waits" {
                h1 id="waits-h" { "Waiting on you" }
                @if nothing_waits { p class="empty" { "Nothing waits on you. We will write when something does." } }
                @if !w.change_orders.is_empty() {
                    h2 id="waits-co" {
                        @if who.may_approve() { "Change orders to decide" } @else { "Change orders waiting for your approvers" }
                    }
                    ul class="waits" {
                        @for co in &w.change_orders {
                            li {
                                a href={ "/portal/change-orders#co-" (co.id.0) } { (co.title) }
                                " — " strong { (co.currency.format(co.price_minor)) }
                                @if let Some(t) = co.sent_at { " · sent " (relative(t, now)) }
                            }
                        }
                    }
                }
                @if !w.questions.is_empty() {
                    h2 id="waits-q" { "Questions waiting for your answer" }
                    ul class="waits" {
                        @for r in &w.questions {
                            li {
                                a href={ "/portal/requests/" (r.id.0) "#reply-h" } { (r.title) }
                                @if let Some(t) = r.last_outbound_at { " · we asked " (relative(t, now)) }
                            }
                        }
                    }
                }
                @if !w.to_rate.is_empty() {
                    h2 id="waits-rate" { "Deliveries to rate" }
                    ul class="waits" {
                        @for r in &w.to_rate {
                            li {
                                a href={ "/portal/requests/" (r.id.0) "#rate-h" } { (r.title) }
                                @if let Some(t) = r.delivered_at { " · delivered " (relative(t, now)) }
                            }
                        }
                    }
                }
                @if !w.promises.is_empty() {
                    h2 id="waits-p" { "What we promised next" }
                    ul class="waits promises" {
                        @for p in w.promises.iter().take(5) {
                            li {
                                (due_el(p.due_at, now, &who.tz)) " — " (p.kind.as_str())
                                @if !p.description.is_empty() { ": " (p.description) }
                                @if let Some(r) = p.request_id { " · " a href={ "/portal/requests/" (r.0) } { "the request" } }
                            }
                        }
                    }
                    p { a href="/portal/promises" { "Everything we promised" } }
                }
            }
        }
        h2 id="requests-h" { "Your requests" }
        p { a class="button" href="/portal/requests/new" { "Ask for something new" } }
        @if list.items.is_empty() { p class="empty" { "You have no requests yet." } }
        @else {
            div class="table-wrap" {
                table class="queue" {
                    caption class="sr-only" { "Your requests" }
                    thead { tr { th scope="col" { "Ref" } th scope="col" { "Request" } th scope="col" { "Status" } th scope="col" { "Opened" } th scope="col" { "Promised for" } } }
                    tbody {
                        @for r in &list.items {
                            tr {
                                td { (r.reference) }
                                td { a href={ "/portal/requests/" (r.id.0) } { (r.title) } }
                                td { span class={ "status s-" (r.status.as_str()) } { (status_words(r.status)) } }
                                td { (time_el(r.created_at, &who.tz)) }
                                td class="due" {
                                    @match promised_for(r, &w.promises) {
                                        Some(d) if r.status.is_open() => (due_el(d, now, &who.tz)),
                                        Some(d) => (time_el(d, &who.tz)),
                                        None => "—",
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(c) = &list.next_cursor {
            nav aria-label="Pages" class="pager" { a rel="next" href={ "/portal?cursor=" (urlencode(c)) } { "Older requests →" } }
        }
    };
    let title = if first_page {
        "Waiting on you"
    } else {
        "Your requests"
    };
    Ok(page(&s, &who, title, "home", body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewForm {
    csrf: String,
    title: String,
    body: String,
    kind: String,
}

fn new_form(s: &Session, f: &NewForm, error: Option<&str>) -> Markup {
    html! {
        h1 { "Ask for something new" }
        @if let Some(e) = error { p class="notice error" role="alert" { (e) } }
        form method="post" action="/portal/requests" class="stack" id="new-request" enctype="multipart/form-data" {
            (csrf_field(&s.csrf))
            label for="title" { "In a line, what do you need?" }
            input id="title" name="title" required maxlength="300" value=(f.title);
            label for="kind" { "What kind of request is it?" }
            select id="kind" name="kind" {
                @for (k, l) in [("question", "A question"), ("feature", "Something new"), ("bug", "Something is wrong"), ("data", "Data"), ("complaint", "A complaint"), ("other", "Other")] {
                    option value=(k) selected[f.kind == k] { (l) }
                }
            }
            label for="body" { "Details" }
            textarea id="body" name="body" rows="8" { (f.body) }
            label for="files" { "Files (optional: up to 5; pdf, images, txt, csv, xlsx, docx, zip; 4 MiB each)" }
            input id="files" name="files" type="file" multiple accept=".pdf,.png,.jpg,.jpeg,.gif,.txt,.csv,.xlsx,.docx,.zip,.md,.log";
            button type="submit" { "Send request" }
        }
    }
}

async fn new_page(State(state): State<AppState>, Visitor(s): Visitor) -> UiResult<Markup> {
    let who = who(&state, &s).await?;
    Ok(page(
        &s,
        &who,
        "New request",
        "new",
        new_form(&s, &NewForm::default(), None),
    ))
}

/// The new-request form: multipart (with files) from a browser, or urlencoded.
async fn read_new_form(
    state: &AppState,
    req: axum::extract::Request,
) -> UiResult<(NewForm, Vec<rapport_app::uploads::Upload>)> {
    let (pairs, files) = super::form::with_files(req, state).await?;
    let mut f = NewForm::default();
    for (name, value) in pairs {
        match name.as_str() {
            "csrf" => f.csrf = value,
            "title" => f.title = value,
            "body" => f.body = value,
            "kind" => f.kind = value,
            _ => {}
        }
    }
    Ok((f, files))
}

async fn create(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    req: axum::extract::Request,
) -> UiResult<Response> {
    let (f, files) = read_new_form(&state, req).await?;
    s.check(&f.csrf)?;
    let who = who(&state, &s).await?;
    let kind: Option<Kind> = match f.kind.as_str() {
        "" => None,
        k => match k.parse() {
            Ok(k) => Some(k),
            Err(_) => {
                let m = page(
                    &s,
                    &who,
                    "New request",
                    "new",
                    new_form(&s, &f, Some("Choose what kind of request it is.")),
                );
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, m).into_response());
            }
        },
    };
    let input = NewRequest {
        client_id: None,
        engagement_id: None,
        contact_id: None,
        title: f.title.clone(),
        body: Some(f.body.clone()),
        kind,
        priority: None,
        channel: None,
        tags: None,
        estimate_minutes: None,
        due_at: None,
        assignee_id: None,
    };
    match state
        .app
        .create_request_with_files(&s.ctx, input, Channel::Portal, files)
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/portal/requests/{}", r.id.0)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let (status, msg) = describe(&e);
            let m = page(&s, &who, "New request", "new", new_form(&s, &f, Some(&msg)));
            Ok((status, m).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn request_page(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    render_request(&state, &s, id, StatusCode::OK, None, "").await
}

async fn render_request(
    state: &AppState,
    s: &Session,
    id: RequestId,
    status: StatusCode,
    error: Option<&str>,
    draft: &str,
) -> UiResult<Response> {
    let who = who(state, s).await?;
    let r = state.app.get_request(&s.ctx, id).await?;
    let messages = state.app.list_messages(&s.ctx, id, None, 200).await?;
    let files = super::attachments_of(state, s, &messages.items).await?;
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
    let rated = state
        .app
        .request_ratings(&s.ctx, id)
        .await
        .unwrap_or_default();
    let base = format!("/portal/requests/{}", id.0);
    let body = html! {
        p class="crumbs" { a href="/portal" { "Your requests" } " › " (r.reference) }
        h1 { (r.title) }
        @if let Some(e) = error { p class="notice error" role="alert" { (e) } }
        dl class="facts" {
            dt { "Status" } dd { span class={ "status s-" (r.status.as_str()) } { (status_words(r.status)) } }
            dt { "Opened" } dd { (time_el(r.created_at, &who.tz)) }
            @if let Some(d) = r.due_at { dt { "Due" } dd { (time_el(d, &who.tz)) } }
            @if let Some(d) = r.delivered_at { dt { "Delivered" } dd { (time_el(d, &who.tz)) } }
        }
        @if !promises.items.is_empty() {
            section aria-labelledby="p-h" {
                h2 id="p-h" { "What we promised" }
                ul { @for p in &promises.items { li { (p.kind.as_str()) " by " (time_el(p.due_at, &who.tz)) " — " (p.status.as_str()) } } }
            }
        }
        section aria-labelledby="thread-h" {
            h2 id="thread-h" { "Conversation" }
            article class="msg inbound" {
                header { strong { "You asked" } " · " (time_el(r.created_at, &who.tz)) }
                div class="body text" { (r.body) }
            }
            @for m in &messages.items {
                @if m.direction != Direction::Note {
                    article class={ "msg " (m.direction.as_str()) } {
                        header {
                            strong { @if m.direction == Direction::Inbound { "You" } @else { "Our team" } }
                            " · " (time_el(m.created_at, &who.tz))
                        }
                        @if let Some(h) = &m.body_html { div class="body html" { (trusted(h)) } }
                        @else { div class="body text" { (m.body) } }
                        (super::attachment_links(files.get(&m.id.0), "/portal"))
                    }
                }
            }
        }
        section aria-labelledby="reply-h" {
            h2 id="reply-h" { "Write to us" }
            form method="post" action={ (base) "/reply" } class="stack" {
                (csrf_field(&s.csrf))
                label for="body" { "Message" }
                textarea id="body" name="body" rows="5" required { (draft) }
                button type="submit" { "Send" }
            }
        }
        @if matches!(r.status, Status::Delivered | Status::Closed) {
            section aria-labelledby="rate-h" {
                h2 id="rate-h" { "How did we do?" }
                @if let Some(x) = rated.iter().find(|x| x.contact_id.is_some()) {
                    p { "You rated this " strong { (x.score) " / 5" } "." }
                } @else {
                    form method="post" action={ (base) "/rate" } class="stack" {
                        (csrf_field(&s.csrf))
                        fieldset class="stars" {
                            legend { "Your rating" }
                            @for n in 1..=5 {
                                label { input type="radio" name="score" value=(n) required; " " (n) }
                            }
                        }
                        label for="comment" { "Anything to add? (optional)" }
                        textarea id="comment" name="comment" rows="3" {}
                        button type="submit" { "Rate" }
                    }
                }
            }
        }
    };
    Ok((status, page(s, &who, &r.title, "", body)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyForm {
    csrf: String,
    body: String,
}

async fn reply(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    Path(raw): Path<String>,
    UiForm(f): UiForm<ReplyForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let input = NewMessage {
        direction: None,
        body: f.body.clone(),
        scheduled_for: None,
        confirm_findings: None,
        schedule: None,
        // The client's own thread: a message of ours arriving while they write is no collision
        // to hold their words over (the API offers the check to portal clients that want it).
        last_seen_message_id: None,
    };
    match state.app.add_message(&s.ctx, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/portal/requests/{}#thread-h", id.0)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let (status, msg) = describe(&e);
            render_request(&state, &s, id, status, Some(&msg), &f.body).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RateForm {
    csrf: String,
    score: String,
    comment: String,
}

async fn rate(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    Path(raw): Path<String>,
    UiForm(f): UiForm<RateForm>,
) -> UiResult<Response> {
    let id = RequestId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let result: AppResult<()> = match f.score.trim().parse::<i64>() {
        Ok(score) => state
            .app
            .rate_request(&s.ctx, id, score, &f.comment)
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::invalid("score", "choose 1 to 5")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/portal/requests/{}#rate-h", id.0)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let (status, msg) = describe(&e);
            render_request(&state, &s, id, status, Some(&msg), "").await
        }
        Err(e) => Err(e.into()),
    }
}

async fn promises(State(state): State<AppState>, Visitor(s): Visitor) -> UiResult<Markup> {
    let who = who(&state, &s).await?;
    let list = state
        .app
        .list_promises(
            &s.ctx,
            PromiseFilter {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await?;
    let body = html! {
        h1 { "What we promised, and when" }
        @if list.items.is_empty() { p class="empty" { "No promises yet." } }
        ul class="promises" {
            @for p in &list.items {
                li {
                    strong { (p.kind.as_str()) } " by " (time_el(p.due_at, &who.tz)) " — " (p.status.as_str())
                    @if !p.description.is_empty() { " · " (p.description) }
                    @if let Some(r) = p.request_id { " · " a href={ "/portal/requests/" (r.0) } { "the request" } }
                }
            }
        }
    };
    Ok(page(&s, &who, "What we promised", "promises", body))
}

/// One change order, with approve/decline while it awaits the client.
fn change_order_card(
    s: &Session,
    who: &Who,
    co: &rapport_core::change_order::ChangeOrder,
    approvers: &[String],
) -> Markup {
    html! {
        article class="msg co" aria-labelledby={ "co-" (co.id.0) } {
            h3 id={ "co-" (co.id.0) } { (co.title) }
            p { (co.description) }
            dl class="facts" {
                dt { "Estimate" } dd { (co.estimate_minutes / 60) " h " (co.estimate_minutes % 60) " min" }
                dt { "Price" } dd { (co.currency.format(co.price_minor)) }
                dt { "Status" } dd { (co.status.as_str()) }
                @if let Some(t) = co.sent_at { dt { "Sent" } dd { (time_el(t, &who.tz)) } }
                @if let Some(t) = co.decided_at { dt { "Decided" } dd { (time_el(t, &who.tz)) @if let Some(n) = &co.decided_by_name { " by " (n) } } }
            }
            @if co.status == rapport_core::change_order::ChangeOrderStatus::Sent && !who.may_approve() {
                p class="notice" id={ "co-approvers-" (co.id.0) } {
                    "Only your approvers can approve or decline this: "
                    @if approvers.is_empty() {
                        "nobody at " (who.client) " is an approver yet; your client admin or our team can name one."
                    } @else {
                        strong { (approvers.join(", ")) } "."
                    }
                }
            }
            @if co.status == rapport_core::change_order::ChangeOrderStatus::Sent && who.may_approve() {
                form method="post" action={ "/portal/change-orders/" (co.id.0) "/decide" } class="stack" {
                    (csrf_field(&s.csrf))
                    label for={ "note-" (co.id.0) } { "A note for the team (optional)" }
                    textarea id={ "note-" (co.id.0) } name="note" rows="2" {}
                    div {
                        button type="submit" name="decision" value="approve" { "Approve" }
                        " "
                        button type="submit" name="decision" value="decline" class="secondary" { "Decline" }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecidedQuery {
    decided: Option<i64>,
}

async fn change_orders(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    Query(q): Query<DecidedQuery>,
) -> UiResult<Markup> {
    let who = who(&state, &s).await?;
    let list = state
        .app
        .list_change_orders(
            &s.ctx,
            rapport_app::change_orders::ChangeOrderFilter {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await?;
    let approvers = if who.may_approve() {
        Vec::new()
    } else {
        state.app.client_approvers(&s.ctx).await?
    };
    let decided = q
        .decided
        .and_then(|id| list.items.iter().find(|co| co.id.0 == id));
    let body = html! {
        h1 { "Change orders" }
        @if let Some(co) = decided {
            @let approved = co.status == rapport_core::change_order::ChangeOrderStatus::Approved;
            p class="notice ok" role="status" id="co-result" {
                @if approved {
                    "You approved " strong { (co.title) } " for " (co.currency.format(co.price_minor))
                    ". The team has been told and will plan the work; we will confirm dates with you."
                } @else {
                    "You declined " strong { (co.title) } ". The team has been told; nothing outside what we agreed will be done."
                }
            }
        }
        p class="muted" { "Work outside what we agreed is priced here first; nothing is done until you approve it." }
        @if list.items.is_empty() { p class="empty" { "No change orders." } }
        @for co in &list.items { (change_order_card(&s, &who, co, &approvers)) }
    };
    Ok(page(&s, &who, "Change orders", "change-orders", body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecideForm {
    csrf: String,
    decision: String,
    note: String,
    /// "yes" once the contact has seen what approving commits them to.
    confirm: String,
}

/// Approving commits the client to a fee: say so, and ask once more.
fn confirm_approval(
    s: &Session,
    who: &Who,
    co: &rapport_core::change_order::ChangeOrder,
    note: &str,
) -> Markup {
    let body = html! {
        p class="crumbs" { a href="/portal/change-orders" { "Change orders" } " › " (co.title) }
        h1 { "Approve this change order?" }
        p id="co-confirm" {
            "Approving " strong { (co.title) } " agrees to the extra work and its fee of "
            strong { (co.currency.format(co.price_minor)) } " ("
            (co.estimate_minutes / 60) " h " (co.estimate_minutes % 60) " min estimated)."
        }
        form method="post" action={ "/portal/change-orders/" (co.id.0) "/decide" } class="stack" {
            (csrf_field(&s.csrf))
            input type="hidden" name="decision" value="approve";
            input type="hidden" name="confirm" value="yes";
            label for="note" { "A note for the team (optional)" }
            textarea id="note" name="note" rows="2" { (note) }
            div {
                button type="submit" { "Yes, approve " (co.currency.format(co.price_minor)) }
                " "
                a class="button secondary" href={ "/portal/change-orders#co-" (co.id.0) } { "Not yet" }
            }
        }
    };
    page(s, who, "Approve this change order?", "change-orders", body)
}

async fn decide(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    Path(raw): Path<String>,
    UiForm(f): UiForm<DecideForm>,
) -> UiResult<Response> {
    let id = rapport_core::ids::ChangeOrderId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let approve = match f.decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => {
            return Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose Approve or Decline.",
            ));
        }
    };
    if approve && f.confirm != "yes" {
        let who = who(&state, &s).await?;
        let co = state.app.get_change_order(&s.ctx, id).await?;
        return Ok(confirm_approval(&s, &who, &co, &f.note).into_response());
    }
    let input = rapport_core::change_order::DecisionInput {
        note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
    };
    state
        .app
        .decide_change_order(&s.ctx, id, approve, input)
        .await?;
    Ok(Redirect::to(&format!("/portal/change-orders?decided={}#co-result", id.0)).into_response())
}

// ---------------------------------------------------------------------------------------------
// People: a client admin's own client's contacts

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct PersonForm {
    csrf: String,
    name: String,
    email: String,
    role: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeopleQuery {
    /// What was just done, said once at the top: `invited`, `role`, `deactivated`.
    done: Option<String>,
}

fn role_options(current: ContactRole) -> Markup {
    html! {
        @for r in ContactRole::ALL {
            option value=(r.as_str()) selected[*r == current] { (r.label()) " — " (r.explain()) }
        }
    }
}

async fn people_page(
    state: &AppState,
    s: &Session,
    who: &Who,
    f: &PersonForm,
    done: Option<&str>,
    error: Option<&str>,
) -> UiResult<Markup> {
    // Only a client admin gets the list (the use case refuses anyone else).
    let list = state
        .app
        .list_contacts(&s.ctx, Some(who.client_id), None, rapport_app::MAX_PAGE)
        .await?;
    let body = html! {
        h1 { "People at " (who.client) }
        @if let Some(d) = done { p class="notice ok" role="status" id="people-result" { (d) } }
        @if let Some(e) = error { p class="notice error" role="alert" { (e) } }
        p class="muted" { "A requester sees only their own requests; a viewer all of " (who.client) "'s; an approver also approves change orders; a client admin also manages these people." }
        div class="table-wrap" {
            table class="queue" id="people" {
                caption class="sr-only" { "People at " (who.client) }
                thead { tr { th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Role" } th scope="col" { "Portal" } th scope="col" { "Change" } } }
                tbody {
                    @for c in &list.items {
                        tr id={ "person-" (c.id.0) } {
                            td { (c.name) @if c.id == who.id { " (you)" } }
                            td { (c.email) }
                            td class="role" { (c.role.label()) }
                            td { @if c.portal_enabled { "on" } @else { "off" } }
                            td {
                                @if c.id != who.id {
                                    form method="post" action={ "/portal/people/" (c.id.0) } class="inline" {
                                        (csrf_field(&s.csrf))
                                        input type="hidden" name="action" value="role";
                                        label for={ "role-" (c.id.0) } class="sr-only" { "Role of " (c.name) }
                                        select id={ "role-" (c.id.0) } name="role" { (role_options(c.role)) }
                                        " "
                                        button type="submit" { "Set role" }
                                    }
                                    " "
                                    form method="post" action={ "/portal/people/" (c.id.0) } class="inline" {
                                        (csrf_field(&s.csrf))
                                        @if c.portal_enabled {
                                            input type="hidden" name="action" value="deactivate";
                                            button type="submit" class="secondary" { "Deactivate " (c.name) }
                                        } @else {
                                            input type="hidden" name="action" value="invite";
                                            button type="submit" class="secondary" { "Invite " (c.name) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="invite-h" class="stack" {
            h2 id="invite-h" { "Invite someone" }
            form method="post" action="/portal/people" class="stack" id="invite-person" {
                (csrf_field(&s.csrf))
                label for="person-name" { "Name" }
                input id="person-name" name="name" required maxlength="200" autocomplete="off" value=(f.name);
                label for="person-email" { "Email" }
                input id="person-email" name="email" type="email" required maxlength="254" autocomplete="off" value=(f.email);
                label for="person-role" { "Role" }
                select id="person-role" name="role" { (role_options(f.role.parse().unwrap_or(ContactRole::Requester))) }
                button type="submit" { "Invite by email" }
            }
            p class="muted" { "They get an email with a link to choose their password." }
        }
    };
    Ok(page(s, who, "People", "people", body))
}

async fn people(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    Query(q): Query<PeopleQuery>,
) -> UiResult<Markup> {
    let who = who(&state, &s).await?;
    let done = match q.done.as_deref() {
        Some("invited") => Some("Invitation sent."),
        Some("role") => Some("Role changed."),
        Some("deactivated") => Some("Deactivated: they can no longer sign in."),
        _ => None,
    };
    people_page(&state, &s, &who, &PersonForm::default(), done, None).await
}

/// Add a colleague and mail them an invitation, in that order: a refused address keeps what
/// was typed, with the reason.
async fn add_person(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    UiForm(f): UiForm<PersonForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    let who = who(&state, &s).await?;
    let role = match f.role.parse::<ContactRole>() {
        Ok(r) => r,
        Err(e) => {
            let page = people_page(&state, &s, &who, &f, None, Some(&format!("Role: {e}"))).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let input = rapport_core::client::NewContact {
        client_id: who.client_id,
        name: f.name.clone(),
        email: f.email.trim().to_string(),
        phone: None,
        etiquette: None,
        role: Some(role),
    };
    let made = match state.app.create_contact(&s.ctx, input).await {
        Ok(c) => c,
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let (status, message) = describe(&e);
            let page = people_page(&state, &s, &who, &f, None, Some(&message)).await?;
            return Ok((status, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    state.app.invite_contact(&s.ctx, made.id).await?;
    Ok(Redirect::to("/portal/people?done=invited#people-result").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangePersonForm {
    csrf: String,
    /// `role`, `deactivate` or `invite`.
    action: String,
    role: String,
}

async fn change_person(
    State(state): State<AppState>,
    Visitor(s): Visitor,
    Path(raw): Path<String>,
    UiForm(f): UiForm<ChangePersonForm>,
) -> UiResult<Response> {
    let id = ContactId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let done = match f.action.as_str() {
        "role" => {
            let role = f.role.parse::<ContactRole>().map_err(|e| {
                UiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("Role: {e}"))
            })?;
            let patch = rapport_core::client::ContactPatch {
                role: Some(role),
                ..Default::default()
            };
            state.app.update_contact(&s.ctx, id, patch).await?;
            "role"
        }
        "deactivate" => {
            let patch = rapport_core::client::ContactPatch {
                portal_enabled: Some(false),
                ..Default::default()
            };
            state.app.update_contact(&s.ctx, id, patch).await?;
            "deactivated"
        }
        "invite" => {
            state.app.invite_contact(&s.ctx, id).await?;
            "invited"
        }
        _ => {
            return Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose a role, Deactivate or Invite.",
            ));
        }
    };
    Ok(Redirect::to(&format!("/portal/people?done={done}#people-result")).into_response())
}
