//! Precedents: how the firm itself decided earlier requests, as evidence for the next one.
//!
//! Every time a person confirms or changes a verdict, the request becomes a *decided* request.
//! When a new request is checked, the decided requests closest to it in wording are found here
//! and the closest one may decide the verdict or sway it ("decided like #412 on 3 March 2027:
//! out (reason: ...)"). The caller reads the decisions (the engagement's own and, weighted lower,
//! the organisation's other ones) and passes them in; nothing here reads or remembers anything.
//!
//! Closeness is the cosine between the two requests' sets of stems, each stem weighted by its
//! inverse document frequency over the decided requests and the request checked (a word in every
//! request of a retainer, "report", says little; "Salesforce" says much; `prior_docs` keeps a few
//! decisions from making every shared word look common). Words are the check's
//! own terms (stemmed, stop words and client filler dropped), so "Can you connect Salesforce?"
//! and "Please connect the shop to Salesforce" are close. A precedent of another engagement of
//! the organisation counts `org_weight` times its closeness: another brief may read the same
//! words differently.
//!
//! Where it sits in the check (`check::BriefIndex::check_in_context`), in order:
//! 1. A limit exceeded, a new thing against an existing one, or a feature against "fixing
//!    defects" still decides: those read the contract's numbers and words, and a decision about
//!    an earlier request (when fewer workshops had been held, say) does not carry over. The
//!    precedent is shown beside the rule, and the reason says when it went the other way.
//! 2. Otherwise a precedent at `decide_at` or closer decides, unless one of another verdict is
//!    almost as close (`margin`): a person's judgement of a near-identical request is better
//!    evidence than the words the request shares with the brief.
//! 3. Otherwise one at `sway_at` or closer adds `sway_weight` times its closeness to its side's
//!    score before the decision rule, and takes the place of the unmentioned-work rule (the firm
//!    has said how it reads such work).
//!
//! A decision the check made by counting a limit (`Decided::counted`) is no precedent: the person
//! judged what had been used then.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Verdict;
use super::text::{terms, truncate};

/// A request a person decided: what the caller reads of an earlier confirmation or override.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub request_id: i64,
    pub title: String,
    pub body: String,
    /// The person's verdict.
    pub verdict: Verdict,
    /// Why they decided so.
    pub reason: String,
    /// Who decided (a name a reader knows).
    pub decided_by: String,
    pub decided_at: Timestamp,
    /// The day of the decision as the reader says it (in the client's zone).
    pub decided_on: Date,
    /// Under the engagement of the request checked; else another engagement of the organisation.
    pub same_engagement: bool,
    /// The check had found the request beyond a limit of its brief: the decision was about the
    /// use at that time, which a later request does not share.
    pub counted: bool,
}

/// How close a precedent must be to count, and how much the organisation's weigh.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecedentConfig {
    /// Weighted closeness at which a precedent decides the verdict.
    pub decide_at: f64,
    /// Weighted closeness at which a precedent sways the verdict (and is cited).
    pub sway_at: f64,
    /// A deciding precedent must be this much closer than the closest one of another verdict.
    pub margin: f64,
    /// Score (on the check's BM25 scale) a swaying precedent adds to its side, per unit of
    /// closeness.
    pub sway_weight: f64,
    /// Weight of a precedent from another engagement of the organisation.
    pub org_weight: f64,
    /// At most this many precedents are cited.
    pub max_cited: usize,
    /// Decided requests assumed besides those given, sharing no word with anything: with only a
    /// few decisions, a word two requests share would otherwise look common (it is in "every"
    /// request) and weigh less than the words they do not share.
    pub prior_docs: f64,
}

impl Default for PrecedentConfig {
    /// Chosen on `cases-v2-tune.jsonl` replayed with feedback (see BENCHMARKS.md).
    fn default() -> Self {
        PrecedentConfig {
            decide_at: 0.6,
            sway_at: 0.35,
            margin: 0.1,
            sway_weight: 2.0,
            org_weight: 0.7,
            max_cited: 3,
            prior_docs: 10.0,
        }
    }
}

/// What a precedent did to the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrecedentEffect {
    /// Its verdict is the verdict.
    Decided,
    /// It added to the side of its verdict.
    Swayed,
    /// Shown only: a rule of the brief decided, or it was not close enough to act.
    Cited,
}

/// An earlier decided request close to the one checked, as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Precedent {
    pub request_id: i64,
    /// The person's verdict on it.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub verdict: Verdict,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub decided_on: Date,
    /// Whether it was under the same engagement (else another of the organisation).
    pub same_engagement: bool,
    /// Closeness in [0, 1], times the organisation's weight for another engagement's.
    pub similarity: f64,
    /// Words the two requests share, the most telling first.
    pub terms: Vec<String>,
    pub effect: PrecedentEffect,
}

impl Precedent {
    /// "decided like #412 on 3 March 2027 by Ada: out (reason: the CRM is excluded)" for the
    /// precedent that decided; "close to #412, decided on ..." for one that swayed or is shown.
    pub fn sentence(&self) -> String {
        let whose = if self.same_engagement {
            String::new()
        } else {
            " (another engagement)".to_string()
        };
        let by = if self.decided_by.is_empty() {
            String::new()
        } else {
            format!(" by {}", self.decided_by)
        };
        let lead = match self.effect {
            PrecedentEffect::Decided => "decided like #",
            PrecedentEffect::Swayed | PrecedentEffect::Cited => "close to #",
        };
        let on = match self.effect {
            PrecedentEffect::Decided => " on",
            PrecedentEffect::Swayed | PrecedentEffect::Cited => ", decided on",
        };
        format!(
            "{lead}{}{whose}{on} {}{by}: {} (reason: {})",
            self.request_id,
            self.decided_on.strftime("%-d %B %Y"),
            self.verdict.as_str(),
            self.reason
        )
    }
}

/// Only this much of a decided request's body is compared (its opening says what was asked).
pub const MAX_PRECEDENT_BODY_BYTES: usize = 4 * 1024;

struct Doc {
    decided: Decided,
    /// Stem to the word as first written.
    stems: BTreeMap<String, String>,
}

/// Decided requests, analysed once for many checks.
#[derive(Default)]
pub struct PrecedentIndex {
    docs: Vec<Doc>,
    /// Documents per stem.
    df: HashMap<String, u32>,
    /// Which documents hold a stem.
    postings: HashMap<String, Vec<usize>>,
}

impl std::fmt::Debug for PrecedentIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrecedentIndex")
            .field("decided", &self.docs.len())
            .finish()
    }
}

fn stem_set(title: &str, body: &str, max_body: usize) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for t in terms(title)
        .into_iter()
        .chain(terms(truncate(body, max_body)))
    {
        out.entry(t.stem).or_insert(t.word);
    }
    out
}

impl PrecedentIndex {
    /// Index the decisions that can be precedents (not those decided by counting a limit).
    pub fn new(decided: Vec<Decided>) -> Self {
        let mut index = PrecedentIndex::default();
        for d in decided.into_iter().filter(|d| !d.counted) {
            index.push(d);
        }
        index
    }

    /// Add one decision (the evaluation's replay adds them as it goes).
    pub fn push(&mut self, decided: Decided) {
        if decided.counted {
            return;
        }
        let stems = stem_set(&decided.title, &decided.body, MAX_PRECEDENT_BODY_BYTES);
        let n = self.docs.len();
        for stem in stems.keys() {
            *self.df.entry(stem.clone()).or_insert(0) += 1;
            self.postings.entry(stem.clone()).or_default().push(n);
        }
        self.docs.push(Doc { decided, stems });
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The decided requests at `sway_at` weighted closeness or closer to the request, closest
    /// first (at most `max_cited`), all with effect `Cited`: the check sets the effect.
    pub fn nearest(&self, title: &str, body: &str, config: &PrecedentConfig) -> Vec<Precedent> {
        if self.docs.is_empty() {
            return Vec::new();
        }
        let query = stem_set(title, body, super::check::MAX_BODY_BYTES);
        if query.is_empty() {
            return Vec::new();
        }
        // The request counts as one more document, so a word only it and one decision share
        // weighs as a word of two documents, and words new to both sides weigh alike.
        let n = self.docs.len() as f64 + 1.0 + config.prior_docs.max(0.0);
        let idf = |df: u32| (1.0 + (n - f64::from(df) + 0.5) / (f64::from(df) + 0.5)).ln();
        let df = |stem: &str| self.df.get(stem).copied().unwrap_or(0);
        let query_norm = query
            .keys()
            .map(|s| idf(df(s) + 1).powi(2))
            .sum::<f64>()
            .sqrt();
        // Shared weight per document, from the postings of the request's stems only.
        let mut shared: HashMap<usize, f64> = HashMap::new();
        for stem in query.keys() {
            let Some(docs) = self.postings.get(stem) else {
                continue;
            };
            let w = idf(df(stem) + 1).powi(2);
            for &d in docs {
                *shared.entry(d).or_insert(0.0) += w;
            }
        }
        let mut found: Vec<(usize, f64)> = shared
            .into_iter()
            .map(|(d, dot)| {
                let doc = &self.docs[d];
                let norm = doc
                    .stems
                    .keys()
                    .map(|s| {
                        let in_query = u32::from(query.contains_key(s));
                        idf(df(s) + in_query).powi(2)
                    })
                    .sum::<f64>()
                    .sqrt();
                let cosine = if norm > 0.0 && query_norm > 0.0 {
                    (dot / (norm * query_norm)).min(1.0)
                } else {
                    0.0
                };
                let weight = if doc.decided.same_engagement {
                    1.0
                } else {
                    config.org_weight
                };
                (d, cosine * weight)
            })
            .filter(|&(_, s)| s >= config.sway_at)
            .collect();
        // Closest first; among equals the most recent decision, then the highest id, so the
        // answer does not depend on the order the caller read them in.
        found.sort_by(|&(a, sa), &(b, sb)| {
            let (da, db) = (&self.docs[a].decided, &self.docs[b].decided);
            sb.total_cmp(&sa)
                .then_with(|| db.decided_at.cmp(&da.decided_at))
                .then_with(|| db.request_id.cmp(&da.request_id))
        });
        found.truncate(config.max_cited.max(1));
        found
            .into_iter()
            .map(|(d, similarity)| {
                let doc = &self.docs[d];
                let mut shared: Vec<(&String, &String)> = doc
                    .stems
                    .iter()
                    .filter(|(s, _)| query.contains_key(*s))
                    .collect();
                shared.sort_by(|a, b| df(a.0).cmp(&df(b.0)).then_with(|| a.1.cmp(b.1)));
                let d = &doc.decided;
                Precedent {
                    request_id: d.request_id,
                    verdict: d.verdict,
                    reason: d.reason.clone(),
                    decided_by: d.decided_by.clone(),
                    decided_at: d.decided_at,
                    decided_on: d.decided_on,
                    same_engagement: d.same_engagement,
                    similarity: (similarity * 10_000.0).round() / 10_000.0,
                    terms: shared.into_iter().take(8).map(|(_, w)| w.clone()).collect(),
                    effect: PrecedentEffect::Cited,
                }
            })
            .collect()
    }
}

/// Which precedent may decide: the closest, at `decide_at` or closer, with no precedent of
/// another verdict within `margin` of it.
pub fn deciding<'p>(found: &'p [Precedent], config: &PrecedentConfig) -> Option<&'p Precedent> {
    let best = found.first()?;
    if best.similarity < config.decide_at {
        return None;
    }
    let rival = found
        .iter()
        .filter(|p| p.verdict != best.verdict)
        .map(|p| p.similarity)
        .fold(0.0_f64, f64::max);
    (best.similarity - rival >= config.margin).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn decided(id: i64, title: &str, body: &str, verdict: Verdict) -> Decided {
        Decided {
            request_id: id,
            title: title.into(),
            body: body.into(),
            verdict,
            reason: format!("reason {id}"),
            decided_by: "Ada".into(),
            decided_at: "2027-03-03T10:00:00Z".parse().unwrap(),
            decided_on: jiff::civil::date(2027, 3, 3),
            same_engagement: true,
            counted: false,
        }
    }

    fn corpus() -> Vec<Decided> {
        vec![
            decided(
                412,
                "Salesforce",
                "Can orders from the shop be pushed into Salesforce every night?",
                Verdict::Out,
            ),
            decided(
                413,
                "Banner",
                "Please swap the homepage banner for the spring one",
                Verdict::In,
            ),
            decided(
                414,
                "Report",
                "When is the monthly report on uptime due?",
                Verdict::In,
            ),
        ]
    }

    #[test]
    fn the_closest_decision_is_found_with_the_words_shared() {
        let idx = PrecedentIndex::new(corpus());
        let found = idx.nearest(
            "Orders into Salesforce",
            "Could the shop push its orders into Salesforce?",
            &PrecedentConfig::default(),
        );
        assert_eq!(found[0].request_id, 412, "{found:?}");
        assert!(found[0].similarity >= 0.6, "{found:?}");
        assert!(found[0].terms.contains(&"salesforce".to_string()));
        assert_eq!(
            found[0].sentence(),
            "close to #412, decided on 3 March 2027 by Ada: out (reason: reason 412)"
        );
        let mut p = found[0].clone();
        p.effect = PrecedentEffect::Decided;
        assert_eq!(
            p.sentence(),
            "decided like #412 on 3 March 2027 by Ada: out (reason: reason 412)"
        );
        assert!(deciding(&found, &PrecedentConfig::default()).is_some());
    }

    #[test]
    fn nothing_is_found_below_the_threshold() {
        let idx = PrecedentIndex::new(corpus());
        let c = PrecedentConfig::default();
        assert!(
            idx.nearest("Payroll", "Could you run payroll for our staff?", &c)
                .is_empty()
        );
        // One shared word among many is not close.
        let found = idx.nearest(
            "Catalogue",
            "We need a printed catalogue of the spring plants for the garden fair in June",
            &c,
        );
        assert!(found.is_empty(), "{found:?}");
        assert!(
            PrecedentIndex::default()
                .nearest("x", "banner", &c)
                .is_empty()
        );
    }

    #[test]
    fn another_engagements_decision_weighs_less() {
        let mut other = corpus();
        for d in &mut other {
            d.same_engagement = false;
        }
        let c = PrecedentConfig::default();
        let (title, body) = (
            "Orders into Salesforce",
            "Could the shop push its orders into Salesforce?",
        );
        let own = PrecedentIndex::new(corpus()).nearest(title, body, &c);
        let org = PrecedentIndex::new(other).nearest(title, body, &c);
        assert!(
            (org[0].similarity - own[0].similarity * c.org_weight).abs() < 1e-3,
            "{own:?} {org:?}"
        );
        assert!(!org[0].same_engagement);
        assert!(org[0].sentence().contains("#412 (another engagement)"));
    }

    #[test]
    fn decisions_made_by_counting_a_limit_are_not_precedents() {
        let mut d = corpus();
        d[0].counted = true;
        let idx = PrecedentIndex::new(d);
        assert_eq!(idx.len(), 2);
        let found = idx.nearest(
            "Orders into Salesforce",
            "Could the shop push its orders into Salesforce?",
            &PrecedentConfig::default(),
        );
        assert!(found.iter().all(|p| p.request_id != 412));
    }

    #[test]
    fn a_close_rival_of_another_verdict_stops_a_precedent_deciding() {
        let mut d = corpus();
        d.push(decided(
            415,
            "Salesforce",
            "Can orders from the shop be pushed into Salesforce every night?",
            Verdict::In,
        ));
        let idx = PrecedentIndex::new(d);
        let c = PrecedentConfig::default();
        let found = idx.nearest(
            "Orders into Salesforce",
            "Could the shop push its orders into Salesforce?",
            &c,
        );
        assert!(found.len() >= 2);
        assert!(deciding(&found, &c).is_none(), "{found:?}");
    }
}
