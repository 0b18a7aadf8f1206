//! Search across requests: a page, and the fragment htmx shows under the header's box.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_app::search::SearchInput;
use serde::Deserialize;

use super::{me, page, status_label};
use crate::state::AppState;
use crate::ui::{Agent, UiResult, describe, is_htmx, trusted};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SearchQ {
    q: String,
}

pub(super) async fn search(
    State(state): State<AppState>,
    Agent(s): Agent,
    headers: HeaderMap,
    Query(q): Query<SearchQ>,
) -> UiResult<Markup> {
    let text = q.q.trim().to_string();
    let results = if text.is_empty() {
        None
    } else {
        match state
            .app
            .search(
                &s.ctx,
                SearchInput {
                    q: text.clone(),
                    limit: Some(10),
                    ..Default::default()
                },
            )
            .await
        {
            Ok(r) => Some(Ok(r)),
            Err(e @ AppError::Invalid(_)) => Some(Err(describe(&e).1)),
            Err(e) => return Err(e.into()),
        }
    };
    let list = html! {
        @match &results {
            None => {},
            Some(Err(m)) => p class="notice error" { (m) },
            Some(Ok(r)) if r.items.is_empty() => p class="empty" { "No request matches." },
            Some(Ok(r)) => ul class="hits" {
                @for h in &r.items {
                    li {
                        a href={ "/app/requests/" (h.request_id.0) } { (h.reference) " " (h.title) }
                        " " span class={ "status s-" (h.status.as_str()) } { (status_label(h.status)) }
                        div class="snippet" { (trusted(&h.snippet)) }
                    }
                }
            },
        }
    };
    if is_htmx(&headers) {
        return Ok(list);
    }
    let me = me(&state, &s).await?;
    let body = html! {
        h1 { "Search" }
        form method="get" action="/app/search" role="search" {
            label for="q2" { "Search requests " }
            input id="q2" type="search" name="q" value=(text);
            button type="submit" { "Search" }
        }
        (list)
    };
    page(&state, &s, &me, "Search", "", body).await
}
