//! `rapport import [FILE] [--as-slug NEW]`: read an export (from `rapport export`) into this
//! database as a new organisation, in one transaction: all of it or nothing.

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
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(args: ImportArgs) -> CmdResult {
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
