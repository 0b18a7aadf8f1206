//! Measuring the scope check against labelled cases (format: `data/scope-eval/README.md`).
//!
//! Parsing takes the file's text, not a path: reading it is the caller's business.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::check::{Assessment, BriefIndex, CheckConfig};
use super::precedent::{Decided, PrecedentEffect, PrecedentIndex};
use super::{Brief, BriefError, Verdict};

/// One labelled case: a request, the brief it was sent under, and the verdict a careful person gave.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvalCase {
    pub id: String,
    #[serde(default)]
    pub domain: String,
    /// Which hard case the request tests (`more`, `meaning`, `extra`, ...): free label used only
    /// for reporting, empty in the first set.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    pub brief: Brief,
    #[serde(default)]
    pub title: String,
    pub body: String,
    pub expected: Verdict,
}

#[derive(Debug, Error)]
pub enum EvalError {
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("line {line}: case id {id:?} was already used on line {first_line}")]
    DuplicateCaseId {
        id: String,
        line: usize,
        first_line: usize,
    },
    #[error("line {line}: case {id:?} has an invalid brief: {source}")]
    InvalidBrief {
        id: String,
        line: usize,
        source: BriefError,
    },
    #[error("no cases: the file holds no case lines")]
    Empty,
}

/// Parse a JSON-lines file of cases. Blank lines and lines starting with `#` are skipped; lines
/// are numbered from 1 in errors. Every brief is validated.
pub fn parse_cases(text: &str) -> Result<Vec<EvalCase>, EvalError> {
    let mut cases = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let case: EvalCase = serde_json::from_str(raw).map_err(|e| EvalError::Syntax {
            line,
            message: e.to_string(),
        })?;
        if let Some(&first) = first_line.get(&case.id) {
            return Err(EvalError::DuplicateCaseId {
                id: case.id,
                line,
                first_line: first,
            });
        }
        case.brief
            .validate()
            .map_err(|source| EvalError::InvalidBrief {
                id: case.id.clone(),
                line,
                source,
            })?;
        first_line.insert(case.id.clone(), line);
        cases.push(case);
    }
    if cases.is_empty() {
        return Err(EvalError::Empty);
    }
    Ok(cases)
}

/// Which cases to score. Parameters may only be tuned on `Tune` (even 0-based case positions);
/// `Holdout` (odd positions) is the honest estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    All,
    Tune,
    Holdout,
}

impl Split {
    fn keeps(self, position: usize) -> bool {
        match self {
            Split::All => true,
            Split::Tune => position.is_multiple_of(2),
            Split::Holdout => !position.is_multiple_of(2),
        }
    }
}

/// Counts of predicted verdicts for cases of one expected verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredictedCounts {
    #[serde(rename = "in")]
    pub in_: usize,
    pub out: usize,
    pub unclear: usize,
}

impl PredictedCounts {
    fn add(&mut self, v: Verdict) {
        match v {
            Verdict::In => self.in_ += 1,
            Verdict::Out => self.out += 1,
            Verdict::Unclear => self.unclear += 1,
        }
    }

    fn get(&self, v: Verdict) -> usize {
        match v {
            Verdict::In => self.in_,
            Verdict::Out => self.out,
            Verdict::Unclear => self.unclear,
        }
    }

    fn total(&self) -> usize {
        self.in_ + self.out + self.unclear
    }
}

/// Rows are the expected verdicts, columns the predicted ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    #[serde(rename = "in")]
    pub in_: PredictedCounts,
    pub out: PredictedCounts,
    pub unclear: PredictedCounts,
}

impl Confusion {
    pub fn row(&self, expected: Verdict) -> &PredictedCounts {
        match expected {
            Verdict::In => &self.in_,
            Verdict::Out => &self.out,
            Verdict::Unclear => &self.unclear,
        }
    }

    fn row_mut(&mut self, expected: Verdict) -> &mut PredictedCounts {
        match expected {
            Verdict::In => &mut self.in_,
            Verdict::Out => &mut self.out,
            Verdict::Unclear => &mut self.unclear,
        }
    }

    /// How many cases were predicted `v`.
    pub fn predicted(&self, v: Verdict) -> usize {
        self.in_.get(v) + self.out.get(v) + self.unclear.get(v)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainScore {
    pub cases: usize,
    pub correct: usize,
    pub accuracy: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Miss {
    pub id: String,
    pub expected: Verdict,
    pub predicted: Verdict,
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub split: Split,
    pub cases: usize,
    pub correct: usize,
    pub accuracy: f64,
    pub confusion: Confusion,
    /// Of the cases predicted `out`, the share expected `out`; `None` when nothing was predicted
    /// `out`.
    pub out_precision: Option<f64>,
    /// Of the cases expected `out`, the share predicted `out`; `None` when none was expected.
    pub out_recall: Option<f64>,
    /// Share of cases predicted `unclear`: an honest check says it sometimes, not always.
    pub unclear_rate: f64,
    /// Share of cases labelled `unclear`, to read `unclear_rate` against.
    pub expected_unclear_rate: f64,
    pub by_domain: BTreeMap<String, DomainScore>,
    /// Per category, for sets whose cases carry one (empty otherwise).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_category: BTreeMap<String, DomainScore>,
    pub misclassified: Vec<Miss>,
    /// Set for a replay with feedback (`evaluate_replay`): how often a precedent acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayCounts>,
}

/// What the firm's earlier decisions did in a replay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayCounts {
    /// Verdicts a precedent decided.
    pub decided: usize,
    /// Verdicts a precedent swayed.
    pub swayed: usize,
    /// Of those two, the verdicts that differ from the check without precedents.
    pub changed: usize,
    /// Of the changed ones, those now right (the rest were right before and are now wrong, or
    /// wrong both ways).
    pub changed_to_right: usize,
    pub changed_to_wrong: usize,
}

/// Run the check on every case of `split` and score it.
pub fn evaluate(cases: &[EvalCase], split: Split, config: &CheckConfig) -> EvalReport {
    let mut briefs = Briefs::default();
    score(cases, split, |case| {
        briefs
            .index(&case.brief, config)
            .check(&case.title, &case.body)
    })
}

/// Replay the cases of `split` in file order as a firm would meet them, each labelled verdict
/// fed back after its case as a person's confirmation: a case's precedents are the cases before
/// it, those with the same brief as decisions of the same engagement, the others as the
/// organisation's. Scored like `evaluate`, which is the same run without the feedback.
pub fn evaluate_replay(cases: &[EvalCase], split: Split, config: &CheckConfig) -> EvalReport {
    let mut briefs = Briefs::default();
    // (brief key, decision) of every case scored so far.
    let mut seen: Vec<(usize, Decided)> = Vec::new();
    let mut counts = ReplayCounts::default();
    let decided_at: jiff::Timestamp = "2027-03-03T10:00:00Z".parse().expect("a valid instant");
    let mut report = score(cases, split, |case| {
        let key = briefs.key(&case.brief);
        let history = PrecedentIndex::new(
            seen.iter()
                .map(|(k, d)| Decided {
                    same_engagement: *k == key,
                    ..d.clone()
                })
                .collect(),
        );
        let index = briefs.index(&case.brief, config);
        let a = index.check_in_context(&case.title, &case.body, &mut |_| None, &history);
        let acted = a
            .precedents
            .first()
            .map(|p| p.effect)
            .filter(|e| *e != PrecedentEffect::Cited);
        if let Some(effect) = acted {
            match effect {
                PrecedentEffect::Decided => counts.decided += 1,
                _ => counts.swayed += 1,
            }
            let alone = index.check(&case.title, &case.body).verdict;
            if alone != a.verdict {
                counts.changed += 1;
                if a.verdict == case.expected {
                    counts.changed_to_right += 1;
                } else if alone == case.expected {
                    counts.changed_to_wrong += 1;
                }
            }
        }
        seen.push((
            key,
            Decided {
                request_id: seen.len() as i64 + 1,
                title: case.title.clone(),
                body: case.body.clone(),
                verdict: case.expected,
                reason: format!("labelled {} ({})", case.expected.as_str(), case.id),
                decided_by: String::new(),
                decided_at,
                decided_on: jiff::tz::TimeZone::UTC.to_datetime(decided_at).date(),
                same_engagement: false,
                counted: a.excess.is_some(),
            },
        ));
        a
    });
    report.replay = Some(counts);
    report
}

/// The analysed briefs of a cases file, one per distinct brief (cases repeat theirs).
#[derive(Default)]
struct Briefs {
    keys: Vec<Brief>,
    indexes: Vec<BriefIndex>,
}

impl Briefs {
    fn key(&mut self, brief: &Brief) -> usize {
        match self.keys.iter().position(|b| b == brief) {
            Some(k) => k,
            None => {
                self.keys.push(brief.clone());
                self.indexes
                    .push(BriefIndex::new(brief, &CheckConfig::default()));
                self.keys.len() - 1
            }
        }
    }

    fn index(&mut self, brief: &Brief, config: &CheckConfig) -> &BriefIndex {
        let k = self.key(brief);
        if self.indexes[k].config() != config {
            self.indexes[k] = BriefIndex::new(brief, config);
        }
        &self.indexes[k]
    }
}

fn score(
    cases: &[EvalCase],
    split: Split,
    mut judge: impl FnMut(&EvalCase) -> Assessment,
) -> EvalReport {
    let mut confusion = Confusion::default();
    let mut by_domain: BTreeMap<String, DomainScore> = BTreeMap::new();
    let mut by_category: BTreeMap<String, DomainScore> = BTreeMap::new();
    let mut misclassified = Vec::new();
    for (_, case) in cases.iter().enumerate().filter(|(i, _)| split.keeps(*i)) {
        let got = judge(case);
        confusion.row_mut(case.expected).add(got.verdict);
        let domain = by_domain.entry(case.domain.clone()).or_insert(DomainScore {
            cases: 0,
            correct: 0,
            accuracy: 0.0,
        });
        domain.cases += 1;
        let right = got.verdict == case.expected;
        if !case.category.is_empty() {
            let cat = by_category
                .entry(case.category.clone())
                .or_insert(DomainScore {
                    cases: 0,
                    correct: 0,
                    accuracy: 0.0,
                });
            cat.cases += 1;
            cat.correct += usize::from(right);
        }
        if right {
            domain.correct += 1;
        } else {
            misclassified.push(Miss {
                id: case.id.clone(),
                expected: case.expected,
                predicted: got.verdict,
                confidence: got.confidence,
            });
        }
    }
    for d in by_domain.values_mut().chain(by_category.values_mut()) {
        d.accuracy = ratio(d.correct, d.cases).unwrap_or(0.0);
    }
    let total = confusion.in_.total() + confusion.out.total() + confusion.unclear.total();
    let correct = confusion.in_.in_ + confusion.out.out + confusion.unclear.unclear;
    EvalReport {
        split,
        cases: total,
        correct,
        accuracy: ratio(correct, total).unwrap_or(0.0),
        confusion,
        out_precision: ratio(confusion.out.out, confusion.predicted(Verdict::Out)),
        out_recall: ratio(confusion.out.out, confusion.out.total()),
        unclear_rate: ratio(confusion.predicted(Verdict::Unclear), total).unwrap_or(0.0),
        expected_unclear_rate: ratio(confusion.unclear.total(), total).unwrap_or(0.0),
        by_domain,
        by_category,
        misclassified,
        replay: None,
    }
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BRIEF: &str = r#"{"text": "", "items": [
        {"id": "logo", "kind": "in", "text": "Logo design"},
        {"id": "web", "kind": "out", "text": "Website development"}]}"#;

    fn line(id: &str, body: &str, expected: &str) -> String {
        format!(
            r#"{{"id": "{id}", "domain": "design", "brief": {}, "title": "", "body": "{body}", "expected": "{expected}"}}"#,
            BRIEF.replace('\n', " ")
        )
    }

    #[test]
    fn parses_cases_skipping_blank_and_comment_lines() {
        let text = format!(
            "# header\n{}\n\n{}\n",
            line("a", "logo please", "in"),
            line("b", "website", "out")
        );
        let cases = parse_cases(&text).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[1].expected, Verdict::Out);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let text = format!("{}\n{{not json\n", line("a", "x", "in"));
        match parse_cases(&text) {
            Err(EvalError::Syntax { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        let dup = format!("{}\n{}\n", line("a", "x", "in"), line("a", "y", "in"));
        assert!(matches!(
            parse_cases(&dup),
            Err(EvalError::DuplicateCaseId {
                line: 2,
                first_line: 1,
                ..
            })
        ));
        let bad_brief = line("a", "x", "in").replace(r#""id": "web""#, r#""id": "logo""#);
        assert!(matches!(
            parse_cases(&bad_brief),
            Err(EvalError::InvalidBrief { line: 1, .. })
        ));
        assert!(matches!(
            parse_cases("\n# only a comment\n"),
            Err(EvalError::Empty)
        ));
    }

    #[test]
    fn report_counts_agree_with_the_checks() {
        let text = [
            line("a", "new logo concepts", "in"),
            line("b", "website development", "out"),
            line("c", "website development", "in"),
            line("d", "hello", "unclear"),
        ]
        .join("\n");
        let cases = parse_cases(&text).unwrap();
        let r = evaluate(&cases, Split::All, &CheckConfig::default());
        assert_eq!(r.cases, 4);
        assert_eq!(r.confusion.in_.in_, 1);
        assert_eq!(r.confusion.in_.out, 1);
        assert_eq!(r.confusion.out.out, 1);
        assert_eq!(r.confusion.unclear.unclear, 1);
        assert_eq!(r.correct, 3);
        assert_eq!(r.accuracy, 0.75);
        assert_eq!(r.out_precision, Some(0.5));
        assert_eq!(r.out_recall, Some(1.0));
        assert_eq!(r.unclear_rate, 0.25);
        assert_eq!(r.misclassified.len(), 1);
        assert_eq!(r.misclassified[0].id, "c");

        let tune = evaluate(&cases, Split::Tune, &CheckConfig::default());
        let hold = evaluate(&cases, Split::Holdout, &CheckConfig::default());
        assert_eq!(tune.cases + hold.cases, 4);
        assert_eq!(tune.correct + hold.correct, r.correct);
    }
}
