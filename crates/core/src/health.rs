//! Client health: a score from 0 (about to leave) to 100 (nothing wrong that we can see), with
//! the reasons that took points off, largest first.
//!
//! Each bad signal costs points on its own scale, capped so that no single signal can sink a
//! client alone; the score is 100 minus the points, never below 0. Every rule is monotonic: more
//! of a bad signal (or a lower rating, a steeper fall) never raises the score, so a client
//! cannot look healthier by getting worse at anything.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::ClientId;
use crate::label_enum;

/// Ratings below this cost points: a 4 of 5 is a client content with the work.
pub const CONTENT_RATING: f64 = 4.0;
/// First responses slower than this (business minutes, on average) cost points.
pub const RESPONSE_TARGET_MINUTES: i64 = 240;

label_enum!(
    /// What a reason is about.
    Factor {
        /// The client's recent ratings are low.
        Ratings => "ratings",
        /// The client's ratings are falling.
        RatingTrend => "rating_trend",
        /// Complaints still open.
        Complaints => "complaints",
        /// Promises broken recently.
        BrokenPromises => "broken_promises",
        /// Promises past due and not kept.
        OverduePromises => "overdue_promises",
        /// The client waiting on us longer than the silence policy allows.
        Silence => "silence",
        /// SLA targets missed recently.
        SlaBreaches => "sla_breaches",
        /// Change orders the client declined, and out-of-scope work absorbed while its change
        /// order waited.
        ScopeDisputes => "scope_disputes",
        /// Slow first responses.
        ResponseTime => "response_time",
    }
);

/// What the score is computed from, gathered for one client.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HealthInputs {
    /// Mean of the client's most recent ratings (1-5); `None` when they have not rated.
    pub rating_average: Option<f64>,
    /// How many ratings the average is over.
    pub rating_count: u32,
    /// The recent ratings' mean minus the earlier ones': negative when ratings fall.
    pub rating_trend: Option<f64>,
    /// Complaints still open that a person confirmed (filed or re-filed as a complaint) or whose
    /// signal is strong (see [`crate::complaint::Reading::is_strong`]).
    pub open_complaints: u32,
    pub broken_promises: u32,
    pub overdue_promises: u32,
    /// Requests on which the client is waiting longer than policy now, each once (measured
    /// from their oldest unanswered word).
    pub silences: u32,
    /// SLA breaches whose clock fell due in the last 30 days.
    pub sla_breaches: u32,
    /// Disagreements about scope: change orders the client declined and out-of-scope work
    /// started anyway while its change order waited. Asking for more work is not one.
    pub scope_disputes: u32,
    /// Mean business minutes to our first response on recent requests; a request still
    /// unanswered counts with its wait so far.
    pub first_response_minutes: Option<i64>,
}

/// One reason the score is below 100, with the points it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reason {
    pub factor: Factor,
    /// Points taken off the score.
    pub points: u32,
    /// For people: what was seen ("2 open complaints").
    pub detail: String,
}

/// A score with its reasons, largest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// 0 (worst) to 100 (no bad signal).
    pub score: u8,
    pub reasons: Vec<Reason>,
}

/// One day of a client's health history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthPoint {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Date,
    pub score: u8,
}

/// A client on the at-risk list: its latest score and the reasons that weigh most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AtRisk {
    pub client_id: ClientId,
    pub client_name: String,
    pub score: u8,
    /// At most three, largest first.
    pub reasons: Vec<Reason>,
    pub computed_at: Timestamp,
}

fn per_item(count: u32, each: u32, cap: u32) -> u32 {
    count.saturating_mul(each).min(cap)
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Score a client.
pub fn score(inputs: &HealthInputs) -> Health {
    let mut reasons = Vec::new();
    let mut push = |factor: Factor, points: u32, detail: String| {
        if points > 0 {
            reasons.push(Reason {
                factor,
                points,
                detail,
            });
        }
    };

    if let Some(avg) = inputs.rating_average.filter(|a| a.is_finite()) {
        let avg = avg.clamp(1.0, 5.0);
        // 12 points per point below content: an average of 1 costs 36.
        let points = ((CONTENT_RATING - avg).max(0.0) * 12.0).round() as u32;
        push(
            Factor::Ratings,
            points,
            format!(
                "average client rating {avg:.1} of 5 over the last {}",
                plural(inputs.rating_count, "rating", "ratings")
            ),
        );
    }
    if let Some(trend) = inputs.rating_trend.filter(|t| t.is_finite()) {
        let fall = (-trend).clamp(0.0, 4.0);
        push(
            Factor::RatingTrend,
            (fall * 8.0).round().min(16.0) as u32,
            format!("ratings falling by {fall:.1} points"),
        );
    }
    push(
        Factor::Complaints,
        per_item(inputs.open_complaints, 12, 36),
        plural(inputs.open_complaints, "open complaint", "open complaints"),
    );
    push(
        Factor::BrokenPromises,
        per_item(inputs.broken_promises, 8, 32),
        plural(
            inputs.broken_promises,
            "broken promise in the last 90 days",
            "broken promises in the last 90 days",
        ),
    );
    push(
        Factor::OverduePromises,
        per_item(inputs.overdue_promises, 5, 20),
        plural(
            inputs.overdue_promises,
            "overdue promise",
            "overdue promises",
        ),
    );
    push(
        Factor::Silence,
        per_item(inputs.silences, 6, 18),
        plural(
            inputs.silences,
            "request waiting on us past the silence limit",
            "requests waiting on us past the silence limit",
        ),
    );
    push(
        Factor::SlaBreaches,
        per_item(inputs.sla_breaches, 4, 20),
        plural(
            inputs.sla_breaches,
            "SLA breach in the last 30 days",
            "SLA breaches in the last 30 days",
        ),
    );
    push(
        Factor::ScopeDisputes,
        per_item(inputs.scope_disputes, 3, 15),
        plural(
            inputs.scope_disputes,
            "scope dispute in the last 90 days",
            "scope disputes in the last 90 days",
        ),
    );
    if let Some(minutes) = inputs.first_response_minutes {
        let over = minutes.saturating_sub(RESPONSE_TARGET_MINUTES).max(0);
        // 2 points per business hour over target, at most 12.
        let points = (over / 30).min(12) as u32;
        push(
            Factor::ResponseTime,
            points,
            format!(
                "first responses take {:.1} business hours on average",
                minutes as f64 / 60.0
            ),
        );
    }

    // Largest first; the factor order breaks ties so the list is stable.
    reasons.sort_by(|a, b| b.points.cmp(&a.points).then(a.factor.cmp(&b.factor)));
    let lost: u32 = reasons.iter().map(|r| r.points).sum();
    Health {
        score: 100u32.saturating_sub(lost) as u8,
        reasons,
    }
}

/// Mean of the most recent `window` scores and their trend (the mean of the newest half minus
/// that of the older half). `newest_first` holds scores 1-5, newest first.
pub fn rating_summary(newest_first: &[i64], window: usize) -> (Option<f64>, u32, Option<f64>) {
    let recent: Vec<f64> = newest_first
        .iter()
        .take(window)
        .map(|&s| s as f64)
        .collect();
    if recent.is_empty() {
        return (None, 0, None);
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let average = mean(&recent);
    let trend = if recent.len() >= 2 {
        let half = recent.len() / 2;
        let (newer, older) = recent.split_at(half);
        Some(mean(newer) - mean(older))
    } else {
        None
    };
    (Some(average), recent.len() as u32, trend)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nothing_wrong_is_a_hundred_with_no_reasons() {
        let h = score(&HealthInputs::default());
        assert_eq!(h.score, 100);
        assert!(h.reasons.is_empty());
        let content = HealthInputs {
            rating_average: Some(4.6),
            rating_count: 5,
            rating_trend: Some(0.5),
            first_response_minutes: Some(90),
            ..Default::default()
        };
        assert_eq!(score(&content).score, 100);
    }

    #[test]
    fn reasons_are_ordered_by_points_and_add_up() {
        let h = score(&HealthInputs {
            open_complaints: 2,
            broken_promises: 1,
            sla_breaches: 1,
            ..Default::default()
        });
        let factors: Vec<_> = h.reasons.iter().map(|r| r.factor).collect();
        assert_eq!(
            factors,
            [
                Factor::Complaints,
                Factor::BrokenPromises,
                Factor::SlaBreaches
            ]
        );
        assert_eq!(h.reasons[0].points, 24);
        assert_eq!(h.reasons[0].detail, "2 open complaints");
        assert_eq!(h.score, 100 - 24 - 8 - 4);
    }

    #[test]
    fn each_signal_is_capped_and_the_floor_is_zero() {
        let one = score(&HealthInputs {
            open_complaints: 1_000,
            ..Default::default()
        });
        assert_eq!(one.score, 64, "complaints alone cost at most 36");
        let all = score(&HealthInputs {
            rating_average: Some(1.0),
            rating_count: 10,
            rating_trend: Some(-4.0),
            open_complaints: 9,
            broken_promises: 9,
            overdue_promises: 9,
            silences: 9,
            sla_breaches: 9,
            scope_disputes: 9,
            first_response_minutes: Some(100_000),
        });
        assert_eq!(all.score, 0);
        assert_eq!(all.reasons.len(), 9);
    }

    #[test]
    fn low_ratings_and_falling_ratings_cost_points() {
        let h = score(&HealthInputs {
            rating_average: Some(2.5),
            rating_count: 4,
            rating_trend: Some(-1.5),
            ..Default::default()
        });
        assert_eq!(h.reasons[0].factor, Factor::Ratings);
        assert_eq!(h.reasons[0].points, 18);
        assert_eq!(
            h.reasons[0].detail,
            "average client rating 2.5 of 5 over the last 4 ratings"
        );
        assert_eq!(h.reasons[1].factor, Factor::RatingTrend);
        assert_eq!(h.reasons[1].points, 12);
        assert_eq!(h.score, 70);
    }

    #[test]
    fn non_finite_inputs_are_ignored() {
        let h = score(&HealthInputs {
            rating_average: Some(f64::NAN),
            rating_trend: Some(f64::NEG_INFINITY),
            ..Default::default()
        });
        assert_eq!(h.score, 100);
    }

    #[test]
    fn rating_summary_splits_newest_from_older() {
        assert_eq!(rating_summary(&[], 10), (None, 0, None));
        assert_eq!(rating_summary(&[3], 10), (Some(3.0), 1, None));
        let (avg, n, trend) = rating_summary(&[1, 2, 5, 5, 9, 9], 4);
        assert_eq!(avg, Some(3.25));
        assert_eq!(n, 4);
        assert_eq!(trend, Some(1.5 - 5.0));
    }

    fn inputs() -> impl Strategy<Value = HealthInputs> {
        (
            (
                proptest::option::of(1.0f64..=5.0),
                0u32..20,
                proptest::option::of(-4.0f64..=4.0),
            ),
            (0u32..20, 0u32..20, 0u32..20),
            (0u32..20, 0u32..20, 0u32..20),
            proptest::option::of(0i64..10_000),
        )
            .prop_map(
                |((avg, n, trend), (c, b, o), (s, sla, scope), resp)| HealthInputs {
                    rating_average: avg,
                    rating_count: n,
                    rating_trend: trend,
                    open_complaints: c,
                    broken_promises: b,
                    overdue_promises: o,
                    silences: s,
                    sla_breaches: sla,
                    scope_disputes: scope,
                    first_response_minutes: resp,
                },
            )
    }

    /// The input made worse in one signal by `by` (a count up, a rating or trend down, a
    /// response slower).
    fn worse(i: &HealthInputs, signal: usize, by: u32) -> HealthInputs {
        let mut w = *i;
        let d = f64::from(by) / 10.0;
        match signal {
            0 => w.rating_average = Some(i.rating_average.unwrap_or(5.0) - d),
            1 => w.rating_trend = Some(i.rating_trend.unwrap_or(0.0) - d),
            2 => w.open_complaints += by,
            3 => w.broken_promises += by,
            4 => w.overdue_promises += by,
            5 => w.silences += by,
            6 => w.sla_breaches += by,
            7 => w.scope_disputes += by,
            _ => {
                w.first_response_minutes =
                    Some(i.first_response_minutes.unwrap_or(0) + 10 * i64::from(by))
            }
        }
        w
    }

    proptest! {
        #[test]
        fn score_is_within_bounds_and_reasons_explain_it(i in inputs()) {
            let h = score(&i);
            prop_assert!(h.score <= 100);
            let lost: u32 = h.reasons.iter().map(|r| r.points).sum();
            prop_assert_eq!(u32::from(h.score), 100u32.saturating_sub(lost));
            prop_assert!(h.reasons.windows(2).all(|w| w[0].points >= w[1].points));
            prop_assert!(h.reasons.iter().all(|r| r.points > 0));
        }

        #[test]
        fn monotonic_in_every_bad_signal(i in inputs(), signal in 0usize..9, by in 1u32..40) {
            let before = score(&i).score;
            let after = score(&worse(&i, signal, by)).score;
            prop_assert!(after <= before, "signal {} worse by {}: {} -> {}", signal, by, before, after);
        }
    }
}
