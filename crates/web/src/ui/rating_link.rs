//! The page a rating invitation's link opens: no sign-in (the link is the credential), the
//! work's title and who delivered it, five choices and a comment, and a plain answer when the
//! link was used or has expired.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use rapport_app::AppError;
use serde::Deserialize;

use super::app::with_login_cookie;
use super::form::UiForm;
use super::{SameOrigin, bare_page, describe, login_csrf_ok, random_token, when};
use crate::state::AppState;

/// Where a rating invitation's link points, relative to the public URL.
pub const PATH: &str = rapport_app::ratings::LINK_PATH;

const TITLE: &str = "How did we do?";

fn form(csrf: &str, token: &str, error: Option<&str>, comment: &str) -> Markup {
    html! {
        @if let Some(e) = error { p class="notice error" role="alert" { (e) } }
        form method="post" action={ (PATH) "/" (token) } class="stack" id="rate-form" {
            input type="hidden" name="csrf" value=(csrf);
            fieldset class="stars" {
                legend { "Your rating, from 1 (poor) to 5 (excellent)" }
                @for n in 1..=5 {
                    label { input type="radio" name="score" value=(n) required; " " (n) }
                }
            }
            label for="comment" { "Anything to add? (optional)" }
            textarea id="comment" name="comment" rows="4" maxlength="10000" { (comment) }
            button type="submit" { "Send my rating" }
        }
    }
}

/// The link is unusable: used, expired or unknown. Say which, and where to go instead.
fn closed(e: &AppError) -> (StatusCode, Markup) {
    let (status, message) = describe(e);
    let message = match status {
        StatusCode::NOT_FOUND => {
            "This rating link is not one we know. Please check that the whole \
                                  link was copied from the email."
                .to_string()
        }
        StatusCode::GONE => format!(
            "This rating link has expired: links work for {} days.",
            rapport_core::rating::INVITATION_DAYS
        ),
        _ => sentence(&message),
    };
    (
        status,
        html! {
            p class="notice" role="status" id="rate-closed" { (message) }
            p { "You can still rate the work, and see everything we are doing for you, in "
                a href="/portal" { "your client portal" } "." }
        },
    )
}

/// A message from the rules as a sentence: capital first, full stop last.
fn sentence(s: &str) -> String {
    let mut out: String = s.chars().take(1).flat_map(char::to_uppercase).collect();
    out.push_str(&s[s.chars().next().map_or(0, char::len_utf8)..]);
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

fn shell(body: Markup) -> Markup {
    bare_page(
        TITLE,
        html! {
            main id="main" class="narrow" tabindex="-1" {
                h1 id="rate-h" { (TITLE) }
                (body)
            }
        },
    )
}

pub(super) async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let csrf = random_token();
    let (status, body) = match state.app.rating_invitation(&token).await {
        Ok(v) => (
            StatusCode::OK,
            html! {
                p id="rate-for" { "For " strong { (v.title) } ", delivered by " (v.delivered_by) "." }
                (form(&csrf, &token, None, ""))
                p class="muted" { "This link works once, until " (when(v.expires_at, &v.tz)) "." }
            },
        ),
        Err(e) => closed(&e),
    };
    with_login_cookie(&state, &csrf, status, shell(body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RateForm {
    csrf: String,
    score: String,
    comment: String,
}

pub(super) async fn rate(
    State(state): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    ci: axum::extract::ConnectInfo<std::net::SocketAddr>,
    Path(token): Path<String>,
    UiForm(f): UiForm<RateForm>,
) -> Response {
    let retry = |msg: &str, status: StatusCode| {
        let csrf = random_token();
        let body = shell(form(&csrf, &token, Some(msg), &f.comment));
        with_login_cookie(&state, &csrf, status, body)
    };
    if !login_csrf_ok(&headers, &f.csrf) {
        return retry(
            "The form expired before it was sent. Please choose your rating again.",
            StatusCode::FORBIDDEN,
        );
    }
    let Ok(score) = f.score.trim().parse::<i64>() else {
        return retry(
            "Choose a rating from 1 (poor) to 5 (excellent).",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let ip = crate::extract::client_ip_from(&ci);
    match state
        .app
        .rate_by_invitation(&token, score, &f.comment, None, ip)
        .await
    {
        Ok(r) => {
            let csrf = random_token();
            let body = shell(html! {
                p class="notice ok" role="status" id="rate-done" {
                    "Thank you. You rated this " strong { (r.score) " / 5" } "."
                }
                p { "The team sees your rating and comment now. For anything else, "
                    a href="/portal" { "your client portal" } " has every request and promise." }
            });
            with_login_cookie(&state, &csrf, StatusCode::OK, body)
        }
        Err(AppError::Invalid(v)) => {
            let msg =
                v.0.iter()
                    .map(|f| match f.field.as_str() {
                        "score" => "Choose a rating from 1 (poor) to 5 (excellent).".to_string(),
                        "comment" => format!("Your comment: {}.", f.message),
                        _ => sentence(&f.message),
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
            retry(&msg, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => {
            let csrf = random_token();
            let (status, body) = closed(&e);
            with_login_cookie(&state, &csrf, status, shell(body))
        }
    }
}
