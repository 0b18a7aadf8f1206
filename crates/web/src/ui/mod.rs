//! The browser pages: the agent workspace (/app) and the client portal (/portal).
//!
//! Server-rendered HTML (maud escapes every interpolated value), plain forms that work without
//! JavaScript, and htmx (served from /assets, our own origin) for the parts that update as you
//! type. Sign-in reuses the application's session flow and the JSON API's session cookie; every
//! state-changing form carries the session's CSRF token, and the sign-in forms (which have no
//! session yet) a double-submit token.

pub mod app;
pub mod charts;
pub mod form;
pub mod portal;
mod rating_link;
mod relative;

use rating_link::PATH as RATING_PAGE;
pub use relative::{due_el, due_words, relative};

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::Timestamp;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use rapport_app::{AppError, Ctx};
use rapport_core::access::Principal;

use crate::extract::{SESSION_COOKIE, client_ip, constant_eq, cookie};
use crate::state::AppState;

/// The double-submit cookie of the sign-in forms (no session exists yet to hold a token).
pub const LOGIN_CSRF_COOKIE: &str = "rapport_login_csrf";

const HTMX: &str = include_str!("../../assets/htmx.min.js");
const HTMX_LICENSE: &str = include_str!("../../assets/htmx.LICENSE");
const CSS: &str = include_str!("../../assets/app.css");
const UI_JS: &str = include_str!("../../assets/ui.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/htmx.min.js",
            get(|| asset(HTMX, "text/javascript")),
        )
        .route(
            "/assets/htmx.LICENSE.txt",
            get(|| asset(HTMX_LICENSE, "text/plain; charset=utf-8")),
        )
        .route("/assets/app.css", get(|| asset(CSS, "text/css")))
        .route("/assets/ui.js", get(|| asset(UI_JS, "text/javascript")))
        // People who type the bare address land in the workspace (or its sign-in).
        .route("/", get(|| async { Redirect::to("/app") }))
        .route(
            &format!("{RATING_PAGE}/{{token}}"),
            get(rating_link::page).post(rating_link::rate),
        )
        .merge(app::router())
        .merge(portal::router())
}

async fn asset(body: &'static str, ct: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// Which side of the site a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    App,
    Portal,
}

impl Side {
    fn login(self) -> &'static str {
        match self {
            Side::App => "/app/login",
            Side::Portal => "/portal/login",
        }
    }
}

/// A signed-in browser: the caller and the token its forms must echo.
#[derive(Clone)]
pub struct Session {
    pub ctx: Ctx,
    pub csrf: String,
}

impl Session {
    /// Check a form's CSRF token against the session's.
    pub fn check(&self, sent: &str) -> Result<(), UiError> {
        if !sent.is_empty() && constant_eq(sent, &self.csrf) {
            Ok(())
        } else {
            Err(UiError::new(
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from this site (stale CSRF token). \
                 Reload the page and submit it again.",
            ))
        }
    }
}

/// A same-origin check for every state-changing browser request: a cross-site `Origin` or
/// `Sec-Fetch-Site` is refused before any token is compared.
fn cross_site(parts: &Parts, public_url: &str) -> bool {
    if matches!(parts.method, Method::GET | Method::HEAD) {
        return false;
    }
    let h = &parts.headers;
    if h.get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return true;
    }
    match (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some("null"), _) => true,
        // The address people reach us at (behind a proxy the Host header may differ).
        (Some(origin), _) if origin == public_url.trim_end_matches('/') => false,
        (Some(origin), Some(host)) => {
            let o = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            o != host
        }
        _ => false,
    }
}

async fn session_for(parts: &mut Parts, state: &AppState, side: Side) -> Result<Session, Response> {
    if cross_site(parts, &state.app.settings.public_url) {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "cross-site form submissions are refused",
        )
        .into_response());
    }
    let to_login = || {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let target = if parts.method == Method::GET {
            format!("{}?next={}", side.login(), urlencode(next))
        } else {
            side.login().to_string()
        };
        Redirect::to(&target).into_response()
    };
    let Some(token) = cookie(parts, SESSION_COOKIE).map(str::to_string) else {
        return Err(to_login());
    };
    // The same per-session limit as the API's.
    if let Some(limiter) = &state.limiter
        && let Err(secs) = limiter.check(&token)
    {
        return Err(UiError::from(AppError::TooMany(secs)).into_response());
    }
    let found = state
        .app
        .session(&token)
        .await
        .map_err(|e| UiError::from(e).into_response())?;
    let Some(s) = found else {
        return Err(to_login());
    };
    let right_side = matches!(
        (side, s.principal),
        (Side::App, Principal::Member { .. }) | (Side::Portal, Principal::Contact { .. })
    );
    if !right_side {
        // A contact in the workspace (or a member in the portal) is sent to their own side.
        let home = match side {
            Side::App => "/portal",
            Side::Portal => "/app",
        };
        return Err(Redirect::to(home).into_response());
    }
    let ctx = Ctx::new(s.principal, client_ip(parts));
    // Let the denial guard attribute a refused form (a stale token is a 403) to its session.
    if let Some(slot) = parts.extensions.get::<crate::guard::CallerSlot>() {
        *slot.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(ctx.clone());
    }
    Ok(Session {
        ctx,
        csrf: s.csrf_token,
    })
}

/// A signed-in member (the workspace).
pub struct Agent(pub Session);
/// A signed-in contact (the portal).
pub struct Visitor(pub Session);

impl FromRequestParts<AppState> for Agent {
    type Rejection = Response;
    async fn from_request_parts(p: &mut Parts, s: &AppState) -> Result<Self, Response> {
        session_for(p, s, Side::App).await.map(Agent)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;
    async fn from_request_parts(p: &mut Parts, s: &AppState) -> Result<Self, Response> {
        session_for(p, s, Side::Portal).await.map(Visitor)
    }
}

/// The origin check alone, for the sign-in forms.
pub struct SameOrigin;

impl FromRequestParts<AppState> for SameOrigin {
    type Rejection = Response;
    async fn from_request_parts(p: &mut Parts, s: &AppState) -> Result<Self, Response> {
        if cross_site(p, &s.app.settings.public_url) {
            Err(UiError::new(
                StatusCode::FORBIDDEN,
                "cross-site form submissions are refused",
            )
            .into_response())
        } else {
            Ok(SameOrigin)
        }
    }
}

/// Whether an address belongs to the pages (the workspace, the portal, a rating link) rather
/// than the API.
pub fn is_page_path(path: &str) -> bool {
    ["/app", "/portal", "/rate/"].iter().any(|p| {
        path == p.trim_end_matches('/')
            || path.starts_with(&format!("{}/", p.trim_end_matches('/')))
    })
}

/// An error shown as a page.
#[derive(Debug)]
pub struct UiError {
    pub status: StatusCode,
    pub message: String,
}

impl UiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        UiError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        UiError::new(StatusCode::NOT_FOUND, "There is no such page.")
    }
}

/// What a page says when a message was held for its etiquette findings: the form's own words
/// (its "Send anyway" box), not the API's field name.
pub fn held_for_findings(findings: &[serde_json::Value]) -> String {
    let n = findings.len();
    format!(
        "Not sent: the message has {n} etiquette finding{}, listed below. Change the words, or tick \"Send anyway\" and send it again.",
        if n == 1 { "" } else { "s" }
    )
}

/// A readable sentence for an application error (field errors listed).
pub fn describe(e: &AppError) -> (StatusCode, String) {
    match e {
        AppError::Invalid(v) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            v.0.iter()
                .map(|f| format!("{}: {}", f.field.replace('_', " "), f.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        AppError::NotFound(what) => (StatusCode::NOT_FOUND, format!("No such {what}.")),
        AppError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
        AppError::ApproverRequired { message, .. } => (StatusCode::FORBIDDEN, message.clone()),
        AppError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m.clone()),
        AppError::Conflict { message, .. } => (StatusCode::CONFLICT, message.clone()),
        AppError::Unconfirmed { message, .. } => (StatusCode::CONFLICT, message.clone()),
        AppError::StaleThread { message, .. } => (StatusCode::CONFLICT, message.clone()),
        AppError::SecondFactorRequired => (
            StatusCode::UNAUTHORIZED,
            "Enter the one-time code from your authenticator app.".into(),
        ),
        AppError::Gone(m) => (StatusCode::GONE, m.clone()),
        AppError::TooMany(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many attempts; try again in {secs} seconds."),
        ),
        AppError::NotConfigured(m) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Not set up yet: {m}."),
        ),
        AppError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is busy; try again shortly.".into(),
        ),
        AppError::Internal(m) => {
            tracing::error!(error = %m, "internal error on a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side; it has been logged.".into(),
            )
        }
    }
}

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        let (status, message) = describe(&e);
        UiError { status, message }
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = bare_page(
            title,
            html! {
                main id="main" class="narrow" {
                    h1 { (title) }
                    p class="notice error" role="alert" { (self.message) }
                    p { a href="/app" { "Workspace" } " · " a href="/portal" { "Portal" } }
                }
            },
        );
        (self.status, body).into_response()
    }
}

pub type UiResult<T> = Result<T, UiError>;

/// A whole page with no navigation (sign-in, errors).
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false}"#;
                title { (title) " · Rapport" }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/htmx.min.js" defer {}
                script src="/assets/ui.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                (body)
            }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// An instant as a person in `tz` reads it.
pub fn when(ts: Timestamp, tz: &str) -> String {
    match jiff::tz::TimeZone::get(tz) {
        Ok(z) => ts
            .to_zoned_datetime(z)
            .strftime("%a %-d %b %Y, %H:%M %Z")
            .to_string(),
        Err(_) => ts.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// A `<time>` element: machine-readable instant, human text in `tz`.
pub fn time_el(ts: Timestamp, tz: &str) -> Markup {
    html! { time datetime=(ts.to_string()) { (when(ts, tz)) } }
}

/// Parse a `datetime-local` value (wall time in `tz`).
pub fn parse_local(value: &str, tz: &str) -> Result<Timestamp, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("required".into());
    }
    let dt: jiff::civil::DateTime = v
        .parse()
        .map_err(|_| format!("{v:?} is not a date and time (YYYY-MM-DDTHH:MM)"))?;
    dt.in_tz(tz)
        .map(|z| z.timestamp())
        .map_err(|e| format!("not a time in {tz}: {e}"))
}

/// The `datetime-local` value of an instant in `tz`.
pub fn local_value(ts: Timestamp, tz: &str) -> String {
    match jiff::tz::TimeZone::get(tz) {
        Ok(z) => ts
            .to_zoned_datetime(z)
            .strftime("%Y-%m-%dT%H:%M")
            .to_string(),
        Err(_) => ts.strftime("%Y-%m-%dT%H:%M").to_string(),
    }
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A safe local redirect target from a `next` parameter (same site, absolute path only).
pub fn safe_next(next: Option<&str>, side: Side) -> String {
    let home = match side {
        Side::App => "/app",
        Side::Portal => "/portal",
    };
    match next {
        Some(n) if n.starts_with(home) && !n.starts_with("//") && !n.contains('\\') => n.into(),
        _ => home.into(),
    }
}

/// Whether htmx made the request (answer with a fragment, not a page).
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// A fresh random token (hex) for the sign-in forms' double-submit cookie.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn login_csrf_cookie(state: &AppState, value: &str) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The sign-in form's token matches its cookie.
pub fn login_csrf_ok(headers: &HeaderMap, sent: &str) -> bool {
    crate::extract::cookie_in(headers, LOGIN_CSRF_COOKIE)
        .is_some_and(|c| !c.is_empty() && constant_eq(c, sent))
}

/// Raw, already-sanitised HTML (mail bodies cleaned by ammonia at intake, search snippets
/// escaped by the search).
pub fn trusted(html: &str) -> PreEscaped<String> {
    PreEscaped(html.to_string())
}

/// Which of two labels a value matches, for `<option selected>`.
pub fn sel(a: &str, b: &str) -> bool {
    a == b
}

/// Each message's attachments, for the thread.
pub async fn attachments_of(
    state: &AppState,
    s: &Session,
    messages: &[rapport_core::message::Message],
) -> Result<std::collections::HashMap<i64, Vec<rapport_core::inbox::AttachmentInfo>>, AppError> {
    let mut out = std::collections::HashMap::new();
    for m in messages {
        let list = state.app.list_attachments(&s.ctx, m.id).await?;
        if !list.is_empty() {
            out.insert(m.id.0, list);
        }
    }
    Ok(out)
}

/// Links to a message's files (`prefix` is /app or /portal).
pub fn attachment_links(
    list: Option<&Vec<rapport_core::inbox::AttachmentInfo>>,
    prefix: &str,
) -> Markup {
    html! {
        @if let Some(list) = list {
            ul class="files" aria-label="Attachments" {
                @for a in list {
                    li {
                        a href={ (prefix) "/attachments/" (a.id) } download { (a.filename.as_deref().unwrap_or("attachment")) }
                        " (" (a.content_type) ", " ((a.size + 1023) / 1024) " KiB)"
                    }
                }
            }
        }
    }
}

/// Download a file the caller may see: the same answer as the API's (see [`crate::download`]).
pub async fn download(state: &AppState, s: &Session, raw: &str) -> UiResult<Response> {
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(UiError::not_found)?;
    let (info, data) = state.app.get_attachment(&s.ctx, id).await?;
    let name = info
        .filename
        .clone()
        .unwrap_or_else(|| format!("attachment-{id}"));
    Ok(crate::download::attachment(data, &info.content_type, &name))
}
