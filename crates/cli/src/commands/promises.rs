//! `rapport promises stats`: the promise ledger's figures for an organisation.

use clap::{Args, Subcommand};
use rapport_app::clocks::ledger::{GroupBy, GroupStats, PromiseLedger};
use rapport_app::{App, Settings};
use rapport_core::promise_stats::PromiseStats;

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Subcommand)]
pub enum PromisesCommand {
    /// Kept %, median margin (business minutes, positive = early) and broken count, for the
    /// organisation and per member, client or engagement.
    Stats(StatsArgs),
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Organisation slug.
    #[arg(long)]
    pub org: String,
    /// member, client or engagement.
    #[arg(long)]
    pub group_by: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: PromisesCommand) -> CmdResult {
    let PromisesCommand::Stats(args) = cmd;
    let group_by = args
        .group_by
        .as_deref()
        .map(str::parse::<GroupBy>)
        .transpose()
        .map_err(|m| Failure::Usage(format!("--group-by: {m}")))?;
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
        let ledger = app
            .org_promise_stats(org.id, group_by)
            .await
            .map_err(config::app_failure)?;
        if args.json {
            return print_json(&ledger);
        }
        super::emit(|out| write_table(out, &ledger))
    })
}

fn percent(s: &PromiseStats) -> String {
    s.kept_percent
        .map_or_else(|| "-".into(), |p| format!("{p:.1}"))
}

fn margin(s: &PromiseStats) -> String {
    s.median_margin_minutes
        .map_or_else(|| "-".into(), |m| m.to_string())
}

fn write_table(out: &mut impl std::io::Write, ledger: &PromiseLedger) -> std::io::Result<()> {
    let overall = GroupStats {
        id: 0,
        name: "(all)".into(),
        stats: ledger.overall,
    };
    let rows: Vec<&GroupStats> = std::iter::once(&overall).chain(&ledger.groups).collect();
    let head = match ledger.group_by {
        Some(GroupBy::Member) => "member",
        Some(GroupBy::Client) => "client",
        Some(GroupBy::Engagement) => "engagement",
        None => "",
    };
    let width = rows
        .iter()
        .map(|r| label(r).chars().count())
        .max()
        .unwrap_or(0)
        .max(head.len());
    writeln!(
        out,
        "{head:<width$}  {:>5}  {:>5}  {:>6}  {:>7}  {:>7}  {:>7}  {:>13}",
        "made", "kept", "broken", "pending", "overdue", "kept %", "median margin"
    )?;
    for r in rows {
        let s = &r.stats;
        writeln!(
            out,
            "{:<width$}  {:>5}  {:>5}  {:>6}  {:>7}  {:>7}  {:>7}  {:>13}",
            label(r),
            s.made,
            s.kept,
            s.broken,
            s.pending,
            s.overdue,
            percent(s),
            margin(s)
        )?;
    }
    Ok(())
}

fn label(r: &GroupStats) -> String {
    if r.id == 0 {
        r.name.clone()
    } else {
        format!("{} #{}", r.name, r.id)
    }
}
