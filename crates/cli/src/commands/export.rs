//! `rapport export --org SLUG > org.jsonl`: every row of one organisation as JSON lines, from
//! one consistent snapshot, for `rapport import` into another database (or engine).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use rapport_app::{App, Settings};

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The organisation's slug.
    #[arg(long)]
    pub org: String,
    /// Write to this file (created anew; replaced only with --force) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Replace an existing --output file.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(args: ExportArgs) -> CmdResult {
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, false);
    if let Some(path) = &args.output
        && path.exists()
        && !args.force
    {
        return Err(Failure::Usage(format!(
            "--output {}: the file exists; add --force to replace it",
            path.display()
        )));
    }
    config::runtime()?.block_on(async move {
        let store = config::open_current(&db).await?;
        let app = App::new(store, Settings::default());
        // A file is written beside its final name and renamed once complete, so a failed
        // export never leaves a file that looks whole.
        let (out, partial): (Box<dyn Write + Send>, Option<PathBuf>) = match &args.output {
            None => (Box::new(std::io::BufWriter::new(std::io::stdout())), None),
            Some(path) => {
                let tmp = path.with_extension(format!("partial-{}", std::process::id()));
                let f = std::fs::File::create(&tmp)
                    .map_err(|e| Failure::Usage(format!("--output {}: {e}", path.display())))?;
                (Box::new(std::io::BufWriter::new(f)), Some(tmp))
            }
        };
        let result = app.export_org(&args.org, out).await;
        let summary = match result {
            Ok(s) => s,
            Err(e) => {
                if let Some(tmp) = &partial {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(match e {
                    rapport_app::AppError::NotFound(_) => {
                        Failure::Usage(format!("--org {:?}: no such organisation", args.org))
                    }
                    rapport_app::AppError::Unavailable(m) => Failure::Runtime(anyhow::anyhow!(m)),
                    other => config::app_failure(other),
                });
            }
        };
        if let (Some(tmp), Some(path)) = (&partial, &args.output) {
            std::fs::rename(tmp, path).map_err(|e| {
                Failure::Runtime(anyhow::anyhow!(
                    "cannot move the export to {}: {e}",
                    path.display()
                ))
            })?;
        }
        eprintln!(
            "exported {}: {} rows in {} tables (schema version {})",
            summary.org,
            summary.rows,
            summary.tables.iter().filter(|(_, n)| *n > 0).count(),
            summary.schema_version
        );
        Ok(())
    })
}
