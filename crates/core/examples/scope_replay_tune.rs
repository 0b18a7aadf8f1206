//! How the precedent thresholds were chosen: the replay with feedback (`eval::evaluate_replay`)
//! over a grid of `PrecedentConfig` values, on a tuning file only (never the held-out one), and
//! for each case the closest earlier case with its closeness and whether its label agrees.
//!
//! cargo run --release -p rapport-core --example scope_replay_tune -- crates/core/data/scope-eval/cases-v2-tune.jsonl

use rapport_core::scope::eval::{Split, evaluate, evaluate_replay, parse_cases};
use rapport_core::scope::{CheckConfig, Decided, PrecedentConfig, PrecedentIndex};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: scope_replay_tune CASES.jsonl");
    assert!(
        !path.contains("holdout"),
        "thresholds are chosen on tuning files only"
    );
    let text = std::fs::read_to_string(&path).expect("read cases");
    let cases = parse_cases(&text).expect("parse cases");

    // The signal: how close is each case to the closest earlier one, and do their labels agree?
    let wide = PrecedentConfig {
        sway_at: 0.0,
        org_weight: 1.0,
        max_cited: 1,
        ..PrecedentConfig::default()
    };
    let mut rows = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let earlier = cases[..i]
            .iter()
            .enumerate()
            .map(|(j, c)| Decided {
                request_id: j as i64,
                title: c.title.clone(),
                body: c.body.clone(),
                verdict: c.expected,
                reason: String::new(),
                decided_by: String::new(),
                decided_at: jiff::Timestamp::UNIX_EPOCH,
                decided_on: jiff::civil::date(2027, 1, 1),
                same_engagement: c.brief == case.brief,
                counted: false,
            })
            .collect();
        let found = PrecedentIndex::new(earlier).nearest(&case.title, &case.body, &wide);
        if let Some(p) = found.first() {
            rows.push((
                p.similarity,
                p.verdict == case.expected,
                p.same_engagement,
                case.id.clone(),
                cases[p.request_id as usize].id.clone(),
            ));
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (sim, agree, same, id, prec) in rows.iter().take(25) {
        println!("{sim:.3} agree={agree} same={same} {id} <- {prec}");
    }

    // The cost a check pays for its precedents at the app's caps (200 + 300 decisions): the
    // file's cases repeated as decisions, each case then looked up against them.
    let decisions: Vec<Decided> = (0..500)
        .map(|i| {
            let c = &cases[i % cases.len()];
            Decided {
                request_id: i as i64,
                title: c.title.clone(),
                body: c.body.clone(),
                verdict: c.expected,
                reason: String::new(),
                decided_by: String::new(),
                decided_at: jiff::Timestamp::UNIX_EPOCH,
                decided_on: jiff::civil::date(2027, 1, 1),
                same_engagement: i < 200,
                counted: false,
            }
        })
        .collect();
    let start = std::time::Instant::now();
    let index = PrecedentIndex::new(decisions);
    let built = start.elapsed();
    let start = std::time::Instant::now();
    let rounds = 20;
    for _ in 0..rounds {
        for c in &cases {
            std::hint::black_box(index.nearest(&c.title, &c.body, &PrecedentConfig::default()));
        }
    }
    let per = start.elapsed() / (rounds * cases.len() as u32);
    println!("500 decisions: index built in {built:?}, nearest() {per:?} a request");

    let base = evaluate(&cases, Split::All, &CheckConfig::default());
    println!("without feedback: accuracy {:.3}", base.accuracy);
    for decide_at in [0.3, 0.4, 0.6] {
        for sway_at in [0.15, 0.2, 0.25, 0.35] {
            for sway_weight in [2.0, 4.0] {
                for org_weight in [0.5, 0.7] {
                    let config = CheckConfig {
                        precedent: PrecedentConfig {
                            decide_at,
                            sway_at,
                            sway_weight,
                            org_weight,
                            ..PrecedentConfig::default()
                        },
                        ..CheckConfig::default()
                    };
                    let r = evaluate_replay(&cases, Split::All, &config);
                    let p = r.replay.unwrap_or_default();
                    println!(
                        "decide_at {decide_at} sway_at {sway_at} sway_weight {sway_weight} org_weight {org_weight}: accuracy {:.3} (decided {} swayed {} +{} -{})",
                        r.accuracy, p.decided, p.swayed, p.changed_to_right, p.changed_to_wrong
                    );
                }
            }
        }
    }
}
