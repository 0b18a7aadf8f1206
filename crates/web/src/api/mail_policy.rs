//! The organisation's policy for mail whose sender the receiving server could not verify.

use axum::Json;
use axum::extract::State;
use rapport_core::mail_auth::MailPolicy;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Errors;
use crate::extract::{ApiJson, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// The policy for unverified senders (members).
#[utoipa::path(get, operation_id = "getMailPolicy", path = "/api/v1/mail-policy", tag = "mail",
    responses((status = 200, body = MailPolicy), Errors))]
async fn get_policy(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<MailPolicy>> {
    Ok(Json(s.app.mail_policy(&auth.0).await?))
}

/// Set the policy (admins and owners). With `require_authentication`, mail from a known
/// contact that does not reply to one of our messages must pass the receiving server's DMARC
/// (or an aligned DKIM or SPF) check, else it waits in triage with reason `unauthenticated`.
#[utoipa::path(put, operation_id = "setMailPolicy", path = "/api/v1/mail-policy", tag = "mail", request_body = MailPolicy,
    responses((status = 200, body = MailPolicy), Errors))]
async fn put_policy(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<MailPolicy>,
) -> ApiResult<Json<MailPolicy>> {
    Ok(Json(s.app.set_mail_policy(&auth.0, input).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_policy, put_policy))
}
