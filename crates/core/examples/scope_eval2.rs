//! Score the check on a cases file and print the summary `rapport scope eval` prints, with the
//! per-category table, without building the CLI. `--explain` adds the evidence of every miss: use
//! it on the tuning file only (the held-out file is scored, never read for misses).
//!
//! `--replay` scores the same file a second time replayed in order with feedback (each labelled
//! verdict becomes a precedent for the cases after it, `eval::evaluate_replay`) and prints both.
//!
//! cargo run --release -p rapport-core --example scope_eval2 -- crates/core/data/scope-eval/cases-v2-tune.jsonl --explain

use rapport_core::scope::eval::{EvalReport, Split, evaluate, evaluate_replay, parse_cases};
use rapport_core::scope::{CheckConfig, Verdict, check};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: scope_eval2 CASES.jsonl [--explain]");
    let flags: Vec<String> = args.collect();
    let explain = flags.iter().any(|a| a == "--explain");
    let replay = flags.iter().any(|a| a == "--replay");
    let text = std::fs::read_to_string(&path).expect("read cases");
    let cases = parse_cases(&text).expect("parse cases");
    let r = evaluate(&cases, Split::All, &CheckConfig::default());
    summary(&r);
    if replay {
        let r = evaluate_replay(&cases, Split::All, &CheckConfig::default());
        println!("replayed with feedback:");
        summary(&r);
        if let Some(p) = r.replay {
            println!(
                "  precedents decided {} swayed {}; changed {} ({} to right, {} to wrong)",
                p.decided, p.swayed, p.changed, p.changed_to_right, p.changed_to_wrong
            );
        }
        if explain {
            let base = evaluate(&cases, Split::All, &CheckConfig::default());
            for m in &r.misclassified {
                if !base.misclassified.iter().any(|b| b.id == m.id) {
                    println!("  newly wrong with feedback: {} ({:?})", m.id, m.predicted);
                }
            }
            for b in &base.misclassified {
                if !r.misclassified.iter().any(|m| m.id == b.id) {
                    println!("  newly right with feedback: {}", b.id);
                }
            }
        }
        return;
    }
    explain_misses(&cases, explain);
}

fn summary(r: &EvalReport) {
    let c = &r.confusion;
    println!(
        "cases {} accuracy {:.3} ({}/{}) out precision {:.3} ({}/{}) out recall {:.3} ({}/{}) unclear {:.3}",
        r.cases,
        r.accuracy,
        r.correct,
        r.cases,
        r.out_precision.unwrap_or(0.0),
        c.out.out,
        c.predicted(Verdict::Out),
        r.out_recall.unwrap_or(0.0),
        c.out.out,
        c.out.in_ + c.out.out + c.out.unclear,
        r.unclear_rate
    );
    for (name, row) in [("in", c.in_), ("out", c.out), ("unclear", c.unclear)] {
        println!(
            "  {name:<8} {:>4} {:>4} {:>4}",
            row.in_, row.out, row.unclear
        );
    }
    for (cat, d) in &r.by_category {
        println!("  {cat:<10} {:.3} ({}/{})", d.accuracy, d.correct, d.cases);
    }
}

fn explain_misses(cases: &[rapport_core::scope::eval::EvalCase], explain: bool) {
    // How much rests on the alias and concept tables (evidence written "brief word (client
    // word)") or on a limit: an upper bound on what the hand-written tables decide.
    let (mut via_alias, mut via_reason) = (0, 0);
    for case in cases {
        let a = check(&case.brief, &case.title, &case.body);
        if a.verdict != case.expected {
            continue;
        }
        if a.evidence
            .iter()
            .take(2)
            .any(|e| e.terms.iter().any(|t| t.contains(" (")))
        {
            via_alias += 1;
        }
        if a.reason.is_some() {
            via_reason += 1;
        }
    }
    println!(
        "  correct with alias/concept evidence in the top two items: {via_alias}; decided by a stated reason (limit, new, unmentioned): {via_reason}"
    );
    if explain {
        for case in cases {
            let a = check(&case.brief, &case.title, &case.body);
            if a.verdict == case.expected {
                continue;
            }
            println!(
                "X {:<24} [{}] exp {:?} got {:?} {:.2} | {} / {}",
                case.id,
                case.category,
                case.expected,
                a.verdict,
                a.confidence,
                case.title,
                case.body
            );
            for e in a.evidence.iter().take(3) {
                println!(
                    "      {:?} {:<14} {:.2} {:?}",
                    e.kind, e.item_id, e.score, e.terms
                );
            }
        }
    }
}
