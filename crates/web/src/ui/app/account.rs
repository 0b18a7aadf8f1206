//! The signed-in member's own account: changing the password, two-factor sign-in (TOTP) on and
//! off, signing out everywhere, and their API tokens — the API's use cases, for every member.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use rapport_app::AppError;
use rapport_core::ids::TokenId;
use rapport_core::member::MemberPatch;
use serde::Deserialize;

use super::fields::{Labels, is_form_error, notice, say};
use super::{CsrfOnly, me, page, parse_id};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[
    ("current_password", "Current password"),
    ("new_password", "New password"),
    ("password", "Your password"),
    ("code", "Code from the app"),
    ("totp", "Two-factor sign-in"),
    ("name", "Token name"),
    ("signature", "Signature"),
];

/// Where the session ends up once it has been ended: the sign-in page, saying why.
const SIGNED_OUT_PASSWORD: &str = "/app/login?done=password";
const SIGNED_OUT_EVERYWHERE: &str = "/app/login?done=everywhere";

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: String,
}

/// What one rendering of the page shows beyond the account's state: an error beside a form,
/// what was typed, a TOTP enrolment in progress, a token just made.
#[derive(Default)]
struct View {
    error: Option<(StatusCode, String)>,
    /// The section the error belongs to, so it is shown beside the form that caused it.
    error_in: &'static str,
    ok: Option<&'static str>,
    token_name: String,
    /// The signature as typed, shown again beside its error.
    signature: Option<String>,
    enrolment: Option<Enrolment>,
    created: Option<(String, String)>,
}

/// The key to put in the authenticator app, shown while TOTP is being set up.
struct Enrolment {
    secret: String,
    otpauth_url: String,
}

async fn render(state: &AppState, s: &Session, v: View) -> UiResult<Response> {
    let me = me(state, s).await?;
    let totp_on = state.app.totp_enabled(&s.ctx).await?;
    let signature = state.app.get_member(&s.ctx, me.id).await?.signature;
    let tokens: Vec<_> = state
        .app
        .list_tokens(&s.ctx)
        .await?
        .into_iter()
        // Admins are answered with everyone's tokens; this page is about the member's own.
        .filter(|t| t.member_id == me.id)
        .collect();
    let (status, error) = match v.error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let err_in = |section: &str| notice(error.as_deref().filter(|_| v.error_in == section));
    let body = html! {
        h1 { "Your account" }
        @if let Some(n) = v.ok { p class="notice ok" role="status" { (n) } }
        section aria-labelledby="pw-h" id="password" {
            h2 id="pw-h" { "Password" }
            (err_in("password"))
            form method="post" action="/app/account/password" class="stack" id="password-form" {
                (csrf_field(&s.csrf))
                label for="pw-current" { "Current password" }
                input id="pw-current" name="current_password" type="password" required autocomplete="current-password";
                label for="pw-new" { "New password (at least 10 characters)" }
                input id="pw-new" name="new_password" type="password" required minlength="10" maxlength="1024" autocomplete="new-password";
                button type="submit" { "Change password" }
            }
            p class="muted" { "Every session of yours ends, this one too: you sign in again with the new password. API tokens keep working." }
        }
        section aria-labelledby="totp-h" id="totp" {
            h2 id="totp-h" { "Two-factor sign-in" }
            (err_in("totp"))
            @if totp_on {
                p id="totp-state" { "On: signing in asks for a code from your authenticator app." }
                form method="post" action="/app/account/totp/disable" class="stack" id="totp-off-form" {
                    (csrf_field(&s.csrf))
                    label for="totp-off-code" { "Code from the app" }
                    input id="totp-off-code" name="code" required inputmode="numeric" autocomplete="one-time-code";
                    button type="submit" class="secondary" { "Turn two-factor sign-in off" }
                }
            } @else if let Some(e) = &v.enrolment {
                p id="totp-state" { "Being set up: add this key to your authenticator app, then type the code it shows and your password." }
                dl class="facts" {
                    dt { "Key" } dd { code id="totp-secret" { (e.secret) } }
                    dt { "Or, as a link the app reads" } dd { code id="totp-uri" { (e.otpauth_url) } }
                }
                form method="post" action="/app/account/totp/enable" class="stack" id="totp-on-form" {
                    (csrf_field(&s.csrf))
                    input type="hidden" name="secret" value=(e.secret);
                    input type="hidden" name="otpauth_url" value=(e.otpauth_url);
                    label for="totp-code" { "Code from the app" }
                    input id="totp-code" name="code" required inputmode="numeric" autocomplete="one-time-code";
                    label for="totp-password" { "Your password" }
                    input id="totp-password" name="password" type="password" required autocomplete="current-password";
                    button type="submit" { "Turn two-factor sign-in on" }
                }
            } @else {
                p id="totp-state" { "Off: a password alone signs you in." }
                form method="post" action="/app/account/totp" class="inline" {
                    (csrf_field(&s.csrf))
                    button type="submit" { "Set up two-factor sign-in" }
                }
            }
        }
        section aria-labelledby="sig-h" id="signature" {
            h2 id="sig-h" { "Email signature" }
            (err_in("signature"))
            form method="post" action="/app/account/signature" class="stack" id="signature-form" {
                (csrf_field(&s.csrf))
                label for="sig-text" { "Signature (plain text, at most 8 lines)" }
                textarea id="sig-text" name="signature" rows="4" maxlength="500" aria-describedby="sig-help" {
                    (v.signature.as_deref().or(signature.as_deref()).unwrap_or(""))
                }
                p class="muted" id="sig-help" { "Put under your email replies to clients, after a “-- ” line; the client's etiquette applies to it too. Empty: no signature." }
                button type="submit" { "Save signature" }
            }
        }
        section aria-labelledby="sessions-h" {
            h2 id="sessions-h" { "Sessions" }
            p class="muted" { "Signed in on a computer you no longer use? End every session of yours, on every device, this one too." }
            form method="post" action="/app/account/sign-out-everywhere" class="inline" {
                (csrf_field(&s.csrf))
                button type="submit" class="secondary" { "Sign out everywhere" }
            }
        }
        section aria-labelledby="tokens-h" id="tokens" {
            h2 id="tokens-h" { "API tokens" }
            p class="muted" { "A token lets a program use the API as you: send it as " code { "Authorization: Bearer <token>" } "." }
            (err_in("tokens"))
            @if let Some((name, secret)) = &v.created {
                div class="notice ok" role="status" id="new-token" {
                    p { "Token " strong { (name) } " created. Copy it now: it will not be shown again." }
                    p { code id="token-secret" { (secret) } }
                }
            }
            form method="post" action="/app/account/tokens" class="stack" id="token-form" {
                (csrf_field(&s.csrf))
                label for="tk-name" { "Token name (what it is for)" }
                input id="tk-name" name="name" required maxlength="100" autocomplete="off" value=(v.token_name);
                button type="submit" { "Create a token" }
            }
            @if tokens.is_empty() {
                p class="muted" { "You have no API tokens." }
            } @else {
                div class="table-wrap" {
                    table class="queue" id="token-list" {
                        thead { tr { th { "Name" } th { "Created" } th { "Last used" } th { "State" } } }
                        tbody {
                            @for t in &tokens {
                                tr {
                                    td { (t.name) }
                                    td { (me.at(t.created_at)) }
                                    td { @match t.last_used_at { Some(at) => (me.at(at)), None => "never" } }
                                    td {
                                        @if let Some(at) = t.revoked_at {
                                            "revoked " (me.at(at))
                                        } @else {
                                            form method="post" action={ "/app/account/tokens/" (t.id.0) "/revoke" } class="inline" {
                                                (csrf_field(&s.csrf))
                                                button type="submit" class="secondary" aria-label={ "Revoke " (t.name) } { "Revoke" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let markup = page(state, s, &me, "Your account", "account", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn account(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<DoneQuery>,
) -> UiResult<Response> {
    let ok = match q.done.as_str() {
        "totp-on" => Some("Two-factor sign-in is on: the next sign-in asks for a code."),
        "totp-off" => Some("Two-factor sign-in is off."),
        "revoked" => Some("Token revoked: it no longer works."),
        "signature" => Some("Signature saved."),
        _ => None,
    };
    render(
        &state,
        &s,
        View {
            ok,
            ..View::default()
        },
    )
    .await
}

/// Answer a form's failure: beside its form when the person can fix it, as an error page when not.
async fn retry(state: &AppState, s: &Session, e: AppError, v: View) -> UiResult<Response> {
    if is_form_error(&e) {
        render(
            state,
            s,
            View {
                error: Some(say(&e, LABELS)),
                ..v
            },
        )
        .await
    } else {
        Err(e.into())
    }
}

/// A redirect to the sign-in page that also clears the (now ended) session cookie.
fn to_sign_in(state: &AppState, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::api::auth::session_cookie(state, "", 0),
    );
    res
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<PasswordForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    match state
        .app
        .change_password(&s.ctx, &f.current_password, &f.new_password)
        .await
    {
        Ok(()) => Ok(to_sign_in(&state, SIGNED_OUT_PASSWORD)),
        Err(e) => {
            let v = View {
                error_in: "password",
                ..View::default()
            };
            retry(&state, &s, e, v).await
        }
    }
}

pub(super) async fn sign_out_everywhere(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    state.app.sign_out_everywhere(&s.ctx).await?;
    Ok(to_sign_in(&state, SIGNED_OUT_EVERYWHERE))
}

pub(super) async fn totp_begin(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    let v = View {
        error_in: "totp",
        ..View::default()
    };
    match state.app.totp_begin(&s.ctx).await {
        Ok(e) => {
            let enrolment = Enrolment {
                secret: e.secret,
                otpauth_url: e.otpauth_url,
            };
            render(
                &state,
                &s,
                View {
                    enrolment: Some(enrolment),
                    ..v
                },
            )
            .await
        }
        Err(e) => retry(&state, &s, e, v).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TotpForm {
    csrf: String,
    code: String,
    password: String,
    /// The key being set up, carried by the form only to show it again after a mistyped code;
    /// the one that counts is the sealed copy stored by `totp_begin`.
    secret: String,
    otpauth_url: String,
}

pub(super) async fn totp_enable(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<TotpForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    match state
        .app
        .totp_set(&s.ctx, &f.code, Some(&f.password), true)
        .await
    {
        Ok(()) => Ok(Redirect::to("/app/account?done=totp-on").into_response()),
        Err(e) => {
            let enrolment = (!f.secret.is_empty()).then(|| Enrolment {
                secret: f.secret.clone(),
                otpauth_url: f.otpauth_url.clone(),
            });
            let v = View {
                error_in: "totp",
                enrolment,
                ..View::default()
            };
            retry(&state, &s, e, v).await
        }
    }
}

pub(super) async fn totp_disable(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<TotpForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    match state.app.totp_set(&s.ctx, &f.code, None, false).await {
        Ok(()) => Ok(Redirect::to("/app/account?done=totp-off").into_response()),
        Err(e) => {
            let v = View {
                error_in: "totp",
                ..View::default()
            };
            retry(&state, &s, e, v).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TokenForm {
    csrf: String,
    name: String,
}

pub(super) async fn create_token(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<TokenForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    match state.app.create_token(&s.ctx, &f.name).await {
        // The secret is shown on this answer and nowhere else: no redirect carries it.
        Ok((info, secret)) => {
            let v = View {
                created: Some((info.name, secret)),
                ..View::default()
            };
            render(&state, &s, v).await
        }
        Err(e) => {
            let v = View {
                error_in: "tokens",
                token_name: f.name,
                ..View::default()
            };
            retry(&state, &s, e, v).await
        }
    }
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = TokenId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    state.app.revoke_token(&s.ctx, id).await?;
    Ok(Redirect::to("/app/account?done=revoked#tokens").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SignatureForm {
    csrf: String,
    signature: String,
}

pub(super) async fn set_signature(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<SignatureForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    let me = me(&state, &s).await?;
    let patch = MemberPatch {
        signature: Some(f.signature.clone()),
        ..MemberPatch::default()
    };
    match state.app.update_member(&s.ctx, me.id, patch).await {
        Ok(_) => Ok(Redirect::to("/app/account?done=signature#signature").into_response()),
        Err(e) => {
            let v = View {
                error_in: "signature",
                signature: Some(f.signature),
                ..View::default()
            };
            retry(&state, &s, e, v).await
        }
    }
}
