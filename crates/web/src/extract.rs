//! Extractors that fail with problem details naming the bad field or parameter.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use rapport_app::Ctx;
use rapport_core::access::Principal;
use serde::de::DeserializeOwned;

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// The session cookie's name.
pub use crate::cookies::{SESSION_COOKIE, cookie_in};
/// Header a cookie-authenticated API call must echo the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A JSON body: `Content-Type: application/json`, within the size limit, with every field
/// known and of the right type. Errors name the field.
pub struct ApiJson<T>(pub T);

fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = inner.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    if inner.is_syntax() || inner.is_eof() {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            format!("malformed JSON: {message}"),
        )
        .with_type("malformed-json");
    }
    // The path already ends at an unknown key; a missing field's path stops at its parent.
    let path = if path == "." { String::new() } else { path };
    let field = match message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        Some(name) if path.is_empty() => name.to_string(),
        Some(name) => format!("{path}.{name}"),
        None => path,
    };
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!(
            "{}: {message}",
            if field.is_empty() { "body" } else { &field }
        ),
    )
    .with_type("validation")
    .field(field, message)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let mime = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as Content-Type: application/json",
            )
            .with_type("unsupported-media-type")
            .into());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the request body is larger than the server accepts",
                )
                .with_type("too-large")
            } else {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    format!("could not read the body: {e}"),
                )
            }
        })?;
        // Syntax first (one JSON value, nothing after it), so that broken JSON is a 400 and
        // never a field complaint about whatever part happened to parse.
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            let message = e.to_string();
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                format!("malformed JSON: {message}"),
            )
            .with_type("malformed-json")
            .into());
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        let value: T = serde_path_to_error::deserialize(de).map_err(json_error)?;
        Ok(ApiJson(value))
    }
}

/// Query parameters, with errors that name the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let msg = e.into_inner().to_string();
                let field = match msg
                    .strip_prefix("unknown field `")
                    .and_then(|r| r.split('`').next())
                {
                    Some(name) => name.to_string(),
                    None => path,
                };
                ApiError(
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        format!("query parameter {field}: {msg}"),
                    )
                    .with_type("bad-query")
                    .field(field, msg),
                )
            })
    }
}

/// A numeric id in the path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw): axum::extract::Path<String> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError(Problem::new(StatusCode::BAD_REQUEST, e.to_string())))?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Id(id)),
            _ => Err(ApiError(
                Problem::new(
                    StatusCode::NOT_FOUND,
                    format!("{raw:?} is not an id that exists"),
                )
                .with_type("not-found"),
            )),
        }
    }
}

/// The caller's address (from the connection).
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
}

pub fn client_ip_from(ci: &ConnectInfo<SocketAddr>) -> Option<String> {
    Some(ci.0.ip().to_string())
}

pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// An authenticated caller: a bearer token, or a session cookie (with the CSRF header on
/// state-changing calls).
pub struct Auth(pub Ctx);

impl Auth {
    pub fn principal(&self) -> Principal {
        self.0.principal
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Self::authenticate(parts, state).await?;
        if let Some(slot) = parts.extensions.get::<crate::guard::CallerSlot>() {
            *slot.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(auth.0.clone());
        }
        Ok(auth)
    }
}

impl Auth {
    /// Checked before any database lookup, so a flood of calls costs little.
    fn rate_limit(state: &AppState, credential: &str) -> Result<(), ApiError> {
        match &state.limiter {
            Some(l) => l
                .check(credential)
                .map_err(|secs| ApiError(Problem::too_many(secs))),
            None => Ok(()),
        }
    }

    async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ip = client_ip(parts);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)
                .ok_or_else(|| Problem::unauthorized("use Authorization: Bearer <token>"))?;
            Self::rate_limit(state, token)?;
            return match state.app.api_token(token).await? {
                Some(p) => Ok(Auth(Ctx::new(p, ip))),
                None => Err(Problem::unauthorized(
                    "the token is not valid (unknown, revoked, or its member is deactivated)",
                )
                .into()),
            };
        }
        if let Some(token) = cookie(parts, SESSION_COOKIE) {
            Self::rate_limit(state, token)?;
            let Some(session) = state.app.session(token).await? else {
                return Err(Problem::unauthorized("the session has expired; sign in again").into());
            };
            let unsafe_method =
                !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if unsafe_method {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !constant_eq(sent, &session.csrf_token) {
                    return Err(Problem::new(
                        StatusCode::FORBIDDEN,
                        "missing or stale CSRF token (send it in X-CSRF-Token)",
                    )
                    .with_type("csrf")
                    .into());
                }
            }
            return Ok(Auth(Ctx::new(session.principal, ip)));
        }
        Err(Problem::unauthorized("sign in, or send Authorization: Bearer <token>").into())
    }
}

/// Equality that does not stop at the first differing byte.
pub fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
