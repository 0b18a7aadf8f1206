//! Budget burn: hours and fee spent on an engagement against its budget, and a forecast to
//! completion from the estimates of its open work.
//!
//! The budget burns on billable base work: billable minutes logged on the engagement, except on
//! requests whose work an approved change order pays (that work has its own price, agreed with
//! the client, and is billed on the change order). Hours and fee both count these minutes, so
//! the two percentages move together; non-billable minutes and change-order work are shown
//! beside the burn, never in it. Why: an hours alert that non-billable time can drive to 80 %
//! while the fee stands at 10 % asks for a conversation with the client about time they do not
//! pay for.
//!
//! The forecast adds what the open base requests still need (estimate minus time already spent
//! on each, never below zero) and prices it as billable. Open requests without an estimate add
//! nothing, so the forecast says how many there are.

use serde::Serialize;

use crate::money::{self, Currency, MoneyError};

/// Share of a budget at which people are warned, in percent. 80: a conversation with the client
/// is due; 100: the budget is spent.
pub const THRESHOLDS: [u8; 2] = [80, 100];

/// What the store knows about an engagement's budget and work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetFacts {
    pub currency: Currency,
    pub budget_minutes: Option<i64>,
    pub budget_fee_minor: Option<i64>,
    pub hourly_rate_minor: Option<i64>,
    /// All minutes logged on the engagement.
    pub spent_minutes: i64,
    /// The billable part of `spent_minutes`.
    pub billable_minutes: i64,
    /// Minutes (billable or not) logged on requests an approved change order pays for.
    pub change_order_minutes: i64,
    /// Billable minutes of base work: `billable_minutes` less the change orders' billable part.
    pub base_billable_minutes: i64,
    /// Sum over open base requests (none an approved change order pays for) of
    /// `max(estimate - spent, 0)`.
    pub remaining_estimate_minutes: i64,
    pub open_requests: i64,
    pub unestimated_open_requests: i64,
}

/// How far through its budget an engagement is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Burn {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
    pub budget_minutes: Option<i64>,
    pub budget_fee_minor: Option<i64>,
    pub hourly_rate_minor: Option<i64>,
    /// Every minute logged on the engagement, whatever pays for it.
    pub spent_minutes: i64,
    /// The billable part of `spent_minutes`.
    pub billable_minutes: i64,
    /// What the budget burns: billable minutes of base work (not paid by a change order). The
    /// hours percentages and the alerts count these.
    pub burn_minutes: i64,
    /// Non-billable minutes of base work: shown, never counted against the budget.
    pub non_billable_minutes: i64,
    /// Minutes logged on requests an approved change order pays for: billed on the change
    /// order, never against the base budget.
    pub change_order_minutes: i64,
    /// `burn_minutes` at the hourly rate; `None` without a rate.
    pub spent_fee_minor: Option<i64>,
    pub remaining_estimate_minutes: i64,
    pub open_requests: i64,
    /// Open requests with no estimate: the forecast knows nothing of them.
    pub unestimated_open_requests: i64,
    /// `burn_minutes` plus the remaining estimates of open base requests.
    pub forecast_minutes: i64,
    /// Spent fee plus the remaining estimates at the rate; `None` without a rate.
    pub forecast_fee_minor: Option<i64>,
    /// Percent of the budget spent (one decimal); `None` without that budget.
    pub used_minutes_percent: Option<f64>,
    pub used_fee_percent: Option<f64>,
    pub forecast_minutes_percent: Option<f64>,
    pub forecast_fee_percent: Option<f64>,
    /// The thresholds (of `THRESHOLDS`) that hours or fee have reached.
    pub reached: Vec<u8>,
    /// The forecast goes past a budget.
    pub forecast_over: bool,
}

/// `part` is at least `threshold` percent of `whole`, exactly (integers, no rounding). Nothing
/// spent reaches nothing, even against a zero budget.
fn at_least(part: i64, whole: i64, threshold: u8) -> bool {
    part > 0 && i128::from(part) * 100 >= i128::from(whole) * i128::from(threshold)
}

fn percent(part: i64, whole: Option<i64>) -> Option<f64> {
    match whole {
        Some(w) if w > 0 => Some((part as f64 * 1000.0 / w as f64).round() / 10.0),
        _ => None,
    }
}

impl Burn {
    pub fn compute(f: BudgetFacts) -> Result<Burn, MoneyError> {
        let burn = f.base_billable_minutes;
        // Change-order minutes split into billable and not; the base work's non-billable part
        // is what is left of the non-billable minutes.
        let base_minutes = (f.spent_minutes - f.change_order_minutes).max(0);
        let non_billable = (base_minutes - burn).max(0);
        let forecast_minutes = burn + f.remaining_estimate_minutes;
        let spent_fee = f
            .hourly_rate_minor
            .map(|r| money::price_for_minutes(r, burn))
            .transpose()?;
        let forecast_fee = f
            .hourly_rate_minor
            .map(|r| money::price_for_minutes(r, forecast_minutes))
            .transpose()?;
        let reached = THRESHOLDS
            .into_iter()
            .filter(|&t| {
                f.budget_minutes.is_some_and(|b| at_least(burn, b, t))
                    || matches!((spent_fee, f.budget_fee_minor), (Some(s), Some(b)) if at_least(s, b, t))
            })
            .collect();
        let forecast_over = f.budget_minutes.is_some_and(|b| forecast_minutes > b)
            || matches!((forecast_fee, f.budget_fee_minor), (Some(s), Some(b)) if s > b);
        Ok(Burn {
            used_minutes_percent: percent(burn, f.budget_minutes),
            used_fee_percent: spent_fee.and_then(|s| percent(s, f.budget_fee_minor)),
            forecast_minutes_percent: percent(forecast_minutes, f.budget_minutes),
            forecast_fee_percent: forecast_fee.and_then(|s| percent(s, f.budget_fee_minor)),
            currency: f.currency,
            budget_minutes: f.budget_minutes,
            budget_fee_minor: f.budget_fee_minor,
            hourly_rate_minor: f.hourly_rate_minor,
            spent_minutes: f.spent_minutes,
            billable_minutes: f.billable_minutes,
            burn_minutes: burn,
            non_billable_minutes: non_billable,
            change_order_minutes: f.change_order_minutes,
            spent_fee_minor: spent_fee,
            remaining_estimate_minutes: f.remaining_estimate_minutes,
            open_requests: f.open_requests,
            unestimated_open_requests: f.unestimated_open_requests,
            forecast_minutes,
            forecast_fee_minor: forecast_fee,
            reached,
            forecast_over,
        })
    }

    /// The identity of one threshold crossing: an alert is raised once per engagement,
    /// threshold and budget (a raised budget can be crossed again).
    pub fn alert_key(&self, engagement: i64, threshold: u8) -> String {
        let part = |v: Option<i64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
        format!(
            "budget.{threshold}:engagement:{engagement}:minutes:{}:fee:{}",
            part(self.budget_minutes),
            part(self.budget_fee_minor)
        )
    }

    /// What an alert says, for people: "used 82.5 % of its hours (41 h 15 min of 50 h)".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let (Some(p), Some(b)) = (self.used_minutes_percent, self.budget_minutes) {
            parts.push(format!(
                "{p} % of its hours ({} of {})",
                crate::change_order::format_minutes(self.burn_minutes),
                crate::change_order::format_minutes(b)
            ));
        }
        if let (Some(p), Some(s), Some(b)) = (
            self.used_fee_percent,
            self.spent_fee_minor,
            self.budget_fee_minor,
        ) {
            parts.push(format!(
                "{p} % of its fee ({} of {})",
                self.currency.format(s),
                self.currency.format(b)
            ));
        }
        if parts.is_empty() {
            "no budget".to_string()
        } else {
            format!("used {}", parts.join(" and "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(spent: i64, billable: i64) -> BudgetFacts {
        BudgetFacts {
            currency: Currency::parse("EUR").unwrap(),
            budget_minutes: Some(50 * 60),
            budget_fee_minor: Some(600_000),
            hourly_rate_minor: Some(15_000),
            spent_minutes: spent,
            billable_minutes: billable,
            change_order_minutes: 0,
            base_billable_minutes: billable,
            remaining_estimate_minutes: 0,
            open_requests: 0,
            unestimated_open_requests: 0,
        }
    }

    #[test]
    fn billable_base_work_burns_hours_and_fee() {
        // 40 h logged, 30 h billable at 150.00 = 4,500.00 of 6,000.00; 30 of 50 h.
        let b = Burn::compute(facts(40 * 60, 30 * 60)).unwrap();
        assert_eq!(b.spent_fee_minor, Some(450_000));
        assert_eq!((b.burn_minutes, b.non_billable_minutes), (30 * 60, 10 * 60));
        assert_eq!(b.used_minutes_percent, Some(60.0));
        assert_eq!(b.used_fee_percent, Some(75.0));
        assert!(b.reached.is_empty(), "{b:?}");
        let hours_only = |spent, billable| {
            let mut f = facts(spent, billable);
            f.budget_fee_minor = None;
            Burn::compute(f).unwrap()
        };
        let b = hours_only(40 * 60, 40 * 60);
        assert_eq!(
            b.reached,
            [80],
            "80 % of the hours is reached exactly at 40 h"
        );
        let b = hours_only(45 * 60, 40 * 60 - 1);
        assert!(b.reached.is_empty(), "one minute short of 80 %: {b:?}");
        // Non-billable minutes alone reach nothing, however many.
        let b = Burn::compute(facts(45 * 60, 0)).unwrap();
        assert_eq!(b.used_minutes_percent, Some(0.0));
        assert!(b.reached.is_empty(), "{b:?}");
        // The fee alone can reach a threshold (a budget fee below hours x rate).
        let mut f = facts(45 * 60, 45 * 60);
        f.budget_minutes = Some(100 * 60);
        let b = Burn::compute(f).unwrap();
        assert_eq!(b.used_fee_percent, Some(112.5));
        assert_eq!(b.reached, [80, 100]);
        assert!(
            b.describe()
                .contains("112.5 % of its fee (6750.00 EUR of 6000.00 EUR)"),
            "{}",
            b.describe()
        );
    }

    #[test]
    fn change_order_work_is_shown_not_burned() {
        // 20 h of base work, and 35 h (30 billable) on a request a change order pays for.
        let mut f = facts(55 * 60, 50 * 60);
        f.change_order_minutes = 35 * 60;
        f.base_billable_minutes = 20 * 60;
        let b = Burn::compute(f).unwrap();
        assert_eq!(b.burn_minutes, 20 * 60);
        assert_eq!(b.change_order_minutes, 35 * 60);
        assert_eq!(b.non_billable_minutes, 0);
        assert_eq!(b.used_minutes_percent, Some(40.0));
        assert_eq!(b.spent_fee_minor, Some(300_000));
        assert!(b.reached.is_empty(), "{b:?}");
    }

    #[test]
    fn forecast_adds_open_estimates() {
        let mut f = facts(10 * 60, 10 * 60);
        f.remaining_estimate_minutes = 45 * 60;
        f.open_requests = 3;
        f.unestimated_open_requests = 1;
        let b = Burn::compute(f).unwrap();
        assert_eq!(b.forecast_minutes, 55 * 60);
        assert_eq!(b.burn_minutes, 10 * 60);
        assert_eq!(b.forecast_fee_minor, Some(825_000));
        assert_eq!(b.forecast_minutes_percent, Some(110.0));
        assert!(b.forecast_over);
        assert!(
            b.reached.is_empty(),
            "forecasts warn, they do not raise thresholds"
        );
    }

    #[test]
    fn no_budget_no_rate_and_zero_budget() {
        let mut f = facts(100, 100);
        f.budget_minutes = None;
        f.budget_fee_minor = None;
        f.hourly_rate_minor = None;
        let b = Burn::compute(f).unwrap();
        assert_eq!((b.used_minutes_percent, b.spent_fee_minor), (None, None));
        assert!(b.reached.is_empty() && !b.forecast_over);
        assert_eq!(b.describe(), "no budget");
        let mut f = facts(0, 0);
        f.budget_minutes = Some(0);
        f.budget_fee_minor = Some(0);
        assert!(
            Burn::compute(f.clone()).unwrap().reached.is_empty(),
            "nothing spent"
        );
        f.spent_minutes = 1;
        assert!(
            Burn::compute(f.clone()).unwrap().reached.is_empty(),
            "a non-billable minute burns nothing"
        );
        f.billable_minutes = 1;
        f.base_billable_minutes = 1;
        assert_eq!(Burn::compute(f).unwrap().reached, [80, 100]);
    }

    #[test]
    fn alert_keys_change_with_the_budget() {
        let b = Burn::compute(facts(0, 0)).unwrap();
        assert_eq!(
            b.alert_key(7, 80),
            "budget.80:engagement:7:minutes:3000:fee:600000"
        );
        let mut f = facts(0, 0);
        f.budget_fee_minor = None;
        assert_eq!(
            Burn::compute(f).unwrap().alert_key(7, 100),
            "budget.100:engagement:7:minutes:3000:fee:-"
        );
    }

    proptest! {
        /// Spending more never un-reaches a threshold.
        #[test]
        fn reached_is_monotonic(spent in 0i64..10_000, more in 0i64..10_000) {
            let a = Burn::compute(facts(spent, spent)).unwrap();
            let b = Burn::compute(facts(spent + more, spent + more)).unwrap();
            for t in &a.reached {
                prop_assert!(b.reached.contains(t));
            }
        }
    }
}
