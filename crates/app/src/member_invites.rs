//! Members invited by an emailed link: an admin names the person, their role, zone, hours and
//! capacity; the person chooses their own password with the link. Staff never type or see
//! another member's password.

use rapport_core::access::{Actor, Permission, Principal};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::MemberId;
use rapport_core::member::{Member, NewMember};
use rapport_store::repo::accounts::{self, LinkOwner};
use rapport_store::repo::auth::{self as store_auth, SessionOwner};
use rapport_store::repo::{audit, members};

use crate::accounts::{ChosenPassword, INVITE_TTL, chosen_password, link_error};
use crate::auth::{SecretKind, SignedIn, hash_secret, new_secret};
use crate::{App, AppError, AppResult, Ctx};

/// The stored purpose of a member's invitation link.
const PURPOSE: &str = "member_invite";

/// The mail of an invitation: (subject, body).
fn invitation_mail(
    to: &str,
    inviter: &str,
    org_name: &str,
    role: &str,
    url: &str,
) -> (String, String) {
    let days = INVITE_TTL.as_hours() / 24;
    (
        format!("{inviter} invites you to {org_name} on Rapport"),
        format!(
            "Hello {to},\n\n{inviter} invites you to join {org_name} on Rapport as {role}.\n\n\
             Open this link within {days} days to choose your password and sign in:\n\n{url}\n\n\
             If you did not expect this, you can ignore this message.\n"
        ),
    )
}

impl App {
    /// Invite someone to join as a member (admins and owners, within the roles they may
    /// grant). The member exists from now but cannot sign in until they accept; the mail holds
    /// a link, valid for a week, where they choose their own password.
    pub async fn invite_member(&self, ctx: &Ctx, input: NewMember) -> AppResult<Member> {
        ctx.require(Permission::ManageMembers)?;
        if input.password.is_some() {
            return Err(AppError::invalid(
                "password",
                "an invited member chooses their own password",
            ));
        }
        if !ctx.principal.may_grant(input.role) {
            return Err(AppError::forbidden(format!(
                "you may not make someone {}",
                input.role
            )));
        }
        let draft = input.validate()?;
        let org = ctx.org();
        let org_name = self.org(org).await?.name;
        let inviter = self.inviter_name(ctx).await?;
        let (token, hash) = self.invite_secret(org);
        let url = self.invite_url(&token);
        let now = self.now();
        let expires = now
            .checked_add(INVITE_TTL)
            .map_err(|e| AppError::internal("the invitation's expiry", e))?;
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Member> {
                let m = members::insert(db, org, &draft, None, now)?;
                accounts::create_link(
                    db,
                    org,
                    PURPOSE,
                    &hash,
                    LinkOwner::Member(m.id),
                    now,
                    expires,
                )?;
                let (subject, body) =
                    invitation_mail(&m.name, &inviter, &org_name, m.role.as_str(), &url);
                crate::mail_out::queue_system_mail(
                    db, org, PURPOSE, &m.email, &subject, &body, now,
                )?;
                // The same record as a member added through the API, then the invitation.
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "member.create")
                        .target("member", m.id.0)
                        .details(serde_json::json!({"email": m.email, "role": m.role})),
                )?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "member.invited")
                        .target("member", m.id.0),
                )?;
                Ok(m)
            })
            .await
    }

    /// Mail a new invitation to a member who has not chosen a password yet (the first one
    /// expired or went astray). Their older, unused invitations stop working.
    pub async fn reinvite_member(&self, ctx: &Ctx, id: MemberId) -> AppResult<()> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        let org_name = self.org(org).await?.name;
        let inviter = self.inviter_name(ctx).await?;
        let (token, hash) = self.invite_secret(org);
        let url = self.invite_url(&token);
        let now = self.now();
        let expires = now
            .checked_add(INVITE_TTL)
            .map_err(|e| AppError::internal("the invitation's expiry", e))?;
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                let m = members::get(db, org, id).map_err(|_| AppError::NotFound("member"))?;
                if !m.active {
                    return Err(AppError::conflict(
                        "active",
                        "this member is deactivated; reactivate them first",
                    ));
                }
                if accounts::member_password_hash(db, org, id)?.is_some() {
                    return Err(AppError::conflict(
                        "member",
                        "this member has already chosen a password; they can reset it from the sign-in page",
                    ));
                }
                accounts::use_up_member_links(db, org, id, PURPOSE, now)?;
                accounts::create_link(db, org, PURPOSE, &hash, LinkOwner::Member(id), now, expires)?;
                let (subject, body) =
                    invitation_mail(&m.name, &inviter, &org_name, m.role.as_str(), &url);
                crate::mail_out::queue_system_mail(db, org, PURPOSE, &m.email, &subject, &body, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "member.invited")
                        .target("member", id.0),
                )?;
                Ok(())
            })
            .await
    }

    /// Accept a member's invitation: the invitee chooses their password and is signed in.
    /// The link works once; a deactivated member's link works no more.
    pub async fn accept_member_invite(
        &self,
        token: &str,
        password: &str,
        ip: Option<String>,
        previous: Option<String>,
    ) -> AppResult<SignedIn> {
        let ChosenPassword {
            org,
            password_hash: hash,
            token_hash,
        } = chosen_password(SecretKind::MemberInvite, token, password).await?;
        let now = self.now();
        let audit_ip = ip.clone();
        let member = self
            .store
            .write(move |db| -> AppResult<Member> {
                let owner = accounts::consume_link(db, org, PURPOSE, &token_hash, now)?
                    .map_err(link_error)?;
                let LinkOwner::Member(id) = owner else {
                    return Err(AppError::NotFound("link"));
                };
                let m = members::get(db, org, id).map_err(|_| AppError::NotFound("link"))?;
                if !m.active {
                    return Err(AppError::NotFound("link"));
                }
                members::set_password_hash(db, org, id, &hash, now)?;
                store_auth::delete_member_sessions(db, org, id)?;
                accounts::use_up_member_links(db, org, id, PURPOSE, now)?;
                audit::record(
                    db,
                    org,
                    now,
                    audit_ip.as_deref(),
                    &AuditEntry::new(Actor::Member(id), "auth.member_invite_accepted")
                        .target("member", id.0),
                )?;
                Ok(m)
            })
            .await?;
        if let Some(p) = previous {
            self.sign_out(&p).await?;
        }
        let principal = Principal::Member {
            org_id: org,
            member_id: member.id,
            role: member.role,
        };
        self.open_session(principal, SessionOwner::Member(member.id), ip)
            .await
    }

    /// The members who have not chosen a password yet (invited, not joined), for the members
    /// page. One read for the whole firm.
    pub async fn members_without_password(
        &self,
        ctx: &Ctx,
    ) -> AppResult<std::collections::HashSet<MemberId>> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        self.store
            .read(
                move |db| -> AppResult<std::collections::HashSet<MemberId>> {
                    let mut out = std::collections::HashSet::new();
                    let mut after = None;
                    loop {
                        let page = members::list(db, org, after, rapport_store::repo::MAX_PAGE)?;
                        for m in &page.items {
                            if accounts::member_password_hash(db, org, m.id)?.is_none() {
                                out.insert(m.id);
                            }
                        }
                        match page.items.last() {
                            Some(last) if page.next.is_some() => after = Some(last.id.0),
                            _ => return Ok(out),
                        }
                    }
                },
            )
            .await
    }

    async fn inviter_name(&self, ctx: &Ctx) -> AppResult<String> {
        Ok(match ctx.principal.member_id() {
            Some(id) => self.get_member(ctx, id).await?.name,
            None => self.org(ctx.org()).await?.name,
        })
    }

    fn invite_secret(&self, org: rapport_core::ids::OrgId) -> (String, String) {
        let token = new_secret(SecretKind::MemberInvite, org);
        let hash = hash_secret(&token);
        (token, hash)
    }

    fn invite_url(&self, token: &str) -> String {
        format!(
            "{}/app/invite?token={token}",
            self.settings.public_url.trim_end_matches('/')
        )
    }
}
