//! Print the check's verdict and evidence for each case of the tuning split (even positions only:
//! the held-out half is never looked at while choosing parameters).
//!
//! cargo run -p rapport-core --example scope_explain -- crates/core/data/scope-eval/cases.jsonl

use rapport_core::scope::check;
use rapport_core::scope::eval::parse_cases;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: scope_explain CASES.jsonl");
    let text = std::fs::read_to_string(&path).expect("read cases");
    let cases = parse_cases(&text).expect("parse cases");
    for case in cases.iter().step_by(2) {
        let a = check(&case.brief, &case.title, &case.body);
        let mark = if a.verdict == case.expected { " " } else { "X" };
        println!(
            "{mark} {:<24} exp {:<8?} got {:<8?} {:.2} | {} / {}",
            case.id, case.expected, a.verdict, a.confidence, case.title, case.body
        );
        for e in a.evidence.iter().take(4) {
            println!(
                "      {:?} {:<16} {:.2} {:?}",
                e.kind, e.item_id, e.score, e.terms
            );
        }
    }
}
