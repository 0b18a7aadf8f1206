//! Signing in to and out of the workspace (the portal reuses the form and the cookies).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::extract::SESSION_COOKIE;
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{
    Agent, SameOrigin, Session, Side, UiError, bare_page, describe, login_csrf_cookie,
    login_csrf_ok, random_token, safe_next,
};

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
    /// Why the member was sent here having been signed out (from the account page).
    pub done: Option<String>,
}

pub fn login_form(
    side: Side,
    token: &str,
    next: &str,
    error: Option<&str>,
    email: &str,
    extra: Markup,
) -> Markup {
    login_form_saying(side, token, next, error, None, email, extra)
}

/// The sign-in form, with `ok` said above it: why the person was signed out.
fn login_form_saying(
    side: Side,
    token: &str,
    next: &str,
    error: Option<&str>,
    ok: Option<&str>,
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
                @if let Some(n) = ok { p class="notice ok" role="status" { (n) } }
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

pub(super) async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Response {
    let token = random_token();
    let next = safe_next(q.next.as_deref(), Side::App);
    let ok = match q.done.as_deref() {
        Some("password") => Some("Your password was changed. Sign in with the new one."),
        Some("everywhere") => Some("You were signed out everywhere. Sign in again here."),
        _ => None,
    };
    let body = login_form_saying(Side::App, &token, &next, None, ok, "", html! {});
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

pub(super) async fn login(
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

pub(super) async fn logout(
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
