//! What absences change in the clocks: an absent day is a day off in the member's calendar, and
//! promises due while the assignee is away are told to the engagement's manager.
//!
//! The alert is raised when the absence is recorded and again by the periodic check (the silence
//! check's job), so work assigned or promised after the absence was recorded is caught too. Its
//! dedupe key carries the requests it names: a changed set is a new alert, the same set is not.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::{SignedDuration, Span};
use rapport_core::absence::{self, Absence};
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::calendar::Calendar;
use rapport_core::ids::{MemberId, OrgId, RequestId};
use rapport_core::member::Member;
use rapport_store::Db;
use rapport_store::repo::absences::{self as store, PromiseDue};
use rapport_store::repo::members;

use super::{Lookup, compile};
use crate::AppResult;

/// The alert kind for promises due while their assignee is away.
pub const WORK_DUE: &str = "absence.work_due";

/// A member's own calendar: their zone, working hours, holidays and absences.
pub(crate) fn member_calendar(db: &mut Db<'_>, m: &Member) -> AppResult<Calendar> {
    let absences = store::of_member(db, m.org_id, m.id, None)?;
    compile(
        &absence::calendar_with(m.calendar_spec(), &absences),
        "the member",
    )
}

/// The absence `member` is in at `now` on their own clock, if any.
pub(crate) fn away_now(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    now: Timestamp,
) -> AppResult<Option<Absence>> {
    let Some(m) = members::find(db, org, member)? else {
        return Ok(None);
    };
    let Ok(tz) = jiff::tz::TimeZone::get(&m.tz) else {
        return Ok(None);
    };
    let today = tz.to_datetime(now).date();
    let list = store::of_member(db, org, member, Some(today))?;
    Ok(absence::away_at(&list, &tz, now).cloned())
}

/// The instant `day` starts in `tz` (midnight, or the transition when midnight is skipped).
fn day_start(tz: &jiff::tz::TimeZone, day: Date) -> Option<Timestamp> {
    let z = day.to_zoned_datetime(tz.clone()).ok()?;
    Some(z.start_of_day().ok()?.timestamp())
}

/// Raise the alerts for `absence` of `member`: one per engagement manager (or the whole team
/// for requests without one), naming the member and the requests with promises due while they
/// are away. Returns how many were new.
pub(crate) fn check_absence(
    db: &mut Db<'_>,
    member: &Member,
    a: &Absence,
    lookup: &mut Lookup,
    now: Timestamp,
) -> AppResult<usize> {
    let org = member.org_id;
    let Ok(tz) = jiff::tz::TimeZone::get(&member.tz) else {
        return Ok(0);
    };
    let (Some(start), Some(end)) = (
        day_start(&tz, a.starts_on),
        a.ends_on
            .checked_add(Span::new().days(1))
            .ok()
            .and_then(|d| day_start(&tz, d)),
    ) else {
        return Ok(0);
    };
    if end <= now {
        return Ok(0);
    }
    let due = store::promises_due(db, org, member.id, start.max(now), end)?;
    // Which of them fall on an absent day on the member's clock (all do, by the bounds, but the
    // rule lives in core and is held there).
    let pairs: Vec<(usize, Timestamp)> =
        due.iter().enumerate().map(|(i, p)| (i, p.due_at)).collect();
    let mut by_manager: BTreeMap<Option<MemberId>, Vec<&PromiseDue>> = BTreeMap::new();
    for i in absence::due_while_away(a, &tz, &pairs) {
        let p = &due[i];
        let manager = lookup
            .engagement(db, org, p.engagement_id)?
            .and_then(|e| e.manager_id)
            .filter(|m| *m != member.id);
        by_manager.entry(manager).or_default().push(p);
    }
    let mut raised = 0;
    for (manager, promises) in by_manager {
        let alert = work_due_alert(member, a, manager, &promises);
        if crate::alerts::raise(db, org, &alert, now)? {
            raised += 1;
        }
    }
    Ok(raised)
}

fn work_due_alert(
    member: &Member,
    a: &Absence,
    manager: Option<MemberId>,
    promises: &[&PromiseDue],
) -> NewAlert {
    let mut requests: Vec<(RequestId, &str)> = Vec::new();
    for p in promises {
        if !requests.iter().any(|(id, _)| *id == p.request_id) {
            requests.push((p.request_id, &p.title));
        }
    }
    requests.sort_by_key(|(id, _)| *id);
    let named: Vec<String> = requests
        .iter()
        .map(|(id, title)| format!("#{id} \"{title}\""))
        .collect();
    let when = if a.starts_on == a.ends_on {
        format!("on {}", a.starts_on)
    } else {
        format!("from {} to {}", a.starts_on, a.ends_on)
    };
    let ids: Vec<String> = requests.iter().map(|(id, _)| id.0.to_string()).collect();
    NewAlert {
        kind: WORK_DUE.to_string(),
        severity: Severity::Warning,
        subject_kind: Some("absence"),
        subject_id: Some(a.id),
        message: format!(
            "{} is away {when} with promises due on {}",
            member.name,
            named.join(", ")
        ),
        details: serde_json::json!({
            "absence_id": a.id,
            "member_id": member.id,
            "member_name": member.name,
            "starts_on": a.starts_on,
            "ends_on": a.ends_on,
            "request_ids": requests.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            "promise_ids": promises.iter().map(|p| p.promise_id).collect::<Vec<_>>(),
            "manager_id": manager,
        }),
        recipient_id: manager,
        dedupe_key: format!(
            "{WORK_DUE}:{}:{}:{}",
            a.id,
            manager.map_or_else(|| "team".to_string(), |m| m.0.to_string()),
            ids.join(",")
        ),
    }
}

/// The periodic check: every absence not yet over, in every member's zone.
pub(crate) fn check_org(db: &mut Db<'_>, org: OrgId, now: Timestamp) -> AppResult<()> {
    // A day before today in UTC is before today in every zone.
    let since = now
        .checked_sub(SignedDuration::from_hours(24 * 2))
        .unwrap_or(now)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let mut lookup = Lookup::default();
    let mut people: HashMap<MemberId, Option<Member>> = HashMap::new();
    for a in store::ending_from(db, org, since)? {
        let m = match people.get(&a.member_id) {
            Some(m) => m.clone(),
            None => {
                let m = members::find(db, org, a.member_id)?;
                people.insert(a.member_id, m.clone());
                m
            }
        };
        if let Some(m) = m.filter(|m| m.active) {
            check_absence(db, &m, &a, &mut lookup, now)?;
        }
    }
    Ok(())
}
