//! Ratings: the public one-time rating link, the portal and team ratings, and the perception
//! gap between them.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use rapport_app::ratings::{GapSubject, InvitationView, PerceptionGap};
use rapport_core::ids::{ClientId, EngagementId, RequestId};
use rapport_core::rating::Rating;
use rapport_core::rating::gap::{Gap, MonthGap};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Errors;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, client_ip_from};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// 1 (poor) to 5 (excellent).
    pub score: i64,
    /// Why; up to 10,000 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRatingInput {
    /// 1 (poor) to 5 (excellent).
    pub score: i64,
    /// Why; up to 10,000 characters.
    #[serde(default)]
    pub comment: Option<String>,
    /// The request being rated, if the page knows it: must be the one the link is for.
    #[serde(default)]
    pub request_id: Option<RequestId>,
}

/// What a rating link is for: the work's title and who delivered it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOutput {
    pub title: String,
    pub delivered_by: String,
    pub expires_at: Timestamp,
}

impl From<InvitationView> for InvitationOutput {
    fn from(v: InvitationView) -> Self {
        InvitationOutput {
            title: v.title,
            delivered_by: v.delivered_by,
            expires_at: v.expires_at,
        }
    }
}

fn token(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(t)| t).map_err(|_| {
        Problem::new(StatusCode::NOT_FOUND, "rating invitation not found")
            .with_type("not-found")
            .into()
    })
}

/// What a rating link is for (no sign-in: the link is the credential). 404 for an unknown
/// link, 409 once used, 410 once expired. A browser (asking for HTML first) is sent to the
/// rating page: mail from earlier releases linked here.
#[utoipa::path(get, operation_id = "getRatingInvitation", path = "/api/v1/ratings/invitations/{token}", tag = "ratings", security(()),
    params(("token" = String, Path, description = "The token from the link")),
    responses((status = 200, body = InvitationOutput),
        (status = 303, description = "A browser asking for HTML is sent to the rating page"), Errors))]
async fn invitation(
    State(s): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    let t = token(path)?;
    // Our tokens are URL-safe; anything else is not ours and gets the API's 404.
    let url_safe = t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if wants_html(&headers) && url_safe {
        let page = format!("{}/{t}", rapport_app::ratings::LINK_PATH);
        return Ok(Redirect::to(&page).into_response());
    }
    Ok(Json(InvitationOutput::from(s.app.rating_invitation(&t).await?)).into_response())
}

/// Whether the caller is a browser opening a link: HTML named before any JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (accept.find("text/html"), accept.find("application/json")) {
        (Some(h), Some(j)) => h < j,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Rate delivered work through a link: once, before it expires (no sign-in).
#[utoipa::path(post, operation_id = "rateByInvitation", path = "/api/v1/ratings/invitations/{token}", tag = "ratings", security(()),
    params(("token" = String, Path, description = "The token from the link")),
    request_body = LinkRatingInput, responses((status = 201, body = Rating), Errors))]
async fn rate_by_link(
    State(s): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    path: Result<Path<String>, PathRejection>,
    ApiJson(input): ApiJson<LinkRatingInput>,
) -> ApiResult<(StatusCode, Json<Rating>)> {
    let t = token(path)?;
    let r = s
        .app
        .rate_by_invitation(
            &t,
            input.score,
            input.comment.as_deref().unwrap_or(""),
            input.request_id,
            client_ip_from(&ci),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// A contact rates delivered work from the portal (one rating per contact per request).
#[utoipa::path(post, operation_id = "rateRequest", path = "/api/v1/requests/{id}/rating", tag = "ratings", params(("id" = i64, Path)),
    request_body = RatingInput, responses((status = 201, body = Rating), Errors))]
async fn rate(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<RatingInput>,
) -> ApiResult<(StatusCode, Json<Rating>)> {
    let r = s
        .app
        .rate_request(
            &auth.0,
            RequestId(id),
            input.score,
            input.comment.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The team's own rating of delivered work (members; one per request).
#[utoipa::path(post, operation_id = "teamRateRequest", path = "/api/v1/requests/{id}/team-rating", tag = "ratings", params(("id" = i64, Path)),
    request_body = RatingInput, responses((status = 201, body = Rating), Errors))]
async fn team_rate(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<RatingInput>,
) -> ApiResult<(StatusCode, Json<Rating>)> {
    let r = s
        .app
        .team_rate_request(
            &auth.0,
            RequestId(id),
            input.score,
            input.comment.as_deref().unwrap_or(""),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Serialize, ToSchema)]
pub struct RatingList {
    pub items: Vec<Rating>,
}

/// A request's ratings (contacts see only the client's).
#[utoipa::path(get, operation_id = "listRequestRatings", path = "/api/v1/requests/{id}/ratings", tag = "ratings", params(("id" = i64, Path)),
    responses((status = 200, body = RatingList), Errors))]
async fn ratings(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<RatingList>> {
    Ok(Json(RatingList {
        items: s.app.request_ratings(&auth.0, RequestId(id)).await?,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GapQuery {
    /// Give this or `engagement_id`.
    pub client_id: Option<i64>,
    pub engagement_id: Option<i64>,
    /// Rated requests (team and client) to average over: 1-100, default 10. Fewer than 3
    /// pairs are averaged but never flagged.
    pub last: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PerceptionGapOutput {
    /// `client` or `engagement`.
    pub subject_kind: String,
    pub subject_id: i64,
    pub last: usize,
    /// The team rating this far above the client on average is flagged.
    pub threshold: f64,
    /// Over the last `last` requests rated by both sides.
    pub current: Gap,
    /// Month by month (client's zone), oldest first: the current month and the two before it
    /// (months without pairs left out).
    pub months: Vec<MonthGap>,
}

impl From<PerceptionGap> for PerceptionGapOutput {
    fn from(g: PerceptionGap) -> Self {
        PerceptionGapOutput {
            subject_kind: g.subject_kind.to_string(),
            subject_id: g.subject_id,
            last: g.last,
            threshold: g.threshold,
            current: g.current,
            months: g.months,
        }
    }
}

/// How much better the team thinks of its work than the client does, now and per month.
#[utoipa::path(get, operation_id = "getPerceptionGap", path = "/api/v1/perception-gap", tag = "ratings", params(GapQuery),
    responses((status = 200, body = PerceptionGapOutput), Errors))]
async fn perception_gap(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<GapQuery>,
) -> ApiResult<Json<PerceptionGapOutput>> {
    let subject = match (q.client_id, q.engagement_id) {
        (Some(c), None) => GapSubject::Client(ClientId(c)),
        (None, Some(e)) => GapSubject::Engagement(EngagementId(e)),
        _ => {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "query parameter client_id: give exactly one of client_id and engagement_id",
            )
            .with_type("bad-query")
            .field(
                "client_id",
                "give exactly one of client_id and engagement_id",
            )
            .into());
        }
    };
    Ok(Json(
        s.app.perception_gap(&auth.0, subject, q.last).await?.into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invitation, rate_by_link))
        .routes(routes!(rate))
        .routes(routes!(team_rate))
        .routes(routes!(ratings))
        .routes(routes!(perception_gap))
}
