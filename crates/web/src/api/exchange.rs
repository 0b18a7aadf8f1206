//! CSV in and out: imports of clients, contacts and requests; the billing export.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::billing_export::BillingFilter;
use rapport_app::imports::{ImportReport, ZendeskReport};
use rapport_core::csv::ImportKind;
use rapport_core::ids::{ClientId, EngagementId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Errors;
use crate::extract::{ApiQuery, Auth};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `clients`, `contacts` or `requests` (columns in the README).
    #[param(value_type = String)]
    pub kind: ImportKind,
    /// Only check: report every row that would be rejected and why; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Import a CSV file (`Content-Type: text/csv`, UTF-8, comma-separated, header first; a BOM
/// is skipped). With `dry_run=true` the answer reports every rejected row (line, column,
/// reason). Without it, all rows are imported in one transaction, or none: any rejected row
/// answers 422 listing them (`errors[].field` is `line N: column`).
#[utoipa::path(post, operation_id = "importCsv", path = "/api/v1/imports/csv", tag = "imports", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "dry run", body = ImportReport),
              (status = 201, description = "imported", body = ImportReport), Errors))]
async fn import_csv(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "text/csv" {
        return Err(ApiError(
            Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("send the file as text/csv (got {:?})", ct),
            )
            .with_type("unsupported-media-type"),
        ));
    }
    let report = s
        .app
        .import_csv(&auth.0, q.kind, body.to_vec(), q.dry_run)
        .await?;
    let status = if report.applied {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BillingQuery {
    pub client_id: Option<i64>,
    pub engagement_id: Option<i64>,
    /// First day included, YYYY-MM-DD (UTC).
    #[param(value_type = Option<String>)]
    pub from: Option<jiff::civil::Date>,
    /// Last day included, YYYY-MM-DD (UTC).
    #[param(value_type = Option<String>)]
    pub to: Option<jiff::civil::Date>,
}

/// Time entries and approved change orders as CSV (managers and above): billable and not,
/// amounts in integer minor units and as a decimal in the currency's digits. A change order is
/// billed once at its price; time on its requests is listed as `change_order_time` at 0.
#[utoipa::path(get, operation_id = "exportBillingCsv", path = "/api/v1/exports/billing.csv", tag = "imports", params(BillingQuery),
    responses((status = 200, content_type = "text/csv", body = String), Errors))]
async fn billing(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<BillingQuery>,
) -> ApiResult<Response> {
    let csv = s
        .app
        .billing_csv(
            &auth.0,
            BillingFilter {
                client: q.client_id.map(ClientId),
                engagement: q.engagement_id.map(EngagementId),
                from: q.from,
                to: q.to,
            },
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"billing.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ZendeskQuery {
    /// Time zone (IANA) of the clients created; default UTC.
    pub tz: Option<String>,
    /// Only check: report every problem; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Import a Zendesk export: `{"organizations": [...], "users": [...], "tickets": [...]}` of
/// Zendesk API objects, each ticket with its `comments`. Organizations become clients, end users
/// their contacts, tickets requests with their comments as the thread (agents' comments are
/// attributed to the member with the same email). All in one transaction or nothing; problems
/// are named by place (`tickets[3].status`).
#[utoipa::path(post, operation_id = "importZendesk", path = "/api/v1/imports/zendesk", tag = "imports", params(ZendeskQuery),
    request_body(content = Object, content_type = "application/json"),
    responses((status = 200, description = "dry run", body = ZendeskReport),
              (status = 201, description = "imported", body = ZendeskReport), Errors))]
async fn import_zendesk(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ZendeskQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ZendeskReport>)> {
    let report = s
        .app
        .import_zendesk(
            &auth.0,
            body.to_vec(),
            q.tz.unwrap_or_else(|| "UTC".into()),
            q.dry_run,
        )
        .await?;
    let status = if report.applied {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_csv))
        .routes(routes!(billing))
        .routes(routes!(import_zendesk))
}
