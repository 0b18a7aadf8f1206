//! Signing in and out, the current principal, API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use rapport_app::accounts::TotpEnrolment;
use rapport_app::auth::TokenInfo;
use rapport_app::auth::{Credentials, SignedIn};
use rapport_core::access::Principal;
use rapport_core::ids::TokenId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Errors;
use crate::extract::{ApiJson, Auth, Id, SESSION_COOKIE, client_ip_from};
use crate::problem::ApiResult;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInInput {
    /// The organisation's slug; may be omitted on a server with one organisation.
    #[serde(default)]
    pub org: Option<String>,
    pub email: String,
    pub password: String,
    /// The 6-digit code from the authenticator app, for members who turned it on.
    #[serde(default)]
    pub totp: Option<String>,
}

impl SignInInput {
    fn credentials(self) -> Credentials {
        Credentials {
            org: self.org,
            email: self.email,
            password: self.password,
            totp: self.totp,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignedInOutput {
    /// Echo in `X-CSRF-Token` on state-changing calls made with the session cookie.
    pub csrf_token: String,
    pub expires_at: Timestamp,
    pub principal: Principal,
}

pub(crate) fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(crate) fn signed_in_response(state: &AppState, s: SignedIn) -> Response {
    let max_age = state.app.settings.session_ttl.as_secs();
    let mut res = Json(SignedInOutput {
        csrf_token: s.csrf_token,
        expires_at: s.expires_at,
        principal: s.principal,
    })
    .into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(state, &s.token, max_age));
    res
}

/// Sign a member in. Sets the session cookie.
#[utoipa::path(post, operation_id = "login", path = "/api/v1/auth/login", tag = "auth", request_body = SignInInput, security(()),
    responses((status = 200, body = SignedInOutput), Errors))]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    parts: axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(input): ApiJson<SignInInput>,
) -> ApiResult<Response> {
    // The session the browser held before signing in is ended (no session fixation).
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    let s = state
        .app
        .sign_in_member(input.credentials(), client_ip_from(&parts), previous)
        .await?;
    Ok(signed_in_response(&state, s))
}

/// Sign a client contact in to the portal. Sets the session cookie.
#[utoipa::path(post, operation_id = "portalLogin", path = "/api/v1/portal/login", tag = "auth", request_body = SignInInput, security(()),
    responses((status = 200, body = SignedInOutput), Errors))]
async fn portal_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    parts: axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(input): ApiJson<SignInInput>,
) -> ApiResult<Response> {
    // The session the browser held before signing in is ended (no session fixation).
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    let s = state
        .app
        .sign_in_contact(input.credentials(), client_ip_from(&parts), previous)
        .await?;
    Ok(signed_in_response(&state, s))
}

/// End this session.
#[utoipa::path(post, operation_id = "logout", path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), Errors))]
async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _auth: Auth,
) -> ApiResult<Response> {
    if let Some(token) = crate::extract::cookie_in(&headers, SESSION_COOKIE) {
        state.app.sign_out(token).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(res)
}

#[derive(Serialize, ToSchema)]
pub struct SignedOutEverywhere {
    pub sessions_ended: u64,
}

/// End every session of the caller, on every device.
#[utoipa::path(post, operation_id = "logoutEverywhere", path = "/api/v1/auth/logout-everywhere", tag = "auth", responses((status = 200, body = SignedOutEverywhere), Errors))]
async fn logout_everywhere(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    let n = state.app.sign_out_everywhere(&auth.0).await?;
    let mut res = Json(SignedOutEverywhere { sessions_ended: n }).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(res)
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub principal: Principal,
    pub org: rapport_core::org::Org,
    /// The member's profile, for members.
    pub member: Option<rapport_core::member::Member>,
    /// The contact's profile, for client contacts.
    pub contact: Option<rapport_core::client::Contact>,
}

/// Who am I?
#[utoipa::path(get, operation_id = "getMe", path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), Errors))]
async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Me>> {
    let ctx = &auth.0;
    let org = state.app.org(ctx.org()).await?;
    let (member, contact) = match ctx.principal {
        Principal::Member { member_id, .. } => {
            (Some(state.app.get_member(ctx, member_id).await?), None)
        }
        Principal::Contact { contact_id, .. } => {
            (None, Some(state.app.get_contact(ctx, contact_id).await?))
        }
    };
    Ok(Json(Me {
        principal: ctx.principal,
        org,
        member,
        contact,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (1-100 characters).
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Token {
    pub id: TokenId,
    pub member_id: rapport_core::ids::MemberId,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl From<TokenInfo> for Token {
    fn from(t: TokenInfo) -> Self {
        Token {
            id: t.id,
            member_id: t.member_id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: Token,
    /// The secret: shown only now. Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Create an API token for yourself.
#[utoipa::path(post, operation_id = "createToken", path = "/api/v1/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), Errors))]
async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let (info, secret) = state.app.create_token(&auth.0, &input.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: info.into(),
            secret,
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<Token>,
}

/// Your tokens (admins: everyone's).
#[utoipa::path(get, operation_id = "listTokens", path = "/api/v1/tokens", tag = "auth", responses((status = 200, body = TokenList), Errors))]
async fn list_tokens(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<TokenList>> {
    let items = state
        .app
        .list_tokens(&auth.0)
        .await?
        .into_iter()
        .map(Token::from)
        .collect();
    Ok(Json(TokenList { items }))
}

/// Revoke a token.
#[utoipa::path(delete, operation_id = "revokeToken", path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), Errors))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    state.app.revoke_token(&auth.0, TokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    #[serde(default)]
    pub org: Option<String>,
    pub email: String,
}

/// Mail a password-reset link. Always 202, whether or not the account exists.
#[utoipa::path(post, operation_id = "requestPasswordReset", path = "/api/v1/auth/password-reset", tag = "auth", request_body = LinkRequest, security(()),
    responses((status = 202), Errors))]
async fn password_reset(
    State(state): State<AppState>,
    parts: axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(input): ApiJson<LinkRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .request_password_reset(input.org, &input.email, client_ip_from(&parts))
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// The token from the emailed link.
    pub token: String,
    /// 10-1024 characters.
    pub password: String,
}

/// Choose a new password with the emailed token; every session of the member ends.
#[utoipa::path(post, operation_id = "confirmPasswordReset", path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = NewPassword, security(()),
    responses((status = 204), Errors))]
async fn password_reset_confirm(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewPassword>,
) -> ApiResult<StatusCode> {
    state
        .app
        .reset_password(&input.token, &input.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mail a contact a one-time portal sign-in link. Always 202.
#[utoipa::path(post, operation_id = "createPortalLink", path = "/api/v1/portal/link", tag = "auth", request_body = LinkRequest, security(()),
    responses((status = 202), Errors))]
async fn portal_link(
    State(state): State<AppState>,
    parts: axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(input): ApiJson<LinkRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .request_portal_link(input.org, &input.email, client_ip_from(&parts))
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkToken {
    pub token: String,
}

/// Sign in with a portal link (once). Sets the session cookie.
#[utoipa::path(post, operation_id = "consumePortalLink", path = "/api/v1/portal/link/consume", tag = "auth", request_body = LinkToken, security(()),
    responses((status = 200, body = SignedInOutput), Errors))]
async fn portal_link_consume(
    State(state): State<AppState>,
    headers: HeaderMap,
    parts: axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(input): ApiJson<LinkToken>,
) -> ApiResult<Response> {
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    let s = state
        .app
        .use_portal_link(&input.token, client_ip_from(&parts), previous)
        .await?;
    Ok(signed_in_response(&state, s))
}

/// Accept a portal invitation: choose a password (10-1024 characters) and sign in. Sets the
/// session cookie; every other session of the contact ends.
#[utoipa::path(post, operation_id = "acceptPortalInvitation", path = "/api/v1/portal/invite/accept", tag = "auth", request_body = NewPassword, security(()),
    responses((status = 200, body = SignedInOutput), Errors))]
async fn portal_invite_accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    parts: axum::extract::ConnectInfo<std::net::SocketAddr>,
    ApiJson(input): ApiJson<NewPassword>,
) -> ApiResult<Response> {
    let previous = crate::extract::cookie_in(&headers, SESSION_COOKIE).map(str::to_string);
    let s = state
        .app
        .accept_portal_invite(
            &input.token,
            &input.password,
            client_ip_from(&parts),
            previous,
        )
        .await?;
    Ok(signed_in_response(&state, s))
}

#[derive(Serialize, ToSchema)]
pub struct TotpSetup {
    /// Base32 secret, for typing into the app.
    pub secret: String,
    /// For a QR code.
    pub otpauth_url: String,
}

impl From<TotpEnrolment> for TotpSetup {
    fn from(e: TotpEnrolment) -> Self {
        TotpSetup {
            secret: e.secret,
            otpauth_url: e.otpauth_url,
        }
    }
}

/// Start two-factor sign-in: returns a secret for an authenticator app. Not required until
/// confirmed with a code.
#[utoipa::path(post, operation_id = "beginTotp", path = "/api/v1/me/totp", tag = "auth", responses((status = 201, body = TotpSetup), Errors))]
async fn totp_begin(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<(StatusCode, Json<TotpSetup>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.totp_begin(&auth.0).await?.into()),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// The current 6-digit code.
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpEnable {
    /// The current 6-digit code.
    pub code: String,
    /// The member's password: turning the second factor on is confirmed with it.
    pub password: String,
}

/// Turn two-factor sign-in on, proving the app holds the secret and the caller knows the
/// password.
#[utoipa::path(post, operation_id = "enableTotp", path = "/api/v1/me/totp/enable", tag = "auth", request_body = TotpEnable, responses((status = 204), Errors))]
async fn totp_enable(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<TotpEnable>,
) -> ApiResult<StatusCode> {
    state
        .app
        .totp_set(&auth.0, &input.code, Some(&input.password), true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turn two-factor sign-in off (needs a current code, not used before).
#[utoipa::path(post, operation_id = "disableTotp", path = "/api/v1/me/totp/disable", tag = "auth", request_body = TotpCode, responses((status = 204), Errors))]
async fn totp_disable(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<TotpCode>,
) -> ApiResult<StatusCode> {
    state
        .app
        .totp_set(&auth.0, &input.code, None, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 10-1024 characters.
    pub new_password: String,
}

/// Change your password, confirmed with the current one. Every session of yours ends, this one
/// too (sign in again with the new password); API tokens keep working.
#[utoipa::path(post, operation_id = "changePassword", path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange, responses((status = 204), Errors))]
async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<PasswordChange>,
) -> ApiResult<Response> {
    state
        .app
        .change_password(&auth.0, &input.current_password, &input.new_password)
        .await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(res)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(password_reset))
        .routes(routes!(password_reset_confirm))
        .routes(routes!(portal_link))
        .routes(routes!(portal_link_consume))
        .routes(routes!(portal_invite_accept))
        .routes(routes!(totp_begin))
        .routes(routes!(totp_enable))
        .routes(routes!(totp_disable))
        .routes(routes!(change_password))
        .routes(routes!(login))
        .routes(routes!(portal_login))
        .routes(routes!(logout))
        .routes(routes!(logout_everywhere))
        .routes(routes!(me))
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
}
