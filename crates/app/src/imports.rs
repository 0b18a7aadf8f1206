//! CSV import of clients, contacts and requests: every row is checked (its fields, and against
//! the database: duplicates, unknown clients and contacts) before anything is written; a dry
//! run reports each rejected row and why; an import applies in one transaction, all or nothing.

use std::collections::{HashMap, HashSet};

use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_core::csv::{self as core, Header, ImportKind, Record, RowError};
use rapport_core::ids::{ClientId, ContactId, RequestId};
use rapport_core::request::Channel;
use rapport_core::validate::{FieldError, Violations};
use rapport_store::Db;
use rapport_store::repo::import_holds::{self, Held};
use rapport_store::repo::{clients, messages, requests};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, AppResult, Ctx};

/// Rejected rows listed in one answer at most (the count is always exact).
pub const MAX_LISTED: usize = 1000;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: ImportKind,
    /// Data rows read (the header not counted).
    pub rows: usize,
    /// Rows that would be (or were) imported.
    pub accepted: usize,
    /// Rows rejected, with the line, column and reason (at most 1000 listed).
    pub rejected: Vec<RowError>,
    pub rejected_count: usize,
    /// Whether anything was written (never with a dry run, never with a rejected row).
    pub applied: bool,
}

/// A checked row, ready to insert.
enum Ready {
    Client(rapport_core::client::ClientDraft),
    Contact(rapport_core::client::ContactDraft),
    Request(ClientId, rapport_core::request::RequestDraft),
}

fn row_errors(line: usize, v: Violations) -> Vec<RowError> {
    v.0.into_iter()
        .map(|f| RowError {
            line,
            column: f.field,
            message: f.message,
        })
        .collect()
}

/// What the database already holds that rows are checked against.
struct Known {
    clients: HashMap<String, ClientId>,
    /// email -> (contact, client)
    contacts: HashMap<String, (ContactId, ClientId)>,
}

fn known(db: &mut Db<'_>, org: rapport_core::ids::OrgId) -> AppResult<Known> {
    let clients = db
        .query_map(
            "SELECT name, id FROM clients WHERE org_id = $1",
            rapport_store::params![org],
            |r| Ok((r.get::<String>("name")?, ClientId(r.get("id")?))),
        )?
        .into_iter()
        .collect();
    let contacts = db
        .query_map(
            "SELECT email, id, client_id FROM contacts WHERE org_id = $1",
            rapport_store::params![org],
            |r| {
                Ok((
                    r.get::<String>("email")?.to_lowercase(),
                    (ContactId(r.get("id")?), ClientId(r.get("client_id")?)),
                ))
            },
        )?
        .into_iter()
        .collect();
    Ok(Known { clients, contacts })
}

/// Check every row; the ready rows and the rejected ones.
fn check(kind: ImportKind, h: &Header, rows: &[Record], k: &Known) -> (Vec<Ready>, Vec<RowError>) {
    let mut ready = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for r in rows {
        if let Some(e) = h.check_width(r) {
            errors.push(e);
            continue;
        }
        let err = |column: &str, message: String| RowError {
            line: r.line,
            column: column.to_string(),
            message,
        };
        let client_of = |errors: &mut Vec<RowError>| -> Option<ClientId> {
            let name = h.get(r, "client");
            if name.is_empty() {
                errors.push(err("client", "required".into()));
                return None;
            }
            let id = k.clients.get(name).copied();
            if id.is_none() {
                errors.push(err("client", format!("no client named {name:?}")));
            }
            id
        };
        match kind {
            ImportKind::Clients => match core::client_row(h, r).validate() {
                Ok(d) => {
                    if k.clients.contains_key(&d.name) {
                        errors.push(err(
                            "name",
                            format!("a client named {:?} already exists", d.name),
                        ));
                    } else if !seen.insert(d.name.clone()) {
                        errors.push(err(
                            "name",
                            format!("{:?} appears on an earlier line too", d.name),
                        ));
                    } else {
                        ready.push(Ready::Client(d));
                    }
                }
                Err(v) => errors.extend(row_errors(r.line, rename_calendar(v))),
            },
            ImportKind::Contacts => {
                let Some(client) = client_of(&mut errors) else {
                    continue;
                };
                match core::contact_row(h, r, client).validate() {
                    Ok(d) => {
                        let email = d.email.to_lowercase();
                        if k.contacts.contains_key(&email) {
                            errors.push(err(
                                "email",
                                format!("a contact with email {email} already exists"),
                            ));
                        } else if !seen.insert(email.clone()) {
                            errors.push(err(
                                "email",
                                format!("{email} appears on an earlier line too"),
                            ));
                        } else {
                            ready.push(Ready::Contact(d));
                        }
                    }
                    Err(v) => errors.extend(row_errors(r.line, v)),
                }
            }
            ImportKind::Requests => {
                let Some(client) = client_of(&mut errors) else {
                    continue;
                };
                let mut input = match core::request_row(h, r, client) {
                    Ok(i) => i,
                    Err(es) => {
                        errors.extend(es);
                        continue;
                    }
                };
                let email = h.get(r, "contact_email").to_lowercase();
                if !email.is_empty() {
                    match k.contacts.get(&email) {
                        Some((c, cl)) if *cl == client => input.contact_id = Some(*c),
                        Some(_) => {
                            errors.push(err(
                                "contact_email",
                                format!("{email} is a contact of another client"),
                            ));
                            continue;
                        }
                        None => {
                            errors.push(err(
                                "contact_email",
                                format!("no contact with email {email}"),
                            ));
                            continue;
                        }
                    }
                }
                match input.validate(Channel::Other) {
                    Ok(d) => ready.push(Ready::Request(client, d)),
                    Err(v) => errors.extend(row_errors(r.line, v)),
                }
            }
        }
    }
    (ready, errors)
}

/// Calendar problems name the CSV column (`tz`, `hours`), not the API's nesting.
fn rename_calendar(v: Violations) -> Violations {
    Violations(
        v.0.into_iter()
            .map(|f| FieldError {
                field: f
                    .field
                    .strip_prefix("calendar.")
                    .map(str::to_string)
                    .unwrap_or(f.field),
                message: f.message,
            })
            .collect(),
    )
}

fn report(
    kind: ImportKind,
    rows: usize,
    accepted: usize,
    errors: Vec<RowError>,
    applied: bool,
) -> ImportReport {
    let rejected_count = errors.len();
    let mut rejected = errors;
    rejected.truncate(MAX_LISTED);
    ImportReport {
        kind,
        rows,
        accepted,
        rejected,
        rejected_count,
        applied,
    }
}

impl App {
    /// Import `bytes` (comma-separated, header first) as `kind` (managers and above). With
    /// `dry_run`, only the report. Without, all rows or none: any rejected row answers 422 with
    /// every rejection, and nothing is written.
    pub async fn import_csv(
        &self,
        ctx: &Ctx,
        kind: ImportKind,
        bytes: Vec<u8>,
        dry_run: bool,
    ) -> AppResult<ImportReport> {
        ctx.require(Permission::ManageClients)?;
        let records = core::parse(&bytes).map_err(|e| AppError::invalid("file", e.to_string()))?;
        let header =
            Header::new(kind, &records[0]).map_err(|e| AppError::invalid("file", e.to_string()))?;
        let rows = records.len() - 1;
        let org = ctx.org();
        if dry_run {
            return self
                .store
                .read(move |db| -> AppResult<ImportReport> {
                    let k = known(db, org)?;
                    let (ready, errors) = check(kind, &header, &records[1..], &k);
                    Ok(report(kind, rows, ready.len(), errors, false))
                })
                .await;
        }
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<ImportReport> {
                let k = known(db, org)?;
                let (ready, errors) = check(kind, &header, &records[1..], &k);
                if !errors.is_empty() {
                    let n = errors.len();
                    let mut v = Violations::new();
                    for e in errors.iter().take(MAX_LISTED) {
                        let field = if e.column.is_empty() {
                            format!("line {}", e.line)
                        } else {
                            format!("line {}: {}", e.line, e.column)
                        };
                        v.add(field, e.message.clone());
                    }
                    if n > MAX_LISTED {
                        v.add("file", format!("and {} more rejected rows", n - MAX_LISTED));
                    }
                    return Err(AppError::Invalid(v));
                }
                let accepted = ready.len();
                // Clients go in as a batch (an import may hold thousands); the others one by
                // one through their own use cases.
                let (mut drafts, mut others) = (Vec::new(), Vec::new());
                for item in ready {
                    match item {
                        Ready::Client(d) => drafts.push(d),
                        other => others.push(other),
                    }
                }
                let made = clients::insert_many(db, org, &drafts, now)?;
                let entries: Vec<_> = made
                    .iter()
                    .map(|c| {
                        AuditEntry::new(ctx.principal.actor(), "client.create")
                            .target("client", c.id.0)
                            .details(json!({"name": c.name, "import": "csv"}))
                    })
                    .collect();
                ctx.audit_many(db, now, &entries)?;
                for item in others {
                    match item {
                        Ready::Client(_) => {} // in the batch above
                        Ready::Contact(d) => {
                            let c = clients::insert_contact(db, org, &d, None, now)?;
                            ctx.audit(
                                db,
                                now,
                                AuditEntry::new(ctx.principal.actor(), "contact.create")
                                    .target("contact", c.id.0)
                                    .details(json!({"client_id": c.client_id, "email": c.email, "import": "csv"})),
                            )?;
                        }
                        Ready::Request(client, d) => {
                            crate::requests::insert_request(db, &ctx, client, d, None, None, now)?;
                        }
                    }
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "import.csv")
                        .details(json!({"kind": kind, "rows": rows})),
                )?;
                Ok(report(kind, rows, accepted, Vec::new(), true))
            })
            .await
    }
}

/// What a Zendesk import did (or would do).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZendeskReport {
    pub clients: usize,
    pub contacts: usize,
    pub requests: usize,
    pub messages: usize,
    /// Every problem, by its place in the file (`tickets[3].status`).
    pub rejected: Vec<RowError>,
    pub applied: bool,
}

impl App {
    /// Import a Zendesk export (see `rapport_core::zendesk`) into this org (managers and above):
    /// all of it in one transaction, or nothing. New clients get the time zone `tz`.
    pub async fn import_zendesk(
        &self,
        ctx: &Ctx,
        bytes: Vec<u8>,
        tz: String,
        dry_run: bool,
    ) -> AppResult<ZendeskReport> {
        use rapport_core::access::Actor;
        use rapport_core::message::{Direction, Message, SendStatus};
        use rapport_core::zendesk::{self, Author, ClientRef, Existing};

        ctx.require(Permission::ManageClients)?;
        let export: zendesk::Export = serde_json::from_slice(&bytes)
            .map_err(|e| AppError::invalid("file", format!("not a Zendesk export: {e}")))?;
        rapport_core::validate::time_zone(&tz).map_err(|m| AppError::invalid("tz", m))?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        let work = move |db: &mut Db<'_>, write: bool| -> AppResult<ZendeskReport> {
            let k = known(db, org)?;
            let members_by_email = db
                .query_map(
                    "SELECT email, id FROM members WHERE org_id = $1",
                    rapport_store::params![org],
                    |r| {
                        Ok((
                            r.get::<String>("email")?.to_lowercase(),
                            rapport_core::ids::MemberId(r.get("id")?),
                        ))
                    },
                )?
                .into_iter()
                .collect();
            let existing = Existing {
                client_names: k.clients.keys().cloned().collect(),
                contact_emails: k.contacts.keys().cloned().collect(),
                members_by_email,
            };
            let plan = match zendesk::plan(&export, &tz, &existing) {
                Ok(p) => p,
                Err(errors) if !write => {
                    return Ok(ZendeskReport {
                        clients: 0,
                        contacts: 0,
                        requests: 0,
                        messages: 0,
                        rejected: errors,
                        applied: false,
                    });
                }
                Err(errors) => {
                    let mut v = Violations::new();
                    for e in errors.iter().take(MAX_LISTED) {
                        v.add(e.column.clone(), e.message.clone());
                    }
                    return Err(AppError::Invalid(v));
                }
            };
            let messages: usize = plan.requests.iter().map(|r| r.messages.len()).sum();
            let mut report = ZendeskReport {
                clients: plan.clients.len(),
                contacts: plan.contacts.len(),
                requests: plan.requests.len(),
                messages,
                rejected: Vec::new(),
                applied: write,
            };
            if !write {
                return Ok(report);
            }
            let actor = ctx.principal.actor();
            let mut client_ids = Vec::with_capacity(plan.clients.len());
            for d in &plan.clients {
                let c = clients::insert(db, org, d, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(actor, "client.create")
                        .target("client", c.id.0)
                        .details(json!({"name": c.name, "import": "zendesk"})),
                )?;
                client_ids.push(c.id);
            }
            let mut contact_ids = Vec::with_capacity(plan.contacts.len());
            for (ci, d) in &plan.contacts {
                let mut d = d.clone();
                d.client_id = client_ids[*ci];
                let c = clients::insert_contact(db, org, &d, None, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(actor, "contact.create")
                        .target("contact", c.id.0)
                        .details(json!({"client_id": c.client_id, "email": c.email, "import": "zendesk"})),
                )?;
                contact_ids.push(c.id);
            }
            for p in &plan.requests {
                let client = match p.client {
                    ClientRef::New(i) => client_ids[i],
                    ClientRef::Existing(id) => id,
                };
                let last = |dir: Direction| {
                    p.messages
                        .iter()
                        .filter(|m| m.direction == dir)
                        .map(|m| m.at)
                        .max()
                };
                let first_out = p
                    .messages
                    .iter()
                    .filter(|m| m.direction == Direction::Outbound)
                    .map(|m| m.at)
                    .min();
                let done =
                    |s: rapport_core::request::Status| (p.status == s).then_some(p.updated_at);
                let r = rapport_core::request::Request {
                    id: RequestId(0),
                    org_id: org,
                    reference: String::new(),
                    client_id: client,
                    engagement_id: None,
                    contact_id: p.contact.map(|c| contact_ids[c]),
                    title: p.title.clone(),
                    body: p.body.clone(),
                    kind: p.kind,
                    priority: p.priority,
                    status: p.status,
                    assignee_id: None,
                    estimate_minutes: None,
                    spent_minutes: 0,
                    channel: Channel::Other,
                    tags: p.tags.clone(),
                    due_at: None,
                    quick: false,
                    scope: None,
                    created_by: actor,
                    created_at: p.created_at,
                    updated_at: p.updated_at,
                    first_response_at: first_out,
                    last_inbound_at: last(Direction::Inbound).or(Some(p.created_at)),
                    last_outbound_at: last(Direction::Outbound),
                    delivered_at: done(rapport_core::request::Status::Delivered),
                    closed_at: done(rapport_core::request::Status::Closed),
                };
                let r = requests::insert(db, &r)?;
                for m in &p.messages {
                    let author = match m.author {
                        Author::Contact(i) => Actor::Contact(contact_ids[i]),
                        Author::Member(id) => Actor::Member(id),
                        Author::Unknown => Actor::System,
                    };
                    let out = m.direction == Direction::Outbound;
                    messages::insert(
                        db,
                        &Message {
                            id: Default::default(),
                            org_id: org,
                            request_id: r.id,
                            direction: m.direction,
                            author,
                            body: m.body.clone(),
                            body_html: None,
                            subject: None,
                            mail_message_id: None,
                            // History: already sent by Zendesk, never queued again.
                            send_status: out.then_some(SendStatus::Sent),
                            scheduled_for: None,
                            sent_at: out.then_some(m.at),
                            sentiment: None,
                            created_at: m.at,
                        },
                    )?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(actor, "request.create")
                        .target("request", r.id.0)
                        .details(json!({"title": r.title, "client_id": client, "import": "zendesk", "zendesk_id": p.zendesk_id})),
                )?;
            }
            ctx.audit(
                db,
                now,
                AuditEntry::new(actor, "import.zendesk").details(json!({
                    "clients": report.clients, "contacts": report.contacts,
                    "requests": report.requests, "messages": report.messages,
                })),
            )?;
            report.applied = true;
            Ok(report)
        };
        if dry_run {
            self.store.read(move |db| work(db, false)).await
        } else {
            self.store.write(move |db| work(db, true)).await
        }
    }
}

/// How long a file the dry run accepted waits to be applied.
pub const HOLD_FOR: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

impl App {
    /// Hold a file the dry run accepted, for the calling member to apply: Apply names the hold
    /// (its id) instead of sending the file back, so a file is never too large to apply once it
    /// could be checked. `source` is what it holds, `tz` the zone for new clients.
    pub async fn hold_import(
        &self,
        ctx: &Ctx,
        source: &str,
        tz: &str,
        data: Vec<u8>,
    ) -> AppResult<i64> {
        use sha2::Digest;
        ctx.require(Permission::ManageClients)?;
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("imports are run by members"))?;
        let (org, now) = (ctx.org(), self.now());
        let sha = hex::encode(sha2::Sha256::digest(&data));
        let held = Held {
            source: source.to_string(),
            tz: tz.to_string(),
            data,
        };
        self.store
            .write(move |db| {
                Ok::<_, AppError>(import_holds::hold(db, org, member, &held, &sha, now)?)
            })
            .await
    }

    /// Take the calling member's held file to apply it. Taking it removes it, so a second
    /// Apply (a double click, the back button) imports nothing twice; a hold that was applied,
    /// is over a day old, or is someone else's is refused on `file`.
    pub async fn take_held_import(&self, ctx: &Ctx, id: i64) -> AppResult<Held> {
        ctx.require(Permission::ManageClients)?;
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("imports are run by members"))?;
        let org = ctx.org();
        self.store
            .write(move |db| Ok::<_, AppError>(import_holds::take(db, org, member, id)?))
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "file",
                    "the checked file is no longer held (it was applied, or checked over a day ago): check it again",
                )
            })
    }
}
