//! The promises page's view: every open promise, per member who made it, sorted into overdue,
//! due today, due this week and later, each member's days read in their own time zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rapport_core::access::Permission;
use rapport_core::ids::MemberId;
use rapport_core::promise::{Promise, PromiseStatus};

use crate::promises::PromiseFilter;
use crate::{App, AppResult, Ctx};

/// The most open promises the board reads; beyond that the page says it is partial.
const BOARD_MAX: usize = 1000;

#[derive(Debug, Clone, Default)]
pub struct MemberPromises {
    pub member_id: MemberId,
    pub name: String,
    pub tz: String,
    pub overdue: Vec<Promise>,
    pub today: Vec<Promise>,
    pub this_week: Vec<Promise>,
    pub later: Vec<Promise>,
}

#[derive(Debug, Clone, Default)]
pub struct PromiseBoard {
    pub now: Timestamp,
    pub members: Vec<MemberPromises>,
    /// More open promises exist than the board read.
    pub partial: bool,
}

/// When `tz`'s tomorrow and next week (Monday) begin, seen from `now`.
pub fn day_and_week_ends(now: Timestamp, tz: &str) -> (Timestamp, Timestamp) {
    let zone = TimeZone::get(tz).unwrap_or(TimeZone::UTC);
    let today = now.to_zoned_datetime(zone.clone()).date();
    let start = |d: jiff::civil::Date| {
        d.to_zoned_datetime(zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(now)
    };
    let tomorrow = today.tomorrow().map(start).unwrap_or(now);
    let to_monday = 7 - i64::from(today.weekday().to_monday_zero_offset());
    let next_week = today
        .checked_add(jiff::Span::new().days(to_monday))
        .map(start)
        .unwrap_or(tomorrow);
    (tomorrow, next_week)
}

impl App {
    pub async fn promise_board(&self, ctx: &Ctx) -> AppResult<PromiseBoard> {
        ctx.require(Permission::ReadOrgWork)?;
        let now = self.now();
        let mut open = Vec::new();
        let mut cursor = None;
        let mut partial = false;
        loop {
            let page = self
                .list_promises(
                    ctx,
                    PromiseFilter {
                        statuses: vec![PromiseStatus::Open, PromiseStatus::Renegotiated],
                        cursor: cursor.take(),
                        limit: Some(crate::MAX_PAGE),
                        ..Default::default()
                    },
                )
                .await?;
            open.extend(page.items);
            match page.next_cursor {
                Some(c) if open.len() < BOARD_MAX => cursor = Some(c),
                Some(_) => {
                    partial = true;
                    break;
                }
                None => break,
            }
        }
        let members = self.list_members(ctx, None, crate::MAX_PAGE).await?.items;
        let mut out: Vec<MemberPromises> = Vec::new();
        open.sort_by_key(|p| p.due_at);
        for p in open {
            let i = match out.iter().position(|m| m.member_id == p.made_by) {
                Some(i) => i,
                None => {
                    let m = members.iter().find(|m| m.id == p.made_by);
                    out.push(MemberPromises {
                        member_id: p.made_by,
                        name: m
                            .map(|m| m.name.clone())
                            .unwrap_or_else(|| format!("member {}", p.made_by)),
                        tz: m.map(|m| m.tz.clone()).unwrap_or_else(|| "UTC".into()),
                        ..Default::default()
                    });
                    out.len() - 1
                }
            };
            let group = &mut out[i];
            let (tomorrow, next_week) = day_and_week_ends(now, &group.tz);
            let bucket = if p.due_at < now {
                &mut group.overdue
            } else if p.due_at < tomorrow {
                &mut group.today
            } else if p.due_at < next_week {
                &mut group.this_week
            } else {
                &mut group.later
            };
            bucket.push(p);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(PromiseBoard {
            now,
            members: out,
            partial,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_weeks_end_at_local_midnight() {
        // Wednesday 2026-12-09 23:30 UTC is already Thursday in Kiritimati (UTC+14).
        let now: Timestamp = "2026-12-09T23:30:00Z".parse().unwrap();
        let (tomorrow, week) = day_and_week_ends(now, "UTC");
        assert_eq!(tomorrow.to_string(), "2026-12-10T00:00:00Z");
        assert_eq!(week.to_string(), "2026-12-14T00:00:00Z");
        let (tomorrow, week) = day_and_week_ends(now, "Pacific/Kiritimati");
        assert_eq!(tomorrow.to_string(), "2026-12-10T10:00:00Z");
        assert_eq!(week.to_string(), "2026-12-13T10:00:00Z");
        // On a Sunday the week ends with the day.
        let sunday: Timestamp = "2026-12-13T03:00:00Z".parse().unwrap();
        let (tomorrow, week) = day_and_week_ends(sunday, "UTC");
        assert_eq!(tomorrow, week);
    }
}
