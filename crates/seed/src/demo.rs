//! The demo workspace: a small consultancy with clients in five time zones, so that a first
//! look at Rapport shows the relationship side (etiquette, promises, scope, ratings), not an
//! empty screen. Deterministic: the same seed gives the same workspace relative to `now`.

use jiff::{SignedDuration, Timestamp};
use rapport_core::access::{Actor, Role};
use rapport_core::audit::AuditEntry;
use rapport_core::calendar::CalendarSpec;
use rapport_core::client::{NewClient, NewContact};
use rapport_core::engagement::NewEngagement;
use rapport_core::etiquette::{ClientEtiquette, ContactEtiquette, GlossaryEntry, Tone};
use rapport_core::ids::{ClientId, ContactId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::member::{Member, NewMember};
use rapport_core::message::{Direction, Message, SendStatus};
use rapport_core::money::Currency;
use rapport_core::promise::{Promise, PromiseKind, PromiseStatus};
use rapport_core::rating::{Rating, RatingSource};
use rapport_core::request::{self as req, Channel, Kind, Priority, Request, Status};
use rapport_core::scope::{Brief, ScopeItem, ScopeKind};
use rapport_core::time_entry::TimeEntry;
use rapport_store::repo::{
    audit, clients, clocks, engagements, messages, promises, ratings, requests, time_entries,
};

use rapport_app::auth::hash_password;
use rapport_app::history::Derived;
use rapport_app::{App, AppError, AppResult, Ctx};

pub const DEMO_ORG: &str = "northwind";
pub const DEMO_PASSWORD: &str = "rapport-demo-2026";
pub const DEMO_OWNER: &str = "ada@northwind.example";
pub const DEMO_CONTACT: &str = "priya.mehta@kaveri.example";
/// Days of health history the demo starts with.
const HEALTH_HISTORY_DAYS: i64 = 56;

/// What the demo created, for the operator.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoReport {
    pub org: String,
    pub members: usize,
    pub clients: usize,
    pub contacts: usize,
    pub engagements: usize,
    pub requests: usize,
    pub messages: usize,
    pub promises: usize,
    pub ratings: usize,
    pub time_entries: usize,
    pub sign_in: String,
    pub portal_sign_in: String,
    pub password: String,
}

/// A tiny deterministic generator (xorshift64*): the demo must not change between builds.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// name, email, preferred name, form of address, forms to avoid.
type DemoContact = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static [&'static str],
);

struct ClientPlan {
    name: &'static str,
    tz: &'static str,
    locale: &'static str,
    hours: &'static [&'static str],
    countries: &'static [&'static str],
    tone: Tone,
    avoid: &'static [&'static str],
    glossary: &'static [(&'static str, &'static str)],
    contacts: &'static [DemoContact],
    engagement: &'static str,
    currency: &'static str,
    rate_minor: i64,
    budget_hours: i64,
    brief: &'static str,
    scope_in: &'static [&'static str],
    scope_out: &'static [&'static str],
    asks: &'static [(&'static str, Kind)],
}

const PLANS: &[ClientPlan] = &[
    ClientPlan {
        name: "Kaveri Foods",
        tz: "Asia/Kolkata",
        locale: "en-IN",
        hours: &["mon-fri 09:30-18:00", "sat 10:00-13:00"],
        countries: &["IN"],
        tone: Tone::Formal,
        avoid: &["Dear Sir/Madam"],
        glossary: &[
            ("okra", "ladies' fingers"),
            ("aubergine", "brinjal"),
            ("zucchini", "courgette"),
        ],
        contacts: &[
            (
                "Priya Mehta",
                DEMO_CONTACT,
                Some("Dr Mehta"),
                Some("Dr"),
                &["ma'am", "madam", "Priya"],
            ),
            (
                "Arjun Rao",
                "arjun.rao@kaveri.example",
                Some("Arjun"),
                None,
                &[],
            ),
        ],
        engagement: "Supply-chain dashboards 2026",
        currency: "INR",
        rate_minor: 650_000,
        budget_hours: 320,
        brief: "Build and run the weekly supply-chain dashboards for Kaveri's fresh produce lines, fed from their ERP exports.",
        scope_in: &[
            "Weekly supply-chain dashboard for fresh produce (ladies' fingers, brinjal, tomatoes)",
            "Data pipeline from the ERP nightly CSV export",
            "Fixes to dashboard bugs and data errors",
            "Questions about figures in the dashboards",
        ],
        scope_out: &[
            "Mobile app development",
            "Changes to the ERP system itself",
            "Marketing campaign analytics",
        ],
        asks: &[
            ("Brinjal volumes look doubled in week 14", Kind::Bug),
            (
                "Add a region filter to the produce dashboard",
                Kind::Feature,
            ),
            (
                "Can we get the ladies' fingers wastage figures by depot?",
                Kind::Data,
            ),
            (
                "Why does the Pune depot show no deliveries on Monday?",
                Kind::Question,
            ),
            ("Nightly CSV import failed again", Kind::Bug),
            (
                "Could you build us a small mobile app for depot managers?",
                Kind::Feature,
            ),
            ("Monthly board pack extract", Kind::Data),
            ("Dashboard very slow this morning", Kind::Complaint),
        ],
    },
    ClientPlan {
        name: "Halvorsen Analytics",
        tz: "Europe/Oslo",
        locale: "nb-NO",
        hours: &["mon-fri 08:00-16:00"],
        countries: &[],
        tone: Tone::Informal,
        avoid: &[],
        glossary: &[],
        contacts: &[(
            "Ingrid Halvorsen",
            "ingrid@halvorsen.example",
            Some("Ingrid"),
            None,
            &["Ms Halvorsen"],
        )],
        engagement: "Survey data platform",
        currency: "EUR",
        rate_minor: 12_500,
        budget_hours: 200,
        brief: "Maintain the survey ingestion platform and produce quarterly research datasets.",
        scope_in: &[
            "Survey ingestion pipeline maintenance",
            "Quarterly research dataset exports",
            "Bug fixes in the ingestion platform",
        ],
        scope_out: &[
            "New survey tools or questionnaires",
            "Statistical consulting and report writing",
        ],
        asks: &[
            ("Q2 dataset export with weights", Kind::Data),
            ("Ingestion drops rows with emoji in free text", Kind::Bug),
            (
                "Can you write the methodology section for our report?",
                Kind::Feature,
            ),
            ("Which weighting scheme did we use in Q1?", Kind::Question),
            ("Add Finnish translations to the survey form", Kind::Feature),
        ],
    },
    ClientPlan {
        name: "Brightwater Legal LLP",
        tz: "America/New_York",
        locale: "en-US",
        hours: &["mon-fri 08:30-18:00"],
        countries: &["US"],
        tone: Tone::Formal,
        avoid: &["buddy", "guys"],
        glossary: &[],
        contacts: &[
            (
                "Marcus Bell",
                "marcus.bell@brightwater.example",
                Some("Mr Bell"),
                Some("Mr"),
                &["Marcus"],
            ),
            (
                "Jennifer Ortiz",
                "jennifer.ortiz@brightwater.example",
                Some("Jennifer"),
                None,
                &["ma'am"],
            ),
        ],
        engagement: "Matter intake portal",
        currency: "USD",
        rate_minor: 18_000,
        budget_hours: 400,
        brief: "Build and support the client matter intake portal and its document upload workflow.",
        scope_in: &[
            "Matter intake portal features",
            "Document upload workflow",
            "Bug fixes and support for the intake portal",
            "Accessibility fixes",
        ],
        scope_out: &[
            "Billing system integration",
            "E-discovery tooling",
            "Hosting migration",
        ],
        asks: &[
            ("Upload fails for PDFs over 20 MB", Kind::Bug),
            ("Add conflict-check step to intake", Kind::Feature),
            ("Integrate intake with our billing system", Kind::Feature),
            ("Screen reader skips the consent checkbox", Kind::Bug),
            ("How long are uploaded documents retained?", Kind::Question),
            (
                "Nobody answered my question from last week",
                Kind::Complaint,
            ),
        ],
    },
    ClientPlan {
        name: "Koala Coast Retail",
        tz: "Australia/Sydney",
        locale: "en-AU",
        hours: &["mon-fri 09:00-17:30"],
        countries: &["AU"],
        tone: Tone::Informal,
        avoid: &[],
        glossary: &[
            ("fall", "autumn"),
            ("cell phone", "mobile"),
            ("vacation", "holiday"),
        ],
        contacts: &[(
            "Liam O'Connor",
            "liam@koalacoast.example",
            Some("Liam"),
            None,
            &[],
        )],
        engagement: "Seasonal campaign site",
        currency: "AUD",
        rate_minor: 16_000,
        budget_hours: 150,
        brief: "Design and run the seasonal campaign landing pages and their analytics.",
        scope_in: &[
            "Seasonal campaign landing pages (autumn, winter, summer sales)",
            "Campaign analytics dashboards",
            "Copy and image updates on campaign pages",
        ],
        scope_out: &[
            "Online store platform changes",
            "Paid social advertising management",
        ],
        asks: &[
            ("Swap the hero image on the autumn sale page", Kind::Other),
            ("Campaign dashboard missing Sunday conversions", Kind::Bug),
            ("Run our Instagram ads for the winter sale", Kind::Feature),
            ("New landing page for the summer clearance", Kind::Feature),
        ],
    },
    ClientPlan {
        name: "Sakura Robotics",
        tz: "Asia/Tokyo",
        locale: "ja-JP",
        hours: &["mon-fri 09:00-18:00"],
        countries: &["JP"],
        tone: Tone::Formal,
        avoid: &[],
        glossary: &[],
        contacts: &[(
            "Kenji Tanaka",
            "k.tanaka@sakura-robotics.example",
            Some("Tanaka-san"),
            None,
            &["Kenji"],
        )],
        engagement: "Fleet telemetry analysis",
        currency: "JPY",
        rate_minor: 22_000,
        budget_hours: 240,
        brief: "Analyse warehouse robot telemetry and report on fleet utilisation monthly.",
        scope_in: &[
            "Monthly fleet utilisation report",
            "Telemetry data cleaning and anomaly flags",
            "Questions about the telemetry analysis",
        ],
        scope_out: &["Robot firmware changes", "Real-time monitoring dashboards"],
        asks: &[
            ("October utilisation report", Kind::Data),
            ("Anomaly flags missing for robot R-17", Kind::Bug),
            (
                "Could you build a real-time fleet dashboard?",
                Kind::Feature,
            ),
            (
                "What is the definition of idle time in the report?",
                Kind::Question,
            ),
        ],
    },
];

/// The client's first words on a request.
const OPENINGS: &[&str] = &[
    "Hello, could you take a look at this when you have a moment? Thank you.",
    "We noticed this again this morning, please advise.",
    "This is getting urgent for us, the board meets on Friday.",
];
/// The client chasing work we have acknowledged.
const CHASE: &str = "Following up on this one: is there any news?";
/// The client after the work was delivered.
const THANKS: &[&str] = &[
    "Thanks, that works for us.",
    "Great work, the team is happy with it.",
];
const ACK: &str =
    "Thank you for flagging this. We are looking into it and will come back to you by tomorrow.";
const UPDATE: &str = "Quick update: still in progress, on track for the date we agreed.";
const FIX: &str = "We have found the cause and deployed a fix; could you check on your side?";
const EXTRACT: &str = "Here is the extract you asked for, with the notes on how it was built.";
const ANSWER: &str = "Here is the answer, with the figures it rests on.";

const NOTES: &[&str] = &[
    "Checked the ERP export: two files arrived for the same night.",
    "Client prefers a call before any change to the dashboards.",
    "Estimate assumes we can reuse last quarter's pipeline.",
];

/// Fill the database with the demo workspace. Fails if the demo org already exists.
pub async fn seed(app: &App) -> AppResult<DemoReport> {
    if app.org_by_slug(DEMO_ORG).await?.is_some() {
        return Err(AppError::conflict(
            "org",
            "the demo organisation already exists in this database",
        ));
    }
    let org = app.create_org(DEMO_ORG, "Northwind Studio").await?;
    // One hash for every demo login: argon2 is slow by design and the password is public.
    let hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| AppError::internal("hashing the demo password", e))??;
    let now = app.now();
    let report = app
        .history_store()
        .write(move |db| -> AppResult<DemoReport> {
            let mut rng = Rng(0x5eed_2026_u64);
            let mut rep = DemoReport {
                org: DEMO_ORG.into(),
                sign_in: DEMO_OWNER.into(),
                portal_sign_in: DEMO_CONTACT.into(),
                password: DEMO_PASSWORD.into(),
                ..Default::default()
            };
            let people = [
                (
                    "Ada Okafor",
                    DEMO_OWNER,
                    Role::Owner,
                    "Europe/London",
                    32 * 60,
                ),
                (
                    "Ravi Menon",
                    "ravi@northwind.example",
                    Role::Manager,
                    "Asia/Kolkata",
                    40 * 60,
                ),
                (
                    "Lucía Fernández",
                    "lucia@northwind.example",
                    Role::Agent,
                    "Europe/Madrid",
                    40 * 60,
                ),
                (
                    "Sam Whitaker",
                    "sam@northwind.example",
                    Role::Agent,
                    "America/Chicago",
                    30 * 60,
                ),
            ];
            let mut members: Vec<Member> = Vec::new();
            for (name, email, role, tz, cap) in people {
                let d = NewMember {
                    email: email.into(),
                    name: name.into(),
                    role,
                    tz: tz.into(),
                    working_hours: None,
                    weekly_capacity_minutes: Some(cap),
                    password: None,
                }
                .validate()?;
                let m = rapport_store::repo::members::insert(db, org.id, &d, Some(&hash), now)?;
                members.push(m);
            }
            rep.members = members.len();
            // Ada signs her replies: her account page shows it, and her email replies carry it.
            let ada = &mut members[0];
            ada.signature = Some("Ada Okafor\nNorthwind Studio, London".into());
            rapport_store::repo::members::update(db, ada)?;
            // Sam is away for three days next week: his page lists it, and his capacity and
            // suggested dates leave those days out.
            let sam = &members[3];
            if let Ok(tz) = jiff::tz::TimeZone::get(&sam.tz) {
                let today = now.to_zoned_datetime(tz).date();
                let day = |n: i64| today.checked_add(jiff::Span::new().days(n));
                if let (Ok(starts_on), Ok(ends_on)) = (day(7), day(9)) {
                    let draft = rapport_core::absence::AbsenceDraft {
                        starts_on,
                        ends_on,
                        note: "Leave".into(),
                    };
                    rapport_store::repo::absences::insert(db, org.id, sam.id, &draft, sam.id, now)?;
                }
            }
            let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
            for plan in PLANS {
                seed_client(db, org.id, plan, &ids, &hash, now, &mut rng, &mut rep)?;
            }
            audit::record(
                db,
                org.id,
                now,
                None,
                &AuditEntry::new(Actor::System, "demo.seed")
                    .details(serde_json::json!({"requests": rep.requests})),
            )?;
            Ok(rep)
        })
        .await?;
    enrich(app, org.id).await?;
    health_history(app, org.id).await?;
    inbox(app, org.id).await?;
    Ok(report)
}

/// Ada's inbox: what a morning's notifications look like (a colleague's @mention, a client
/// writing back on her work, a request handed to her), two unread and one read. Recorded as
/// already mailed: the demo sends nobody mail.
async fn inbox(app: &App, org: OrgId) -> AppResult<()> {
    use rapport_core::notification::{MailState, NewNotification, NotificationKind};
    use rapport_store::repo::notifications;
    let now = app.now();
    app.history_store()
        .write(move |db| -> AppResult<()> {
            let ids: Vec<(MemberId, String)> = db.query_map(
                "SELECT id, email FROM members WHERE org_id = $1 ORDER BY id",
                rapport_store::params![org],
                |r| Ok((r.get("id")?, r.get("email")?)),
            )?;
            let Some(ada) = ids.iter().find(|(_, e)| e == DEMO_OWNER).map(|(id, _)| *id) else {
                return Ok(());
            };
            let ravi = ids.iter().find(|(_, e)| e.starts_with("ravi@")).map(|(id, _)| *id);
            let open: Vec<(RequestId, String)> = db.query_map(
                "SELECT id, title FROM requests WHERE org_id = $1 AND status <> 'closed' ORDER BY id LIMIT 3",
                rapport_store::params![org],
                |r| Ok((r.get("id")?, r.get("title")?)),
            )?;
            let said = [
                (NotificationKind::Assigned, "Ravi Menon assigned you", ravi, 95, true),
                (NotificationKind::ClientReplied, "The client wrote on", None, 40, false),
                (
                    NotificationKind::Mentioned,
                    "Ravi Menon mentioned you on",
                    ravi,
                    12,
                    false,
                ),
            ];
            for ((kind, words, actor, minutes_ago, read), (rid, title)) in said.into_iter().zip(open) {
                let mut message = format!("{words} #{rid} \"{title}\"");
                if kind == NotificationKind::Mentioned {
                    message.push_str(": \"@ada can you confirm the date with them before Friday?\"");
                }
                let at = ago(now, minutes_ago);
                let id = notifications::insert(
                    db,
                    org,
                    &NewNotification {
                        member_id: ada,
                        kind,
                        request_id: Some(rid),
                        subject_kind: None,
                        subject_id: None,
                        message,
                        actor_id: actor,
                    },
                    MailState::Pending,
                    at,
                )?;
                notifications::set_mailed(db, org, ada, &[id], MailState::Sent, at)?;
                if read {
                    notifications::mark_read(db, org, ada, id, later(at, 5))?;
                }
            }
            Ok(())
        })
        .await
}

/// Each client's health as it stood at this time of day on each of the last
/// [`HEALTH_HISTORY_DAYS`] days (the scores count only what had happened by then), then now:
/// the trend a firm using Rapport for two months would see.
async fn health_history(app: &App, org: OrgId) -> AppResult<()> {
    let now = app.now();
    app.history_store()
        .write(move |db| -> AppResult<()> {
            let mut derived = Derived::default();
            for client in rapport_store::repo::health::client_ids(db, org)? {
                for days in (1..=HEALTH_HISTORY_DAYS).rev() {
                    let at = ago(now, days * 24 * 60);
                    derived.health_at(db, org, client, at)?;
                }
                derived.health_at(db, org, client, now)?;
            }
            Ok(())
        })
        .await
}

/// Run the demo's requests through what live intake does (scope check, sentiment and the
/// complaint flag), and price some out-of-scope work as change orders, so every view of the
/// demo has something true to show.
async fn enrich(app: &App, org: OrgId) -> AppResult<()> {
    let ids: Vec<RequestId> = app
        .history_store()
        .read(move |db| {
            db.query_map(
                "SELECT id FROM requests WHERE org_id = $1 ORDER BY id",
                rapport_store::params![org],
                |r| r.get("id"),
            )
        })
        .await?;
    let mut out_of_scope: Vec<Request> = Vec::new();
    for id in ids {
        let r = app
            .history_store()
            .read(move |db| requests::get(db, org, id))
            .await?;
        let scope = app
            .assess_scope(org, r.engagement_id, &r.title, &r.body, Some(r.id))
            .await?;
        let sentiment = rapport_app::care::score_body(&r.body).await?;
        let contact = r.contact_id.unwrap_or_default();
        let ctx = Ctx::new(
            rapport_core::access::Principal::Contact {
                org_id: org,
                contact_id: contact,
                client_id: r.client_id,
                role: rapport_core::access::ContactRole::DEFAULT,
            },
            None,
        );
        let mut r2 = r.clone();
        r2.scope = scope.clone();
        if r2
            .scope
            .as_ref()
            .is_some_and(|s| s.verdict == rapport_core::scope::Verdict::Out)
            && r2.status.is_open()
        {
            out_of_scope.push(r2.clone());
        }
        app.history_store()
            .write(move |db| -> AppResult<()> {
                if let Some(s) = &r2.scope {
                    requests::set_scope(db, org, r2.id, s, r2.created_at)?;
                }
                Derived::default().request_created(db, &ctx, &r2, sentiment.as_ref(), r2.created_at)
            })
            .await?;
    }
    // One change order per engagement with out-of-scope work: the first client approves,
    // the others are waiting on the client.
    let manager = app
        .history_store()
        .read(move |db| {
            rapport_store::repo::members::by_email_with_hash(db, org, "ravi@northwind.example")
        })
        .await?
        .map(|(m, _)| m.id)
        .ok_or_else(|| AppError::bug("the demo manager is missing"))?;
    let ctx = app.ctx_for_member(org, manager).await?;
    let mut done = std::collections::HashSet::new();
    for r in out_of_scope {
        let Some(engagement) = r.engagement_id else {
            continue;
        };
        if !done.insert(engagement) {
            continue;
        }
        let co = app
            .create_change_order(
                &ctx,
                rapport_core::change_order::NewChangeOrder {
                    engagement_id: engagement,
                    request_ids: vec![r.id],
                    title: format!("Change order: {}", r.title),
                    description: format!(
                        "Outside the agreed brief: {}. Estimated at 12 hours.",
                        r.title
                    ),
                    estimate_minutes: 12 * 60,
                    rate_minor: None,
                },
            )
            .await?;
        app.send_change_order(&ctx, co.id).await?;
        if done.len() == 1 {
            let contact = r.contact_id.unwrap_or_default();
            let contact_ctx = Ctx::new(
                rapport_core::access::Principal::Contact {
                    org_id: org,
                    contact_id: contact,
                    client_id: r.client_id,
                    role: rapport_core::access::ContactRole::DEFAULT,
                },
                None,
            );
            app.decide_change_order(
                &contact_ctx,
                co.id,
                true,
                rapport_core::change_order::DecisionInput {
                    note: Some("Approved, thank you for asking first.".into()),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// One message of a request's story, and the status the request moves to with it.
struct Step {
    direction: Direction,
    body: &'static str,
    moves_to: Option<Status>,
}

fn step(direction: Direction, body: &'static str, moves_to: Option<Status>) -> Step {
    Step {
        direction,
        body,
        moves_to,
    }
}

/// What happened on a request that reached `status`, in order: the client asks; we
/// acknowledge (triaged, then in progress); we work, with a note, a chase from the client and
/// our update; we deliver (or ask the client to check: waiting on them); the client thanks us.
fn story(status: Status, kind: Kind, rng: &mut Rng) -> Vec<Step> {
    use Direction::{Inbound, Note, Outbound};
    let opening = *rng.pick(OPENINGS);
    let mut out = vec![step(Inbound, opening, None)];
    if status == Status::New {
        return out;
    }
    out.push(step(Outbound, ACK, Some(Status::Triaged)));
    if status == Status::Triaged {
        return out;
    }
    if rng.chance(40) {
        let note = *rng.pick(NOTES);
        out.push(step(Note, note, None));
    }
    if rng.chance(40) {
        out.push(step(Inbound, CHASE, None));
        out.push(step(Outbound, UPDATE, None));
    }
    let delivery = match kind {
        Kind::Data => EXTRACT,
        Kind::Question => ANSWER,
        _ => FIX,
    };
    match status {
        Status::WaitingOnClient => out.push(step(Outbound, FIX, Some(Status::WaitingOnClient))),
        Status::Delivered | Status::Closed => {
            out.push(step(Outbound, delivery, Some(Status::Delivered)));
            if rng.chance(60) {
                let thanks = *rng.pick(THANKS);
                out.push(step(Inbound, thanks, None));
            }
        }
        _ => {}
    }
    out
}

/// `n` instants from `created`, strictly increasing and all before `now`: gaps of half an hour
/// to a working day, squeezed in proportion when the request is too young to hold them.
fn spaced_times(created: Timestamp, now: Timestamp, n: usize, rng: &mut Rng) -> Vec<Timestamp> {
    let mut gaps: Vec<i64> = (1..n).map(|_| 30 + rng.below(60 * 20) as i64).collect();
    let room = (now.as_second() - created.as_second()) / 60 * 9 / 10;
    let total: i64 = gaps.iter().sum();
    if total > room {
        for g in gaps.iter_mut() {
            *g = (*g * room / total).max(2);
        }
    }
    let mut t = created;
    let mut out = vec![t];
    for g in gaps {
        t = later(t, g);
        out.push(t);
    }
    out
}

fn ago(now: Timestamp, minutes: i64) -> Timestamp {
    now.checked_sub(SignedDuration::from_mins(minutes))
        .unwrap_or(now)
}

fn later(t: Timestamp, minutes: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_mins(minutes))
        .unwrap_or(t)
}

#[allow(clippy::too_many_arguments)]
fn seed_client(
    db: &mut rapport_store::Db<'_>,
    org: OrgId,
    plan: &ClientPlan,
    members: &[MemberId],
    hash: &str,
    now: Timestamp,
    rng: &mut Rng,
    rep: &mut DemoReport,
) -> AppResult<()> {
    let client = clients::insert(
        db,
        org,
        &NewClient {
            name: plan.name.into(),
            calendar: CalendarSpec {
                tz: plan.tz.into(),
                hours: plan.hours.iter().map(|s| s.to_string()).collect(),
                holidays: Vec::new(),
                countries: plan.countries.iter().map(|s| s.to_string()).collect(),
            },
            locale: Some(plan.locale.into()),
            etiquette: Some(ClientEtiquette {
                tone: plan.tone,
                language: Some(plan.locale.into()),
                avoid: plan.avoid.iter().map(|s| s.to_string()).collect(),
                glossary: plan
                    .glossary
                    .iter()
                    .map(|(ours, theirs)| GlossaryEntry {
                        ours: ours.to_string(),
                        theirs: theirs.to_string(),
                    })
                    .collect(),
            }),
            notes: None,
        }
        .validate()?,
        now,
    )?;
    rep.clients += 1;
    let mut contacts: Vec<ContactId> = Vec::new();
    for (name, email, preferred, form, avoid) in plan.contacts {
        let d = NewContact {
            client_id: client.id,
            name: name.to_string(),
            email: email.to_string(),
            phone: None,
            etiquette: Some(ContactEtiquette {
                preferred_name: preferred.map(str::to_string),
                form_of_address: form.map(str::to_string),
                avoid: avoid.iter().map(|s| s.to_string()).collect(),
            }),
            role: None,
        }
        .validate()?;
        contacts.push(clients::insert_contact(db, org, &d, Some(hash), now)?.id);
        rep.contacts += 1;
    }
    let mut items = Vec::new();
    for (i, t) in plan.scope_in.iter().enumerate() {
        items.push(ScopeItem {
            id: format!("in-{}", i + 1),
            kind: ScopeKind::In,
            text: t.to_string(),
        });
    }
    for (i, t) in plan.scope_out.iter().enumerate() {
        items.push(ScopeItem {
            id: format!("out-{}", i + 1),
            kind: ScopeKind::Out,
            text: t.to_string(),
        });
    }
    let currency = Currency::parse(plan.currency)
        .map_err(|e| AppError::internal("the demo plan's currency", e))?;
    let e = engagements::insert(
        db,
        org,
        &NewEngagement {
            client_id: client.id,
            name: plan.engagement.into(),
            manager_id: Some(members[1]),
            team_member_ids: members.iter().skip(1).take(2).copied().collect(),
            brief: Some(Brief {
                text: plan.brief.into(),
                items,
            }),
            currency,
            hourly_rate_minor: Some(plan.rate_minor),
            budget_minutes: Some(plan.budget_hours * 60),
            budget_fee_minor: Some(plan.budget_hours * plan.rate_minor),
            starts_on: None,
            ends_on: None,
            sla_policy: None,
            silence_policy: None,
            calendar: None,
        }
        .validate()?,
        now,
    )?;
    rep.engagements += 1;
    // About twenty requests per client, each with a life that fits its status.
    let count = 18 + rng.below(6) as usize;
    for n in 0..count {
        let (title, kind) = plan.asks[n % plan.asks.len()];
        let title = if n >= plan.asks.len() {
            format!("{title} ({})", n / plan.asks.len() + 1)
        } else {
            title.to_string()
        };
        seed_request(
            db, org, client.id, e.id, &contacts, members, &title, kind, now, rng, rep,
        )?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn seed_request(
    db: &mut rapport_store::Db<'_>,
    org: OrgId,
    client: ClientId,
    engagement: EngagementId,
    contacts: &[ContactId],
    members: &[MemberId],
    title: &str,
    kind: Kind,
    now: Timestamp,
    rng: &mut Rng,
    rep: &mut DemoReport,
) -> AppResult<()> {
    let statuses = [
        Status::New,
        Status::Triaged,
        Status::InProgress,
        Status::InProgress,
        Status::WaitingOnClient,
        Status::Delivered,
        Status::Delivered,
        Status::Closed,
        Status::Closed,
        Status::Closed,
    ];
    let status = *rng.pick(&statuses);
    let contact = *rng.pick(contacts);
    let created = ago(now, 60 * (2 + rng.below(24 * 45) as i64));
    let assignee = (status != Status::New).then(|| *rng.pick(&members[1..]));
    let worker = assignee.unwrap_or(members[1]);
    let priority = *rng.pick(&[
        Priority::Low,
        Priority::Normal,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ]);
    let estimate = Some(30 * (1 + rng.below(16) as i64));
    let story = story(status, kind, rng);
    let times = spaced_times(created, now, story.len(), rng);
    let opening = story[0].body;
    let mut r = Request {
        id: RequestId(0),
        org_id: org,
        reference: String::new(),
        client_id: client,
        engagement_id: Some(engagement),
        contact_id: Some(contact),
        title: title.to_string(),
        body: format!("{title}.\n\n{opening}"),
        kind,
        priority,
        status,
        assignee_id: assignee,
        estimate_minutes: estimate,
        spent_minutes: 0,
        channel: *rng.pick(&[
            Channel::Email,
            Channel::Email,
            Channel::Portal,
            Channel::Api,
        ]),
        tags: match kind {
            Kind::Bug => vec!["bug-triage".into()],
            Kind::Data => vec!["extract".into()],
            _ => vec![],
        },
        due_at: (rng.chance(60)).then(|| later(created, 60 * 24 * (2 + rng.below(14) as i64))),
        quick: false,
        scope: None,
        created_by: Actor::Contact(contact),
        created_at: created,
        updated_at: created,
        first_response_at: None,
        last_inbound_at: Some(created),
        last_outbound_at: None,
        delivered_at: None,
        closed_at: None,
    };
    let last = *times.last().unwrap_or(&created);
    for (step, at) in story.iter().zip(&times) {
        if step.moves_to == Some(Status::Delivered) {
            r.delivered_at = Some(*at);
        }
    }
    if status == Status::Closed {
        // Closed a while after the last word, and before now.
        let wait = ((now.as_second() - last.as_second()) / 2).min(24 * 3600);
        r.closed_at = Some(later(last, wait / 60).max(last));
    }
    let r = requests::insert(db, &r)?;
    rep.requests += 1;

    // The thread, in the order it happened: each message strictly after the one before, every
    // reply after the message it answers; the status moves with it, as live intake logs it.
    let mut first_reply = None;
    for (step, &t) in story.iter().zip(&times) {
        let author = match step.direction {
            Direction::Inbound => Actor::Contact(contact),
            _ => Actor::Member(worker),
        };
        messages::insert(
            db,
            &Message {
                id: Default::default(),
                org_id: org,
                request_id: r.id,
                direction: step.direction,
                author,
                body: step.body.to_string(),
                body_html: None,
                subject: Some(format!("[#{}] {}", req::reference(r.id), r.title)),
                mail_message_id: None,
                send_status: (step.direction == Direction::Outbound).then_some(SendStatus::Sent),
                scheduled_for: None,
                sent_at: (step.direction == Direction::Outbound).then_some(t),
                sentiment: None,
                created_at: t,
            },
        )?;
        match step.direction {
            Direction::Outbound => {
                first_reply.get_or_insert(t);
                requests::touch_outbound(db, org, r.id, t)?
            }
            Direction::Inbound => requests::touch_inbound(db, org, r.id, t)?,
            Direction::Note => {}
        }
        if let Some(s) = step.moves_to {
            clocks::log_status(db, org, r.id, t, s)?;
            if s == Status::Triaged && status != Status::Triaged {
                // Work starts a minute after the acknowledgement.
                clocks::log_status(db, org, r.id, later(t, 1), Status::InProgress)?;
            }
        }
        rep.messages += 1;
    }
    if let Some(at) = r.closed_at {
        clocks::log_status(db, org, r.id, at, Status::Closed)?;
    }

    // Promises: most requests got one. A reply promise is kept by the first reply and a
    // delivery promise by the delivery, when they came in time; past its due time without
    // either it broke there; other promises were kept when the work was done.
    if rng.chance(70) {
        let kind = *rng.pick(&[
            PromiseKind::Reply,
            PromiseKind::Delivery,
            PromiseKind::Delivery,
            PromiseKind::Proposal,
            PromiseKind::Call,
        ]);
        let made = match kind {
            PromiseKind::Delivery => first_reply.unwrap_or(created),
            _ => created,
        };
        let due = match kind {
            PromiseKind::Reply => later(made, 60 * (2 + rng.below(22) as i64)),
            _ => later(made, 60 * (8 + rng.below(24 * 7) as i64)),
        };
        let mut p = Promise {
            id: Default::default(),
            org_id: org,
            client_id: client,
            request_id: Some(r.id),
            contact_id: Some(contact),
            kind,
            description: format!("{} for \"{}\"", kind, r.title),
            due_at: due,
            made_by: worker,
            status: PromiseStatus::Open,
            kept_at: None,
            broken_at: None,
            margin_minutes: None,
            renegotiations: 0,
            created_at: made,
            updated_at: made,
        };
        let done = match kind {
            PromiseKind::Reply => first_reply,
            PromiseKind::Delivery => r.delivered_at,
            // A call or a proposal, some time between the promise and the end of the work.
            _ => (!status.is_open()).then(|| {
                let end = r.delivered_at.unwrap_or(now);
                let span = (end.as_second() - made.as_second()).max(60) / 60;
                later(made, rng.below(span as u64) as i64)
            }),
        };
        match done {
            Some(at) if at <= due && at <= now => {
                let _ = p.keep(at);
            }
            _ if due < now => {
                let _ = p.break_at(due);
            }
            _ if rng.chance(20) => {
                // Moved once, half-way to its date, while it could still be moved.
                let at = later(made, (due.as_second() - made.as_second()) / 120);
                let _ = p.renegotiate(later(due, 60 * 48), at.min(now));
            }
            _ => {}
        }
        promises::insert(db, &p)?;
        rep.promises += 1;
    }

    // Time spent, and ratings of delivered work from both sides.
    if status != Status::New {
        let spent = 15 * (1 + rng.below(12) as i64);
        let member = assignee.unwrap_or(members[1]);
        time_entries::insert(
            db,
            &TimeEntry {
                id: Default::default(),
                org_id: org,
                member_id: member,
                client_id: Some(client),
                engagement_id: Some(engagement),
                request_id: Some(r.id),
                started_at: later(first_reply.unwrap_or(created), 1),
                minutes: spent,
                billable: rng.chance(85),
                note: String::new(),
                created_at: later(first_reply.unwrap_or(created), 1 + spent).min(now),
            },
        )?;
        requests::add_spent(db, org, r.id, spent)?;
        rep.time_entries += 1;
    }
    if matches!(status, Status::Delivered | Status::Closed) && rng.chance(70) {
        let team = 3 + rng.below(3) as i64;
        let client_score = (team - rng.below(3) as i64).clamp(1, 5);
        let delivered = r.delivered_at.unwrap_or(now);
        for (source, score, comment, at) in [
            (RatingSource::Team, team, "Delivered as agreed.", delivered),
            (
                RatingSource::Client,
                client_score,
                if client_score >= 4 {
                    "Thank you, very helpful."
                } else {
                    "It took longer than we hoped."
                },
                // After the delivery, with the client's last word.
                last.max(delivered),
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
                    member_id: (source == RatingSource::Team)
                        .then_some(assignee.unwrap_or(members[1])),
                    score,
                    comment: comment.into(),
                    created_at: at,
                },
            )?;
            rep.ratings += 1;
        }
    }

    // The SLA clocks as they ran: each alert raised when the job would have raised it, over
    // the weeks the requests lived, not all at once when the demo starts.
    let r = requests::get(db, org, r.id)?;
    Derived::default().sla_replay(db, &r, now)?;
    Ok(())
}
