//! Canned replies: saved (managers), listed and applied (anyone who works requests). Applying
//! one renders it for the request with the client's etiquette, sends it as an outbound message
//! (through the etiquette lint, like any reply) and applies its side effects, in one
//! transaction.

use jiff::Timestamp;
use rapport_core::access::{Actor, Permission};
use rapport_core::audit::{self, AuditEntry};
use rapport_core::canned::{CannedReply, CannedReplyInput, Template, Var};
use rapport_core::etiquette::{Linter, Recipient, salutation_line};
use rapport_core::ids::{CannedReplyId, MemberId, OrgId, RequestId, RuleId};
use rapport_core::message::Message;
use rapport_core::request::{Request, TransitionInput};
use rapport_core::rule::Event;
use rapport_store::Db;
use rapport_store::repo::{automation as store, clients, members, orgs, promises, requests};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::check_member;
use crate::clocks::sla::{Change, on_request_change};
use crate::mail_settings::MailSettings;
use crate::thread::{Reply, Writer};
use crate::{App, AppError, AppResult, Ctx, Listing, Settings, cursor};

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    /// The request to reply on.
    pub request_id: RequestId,
    /// Send even though the etiquette lint has findings (recorded in the audit trail).
    #[serde(default)]
    pub confirm_findings: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applied {
    pub request: Request,
    pub message: Message,
}

/// What a canned reply renders to for a request, without sending it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    pub body: String,
}

fn not_found(e: rapport_store::StoreError) -> AppError {
    match e {
        rapport_store::StoreError::NotFound => AppError::NotFound("canned reply"),
        other => other.into(),
    }
}

fn check_input(db: &mut Db<'_>, org: OrgId, c: &CannedReplyInput) -> AppResult<()> {
    if let Some(a) = c.assignee_id {
        check_member(db, org, a, "assignee_id")?;
    }
    Ok(())
}

/// The store names the key a write broke (`UNIQUE_CANNED_NAME`); the message adds the name.
fn duplicate(e: AppError, name: &str) -> AppError {
    match e {
        AppError::Conflict { ref errors, .. } if errors.iter().any(|f| f.field == "name") => {
            AppError::conflict(
                "name",
                format!("a canned reply named {name:?} already exists"),
            )
        }
        other => other,
    }
}

/// Render `c` for `r`. `agent`: who sends it (for rules, the assignee; else the firm's name).
pub(crate) fn render(
    db: &mut Db<'_>,
    r: &Request,
    c: &CannedReply,
    agent: Option<MemberId>,
) -> AppResult<String> {
    let org = r.org_id;
    let template =
        Template::parse(&c.body).map_err(|e| AppError::invalid("body", e.to_string()))?;
    let client = clients::get(db, org, r.client_id)?;
    let contact = match r.contact_id {
        Some(id) => Some(clients::get_contact(db, org, id)?),
        None => None,
    };
    let vars = template.variables();
    let promise_due = if vars.contains(&Var::PromiseDueLocal) {
        promises::pending_for_request(db, org, r.id)?
            .into_iter()
            .map(|p| p.due_at)
            .min()
    } else {
        None
    };
    let agent_name = match agent.or(r.assignee_id) {
        Some(m) if vars.contains(&Var::AgentName) => Some(members::get(db, org, m)?.name),
        _ => None,
    };
    let org_name = if vars.contains(&Var::OrgName)
        || (vars.contains(&Var::AgentName) && agent_name.is_none())
    {
        Some(orgs::get(db, org)?.name)
    } else {
        None
    };
    let recipient = contact.as_ref().map(|c| Recipient {
        name: &c.name,
        etiquette: &c.etiquette,
    });
    let addressee = Linter::new(&client.etiquette, recipient.as_ref())
        .ok()
        .and_then(|l| l.addressee_name().map(str::to_string));
    let tz = client.calendar.tz.clone();
    let no_contact = || "the request has no contact".to_string();
    let rendered = template.render(&client.etiquette.glossary, |v| match v {
        Var::ContactName => contact
            .as_ref()
            .map(|c| c.name.clone())
            .ok_or_else(no_contact),
        Var::ContactPreferredName => match (&contact, &addressee) {
            (None, _) => Err(no_contact()),
            (Some(_), Some(a)) => Ok(a.clone()),
            (Some(c), None) => Ok(c
                .name
                .split_whitespace()
                .next()
                .unwrap_or(&c.name)
                .to_string()),
        },
        Var::ContactSalutation => recipient.as_ref().ok_or_else(no_contact).and_then(|rcp| {
            salutation_line(rcp, client.etiquette.tone)
                .ok_or_else(|| "the contact has no name to greet".to_string())
        }),
        Var::ClientName => Ok(client.name.clone()),
        Var::RequestRef => Ok(r.reference.clone()),
        Var::RequestTitle => Ok(r.title.clone()),
        Var::RequestStatus => Ok(r.status.as_str().replace('_', " ")),
        Var::PromiseDueLocal => {
            let due = promise_due.ok_or_else(|| "the request has no open promise".to_string())?;
            let zoned = due
                .in_tz(&tz)
                .map_err(|e| format!("the client's time zone {tz:?} cannot be used: {e}"))?;
            Ok(zoned.strftime("%A %-d %B %Y, %H:%M %Z").to_string())
        }
        Var::AgentName => agent_name
            .clone()
            .or_else(|| org_name.clone())
            .ok_or_else(|| "nobody to sign as".to_string()),
        Var::OrgName => org_name.clone().ok_or_else(|| "no firm name".to_string()),
    });
    rendered.map_err(|e| AppError::invalid(e.variable, e.to_string()))
}

/// Who applies a reply.
pub(crate) enum Acting<'a> {
    /// A member through the API: the full path (lint confirmation, promises kept, care hooks).
    Person(&'a Ctx),
    /// A rule: lint findings stop the reply (nobody is there to confirm them).
    Rule { rule: RuleId, chain: &'a [RuleId] },
}

/// Send `c` on request `id` and apply its side effects, inside the caller's write.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_in(
    db: &mut Db<'_>,
    acting: &Acting<'_>,
    org: OrgId,
    id: RequestId,
    c: &CannedReply,
    confirm: bool,
    settings: &Settings,
    mail: &MailSettings,
    now: Timestamp,
) -> AppResult<(Request, Message)> {
    let (actor, agent) = match acting {
        Acting::Person(ctx) => (ctx.principal.actor(), ctx.principal.member_id()),
        Acting::Rule { .. } => (Actor::System, None),
    };
    let r = match acting {
        Acting::Person(ctx) => crate::access::visible_request(db, &ctx.principal, id, true)?,
        Acting::Rule { .. } => requests::get_for_update(db, org, id)?,
    };
    let body = render(db, &r, c, agent)?;
    let writer = match acting {
        Acting::Person(ctx) => Writer::Member(ctx),
        Acting::Rule { .. } => Writer::Rule,
    };
    let m = crate::thread::send_reply(
        db,
        writer,
        &r,
        Reply {
            body,
            scheduled_for: None,
            confirm_findings: confirm,
            field: "body",
            check_send_time: true,
        },
        mail,
        now,
    )?;
    // Side effects: tags and priority, assignee, then status.
    let mut after = requests::get(db, org, r.id)?;
    let before = after.clone();
    for t in &c.add_tags {
        if !after.tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            after.tags.push(t.clone());
        }
    }
    if let Some(p) = c.set_priority {
        after.priority = p;
    }
    if after.tags != before.tags || after.priority != before.priority {
        after.updated_at = now;
        requests::update_fields(db, &before, &after)?;
        on_request_change(db, &after, Change::Edited, now)?;
        rapport_store::repo::audit::record(
            db,
            org,
            now,
            None,
            &AuditEntry::new(actor, "request.update")
                .target("request", r.id.0)
                .details(audit::diff(&before, &after)),
        )?;
    }
    if let Some(a) = c.assignee_id
        && after.assignee_id != Some(a)
    {
        check_member(db, org, a, "assignee_id")?;
        let from = after.assignee_id;
        requests::update_assignee(db, org, r.id, Some(a), now)?;
        crate::notify::on_assigned(db, &after, Some(a), agent, now)?;
        rapport_store::repo::audit::record(
            db,
            org,
            now,
            None,
            &AuditEntry::new(actor, "request.assign")
                .target("request", r.id.0)
                .details(json!({"from": from, "to": a})),
        )?;
    }
    if let Some(to) = c.set_status
        && to != after.status
    {
        let input = TransitionInput {
            status: to,
            reason: None,
            override_reason: None,
        };
        match acting {
            Acting::Person(ctx) => {
                crate::requests::transition_in(
                    db,
                    ctx,
                    r.id,
                    &input,
                    Some(format!("canned reply {}", c.name)),
                    settings,
                    now,
                )?;
            }
            Acting::Rule { rule, chain } => {
                status_by_rule(db, org, r.id, to, *rule, chain, settings, now)?;
            }
        }
    }
    rapport_store::repo::audit::record(
        db,
        org,
        now,
        None,
        &AuditEntry::new(actor, "canned_reply.apply")
            .target("request", r.id.0)
            .details(json!({"canned_reply_id": c.id, "message_id": m.id, "name": c.name})),
    )?;
    Ok((requests::get(db, org, r.id)?, m))
}

/// A status change made by a rule: the move, the clocks, the audit, the care hooks (delivered
/// work asks for a rating) and the event (carrying the chain, so the rules that caused it are
/// not applied again).
#[allow(clippy::too_many_arguments)]
pub(crate) fn status_by_rule(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    to: rapport_core::request::Status,
    rule: RuleId,
    chain: &[RuleId],
    settings: &Settings,
    now: Timestamp,
) -> AppResult<()> {
    let mut r = requests::get_for_update(db, org, id)?;
    let from = r.status;
    r.transition(to, now)
        .map_err(|e| AppError::conflict("status", e.to_string()))?;
    crate::scope::refuse_for_rule(db, org, &r, to)?;
    requests::update_status(db, &r)?;
    on_request_change(db, &r, Change::Status, now)?;
    rapport_store::repo::audit::record(
        db,
        org,
        now,
        None,
        &AuditEntry::new(Actor::System, "request.status")
            .target("request", id.0)
            .details(json!({"from": from, "to": to, "reason": "rule", "rule_id": rule})),
    )?;
    if to == rapport_core::request::Status::Delivered {
        crate::clocks::promises::keep_promises(
            db,
            org,
            Actor::System,
            None,
            id,
            rapport_core::promise::PromiseKind::Delivery,
            now,
            "request delivered",
        )?;
    }
    crate::care::on_status_changed(db, None, &r, settings, now)?;
    let mut next: Vec<RuleId> = chain.to_vec();
    next.push(rule);
    crate::events::emit(
        db,
        &r,
        Event::StatusChanged,
        &crate::events::Extra {
            from: Some(from.as_str()),
            ..Default::default()
        },
        &next,
        now,
    )
}

/// [`App::list_canned_replies`] inside the caller's snapshot.
pub(crate) fn list_canned_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    after: Option<i64>,
    limit: usize,
) -> AppResult<Listing<CannedReply>> {
    ctx.require(Permission::DoWork)?;
    Ok(store::list_canned(db, ctx.org(), after, limit)?.into())
}

impl App {
    pub async fn list_canned_replies(
        &self,
        ctx: &Ctx,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<CannedReply>> {
        let after = cursor::after_id(after)?;
        let ctx = ctx.clone();
        self.store
            .read(move |db| list_canned_in(db, &ctx, after, limit))
            .await
    }

    pub async fn get_canned_reply(&self, ctx: &Ctx, id: CannedReplyId) -> AppResult<CannedReply> {
        ctx.require(Permission::DoWork)?;
        let org = ctx.org();
        self.store
            .read(move |db| store::get_canned(db, org, id).map_err(not_found))
            .await
    }

    /// Save a canned reply (managers and above). Unknown variables and unclosed braces are
    /// refused (422 naming the variable and where it is).
    pub async fn create_canned_reply(
        &self,
        ctx: &Ctx,
        input: CannedReplyInput,
    ) -> AppResult<CannedReply> {
        ctx.require(Permission::ManageClients)?;
        let input = input.validate()?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<CannedReply> {
                check_input(db, ctx.org(), &input)?;
                let c = store::insert_canned(db, ctx.org(), &input, now)
                    .map_err(|e| duplicate(e.into(), &input.name))?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "canned_reply.create")
                        .target("canned_reply", c.id.0)
                        .details(json!({"name": c.name})),
                )?;
                Ok(c)
            })
            .await
    }

    /// Replace a canned reply (managers and above).
    pub async fn update_canned_reply(
        &self,
        ctx: &Ctx,
        id: CannedReplyId,
        input: CannedReplyInput,
    ) -> AppResult<CannedReply> {
        ctx.require(Permission::ManageClients)?;
        let input = input.validate()?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<CannedReply> {
                let before = store::get_canned(db, ctx.org(), id).map_err(not_found)?;
                check_input(db, ctx.org(), &input)?;
                let c = store::update_canned(db, ctx.org(), id, &input, now)
                    .map_err(|e| duplicate(e.into(), &input.name))?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "canned_reply.update")
                        .target("canned_reply", id.0)
                        .details(audit::diff(&before, &c)),
                )?;
                Ok(c)
            })
            .await
    }

    pub async fn delete_canned_reply(&self, ctx: &Ctx, id: CannedReplyId) -> AppResult<()> {
        ctx.require(Permission::ManageClients)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                let c = store::get_canned(db, ctx.org(), id).map_err(not_found)?;
                store::delete_canned(db, ctx.org(), id)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "canned_reply.delete")
                        .target("canned_reply", id.0)
                        .details(json!({"name": c.name})),
                )?;
                Ok(())
            })
            .await
    }

    /// What the reply would say on this request, without sending it.
    pub async fn preview_canned_reply(
        &self,
        ctx: &Ctx,
        id: CannedReplyId,
        request: RequestId,
    ) -> AppResult<Preview> {
        ctx.require(Permission::DoWork)?;
        let p = ctx.principal;
        self.store
            .read(move |db| -> AppResult<Preview> {
                let c = store::get_canned(db, p.org_id(), id).map_err(not_found)?;
                let r = crate::access::visible_request(db, &p, request, false)?;
                Ok(Preview {
                    body: render(db, &r, &c, p.member_id())?,
                })
            })
            .await
    }

    /// Apply a canned reply to a request: the rendered message goes out and the side effects
    /// are applied, all or nothing.
    pub async fn apply_canned_reply(
        &self,
        ctx: &Ctx,
        id: CannedReplyId,
        input: ApplyInput,
    ) -> AppResult<Applied> {
        let request = input.request_id;
        ctx.require(Permission::DoWork)?;
        let now = self.now();
        let ctx = ctx.clone();
        let settings = self.settings.clone();
        self.store
            .write(move |db| -> AppResult<Applied> {
                let c = store::get_canned(db, ctx.org(), id).map_err(not_found)?;
                let (request, message) = apply_in(
                    db,
                    &Acting::Person(&ctx),
                    ctx.org(),
                    request,
                    &c,
                    input.confirm_findings,
                    &settings,
                    &settings.mail,
                    now,
                )?;
                Ok(Applied { request, message })
            })
            .await
    }
}
