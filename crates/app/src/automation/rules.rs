//! Rules: saved by admins, decided by `rapport_core::rule` and applied by the `rules.run` job,
//! one transaction per event with an audit event per rule applied or held back.

use rapport_core::access::{Actor, Permission};
use rapport_core::audit::{self, AuditEntry};
use rapport_core::ids::{OrgId, RequestId, RuleId};
use rapport_core::jobs::Job;
use rapport_core::rule::{self as core, Action, Event, Facts, Rule, RuleInput};
use rapport_store::Db;
use rapport_store::repo::{audit as audit_store, automation as store, requests};
use serde_json::json;

use super::canned::{Acting, apply_in};
use crate::access::check_member;
use crate::clocks::sla::{Change, on_request_change};
use crate::jobs::{JobFailure, JobKind};
use crate::{App, AppError, AppResult, Ctx, Settings};

fn not_found(e: rapport_store::StoreError) -> AppError {
    match e {
        rapport_store::StoreError::NotFound => AppError::NotFound("rule"),
        other => other.into(),
    }
}

/// Every id a rule names must exist in this org.
fn check_refs(db: &mut Db<'_>, org: OrgId, r: &RuleInput) -> AppResult<()> {
    let mut v = rapport_core::validate::Violations::new();
    if let Some(c) = r.conditions.client_id
        && !rapport_store::repo::clients::exists(db, org, c)?
    {
        v.add("conditions.client_id", format!("no client {c}"));
    }
    for (i, a) in r.actions.iter().enumerate() {
        match a {
            Action::Assign {
                assignee_id: Some(m),
            } if check_member(db, org, *m, "assignee_id").is_err() => {
                v.add(
                    format!("actions[{i}].assignee_id"),
                    format!("no active member {m}"),
                );
            }
            Action::ApplyCannedReply { canned_reply_id }
                if store::get_canned(db, org, *canned_reply_id).is_err() =>
            {
                v.add(
                    format!("actions[{i}].canned_reply_id"),
                    format!("no canned reply {canned_reply_id}"),
                );
            }
            Action::Notify {
                member_id: Some(m), ..
            } if check_member(db, org, *m, "member_id").is_err() => {
                v.add(
                    format!("actions[{i}].member_id"),
                    format!("no active member {m}"),
                );
            }
            Action::CallWebhook { webhook_id }
                if store::get_webhook(db, org, *webhook_id).is_err() =>
            {
                v.add(
                    format!("actions[{i}].webhook_id"),
                    format!("no webhook {webhook_id}"),
                );
            }
            _ => {}
        }
    }
    if v.is_empty() { Ok(()) } else { Err(v.into()) }
}

/// The store names the key a write broke (`UNIQUE_RULE_NAME`); the message adds the name.
fn duplicate(e: AppError, name: &str) -> AppError {
    match e {
        AppError::Conflict { ref errors, .. } if errors.iter().any(|f| f.field == "name") => {
            AppError::conflict("name", format!("a rule named {name:?} already exists"))
        }
        other => other,
    }
}

/// Apply one rule's actions to request `id`, inside the caller's write. Returns what was done.
#[allow(clippy::too_many_arguments)]
fn apply_rule(
    db: &mut Db<'_>,
    org: OrgId,
    rule: &Rule,
    id: RequestId,
    event: Event,
    chain: &[RuleId],
    settings: &Settings,
    now: jiff::Timestamp,
) -> AppResult<Vec<serde_json::Value>> {
    let mut done = Vec::new();
    for a in &rule.actions {
        let before = requests::get_for_update(db, org, id)?;
        match a {
            Action::Assign { assignee_id } => {
                if before.assignee_id == *assignee_id {
                    continue;
                }
                if let Some(m) = assignee_id {
                    check_member(db, org, *m, "assignee_id")?;
                }
                requests::update_assignee(db, org, id, *assignee_id, now)?;
                crate::notify::on_assigned(db, &before, *assignee_id, None, now)?;
                audit_store::record(
                    db,
                    org,
                    now,
                    None,
                    &AuditEntry::new(Actor::System, "request.assign")
                        .target("request", id.0)
                        .details(json!({"from": before.assignee_id, "to": assignee_id, "rule_id": rule.id})),
                )?;
            }
            Action::Tag { tag } => {
                if before.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                    continue;
                }
                let mut after = before.clone();
                after.tags.push(tag.clone());
                after.updated_at = now;
                requests::update_fields(db, &before, &after)?;
                audit_store::record(
                    db,
                    org,
                    now,
                    None,
                    &AuditEntry::new(Actor::System, "request.update")
                        .target("request", id.0)
                        .details(audit::diff(&before, &after)),
                )?;
            }
            Action::SetPriority { priority } => {
                if before.priority == *priority {
                    continue;
                }
                let mut after = before.clone();
                after.priority = *priority;
                after.updated_at = now;
                requests::update_fields(db, &before, &after)?;
                on_request_change(db, &after, Change::Edited, now)?;
                audit_store::record(
                    db,
                    org,
                    now,
                    None,
                    &AuditEntry::new(Actor::System, "request.update")
                        .target("request", id.0)
                        .details(audit::diff(&before, &after)),
                )?;
            }
            Action::ApplyCannedReply { canned_reply_id } => {
                let c = store::get_canned(db, org, *canned_reply_id)?;
                let acting = Acting::Rule {
                    rule: rule.id,
                    chain,
                };
                apply_in(
                    db,
                    &acting,
                    org,
                    id,
                    &c,
                    false,
                    settings,
                    &settings.mail,
                    now,
                )?;
            }
            Action::CallWebhook { webhook_id } => {
                let data = json!({
                    "rule_id": rule.id,
                    "rule": rule.name,
                    "trigger": event,
                    "request": before,
                });
                crate::events::queue_delivery(db, org, *webhook_id, "rule_matched", &data, now)?;
            }
            Action::Notify { member_id, message } => {
                let recipient = member_id.or(before.assignee_id);
                crate::alerts::raise(
                    db,
                    org,
                    &rapport_core::alert::NewAlert {
                        kind: "rule.notify".into(),
                        severity: rapport_core::alert::Severity::Info,
                        subject_kind: Some("request"),
                        subject_id: Some(id.0),
                        message: format!("{message} ({}: {})", before.reference, before.title),
                        details: json!({"rule_id": rule.id, "request_id": id, "event": event}),
                        recipient_id: recipient,
                        dedupe_key: format!("rule.notify:{}:{}:{}", rule.id, id.0, event.as_str()),
                    },
                    now,
                )?;
            }
            Action::AddToQuickLane {} => {
                if before.quick {
                    continue;
                }
                let mut after = before.clone();
                after.quick = true;
                after.updated_at = now;
                requests::set_quick(db, org, id, now)?;
                audit_store::record(
                    db,
                    org,
                    now,
                    None,
                    &AuditEntry::new(Actor::System, "request.update")
                        .target("request", id.0)
                        .details(audit::diff(&before, &after)),
                )?;
            }
        }
        done.push(serde_json::to_value(a).unwrap_or_default());
    }
    Ok(done)
}

impl App {
    pub async fn list_rules(&self, ctx: &Ctx) -> AppResult<Vec<Rule>> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        Ok(self
            .store
            .read(move |db| store::list_rules(db, org))
            .await?)
    }

    pub async fn get_rule(&self, ctx: &Ctx, id: RuleId) -> AppResult<Rule> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        self.store
            .read(move |db| store::get_rule(db, org, id).map_err(not_found))
            .await
    }

    /// Save a rule (admins): its ids are checked against this org.
    pub async fn create_rule(&self, ctx: &Ctx, input: RuleInput) -> AppResult<Rule> {
        ctx.require(Permission::ManageMembers)?;
        let input = input.validate()?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Rule> {
                check_refs(db, ctx.org(), &input)?;
                let r = store::insert_rule(db, ctx.org(), &input, now)
                    .map_err(|e| duplicate(e.into(), &input.name))?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "rule.create")
                        .target("rule", r.id.0)
                        .details(json!({"name": r.name, "event": r.event})),
                )?;
                Ok(r)
            })
            .await
    }

    pub async fn update_rule(&self, ctx: &Ctx, id: RuleId, input: RuleInput) -> AppResult<Rule> {
        ctx.require(Permission::ManageMembers)?;
        let input = input.validate()?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Rule> {
                let before = store::get_rule(db, ctx.org(), id).map_err(not_found)?;
                check_refs(db, ctx.org(), &input)?;
                let r = store::update_rule(db, ctx.org(), id, &input, now)
                    .map_err(|e| duplicate(e.into(), &input.name))?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "rule.update")
                        .target("rule", id.0)
                        .details(audit::diff(&before, &r)),
                )?;
                Ok(r)
            })
            .await
    }

    pub async fn delete_rule(&self, ctx: &Ctx, id: RuleId) -> AppResult<()> {
        ctx.require(Permission::ManageMembers)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                let r = store::get_rule(db, ctx.org(), id).map_err(not_found)?;
                store::delete_rule(db, ctx.org(), id)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "rule.delete")
                        .target("rule", id.0)
                        .details(json!({"name": r.name})),
                )?;
                Ok(())
            })
            .await
    }

    /// The `rules.run` job: decide which rules the event triggers and apply them in one
    /// transaction, each rule in a savepoint: a rule whose action fails is audited as failed
    /// (and leaves nothing behind) while the others still apply.
    pub(crate) async fn run_rules_job(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let p = crate::events::RunRules::decode(job)?;
        let org = job.org_id;
        let settings = self.settings.clone();
        self.finish_job(job, worker, move |db, now| {
            let request = match requests::get(db, org, p.request_id) {
                Ok(r) => r,
                Err(rapport_store::StoreError::NotFound) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            let rules = store::rules_for(db, org, p.event)?;
            let facts = Facts {
                event: p.event,
                request: &request,
                message: p.message.as_deref(),
            };
            let decision = core::decide(&rules, &facts, &p.rule_ids);
            for (rule, why) in &decision.skipped {
                audit_store::record(
                    db,
                    org,
                    now,
                    None,
                    &AuditEntry::new(Actor::System, "rule.skip")
                        .target("rule", rule.id.0)
                        .details(json!({"request_id": request.id, "event": p.event, "reason": why, "rule_ids": p.rule_ids})),
                )?;
            }
            for rule in decision.apply {
                // Each rule is tried on a copy of the state: if one of its actions fails (a
                // canned reply with lint findings, an illegal move), the rule's audit says why
                // and the job does not retry forever.
                match try_rule(db, org, rule, &request, p.event, &p.rule_ids, &settings, now) {
                    Ok(done) => audit_store::record(
                        db,
                        org,
                        now,
                        None,
                        &AuditEntry::new(Actor::System, "rule.apply")
                            .target("rule", rule.id.0)
                            .details(json!({"request_id": request.id, "event": p.event, "actions": done, "rule_ids": p.rule_ids})),
                    )?,
                    Err(e) => audit_store::record(
                        db,
                        org,
                        now,
                        None,
                        &AuditEntry::new(Actor::System, "rule.fail")
                            .target("rule", rule.id.0)
                            .details(json!({"request_id": request.id, "event": p.event, "error": e.to_string()})),
                    )?,
                };
            }
            Ok(())
        })
        .await
    }
}

/// Apply `rule` within a savepoint, so a failing action leaves nothing of the rule behind.
#[allow(clippy::too_many_arguments)]
fn try_rule(
    db: &mut Db<'_>,
    org: OrgId,
    rule: &Rule,
    request: &rapport_core::request::Request,
    event: Event,
    chain: &[RuleId],
    settings: &Settings,
    now: jiff::Timestamp,
) -> AppResult<Vec<serde_json::Value>> {
    db.batch("SAVEPOINT rule_apply")?;
    match apply_rule(db, org, rule, request.id, event, chain, settings, now) {
        Ok(done) => {
            db.batch("RELEASE SAVEPOINT rule_apply")?;
            Ok(done)
        }
        Err(e) => {
            db.batch("ROLLBACK TO SAVEPOINT rule_apply")?;
            db.batch("RELEASE SAVEPOINT rule_apply")?;
            Err(e)
        }
    }
}
