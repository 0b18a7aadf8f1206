//! `rapport bench seed`: write the benchmark workload ([`crate::workload`]) into a
//! database, in large transactions.
//!
//! The bulk path skips what only a live write needs (permission checks, reads that find nothing
//! on an empty history, jobs for clocks that stopped long ago) but writes the rows the live
//! paths leave behind: the request row with its tags, sentiment, complaint flag and SLA summary,
//! its FTS row (the engine's own trigger or generated column), the thread with each message's
//! FTS row, promises, time entries, ratings, and the audit events of `request.create` and
//! `message.create`.

use crate::workload::{PromiseOutcome, RequestPlan, Workload};
use jiff::{SignedDuration, Timestamp};
use rapport_core::access::{Actor, Principal, Role};
use rapport_core::audit::AuditEntry;
use rapport_core::calendar::CalendarSpec;
use rapport_core::client::{NewClient, NewContact};
use rapport_core::engagement::NewEngagement;
use rapport_core::ids::{ClientId, ContactId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::member::NewMember;
use rapport_core::message::{Direction, Message, SendStatus};
use rapport_core::money::Currency;
use rapport_core::promise::{Promise, PromiseStatus};
use rapport_core::rating::{Rating, RatingSource};
use rapport_core::request::{self as req, Channel, Request};
use rapport_core::time_entry::TimeEntry;
use rapport_store::Db;
use rapport_store::repo::{
    audit, clients, engagements, members, messages, promises, ratings, requests, time_entries,
};

use rapport_app::history::Derived;
use rapport_app::{App, AppError, AppResult, Ctx};

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub org: String,
    pub requests: u64,
    pub clients: usize,
    pub seed: u64,
    /// Requests per transaction.
    pub batch: u64,
    /// How many days the history spans; `None` for the workload's three years. A test that
    /// compares a small book with a larger one at the same pace of work gives the larger a
    /// longer history.
    pub history_days: Option<i64>,
}

/// The people and clients of the bench org, by workload index.
#[derive(Debug, Clone, Default)]
struct Cast {
    members: Vec<MemberId>,
    clients: Vec<(ClientId, EngagementId, Vec<ContactId>)>,
}

/// What was written.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SeedReport {
    pub org: String,
    pub owner_email: String,
    /// An API token for the owner, for `rapport bench run --token`.
    pub token: String,
    pub members: usize,
    pub clients: usize,
    pub contacts: usize,
    pub engagements: usize,
    pub requests: u64,
    pub messages: u64,
    pub promises: u64,
    pub ratings: u64,
    pub time_entries: u64,
    pub audit_events: u64,
}

impl SeedReport {
    fn add(&mut self, o: &SeedReport) {
        self.requests += o.requests;
        self.messages += o.messages;
        self.promises += o.promises;
        self.ratings += o.ratings;
        self.time_entries += o.time_entries;
        self.audit_events += o.audit_events;
    }
}

const ZONES: &[&str] = &[
    "Europe/London",
    "Asia/Kolkata",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Tokyo",
    "America/Sao_Paulo",
    "Australia/Sydney",
];

pub fn owner_email(org: &str) -> String {
    format!("owner@{org}.example")
}

/// Seed the workload into a new org; `progress` hears the number of requests written
/// after each transaction. Fails if the org exists.
pub async fn seed(
    app: &App,
    opts: &SeedOptions,
    mut progress: impl FnMut(u64),
) -> AppResult<SeedReport> {
    if opts.requests == 0 || opts.clients == 0 {
        return Err(AppError::invalid(
            "requests",
            "--requests and --clients must be at least 1",
        ));
    }
    if app.org_by_slug(&opts.org).await?.is_some() {
        return Err(AppError::conflict(
            "org",
            format!(
                "the organisation {:?} already exists in this database",
                opts.org
            ),
        ));
    }
    let org = app.create_org(&opts.org, "Bench Consulting").await?;
    let now = app.now();
    let mut w = Workload::new(opts.seed, opts.requests, opts.clients);
    if let Some(d) = opts.history_days {
        w.history_min = d.clamp(1, 100 * 366) * 24 * 60;
    }
    let start = now
        .checked_sub(SignedDuration::from_mins(w.history_min))
        .map_err(|e| AppError::internal("the start of the bench history", e))?;
    let slug = opts.org.clone();
    let members_n = w.members;
    let clients_n = w.clients;
    let contacts_n = w.contacts_per_client;
    let cast = app
        .history_store()
        .write(move |db| cast(db, org.id, &slug, members_n, clients_n, contacts_n, start))
        .await?;
    let mut report = SeedReport {
        org: opts.org.clone(),
        owner_email: owner_email(&opts.org),
        members: cast.members.len(),
        clients: cast.clients.len(),
        contacts: cast.clients.iter().map(|c| c.2.len()).sum(),
        engagements: cast.clients.len(),
        ..Default::default()
    };
    let ctx = app.ctx_for_member(org.id, cast.members[0]).await?;
    let (_, token) = app.create_token_for(&ctx, cast.members[0], "bench").await?;
    report.token = token;
    let cast = std::sync::Arc::new(cast);
    let w = std::sync::Arc::new(w);
    let batch = opts.batch.max(1);
    let mut from = 0u64;
    while from < opts.requests {
        let to = (from + batch).min(opts.requests);
        let (cast, w) = (cast.clone(), w.clone());
        // A plain transaction on the connection, not the group-commit writer's savepoint:
        // SQLite spends most of a large savepoint's time releasing statement savepoints.
        let part = app
            .history_store()
            .raw(move |db| {
                let begin = match db.engine() {
                    rapport_store::Engine::Sqlite => "BEGIN IMMEDIATE",
                    rapport_store::Engine::Postgres => "BEGIN",
                };
                db.batch(begin)?;
                let mut rep = SeedReport::default();
                let mut derived = Derived::default();
                let written = (from..to).try_for_each(|i| {
                    let plan = w.request(i);
                    seed_request(db, org.id, &cast, &plan, start, now, &mut derived, &mut rep)
                });
                match written {
                    Ok(()) => {
                        db.batch("COMMIT")?;
                        Ok(Ok(rep))
                    }
                    Err(e) => {
                        let _ = db.batch("ROLLBACK");
                        Ok(Err(e))
                    }
                }
            })
            .await??;
        report.add(&part);
        from = to;
        progress(from);
    }
    // PostgreSQL plans from table statistics, which a bulk load leaves stale until autovacuum
    // comes round: gather them now, as an operator would after a load.
    if app.history_store().engine() == rapport_store::Engine::Postgres {
        app.history_store()
            .raw(|db| {
                db.batch(
                    "ANALYZE requests, request_tags, request_care, messages, promises, ratings, \
                     time_entries, audit_events, clients, contacts, engagements, members",
                )
            })
            .await?;
    }
    Ok(report)
}

fn at(start: Timestamp, min: i64) -> Timestamp {
    start
        .checked_add(SignedDuration::from_mins(min))
        .unwrap_or(start)
}

fn cast(
    db: &mut Db<'_>,
    org: OrgId,
    slug: &str,
    members_n: usize,
    clients_n: usize,
    contacts_n: usize,
    at: Timestamp,
) -> AppResult<Cast> {
    let mut cast = Cast::default();
    for i in 0..members_n {
        let d = NewMember {
            email: if i == 0 {
                owner_email(slug)
            } else {
                format!("member{i}@{slug}.example")
            },
            name: format!("Member {i}"),
            role: match i {
                0 => Role::Owner,
                1 | 2 => Role::Manager,
                _ => Role::Agent,
            },
            tz: ZONES[i % ZONES.len()].into(),
            working_hours: None,
            weekly_capacity_minutes: Some(40 * 60),
            password: None,
        }
        .validate()?;
        cast.members
            .push(members::insert(db, org, &d, None, at)?.id);
    }
    for c in 0..clients_n {
        let tz = ZONES[c % ZONES.len()];
        let client = clients::insert(
            db,
            org,
            &NewClient {
                name: format!("Client {c:05}"),
                calendar: CalendarSpec {
                    tz: tz.into(),
                    hours: vec!["mon-fri 09:00-17:30".into()],
                    holidays: Vec::new(),
                    countries: Vec::new(),
                },
                locale: None,
                etiquette: None,
                notes: None,
            }
            .validate()?,
            at,
        )?;
        let mut contacts = Vec::new();
        for k in 0..contacts_n {
            let d = NewContact {
                client_id: client.id,
                name: format!("Contact {k} of client {c}"),
                email: format!("contact{k}@client{c}.example"),
                phone: None,
                etiquette: None,
                role: None,
            }
            .validate()?;
            contacts.push(clients::insert_contact(db, org, &d, None, at)?.id);
        }
        let e = engagements::insert(
            db,
            org,
            &NewEngagement {
                client_id: client.id,
                name: format!("Retainer {c:05}"),
                manager_id: Some(cast.members[1 % cast.members.len()]),
                team_member_ids: vec![],
                brief: None,
                currency: Currency::parse("EUR")
                    .map_err(|e| AppError::internal("the bench currency", e))?,
                hourly_rate_minor: Some(9_000),
                budget_minutes: None,
                budget_fee_minor: None,
                starts_on: None,
                ends_on: None,
                sla_policy: None,
                silence_policy: None,
                calendar: None,
            }
            .validate()?,
            at,
        )?;
        cast.clients.push((client.id, e.id, contacts));
    }
    Ok(cast)
}

#[allow(clippy::too_many_arguments)]
fn seed_request(
    db: &mut Db<'_>,
    org: OrgId,
    cast: &Cast,
    p: &RequestPlan,
    start: Timestamp,
    now: Timestamp,
    derived: &mut Derived,
    rep: &mut SeedReport,
) -> AppResult<()> {
    let (client, engagement, contacts) = &cast.clients[p.client];
    let contact = contacts[p.contact % contacts.len()];
    let assignee = p.assignee.map(|a| cast.members[a % cast.members.len()]);
    let worker = assignee.unwrap_or(cast.members[0]);
    let created = at(start, p.created_min).min(now);
    let created_by = match p.channel {
        Channel::Api => Actor::Member(cast.members[0]),
        _ => Actor::Contact(contact),
    };
    let times: Vec<(Direction, Timestamp)> = p
        .messages
        .iter()
        .map(|m| (m.direction, at(created, m.after_min).min(now)))
        .collect();
    let last = |d: Direction| times.iter().rev().find(|t| t.0 == d).map(|t| t.1);
    let delivered_at = p.delivered_after_min.map(|d| at(created, d).min(now));
    let closed_at = p
        .closed_after_delivery_min
        .zip(delivered_at)
        .map(|(c, d)| at(d, c).min(now));
    let spent = p.time.map_or(0, |t| t.minutes);
    let updated = [closed_at, delivered_at, times.last().map(|t| t.1)]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(created);
    let r = Request {
        id: RequestId(0),
        org_id: org,
        reference: String::new(),
        client_id: *client,
        engagement_id: Some(*engagement),
        contact_id: Some(contact),
        title: p.title.clone(),
        body: p.body.clone(),
        kind: p.kind,
        priority: p.priority,
        status: p.status,
        assignee_id: assignee,
        estimate_minutes: p.estimate_minutes,
        spent_minutes: spent,
        channel: p.channel,
        tags: p.tags.clone(),
        due_at: p.due_after_min.map(|d| at(created, d)),
        quick: false,
        scope: None,
        created_by,
        created_at: created,
        updated_at: updated,
        first_response_at: times
            .iter()
            .find(|t| t.0 == Direction::Outbound)
            .map(|t| t.1),
        last_inbound_at: last(Direction::Inbound),
        last_outbound_at: last(Direction::Outbound),
        delivered_at,
        closed_at,
    };
    let r = requests::insert(db, &r)?;
    rep.requests += 1;
    let principal = match created_by {
        Actor::Member(m) => Principal::Member {
            org_id: org,
            member_id: m,
            role: Role::Owner,
        },
        _ => Principal::Contact {
            org_id: org,
            contact_id: contact,
            client_id: *client,
            role: rapport_core::access::ContactRole::DEFAULT,
        },
    };
    let ctx = Ctx::new(principal, None);
    let sentiment = rapport_core::complaint::read(&r.body);
    derived.request_created(db, &ctx, &r, Some(&sentiment), created)?;
    derived.sla_summary(db, &r, now)?;
    audit::record(
        db,
        org,
        created,
        None,
        &AuditEntry::new(created_by, "request.create")
            .target("request", r.id.0)
            .details(serde_json::json!({"title": r.title, "client_id": r.client_id, "channel": r.channel})),
    )?;
    rep.audit_events += 1;
    let subject = format!("[#{}] {}", req::reference(r.id), r.title);
    for (m, (direction, t)) in p.messages.iter().zip(&times) {
        let author = match direction {
            Direction::Inbound => Actor::Contact(contact),
            _ => Actor::Member(worker),
        };
        let outbound = *direction == Direction::Outbound;
        let msg = messages::insert(
            db,
            &Message {
                id: Default::default(),
                org_id: org,
                request_id: r.id,
                direction: *direction,
                author,
                body: m.body.clone(),
                body_html: None,
                subject: Some(subject.clone()),
                mail_message_id: None,
                send_status: outbound.then_some(SendStatus::Sent),
                scheduled_for: None,
                sent_at: outbound.then_some(*t),
                sentiment: (*direction == Direction::Inbound)
                    .then(|| rapport_core::complaint::read(&m.body).sentiment.compound),
                created_at: *t,
            },
        )?;
        audit::record(
            db,
            org,
            *t,
            None,
            &AuditEntry::new(author, "message.create")
                .target("message", msg.id.0)
                .details(serde_json::json!({"request_id": r.id, "direction": direction})),
        )?;
        rep.messages += 1;
        rep.audit_events += 1;
    }
    if let Some(pp) = &p.promise {
        let due = at(created, pp.due_after_min);
        let mut promise = Promise {
            id: Default::default(),
            org_id: org,
            client_id: *client,
            request_id: Some(r.id),
            contact_id: Some(contact),
            kind: pp.kind,
            description: format!("{} for \"{}\"", pp.kind, r.title),
            due_at: due,
            made_by: worker,
            status: PromiseStatus::Open,
            kept_at: None,
            broken_at: None,
            margin_minutes: None,
            renegotiations: 0,
            created_at: created,
            updated_at: created,
        };
        match pp.outcome {
            PromiseOutcome::Open => {}
            PromiseOutcome::Kept(early) => {
                let kept = due
                    .checked_sub(SignedDuration::from_mins(early))
                    .unwrap_or(due)
                    .clamp(created, now);
                if kept <= due {
                    let _ = promise.keep(kept);
                } else {
                    let _ = promise.break_at(due.min(now));
                }
            }
            PromiseOutcome::Broken => {
                let _ = promise.break_at(due.min(now));
            }
        }
        promises::insert(db, &promise)?;
        rep.promises += 1;
    }
    if let Some(t) = p.time {
        let started = at(created, t.after_min).min(now);
        time_entries::insert(
            db,
            &TimeEntry {
                id: Default::default(),
                org_id: org,
                member_id: worker,
                client_id: Some(*client),
                engagement_id: Some(*engagement),
                request_id: Some(r.id),
                started_at: started,
                minutes: t.minutes,
                billable: t.billable,
                note: String::new(),
                created_at: at(started, t.minutes).min(now),
            },
        )?;
        rep.time_entries += 1;
    }
    if let Some(rt) = p.rating {
        let when = delivered_at.unwrap_or(created);
        for (source, score, comment) in [
            (RatingSource::Team, rt.team, "Delivered as agreed."),
            (
                RatingSource::Client,
                rt.client,
                if rt.client >= 4 {
                    "Thank you, very helpful."
                } else {
                    "It took longer than we hoped."
                },
            ),
        ] {
            ratings::insert(
                db,
                &Rating {
                    id: Default::default(),
                    org_id: org,
                    request_id: r.id,
                    source,
                    contact_id: (source == RatingSource::Client).then_some(contact),
                    member_id: (source == RatingSource::Team).then_some(worker),
                    score,
                    comment: comment.into(),
                    created_at: when,
                },
            )?;
            rep.ratings += 1;
        }
    }
    Ok(())
}
