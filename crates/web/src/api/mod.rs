//! The JSON API under /api/v1. Handlers are thin: extract, call the application, answer.
//! The OpenAPI document is generated from these handlers and the types they use.

mod alerts;
mod audit;
pub(crate) mod auth;
mod automation;
mod care;
mod change_orders;
mod clients;
mod clocks;
pub mod document;
mod engagements;
mod exchange;
mod health;
mod jobs;
mod mail;
mod mail_policy;
mod members;
mod notifications;
mod promises;
mod ratings;
mod requests;
mod scope;
mod search;
mod time;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::problem::Problem;
use crate::state::AppState;

/// The error answers every authenticated endpoint can give.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Errors {
    /// Malformed JSON or query parameters.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Not signed in, or a bad token.
    #[response(status = 401, content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"rapport\"`")))]
    Unauthorized(Problem),
    /// Signed in but not allowed.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such resource visible to the caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The state does not allow it (duplicate, illegal transition).
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// No longer usable (an expired link).
    #[response(status = 410, content_type = "application/problem+json")]
    Gone(Problem),
    /// Body too large.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Body not JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Invalid fields; `errors` names each.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
    /// Rate limited: wait the seconds `Retry-After` names, then try again.
    #[response(status = 429, content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before trying again")))]
    TooMany(Problem),
    /// Database unavailable.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Defines a concrete list response type (OpenAPI needs a named schema per item type).
macro_rules! list_type {
    ($name:ident, $item:ty) => {
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }

        impl From<rapport_app::Listing<$item>> for $name {
            fn from(l: rapport_app::Listing<$item>) -> Self {
                $name {
                    items: l.items,
                    next_cursor: l.next_cursor,
                }
            }
        }
    };
}
pub(crate) use list_type;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::extract::SESSION_COOKIE,
                "Session from /api/v1/auth/login; state-changing calls must also send X-CSRF-Token.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport API",
        description = "The book of work, briefs, promises and care, for firms that serve clients. \
            Errors are RFC 9457 problem details. Lists use cursor pagination: pass `next_cursor` back as `cursor`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    servers((url = "/", description = "This Rapport server (every path starts with /api/v1)")),
    modifiers(&SecuritySchemes),
    components(schemas(Problem, rapport_core::validate::FieldError)),
    security(("bearer" = []), ("cookie" = [])),
    tags(
        (name = "auth", description = "Signing in and tokens"),
        (name = "members", description = "People of the firm"),
        (name = "clients", description = "Clients and their contacts"),
        (name = "engagements", description = "Work under a brief"),
        (name = "requests", description = "The book of work"),
        (name = "promises", description = "Commitments to clients"),
        (name = "time", description = "Time entries"),
        (name = "audit", description = "Who did what, when"),
        (name = "jobs", description = "The job queue"),
        (name = "alerts", description = "What needs a person's attention"),
        (name = "notifications", description = "Each member's own inbox and how it reaches them by mail"),
        (name = "care", description = "Etiquette lint, complaints and first replies"),
        (name = "ratings", description = "Ratings of delivered work and the perception gap"),
        (name = "health", description = "Client health and the at-risk list"),
        (name = "clocks", description = "Silence and capacity: who waits on us, who can carry what"),
        (name = "scope", description = "Scope verdicts, accuracy in use, budget burn and the scope report"),
        (name = "change-orders", description = "Out-of-scope work priced and approved by the client"),
        (name = "search", description = "Full-text search over requests and messages"),
        (name = "mail", description = "Mailboxes, triage of unrouted mail, attachments and message HTML"),
        (name = "automation", description = "Canned replies, rules and webhooks"),
        (name = "imports", description = "CSV imports and the billing export"),
    )
)]
pub struct ApiDoc;

/// Every API route, with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(members::router())
        .merge(clients::router())
        .merge(engagements::router())
        .merge(requests::router())
        .merge(promises::router())
        .merge(time::router())
        .merge(audit::router())
        .merge(jobs::router())
        .merge(alerts::router())
        .merge(notifications::router())
        .merge(care::router())
        .merge(ratings::router())
        .merge(health::router())
        .merge(clocks::router())
        .merge(scope::router())
        .merge(change_orders::router())
        .merge(search::router())
        .merge(mail::router())
        .merge(mail_policy::router())
        .merge(automation::router())
        .merge(exchange::router())
}
