//! `rapport import [FILE] [--as-slug NEW]`: read an export (from `rapport export`) into this
//! database as a new organisation, in one transaction: all of it or nothing.
//!
//! `rapport import --csv KIND FILE --org SLUG --as EMAIL [--dry-run]`: import clients, contacts
//! or requests from a CSV file into an existing organisation, acting as one of its members
//! (columns in the README). Every row is checked first; any rejected row imports nothing.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Args;
use rapport_app::{App, AppError, Settings};
use rapport_store::transfer::ImportOptions;

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export to read; `-` or nothing for standard input.
    pub file: Option<PathBuf>,
    /// Import under this slug (the exported one must not exist here; use this for a copy).
    #[arg(long)]
    pub as_slug: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Read FILE as CSV rows of this kind (clients, contacts, requests) into `--org`.
    #[arg(long, value_name = "KIND", requires_all = ["org", "as_member"], conflicts_with = "as_slug")]
    pub csv: Option<String>,
    /// The organisation a CSV import goes into (its slug).
    #[arg(long, requires = "csv")]
    pub org: Option<String>,
    /// The member (email) a CSV import acts as; needs manager rights or above.
    #[arg(long = "as", value_name = "EMAIL", requires = "csv")]
    pub as_member: Option<String>,
    /// CSV: only report the rows that would be rejected, and why; import nothing.
    #[arg(long, requires = "csv")]
    pub dry_run: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

fn run_csv(args: ImportArgs, kind: &str) -> CmdResult {
    let kind: rapport_core::csv::ImportKind = kind.parse().map_err(|_| {
        Failure::Usage(format!(
            "--csv {kind:?}: one of {}",
            rapport_core::csv::ImportKind::expected()
        ))
    })?;
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, false);
    let bytes = match args.file.as_deref() {
        None => {
            return Err(Failure::Usage(
                "--csv needs a FILE (or - for standard input)".into(),
            ));
        }
        Some(p) if p.as_os_str() == "-" => {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
                .map_err(|e| Failure::Usage(format!("standard input: {e}")))?;
            b
        }
        Some(p) => std::fs::read(p).map_err(|e| Failure::Usage(format!("{}: {e}", p.display())))?,
    };
    let slug = args.org.clone().unwrap_or_default();
    let email = args.as_member.clone().unwrap_or_default();
    config::runtime()?.block_on(async move {
        let store = config::open_current(&db).await?;
        let app = App::new(store, Settings::default());
        let org = app
            .org_by_slug(&slug)
            .await
            .map_err(config::app_failure)?
            .ok_or_else(|| Failure::Usage(format!("--org {slug:?}: no such organisation")))?;
        let member = app
            .member_by_email(org.id, &email)
            .await
            .map_err(config::app_failure)?
            .ok_or_else(|| Failure::Usage(format!("--as {email:?}: no such member of {slug}")))?;
        let ctx = app
            .ctx_for_member(org.id, member.id)
            .await
            .map_err(config::app_failure)?;
        let report = app
            .import_csv(&ctx, kind, bytes, args.dry_run)
            .await
            .map_err(|e| match e {
                AppError::Invalid(v) => Failure::Usage(format!(
                    "nothing was imported:\n{}",
                    v.0.iter()
                        .map(|f| format!("  {}: {}", f.field, f.message))
                        .collect::<Vec<_>>()
                        .join("\n")
                )),
                AppError::Forbidden(m) => Failure::Usage(format!("--as {email}: {m}")),
                other => config::app_failure(other),
            })?;
        if args.json {
            return print_json(&report);
        }
        for r in &report.rejected {
            println!("line {}: {}: {}", r.line, r.column, r.message);
        }
        println!(
            "{} {kind} rows: {} accepted, {} rejected{}",
            report.rows,
            report.accepted,
            report.rejected_count,
            if report.applied {
                "; imported"
            } else {
                " (dry run: nothing imported)"
            }
        );
        if !report.applied && report.rejected_count > 0 {
            return Err(Failure::Usage(format!(
                "{} rows would be rejected",
                report.rejected_count
            )));
        }
        Ok(())
    })
}

pub fn run(args: ImportArgs) -> CmdResult {
    if let Some(kind) = args.csv.clone() {
        return run_csv(args, &kind);
    }
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, false);
    let input: Box<dyn BufRead + Send> = match args.file.as_deref() {
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::BufReader::new(std::io::stdin())),
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).map_err(|e| Failure::Usage(format!("{}: {e}", p.display())))?,
        )),
    };
    config::runtime()?.block_on(async move {
        let store = config::open_current(&db).await?;
        let app = App::new(store, Settings::default());
        let report = app
            .import_org(
                input,
                ImportOptions {
                    as_slug: args.as_slug.clone(),
                },
            )
            .await
            .map_err(|e| match e {
                AppError::Invalid(v) => Failure::Usage(format!(
                    "the export is not valid, nothing was imported: {}",
                    v.0.iter()
                        .map(|f| f.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                AppError::Conflict { message, .. } => {
                    Failure::Usage(format!("{message}; nothing was imported"))
                }
                other => Failure::Runtime(anyhow::anyhow!("{other}; nothing was imported")),
            })?;
        if args.json {
            return print_json(&report);
        }
        println!(
            "imported {} (id {}) from {} (id {}): {} rows, {}",
            report.slug,
            report.org_id,
            report.source_slug,
            report.source_org_id,
            report.rows,
            if report.remapped {
                "every row renumbered (the ids were taken here)"
            } else {
                "ids kept"
            }
        );
        Ok(())
    })
}
