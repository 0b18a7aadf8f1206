//! `rapport scope check` and `rapport scope eval`: the scope check from the command line.

use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use rapport_core::scope::eval::{EvalReport, Split, evaluate, evaluate_replay, parse_cases};
use rapport_core::scope::{
    Assessment, Brief, BriefIndex, CheckConfig, Decided, MAX_BODY_BYTES, PrecedentIndex, ScopeKind,
    Verdict,
};

use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Check one request against a brief: verdict, confidence and the items that decided it.
    Check(CheckArgs),
    /// Score the check against a labelled JSON-lines file of cases.
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The brief: a JSON file {"text": "...", "items": [{"id", "kind": "in"|"out", "text"}]}.
    #[arg(long, value_name = "BRIEF.json")]
    brief: PathBuf,
    /// The request body; `-` reads it from standard input (for bodies longer than a command line).
    #[arg(long, value_name = "TEXT")]
    text: String,
    /// The request title.
    #[arg(long, default_value = "")]
    title: String,
    /// Earlier decisions to weigh as precedents: a JSON-lines file, one decided request a line,
    /// {"request_id", "title", "body", "verdict", "reason", "decided_by", "decided_at",
    /// "same_engagement"} ("decided_by" and "same_engagement", default true, may be left out).
    #[arg(long, value_name = "DECIDED.jsonl")]
    precedents: Option<PathBuf>,
    /// Print the assessment as JSON.
    #[arg(long)]
    json: bool,
}

/// One line of `--precedents`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DecidedLine {
    request_id: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    verdict: Verdict,
    reason: String,
    #[serde(default)]
    decided_by: String,
    decided_at: jiff::Timestamp,
    #[serde(default = "yes")]
    same_engagement: bool,
}

fn yes() -> bool {
    true
}

fn read_precedents(path: &Path) -> Result<PrecedentIndex, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::Usage(format!("--precedents {}: cannot read: {e}", path.display()))
    })?;
    let mut decided = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let d: DecidedLine = serde_json::from_str(line).map_err(|e| {
            Failure::Usage(format!(
                "--precedents {} line {}: {e}",
                path.display(),
                i + 1
            ))
        })?;
        decided.push(Decided {
            request_id: d.request_id,
            title: d.title,
            body: d.body,
            verdict: d.verdict,
            reason: d.reason,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
            decided_on: jiff::tz::TimeZone::UTC.to_datetime(d.decided_at).date(),
            same_engagement: d.same_engagement,
            counted: false,
        });
    }
    Ok(PrecedentIndex::new(decided))
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SplitArg {
    All,
    Tune,
    Holdout,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// JSON-lines file of cases (see crates/core/data/scope-eval/README.md).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Which cases to score: all, the tuning half (even positions) or the held-out half.
    #[arg(long, value_enum, default_value = "all")]
    split: SplitArg,
    /// Replay the cases in file order with feedback: after each case its labelled verdict counts
    /// as a person's decision, a precedent for the cases after it (same brief: same engagement;
    /// another brief: the organisation's).
    #[arg(long)]
    replay: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: ScopeCommand) -> CmdResult {
    match cmd {
        ScopeCommand::Check(args) => run_check(args),
        ScopeCommand::Eval(args) => run_eval(args),
    }
}

fn run_check(args: CheckArgs) -> CmdResult {
    let brief = read_brief(&args.brief)?;
    let body = if args.text == "-" {
        read_stdin()?
    } else {
        args.text
    };
    let history = match &args.precedents {
        Some(path) => read_precedents(path)?,
        None => PrecedentIndex::default(),
    };
    let assessment = BriefIndex::new(&brief, &CheckConfig::default()).check_in_context(
        &args.title,
        &body,
        &mut |_| None,
        &history,
    );
    if args.json {
        return print_json(&assessment);
    }
    emit(&render_assessment(&assessment))
}

fn read_brief(path: &Path) -> Result<Brief, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("--brief {}: cannot read: {e}", path.display())))?;
    let brief: Brief = serde_json::from_str(&text).map_err(|e| {
        Failure::Usage(format!(
            "--brief {}: not a valid brief: {e}",
            path.display()
        ))
    })?;
    brief
        .validate()
        .map_err(|e| Failure::Usage(format!("--brief {}: {e}", path.display())))?;
    Ok(brief)
}

/// Reads at most a little more than the check will look at, so a runaway pipe cannot exhaust
/// memory; the check itself cuts the body to `MAX_BODY_BYTES`.
fn read_stdin() -> Result<String, Failure> {
    let limit = (MAX_BODY_BYTES as u64) * 64;
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Failure::Runtime(anyhow::anyhow!("reading the request body from stdin: {e}"))
        })?;
    // A cut may split a character; lossy decoding keeps the rest of the text usable.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::In => "in",
        Verdict::Out => "out",
        Verdict::Unclear => "unclear",
    }
}

fn render_assessment(a: &Assessment) -> String {
    let mut out = format!(
        "verdict: {} (confidence {:.2})\n",
        verdict_name(a.verdict),
        a.confidence
    );
    match a.evidence.first() {
        Some(e) => {
            let kind = match e.kind {
                ScopeKind::In => "in",
                ScopeKind::Out => "out",
            };
            let _ = writeln!(
                out,
                "evidence: {} ({kind}, score {:.2}): {}",
                e.item_id,
                e.score,
                e.terms.join(", ")
            );
        }
        None => out.push_str("evidence: none\n"),
    }
    if let Some(reason) = &a.reason {
        let _ = writeln!(out, "reason: {reason}");
    }
    for l in &a.limits {
        let _ = writeln!(out, "limit: {} ({})", l.describe(), l.item_id);
    }
    for p in &a.precedents {
        let _ = writeln!(out, "precedent: {}", p.sentence());
    }
    out
}

fn run_eval(args: EvalArgs) -> CmdResult {
    let path = &args.file;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("{}: cannot read: {e}", path.display())))?;
    let cases =
        parse_cases(&text).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
    let split = match args.split {
        SplitArg::All => Split::All,
        SplitArg::Tune => Split::Tune,
        SplitArg::Holdout => Split::Holdout,
    };
    let report = if args.replay {
        evaluate_replay(&cases, split, &CheckConfig::default())
    } else {
        evaluate(&cases, split, &CheckConfig::default())
    };
    if args.json {
        return print_json(&report);
    }
    emit(&render_report(&report))
}

fn share(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.3}"))
}

fn render_report(r: &EvalReport) -> String {
    let predicted_out = r.confusion.predicted(Verdict::Out);
    let expected_out = r.confusion.out.in_ + r.confusion.out.out + r.confusion.out.unclear;
    let predicted_unclear = r.confusion.predicted(Verdict::Unclear);
    let split = match r.split {
        Split::All => "all",
        Split::Tune => "tune",
        Split::Holdout => "holdout",
    };
    let mut out = String::new();
    let mode = if r.replay.is_some() {
        ", replayed with feedback"
    } else {
        ""
    };
    let _ = writeln!(out, "cases: {} (split: {split}{mode})", r.cases);
    let _ = writeln!(
        out,
        "accuracy: {:.3} ({}/{})",
        r.accuracy, r.correct, r.cases
    );
    let _ = writeln!(
        out,
        "out precision: {} ({}/{predicted_out})  out recall: {} ({}/{expected_out})",
        share(r.out_precision),
        r.confusion.out.out,
        share(r.out_recall),
        r.confusion.out.out,
    );
    let _ = writeln!(
        out,
        "unclear rate: {:.3} predicted ({predicted_unclear}/{}), {:.3} expected",
        r.unclear_rate, r.cases, r.expected_unclear_rate
    );
    let _ = writeln!(out, "confusion (rows expected, columns predicted):");
    let _ = writeln!(out, "  {:<10}{:>6}{:>6}{:>9}", "", "in", "out", "unclear");
    for v in [Verdict::In, Verdict::Out, Verdict::Unclear] {
        let row = r.confusion.row(v);
        let _ = writeln!(
            out,
            "  {:<10}{:>6}{:>6}{:>9}",
            verdict_name(v),
            row.in_,
            row.out,
            row.unclear
        );
    }
    let _ = writeln!(out, "by domain:");
    for (domain, d) in &r.by_domain {
        let name = if domain.is_empty() { "(none)" } else { domain };
        let _ = writeln!(
            out,
            "  {name:<12} {:.3} ({}/{})",
            d.accuracy, d.correct, d.cases
        );
    }
    if !r.by_category.is_empty() {
        let _ = writeln!(out, "by category:");
        for (category, d) in &r.by_category {
            let _ = writeln!(
                out,
                "  {category:<12} {:.3} ({}/{})",
                d.accuracy, d.correct, d.cases
            );
        }
    }
    if let Some(p) = &r.replay {
        let _ = writeln!(
            out,
            "precedents: decided {}, swayed {}; verdicts changed {} ({} to right, {} to wrong)",
            p.decided, p.swayed, p.changed, p.changed_to_right, p.changed_to_wrong
        );
    }
    let _ = writeln!(out, "misclassified: {}", r.misclassified.len());
    for m in &r.misclassified {
        let _ = writeln!(
            out,
            "  {} expected {} got {} ({:.2})",
            m.id,
            verdict_name(m.expected),
            verdict_name(m.predicted),
            m.confidence
        );
    }
    out
}

/// Write to stdout. A reader that stops early (`| head`) is not an error of ours, so a broken
/// pipe ends the command quietly instead of panicking as `println!` would.
fn emit(text: &str) -> CmdResult {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Runtime(anyhow::anyhow!("writing to stdout: {e}"))),
    }
}
