//! Errors as RFC 9457 problem details (`application/problem+json`), with the field-level
//! detail every client needs to fix its request.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::AppError;
use rapport_core::validate::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// A problem detail. `errors` lists every field that was wrong.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://rapport.invalid/problems/unconfirmed-findings",
    "title": "Conflict",
    "status": 409,
    "detail": "the message has 1 etiquette finding (first: \"Cheers\" is on the client's list of words to avoid); fix it or send again with \"confirm_findings\": true",
    "errors": [{"field": "body", "message": "the message has 1 etiquette finding (first: \"Cheers\" is on the client's list of words to avoid); fix it or send again with \"confirm_findings\": true"}],
    "findings": [{"rule": "avoided_form", "start": 38, "end": 44, "message": "\"Cheers\" is on the client's list of words to avoid", "suggestion": null}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase: always a constant, which keeps `Problem` (and with it every
    /// handler's error) under clippy's large-error size with room for `approvers`.
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Etiquette lint findings that stopped an unconfirmed outgoing message (409): each with
    /// its rule, byte span, message and suggestion.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<rapport_core::etiquette::Finding>>)]
    pub findings: Option<Box<serde_json::Value>>,
    /// The messages that arrived since the newest one a held reply or note was written
    /// against (409 `stale-thread`), oldest first: nothing was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<rapport_core::message::Message>>)]
    pub new_messages: Option<Box<serde_json::Value>>,
    /// The client's approvers, by name (403 `approver-required`): whom a contact without the
    /// approver role asks instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub approvers: Option<Box<serde_json::Value>>,
    // u32 seconds (over a century) keeps `Problem`, and every handler's error, small; 0 for
    // none (a wait of no seconds is no advice) rather than an `Option`, for the same reason.
    #[serde(skip)]
    retry_after: u32,
    #[serde(skip)]
    bearer_challenge: bool,
}

/// What a 503 for an unavailable dependency advises: a failover measured here takes a few seconds.
const UNAVAILABLE_RETRY_AFTER_SECS: u32 = 2;

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            findings: None,
            new_messages: None,
            approvers: None,
            retry_after: 0,
            bearer_challenge: false,
        }
    }

    pub fn with_type(mut self, kind: &str) -> Self {
        self.kind = format!("https://rapport.invalid/problems/{kind}");
        self
    }

    pub fn field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        let mut p = Problem::new(StatusCode::UNAUTHORIZED, detail).with_type("unauthorized");
        p.bearer_challenge = true;
        p
    }

    pub fn too_many(retry_after: u64) -> Self {
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many requests; try again in {retry_after} s"),
        )
        .with_type("rate-limited");
        p.retry_after = u32::try_from(retry_after).unwrap_or(u32::MAX).max(1);
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.retry_after > 0
            && let Ok(v) = HeaderValue::from_str(&self.retry_after.to_string())
        {
            h.insert(header::RETRY_AFTER, v);
        }
        if self.bearer_challenge {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rapport\""),
            );
        }
        res
    }
}

/// An error from a handler: converts application errors into problems.
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError(p)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(problem_for(e))
    }
}

pub fn problem_for(e: AppError) -> Problem {
    match e {
        AppError::Invalid(v) => {
            let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, v.to_string())
                .with_type("validation");
            p.errors = v.0;
            p
        }
        AppError::NotFound(what) => {
            Problem::new(StatusCode::NOT_FOUND, format!("{what} not found")).with_type("not-found")
        }
        AppError::Forbidden(m) => Problem::new(StatusCode::FORBIDDEN, m).with_type("forbidden"),
        AppError::ApproverRequired { message, approvers } => {
            let mut p = Problem::new(StatusCode::FORBIDDEN, message).with_type("approver-required");
            p.approvers = Some(Box::new(serde_json::json!(approvers)));
            p
        }
        AppError::Unauthorized(m) => Problem::unauthorized(m),
        AppError::Conflict { message, errors } => {
            let mut p = Problem::new(StatusCode::CONFLICT, message).with_type("conflict");
            p.errors = errors;
            p
        }
        AppError::SecondFactorRequired => {
            let mut p = Problem::unauthorized(
                "a one-time code from your authenticator app is required: send it as `totp`",
            );
            p.kind = "https://rapport.invalid/problems/totp-required".into();
            p.field("totp", "required")
        }
        AppError::Unconfirmed {
            field,
            message,
            findings,
        } => {
            let mut p = Problem::new(StatusCode::CONFLICT, message.clone())
                .with_type("unconfirmed-findings")
                .field(field, message);
            p.findings = Some(Box::new(findings));
            p
        }
        AppError::StaleThread { message, messages } => {
            let mut p = Problem::new(StatusCode::CONFLICT, message.clone())
                .with_type("stale-thread")
                .field("last_seen_message_id", message);
            p.new_messages = Some(Box::new(
                serde_json::to_value(messages).unwrap_or(serde_json::Value::Null),
            ));
            p
        }
        AppError::Gone(m) => Problem::new(StatusCode::GONE, m).with_type("gone"),
        AppError::TooMany(secs) => Problem::too_many(secs),
        AppError::NotConfigured(m) => {
            tracing::warn!(error = %m, "refused: the server is not configured for this");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, m).with_type("not-configured")
        }
        AppError::Unavailable(m) => {
            tracing::warn!(error = %m, "dependency unavailable");
            let mut p = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the service is temporarily unavailable; try again shortly",
            )
            .with_type("unavailable");
            // A database switching over (or a pool briefly exhausted) is back within seconds;
            // saying when to retry keeps well-behaved clients from hammering it meanwhile.
            p.retry_after = UNAVAILABLE_RETRY_AFTER_SECS;
            p
        }
        AppError::Internal(m) => {
            tracing::error!(error = %m, "internal error");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "an internal error occurred; it has been logged",
            )
            .with_type("internal")
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
