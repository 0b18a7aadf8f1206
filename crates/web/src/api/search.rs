use axum::Json;
use axum::extract::State;
use rapport_app::search::{SearchInput, SearchResults};
use rapport_core::ids::ClientId;
use rapport_core::request::Kind;
use rapport_core::search::SearchHit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Errors;
use super::requests::statuses;
use crate::extract::{ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// What to find: words (all must match, stemmed: `volumes` finds `volume`),
    /// `"quoted phrases"`, and `prefix*` (two letters or more). Every other character
    /// (`:`, `-`, parentheses, `^`, operators) separates words. At most 500 characters and
    /// 32 terms are used; the rest is dropped and `truncated` says so.
    pub q: Option<String>,
    pub client_id: Option<i64>,
    /// One or more statuses, comma-separated: `new,triaged`.
    pub status: Option<String>,
    pub kind: Option<Kind>,
    /// Requests created on or after: `YYYY-MM-DD` (UTC) or an RFC 3339 instant.
    pub from: Option<String>,
    /// Requests created before (a date includes that whole day).
    pub to: Option<String>,
    /// 1-100, default 20.
    pub limit: Option<usize>,
    /// Hits to skip (at most 1000): `next_offset` from the previous page. Ranks are not stable
    /// keys, so a page may repeat or miss a hit when requests change between calls.
    pub offset: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    /// The query as understood, in the same syntax.
    pub query: String,
    /// True when the query was cut to 500 characters or 32 terms.
    pub truncated: bool,
    /// Best first; one hit per request.
    pub items: Vec<SearchHit>,
    /// Pass as `offset` for the next page; absent on the last page.
    pub next_offset: Option<usize>,
}

impl From<SearchResults> for SearchResponse {
    fn from(r: SearchResults) -> Self {
        SearchResponse {
            query: r.query,
            truncated: r.truncated,
            items: r.items,
            next_offset: r.next_offset,
        }
    }
}

/// Full-text search over requests (title, body, tags) and their messages, ranked, with
/// highlighted snippets. Contacts search only their client's requests and never match
/// internal notes.
#[utoipa::path(get, operation_id = "search", path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResponse), Errors))]
async fn search(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResponse>> {
    let input = SearchInput {
        q: p.q.unwrap_or_default(),
        client: p.client_id.map(ClientId),
        statuses: statuses(p.status.as_deref())?,
        kind: p.kind,
        from: p.from,
        to: p.to,
        limit: p.limit,
        offset: p.offset,
    };
    Ok(Json(s.app.search(&auth.0, input).await?.into()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}
