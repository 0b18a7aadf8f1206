//! Scope in use: the check on every new request, people confirming or changing its verdict,
//! the block on starting work that waits for a change order (and the manager's override), the
//! check's accuracy in use, and the scope report.
//!
//! The check is CPU work: it runs in a read (on a reader connection, never inside the shared
//! write transaction) against a `BriefIndex` cached per engagement and brief version, and the
//! caller stores its result with the request in its own write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rapport_core::access::{Permission, Role};
use rapport_core::audit::AuditEntry;
use rapport_core::change_order::ChangeOrderStatus;
use rapport_core::ids::{ChangeOrderId, ClientId, EngagementId, OrgId, RequestId};
use rapport_core::request::{Request, RequestDraft, ScopeRecord, Status, TransitionInput};
use rapport_core::scope::report::{self, Interval, ScopeReport};
use rapport_core::scope::{
    Accuracy, BriefIndex, CheckConfig, ConfirmInput, Decided, Limit, LimitUse, MAX_BODY_BYTES,
    MAX_TITLE_BYTES, PrecedentIndex, Usage, is_hours, window,
};
use rapport_core::validate::{self, limits};
use rapport_store::Db;
use rapport_store::repo::scope::{self as store, Confirmation, Override, ReportScope, UsageQuery};
use rapport_store::repo::{change_orders, requests};

use crate::access::visible_request;
use crate::{App, AppError, AppResult, Ctx};

/// Analysed data per engagement at the latest version seen, least recently used evicted: briefs
/// (`BriefCache`, versioned by the brief's version) and precedents (`PrecedentCache`, versioned
/// by the organisation's count of decisions). Derived data only: a miss reads again, and a newer
/// version replaces the entry, so several processes may each keep their own.
pub struct VersionCache<T> {
    capacity: usize,
    inner: Mutex<CacheInner<T>>,
}

/// Analysed briefs, one per engagement at its latest brief version.
pub type BriefCache = VersionCache<BriefIndex>;
/// The precedents of each engagement's checks (its own and the organisation's latest
/// decisions), at the organisation's latest decision count.
pub type PrecedentCache = VersionCache<PrecedentIndex>;

struct CacheInner<T> {
    tick: u64,
    entries: HashMap<(OrgId, EngagementId), CacheEntry<T>>,
}

struct CacheEntry<T> {
    version: i64,
    index: Arc<T>,
    used: u64,
}

impl<T> VersionCache<T> {
    /// Entries kept by default: a firm's active engagements, many times over (an index of a
    /// typical brief is a few KiB, of the largest valid one about a MiB; 500 precedents take
    /// a few hundred KiB).
    pub const DEFAULT_CAPACITY: usize = 512;

    pub fn new(capacity: usize) -> Self {
        VersionCache {
            capacity: capacity.max(1),
            inner: Mutex::new(CacheInner {
                tick: 0,
                entries: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner<T>> {
        // The map holds no invariant a panicking holder could break halfway.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, org: OrgId, e: EngagementId, version: i64) -> Option<Arc<T>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(&(org, e))?;
        if entry.version != version {
            return None;
        }
        entry.used = tick;
        Some(entry.index.clone())
    }

    pub fn put(&self, org: OrgId, e: EngagementId, version: i64, index: Arc<T>) {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if let Some(old) = inner.entries.get(&(org, e))
            && old.version > version
        {
            // A slower reader of an older snapshot must not push out the newer brief.
            return;
        }
        if !inner.entries.contains_key(&(org, e))
            && inner.entries.len() >= self.capacity
            && let Some(&oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, v)| v.used)
                .map(|(k, _)| k)
        {
            inner.entries.remove(&oldest);
        }
        inner.entries.insert(
            (org, e),
            CacheEntry {
                version,
                index,
                used: tick,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Default for VersionCache<T> {
    fn default() -> Self {
        VersionCache::new(Self::DEFAULT_CAPACITY)
    }
}

/// The per-process caches of the scope check.
#[derive(Default)]
pub struct ScopeCaches {
    pub briefs: BriefCache,
    pub precedents: PrecedentCache,
}

/// What a scope check is asked about.
#[derive(Debug, Clone, Copy)]
pub struct ScopeAsk<'a> {
    pub engagement: Option<EngagementId>,
    pub title: &'a str,
    pub body: &'a str,
    /// When the check runs: the current period of a renewing limit is the one holding it.
    pub now: Timestamp,
    /// A request checked again counts only the use of requests before it.
    pub before: Option<RequestId>,
}

/// The scope check of a request against its engagement's current brief and the engagement's use
/// of the limit the request is about, as the request stores it. `None` when there is no
/// engagement (or no such engagement: the caller's write rejects it). For adapters that already
/// hold a read (mail intake); others call [`App::assess_scope`].
pub fn assess_scope(
    db: &mut Db<'_>,
    caches: &ScopeCaches,
    org: OrgId,
    ask: &ScopeAsk<'_>,
) -> AppResult<Option<ScopeRecord>> {
    let Some(e) = ask.engagement else {
        return Ok(None);
    };
    // Both versions in one read: a cached brief and cached precedents cost nothing more.
    let Some((brief_version, decisions)) = store::scope_versions(db, org, e)? else {
        return Ok(None);
    };
    let Some((index, version)) = brief_index_at(db, &caches.briefs, org, e, brief_version)? else {
        return Ok(None);
    };
    let history = precedents(db, &caches.precedents, org, e, ask.before, decisions)?;
    let mut failed = None;
    let mut usage = |limit: &Limit| match limit_usage(db, org, e, limit, ask) {
        Ok(u) => Some(u),
        Err(err) => {
            failed = Some(err);
            None
        }
    };
    let assessment = index.check_in_context(ask.title, ask.body, &mut usage, &history);
    if let Some(err) = failed {
        return Err(err.into());
    }
    Ok(Some(ScopeRecord::from_assessment(assessment, version)))
}

/// The analysed brief of engagement `e` and its version, from the cache when it holds that
/// version. `None`: no such engagement.
fn brief_index(
    db: &mut Db<'_>,
    cache: &BriefCache,
    org: OrgId,
    e: EngagementId,
) -> AppResult<Option<(Arc<BriefIndex>, i64)>> {
    let Some(version) = store::brief_version(db, org, e)? else {
        return Ok(None);
    };
    brief_index_at(db, cache, org, e, version)
}

/// `brief_index` when the engagement's brief version was read already.
fn brief_index_at(
    db: &mut Db<'_>,
    cache: &BriefCache,
    org: OrgId,
    e: EngagementId,
    version: i64,
) -> AppResult<Option<(Arc<BriefIndex>, i64)>> {
    if let Some(index) = cache.get(org, e, version) {
        return Ok(Some((index, version)));
    }
    let Some((brief, version)) = store::brief(db, org, e)? else {
        return Ok(None);
    };
    let index = Arc::new(BriefIndex::new(&brief, &CheckConfig::default()));
    cache.put(org, e, version, index.clone());
    Ok(Some((index, version)))
}

/// The engagement's latest decisions weighed as precedents, at most this many.
pub const PRECEDENTS_OWN: i64 = 200;
/// The organisation's other latest decisions weighed as precedents, at most this many.
pub const PRECEDENTS_ORG: i64 = 300;

/// The firm's latest decisions as precedents for a check under engagement `e`, never request
/// `except` itself (a request checked again). Two reads bounded by their caps, skipped when the
/// cache holds this engagement's at the organisation's count of decisions `version` (a recheck,
/// rare, reads afresh without itself). The days are said in the client's zone, as the reader
/// of the evidence counts them.
fn precedents(
    db: &mut Db<'_>,
    cache: &PrecedentCache,
    org: OrgId,
    e: EngagementId,
    except: Option<RequestId>,
    version: i64,
) -> AppResult<Arc<PrecedentIndex>> {
    if except.is_none()
        && let Some(index) = cache.get(org, e, version)
    {
        return Ok(index);
    }
    let index = Arc::new(read_precedents(db, org, e, except)?);
    if except.is_none() {
        cache.put(org, e, version, index.clone());
    }
    Ok(index)
}

fn read_precedents(
    db: &mut Db<'_>,
    org: OrgId,
    e: EngagementId,
    except: Option<RequestId>,
) -> AppResult<PrecedentIndex> {
    let rows = store::recent_decisions(db, org, e, except, PRECEDENTS_OWN, PRECEDENTS_ORG)?;
    if rows.is_empty() {
        return Ok(PrecedentIndex::default());
    }
    let tz = client_tz(db, org, e)?;
    Ok(PrecedentIndex::new(
        rows.into_iter()
            .map(|r| Decided {
                request_id: r.request_id.0,
                title: r.title,
                body: r.body,
                verdict: r.verdict,
                reason: r.reason,
                decided_by: r.decided_by,
                decided_at: r.decided_at,
                decided_on: tz.to_datetime(r.decided_at).date(),
                same_engagement: r.engagement_id == Some(e),
                counted: r.counted,
            })
            .collect(),
    ))
}

/// The zone of the engagement's client (UTC when it has none or an unknown one).
fn client_tz(
    db: &mut Db<'_>,
    org: OrgId,
    e: EngagementId,
) -> Result<TimeZone, rapport_store::StoreError> {
    Ok(store::client_zone(db, org, e)?
        .and_then(|z| TimeZone::get(&z).ok())
        .unwrap_or(TimeZone::UTC))
}

/// What engagement `e` used of `limit` until `ask.now`: in its current period (cut in the
/// client's zone) when it renews, else over the engagement.
fn limit_usage(
    db: &mut Db<'_>,
    org: OrgId,
    e: EngagementId,
    limit: &Limit,
    ask: &ScopeAsk<'_>,
) -> Result<Usage, rapport_store::StoreError> {
    let window = match limit.period {
        Some(p) => Some(window(p, ask.now, &client_tz(db, org, e)?)),
        None => None,
    };
    store::limit_usage(
        db,
        org,
        &UsageQuery {
            engagement: e,
            item: &limit.item_id,
            window,
            hours: is_hours(limit),
            before: ask.before,
        },
    )
}

/// The part of `s` the check reads: at most `max` bytes, cut on a character boundary.
fn prefix(s: &str, max: usize) -> String {
    s[..s.floor_char_boundary(max)].to_string()
}

/// Whether the caller is a manager or above.
fn is_manager(ctx: &Ctx) -> bool {
    ctx.principal
        .role()
        .is_some_and(|r| r.at_least(Role::Manager))
}

/// The change orders `r` waits for (drafts, or sent and not yet answered): (id, status,
/// engagement). None once a manager went ahead without them: the work was absorbed, and
/// delivering it needs no second override.
pub(crate) fn pending_change_orders(
    db: &mut Db<'_>,
    org: OrgId,
    r: &Request,
) -> AppResult<Vec<(ChangeOrderId, ChangeOrderStatus, EngagementId)>> {
    let pending: Vec<_> = change_orders::for_request(db, org, r.id)?
        .into_iter()
        .filter(|(_, s, _)| matches!(s, ChangeOrderStatus::Draft | ChangeOrderStatus::Sent))
        .collect();
    if pending.is_empty() {
        return Ok(pending);
    }
    let absorbed = store::overridden(db, org, r.id)?;
    if pending.iter().any(|(id, _, _)| absorbed.contains(id)) {
        return Ok(Vec::new());
    }
    Ok(pending)
}

fn waits_for(
    r: &Request,
    to: Status,
    pending: &[(ChangeOrderId, ChangeOrderStatus, EngagementId)],
) -> String {
    let names: Vec<String> = pending
        .iter()
        .map(|(id, s, _)| format!("change order {id} ({s})"))
        .collect();
    format!(
        "request {} is out of scope and waits for the client to approve {}, so it cannot be {to} yet",
        r.id,
        names.join(" and ")
    )
}

/// Refuse to work on (`in_progress`) or deliver a request that waits for a change order in
/// draft or sent, unless a manager overrides with a reason: the override is recorded (out-of-scope
/// work absorbed) and audited. Called inside the transition's write, after core allowed the move.
pub(crate) fn guard_in_progress(
    db: &mut Db<'_>,
    ctx: &Ctx,
    r: &Request,
    input: &TransitionInput,
    now: Timestamp,
) -> AppResult<()> {
    if !input.status.means_work_done() {
        return Ok(());
    }
    let pending = pending_change_orders(db, ctx.org(), r)?;
    let Some(&(first, _, engagement)) = pending.first() else {
        return Ok(());
    };
    let Some(reason) = input.override_reason.as_deref() else {
        return Err(AppError::conflict(
            "status",
            format!(
                "{}; a manager can go ahead anyway by sending override_reason (recorded as \
                 out-of-scope work absorbed)",
                waits_for(r, input.status, &pending)
            ),
        ));
    };
    if !is_manager(ctx) {
        return Err(AppError::forbidden(
            "only managers and above may go ahead with work that waits for a change order",
        ));
    }
    let reason = validate::text(reason, limits::NOTE)
        .map_err(|m| AppError::invalid("override_reason", m))?;
    let member = ctx
        .principal
        .member_id()
        .ok_or_else(|| AppError::forbidden("only members may override"))?;
    let id = store::insert_override(
        db,
        ctx.org(),
        &Override {
            request_id: r.id,
            change_order_id: first,
            client_id: r.client_id,
            engagement_id: engagement,
            member_id: member,
            reason: reason.clone(),
            at: now,
        },
    )?;
    // Work absorbed while the client has not agreed to pay for it is a scope dispute.
    crate::health::touch(db, ctx.org(), r.client_id, now)?;
    let ids: Vec<i64> = pending.iter().map(|(id, _, _)| id.0).collect();
    ctx.audit(
        db,
        now,
        AuditEntry::new(ctx.principal.actor(), "request.scope_override")
            .target("request", r.id.0)
            .details(
                serde_json::json!({"override_id": id, "change_order_ids": ids, "reason": reason}),
            ),
    )?;
    Ok(())
}

/// A rule may not do what needs a manager's override: it cannot start or deliver work that
/// waits for a change order.
pub(crate) fn refuse_for_rule(
    db: &mut Db<'_>,
    org: OrgId,
    r: &Request,
    to: Status,
) -> AppResult<()> {
    if !to.means_work_done() {
        return Ok(());
    }
    let pending = pending_change_orders(db, org, r)?;
    if pending.is_empty() {
        return Ok(());
    }
    Err(AppError::conflict("status", waits_for(r, to, &pending)))
}

/// What a scope report is asked for.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    pub client: Option<ClientId>,
    pub engagement: Option<EngagementId>,
    /// First day (default: the first of the month eleven months before `to`).
    pub from: Option<Date>,
    /// Last day, inclusive (default: today, UTC).
    pub to: Option<Date>,
    /// Default: month.
    pub interval: Option<Interval>,
}

/// [`App::limit_use`] at `now`, inside the caller's snapshot.
pub(crate) fn limit_use_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    cache: &BriefCache,
    e: EngagementId,
    now: Timestamp,
) -> AppResult<Vec<LimitUse>> {
    ctx.require(Permission::ReadOrgWork)?;
    let org = ctx.org();
    let (index, _) = brief_index(db, cache, org, e)?.ok_or(AppError::NotFound("engagement"))?;
    let ask = ScopeAsk {
        engagement: Some(e),
        title: "",
        body: "",
        now,
        before: None,
    };
    let mut out = Vec::new();
    for l in index.limits().iter().filter(|l| l.counts_use()) {
        out.push(LimitUse::of(l, &limit_usage(db, org, e, l, &ask)?));
    }
    Ok(out)
}

impl App {
    /// The scope check for a new request, run in a read outside any write (see the module
    /// doc). Call it before the write that inserts the request and store its result.
    pub async fn assess_scope(
        &self,
        org: OrgId,
        engagement: Option<EngagementId>,
        title: &str,
        body: &str,
        before: Option<RequestId>,
    ) -> AppResult<Option<ScopeRecord>> {
        if engagement.is_none() {
            return Ok(None);
        }
        let title = prefix(title, MAX_TITLE_BYTES);
        let body = prefix(body, MAX_BODY_BYTES);
        let caches = self.scope_cache.clone();
        let now = self.now();
        self.store
            .read(move |db| {
                let ask = ScopeAsk {
                    engagement,
                    title: &title,
                    body: &body,
                    now,
                    before,
                };
                assess_scope(db, &caches, org, &ask)
            })
            .await
    }

    /// `assess_scope` for a validated new request.
    pub(crate) async fn scope_of(
        &self,
        org: OrgId,
        d: &RequestDraft,
    ) -> AppResult<Option<ScopeRecord>> {
        self.assess_scope(org, d.engagement_id, &d.title, &d.body, None)
            .await
    }

    /// A person confirms the check's verdict or changes it, with a reason. Counted against the
    /// check (its accuracy in use) and audited.
    pub async fn confirm_scope(
        &self,
        ctx: &Ctx,
        id: RequestId,
        input: ConfirmInput,
    ) -> AppResult<Request> {
        ctx.require(Permission::DoWork)?;
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("only members confirm scope"))?;
        let (verdict, reason) = input.validate()?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Request> {
                let mut r = visible_request(db, &ctx.principal, id, true)?;
                let Some(mut record) = r.scope.clone() else {
                    return Err(AppError::conflict(
                        "scope",
                        format!(
                            "request {id} has no scope check to confirm (it has no engagement); \
                             set its engagement_id and run POST /api/v1/requests/{id}/scope/check"
                        ),
                    ));
                };
                let agreed = record.confirm(ctx.principal.actor(), verdict, reason.clone());
                requests::set_scope(db, ctx.org(), id, &record, now)?;
                store::upsert_confirmation(
                    db,
                    ctx.org(),
                    &Confirmation {
                        request_id: id,
                        client_id: r.client_id,
                        engagement_id: r.engagement_id,
                        check_verdict: record.verdict,
                        person_verdict: verdict,
                        brief_version: record.brief_version,
                        confirmed_by: member,
                        reason: reason.clone(),
                        at: now,
                    },
                )?;
                // Cached precedents of this organisation are now out of date.
                store::bump_decisions_version(db, ctx.org())?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "request.scope_confirm")
                        .target("request", id.0)
                        .details(serde_json::json!({
                            "check_verdict": record.verdict, "confidence": record.confidence,
                            "brief_version": record.brief_version, "verdict": verdict,
                            "agreed": agreed, "reason": reason,
                        })),
                )?;
                r.scope = Some(record);
                r.updated_at = now;
                Ok(r)
            })
            .await
    }

    /// Check a request again against its engagement's current brief (after the brief changed,
    /// or when the engagement was set after intake). A person's verdict stands.
    pub async fn recheck_scope(&self, ctx: &Ctx, id: RequestId) -> AppResult<Request> {
        ctx.require(Permission::DoWork)?;
        let p = ctx.principal;
        let r = self
            .store
            .read(move |db| visible_request(db, &p, id, false))
            .await?;
        let no_engagement = || {
            AppError::conflict(
                "engagement_id",
                format!(
                    "request {id} has no engagement to check against; set its engagement_id first"
                ),
            )
        };
        let engagement = r.engagement_id.ok_or_else(no_engagement)?;
        let fresh = self
            .assess_scope(ctx.org(), Some(engagement), &r.title, &r.body, Some(id))
            .await?
            .ok_or_else(no_engagement)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Request> {
                let mut r = visible_request(db, &ctx.principal, id, true)?;
                if r.engagement_id != Some(engagement) {
                    return Err(AppError::conflict(
                        "engagement_id",
                        "the request's engagement changed while it was checked; try again",
                    ));
                }
                let before = r.scope.clone();
                let record = match &before {
                    Some(old) => old.rechecked(fresh),
                    None => fresh,
                };
                requests::set_scope(db, ctx.org(), id, &record, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "request.scope_check")
                        .target("request", id.0)
                        .details(serde_json::json!({
                            "verdict": record.verdict, "confidence": record.confidence,
                            "brief_version": record.brief_version,
                            "previous": before.as_ref().map(|b| serde_json::json!({"verdict": b.verdict, "brief_version": b.brief_version})),
                        })),
                )?;
                r.scope = Some(record);
                r.updated_at = now;
                Ok(r)
            })
            .await
    }

    /// The quantities and caps the engagement's brief states, each with what has been used of it
    /// (in its current period when it renews), for the engagement page. One query per limit;
    /// a brief states a handful.
    pub async fn limit_use(&self, ctx: &Ctx, e: EngagementId) -> AppResult<Vec<LimitUse>> {
        let ctx = ctx.clone();
        let cache = self.scope_cache.clone();
        let now = self.now();
        self.store
            .read(move |db| limit_use_in(db, &ctx, &cache.briefs, e, now))
            .await
    }

    /// How often people agreed with the check, per verdict.
    pub async fn scope_accuracy(
        &self,
        ctx: &Ctx,
        client: Option<ClientId>,
        engagement: Option<EngagementId>,
    ) -> AppResult<Accuracy> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        let counts = self
            .store
            .read(move |db| store::confirmation_counts(db, org, client, engagement))
            .await?;
        Ok(rapport_core::scope::accuracy(&counts))
    }

    /// Out-of-scope work per client and engagement over time: billed vs absorbed.
    pub async fn scope_report(&self, ctx: &Ctx, q: ReportQuery) -> AppResult<ScopeReport> {
        ctx.require(Permission::ReadOrgWork)?;
        let interval = q.interval.unwrap_or(Interval::Month);
        let today = TimeZone::UTC.to_datetime(self.now()).date();
        let to = q.to.unwrap_or(today);
        let from = match q.from {
            Some(f) => f,
            None => to
                .first_of_month()
                .checked_sub(jiff::Span::new().months(11))
                .map_err(|e| AppError::invalid("to", e.to_string()))?,
        };
        let periods = report::periods(from, to, interval)
            .map_err(|m| AppError::invalid(if to < from { "to" } else { "from" }, m))?;
        let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
            return Err(AppError::invalid("to", "the range holds no day"));
        };
        let scope = ReportScope {
            client: q.client,
            engagement: q.engagement,
            from: first.start_instant(),
            to: last.end_instant(),
        };
        let org = ctx.org();
        let facts = self
            .store
            .read(move |db| store::report_facts(db, org, &scope))
            .await?;
        let (rows, totals) = report::build(&periods, &facts);
        Ok(ScopeReport {
            from,
            to,
            interval,
            rows,
            totals,
        })
    }
}

impl App {
    /// What the scope check would say of a sample request against a brief still being written
    /// (nothing is saved): its author tries the in and out items before saving them. The
    /// sample's first line is read as the request's title, the rest as its body.
    pub fn preview_scope(
        &self,
        ctx: &Ctx,
        brief: rapport_core::scope::Brief,
        sample: &str,
    ) -> AppResult<rapport_core::scope::Assessment> {
        ctx.require(Permission::ReadOrgWork)?;
        let mut v = validate::Violations::new();
        let brief = rapport_core::engagement::brief(brief, "brief", &mut v);
        v.finish(|| ())?;
        let sample = prefix(sample.trim(), MAX_BODY_BYTES);
        let (title, body) = sample.split_once('\n').unwrap_or((sample.as_str(), ""));
        Ok(rapport_core::scope::check(
            &brief,
            title.trim(),
            body.trim(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_core::scope::Brief;

    fn index() -> Arc<BriefIndex> {
        Arc::new(BriefIndex::new(&Brief::default(), &CheckConfig::default()))
    }

    #[test]
    fn the_cache_keeps_one_version_per_engagement_and_evicts_the_least_recent() {
        let c = BriefCache::new(2);
        let (o, e1, e2, e3) = (OrgId(1), EngagementId(1), EngagementId(2), EngagementId(3));
        c.put(o, e1, 1, index());
        c.put(o, e2, 1, index());
        assert!(c.get(o, e1, 1).is_some(), "e1 is now the most recent");
        assert!(c.get(o, e1, 2).is_none(), "another version is a miss");
        c.put(o, e3, 1, index());
        assert_eq!(c.len(), 2);
        assert!(c.get(o, e2, 1).is_none(), "e2 was the least recently used");
        assert!(c.get(o, e1, 1).is_some() && c.get(o, e3, 1).is_some());
        c.put(o, e1, 3, index());
        assert!(c.get(o, e1, 3).is_some());
        c.put(o, e1, 2, index());
        assert!(
            c.get(o, e1, 3).is_some(),
            "an older version never replaces a newer one"
        );
        assert!(
            c.get(OrgId(2), e1, 3).is_none(),
            "orgs do not share entries"
        );
    }

    #[test]
    fn prefixes_cut_on_character_boundaries() {
        assert_eq!(prefix("héllo", 2), "h");
        assert_eq!(prefix("héllo", 3), "hé");
        assert_eq!(prefix("abc", 64), "abc");
    }
}
