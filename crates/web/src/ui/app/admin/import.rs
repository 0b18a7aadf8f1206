//! Imports (admins): a CSV of clients, contacts or requests, or a Zendesk export, checked first
//! (the dry run's report as a table: each row and what would happen to it, or why not) and then
//! applied — the very file that was checked, held on the server for the member who checked it
//! (a day at most, and taken when applied), so nobody picks it again and any file the check
//! could read can be applied.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_app::imports::{ImportReport, ZendeskReport};
use rapport_core::csv::{Header, ImportKind, RowError};
use serde::Deserialize;

use super::super::fields::{Labels, is_form_error, notice, say};
use super::super::{me, page};
use super::{admin_post, require_admin};
use crate::state::AppState;
use crate::ui::form::{UiForm, with_files};
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[("file", "File"), ("tz", "Time zone of new clients")];

/// Rows shown in the report's table; the counts above it are always whole.
const ROWS_SHOWN: usize = 500;

/// What the file holds: a CSV of one kind, or a Zendesk export.
#[derive(Clone, Copy)]
enum Source {
    Csv(ImportKind),
    Zendesk,
}

impl Source {
    fn parse(s: &str) -> Result<Source, AppError> {
        match s {
            "zendesk" => Ok(Source::Zendesk),
            k => k
                .parse()
                .map(Source::Csv)
                .map_err(|_| AppError::invalid("kind", "choose what the file holds")),
        }
    }
}

const SOURCES: [(&str, &str); 4] = [
    ("clients", "Clients (CSV)"),
    ("contacts", "Contacts (CSV)"),
    ("requests", "Requests (CSV)"),
    ("zendesk", "A Zendesk export (JSON)"),
];

/// The form's fields as typed, kept when the page is shown again.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct ImportForm {
    csrf: String,
    kind: String,
    tz: String,
    /// The hold of the checked file on the server: Apply only.
    held: String,
}

impl ImportForm {
    fn of(pairs: Vec<(String, String)>) -> Self {
        let mut f = ImportForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "kind" => f.kind = v,
                "tz" => f.tz = v,
                _ => {}
            }
        }
        f
    }

    fn tz(&self) -> String {
        Some(self.tz.trim().to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "UTC".into())
    }
}

/// What a check or an import answered.
enum Outcome {
    Csv(ImportReport, Vec<u8>),
    Zendesk(ZendeskReport, Vec<u8>),
}

async fn run(
    state: &AppState,
    s: &Session,
    f: &ImportForm,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<Outcome, AppError> {
    match Source::parse(&f.kind)? {
        Source::Csv(kind) => state
            .app
            .import_csv(&s.ctx, kind, bytes.clone(), dry_run)
            .await
            .map(|r| Outcome::Csv(r, bytes)),
        Source::Zendesk => state
            .app
            .import_zendesk(&s.ctx, bytes.clone(), f.tz(), dry_run)
            .await
            .map(|r| Outcome::Zendesk(r, bytes)),
    }
}

fn upload_form(s: &Session, f: &ImportForm) -> Markup {
    html! {
        form method="post" action="/app/admin/import" enctype="multipart/form-data" class="stack" id="import-form" {
            (csrf_field(&s.csrf))
            label for="im-kind" { "The file holds" }
            select id="im-kind" name="kind" {
                @for (v, label) in SOURCES {
                    option value=(v) selected[f.kind == v] { (label) }
                }
            }
            label for="im-file" { "File" }
            input id="im-file" type="file" name="files" required accept=".csv,.json,text/csv,application/json";
            label for="im-tz" { "Time zone of new clients (Zendesk only; UTC if blank)" }
            input id="im-tz" name="tz" autocomplete="off" placeholder="Europe/London" value=(f.tz);
            button type="submit" { "Check the file (dry run)" }
        }
        details {
            summary { "The columns each CSV takes" }
            ul {
                @for kind in ImportKind::ALL {
                    @let (required, optional) = kind.columns();
                    li { strong { (kind.as_str()) } ": " (required.join(", ")) @if !optional.is_empty() { "; optional " (optional.join(", ")) } }
                }
            }
            p class="muted" { "UTF-8, comma-separated, the first line naming the columns. Nothing is written by the check; an import writes every row or none." }
        }
    }
}

/// The Apply form: it names the hold of the file exactly as it was read.
fn apply_form(s: &Session, held: i64, what: &str) -> Markup {
    html! {
        form method="post" action="/app/admin/import/apply" class="stack" id="apply-form" {
            (csrf_field(&s.csrf))
            input type="hidden" name="held" value=(held);
            button type="submit" { "Apply: import " (what) }
        }
    }
}

fn problems_table(rejected: &[RowError], place: &str) -> Markup {
    html! {
        div class="table-wrap" {
            table class="queue" id="import-problems" {
                thead { tr { th { (place) } th { "Column" } th { "Problem" } } }
                tbody {
                    @for e in rejected.iter().take(ROWS_SHOWN) {
                        tr { td { (e.line) } td { (e.column) } td { (e.message) } }
                    }
                }
            }
        }
    }
}

/// Each data row of a CSV with what the import does to it: added, or why not.
fn csv_rows(kind: ImportKind, bytes: &[u8], r: &ImportReport, applied: bool) -> Markup {
    let Ok(records) = rapport_core::csv::parse(bytes) else {
        return problems_table(&r.rejected, "Line");
    };
    let Some(header) = records.first().and_then(|h| Header::new(kind, h).ok()) else {
        return problems_table(&r.rejected, "Line");
    };
    let (required, _) = kind.columns();
    let done = if applied { "added" } else { "would be added" };
    html! {
        div class="table-wrap" {
            table class="queue" id="import-rows" {
                thead { tr { th { "Line" } th { (required.join(" · ")) } th { "What happens" } } }
                tbody {
                    @for rec in records.iter().skip(1).take(ROWS_SHOWN) {
                        @let errors: Vec<&RowError> = r.rejected.iter().filter(|e| e.line == rec.line).collect();
                        tr {
                            td { (rec.line) }
                            td class="cell-wrap" {
                                (required.iter().map(|c| header.get(rec, c)).collect::<Vec<_>>().join(" · "))
                            }
                            td {
                                @if errors.is_empty() {
                                    (done)
                                } @else {
                                    strong { "rejected: " }
                                    (errors.iter().map(|e| if e.column.is_empty() { e.message.clone() } else { format!("{}: {}", e.column, e.message) }).collect::<Vec<_>>().join("; "))
                                }
                            }
                        }
                    }
                }
            }
        }
        @if records.len() > ROWS_SHOWN + 1 { p class="muted" { "The first " (ROWS_SHOWN) " rows are shown." } }
    }
}

/// Whether a dry run's report offers Apply: every row or part of the file can be imported.
fn appliable(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Csv(r, _) => !r.applied && r.rejected_count == 0 && r.accepted > 0,
        Outcome::Zendesk(r, _) => !r.applied && r.rejected.is_empty(),
    }
}

fn report(s: &Session, outcome: &Outcome, held: Option<i64>) -> Markup {
    match outcome {
        Outcome::Csv(r, bytes) => {
            let what = format!("{} {}", r.accepted, r.kind.as_str());
            html! {
                section id="import-report" aria-labelledby="report-h" {
                    h2 id="report-h" { @if r.applied { "Imported" } @else { "Dry run: nothing written yet" } }
                    p id="import-summary" {
                        (r.rows) " rows read; " (r.accepted) @if r.applied { " imported" } @else { " would be imported" }
                        "; " (r.rejected_count) " rejected."
                    }
                    (csv_rows(r.kind, bytes, r, r.applied))
                    @if !r.applied {
                        @if let Some(held) = held {
                            (apply_form(s, held, &what))
                        } @else if r.rejected_count > 0 {
                            p class="notice error" role="alert" { "Fix the rejected rows and check the file again: an import writes every row or none." }
                        }
                    }
                }
            }
        }
        Outcome::Zendesk(r, _) => {
            let what = format!(
                "{} clients, {} contacts, {} requests",
                r.clients, r.contacts, r.requests
            );
            html! {
                section id="import-report" aria-labelledby="report-h" {
                    h2 id="report-h" { @if r.applied { "Imported" } @else { "Dry run: nothing written yet" } }
                    p id="import-summary" {
                        @if r.applied { "Imported: " } @else { "Would import: " }
                        (r.clients) " clients, " (r.contacts) " contacts, " (r.requests) " requests with "
                        (r.messages) " messages; " (r.rejected.len()) " problems."
                    }
                    @if !r.rejected.is_empty() { (problems_table(&r.rejected, "Place")) }
                    @if !r.applied {
                        @if let Some(held) = held {
                            (apply_form(s, held, &what))
                        } @else {
                            p class="notice error" role="alert" { "Fix the problems and check the file again: an import writes all of it or nothing." }
                        }
                    }
                }
            }
        }
    }
}

async fn render(
    state: &AppState,
    s: &Session,
    f: &ImportForm,
    outcome: Option<(&Outcome, Option<i64>)>,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    let me = me(state, s).await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let body = html! {
        h1 { "Import" }
        p class="muted" { "Bring clients, contacts and requests over from a spreadsheet or from Zendesk. The file is checked first; nothing is written until you apply it." }
        (notice(error.as_deref()))
        @if let Some((o, held)) = outcome { (report(s, o, held)) }
        (upload_form(s, f))
    };
    let markup = page(state, s, &me, "Import", "import", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn import_page(
    State(state): State<AppState>,
    Agent(s): Agent,
) -> UiResult<Response> {
    require_admin(&s)?;
    render(&state, &s, &ImportForm::default(), None, None).await
}

/// The dry run of an uploaded file.
pub(super) async fn check(
    State(state): State<AppState>,
    Agent(s): Agent,
    req: axum::extract::Request,
) -> UiResult<Response> {
    let (pairs, files) = with_files(req, &state).await?;
    let f = ImportForm::of(pairs);
    admin_post(&s, &f.csrf)?;
    let Some(file) = files.into_iter().next() else {
        let e = AppError::invalid("file", "choose a file to import");
        return render(&state, &s, &f, None, Some(say(&e, LABELS))).await;
    };
    answer(&state, &s, &f, file.data, true).await
}

/// Apply the file the dry run checked.
pub(super) async fn apply(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<ImportForm>,
) -> UiResult<Response> {
    admin_post(&s, &f.csrf)?;
    let held = async {
        let id = f.held.trim().parse::<i64>().map_err(|_| {
            AppError::invalid(
                "file",
                "the Apply form names no checked file; check it again",
            )
        })?;
        state.app.take_held_import(&s.ctx, id).await
    }
    .await;
    let held = match held {
        Ok(h) => h,
        Err(e) if is_form_error(&e) => {
            return render(&state, &s, &f, None, Some(say(&e, LABELS))).await;
        }
        Err(e) => return Err(e.into()),
    };
    let f = ImportForm {
        kind: held.source,
        tz: held.tz,
        ..f
    };
    answer(&state, &s, &f, held.data, false).await
}

/// Check or apply `bytes`; a check that can be applied holds the file for the Apply form.
async fn answer(
    state: &AppState,
    s: &Session,
    f: &ImportForm,
    bytes: Vec<u8>,
    dry_run: bool,
) -> UiResult<Response> {
    let outcome = async {
        let o = run(state, s, f, bytes, dry_run).await?;
        let held = if dry_run && appliable(&o) {
            let data = match &o {
                Outcome::Csv(_, b) | Outcome::Zendesk(_, b) => b.clone(),
            };
            Some(state.app.hold_import(&s.ctx, &f.kind, &f.tz, data).await?)
        } else {
            None
        };
        Ok::<_, AppError>((o, held))
    }
    .await;
    match outcome {
        Ok((o, held)) => render(state, s, f, Some((&o, held)), None).await,
        Err(e) if is_form_error(&e) => render(state, s, f, None, Some(say(&e, LABELS))).await,
        Err(e) => Err(e.into()),
    }
}
