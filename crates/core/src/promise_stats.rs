//! The promise ledger's figures: how early or late promises were kept, in business time, and how
//! many of them were kept, per member, client or engagement.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::promise::{Promise, PromiseStatus};

/// Figures over a set of promises.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromiseStats {
    /// Every promise counted.
    pub made: u64,
    pub kept: u64,
    pub broken: u64,
    /// Open or renegotiated.
    pub pending: u64,
    /// Pending and past due.
    pub overdue: u64,
    /// kept / (kept + broken) x 100; `null` until one is settled.
    pub kept_percent: Option<f64>,
    /// Median `margin_minutes` of the kept promises (for an even count, the mean of the middle
    /// two rounded down); `null` when none has a margin.
    pub median_margin_minutes: Option<i64>,
}

impl PromiseStats {
    /// The figures from counts already made (the kept tallies): `overdue` of the `pending`,
    /// and the median margin of the kept ones.
    pub fn from_counts(
        kept: u64,
        broken: u64,
        pending: u64,
        overdue: u64,
        median_margin_minutes: Option<i64>,
    ) -> Self {
        let settled = kept + broken;
        PromiseStats {
            made: kept + broken + pending,
            kept,
            broken,
            pending,
            overdue,
            kept_percent: (settled > 0).then(|| kept as f64 * 100.0 / settled as f64),
            median_margin_minutes,
        }
    }
}

/// Figures for `promises` at `now`. Margins are read from each promise's `margin_minutes` as
/// recorded when it was kept ([`Promise::keep_in`] records business minutes), since promises to
/// different clients follow different calendars.
pub fn stats(promises: &[Promise], now: Timestamp) -> PromiseStats {
    stats_of(promises.iter(), now)
}

/// [`stats`] per group: `key` names the group of a promise (its member, client, or the engagement
/// of its request); promises with no key are left out.
pub fn stats_by<K: Ord>(
    promises: &[Promise],
    now: Timestamp,
    key: impl Fn(&Promise) -> Option<K>,
) -> BTreeMap<K, PromiseStats> {
    let mut groups: BTreeMap<K, Vec<&Promise>> = BTreeMap::new();
    for p in promises {
        if let Some(k) = key(p) {
            groups.entry(k).or_default().push(p);
        }
    }
    groups
        .into_iter()
        .map(|(k, ps)| (k, stats_of(ps.into_iter(), now)))
        .collect()
}

fn stats_of<'a>(promises: impl Iterator<Item = &'a Promise>, now: Timestamp) -> PromiseStats {
    let mut s = PromiseStats {
        made: 0,
        kept: 0,
        broken: 0,
        pending: 0,
        overdue: 0,
        kept_percent: None,
        median_margin_minutes: None,
    };
    let mut margins = Vec::new();
    for p in promises {
        s.made += 1;
        match p.status {
            PromiseStatus::Kept => {
                s.kept += 1;
                margins.extend(p.margin_minutes);
            }
            PromiseStatus::Broken => s.broken += 1,
            PromiseStatus::Open | PromiseStatus::Renegotiated => {
                s.pending += 1;
                if p.is_overdue(now) {
                    s.overdue += 1;
                }
            }
        }
    }
    let settled = s.kept + s.broken;
    if settled > 0 {
        s.kept_percent = Some(s.kept as f64 * 100.0 / settled as f64);
    }
    margins.sort_unstable();
    let n = margins.len();
    if n > 0 {
        s.median_margin_minutes = Some(if n % 2 == 1 {
            margins[n / 2]
        } else {
            (margins[n / 2 - 1] + margins[n / 2]).div_euclid(2)
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;
    use crate::ids::{ClientId, MemberId, OrgId, PromiseId};
    use crate::promise::PromiseKind;
    use crate::promise::business_margin_minutes;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn promise(made_by: i64, status: PromiseStatus, margin: Option<i64>, due: &str) -> Promise {
        let t = ts("2026-03-01T09:00:00Z");
        Promise {
            id: PromiseId(1),
            org_id: OrgId(1),
            client_id: ClientId(made_by * 10),
            request_id: None,
            contact_id: None,
            kind: PromiseKind::Delivery,
            description: String::new(),
            due_at: ts(due),
            made_by: MemberId(made_by),
            status,
            kept_at: None,
            broken_at: None,
            margin_minutes: margin,
            renegotiations: 0,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn margins_count_business_time_only() {
        let c = CalendarSpec::office_hours("America/New_York")
            .compile()
            .unwrap();
        let due = ts("2026-03-06T17:00:00-05:00"); // Friday
        let m = |at: &str| business_margin_minutes(&c, due, ts(at));
        assert_eq!(m("2026-03-06T15:30:00-05:00"), 90);
        assert_eq!(m("2026-03-06T17:30:00-05:00"), 0);
        assert_eq!(
            m("2026-03-09T10:00:00-04:00"),
            -60,
            "Monday, after the clock change"
        );
        assert_eq!(m("2026-03-05T17:00:00-05:00"), 480, "a whole day early");
    }

    #[test]
    fn ledger_figures() {
        use PromiseStatus::*;
        let now = ts("2026-03-10T12:00:00Z");
        let due_past = "2026-03-09T17:00:00Z";
        let due_later = "2026-03-12T17:00:00Z";
        let promises = [
            promise(1, Kept, Some(120), due_past),
            promise(1, Kept, Some(-30), due_past),
            promise(1, Kept, Some(45), due_past),
            promise(1, Kept, Some(10), due_past),
            promise(1, Broken, Some(-600), due_past),
            promise(1, Open, None, due_past),
            promise(1, Renegotiated, None, due_later),
            promise(2, Kept, None, due_past),
        ];
        let s = stats(&promises[..7], now);
        assert_eq!(
            (s.made, s.kept, s.broken, s.pending, s.overdue),
            (7, 4, 1, 2, 1)
        );
        assert_eq!(s.kept_percent, Some(80.0));
        // Kept margins sorted: -30, 10, 45, 120; the broken one does not count.
        assert_eq!(s.median_margin_minutes, Some(27));

        let by_member = stats_by(&promises, now, |p| Some(p.made_by));
        assert_eq!(by_member.len(), 2);
        assert_eq!(by_member[&MemberId(1)], s);
        let two = by_member[&MemberId(2)];
        assert_eq!(two.kept_percent, Some(100.0));
        assert_eq!(
            two.median_margin_minutes, None,
            "kept without a recorded margin"
        );

        let empty = stats(&[], now);
        assert_eq!((empty.made, empty.kept_percent), (0, None));
        let by_client = stats_by(&promises, now, |p| {
            (p.client_id.0 == 10).then_some(p.client_id)
        });
        assert_eq!(
            by_client.keys().copied().collect::<Vec<_>>(),
            [ClientId(10)]
        );
    }

    proptest! {
        /// The median of the kept margins sits between their extremes, with as many at or below
        /// it as at or above it.
        #[test]
        fn median_is_in_the_middle(margins in prop::collection::vec(-10_000i64..10_000, 1..40)) {
            let promises: Vec<_> = margins
                .iter()
                .map(|&m| promise(1, PromiseStatus::Kept, Some(m), "2026-03-09T17:00:00Z"))
                .collect();
            let s = stats(&promises, ts("2026-03-10T00:00:00Z"));
            let median = s.median_margin_minutes.unwrap();
            let (lo, hi) = (*margins.iter().min().unwrap(), *margins.iter().max().unwrap());
            prop_assert!(lo <= median && median <= hi);
            let below = margins.iter().filter(|&&m| m <= median).count();
            let above = margins.iter().filter(|&&m| m >= median).count();
            prop_assert!(2 * below >= margins.len() && 2 * above >= margins.len());
            prop_assert_eq!(s.kept_percent, Some(100.0));
        }
    }
}
