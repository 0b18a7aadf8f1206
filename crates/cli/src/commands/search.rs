//! `rapport search QUERY --org SLUG`: full-text search over an org's requests and messages, as
//! the operator (every client, internal notes included).

use std::io::Write;

use clap::Args;
use rapport_app::search::SearchInput;
use rapport_app::{App, AppError, Settings};
use rapport_core::ids::ClientId;
use rapport_core::request::{Kind, Status};
use rapport_core::search::MatchedIn;

use super::emit;
use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words (all must match), "quoted phrases" and prefix* (quote the whole query for the
    /// shell). Other punctuation separates words.
    pub query: String,
    /// The organisation's slug.
    #[arg(long)]
    pub org: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Only this client's requests (its id).
    #[arg(long)]
    pub client: Option<i64>,
    /// Only these statuses, comma-separated (new,triaged,...).
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<Status>,
    /// Only this kind of request.
    #[arg(long)]
    pub kind: Option<Kind>,
    /// Created on or after (YYYY-MM-DD in UTC, or an RFC 3339 instant).
    #[arg(long)]
    pub from: Option<String>,
    /// Created before (a date includes that whole day).
    #[arg(long)]
    pub to: Option<String>,
    /// Hits to show (1-100).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Hits to skip (at most 1000).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Print the results as JSON (snippets HTML-escaped with <mark>, as the API gives them).
    #[arg(long)]
    pub json: bool,
}

/// The API names fields as the query string does; here they are the arguments.
fn flag(field: &str) -> String {
    match field {
        "q" => "QUERY".into(),
        "client_id" => "--client".into(),
        other => format!("--{other}"),
    }
}

pub fn run(args: SearchArgs) -> CmdResult {
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, false);
    config::runtime()?.block_on(async move {
        let store = config::open_current(&db).await?;
        let app = App::new(store, Settings::default());
        let org = app
            .org_by_slug(&args.org)
            .await
            .map_err(config::app_failure)?
            .ok_or_else(|| Failure::Usage(format!("--org {:?}: no such organisation", args.org)))?;
        let input = SearchInput {
            q: args.query,
            client: args.client.map(ClientId),
            statuses: args.status,
            kind: args.kind,
            from: args.from,
            to: args.to,
            limit: Some(args.limit),
            offset: Some(args.offset),
        };
        let results = app.search_org(org.id, input).await.map_err(|e| match e {
            AppError::Invalid(v) => Failure::Usage(
                v.0.iter()
                    .map(|f| format!("{}: {}", flag(&f.field), f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => config::app_failure(other),
        })?;
        if args.json {
            return print_json(&results);
        }
        emit(|out| {
            if results.truncated {
                writeln!(out, "(query cut to: {})", results.query)?;
            }
            if results.items.is_empty() {
                writeln!(out, "no matches for {}", results.query)?;
            }
            for h in &results.items {
                let place = match (h.matched_in, h.message_id) {
                    (MatchedIn::Message, Some(m)) => format!("message {m}"),
                    _ => "request".into(),
                };
                writeln!(
                    out,
                    "#{:<6} {:<17} {}  [client {}, {}]",
                    h.reference,
                    h.status.as_str(),
                    h.title,
                    h.client_id,
                    place
                )?;
                writeln!(out, "        {}", unescape(&h.snippet))?;
            }
            if let Some(next) = results.next_offset {
                writeln!(out, "more: --offset {next}")?;
            }
            Ok(())
        })
    })
}

/// The API's HTML snippet as terminal text: matches in [brackets].
fn unescape(html: &str) -> String {
    html.replace("<mark>", "[")
        .replace("</mark>", "]")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace('\n', " ")
}
