//! Scope in use: confirming the check's verdicts, re-checking, the check's accuracy in use, the
//! scope report (JSON or CSV) and an engagement's budget burn.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use rapport_app::scope::ReportQuery;
use rapport_core::budget::Burn;
use rapport_core::ids::{ClientId, EngagementId, RequestId};
use rapport_core::request::Request;
use rapport_core::scope::report::{self, Interval, ScopeReport};
use rapport_core::scope::{Accuracy, ConfirmInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Errors;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// Confirm the scope check's verdict on a request, or change it, with a reason (members). The
/// request keeps the check's verdict beside the person's; disagreements are counted in
/// `/api/v1/scope/accuracy`.
#[utoipa::path(post, operation_id = "confirmRequestScope", path = "/api/v1/requests/{id}/scope", tag = "scope", params(("id" = i64, Path)),
    request_body = ConfirmInput, responses((status = 200, body = Request), Errors))]
async fn confirm(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> ApiResult<Json<Request>> {
    Ok(Json(
        s.app.confirm_scope(&auth.0, RequestId(id), input).await?,
    ))
}

/// Check a request again against its engagement's current brief (after the brief changed, or
/// once an engagement is set). A person's verdict stands.
#[utoipa::path(post, operation_id = "recheckRequestScope", path = "/api/v1/requests/{id}/scope/check", tag = "scope", params(("id" = i64, Path)),
    responses((status = 200, body = Request), Errors))]
async fn recheck(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<Request>> {
    Ok(Json(s.app.recheck_scope(&auth.0, RequestId(id)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccuracyQuery {
    pub client_id: Option<i64>,
    pub engagement_id: Option<i64>,
}

/// The scope check's accuracy in use: how often people confirmed its verdicts, per verdict,
/// with the confusion of check against person.
#[utoipa::path(get, operation_id = "getScopeAccuracy", path = "/api/v1/scope/accuracy", tag = "scope", params(AccuracyQuery),
    responses((status = 200, body = Accuracy), Errors))]
async fn accuracy(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AccuracyQuery>,
) -> ApiResult<Json<Accuracy>> {
    Ok(Json(
        s.app
            .scope_accuracy(
                &auth.0,
                q.client_id.map(ClientId),
                q.engagement_id.map(EngagementId),
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    pub client_id: Option<i64>,
    pub engagement_id: Option<i64>,
    /// First day, `YYYY-MM-DD` (default: the first of the month eleven months before `to`).
    #[param(value_type = Option<String>)]
    pub from: Option<Date>,
    /// Last day, inclusive (default: today, UTC).
    #[param(value_type = Option<String>)]
    pub to: Option<Date>,
    /// `month` (default) or `week` (ISO weeks). At most 240 periods.
    #[param(value_type = Option<String>)]
    pub interval: Option<Interval>,
    /// `json` (default) or `csv`; `Accept: text/csv` also asks for CSV.
    pub format: Option<String>,
}

fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> Result<bool, ApiError> {
    match format.map(str::trim) {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("query parameter format: {other:?} is not one of: json, csv"),
        )
        .with_type("bad-query")
        .field("format", "expected json or csv")
        .into()),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.to_ascii_lowercase().contains("text/csv"))),
    }
}

/// Out-of-scope work per client and engagement over time: how many requests, how many minutes,
/// what was billed (approved change orders, by approval date) and what was absorbed (work
/// started on a manager's override, and the minutes logged on it). Money in integer minor units
/// of each row's currency; periods in UTC, `period_end` exclusive. One row per period and
/// engagement with anything to show, then `totals` per engagement.
///
/// CSV (`format=csv` or `Accept: text/csv`): the rows only, RFC 4180 with a header row:
/// `period_start,period_end,client_id,client_name,engagement_id,engagement_name,currency,
/// out_requests,out_minutes,billed_orders,billed_estimate_minutes,billed_minor,billed_minutes,
/// absorbed_overrides,absorbed_minutes,absorbed_minor,pending_minutes`.
#[utoipa::path(get, operation_id = "getScopeReport", path = "/api/v1/scope/report", tag = "scope", params(ReportParams),
    responses((status = 200, content((ScopeReport = "application/json"), (String = "text/csv"))), Errors))]
async fn scope_report(
    State(s): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let r = s
        .app
        .scope_report(
            &auth.0,
            ReportQuery {
                client: q.client_id.map(ClientId),
                engagement: q.engagement_id.map(EngagementId),
                from: q.from,
                to: q.to,
                interval: q.interval,
            },
        )
        .await?;
    if !csv {
        return Ok(Json(r).into_response());
    }
    let mut res = report::to_csv(&r.rows).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"scope-report-{}-{}.csv\"",
        r.from, r.to
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[derive(Serialize, ToSchema)]
pub struct Budget {
    pub engagement_id: EngagementId,
    pub name: String,
    pub burn: Burn,
}

/// Hours and fee burnt against the engagement's budget, and the forecast to completion from the
/// estimates of its open base requests. Both budgets burn on billable base work only: time on a
/// request an approved change order pays for (`change_order_minutes`) is the change order's, and
/// non-billable minutes (`non_billable_minutes`) are shown beside the burn, never in it.
#[utoipa::path(get, operation_id = "getEngagementBudget", path = "/api/v1/engagements/{id}/budget", tag = "scope", params(("id" = i64, Path)),
    responses((status = 200, body = Budget), Errors))]
async fn budget(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<Budget>> {
    let (e, burn) = s.app.engagement_budget(&auth.0, EngagementId(id)).await?;
    Ok(Json(Budget {
        engagement_id: e.id,
        name: e.name,
        burn,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(confirm))
        .routes(routes!(recheck))
        .routes(routes!(accuracy))
        .routes(routes!(scope_report))
        .routes(routes!(budget))
}
