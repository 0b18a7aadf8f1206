//! Search over the book of work: requests and their threads, scoped to what the caller may
//! see. Contacts search only their client's requests and never match internal notes.

use rapport_core::ids::{ClientId, OrgId};
use rapport_core::request::{Kind, Status};
use rapport_core::search::{self, SearchHit, SearchQuery};
use rapport_core::validate::Violations;
use rapport_store::repo::search::{self as store, SearchFilter};

use crate::{App, AppError, AppResult, Ctx};

/// Hits per page by default, and the most one call may ask for.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// Ranks are not stable keys, so pages are numbered by offset; deeper than this, refine the
/// query instead.
pub const MAX_OFFSET: usize = 1000;

/// A search as adapters receive it.
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    pub q: String,
    pub client: Option<ClientId>,
    pub statuses: Vec<Status>,
    pub kind: Option<Kind>,
    /// Created on or after: a date (`YYYY-MM-DD`, UTC) or an RFC 3339 instant.
    pub from: Option<String>,
    /// Created before (a date includes that whole day).
    pub to: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchResults {
    /// The query as it was understood (words, "phrases", prefixes*).
    pub query: String,
    /// True when the query was longer than 500 characters or 32 terms and its tail was dropped.
    pub truncated: bool,
    pub items: Vec<SearchHit>,
    /// Pass as `offset` for the next page; absent on the last page.
    pub next_offset: Option<usize>,
}

struct Checked {
    query: SearchQuery,
    filter: SearchFilter,
    limit: usize,
    offset: usize,
}

fn check(input: SearchInput) -> AppResult<Checked> {
    let mut v = Violations::new();
    let query = v.check("q", SearchQuery::parse(&input.q));
    let from = input
        .from
        .as_deref()
        .and_then(|s| v.check("from", search::parse_bound(s, false)));
    let to = input
        .to
        .as_deref()
        .and_then(|s| v.check("to", search::parse_bound(s, true)));
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        v.add("to", "must be after from");
    }
    let limit = input.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        v.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
    }
    let offset = input.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        v.add(
            "offset",
            format!("must be at most {MAX_OFFSET}; narrow the query or the filters instead"),
        );
    }
    let query = v
        .finish(|| query)?
        .ok_or_else(|| AppError::invalid("q", "required"))?;
    Ok(Checked {
        query,
        filter: SearchFilter {
            client: input.client,
            contact: None,
            statuses: input.statuses,
            kind: input.kind,
            from,
            to,
            include_notes: true,
        },
        limit,
        offset,
    })
}

impl App {
    /// Search what the caller may see.
    pub async fn search(&self, ctx: &Ctx, input: SearchInput) -> AppResult<SearchResults> {
        let mut c = check(input)?;
        let Some(scope) = crate::access::work_scope(ctx, c.filter.client)? else {
            return Ok(SearchResults {
                query: c.query.display(),
                truncated: c.query.truncated(),
                items: vec![],
                next_offset: None,
            });
        };
        c.filter.client = scope.client;
        c.filter.contact = scope.requester;
        if scope.contact {
            c.filter.include_notes = false;
        }
        self.run_search(ctx.org(), c).await
    }

    /// The operator's view (the command line): the whole org, notes included.
    pub async fn search_org(&self, org: OrgId, input: SearchInput) -> AppResult<SearchResults> {
        let c = check(input)?;
        self.run_search(org, c).await
    }

    async fn run_search(&self, org: OrgId, c: Checked) -> AppResult<SearchResults> {
        let Checked {
            query,
            filter,
            limit,
            offset,
        } = c;
        self.store
            .read(move |db| -> AppResult<SearchResults> {
                let page = store::search(db, org, &query, &filter, limit, offset)?;
                Ok(SearchResults {
                    query: query.display(),
                    truncated: query.truncated(),
                    items: page
                        .hits
                        .into_iter()
                        .map(|mut h| {
                            h.snippet = search::highlight(&h.snippet);
                            h
                        })
                        .collect(),
                    next_offset: page.more.then_some(offset + limit),
                })
            })
            .await
    }
}
