//! Cross-cutting protections applied to every request: security headers, a record of every
//! permission denial, per-credential rate limits, and replay of retried POSTs by
//! `Idempotency-Key`.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rapport_app::Ctx;
use rapport_app::auth::{SecretKind, secret_org};
use rapport_app::gate::Idempotent;
use sha2::{Digest, Sha256};

use crate::cookies::{SESSION_COOKIE, cookie_in};
use crate::problem::Problem;
use crate::state::AppState;

/// The most of an over-long body read off the connection before answering 413, and how long
/// that may take. Past either bound the connection is simply closed.
const DRAIN_MAX_BYTES: u64 = 64 * 1024 * 1024;
const DRAIN_MAX_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Refuse a body whose declared length is over the limit without handing it to anything, but
/// read it off the connection first (within bounds): a client still sending would otherwise see
/// the connection reset and never read the 413 that explains why.
pub async fn refuse_oversized(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config.body_limit as u64;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit => {
            if n <= DRAIN_MAX_BYTES {
                use http_body_util::BodyExt;
                let mut body = req.into_body();
                let _ = tokio::time::timeout(DRAIN_MAX_TIME, async {
                    while let Some(Ok(_)) = body.frame().await {}
                })
                .await;
            }
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than the server accepts ({limit} bytes)"),
            )
            .with_type("too-large")
            .into_response()
        }
        _ => next.run(req).await,
    }
}

/// Headers every response carries. The CSP allows no inline script and no framing; an answer
/// that set a stricter one of its own (downloads: a sandbox) keeps it. A server served over
/// HTTPS also tells browsers never to use plain http for it (HSTS).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
        ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// Behind a trusted reverse proxy the connection is the proxy's: take the client's address from
/// `X-Forwarded-For` instead, reading from the right and skipping the trusted proxies (the
/// entries further left are the client's own claims and are not believed). From any other peer
/// the header is ignored, so a client cannot pick the address its sign-in attempts count against.
pub async fn client_address(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let trusted = &state.config.trusted_proxies;
    if !trusted.is_empty()
        && let Some(peer) = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0)
        && trusted.contains(&peer.ip())
        && let Some(client) = forwarded_client(req.headers(), trusted)
    {
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, 0)));
    }
    next.run(req).await
}

/// The nearest address in `X-Forwarded-For` (all such headers, in order) that is not one of
/// the trusted proxies.
fn forwarded_client(headers: &axum::http::HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().parse::<IpAddr>().ok())
        .collect::<Option<Vec<_>>>()?;
    hops.into_iter().rev().find(|ip| !trusted.contains(ip))
}

/// Where the `Auth` extractor leaves the caller, so a denial can be attributed.
#[derive(Clone, Default)]
pub struct CallerSlot(pub Arc<Mutex<Option<Ctx>>>);

/// Audit every 403 with who asked, for what, from where.
pub async fn record_denials(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let slot = CallerSlot::default();
    req.extensions_mut().insert(slot.clone());
    let (method, path) = (req.method().to_string(), req.uri().path().to_string());
    let res = next.run(req).await;
    if res.status() == StatusCode::FORBIDDEN {
        let caller = slot.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(ctx) = caller {
            let result = state.app.record_denial(ctx, method, path).await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not record a denial");
            }
        }
    }
    res
}

/// The credential a request carries and the org it names.
fn credential(req: &Request) -> Option<(rapport_core::ids::OrgId, String)> {
    if let Some(v) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))?
            .trim();
        return secret_org(SecretKind::ApiToken, token).map(|o| (o, token.to_string()));
    }
    let cookie = cookie_in(req.headers(), SESSION_COOKIE)?;
    secret_org(SecretKind::Session, cookie).map(|o| (o, cookie.to_string()))
}

/// Whether `cred` (the bearer token, or else the session cookie) belongs to a live credential.
async fn authenticated(state: &AppState, bearer: bool, cred: &str) -> bool {
    let found = if bearer {
        state.app.api_token(cred).await.map(|p| p.is_some())
    } else {
        state.app.session(cred).await.map(|s| s.is_some())
    };
    found.unwrap_or(false)
}

fn sha_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

/// `Idempotency-Key` on a POST: the first request runs and its answer is kept; a retry with the
/// same key and the same request gets the same answer without running again; the same key with
/// a different request is refused.
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.uri().path().starts_with("/api/v1/") {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string))
    else {
        return next.run(req).await;
    };
    let key = match key {
        Ok(k) if (1..=255).contains(&k.len()) && k.chars().all(|c| c.is_ascii_graphic()) => k,
        _ => {
            return Problem::new(
                StatusCode::BAD_REQUEST,
                "Idempotency-Key must be 1-255 visible ASCII characters",
            )
            .field("Idempotency-Key", "invalid")
            .into_response();
        }
    };
    let Some((org, cred)) = credential(&req) else {
        return next.run(req).await;
    };
    // Only a caller the server knows may leave a record: a made-up token names an org but
    // must not write to it. The request runs as usual (and is refused there).
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    if !authenticated(&state, bearer, &cred).await {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.config.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is larger than the server accepts",
            )
            .with_type("too-large")
            .into_response();
        }
    };
    let key_hash = sha_hex(&[cred.as_bytes(), key.as_bytes()]);
    let request_hash = sha_hex(&[
        parts.method.as_str().as_bytes(),
        parts.uri.to_string().as_bytes(),
        &bytes,
    ]);
    let begun = state
        .app
        .begin_idempotent(org, key_hash.clone(), request_hash)
        .await;
    let req = Request::from_parts(parts, Body::from(bytes));
    match begun {
        // The key cannot be recorded (e.g. the credential names no org): run without it.
        Err(_) => next.run(req).await,
        Ok(Idempotent::Mismatch) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "this Idempotency-Key was already used for a different request",
        )
        .with_type("idempotency-mismatch")
        .field("Idempotency-Key", "reused with a different request")
        .into_response(),
        Ok(Idempotent::InProgress) => Problem::new(
            StatusCode::CONFLICT,
            "a request with this Idempotency-Key is still running",
        )
        .with_type("idempotency-in-progress")
        .into_response(),
        Ok(Idempotent::Done { status, body }) => {
            let mut res =
                (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
            let ct = if status >= 400 {
                "application/problem+json"
            } else {
                "application/json"
            };
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            res
        }
        Ok(Idempotent::New) => {
            let res = next.run(req).await;
            let (parts, body) = res.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let status = parts.status.as_u16();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let stored = state
                .app
                .finish_idempotent(org, key_hash, status, text)
                .await;
            if let Err(e) = stored {
                tracing::warn!(error = %e, "could not record an idempotent answer");
            }
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}
