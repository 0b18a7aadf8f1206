//! Throughput of the scope check, for BENCHMARKS.md.
//!
//! cargo run --release -p rapport-core --example scope_bench -- crates/core/data/scope-eval/cases.jsonl
//!
//! * typical brief: the requests of the `bakery-shop` brief of the eval set (10 items), checked
//!   round-robin with `check()` (brief analysed on every call) and with a `BriefIndex` built once;
//! * a 1 MB body against the same brief;
//! * the largest valid brief (200 items of 1,000 characters, 20,000 characters of text).

use std::hint::black_box;
use std::time::{Duration, Instant};

use rapport_core::scope::eval::parse_cases;
use rapport_core::scope::{
    Brief, BriefIndex, CheckConfig, MAX_BRIEF_TEXT_CHARS, MAX_ITEM_TEXT_CHARS, MAX_ITEMS,
    ScopeItem, ScopeKind, check,
};

fn rate(label: &str, budget: Duration, mut f: impl FnMut(usize)) {
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < budget {
        f(n);
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{label}: {n} checks in {secs:.2} s = {:.0} checks/s ({:.1} µs/check)",
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: scope_bench CASES.jsonl");
    let text = std::fs::read_to_string(&path).expect("read cases");
    let cases = parse_cases(&text).expect("parse cases");
    let typical: Vec<_> = cases
        .iter()
        .filter(|c| c.id.starts_with("bakery-shop-"))
        .collect();
    let brief = &typical[0].brief;
    println!(
        "typical brief: {} items, {} requests",
        brief.items.len(),
        typical.len()
    );

    let budget = Duration::from_secs(3);
    rate("check() per request", budget, |n| {
        let c = typical[n % typical.len()];
        black_box(check(brief, &c.title, &c.body));
    });
    let config = CheckConfig::default();
    let index = BriefIndex::new(brief, &config);
    rate("BriefIndex::check (brief analysed once)", budget, |n| {
        let c = typical[n % typical.len()];
        black_box(index.check(&c.title, &c.body));
    });

    let mut big = String::from("Could you also build an iPhone app? ");
    while big.len() < 1_000_000 {
        big.push_str("Forwarded thread with quoted text from earlier mails about cakes. ");
    }
    rate("check() with a 1 MB body", budget, |_| {
        black_box(check(brief, "App", &big));
    });

    let words = "design build report dashboard survey logo campaign audit policy workshop ";
    let item_text: String = words
        .repeat(20)
        .chars()
        .take(MAX_ITEM_TEXT_CHARS - 20)
        .collect();
    let largest = Brief {
        text: words
            .repeat(300)
            .chars()
            .take(MAX_BRIEF_TEXT_CHARS)
            .collect(),
        items: (0..MAX_ITEMS)
            .map(|i| ScopeItem {
                id: format!("item-{i}"),
                kind: if i % 3 == 0 {
                    ScopeKind::Out
                } else {
                    ScopeKind::In
                },
                text: format!("{item_text} unique{i}"),
            })
            .collect(),
    };
    largest.validate().expect("largest brief is valid");
    rate("check() with the largest valid brief", budget, |_| {
        black_box(check(
            &largest,
            "Logo",
            "Please redo the logo and the dashboard unique7",
        ));
    });
}
