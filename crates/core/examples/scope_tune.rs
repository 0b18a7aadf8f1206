//! Grid search of the scope check's parameters on the tuning split (even case positions) of an
//! evaluation file. The held-out split is scored only for the chosen configuration, after the
//! choice, and is never used to choose.
//!
//! cargo run --release -p rapport-core --example scope_tune -- crates/core/data/scope-eval/cases.jsonl

use rapport_core::scope::CheckConfig;
use rapport_core::scope::eval::{EvalReport, Split, evaluate, parse_cases};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: scope_tune CASES.jsonl");
    let text = std::fs::read_to_string(&path).expect("read cases");
    let cases = parse_cases(&text).expect("parse cases");
    let base = CheckConfig::default();

    let mut results: Vec<(f64, CheckConfig, EvalReport)> = Vec::new();
    for &min_score in &[0.6, 0.8, 0.9, 1.0, 1.2, 1.5] {
        for &tie_ratio in &[1.0, 1.25, 1.5, 2.0] {
            for &out_weight in &[1.0, 1.25, 1.5, 2.0, 3.0] {
                for &brief_text_weight in &[0.0, 0.25, 0.5, 1.0] {
                    for &phrase_weight in &[0.0, 0.5, 1.0] {
                        for &title_weight in &[1.0, 1.5] {
                            for &discount_shared in &[false, true] {
                                let mut c = base;
                                c.min_score = min_score;
                                c.tie_ratio = tie_ratio;
                                c.out_weight = out_weight;
                                c.brief_text_weight = brief_text_weight;
                                c.bm25.phrase_weight = phrase_weight;
                                c.title_weight = title_weight;
                                c.discount_shared = discount_shared;
                                let r = evaluate(&cases, Split::Tune, &c);
                                results.push((r.accuracy, c, r));
                            }
                        }
                    }
                }
            }
        }
    }
    // Accuracy first; among equals, the higher `out` precision (a false `out` costs a client a
    // change order for work they had paid for).
    results.sort_by(|a, b| {
        b.0.total_cmp(&a.0).then_with(|| {
            b.2.out_precision
                .unwrap_or(0.0)
                .total_cmp(&a.2.out_precision.unwrap_or(0.0))
        })
    });
    println!("configs tried: {}", results.len());
    let default = evaluate(&cases, Split::Tune, &base);
    println!(
        "default: tune accuracy {:.3}, out precision {:?}, unclear rate {:.3}",
        default.accuracy, default.out_precision, default.unclear_rate
    );
    for (acc, c, r) in results.iter().take(15) {
        println!(
            "tune acc {acc:.3} outP {:.3} outR {:.3} unclear {:.3} | min {} tie {} outw {} textw {} phrase {} titlew {} shared {}",
            r.out_precision.unwrap_or(0.0),
            r.out_recall.unwrap_or(0.0),
            r.unclear_rate,
            c.min_score,
            c.tie_ratio,
            c.out_weight,
            c.brief_text_weight,
            c.bm25.phrase_weight,
            c.title_weight,
            c.discount_shared
        );
    }
    // Mean tune accuracy per value of each parameter: which ones matter at all.
    let marginal = |name: &str, key: &dyn Fn(&CheckConfig) -> String| {
        let mut groups: std::collections::BTreeMap<String, (f64, f64, usize)> = Default::default();
        for (acc, c, _) in &results {
            let g = groups.entry(key(c)).or_insert((0.0, 0.0, 0));
            g.0 += acc;
            g.1 = g.1.max(*acc);
            g.2 += 1;
        }
        let parts: Vec<String> = groups
            .iter()
            .map(|(k, (sum, max, n))| format!("{k}: mean {:.3} max {max:.3}", sum / *n as f64))
            .collect();
        println!("  {name:<18} {}", parts.join(" | "));
    };
    println!("marginals (tune split):");
    marginal("min_score", &|c| c.min_score.to_string());
    marginal("tie_ratio", &|c| c.tie_ratio.to_string());
    marginal("out_weight", &|c| c.out_weight.to_string());
    marginal("brief_text_weight", &|c| c.brief_text_weight.to_string());
    marginal("phrase_weight", &|c| c.bm25.phrase_weight.to_string());
    marginal("title_weight", &|c| c.title_weight.to_string());
    marginal("discount_shared", &|c| c.discount_shared.to_string());
    let best = results[0].1;
    let hold = evaluate(&cases, Split::Holdout, &best);
    println!(
        "best on holdout (reported, not used to choose): accuracy {:.3}, out precision {:?}, out recall {:?}, unclear rate {:.3}",
        hold.accuracy, hold.out_precision, hold.out_recall, hold.unclear_rate
    );
}
