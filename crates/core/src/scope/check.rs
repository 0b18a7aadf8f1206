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
//! 5. Then what words alone miss (`limits`), each with a `reason` a person can check:
//!    * a request beyond a limit of an `in` item ("a fourth workshop" against "three workshops",
//!      "daily" against "a fortnightly check-in", "in Polish" against "in English") is `out`, the
//!      limit in `excess`;
//!    * a new one of what an item calls existing, or a feature where the only `in` work is fixing
//!      defects, is `out`;
//!    * words an `out` item qualifies with "new" ("new sites") count only if the request says new;
//!    * a request that asks for work and matches no `in` item (the brief's free text aside) is
//!      `out` at `UNMENTIONED_CONFIDENCE`: a brief that lists what is included excludes the rest,
//!      but only a person can tell a new deliverable from a badly worded question. A message that
//!      matches nothing and asks for nothing stays `unclear`.
//!
//! 6. The firm's earlier decisions, when the caller passes them (`check_in_context`, see
//!    `precedent`): a rule of step 5 that reads a limit, "existing" or "fixing defects" still
//!    decides (its reason names a close precedent that went the other way); otherwise a precedent
//!    at `decide_at` decides, at confidence `0.5 + 0.4 * closeness`, and one at `sway_at` adds to
//!    its side's score before step 3's rule and stands in for the unmentioned-work rule.

use serde::{Deserialize, Serialize};

use super::aliases::aliases;
use super::bm25::{Bm25Params, Document, Hit, Index, Query};
use super::limits::{
    Excess, Existing, Limit, asked_count, asks_for_new, exceeds, parse_existing, parse_language,
    parse_limits, singular,
};
use super::precedent::{Precedent, PrecedentConfig, PrecedentEffect, PrecedentIndex, deciding};
use super::text::{terms, truncate};
use super::usage::{LimitUse, Usage, is_hours, number};
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
    /// Below this best `in`-item score (the brief's free text aside) a request that asks for
    /// work is unmentioned work: `out` at `UNMENTIONED_CONFIDENCE`.
    pub unmentioned_below: f64,
    /// How the firm's earlier decisions weigh (see `precedent`).
    pub precedent: PrecedentConfig,
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
            unmentioned_below: 0.5,
            precedent: PrecedentConfig::default(),
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

impl Evidence {
    /// The evidence as a person reads it: which part of the brief the request shares words
    /// with, and the words.
    pub fn sentence(&self) -> String {
        let terms = self
            .terms
            .iter()
            .map(|t| format!("\u{201c}{t}\u{201d}"))
            .collect::<Vec<_>>()
            .join(", ");
        let part = if self.item_id == BRIEF_TEXT_ID {
            "The brief's text".to_string()
        } else {
            match self.kind {
                ScopeKind::In => format!("Included item {}", self.item_id),
                ScopeKind::Out => format!("Excluded item {}", self.item_id),
            }
        };
        if terms.is_empty() {
            format!("{part} is close to the request.")
        } else {
            format!("{part} shares the words {terms}.")
        }
    }
}

/// The result of a check: what the CLI prints and what a request stores (with its brief version).
/// `evidence` holds only items with a positive score, highest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub verdict: Verdict,
    pub confidence: f64,
    pub evidence: Vec<Evidence>,
    /// Why the verdict is what it is when words alone did not decide it: a limit exceeded, a new
    /// thing where the brief maintains an existing one, or nothing in the brief covering the ask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The limit the request goes beyond, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excess: Option<Excess>,
    /// The limits stated by the items in the evidence, so a reader sees what was compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<Limit>,
    /// The item whose limit the request uses when it is in scope (the exceeded one, or the best
    /// matching `in` item when it states a count or cap): what later checks count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts_against: Option<String>,
    /// What the engagement had used of that limit when the request was checked, when the caller
    /// counted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<LimitUse>,
    /// The firm's earlier decisions closest to the request, closest first, each saying whether it
    /// decided the verdict, swayed it or is only shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub precedents: Vec<Precedent>,
}

/// Confidence of a verdict reached without an item that speaks to the request: low enough that a
/// person should look before a change order goes out.
pub const UNMENTIONED_CONFIDENCE: f64 = 0.3;

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

/// The limits a brief's `in` items state (counts, cadences, caps, and the one language an item
/// is written in), in the brief's order: what its author is shown to correct the wording.
pub fn brief_limits(brief: &Brief) -> Vec<Limit> {
    brief
        .items
        .iter()
        .filter(|i| i.kind == ScopeKind::In)
        .flat_map(|i| {
            let mut l = parse_limits(&i.id, &i.text);
            l.extend(parse_language(&i.id, &i.text));
            l
        })
        .collect()
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
    /// Quantities, cadences and caps the `in` items state.
    limits: Vec<Limit>,
    /// What `in` items say exists already.
    existing: Vec<Existing>,
    /// Whether an `in` item covers only fixing defects, and none covers new features.
    defects_only: Option<String>,
    /// Per item, the stems it qualifies with "new" (empty for `in` items).
    new_only: Vec<Vec<String>>,
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
        let ins = || brief.items.iter().filter(|i| i.kind == ScopeKind::In);
        let limits = brief_limits(brief);
        // Words an `out` item qualifies with "new" ("new sites") exclude only new ones: "the
        // site is slow" is about the existing site.
        let new_only = brief
            .items
            .iter()
            .map(|i| match i.kind {
                ScopeKind::Out => new_qualified_stems(&i.text),
                ScopeKind::In => Vec::new(),
            })
            .collect();
        let existing = ins()
            .filter_map(|i| parse_existing(&i.id, &i.text))
            .collect();
        let mentions = |i: &super::ScopeItem, w: &str| i.text.to_lowercase().contains(w);
        let defects_only = ins()
            .find(|i| mentions(i, "defect") || mentions(i, "bug fix"))
            .filter(|_| !ins().any(|i| mentions(i, "feature")))
            .map(|i| i.id.clone());
        BriefIndex {
            items: brief.items.iter().map(|i| (i.id.clone(), i.kind)).collect(),
            config: *config,
            index: Index::new(docs),
            has_text_doc,
            limits,
            existing,
            defects_only,
            new_only,
        }
    }

    /// The thresholds and weights it was built with.
    pub fn config(&self) -> &CheckConfig {
        &self.config
    }

    /// Every limit the brief's `in` items state, in the brief's order: what its author and the
    /// engagement page see.
    pub fn limits(&self) -> &[Limit] {
        &self.limits
    }

    /// The check from the words alone, without the engagement's use of its limits.
    pub fn check(&self, title: &str, body: &str) -> Assessment {
        self.check_counting(title, body, &mut |_| None)
    }

    /// The check, with the engagement's use of the one limit the request would count against:
    /// `usage` is asked at most once, for that limit, and answers what was counted (or `None`
    /// when it is not known). A request that would take the count or cap beyond what is
    /// included is `out`, with the use as evidence; one more of something still available is
    /// not, even when it says "another".
    pub fn check_counting(
        &self,
        title: &str,
        body: &str,
        usage: &mut dyn FnMut(&Limit) -> Option<Usage>,
    ) -> Assessment {
        self.check_in_context(title, body, usage, &PrecedentIndex::default())
    }

    /// The check with the engagement's use of its limits (see `check_counting`) and the firm's
    /// earlier decisions (`history`), in the order `precedent` documents: a rule of the brief
    /// (limit, new thing, feature against defect fixing) first, then a close precedent, then the
    /// words with a less close precedent's weight added, then the unmentioned-work rule.
    pub fn check_in_context(
        &self,
        title: &str,
        body: &str,
        usage: &mut dyn FnMut(&Limit) -> Option<Usage>,
        history: &PrecedentIndex,
    ) -> Assessment {
        if self.items.is_empty() {
            return Assessment {
                verdict: Verdict::Unclear,
                confidence: 0.0,
                evidence: Vec::new(),
                reason: None,
                excess: None,
                limits: Vec::new(),
                counts_against: None,
                usage: None,
                precedents: Vec::new(),
            };
        }
        let c = &self.config;
        let body_terms = terms(truncate(body, MAX_BODY_BYTES));
        let title_terms = terms(truncate(title, MAX_TITLE_BYTES));
        let mut query = Query::default();
        query.add(&body_terms, 1.0);
        query.add(&title_terms, c.title_weight);
        let body = truncate(body, MAX_BODY_BYTES);
        let title = truncate(title, MAX_TITLE_BYTES);
        add_aliases(&mut query, body, c.alias_weight);
        add_aliases(&mut query, title, c.alias_weight * c.title_weight);

        struct Scored<'b> {
            item_id: &'b str,
            kind: ScopeKind,
            /// Weight applied to this document's score in the decision.
            weight: f64,
            score: f64,
            hits: Vec<Hit>,
        }
        let says_new = {
            let t = format!(" {} {} ", title, body).to_lowercase();
            [
                " new ",
                " another ",
                " separate ",
                " second ",
                "microsite",
                "redesign",
                "rebuild",
            ]
            .iter()
            .any(|w| t.contains(w))
        };
        let mut scored = Vec::new();
        for doc in 0..self.index.len() {
            let (score, mut hits) = self.index.score(doc, &query, &c.bm25);
            let mut score = score;
            if !says_new
                && let Some(qualified) = self.new_only.get(doc)
                && hits.iter().any(|h| qualified.contains(&h.stem))
            {
                hits.retain(|h| !qualified.contains(&h.stem));
                score = hits.iter().map(|h| h.contribution).sum();
            }
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
        let mut best_in_item = 0.0_f64;
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
                ScopeKind::In => {
                    best_in = best_in.max(weighted);
                    if s.item_id != BRIEF_TEXT_ID {
                        best_in_item = best_in_item.max(weighted);
                    }
                }
                ScopeKind::Out => best_out = best_out.max(weighted),
            }
        }
        let matched_in: Vec<&str> = scored
            .iter()
            .filter(|s| s.kind == ScopeKind::In && s.item_id != BRIEF_TEXT_ID)
            .map(|s| s.item_id)
            .collect();
        let excess = exceeds(&self.limits, &matched_in, title, body);
        let new_thing = asks_for_new(&self.existing, title, body);
        let limits: Vec<Limit> = self
            .limits
            .iter()
            .filter(|l| matched_in.contains(&l.item_id.as_str()))
            .cloned()
            .collect();

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

        let (mut verdict, mut confidence) = decide(best_in, best_out, c);
        let top_in = evidence
            .iter()
            .find(|e| e.kind == ScopeKind::In && e.item_id != BRIEF_TEXT_ID)
            .map(|e| e.item_id.clone());
        let counted = excess
            .as_ref()
            .map(|e| e.item_id.clone())
            .or_else(|| top_in.clone())
            .and_then(|id| {
                self.limits
                    .iter()
                    .find(|l| l.item_id == id && l.counts_use())
            });
        let used = counted.and_then(|l| usage(l).map(|u| LimitUse::of(l, &u)));
        let excess = match (counted, &used) {
            (Some(l), Some(u)) => {
                let about_it = verdict == Verdict::In && top_in.as_deref() == Some(&l.item_id);
                over_the_use(l, u, excess, about_it, title, body)
            }
            _ => excess,
        };
        let counts_against = counted.map(|l| l.item_id.clone());
        let mut reason = None;
        let strength = |s: f64| s / (s + c.confidence_scale);
        let mut precedents = history.nearest(title, body, &c.precedent);
        let feature_against_fixes = self
            .defects_only
            .as_ref()
            .filter(|_| asks_for_feature(title, body));
        let rule_decides =
            excess.is_some() || new_thing.is_some() || feature_against_fixes.is_some();
        let mut precedent_speaks = false;
        if !rule_decides {
            if let Some(p) = deciding(&precedents, &c.precedent) {
                // A person's judgement of a near-identical request outweighs the words it shares
                // with the brief.
                verdict = p.verdict;
                confidence = 0.5 + 0.4 * p.similarity;
                precedents[0].effect = PrecedentEffect::Decided;
                precedent_speaks = true;
            } else if let Some(p) = precedents.first()
                && p.verdict != Verdict::Unclear
            {
                let add = c.precedent.sway_weight * p.similarity;
                let (sway_in, sway_out) = match p.verdict {
                    Verdict::In => (best_in + add, best_out),
                    _ => (best_in, best_out + add),
                };
                (verdict, confidence) = decide(sway_in, sway_out, c);
                precedents[0].effect = PrecedentEffect::Swayed;
                precedent_speaks = true;
            }
            if precedent_speaks && verdict == precedents[0].verdict {
                reason = Some(precedents[0].sentence());
            }
        }
        if let Some(e) = &excess {
            // More of an included thing is new work even though every word matches the item.
            if verdict != Verdict::Out {
                confidence = 0.5 + 0.4 * strength(best_in);
            }
            verdict = Verdict::Out;
            let mut why = format!(
                "asks for {} where item {} includes {}",
                e.asked, e.item_id, e.limit
            );
            if let Some(u) = used.as_ref().filter(|u| u.item_id == e.item_id) {
                why.push_str(", and ");
                why.push_str(&u.describe());
            }
            reason = Some(why);
        } else if let Some((e, asked)) = &new_thing {
            if verdict != Verdict::Out {
                confidence = 0.5 + 0.4 * strength(best_in);
            }
            verdict = Verdict::Out;
            reason = Some(format!(
                "asks for {asked} where item {} covers the existing {}",
                e.item_id, e.thing
            ));
        } else if let Some(item) = feature_against_fixes {
            if verdict != Verdict::Out {
                confidence = 0.5;
            }
            verdict = Verdict::Out;
            reason = Some(format!(
                "asks for a new feature where item {item} covers fixing defects"
            ));
        } else if !precedent_speaks
            && best_in_item < c.unmentioned_below
            && best_out < c.min_score
            && asks_for_work(title, body)
        {
            // Unmentioned work: a brief that lists what is included is read as excluding what it
            // does not list, but only a person can tell a new deliverable from a badly worded
            // question, so the confidence stays low.
            verdict = Verdict::Out;
            confidence = UNMENTIONED_CONFIDENCE;
            reason = Some("nothing in the brief covers this request".to_string());
        }
        if rule_decides
            && let (Some(why), Some(p)) = (reason.as_mut(), precedents.first())
            && p.verdict != verdict
        {
            // The rule stands, but not silently: the reader sees the firm once went the other way.
            why.push_str(&format!(
                "; the close earlier request #{} was decided {} on {}, but the brief's rule decides",
                p.request_id,
                p.verdict.as_str(),
                p.decided_on.strftime("%-d %B %Y")
            ));
        }
        Assessment {
            verdict,
            confidence: round4(confidence.clamp(0.0, 1.0)),
            evidence,
            reason,
            excess,
            limits,
            counts_against,
            usage: used,
            precedents,
        }
    }
}

/// The usage rule: with `u` used of `l`, whether the request goes beyond it. A "one more" found
/// in the words stands only if none remains; a request about the item (`about_it`) asks for the
/// number of units it names, else one (no hours for an hours cap, which then must have some
/// left). Other excesses, read from numbers the request states, stand as they are.
fn over_the_use(
    l: &Limit,
    u: &LimitUse,
    excess: Option<Excess>,
    about_it: bool,
    title: &str,
    body: &str,
) -> Option<Excess> {
    match excess {
        Some(e) if e.one_more && e.item_id == l.item_id => u.over_by(1.0).map(|extra| Excess {
            extra: Some(extra.max(1.0)),
            ..e
        }),
        None if about_it => {
            let named = asked_count(l, title, body);
            let hours = is_hours(l);
            let asking = named.unwrap_or(if hours { 0.0 } else { 1.0 });
            let extra = u.over_by(asking)?;
            let asked = match named {
                Some(n) => format!("{} {}", number(n), l.unit),
                None if hours => "more time".to_string(),
                None => format!("one more {}", singular(&l.unit)),
            };
            Some(Excess {
                item_id: l.item_id.clone(),
                limit: l.describe(),
                asked,
                extra: (extra > 0.0).then_some(extra),
                unit: l.unit.clone(),
                one_more: named.is_none(),
            })
        }
        other => other,
    }
}

/// Stems an item qualifies with "new": "New features, new sites or redesigns" gives the stems of
/// "features" and "sites".
fn new_qualified_stems(text: &str) -> Vec<String> {
    let words = raw_words(text);
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if w == "new"
            && let Some(next) = words.get(i + 1)
        {
            out.extend(terms(next).into_iter().map(|t| t.stem));
        }
    }
    out
}

/// Lowercase words with their hyphens, slashes and apostrophes, as the alias table keys them.
fn raw_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|ch: char| !(ch.is_alphanumeric() || matches!(ch, '-' | '/' | '\'')))
        .map(|w| w.trim_matches(|ch: char| matches!(ch, '-' | '/' | '\'')))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Add the stems the request's words, and pairs and triples of words, stand for.
fn add_aliases(query: &mut Query, text: &str, weight: f64) {
    let words = raw_words(text);
    for n in 1..=3 {
        for w in words.windows(n) {
            let phrase = w.join(" ");
            for stem in aliases(&phrase) {
                query.add_alias(stem, weight, &phrase);
            }
        }
    }
}

/// Whether the request asks for something to be done, not only what or why.
fn asks_for_work(title: &str, body: &str) -> bool {
    let text = format!(" {} {} ", title, body).to_lowercase();
    const ASKS: [&str; 16] = [
        " can you ",
        " could you ",
        " would you ",
        " can we get ",
        " can we have ",
        " could we get ",
        " could we have ",
        " we need ",
        " we'd like ",
        " we would like ",
        " we want ",
        " please ",
        " is it possible ",
        " do you ",
        " can your ",
        " could your ",
    ];
    ASKS.iter().any(|a| text.contains(a))
}

/// Whether the request asks for a new capability rather than a repair.
fn asks_for_feature(title: &str, body: &str) -> bool {
    let text = format!(" {} {} ", title, body).to_lowercase();
    let feature = [
        " new feature",
        " feature",
        " be able to ",
        "could customers ",
        "could patients ",
        "could users ",
    ]
    .iter()
    .any(|w| text.contains(w));
    let repair = [
        "broken",
        "error",
        "wrong",
        "doesn't",
        "does not",
        "not working",
        "fail",
        "bug",
        "crash",
    ]
    .iter()
    .any(|w| text.contains(w));
    feature && !repair
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
    #[test]
    fn evidence_reads_as_a_sentence() {
        let e = |id: &str, kind, terms: &[&str]| super::Evidence {
            item_id: id.into(),
            kind,
            score: 1.0,
            terms: terms.iter().map(|t| t.to_string()).collect(),
        };
        assert_eq!(
            e("reports", super::ScopeKind::In, &["weekly", "report"]).sentence(),
            "Included item reports shares the words \u{201c}weekly\u{201d}, \u{201c}report\u{201d}."
        );
        assert_eq!(
            e("apps", super::ScopeKind::Out, &["app"]).sentence(),
            "Excluded item apps shares the words \u{201c}app\u{201d}."
        );
        assert_eq!(
            e(super::BRIEF_TEXT_ID, super::ScopeKind::In, &[]).sentence(),
            "The brief's text is close to the request."
        );
    }

    use std::collections::HashSet;
    use std::time::{Duration, Instant};

    use proptest::prelude::*;

    use super::*;
    use crate::scope::{Decided, ScopeItem};

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
    fn unmentioned_work_leans_out_with_a_reason_and_a_low_confidence() {
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
        assert_eq!(a.verdict, Verdict::Out);
        assert_eq!(a.confidence, UNMENTIONED_CONFIDENCE);
        assert_eq!(
            a.reason.as_deref(),
            Some("nothing in the brief covers this request")
        );
        assert!(a.evidence.is_empty());
        // A message that asks for nothing is still for a person to read.
        let a = check(&b, "Payroll", "Our payroll provider changed this week.");
        assert_eq!(a.verdict, Verdict::Unclear);
        assert_eq!(a.confidence, 0.0);
    }

    #[test]
    fn more_of_an_included_thing_is_out_with_the_limit_as_evidence() {
        let b = in_only_brief();
        let a = check(
            &b,
            "Second call",
            "Could we have a second call this month with our CEO as well?",
        );
        assert_eq!(a.verdict, Verdict::Out, "{a:?}");
        let e = a.excess.expect("the limit exceeded");
        assert_eq!(e.item_id, "call");
        assert_eq!(e.limit, "1 call per month");
        assert!(a.reason.unwrap().contains("second call"));
        assert!(a.limits.iter().any(|l| l.item_id == "call"));
        // Within the limit the same words are in scope.
        let a = check(
            &b,
            "Call time",
            "Can we move this month's call to Thursday?",
        );
        assert_eq!(a.verdict, Verdict::In, "{a:?}");
        assert!(a.excess.is_none());
    }

    fn workshop_brief() -> BriefIndex {
        let b = Brief {
            text: String::new(),
            items: vec![
                item(
                    "workshops",
                    ScopeKind::In,
                    "Three half-day strategy workshops with the leadership team",
                ),
                item(
                    "edits",
                    ScopeKind::In,
                    "Up to 10 hours a month of website content edits",
                ),
            ],
        };
        BriefIndex::new(&b, &CheckConfig::default())
    }

    fn used(requests: &[i64], minutes: i64) -> impl FnMut(&Limit) -> Option<Usage> {
        let requests = requests.to_vec();
        move |_| {
            Some(Usage {
                requests: requests.clone(),
                minutes,
            })
        }
    }

    #[test]
    fn a_limit_used_up_makes_one_more_out_and_names_what_used_it() {
        let idx = workshop_brief();
        let title = "Strategy workshop in May";
        let body = "Can we book a strategy workshop with the leadership team for May?";
        let a = idx.check_counting(title, body, &mut used(&[12, 15], 0));
        assert_eq!(a.verdict, Verdict::In, "{a:?}");
        assert_eq!(a.counts_against.as_deref(), Some("workshops"));
        assert_eq!(a.usage.as_ref().map(|u| u.used), Some(2.0));

        let a = idx.check_counting(title, body, &mut used(&[12, 15, 19], 0));
        assert_eq!(a.verdict, Verdict::Out, "{a:?}");
        let e = a.excess.as_ref().expect("the limit");
        assert_eq!(e.extra, Some(1.0));
        assert_eq!(
            e.extra_phrase().as_deref(),
            Some("1 half-day strategy workshop over the 3 included")
        );
        let reason = a.reason.unwrap();
        assert!(
            reason.contains("3 of 3 half-day strategy workshops used: #12, #15, #19"),
            "{reason}"
        );
        // Without the engagement's use, the words alone decide: in.
        assert_eq!(idx.check(title, body).verdict, Verdict::In);
    }

    #[test]
    fn another_is_out_only_when_none_remains_once_the_use_is_known() {
        let idx = workshop_brief();
        let (title, body) = (
            "Another strategy workshop",
            "Could we have another workshop?",
        );
        assert_eq!(idx.check(title, body).verdict, Verdict::Out, "no use known");
        let a = idx.check_counting(title, body, &mut used(&[4], 0));
        assert_ne!(a.verdict, Verdict::Out, "two remain: {a:?}");
        assert!(a.excess.is_none());
        let a = idx.check_counting(title, body, &mut used(&[4, 5, 6], 0));
        assert_eq!(a.verdict, Verdict::Out);
        let e = a.excess.unwrap();
        assert!(e.asked.starts_with("another strategy workshop"), "{e:?}");
        assert_eq!(e.extra, Some(1.0));
        assert!(a.reason.unwrap().contains("3 of 3"));
    }

    #[test]
    fn an_hours_cap_counts_the_time_logged_in_the_period() {
        let idx = workshop_brief();
        let (title, body) = (
            "Content edits",
            "Please update the website content edits on the team page",
        );
        let a = idx.check_counting(title, body, &mut used(&[7], 450));
        assert_eq!(a.verdict, Verdict::In, "{a:?}");
        assert_eq!(
            a.usage.as_ref().unwrap().describe(),
            "7.5 of 10 hours used this month"
        );
        let a = idx.check_counting(title, body, &mut used(&[7], 600));
        assert_eq!(a.verdict, Verdict::Out, "the month's hours are used: {a:?}");
        assert!(a.reason.unwrap().contains("10 of 10 hours used this month"));
        // Hours the request names are added to those logged.
        let more = "Please do 4 hours of website content edits on the team page";
        let a = idx.check_counting(title, more, &mut used(&[7], 450));
        assert_eq!(a.verdict, Verdict::Out, "{a:?}");
        assert_eq!(a.excess.unwrap().extra, Some(1.5));
    }

    #[test]
    fn usage_is_asked_once_and_only_for_the_limit_the_request_is_about() {
        let idx = workshop_brief();
        let mut asked = Vec::new();
        let a = idx.check_counting(
            "Strategy workshop agenda",
            "The agenda for the strategy workshop",
            &mut |l: &Limit| {
                asked.push(l.item_id.clone());
                None
            },
        );
        assert_eq!(asked, ["workshops"]);
        assert!(a.usage.is_none());
        let mut calls = 0;
        idx.check_counting("Lunch", "Lunch on Friday?", &mut |_: &Limit| {
            calls += 1;
            None
        });
        assert_eq!(calls, 0);
    }

    #[test]
    fn new_work_against_an_existing_thing_and_features_against_defect_fixing() {
        let b = Brief {
            text: String::new(),
            items: vec![
                item(
                    "maintain",
                    ScopeKind::In,
                    "Maintenance of the existing booking website: fixing defects",
                ),
                item("new", ScopeKind::Out, "New features or new websites"),
            ],
        };
        let a = check(&b, "Bath", "We need a new website for the Bath clinic.");
        assert_eq!(a.verdict, Verdict::Out);
        let a = check(&b, "Slow", "The booking website is slow since Monday.");
        assert_eq!(
            a.verdict,
            Verdict::In,
            "\"websites\" excludes new ones only: {a:?}"
        );
        let only_fixes = Brief {
            text: String::new(),
            items: vec![b.items[0].clone()],
        };
        let a = check(
            &only_fixes,
            "Wishlist",
            "Could patients save a wishlist on the booking website?",
        );
        assert_eq!(a.verdict, Verdict::Out, "{a:?}");
        assert!(a.reason.unwrap().contains("fixing defects"));
    }

    #[test]
    fn concepts_reach_the_item_and_the_evidence_names_them() {
        let b = Brief {
            text: String::new(),
            items: vec![
                item("shop", ScopeKind::In, "Checkout, cart and payment flow"),
                item("integrations", ScopeKind::Out, "Third-party integrations"),
            ],
        };
        let a = check(&b, "Salesforce", "Can orders be pushed into Salesforce?");
        assert_eq!(a.verdict, Verdict::Out, "{a:?}");
        assert!(
            a.evidence[0]
                .terms
                .iter()
                .any(|t| t == "integrations (salesforce)"),
            "{a:?}"
        );
        let a = check(&b, "", "The basket total is wrong");
        assert_eq!(a.verdict, Verdict::In, "{a:?}");
        assert!(
            a.evidence[0].terms.iter().any(|t| t == "cart (basket)"),
            "{a:?}"
        );
    }

    fn shop_brief() -> BriefIndex {
        let b = Brief {
            text: String::new(),
            items: vec![
                item("shop", ScopeKind::In, "Checkout, cart and payment flow"),
                item("integrations", ScopeKind::Out, "Third-party integrations"),
            ],
        };
        BriefIndex::new(&b, &CheckConfig::default())
    }

    fn decision(id: i64, title: &str, body: &str, verdict: Verdict, same: bool) -> Decided {
        Decided {
            request_id: id,
            title: title.into(),
            body: body.into(),
            verdict,
            reason: "the CRM link was sold with the shop".into(),
            decided_by: "Ada Lovelace".into(),
            decided_at: "2027-03-03T10:00:00Z".parse().unwrap(),
            decided_on: jiff::civil::date(2027, 3, 3),
            same_engagement: same,
            counted: false,
        }
    }

    #[test]
    fn a_close_precedent_decides_and_the_evidence_cites_it() {
        let idx = shop_brief();
        let (title, body) = (
            "Orders into Salesforce",
            "Can the shop's orders be pushed into Salesforce each night?",
        );
        assert_eq!(idx.check(title, body).verdict, Verdict::Out);
        let history = PrecedentIndex::new(vec![decision(
            412,
            "Salesforce orders",
            "Can orders from the shop be pushed into Salesforce every night?",
            Verdict::In,
            true,
        )]);
        let a = idx.check_in_context(title, body, &mut |_| None, &history);
        assert_eq!(a.verdict, Verdict::In, "{a:?}");
        let p = &a.precedents[0];
        assert_eq!((p.request_id, p.effect), (412, PrecedentEffect::Decided));
        assert!(p.terms.iter().any(|t| t == "salesforce"), "{p:?}");
        assert_eq!(
            a.reason.as_deref(),
            Some(
                "decided like #412 on 3 March 2027 by Ada Lovelace: in (reason: the CRM link \
                 was sold with the shop)"
            )
        );
        assert!(a.confidence >= 0.5 && a.confidence <= 0.9, "{a:?}");
    }

    #[test]
    fn a_request_unlike_any_decision_is_checked_on_its_words() {
        let idx = shop_brief();
        let history = PrecedentIndex::new(vec![decision(
            412,
            "Salesforce orders",
            "Can orders from the shop be pushed into Salesforce every night?",
            Verdict::In,
            true,
        )]);
        let (title, body) = ("Basket total", "The basket total is wrong since Monday");
        let a = idx.check_in_context(title, body, &mut |_| None, &history);
        assert!(a.precedents.is_empty(), "{a:?}");
        assert_eq!(a, idx.check(title, body));
    }

    #[test]
    fn the_organisations_decision_weighs_less_than_the_engagements() {
        // A bar between the two closenesses (0.86 own, 0.60 weighted for the organisation's).
        let config = CheckConfig {
            precedent: PrecedentConfig {
                decide_at: 0.7,
                ..PrecedentConfig::default()
            },
            ..CheckConfig::default()
        };
        let b = Brief {
            text: String::new(),
            items: vec![
                item("shop", ScopeKind::In, "Checkout, cart and payment flow"),
                item("integrations", ScopeKind::Out, "Third-party integrations"),
            ],
        };
        let idx = BriefIndex::new(&b, &config);
        let (title, body) = (
            "Orders into Salesforce",
            "Can the shop's orders be pushed into Salesforce each night?",
        );
        let (t, b) = (
            "Salesforce orders",
            "Can orders from the shop be pushed into Salesforce every night?",
        );
        let own = PrecedentIndex::new(vec![decision(412, t, b, Verdict::In, true)]);
        let org = PrecedentIndex::new(vec![decision(412, t, b, Verdict::In, false)]);
        let own = idx.check_in_context(title, body, &mut |_| None, &own);
        let org = idx.check_in_context(title, body, &mut |_| None, &org);
        let (po, pg) = (&own.precedents[0], &org.precedents[0]);
        assert!(pg.similarity < po.similarity, "{po:?} {pg:?}");
        let w = config.precedent.org_weight;
        assert!((pg.similarity - po.similarity * w).abs() < 1e-3);
        // Weighted lower, the other engagement's decision no longer decides on its own.
        assert_eq!(po.effect, PrecedentEffect::Decided);
        assert_ne!(pg.effect, PrecedentEffect::Decided, "{org:?}");
    }

    #[test]
    fn a_limit_exceeded_still_wins_over_a_precedent_and_says_so() {
        let idx = workshop_brief();
        let (title, body) = (
            "Strategy workshop",
            "Can we book a strategy workshop with the leadership team?",
        );
        let history = PrecedentIndex::new(vec![decision(
            7,
            title,
            "Can we book a strategy workshop with the leadership team in May?",
            Verdict::In,
            true,
        )]);
        let a = idx.check_in_context(title, body, &mut used(&[12, 15, 19], 0), &history);
        assert_eq!(a.verdict, Verdict::Out, "{a:?}");
        assert!(a.excess.is_some());
        assert_eq!(a.precedents[0].request_id, 7);
        assert_eq!(a.precedents[0].effect, PrecedentEffect::Cited);
        let reason = a.reason.unwrap();
        assert!(
            reason.contains("3 of 3 half-day strategy workshops used"),
            "{reason}"
        );
        assert!(
            reason.contains("#7 was decided in on 3 March 2027, but the brief's rule decides"),
            "{reason}"
        );
        // With workshops left, the same precedent agrees with the words and decides.
        let a = idx.check_in_context(title, body, &mut used(&[12], 0), &history);
        assert_eq!(a.verdict, Verdict::In, "{a:?}");
        assert_eq!(a.precedents[0].effect, PrecedentEffect::Decided);
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
                // Without an `out` item to point at, an `out` verdict states its reason.
            Verdict::Out => prop_assert!(has(ScopeKind::Out) || a.reason.is_some()),
                Verdict::Unclear => {}
            }
            if brief.items.is_empty() {
                prop_assert_eq!(a.verdict, Verdict::Unclear);
                prop_assert_eq!(a.confidence, 0.0);
            }
            if brief.items.iter().all(|i| i.kind == ScopeKind::In) && a.verdict == Verdict::Out {
                prop_assert!(a.reason.is_some());
            }
            assert_terms_occur_in_both(&brief, &title, &body, &a);
            prop_assert_eq!(check(&brief, &title, &body), a);
        }
    }
}
