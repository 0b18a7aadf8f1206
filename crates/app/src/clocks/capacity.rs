//! What members can carry: dates they can keep for new work (underpromising by design), the
//! warning when a promise is made for less, and committed and out-of-hours time per week.

use jiff::civil::Date;
use jiff::{Span, Timestamp};
use rapport_core::access::Permission;
use rapport_core::capacity::{
    self, CapacityError, MAX_SAFETY_MARGIN_PERCENT, MAX_WEEKS, NewWork, OpenWork, PromiseWarning,
    QueueItem, Suggestion, WeekLoad,
};
use rapport_core::ids::{MemberId, OrgId, RequestId};
use rapport_core::member::Member;
use rapport_core::request::{MAX_ESTIMATE_MINUTES, Priority, Request};
use rapport_store::Db;
use rapport_store::repo::clocks as store;
use rapport_store::repo::{members, promises};
use serde::Serialize;

use super::{ClockSettings, Lookup, member_calendar};
use crate::access::visible_request;
use crate::{App, AppError, AppResult, Ctx};

/// What a suggested date is asked for: a request (its assignee, remaining estimate and
/// priority), or an assignee with an estimate; any of them may be given to override.
#[derive(Debug, Clone, Default)]
pub struct SuggestQuery {
    pub request_id: Option<RequestId>,
    pub assignee_id: Option<MemberId>,
    pub estimate_minutes: Option<i64>,
    pub priority: Option<Priority>,
    pub margin_percent: Option<u16>,
}

/// A date the assignee can keep, and how it was reached.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestedDate {
    pub assignee_id: MemberId,
    pub request_id: Option<RequestId>,
    pub priority: Priority,
    #[serde(flatten)]
    pub suggestion: Suggestion,
}

/// One member's weeks.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberCapacity {
    pub member_id: MemberId,
    pub name: String,
    /// The zone the weeks run in (Monday 00:00 to Monday 00:00).
    pub tz: String,
    pub weekly_capacity_minutes: i64,
    /// Business minutes of the member's working hours in a plain week.
    pub weekly_working_minutes: i64,
    pub weeks: Vec<WeekLoad>,
}

/// A capacity error as an input error, named by the API's fields.
fn invalid(e: CapacityError) -> AppError {
    let field = match &e {
        CapacityError::Margin(_) => "margin_percent".to_string(),
        CapacityError::NoCapacity | CapacityError::Capacity(_) => "assignee_id".to_string(),
        other => other.field(),
    };
    AppError::invalid(&field, e.to_string())
}

fn active_member(db: &mut Db<'_>, org: OrgId, id: MemberId, field: &str) -> AppResult<Member> {
    match members::find(db, org, id)? {
        Some(m) if m.active => Ok(m),
        Some(_) => Err(AppError::invalid(
            field,
            format!("member {id} is deactivated"),
        )),
        None => Err(AppError::invalid(
            field,
            format!("no member {id} in this organisation"),
        )),
    }
}

/// The member's open work (but `except`), with what is left of each estimate and whether its
/// delivery is already promised.
fn queue(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    except: Option<RequestId>,
    default_estimate: i64,
) -> AppResult<Vec<QueueItem>> {
    let promised = promises::promised_deliveries(db, org, member)?;
    Ok(store::open_work(db, org, member)?
        .into_iter()
        .filter(|r| Some(r.id) != except)
        .map(|r| QueueItem {
            priority: r.priority,
            remaining_minutes: capacity::remaining_minutes(&r, default_estimate)
                .min(MAX_ESTIMATE_MINUTES),
            promised: promised.binary_search(&r.id).is_ok(),
        })
        .collect())
}

/// When `member` can deliver `work`, behind their open work (but `except`), on a date that is
/// a working hour of theirs and of the client of `request`, when there is one.
fn suggestion(
    db: &mut Db<'_>,
    member: &Member,
    request: Option<&Request>,
    work: NewWork,
    margin_percent: u16,
    settings: &ClockSettings,
    now: Timestamp,
) -> AppResult<Suggestion> {
    let calendar = member_calendar(db, member)?;
    let client = match request {
        Some(r) => Some(Lookup::default().calendar(db, r.org_id, r.client_id, r.engagement_id)?),
        None => None,
    };
    let queue = queue(
        db,
        member.org_id,
        member.id,
        request.map(|r| r.id),
        settings.default_estimate_minutes,
    )?;
    capacity::suggest_due(
        now,
        &calendar,
        client.as_ref(),
        member.weekly_capacity_minutes,
        &queue,
        work,
        margin_percent,
    )
    .map_err(invalid)
}

/// The warning for a delivery promise on `request` due before its assignee (or, unassigned, the
/// member making it) can deliver: the work ahead of theirs at this priority, plus its remaining
/// estimate, at their weekly capacity. Other kinds of promise (a reply, a call) are not about the
/// request's estimate and get none.
pub(crate) fn promise_warning(
    db: &mut Db<'_>,
    request: &Request,
    made_by: MemberId,
    due: Timestamp,
    settings: &ClockSettings,
    now: Timestamp,
) -> AppResult<Option<PromiseWarning>> {
    let who = request.assignee_id.unwrap_or(made_by);
    let Some(member) = members::find(db, request.org_id, who)? else {
        return Ok(None);
    };
    let work = NewWork {
        priority: request.priority,
        estimate_minutes: capacity::remaining_minutes(request, settings.default_estimate_minutes)
            .min(MAX_ESTIMATE_MINUTES),
    };
    let s = match suggestion(
        db,
        &member,
        Some(request),
        work,
        settings.safety_margin_percent,
        settings,
        now,
    ) {
        Ok(s) => s,
        // A member without capacity (or a queue beyond ten years) has no realistic date to
        // offer; the promise is theirs to make.
        Err(AppError::Invalid(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(capacity::check_promise(due, &s))
}

/// The Monday of the week holding `day`.
fn monday(day: Date) -> AppResult<Date> {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(Span::new().days(back))
        .map_err(|_| AppError::invalid("from", format!("{day} is outside the supported dates")))
}

fn day_start(
    member: &Member,
    calendar: &rapport_core::calendar::Calendar,
    day: Date,
) -> AppResult<Timestamp> {
    day.to_zoned_datetime(calendar.zone().clone())
        .and_then(|z| z.start_of_day())
        .map(|z| z.timestamp())
        .map_err(|_| {
            AppError::invalid(
                "from",
                format!("{day} is outside the supported dates in {}", member.tz),
            )
        })
}

fn check_weeks(weeks: u32) -> AppResult<()> {
    if (1..=MAX_WEEKS).contains(&weeks) {
        Ok(())
    } else {
        Err(AppError::invalid(
            "weeks",
            format!("must be between 1 and {MAX_WEEKS}, got {weeks}"),
        ))
    }
}

/// `weeks` weeks of a member's load from the week holding `from` (default: this week).
pub(crate) fn load(
    db: &mut Db<'_>,
    member: &Member,
    weeks: u32,
    from: Option<Date>,
    settings: &ClockSettings,
    now: Timestamp,
) -> AppResult<MemberCapacity> {
    let calendar = member_calendar(db, member)?;
    let first = monday(from.unwrap_or_else(|| capacity::week_of(&calendar, now)))?;
    let last = first
        .checked_add(Span::new().days(7 * i64::from(weeks)))
        .map_err(|_| AppError::invalid("weeks", "the weeks run past the supported dates"))?;
    let (start, end) = (
        day_start(member, &calendar, first)?,
        day_start(member, &calendar, last)?,
    );
    let work: Vec<OpenWork> = store::open_work(db, member.org_id, member.id)?
        .iter()
        .map(|r| OpenWork {
            remaining_minutes: capacity::remaining_minutes(r, settings.default_estimate_minutes)
                .min(MAX_ESTIMATE_MINUTES),
            due_at: r.due_at,
        })
        .collect();
    let committed = capacity::committed_by_week(&calendar, now, &work).map_err(invalid)?;
    let entries = store::logged_time(db, member.org_id, member.id, start, end)?;
    let weeks = capacity::weekly_load(
        &calendar,
        member.weekly_capacity_minutes,
        first,
        weeks,
        &committed,
        &entries,
    )
    .map_err(invalid)?;
    Ok(MemberCapacity {
        member_id: member.id,
        name: member.name.clone(),
        tz: member.tz.clone(),
        weekly_capacity_minutes: member.weekly_capacity_minutes,
        weekly_working_minutes: calendar.weekly_minutes(),
        weeks,
    })
}

/// [`App::suggest_due`] at `now`, inside the caller's snapshot.
pub(crate) fn suggest_due_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    q: SuggestQuery,
    settings: &ClockSettings,
    now: Timestamp,
) -> AppResult<SuggestedDate> {
    ctx.require(Permission::DoWork)?;
    let margin = q.margin_percent.unwrap_or(settings.safety_margin_percent);
    if margin > MAX_SAFETY_MARGIN_PERCENT {
        return Err(AppError::invalid(
            "margin_percent",
            format!("must be at most {MAX_SAFETY_MARGIN_PERCENT}, got {margin}"),
        ));
    }
    if let Some(e) = q.estimate_minutes
        && !(0..=MAX_ESTIMATE_MINUTES).contains(&e)
    {
        return Err(AppError::invalid(
            "estimate_minutes",
            format!("must be between 0 and {MAX_ESTIMATE_MINUTES}, got {e}"),
        ));
    }
    let principal = ctx.principal;
    let org = ctx.org();
    let mut request = None;
    let (assignee, estimate, priority) = match q.request_id {
        Some(rid) => {
            let r = visible_request(db, &principal, rid, false)
                .map_err(|_| AppError::invalid("request_id", format!("no request {rid}")))?;
            let r = request.insert(r);
            let assignee = q.assignee_id.or(r.assignee_id).ok_or_else(|| {
                AppError::invalid(
                    "assignee_id",
                    format!("request {rid} has no assignee; give assignee_id"),
                )
            })?;
            let remaining = capacity::remaining_minutes(r, settings.default_estimate_minutes)
                .min(MAX_ESTIMATE_MINUTES);
            (
                assignee,
                q.estimate_minutes.unwrap_or(remaining),
                q.priority.unwrap_or(r.priority),
            )
        }
        None => {
            let assignee = q.assignee_id.ok_or_else(|| {
                AppError::invalid("assignee_id", "give a request_id or an assignee_id")
            })?;
            let estimate = q.estimate_minutes.ok_or_else(|| {
                AppError::invalid("estimate_minutes", "required without a request_id")
            })?;
            (assignee, estimate, q.priority.unwrap_or(Priority::Normal))
        }
    };
    let member = active_member(db, org, assignee, "assignee_id")?;
    let work = NewWork {
        priority,
        estimate_minutes: estimate,
    };
    let suggestion = suggestion(db, &member, request.as_ref(), work, margin, settings, now)?;
    Ok(SuggestedDate {
        assignee_id: assignee,
        request_id: q.request_id,
        priority,
        suggestion,
    })
}

impl App {
    /// Propose a due date the assignee can keep (see `rapport_core::capacity::suggest_due`).
    pub async fn suggest_due(&self, ctx: &Ctx, q: SuggestQuery) -> AppResult<SuggestedDate> {
        let ctx = ctx.clone();
        let settings = self.settings.clocks.clone();
        let now = self.now();
        self.store
            .read(move |db| suggest_due_in(db, &ctx, q, &settings, now))
            .await
    }

    /// A member's committed and logged time per week against their capacity (members only).
    pub async fn member_capacity(
        &self,
        ctx: &Ctx,
        member: MemberId,
        weeks: u32,
        from: Option<Date>,
    ) -> AppResult<MemberCapacity> {
        ctx.require(Permission::ReadOrgWork)?;
        check_weeks(weeks)?;
        let settings = self.settings.clocks.clone();
        let org = ctx.org();
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<MemberCapacity> {
                let m = members::find(db, org, member)?.ok_or(AppError::NotFound("member"))?;
                load(db, &m, weeks, from, &settings, now)
            })
            .await
    }

    /// [`App::member_capacity`] for every active member, by id.
    pub async fn team_capacity(
        &self,
        ctx: &Ctx,
        weeks: u32,
        from: Option<Date>,
    ) -> AppResult<Vec<MemberCapacity>> {
        ctx.require(Permission::ReadOrgWork)?;
        check_weeks(weeks)?;
        let settings = self.settings.clocks.clone();
        let org = ctx.org();
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<Vec<MemberCapacity>> {
                let mut out = Vec::new();
                let mut after = None;
                loop {
                    let page = members::list(db, org, after, rapport_store::repo::MAX_PAGE)?;
                    for m in page.items.iter().filter(|m| m.active) {
                        out.push(load(db, m, weeks, from, &settings, now)?);
                    }
                    match page.next {
                        Some((_, id)) => after = Some(id),
                        None => break,
                    }
                }
                Ok(out)
            })
            .await
    }
}
