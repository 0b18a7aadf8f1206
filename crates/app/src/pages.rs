//! View models: everything one workspace page shows, read in ONE snapshot.
//!
//! A page used to call a dozen use cases, each its own read on its own connection, so it could
//! show a request from before a reply beside a thread from after it, and paid a round trip per
//! call. Each method here opens one `store.read` and calls, inside it, the same `*_in`
//! functions the separate use cases run (same access checks, same queries), so a page is one
//! consistent state. The navigation every page carries ([`Nav`]) is read in the same snapshot.
//!
//! Nothing imports this module: it sits on top of the use cases, beside `worker`.

use std::collections::HashMap;

use jiff::Timestamp;
use rapport_core::access::Permission;
use rapport_core::alert::AlertStatus;
use rapport_core::budget::Burn;
use rapport_core::canned::CannedReply;
use rapport_core::change_order::{ChangeOrder, ChangeOrderStatus};
use rapport_core::client::{Client, ClientView, Contact};
use rapport_core::complaint::ComplaintSummary;
use rapport_core::engagement::Engagement;
use rapport_core::ids::{ClientId, EngagementId, MessageId, RequestId};
use rapport_core::inbox::{AttachmentInfo, Mailbox, TriageStatus};
use rapport_core::member::Member;
use rapport_core::message::Message;
use rapport_core::promise::Promise;
use rapport_core::promise_stats::PromiseStats;
use rapport_core::rating::Rating;
use rapport_core::request::{Request, Status};
use rapport_core::scope::LimitUse;
use rapport_core::time_entry::TimeEntry;
use rapport_store::Db;

use crate::alerts::{AlertFilter, list_alerts_in};
use crate::automation::canned::list_canned_in;
use crate::budget::engagement_budget_in;
use crate::care::list_complaints_in;
use crate::change_orders::{ChangeOrderFilter, list_change_orders_in};
use crate::clocks::capacity::{SuggestQuery, suggest_due_in};
use crate::clocks::ledger::{GroupBy, promise_ledger_in};
use crate::clocks::office::{ClientNow, client_now_in};
use crate::clocks::silence::{SilentRequest, list_silence_in};
use crate::health::{ClientHealth, client_health_in};
use crate::mail::views::{attachments_of_listed_in, list_mailboxes_in, list_triage_in};
use crate::people::{
    client_record_in, find_clients_in, get_member_in, list_contacts_in, list_members_in,
};
use crate::promises::{PromiseFilter, list_promises_in};
use crate::ratings::request_ratings_in;
use crate::requests::{RequestFilter, RequestWithSla, list_requests_with_sla_in, messages_in};
use crate::scope::limit_use_in;
use crate::time::{TimeFilter, list_time_in};
use crate::work::{engagement_team_in, list_engagements_in};
use crate::{App, AppError, AppResult, Ctx, Listing, MAX_PAGE};

/// How many items a queue's count in the navigation shows before "+".
pub const COUNT_CAP: usize = 200;

/// The queues, in the navigation's order.
pub const QUEUES: [&str; 9] = [
    "mine",
    "unassigned",
    "sla",
    "silence",
    "change-orders",
    "complaints",
    "quick",
    "open",
    "snoozed",
];

/// The statuses of open work.
pub const OPEN: [Status; 4] = [
    Status::New,
    Status::Triaged,
    Status::InProgress,
    Status::WaitingOnClient,
];

/// The requests a queue lists, for the queues that are request listings (`silence`,
/// `change-orders` and `complaints` list other things, and unknown names nothing).
pub fn queue_filter(view: &str) -> Option<RequestFilter> {
    let open = OPEN.to_vec();
    let f = match view {
        "mine" => RequestFilter {
            statuses: open,
            assignee: Some("me".into()),
            ..Default::default()
        },
        "unassigned" => RequestFilter {
            statuses: open,
            assignee: Some("none".into()),
            ..Default::default()
        },
        "sla" => RequestFilter {
            statuses: open,
            sla_states: vec![
                rapport_core::sla::ClockStatus::AtRisk,
                rapport_core::sla::ClockStatus::Breached,
            ],
            sort: Some("sla_due".into()),
            ..Default::default()
        },
        "quick" => RequestFilter {
            quick: Some(true),
            ..Default::default()
        },
        "open" => RequestFilter {
            statuses: open,
            ..Default::default()
        },
        // What is snoozed, soonest back first would need the snooze's time as the sort key;
        // the view lists them newest first and says when each returns.
        "snoozed" => RequestFilter {
            snoozed: Some(true),
            ..Default::default()
        },
        _ => return None,
    };
    // Snoozed work is out of every other view until it returns.
    Some(RequestFilter {
        snoozed: f.snoozed.or(Some(false)),
        ..f
    })
}

/// Change orders sent to clients and not yet decided.
fn awaiting_change_orders(cursor: Option<String>) -> ChangeOrderFilter {
    ChangeOrderFilter {
        status: Some(ChangeOrderStatus::Sent),
        cursor,
        limit: Some(COUNT_CAP),
        ..Default::default()
    }
}

/// What the workspace's frame shows around every page: who is signed in, the queues' counts,
/// open alerts and triage, and for admins the mailboxes (the set-up banner names failing ones).
pub struct Nav {
    pub me: Member,
    /// Items in each of [`QUEUES`], at most [`COUNT_CAP`].
    pub counts: HashMap<&'static str, usize>,
    /// Open alerts (0 for those who may not read them).
    pub alerts: usize,
    /// The signed-in member's unread notifications.
    pub unread: i64,
    /// Open triage items (admins; 0 for others).
    pub triage: usize,
    /// The firm's mailboxes (admins; empty for others).
    pub mailboxes: Vec<Mailbox>,
}

fn nav_in(db: &mut Db<'_>, ctx: &Ctx, now: Timestamp) -> AppResult<Nav> {
    let me_id = ctx
        .principal
        .member_id()
        .ok_or(AppError::NotFound("member"))?;
    let me = get_member_in(db, ctx, me_id)?;
    let mut counts = HashMap::new();
    for view in QUEUES {
        let n = match view {
            "silence" => list_silence_in(db, ctx, Some(COUNT_CAP), now)?.len(),
            "complaints" => list_complaints_in(db, ctx, false, None, None, Some(COUNT_CAP), now)?
                .items
                .len(),
            "change-orders" => list_change_orders_in(db, ctx, awaiting_change_orders(None))?
                .items
                .len(),
            v => {
                let mut f = queue_filter(v).unwrap_or_default();
                f.limit = Some(COUNT_CAP);
                f.sort = None;
                list_requests_with_sla_in(db, ctx, f, now)?.items.len()
            }
        };
        counts.insert(view, n);
    }
    let alerts = if ctx.principal.allows(Permission::ReadOrgWork) {
        let f = AlertFilter {
            statuses: vec![AlertStatus::Open],
            limit: Some(COUNT_CAP),
            ..Default::default()
        };
        list_alerts_in(db, ctx, f)?.items.len()
    } else {
        0
    };
    let admin = ctx.principal.allows(Permission::ManageMembers);
    let (triage, mailboxes) = if admin {
        (
            list_triage_in(db, ctx, Some(TriageStatus::Open), None, COUNT_CAP)?
                .items
                .len(),
            list_mailboxes_in(db, ctx)?,
        )
    } else {
        (0, Vec::new())
    };
    let unread = crate::notify::unread_in(db, ctx)?;
    Ok(Nav {
        me,
        counts,
        alerts,
        unread,
        triage,
        mailboxes,
    })
}

/// The request page: the request, its thread with files, promises, time, ratings, the client
/// and their clock, and what the composer and the assign form offer.
pub struct RequestPage {
    pub nav: Nav,
    pub request: Request,
    pub ratings: Vec<Rating>,
    pub messages: Listing<Message>,
    /// Each message's files, by message id (messages without files are absent).
    pub attachments: HashMap<i64, Vec<AttachmentInfo>>,
    pub client: Client,
    pub client_now: ClientNow,
    pub promises: Listing<Promise>,
    pub time: Listing<TimeEntry>,
    /// The firm's members (the page offers the active ones).
    pub members: Vec<Member>,
    pub canned: Listing<CannedReply>,
    pub assignee: Option<Member>,
    /// A due date the assignee (or, unassigned, the viewer) can keep, when one can be said.
    pub suggested_due: Option<Timestamp>,
    /// The newest message of the thread (`MessageId(0)`: none): the composer is written
    /// against it, so a reply is held when another message arrives first.
    pub last_message_id: MessageId,
    /// The other members who have the request open now (the page then polls for changes).
    pub others: Vec<rapport_core::presence::Presence>,
    /// The request's snooze, when it is snoozed now.
    pub snooze: Option<rapport_core::snooze::Snooze>,
}

/// How many messages, promises and time entries the request page shows.
const THREAD_PAGE: usize = 200;
const LEDGER_PAGE: usize = 50;

/// The client page: the record, their clock, contacts, engagements, health and promises kept.
pub struct ClientPage {
    pub nav: Nav,
    pub client: Client,
    pub client_now: ClientNow,
    pub contacts: Listing<Contact>,
    pub engagements: Listing<Engagement>,
    /// `None` when it cannot be computed.
    pub health: Option<ClientHealth>,
    /// The promise ledger's figures for this client, when it has promises.
    pub promise_stats: Option<PromiseStats>,
}

/// The engagement page: terms, budget burn, the brief's limits in use, change orders, team.
pub struct EngagementPage {
    pub nav: Nav,
    pub engagement: Engagement,
    pub burn: Burn,
    pub client: Client,
    pub limits: Vec<LimitUse>,
    pub change_orders: Listing<ChangeOrder>,
    pub manager: Option<Member>,
    pub team: Vec<Member>,
    /// Whether new requests are assigned automatically.
    pub assignment: crate::assignment::AutoAssignSetting,
}

/// Which queue to list, and how.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// One of [`QUEUES`].
    pub view: String,
    /// For the request listings: the queue's filter with the page's sort and filters applied.
    pub filter: RequestFilter,
    pub cursor: Option<String>,
}

/// A queue's rows, as the listing behind the view gives them.
pub enum QueueRows {
    Silence(Vec<SilentRequest>),
    ChangeOrders(Listing<ChangeOrder>),
    Complaints(Listing<ComplaintSummary>),
    /// A filter the listing refuses (a bad sort or cursor) is the page's to show, not a failure.
    Requests(Result<Listing<RequestWithSla>, AppError>),
}

impl QueueRows {
    fn request_ids(&self) -> Vec<RequestId> {
        match self {
            QueueRows::Requests(Ok(l)) => l.items.iter().map(|r| r.request.id).collect(),
            _ => Vec::new(),
        }
    }
}

/// The queue page, with what the "Get started" list needs.
pub struct QueuePage {
    pub nav: Nav,
    pub rows: QueueRows,
    /// The clients, oldest first, up to a listing's most (for names and the client filter).
    pub clients: Vec<ClientView>,
    pub members: Vec<Member>,
    /// `None` for members who cannot set the firm up.
    pub get_started: Option<GetStarted>,
    /// The snoozes of the rows that are snoozed (the Snoozed view says when each returns).
    pub snoozes: HashMap<RequestId, rapport_core::snooze::Snooze>,
}

/// What a new firm has set up so far.
pub struct GetStarted {
    /// May invite members and connect mailboxes (the admins' steps are shown).
    pub admin: bool,
    pub team_invited: bool,
    pub first_client: Option<ClientId>,
    pub has_contacts: bool,
    pub has_engagements: bool,
    /// The mail set-up, admins' to do: `true` for others, so their list is not held open.
    pub has_mailbox: bool,
    pub has_canned: bool,
}

impl App {
    /// The navigation alone, for pages that have no model of their own yet.
    pub async fn nav(&self, ctx: &Ctx) -> AppResult<Nav> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store.read(move |db| nav_in(db, &ctx, now)).await
    }

    /// Everything the request page shows, in one snapshot. Another org's request, or one the
    /// caller may not see, is "not found", as from [`App::get_request`].
    pub async fn request_page(&self, ctx: &Ctx, id: RequestId) -> AppResult<RequestPage> {
        let ctx = ctx.clone();
        let now = self.now();
        let clocks = self.settings.clocks.clone();
        self.store
            .read(move |db| -> AppResult<RequestPage> {
                let p = ctx.principal;
                let request = crate::access::visible_request(db, &p, id, false)?;
                let ratings = request_ratings_in(db, &p, id)?;
                let messages = messages_in(db, &p, id, None, THREAD_PAGE)?;
                let attachments = attachments_of_listed_in(db, &ctx, &messages.items)?;
                let client = client_record_in(db, &ctx, request.client_id)?;
                let client_now =
                    client_now_in(db, &ctx, request.client_id, request.engagement_id, now)?;
                let promises = list_promises_in(
                    db,
                    &ctx,
                    PromiseFilter {
                        request: Some(id),
                        limit: Some(LEDGER_PAGE),
                        ..Default::default()
                    },
                    now,
                )?;
                let time = list_time_in(
                    db,
                    &ctx,
                    TimeFilter {
                        request: Some(id),
                        limit: Some(LEDGER_PAGE),
                        ..Default::default()
                    },
                )?;
                let members = list_members_in(db, &ctx, None, MAX_PAGE)?.items;
                let canned = list_canned_in(db, &ctx, None, MAX_PAGE)?;
                let assignee = match request.assignee_id {
                    Some(a) => Some(get_member_in(db, &ctx, a)?),
                    None => None,
                };
                // No suggestion is no error: the page offers a day from now instead.
                let suggested_due = suggest_due_in(
                    db,
                    &ctx,
                    SuggestQuery {
                        request_id: Some(id),
                        assignee_id: request.assignee_id.or(p.member_id()),
                        estimate_minutes: None,
                        priority: None,
                        margin_percent: None,
                    },
                    &clocks,
                    now,
                )
                .ok()
                .map(|d| d.suggestion.suggested);
                let last_message_id =
                    rapport_store::repo::messages::last_id(db, ctx.org(), id, p.is_member())?
                        .unwrap_or(MessageId(0));
                let others = crate::presence::others_in(db, &ctx, id, now)?;
                let snooze = crate::snooze::snooze_of_in(db, &ctx, id, now)?;
                let nav = nav_in(db, &ctx, now)?;
                Ok(RequestPage {
                    nav,
                    request,
                    ratings,
                    messages,
                    attachments,
                    client,
                    client_now,
                    promises,
                    time,
                    members,
                    canned,
                    assignee,
                    suggested_due,
                    last_message_id,
                    others,
                    snooze,
                })
            })
            .await
    }

    /// Everything the client page shows, in one snapshot.
    pub async fn client_page(&self, ctx: &Ctx, id: ClientId) -> AppResult<ClientPage> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<ClientPage> {
                let client = client_record_in(db, &ctx, id)?;
                let client_now = client_now_in(db, &ctx, id, None, now)?;
                let contacts = list_contacts_in(db, &ctx, Some(id), None, 100)?;
                let engagements = list_engagements_in(db, &ctx, Some(id), None, 100)?;
                let health = client_health_in(db, &ctx, id, now).ok();
                ctx.require(Permission::ReadOrgWork)?;
                let ledger = promise_ledger_in(db, ctx.org(), Some(GroupBy::Client), now)?;
                let promise_stats = ledger
                    .groups
                    .into_iter()
                    .find(|g| g.id == id.0)
                    .map(|g| g.stats);
                let nav = nav_in(db, &ctx, now)?;
                Ok(ClientPage {
                    nav,
                    client,
                    client_now,
                    contacts,
                    engagements,
                    health,
                    promise_stats,
                })
            })
            .await
    }

    /// Everything the engagement page shows, in one snapshot.
    pub async fn engagement_page(&self, ctx: &Ctx, id: EngagementId) -> AppResult<EngagementPage> {
        let ctx = ctx.clone();
        let now = self.now();
        let cache = self.scope_cache.clone();
        self.store
            .read(move |db| -> AppResult<EngagementPage> {
                let (engagement, burn) = engagement_budget_in(db, &ctx, id)?;
                let client = client_record_in(db, &ctx, engagement.client_id)?;
                let limits = limit_use_in(db, &ctx, &cache.briefs, id, now)?;
                let change_orders = list_change_orders_in(
                    db,
                    &ctx,
                    ChangeOrderFilter {
                        engagement: Some(id),
                        limit: Some(100),
                        ..Default::default()
                    },
                )?;
                let manager = match engagement.manager_id {
                    Some(m) => get_member_in(db, &ctx, m).ok(),
                    None => None,
                };
                let team = engagement_team_in(db, &ctx, id)?;
                let assignment = crate::assignment::setting_in(db, &ctx, id)?;
                let nav = nav_in(db, &ctx, now)?;
                Ok(EngagementPage {
                    nav,
                    engagement,
                    burn,
                    client,
                    limits,
                    change_orders,
                    manager,
                    team,
                    assignment,
                })
            })
            .await
    }

    /// A queue page, with the "Get started" list for those who set the firm up, in one
    /// snapshot.
    pub async fn queue_page(&self, ctx: &Ctx, q: QueueQuery) -> AppResult<QueuePage> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<QueuePage> {
                let rows = match q.view.as_str() {
                    "silence" => QueueRows::Silence(list_silence_in(db, &ctx, Some(100), now)?),
                    "change-orders" => QueueRows::ChangeOrders(list_change_orders_in(
                        db,
                        &ctx,
                        awaiting_change_orders(q.cursor.clone()),
                    )?),
                    "complaints" => {
                        let after = crate::cursor::after_id(q.cursor.as_deref())?;
                        QueueRows::Complaints(list_complaints_in(
                            db,
                            &ctx,
                            false,
                            None,
                            after,
                            Some(50),
                            now,
                        )?)
                    }
                    _ => match list_requests_with_sla_in(db, &ctx, q.filter.clone(), now) {
                        Err(e @ AppError::Invalid(_)) => QueueRows::Requests(Err(e)),
                        other => QueueRows::Requests(Ok(other?)),
                    },
                };
                let clients = find_clients_in(db, &ctx, None, None, MAX_PAGE)?.page.items;
                let members = list_members_in(db, &ctx, None, MAX_PAGE)?.items;
                let nav = nav_in(db, &ctx, now)?;
                let get_started = get_started_in(db, &ctx, &nav, &clients, &members)?;
                let snoozes = if q.view == "snoozed" {
                    crate::snooze::snoozes_of_in(db, &ctx, &rows.request_ids(), now)?
                        .into_iter()
                        .map(|s| (s.request_id, s))
                        .collect()
                } else {
                    HashMap::new()
                };
                Ok(QueuePage {
                    nav,
                    rows,
                    clients,
                    members,
                    get_started,
                    snoozes,
                })
            })
            .await
    }
}

/// What the firm has set up, for those who set it up; the navigation's mailboxes and the
/// clients and members the queue page has read already (oldest first) are not read again.
fn get_started_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    nav: &Nav,
    clients: &[ClientView],
    members: &[Member],
) -> AppResult<Option<GetStarted>> {
    if !ctx.principal.allows(Permission::ManageClients) {
        return Ok(None);
    }
    let admin = ctx.principal.allows(Permission::ManageMembers);
    let has_contacts = !list_contacts_in(db, ctx, None, None, 1)?.items.is_empty();
    let has_engagements = !list_engagements_in(db, ctx, None, None, 1)?
        .items
        .is_empty();
    // The mail set-up is the admins' part: only they can see it, so only they are asked.
    let (has_mailbox, has_canned) = if admin {
        (
            !nav.mailboxes.is_empty(),
            !list_canned_in(db, ctx, None, 1)?.items.is_empty(),
        )
    } else {
        (true, true)
    };
    Ok(Some(GetStarted {
        admin,
        team_invited: members.len() > 1,
        first_client: clients.first().map(|c| c.id),
        has_contacts,
        has_engagements,
        has_mailbox,
        has_canned,
    }))
}
