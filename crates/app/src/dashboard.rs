//! Weekly figures for the dashboard: SLA breaches (by the instant each clock fell due), and
//! promises kept and broken, per week (weeks from Monday, UTC), oldest first, weeks without any
//! counting zero.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use rapport_core::access::Permission;
use rapport_store::repo::{alerts, promises};

use crate::{App, AppError, AppResult, Ctx};

/// Promises settled in one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromiseWeek {
    pub week: Date,
    pub kept: usize,
    pub broken: usize,
}

/// The Monday that starts the first of the last `weeks` weeks up to `now`, and that instant.
fn first_week(now: Timestamp, weeks: usize) -> AppResult<(Date, Timestamp)> {
    let internal = |e: jiff::Error| AppError::internal("the dashboard's weeks", e);
    let today = TimeZone::UTC.to_datetime(now).date();
    let monday = today
        .checked_sub(Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
        .map_err(internal)?;
    let first = monday
        .checked_sub(Span::new().weeks(weeks as i64 - 1))
        .map_err(internal)?;
    let since = TimeZone::UTC
        .to_timestamp(first.to_datetime(Time::midnight()))
        .map_err(internal)?;
    Ok((first, since))
}

/// Which of the `weeks` weeks from `first` an instant falls in.
fn week_of(first: Date, weeks: usize, t: Timestamp) -> Option<usize> {
    let day = TimeZone::UTC.to_datetime(t).date();
    let i = usize::try_from((day - first).get_days() / 7).ok()?;
    (i < weeks).then_some(i)
}

fn week_start(first: Date, i: usize) -> Date {
    first
        .checked_add(Span::new().weeks(i as i64))
        .unwrap_or(first)
}

impl App {
    /// SLA breaches per week for the last `weeks` weeks (1-104), each in the week its clock fell
    /// due (not when the check noticed it).
    pub async fn sla_breaches_by_week(
        &self,
        ctx: &Ctx,
        weeks: usize,
    ) -> AppResult<Vec<(Date, usize)>> {
        ctx.require(Permission::ReadOrgWork)?;
        let weeks = weeks.clamp(1, 104);
        let (first, since) = first_week(self.now(), weeks)?;
        let org = ctx.org();
        let raised = self
            .store
            .read(move |db| {
                Ok::<_, AppError>(alerts::dated_since(
                    db,
                    org,
                    crate::clocks::sla::BREACHED,
                    since,
                )?)
            })
            .await?;
        let mut counts = vec![0usize; weeks];
        for t in raised {
            if let Some(i) = week_of(first, weeks, t) {
                counts[i] += 1;
            }
        }
        Ok(counts
            .into_iter()
            .enumerate()
            .map(|(i, c)| (week_start(first, i), c))
            .collect())
    }

    /// Promises kept and broken per week (by when they were kept or broken) for the last
    /// `weeks` weeks (1-104).
    pub async fn promises_by_week(&self, ctx: &Ctx, weeks: usize) -> AppResult<Vec<PromiseWeek>> {
        ctx.require(Permission::ReadOrgWork)?;
        let weeks = weeks.clamp(1, 104);
        let (first, since) = first_week(self.now(), weeks)?;
        let org = ctx.org();
        let settled = self
            .store
            .read(move |db| Ok::<_, AppError>(promises::settled_since(db, org, since)?))
            .await?;
        let mut out: Vec<PromiseWeek> = (0..weeks)
            .map(|i| PromiseWeek {
                week: week_start(first, i),
                kept: 0,
                broken: 0,
            })
            .collect();
        for (kept, at) in settled {
            if let Some(i) = week_of(first, weeks, at) {
                if kept {
                    out[i].kept += 1;
                } else {
                    out[i].broken += 1;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_bucket_by_day() {
        // Thursday 2026-11-26: the last two weeks start on Mondays 16 and 23 November.
        let now: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
        let (first, since) = first_week(now, 2).unwrap();
        assert_eq!(first, jiff::civil::date(2026, 11, 16));
        assert_eq!(since, "2026-11-16T00:00:00Z".parse::<Timestamp>().unwrap());
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(week_of(first, 2, at("2026-11-22T23:59:59Z")), Some(0));
        assert_eq!(week_of(first, 2, at("2026-11-23T00:00:00Z")), Some(1));
        assert_eq!(week_of(first, 2, at("2026-11-30T00:00:00Z")), None);
        assert_eq!(week_start(first, 1), jiff::civil::date(2026, 11, 23));
    }
}
