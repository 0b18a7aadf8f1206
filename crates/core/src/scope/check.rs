//! The scope check: a request against a brief, to a verdict with its confidence and evidence.
//!
//! 1. Each item of the brief is a BM25 document (see `bm25`); the brief's free text is one more,
//!    weak, `in` document (its score times `brief_text_weight`). The request's title (words
//!    weighted `title_weight`) and body are the query, with the alias table's words added.
//! 2. Each item's decisive score is its score over the words that no item of the other kind also
//!    matched (`discount_shared`), so "driver app", found in both "Android driver app" and
//!    "iPhone version of the driver app", decides nothing, while "iPhone" decides. `out` scores
//!    are multiplied by `out_weight`: an exclusion written into a brief is a deliberate statement,
//!    and a request that asks for in-scope and excluded work together still needs a change order.
//! 3. With `in`/`out` the best decisive scores of each kind and `lo`/`hi` the smaller/larger:
//!    * `hi < min_score`: `unclear`, nothing in the brief speaks to the request.
//!    * `hi >= tie_ratio * lo`: the side with `hi` wins.
//!    * otherwise the brief says both, about equally: `unclear`.
//! 4. Confidence, all terms in [0, 1]:
//!    * `in`/`out`: `strength(hi) * (hi - lo) / hi`, where `strength(s) = s / (s + confidence_scale)`
//!      grows with the absolute evidence and `(hi - lo) / hi` is the relative margin.
//!    * `unclear`: `strength(lo) * lo / hi` when both sides matched (a real conflict between an
//!      `in` and an `out` item is a confident "unclear"); 0 when nothing or only one weak side
//!      matched, since there is no evidence either way.
//!
//! Scores are on the scale set by `bm25`: 1.0 is about one word that only one item uses.
//!
//! A request that matches nothing is `unclear`, never `in` or `out`, even when the brief lists
//! only `in` items. A consultant would call unmentioned work *probably* out of scope, but with no
//! item to point at the check cannot say why, and an unexplained `out` sends a change order for
//! what may be a one-line question. `unclear` asks a person to decide.

use serde::{Deserialize, Serialize};

use super::aliases::aliases;
use super::bm25::{Bm25Params, Document, Hit, Index, Query};
use super::text::{Term, terms, truncate};
use super::{Brief, ScopeKind, Verdict};

/// The id evidence uses for the brief's free text. Item ids cannot take this form (see
/// `Brief::validate`), so it never collides with one.
pub const BRIEF_TEXT_ID: &str = "(brief)";

/// Only this much of a request body is read (64 KiB, cut on a character boundary), so a 1 MB
/// mail costs no more than a long one.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Only this much of a title is read.
pub const MAX_TITLE_BYTES: usize = 4 * 1024;

/// The thresholds and weights of the check. `Default` holds the values the evaluation reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckConfig {
    pub bm25: Bm25Params,
    /// Weight of title words against body words: a client's title names the work.
    pub title_weight: f64,
    /// Weight of the brief's free text as an `in` document (0 leaves it out).
    pub brief_text_weight: f64,
    /// Multiplier of `out` scores (exclusions weigh more than inclusions).
    pub out_weight: f64,
    /// The least weighted score that counts as evidence for a verdict.
    pub min_score: f64,
    /// How many times larger the winning side must be than the other; below it, `unclear`.
    pub tie_ratio: f64,
    /// The score at which evidence counts as half-strong in the confidence.
    pub confidence_scale: f64,
    /// Weight of a stem reached through the alias table, against one the request writes itself.
    pub alias_weight: f64,
    /// Decide on the terms that separate the sides: a word matched by both an `in` and an `out`
    /// item ("driver app" in "Android driver app" and "iPhone version of the driver app") shows in
    /// the evidence but does not count towards the verdict.
    pub discount_shared: bool,
}

impl Default for CheckConfig {
    /// Chosen on the tuning half of the evaluation set by `examples/scope_tune.rs` (see
    /// BENCHMARKS.md): per parameter, the value with the best mean accuracy over a grid.
    fn default() -> Self {
        CheckConfig {
            bm25: Bm25Params {
                k1: 1.2,
                b: 0.75,
                phrase_weight: 0.5,
            },
            title_weight: 2.0,
            brief_text_weight: 0.5,
            out_weight: 3.0,
            min_score: 0.6,
            tie_ratio: 1.25,
            confidence_scale: 3.0,
            alias_weight: 1.0,
            discount_shared: true,
        }
    }
}

/// Why an item counted: its raw BM25 score (with phrase bonus, before `out_weight`) and the words
/// that matched, as the item writes them, strongest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    pub item_id: String,
    pub kind: ScopeKind,
    pub score: f64,
    pub terms: Vec<String>,
}

/// The result of a check: what the CLI prints and what a request stores (with its brief version).
/// `evidence` holds only items with a positive score, highest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub verdict: Verdict,
    pub confidence: f64,
    pub evidence: Vec<Evidence>,
}

/// Check a request against a brief with the default configuration.
///
/// The brief should have passed `Brief::validate`; an invalid one is still checked without
/// panicking (duplicate ids then appear twice in the evidence).
pub fn check(brief: &Brief, title: &str, body: &str) -> Assessment {
    check_with(brief, title, body, &CheckConfig::default())
}

/// Check a request against a brief with explicit thresholds and weights.
pub fn check_with(brief: &Brief, title: &str, body: &str, config: &CheckConfig) -> Assessment {
    BriefIndex::new(brief, config).check(title, body)
}

/// A brief analysed once, for checking many requests against it. It owns what it needs, so a
/// caller may keep one per brief version and skip re-analysing the brief for every request.
#[derive(Debug, Clone)]
pub struct BriefIndex {
    /// Id and kind of each item, in the order of the index's documents.
    items: Vec<(String, ScopeKind)>,
    config: CheckConfig,
    index: Index,
    /// Whether the document after the items is the brief's free text.
    has_text_doc: bool,
}

impl BriefIndex {
    pub fn new(brief: &Brief, config: &CheckConfig) -> Self {
        let mut docs: Vec<Document> = brief
            .items
            .iter()
            .map(|item| Document::new(&terms(&item.text)))
            .collect();
        let text_terms = terms(&brief.text);
        let has_text_doc =
            !brief.items.is_empty() && config.brief_text_weight > 0.0 && !text_terms.is_empty();
        if has_text_doc {
            docs.push(Document::new(&text_terms));
        }
        BriefIndex {
            items: brief.items.iter().map(|i| (i.id.clone(), i.kind)).collect(),
            config: *config,
            index: Index::new(docs),
            has_text_doc,
        }
    }

    pub fn check(&self, title: &str, body: &str) -> Assessment {
        if self.items.is_empty() {
            return Assessment {
                verdict: Verdict::Unclear,
                confidence: 0.0,
                evidence: Vec::new(),
            };
        }
        let c = &self.config;
        let body_terms = terms(truncate(body, MAX_BODY_BYTES));
        let title_terms = terms(truncate(title, MAX_TITLE_BYTES));
        let mut query = Query::default();
        query.add(&body_terms, 1.0);
        query.add(&title_terms, c.title_weight);
        add_aliases(&mut query, &body_terms, c.alias_weight);
        add_aliases(&mut query, &title_terms, c.alias_weight * c.title_weight);

        struct Scored<'b> {
            item_id: &'b str,
            kind: ScopeKind,
            /// Weight applied to this document's score in the decision.
            weight: f64,
            score: f64,
            hits: Vec<Hit>,
        }
        let mut scored = Vec::new();
        for doc in 0..self.index.len() {
            let (score, hits) = self.index.score(doc, &query, &c.bm25);
            if score <= 0.0 {
                continue;
            }
            let (item_id, kind, weight) = match self.items.get(doc) {
                Some((id, kind)) => {
                    let w = match kind {
                        ScopeKind::In => 1.0,
                        ScopeKind::Out => c.out_weight,
                    };
                    (id.as_str(), *kind, w)
                }
                None if self.has_text_doc => (BRIEF_TEXT_ID, ScopeKind::In, c.brief_text_weight),
                None => continue,
            };
            scored.push(Scored {
                item_id,
                kind,
                weight,
                score,
                hits,
            });
        }

        let matched_by = |kind: ScopeKind| -> Vec<&str> {
            scored
                .iter()
                .filter(|s| s.kind == kind)
                .flat_map(|s| s.hits.iter().map(|h| h.stem.as_str()))
                .collect()
        };
        let (in_stems, out_stems) = if c.discount_shared {
            (matched_by(ScopeKind::In), matched_by(ScopeKind::Out))
        } else {
            (Vec::new(), Vec::new())
        };
        let mut best_in = 0.0_f64;
        let mut best_out = 0.0_f64;
        for s in &scored {
            let other = match s.kind {
                ScopeKind::In => &out_stems,
                ScopeKind::Out => &in_stems,
            };
            let decisive: f64 = s
                .hits
                .iter()
                .filter(|h| !other.contains(&h.stem.as_str()))
                .map(|h| h.contribution)
                .sum();
            let weighted = decisive * s.weight;
            match s.kind {
                ScopeKind::In => best_in = best_in.max(weighted),
                ScopeKind::Out => best_out = best_out.max(weighted),
            }
        }

        let mut evidence: Vec<Evidence> = scored
            .into_iter()
            .map(|s| Evidence {
                item_id: s.item_id.to_string(),
                kind: s.kind,
                score: round4(s.score),
                terms: evidence_terms(s.hits),
            })
            .collect();
        evidence.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.item_id.cmp(&b.item_id))
        });

        let (verdict, confidence) = decide(best_in, best_out, c);
        Assessment {
            verdict,
            confidence: round4(confidence),
            evidence,
        }
    }
}

fn add_aliases(query: &mut Query, terms: &[Term], weight: f64) {
    for t in terms {
        for stem in aliases(&t.word) {
            query.add_alias(stem, weight, &t.word);
        }
    }
}

fn evidence_terms(hits: Vec<Hit>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(hits.len());
    for h in hits {
        if !out.contains(&h.word) {
            out.push(h.word);
        }
    }
    out
}

/// The decision rule and confidence formula documented at the top of this module.
fn decide(best_in: f64, best_out: f64, c: &CheckConfig) -> (Verdict, f64) {
    let (hi, lo, winner) = if best_out >= best_in {
        (best_out, best_in, Verdict::Out)
    } else {
        (best_in, best_out, Verdict::In)
    };
    let strength = |s: f64| s / (s + c.confidence_scale);
    if hi < c.min_score || hi <= 0.0 {
        return (Verdict::Unclear, 0.0);
    }
    if hi >= c.tie_ratio * lo {
        let confidence = strength(hi) * (hi - lo) / hi;
        return (winner, confidence.clamp(0.0, 1.0));
    }
    let confidence = strength(lo) * lo / hi;
    (Verdict::Unclear, confidence.clamp(0.0, 1.0))
}

fn round4(x: f64) -> f64 {
    if x.is_finite() {
        (x * 10_000.0).round() / 10_000.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::{Duration, Instant};

    use proptest::prelude::*;

    use super::*;
    use crate::scope::ScopeItem;

    fn item(id: &str, kind: ScopeKind, text: &str) -> ScopeItem {
        ScopeItem {
            id: id.to_string(),
            kind,
            text: text.to_string(),
        }
    }

    fn app_brief() -> Brief {
        Brief {
            text: "A driver app for Haulr Logistics. Phase 1 is Android only.".to_string(),
            items: vec![
                item(
                    "android",
                    ScopeKind::In,
                    "Android driver app: login, route list, proof of delivery",
                ),
                item(
                    "map",
                    ScopeKind::In,
                    "Web dispatcher view with a live map of vans",
                ),
                item(
                    "dashboards",
                    ScopeKind::In,
                    "Management dashboard of deliveries per day",
                ),
                item(
                    "ios",
                    ScopeKind::Out,
                    "iOS / iPhone version of the driver app",
                ),
                item("routing", ScopeKind::Out, "Automatic route optimisation"),
            ],
        }
    }

    fn in_only_brief() -> Brief {
        Brief {
            text: String::new(),
            items: vec![
                item(
                    "pack",
                    ScopeKind::In,
                    "Monthly board KPI pack: MRR, churn, net revenue retention",
                ),
                item(
                    "call",
                    ScopeKind::In,
                    "One call per month to walk the CFO through the pack",
                ),
            ],
        }
    }

    fn stems(text: &str) -> HashSet<String> {
        terms(text).into_iter().map(|t| t.stem).collect()
    }

    /// Every evidence term must be made of words found in the item and (directly or through an
    /// alias) in the request.
    fn assert_terms_occur_in_both(brief: &Brief, title: &str, body: &str, a: &Assessment) {
        let request = stems(&format!("{title} {body}"));
        let request_words: HashSet<String> = terms(&format!("{title} {body}"))
            .into_iter()
            .map(|t| t.word)
            .collect();
        for e in &a.evidence {
            let source = if e.item_id == BRIEF_TEXT_ID {
                brief.text.clone()
            } else {
                brief
                    .items
                    .iter()
                    .find(|i| i.id == e.item_id)
                    .map(|i| i.text.clone())
                    .unwrap_or_else(|| panic!("evidence names unknown item {}", e.item_id))
            };
            let item = stems(&source);
            for term in &e.terms {
                let (item_side, via) = match term.split_once(" (") {
                    Some((w, rest)) => (w, Some(rest.trim_end_matches(')'))),
                    None => (term.as_str(), None),
                };
                for s in stems(item_side) {
                    assert!(item.contains(&s), "{term:?}: {s:?} not in item {source:?}");
                    if via.is_none() {
                        assert!(request.contains(&s), "{term:?}: {s:?} not in request");
                    }
                }
                if let Some(via) = via {
                    assert!(
                        request_words.contains(via),
                        "{term:?}: {via:?} not in request"
                    );
                    assert!(!aliases(via).is_empty(), "{via:?} is not an alias");
                }
            }
        }
    }

    #[test]
    fn empty_brief_is_unclear_with_no_confidence() {
        let a = check(
            &Brief::default(),
            "Build an app",
            "Please build the Android app",
        );
        assert_eq!(a.verdict, Verdict::Unclear);
        assert_eq!(a.confidence, 0.0);
        assert!(a.evidence.is_empty());

        // Free text alone decides nothing either: the items are the contract.
        let text_only = Brief {
            text: "We build the Android app.".into(),
            items: vec![],
        };
        let a = check(&text_only, "", "Please build the Android app");
        assert_eq!(a.verdict, Verdict::Unclear);
        assert_eq!(a.confidence, 0.0);
    }

    #[test]
    fn stemmed_forms_match_the_item() {
        let a = check(
            &app_brief(),
            "Dashboards",
            "the management dashboards show zero deliveries",
        );
        assert_eq!(a.verdict, Verdict::In);
        assert_eq!(a.evidence[0].item_id, "dashboards");
        assert!(
            a.evidence[0].terms.iter().any(|t| t == "dashboard"),
            "{a:?}"
        );
    }

    #[test]
    fn excluded_work_is_out_even_when_it_also_names_in_scope_work() {
        let body = "The Android driver app works well. Can you make an iPhone version of the \
                    driver app for our subcontractors?";
        let a = check(&app_brief(), "iPhone version", body);
        assert_eq!(a.verdict, Verdict::Out, "{a:?}");
        assert_eq!(a.evidence[0].item_id, "ios");
        assert!(a.confidence > 0.0 && a.confidence <= 1.0);
        assert_terms_occur_in_both(&app_brief(), "iPhone version", body, &a);
    }

    #[test]
    fn in_scope_request_is_in() {
        let body = "The proof of delivery screen crashes on login for two drivers";
        let a = check(&app_brief(), "Android app crash", body);
        assert_eq!(a.verdict, Verdict::In, "{a:?}");
        assert_eq!(a.evidence[0].item_id, "android");
    }

    #[test]
    fn alias_evidence_names_both_words() {
        let a = check(&app_brief(), "", "two drivers only have iPhones");
        assert_eq!(a.verdict, Verdict::Out, "{a:?}");
        assert!(
            a.evidence[0].terms.iter().any(|t| t == "ios (iphones)"),
            "{a:?}"
        );
    }

    #[test]
    fn brief_without_out_items_never_says_out_and_unmatched_work_is_unclear() {
        let b = in_only_brief();
        let a = check(
            &b,
            "January pack",
            "When will the KPI pack for the board be ready?",
        );
        assert_eq!(a.verdict, Verdict::In);
        let a = check(
            &b,
            "Payroll",
            "Could you also run payroll for our 12 employees?",
        );
        assert_eq!(a.verdict, Verdict::Unclear);
        assert_eq!(a.confidence, 0.0);
        assert!(a.evidence.is_empty());
    }

    #[test]
    fn other_scripts_do_not_panic_and_are_unclear() {
        let b = app_brief();
        for text in [
            "アプリのダッシュボードを追加してください。よろしくお願いします。",
            "نرجو إضافة لوحة معلومات جديدة إلى التطبيق في أقرب وقت",
            "Добавьте, пожалуйста, новую панель",
            "🚚🚚🚚 ¿¡‽ \u{200b}\u{feff}",
        ] {
            let a = check(&b, text, text);
            assert_eq!(a.verdict, Verdict::Unclear, "{text}");
            assert!((0.0..=1.0).contains(&a.confidence));
        }
    }

    #[test]
    fn a_brief_written_in_another_script_matches_requests_in_it() {
        let b = Brief {
            text: String::new(),
            items: vec![
                item("dash", ScopeKind::In, "ダッシュボード 作成"),
                item("app", ScopeKind::Out, "スマホ アプリ"),
            ],
        };
        let a = check(&b, "", "ダッシュボード の 修正");
        assert_eq!(a.verdict, Verdict::In, "{a:?}");
    }

    #[test]
    fn megabyte_body_is_cut_and_fast() {
        let filler = "lorem ipsum dolor sit amet consectetur ".repeat(30_000);
        assert!(filler.len() > 1_000_000);
        // The only matching word sits past the 64 KiB that are read.
        let body = format!("{filler} iPhone version of the driver app");
        let start = Instant::now();
        let a = check(&app_brief(), "", &body);
        let elapsed = start.elapsed();
        assert_eq!(a.verdict, Verdict::Unclear, "{a:?}");
        assert!(a.evidence.is_empty());
        // Generous for an unoptimised build on a busy machine; a release build takes ~1 ms.
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");

        let early = format!("iPhone version of the driver app {filler}");
        assert_eq!(check(&app_brief(), "", &early).verdict, Verdict::Out);
    }

    #[test]
    fn checks_are_deterministic() {
        let b = app_brief();
        let body = "live map of vans is slow, and can the routes be optimised automatically?";
        let first = check(&b, "map and routes", body);
        for _ in 0..20 {
            assert_eq!(check(&b, "map and routes", body), first);
        }
        // A compiled brief gives the same answer as the one-shot function.
        let config = CheckConfig::default();
        assert_eq!(
            BriefIndex::new(&b, &config).check("map and routes", body),
            first
        );
    }

    #[test]
    fn invalid_brief_is_checked_without_panicking() {
        let dup = Brief {
            text: String::new(),
            items: vec![
                item("a", ScopeKind::In, "logo design"),
                item("a", ScopeKind::Out, "website design"),
                item("", ScopeKind::In, ""),
            ],
        };
        assert!(dup.validate().is_err());
        let a = check(&dup, "", "logo and website");
        assert!((0.0..=1.0).contains(&a.confidence));
    }

    #[test]
    fn decision_rule_follows_the_documented_thresholds() {
        let c = CheckConfig::default();
        // Nothing, or too little, is evidence of nothing.
        assert_eq!(decide(0.0, 0.0, &c), (Verdict::Unclear, 0.0));
        assert_eq!(decide(c.min_score * 0.9, 0.0, &c), (Verdict::Unclear, 0.0));
        // One side clearly ahead wins, with confidence growing with the margin.
        let (v, strong) = decide(4.0, 0.0, &c);
        assert_eq!(v, Verdict::In);
        let (v, narrow) = decide(4.0, 3.0, &c);
        assert_eq!(v, Verdict::In);
        assert!(strong > narrow && narrow > 0.0);
        assert_eq!(decide(1.0, 3.0, &c).0, Verdict::Out);
        // Within the tie band: unclear, and more confidently so when both sides are strong.
        let (v, weak_tie) = decide(1.0, 1.0, &c);
        assert_eq!(v, Verdict::Unclear);
        let (v, strong_tie) = decide(5.0, 5.0, &c);
        assert_eq!(v, Verdict::Unclear);
        assert!(strong_tie > weak_tie && weak_tie > 0.0);
    }

    #[test]
    fn evidence_is_sorted_positive_and_serialises_with_the_cli_field_names() {
        let b = app_brief();
        let a = check(
            &b,
            "driver app",
            "the driver app map of vans and route list",
        );
        assert!(a.evidence.len() >= 2, "{a:?}");
        for pair in a.evidence.windows(2) {
            assert!(pair[0].score >= pair[1].score);
        }
        assert!(
            a.evidence
                .iter()
                .all(|e| e.score > 0.0 && !e.terms.is_empty())
        );

        let json = serde_json::to_value(&a).unwrap();
        // serde_json's map is sorted by key, so the names are compared in sorted order.
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["confidence", "evidence", "verdict"]);
        let e = json["evidence"][0].as_object().unwrap();
        let keys: Vec<&str> = e.keys().map(String::as_str).collect();
        assert_eq!(keys, ["item_id", "kind", "score", "terms"]);
        assert!(matches!(e["kind"].as_str(), Some("in" | "out")));
        assert!(matches!(
            json["verdict"].as_str(),
            Some("in" | "out" | "unclear")
        ));
    }

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "android",
                "app",
                "driver",
                "iphone",
                "ios",
                "map",
                "vans",
                "route",
                "routes",
                "dashboard",
                "dashboards",
                "live",
                "delivery",
                "the",
                "and",
                "optimisation",
                "spanish",
                "ad",
                "added",
                "ダッシュボード",
                "لوحة",
                "12",
                "2024",
                "",
            ])
            .prop_map(str::to_string),
            "\\PC{0,12}",
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(word(), 0..40).prop_map(|w| w.join(" "))
    }

    fn brief_strategy() -> impl Strategy<Value = Brief> {
        let item = (prop::bool::ANY, text()).prop_map(|(out, text)| (out, text));
        (text(), prop::collection::vec(item, 0..8)).prop_map(|(text, items)| Brief {
            text,
            items: items
                .into_iter()
                .enumerate()
                .map(|(i, (out, text))| ScopeItem {
                    id: format!("i{i}"),
                    kind: if out { ScopeKind::Out } else { ScopeKind::In },
                    text,
                })
                .collect(),
        })
    }

    proptest! {
        #[test]
        fn assessments_are_well_formed(brief in brief_strategy(), title in text(), body in text()) {
            let a = check(&brief, &title, &body);
            prop_assert!((0.0..=1.0).contains(&a.confidence), "{}", a.confidence);
            prop_assert!(a.evidence.iter().all(|e| e.score > 0.0 && e.score.is_finite()));
            for pair in a.evidence.windows(2) {
                prop_assert!(pair[0].score >= pair[1].score);
            }
            let has = |k: ScopeKind| a.evidence.iter().any(|e| e.kind == k);
            match a.verdict {
                Verdict::In => prop_assert!(has(ScopeKind::In)),
                Verdict::Out => prop_assert!(has(ScopeKind::Out)),
                Verdict::Unclear => {}
            }
            if brief.items.is_empty() {
                prop_assert_eq!(a.verdict, Verdict::Unclear);
                prop_assert_eq!(a.confidence, 0.0);
            }
            if brief.items.iter().all(|i| i.kind == ScopeKind::In) {
                prop_assert_ne!(a.verdict, Verdict::Out);
            }
            assert_terms_occur_in_both(&brief, &title, &body, &a);
            prop_assert_eq!(check(&brief, &title, &body), a);
        }
    }
}
