//! People and the check: a person confirms or changes the check's verdict on a request, and the
//! agreements and disagreements are the check's measured accuracy in use.

use serde::{Deserialize, Serialize};

use super::{Assessment, Verdict};
use crate::access::Actor;
use crate::validate::{self, Violations, limits};

/// A person's verdict on a request, with the reason (kept in the audit trail).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// `in`, `out` or `unclear`: the same as the check's to confirm it, another to change it.
    pub verdict: Verdict,
    /// Why: 1-10,000 characters.
    pub reason: String,
}

impl ConfirmInput {
    pub fn validate(self) -> Result<(Verdict, String), Violations> {
        let mut v = Violations::new();
        let reason = v.check("reason", validate::text(&self.reason, limits::NOTE));
        v.finish(|| (self.verdict, reason.unwrap_or_default()))
    }
}

/// The scope verdict stored on a request: what the check said, against which brief version,
/// and whether a person confirmed or overrode it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeRecord {
    /// `in`, `out` or `unclear`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub verdict: Verdict,
    pub confidence: f64,
    /// The matched scope items and terms, as produced by the check:
    /// `[{item_id, kind, score, terms[]}]`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<super::Evidence>))]
    pub evidence: serde_json::Value,
    pub brief_version: i64,
    /// Set when a person confirmed or changed the verdict.
    pub confirmed_by: Option<Actor>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub confirmed_verdict: Option<Verdict>,
    pub confirm_reason: Option<String>,
    /// Why the check decided as it did when words alone did not (a limit exceeded or used up,
    /// a new thing against an existing one, nothing in the brief covering the ask).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The limit the request goes beyond, with the extra quantity when it can be counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excess: Option<super::Excess>,
    /// The item whose limit this request uses while it is in scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts_against: Option<String>,
    /// What the engagement had used of that limit when the request was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<super::LimitUse>,
    /// The firm's earlier decisions on requests close to this one, closest first: who decided
    /// what, when and why, and whether it decided this verdict, swayed it or is only shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub precedents: Vec<super::Precedent>,
}

impl ScopeRecord {
    /// What a request stores of a check: the assessment and the brief version it used.
    pub fn from_assessment(a: Assessment, brief_version: i64) -> ScopeRecord {
        ScopeRecord {
            verdict: a.verdict,
            confidence: a.confidence,
            evidence: serde_json::to_value(&a.evidence).unwrap_or(serde_json::Value::Null),
            brief_version,
            confirmed_by: None,
            confirmed_verdict: None,
            confirm_reason: None,
            reason: a.reason,
            excess: a.excess,
            counts_against: a.counts_against,
            usage: a.usage,
            precedents: a.precedents,
        }
    }

    /// The verdict that counts: a person's when one was given, else the check's.
    pub fn effective(&self) -> Verdict {
        self.confirmed_verdict.unwrap_or(self.verdict)
    }

    /// Record a person's verdict. Returns whether they agreed with the check.
    pub fn confirm(&mut self, by: Actor, verdict: Verdict, reason: String) -> bool {
        self.confirmed_by = Some(by);
        self.confirmed_verdict = Some(verdict);
        self.confirm_reason = Some(reason);
        verdict == self.verdict
    }

    /// A new check of the same request (a changed brief, or an engagement set later). What a
    /// person said stands: their judgement is about the request, not the brief's wording.
    pub fn rechecked(&self, fresh: ScopeRecord) -> ScopeRecord {
        ScopeRecord {
            confirmed_by: self.confirmed_by,
            confirmed_verdict: self.confirmed_verdict,
            confirm_reason: self.confirm_reason.clone(),
            ..fresh
        }
    }
}

/// How often people agreed with the check when it said `verdict`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictAccuracy {
    pub verdict: Verdict,
    pub confirmed: i64,
    pub agreed: i64,
    /// `agreed / confirmed`; `None` when nobody has confirmed such a verdict.
    pub agreement_rate: Option<f64>,
}

/// How many requests the check called `check` and people called `person`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfusionCell {
    pub check: Verdict,
    pub person: Verdict,
    pub count: i64,
}

/// The check's accuracy in use: its verdicts against the people who confirmed or changed them
/// (each request counts once, with its latest confirmation).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accuracy {
    pub confirmed: i64,
    pub agreed: i64,
    pub disagreed: i64,
    pub agreement_rate: Option<f64>,
    /// One entry per verdict of the check, in the order in, out, unclear.
    pub by_check_verdict: Vec<VerdictAccuracy>,
    /// Non-empty cells only.
    pub confusion: Vec<ConfusionCell>,
}

fn rate(agreed: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| agreed as f64 / total as f64)
}

/// Sum `(check verdict, person verdict, count)` rows into an accuracy report.
pub fn accuracy(rows: &[(Verdict, Verdict, i64)]) -> Accuracy {
    let mut by_check_verdict = Vec::new();
    for &v in Verdict::ALL {
        let confirmed: i64 = rows.iter().filter(|r| r.0 == v).map(|r| r.2).sum();
        let agreed: i64 = rows
            .iter()
            .filter(|r| r.0 == v && r.1 == v)
            .map(|r| r.2)
            .sum();
        by_check_verdict.push(VerdictAccuracy {
            verdict: v,
            confirmed,
            agreed,
            agreement_rate: rate(agreed, confirmed),
        });
    }
    let mut confusion: Vec<ConfusionCell> = Vec::new();
    for &(check, person, count) in rows {
        if count == 0 {
            continue;
        }
        match confusion
            .iter_mut()
            .find(|c| c.check == check && c.person == person)
        {
            Some(c) => c.count += count,
            None => confusion.push(ConfusionCell {
                check,
                person,
                count,
            }),
        }
    }
    confusion.sort_by_key(|c| (c.check, c.person));
    let confirmed: i64 = by_check_verdict.iter().map(|v| v.confirmed).sum();
    let agreed: i64 = by_check_verdict.iter().map(|v| v.agreed).sum();
    Accuracy {
        confirmed,
        agreed,
        disagreed: confirmed - agreed,
        agreement_rate: rate(agreed, confirmed),
        by_check_verdict,
        confusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MemberId;
    use Verdict::*;

    fn record(verdict: Verdict) -> ScopeRecord {
        ScopeRecord {
            verdict,
            confidence: 0.5,
            evidence: serde_json::json!([]),
            brief_version: 3,
            confirmed_by: None,
            confirmed_verdict: None,
            confirm_reason: None,
            reason: None,
            excess: None,
            counts_against: None,
            usage: None,
            precedents: Vec::new(),
        }
    }

    #[test]
    fn confirming_records_who_what_and_whether_they_agreed() {
        let mut r = record(In);
        assert_eq!(r.effective(), In);
        assert!(!r.confirm(
            Actor::Member(MemberId(2)),
            Out,
            "Android is excluded".into()
        ));
        assert_eq!(r.effective(), Out);
        assert_eq!(r.verdict, In, "the check's own verdict is kept");
        assert_eq!(r.confirmed_by, Some(Actor::Member(MemberId(2))));
        assert!(r.confirm(Actor::Member(MemberId(2)), In, "on reflection".into()));
    }

    #[test]
    fn a_recheck_keeps_the_persons_verdict() {
        let mut old = record(Unclear);
        old.confirm(Actor::Member(MemberId(1)), Out, "excluded".into());
        let fresh = record(In);
        let mut fresh = fresh;
        fresh.brief_version = 4;
        let r = old.rechecked(fresh);
        assert_eq!((r.verdict, r.brief_version, r.effective()), (In, 4, Out));
    }

    #[test]
    fn reasons_are_required() {
        let i = ConfirmInput {
            verdict: Out,
            reason: "  ".into(),
        };
        assert_eq!(i.validate().unwrap_err().0[0].field, "reason");
    }

    #[test]
    fn accuracy_counts_agreements_per_verdict() {
        let a = accuracy(&[
            (In, In, 6),
            (In, Out, 2),
            (Out, Out, 3),
            (Unclear, In, 1),
            (Out, Out, 1),
        ]);
        assert_eq!((a.confirmed, a.agreed, a.disagreed), (13, 10, 3));
        assert_eq!(a.agreement_rate, Some(10.0 / 13.0));
        let by: Vec<_> = a
            .by_check_verdict
            .iter()
            .map(|v| (v.verdict, v.confirmed, v.agreed))
            .collect();
        assert_eq!(by, [(In, 8, 6), (Out, 4, 4), (Unclear, 1, 0)]);
        assert_eq!(a.by_check_verdict[2].agreement_rate, Some(0.0));
        let out_out = a
            .confusion
            .iter()
            .find(|c| c.check == Out && c.person == Out)
            .unwrap();
        assert_eq!(out_out.count, 4, "rows for the same cell are summed");
        assert_eq!(a.confusion.len(), 4);
        let none = accuracy(&[]);
        assert_eq!((none.confirmed, none.agreement_rate), (0, None));
    }
}
