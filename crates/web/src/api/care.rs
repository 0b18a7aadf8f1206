//! Care: the etiquette lint for the composer, a contact's effective etiquette, complaints and
//! the first reply to one.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use rapport_app::care::{ComplaintDraft, LintOutcome, LintTarget};
use rapport_core::complaint::ComplaintSummary;
use rapport_core::effective_etiquette::EffectiveEtiquette;
use rapport_core::etiquette::Finding;
use rapport_core::ids::{ClientId, ContactId, RequestId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

list_type!(ComplaintList, ComplaintSummary);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LintInput {
    /// Lint as a message on this request: to its contact, as a reply to a complaint when it is
    /// one. Give either this or `client_id`.
    #[serde(default)]
    pub request_id: Option<RequestId>,
    #[serde(default)]
    pub client_id: Option<ClientId>,
    /// With `client_id`: the contact it is addressed to.
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    /// The text, 1 to 1,000,000 characters. Findings carry byte offsets into it as sent.
    pub body: String,
    /// When it will be sent; default now when it is addressed to a contact.
    #[serde(default)]
    pub send_at: Option<Timestamp>,
    /// Check it as a reply to a complaint (defensive phrasing, acknowledgement, question);
    /// default: whether the request is a complaint.
    #[serde(default)]
    pub reply_to_complaint: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LintResult {
    pub findings: Vec<Finding>,
    /// The name the addressee is to be greeted by.
    pub addressee: Option<String>,
    pub reply_to_complaint: bool,
    /// The send time that was checked against the client's calendar.
    pub send_at: Option<Timestamp>,
}

impl From<LintOutcome> for LintResult {
    fn from(o: LintOutcome) -> Self {
        LintResult {
            findings: o.findings,
            addressee: o.addressee,
            reply_to_complaint: o.reply_to_complaint,
            send_at: o.send_at,
        }
    }
}

/// Lint an outgoing message against the addressee's etiquette (members). Sending an outbound
/// message runs the same lint and refuses (409, with `findings`) unless `confirm_findings`.
#[utoipa::path(post, operation_id = "lintMessage", path = "/api/v1/lint", tag = "care", request_body = LintInput,
    responses((status = 200, body = LintResult), Errors))]
async fn lint(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<LintInput>,
) -> ApiResult<Json<LintResult>> {
    let target = match (input.request_id, input.client_id) {
        (Some(r), None) if input.contact_id.is_none() => LintTarget::Request(r),
        (None, Some(client)) => LintTarget::Client {
            client,
            contact: input.contact_id,
        },
        (Some(_), _) => {
            return Err(Problem::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "request_id: give either request_id, or client_id (and contact_id)",
            )
            .with_type("validation")
            .field(
                "request_id",
                "give either request_id, or client_id (and contact_id)",
            )
            .into());
        }
        (None, None) => {
            return Err(Problem::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "request_id: required (or client_id)",
            )
            .with_type("validation")
            .field("request_id", "required (or client_id)")
            .into());
        }
    };
    Ok(Json(
        s.app
            .lint_message(
                &auth.0,
                target,
                input.body,
                input.send_at,
                input.reply_to_complaint,
            )
            .await?
            .into(),
    ))
}

/// The effective etiquette for writing to a contact: their client's profile and their own,
/// the name to greet them by, and whether their calendar is open now.
#[utoipa::path(get, operation_id = "getContactEtiquette", path = "/api/v1/contacts/{id}/etiquette", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = EffectiveEtiquette), Errors))]
async fn etiquette(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<EffectiveEtiquette>> {
    Ok(Json(s.app.contact_etiquette(&auth.0, ContactId(id)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplaintQuery {
    /// Include complaints whose request is delivered or closed (default false).
    pub include_closed: Option<bool>,
    pub client_id: Option<i64>,
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

/// Complaints with their age, state and how the client sounded, oldest first.
#[utoipa::path(get, operation_id = "listComplaints", path = "/api/v1/complaints", tag = "care", params(ComplaintQuery),
    responses((status = 200, body = ComplaintList), Errors))]
async fn complaints(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ComplaintQuery>,
) -> ApiResult<Json<ComplaintList>> {
    Ok(Json(
        s.app
            .list_complaints(
                &auth.0,
                q.include_closed.unwrap_or(false),
                q.client_id.map(ClientId),
                q.cursor.as_deref(),
                q.limit,
            )
            .await?
            .into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintDraftOutput {
    pub request_id: RequestId,
    /// The reply: thanks, sorry for how they feel, why and examples, the next step by a date.
    pub body: String,
    pub addressee: Option<String>,
    /// The date the draft promises the next step by (client's zone). Record it as a promise
    /// when you send the reply.
    #[schema(value_type = String, format = Date)]
    pub promise_by: jiff::civil::Date,
    /// `promise` (a promise pending on the request), `due_date`, or `business_day`.
    pub promise_basis: String,
    /// Lint findings of the draft as a reply to a complaint: empty when it passes.
    pub findings: Vec<Finding>,
}

impl From<ComplaintDraft> for ComplaintDraftOutput {
    fn from(d: ComplaintDraft) -> Self {
        ComplaintDraftOutput {
            request_id: d.request_id,
            body: d.body,
            addressee: d.addressee,
            promise_by: d.promise_by,
            promise_basis: d.promise_basis.to_string(),
            findings: d.findings,
        }
    }
}

/// A first reply to a complaint, addressed per the contact's etiquette; 409 when the request
/// is not a complaint.
#[utoipa::path(get, operation_id = "getComplaintDraft", path = "/api/v1/requests/{id}/complaint-draft", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDraftOutput), Errors))]
async fn complaint_draft(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<ComplaintDraftOutput>> {
    Ok(Json(
        s.app.complaint_draft(&auth.0, RequestId(id)).await?.into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(lint))
        .routes(routes!(etiquette))
        .routes(routes!(complaints))
        .routes(routes!(complaint_draft))
}
