//! Account recovery and the second factor: password reset by an emailed one-time link, portal
//! sign-in links for contacts, and optional TOTP for members.

use jiff::SignedDuration;
use rapport_core::access::{Actor, Permission, Principal};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::{ContactId, MemberId, OrgId};
use rapport_core::validate;
use rapport_store::repo::accounts::{self, LinkOwner, LinkProblem};
use rapport_store::repo::auth::{self as store_auth, SessionOwner};
use rapport_store::repo::{audit, clients, members};
use serde::Serialize;

use crate::auth::{SecretKind, SignedIn, hash_password_async, hash_secret, new_secret, secret_org};
use crate::secrets::Secret;
use crate::{App, AppError, AppResult, Ctx};

/// How long a portal invitation stays open: people read such mail days later.
pub(crate) const INVITE_TTL: SignedDuration = SignedDuration::from_hours(7 * 24);

/// A new TOTP secret to put in an authenticator app; not active until confirmed with a code.
#[derive(Debug, Clone, Serialize)]
pub struct TotpEnrolment {
    /// Base32, for typing in by hand.
    pub secret: String,
    /// `otpauth://` URL, for a QR code.
    pub otpauth_url: String,
}

/// Who an emailed link is for.
struct Addressee {
    owner: LinkOwner,
    address: String,
    name: String,
}

type FindAddressee = Box<
    dyn FnOnce(
            &mut rapport_store::Db<'_>,
            rapport_core::ids::OrgId,
            &str,
        ) -> Result<Option<Addressee>, rapport_store::StoreError>
        + Send,
>;
type ComposeMail = Box<dyn FnOnce(&str, &str, &str) -> (String, String) + Send>;

/// One kind of emailed one-time link: its secret kind, stored purpose, page, audit action, how
/// to find the person, and the mail (addressee's name, org name, link -> subject, body).
struct EmailedLink {
    kind: SecretKind,
    purpose: &'static str,
    path: &'static str,
    audit: &'static str,
    find: FindAddressee,
    compose: ComposeMail,
}

pub(crate) fn link_error(p: LinkProblem) -> AppError {
    match p {
        LinkProblem::Unknown => AppError::NotFound("link"),
        LinkProblem::Used => AppError::conflict("token", "this link has already been used"),
        LinkProblem::Expired => {
            AppError::conflict("token", "this link has expired; ask for a new one")
        }
    }
}

/// A password chosen through a mailed link, ready for the write that spends the link: the
/// link's org, the password's hash and the link's token hash.
pub(crate) struct ChosenPassword {
    pub org: OrgId,
    pub password_hash: String,
    pub token_hash: String,
}

/// Check a password chosen through a link of `kind` and hash it (off the async runtime). A weak
/// password is refused before the link is looked at, so the link is not spent on it.
pub(crate) async fn chosen_password(
    kind: SecretKind,
    token: &str,
    password: &str,
) -> AppResult<ChosenPassword> {
    validate::password(password).map_err(|m| AppError::invalid("password", m))?;
    let org = secret_org(kind, token).ok_or(AppError::NotFound("link"))?;
    Ok(ChosenPassword {
        org,
        password_hash: hash_password_async(password.to_string()).await?,
        token_hash: hash_secret(token),
    })
}

impl App {
    /// Mail a password-reset link if the member exists. Always answers the same way, so it
    /// cannot be used to find out who has an account.
    pub async fn request_password_reset(
        &self,
        org: Option<String>,
        email: &str,
        ip: Option<String>,
    ) -> AppResult<()> {
        let ttl_minutes = self.settings.link_ttl.as_mins();
        self.mail_link(org, email, ip, EmailedLink {
            kind: SecretKind::PasswordReset,
            purpose: "password_reset",
            path: "/reset",
            audit: "auth.password_reset_requested",
            find: Box::new(|db, org, email| {
                Ok(members::by_email_with_hash(db, org, email)?
                    .filter(|(m, _)| m.active)
                    .map(|(m, _)| Addressee { owner: LinkOwner::Member(m.id), address: m.email, name: m.name }))
            }),
            compose: Box::new(move |to, org_name, link| {
                (
                    "Reset your Rapport password".to_string(),
                    format!(
                        "Hello {to},\n\nSomeone (we hope you) asked to reset your Rapport password for {org_name}.\n\
                         Open this link within {ttl_minutes} minutes to choose a new one:\n\n{link}\n\n\
                         If it was not you, ignore this message: your password has not changed.\n"
                    ),
                )
            }),
        })
        .await
    }

    /// Queue an emailed one-time link for whoever `link.find` finds at `email`; nothing (but the
    /// same answer) when nobody is found. Counts against the reset limits.
    async fn mail_link(
        &self,
        org: Option<String>,
        email: &str,
        ip: Option<String>,
        link: EmailedLink,
    ) -> AppResult<()> {
        let org = match self.resolve_org(org).await {
            Ok(o) => o,
            Err(AppError::Unauthorized(_)) => return Ok(()),
            Err(e) => return Err(e),
        };
        let email = validate::email(email).map_err(|m| AppError::invalid("email", m))?;
        // Each link costs a mail: the same limits as sign-ins apply.
        self.count_reset(org.id, &email, ip.as_deref()).await?;
        let token = new_secret(link.kind, org.id);
        let hash = hash_secret(&token);
        let now = self.now();
        let expires = now
            .checked_add(self.settings.link_ttl)
            .map_err(|e| AppError::internal("the link's expiry", e))?;
        let url = format!(
            "{}{}?token={token}",
            self.settings.public_url.trim_end_matches('/'),
            link.path
        );
        self.store
            .write(move |db| -> AppResult<()> {
                let Some(who) = (link.find)(db, org.id, &email)? else {
                    return Ok(());
                };
                accounts::create_link(db, org.id, link.purpose, &hash, who.owner, now, expires)?;
                let (subject, body) = (link.compose)(&who.name, &org.name, &url);
                crate::mail_out::queue_system_mail(
                    db,
                    org.id,
                    link.purpose,
                    &who.address,
                    &subject,
                    &body,
                    now,
                )?;
                let (kind, id) = match who.owner {
                    LinkOwner::Member(m) => ("member", m.0),
                    LinkOwner::Contact(c) => ("contact", c.0),
                };
                audit::record(
                    db,
                    org.id,
                    now,
                    ip.as_deref(),
                    &AuditEntry::new(Actor::System, link.audit).target(kind, id),
                )?;
                Ok(())
            })
            .await
    }

    async fn count_reset(
        &self,
        org: rapport_core::ids::OrgId,
        email: &str,
        ip: Option<&str>,
    ) -> AppResult<()> {
        let now = self.now();
        let limit = self.settings.sign_in_per_account;
        let bucket = format!("reset:account:{email}");
        let ip_bucket = ip.map(|i| format!("reset:ip:{i}"));
        let over = self
            .store
            .write(move |db| -> AppResult<Option<i64>> {
                let window = limit.window.as_millis() as i64;
                let (n, start) = accounts::hit(db, org.0, &bucket, now, window)?;
                let mut wait = (n > limit.count / 2).then(|| start + window - now.as_millisecond());
                if let Some(b) = &ip_bucket {
                    let (n, start) = accounts::hit(db, 0, b, now, window)?;
                    if n > limit.count {
                        wait = Some(start + window - now.as_millisecond());
                    }
                }
                Ok(wait)
            })
            .await?;
        match over {
            Some(ms) => Err(AppError::TooMany((ms.max(1000) as u64).div_ceil(1000))),
            None => Ok(()),
        }
    }

    /// Set a new password with a reset link; ends every session of the member and makes every
    /// other reset link of theirs useless.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> AppResult<()> {
        let ChosenPassword {
            org,
            password_hash: hash,
            token_hash,
        } = chosen_password(SecretKind::PasswordReset, token, new_password).await?;
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<()> {
                let owner = accounts::consume_link(db, org, "password_reset", &token_hash, now)?
                    .map_err(link_error)?;
                let LinkOwner::Member(m) = owner else {
                    return Err(AppError::NotFound("link"));
                };
                members::set_password_hash(db, org, m, &hash, now)?;
                // Whoever had the old password, a session or another reset link loses it.
                store_auth::delete_member_sessions(db, org, m)?;
                accounts::use_up_member_links(db, org, m, "password_reset", now)?;
                audit::record(
                    db,
                    org,
                    now,
                    None,
                    &AuditEntry::new(Actor::Member(m), "auth.password_reset").target("member", m.0),
                )?;
                Ok(())
            })
            .await
    }

    /// Mail a contact a link that signs them in to the portal (no password needed).
    pub async fn request_portal_link(
        &self,
        org: Option<String>,
        email: &str,
        ip: Option<String>,
    ) -> AppResult<()> {
        self.mail_link(org, email, ip, EmailedLink {
            kind: SecretKind::PortalLink,
            purpose: "portal_sign_in",
            path: "/portal/link",
            audit: "auth.portal_link_requested",
            // Only contacts with portal access get a link; the answer is the same either way.
            find: Box::new(|db, org, email| {
                Ok(clients::contact_by_email(db, org, email)?
                    .filter(|(c, _)| c.portal_enabled)
                    .map(|(c, _)| Addressee {
                    owner: LinkOwner::Contact(c.id),
                    name: c.etiquette.preferred_name.clone().unwrap_or_else(|| c.name.clone()),
                    address: c.email,
                    }))
            }),
            compose: Box::new(|to, org_name, link| {
                (
                    format!("Your sign-in link for {org_name}"),
                    format!(
                        "Hello {to},\n\nHere is your link to sign in to {org_name}'s client portal:\n\n{link}\n\n\
                         It works once and expires soon. If you did not ask for it, you can ignore this message.\n"
                    ),
                )
            }),
        })
        .await
    }

    /// Sign a contact in with a portal link.
    pub async fn use_portal_link(
        &self,
        token: &str,
        ip: Option<String>,
        previous: Option<String>,
    ) -> AppResult<SignedIn> {
        let org = secret_org(SecretKind::PortalLink, token).ok_or(AppError::NotFound("link"))?;
        let token_hash = hash_secret(token);
        let now = self.now();
        let contact = self
            .store
            .write(move |db| -> AppResult<rapport_core::client::Contact> {
                let owner = accounts::consume_link(db, org, "portal_sign_in", &token_hash, now)?
                    .map_err(link_error)?;
                let LinkOwner::Contact(c) = owner else {
                    return Err(AppError::NotFound("link"));
                };
                let contact = clients::get_contact(db, org, c)?;
                if !contact.portal_enabled {
                    // Revoking cancels outstanding links; this holds if one slipped through.
                    return Err(AppError::NotFound("link"));
                }
                Ok(contact)
            })
            .await?;
        if let Some(p) = previous {
            self.sign_out(&p).await?;
        }
        let principal = Principal::Contact {
            org_id: org,
            contact_id: contact.id,
            client_id: contact.client_id,
            role: contact.role,
        };
        self.open_session(principal, SessionOwner::Contact(contact.id), ip)
            .await
    }

    /// Invite a contact to the portal (managers and above, or the client's own client admin).
    /// Access is on from now; the contact gets a link to choose their own password, which
    /// staff never set or see. A new invitation replaces the contact's unused links.
    pub async fn invite_contact(&self, ctx: &Ctx, id: ContactId) -> AppResult<()> {
        if ctx.principal.client_scope().is_some() {
            // A client admin invites their own client's contacts (checked on the row below).
            ctx.require(Permission::ManageClientContacts)?;
        } else {
            ctx.require(Permission::ManagePortalAccess)?;
        }
        let org = ctx.org();
        let org_name = self.org(org).await?.name;
        let token = new_secret(SecretKind::PortalInvite, org);
        let hash = hash_secret(&token);
        let now = self.now();
        let expires = now
            .checked_add(INVITE_TTL)
            .map_err(|e| AppError::internal("the invitation's expiry", e))?;
        let url = format!(
            "{}/portal/invite?token={token}",
            self.settings.public_url.trim_end_matches('/')
        );
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                let c =
                    clients::get_contact(db, org, id).map_err(|_| AppError::NotFound("contact"))?;
                crate::access::check_manages(&ctx, &c)?;
                clients::grant_portal(db, org, id, now)?;
                accounts::cancel_contact_links(db, org, id)?;
                accounts::create_link(
                    db,
                    org,
                    "portal_invite",
                    &hash,
                    LinkOwner::Contact(id),
                    now,
                    expires,
                )?;
                let to = c.etiquette.preferred_name.as_deref().unwrap_or(&c.name);
                let days = INVITE_TTL.as_hours() / 24;
                crate::mail_out::queue_system_mail(
                    db,
                    org,
                    "portal_invite",
                    &c.email,
                    &format!("{org_name} invites you to their client portal"),
                    &format!(
                        "Hello {to},\n\n{org_name} invites you to their client portal, where you can \
                         follow your requests, promises and change orders.\n\n\
                         Open this link within {days} days to choose your password:\n\n{url}\n\n\
                         If you did not expect this, you can ignore this message.\n"
                    ),
                    now,
                )?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "contact.portal_invited")
                        .target("contact", id.0),
                )?;
                Ok(())
            })
            .await
    }

    /// Accept a portal invitation: the contact chooses their password and is signed in. Every
    /// other session of theirs ends.
    pub async fn accept_portal_invite(
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
        } = chosen_password(SecretKind::PortalInvite, token, password).await?;
        let now = self.now();
        let audit_ip = ip.clone();
        let contact = self
            .store
            .write(move |db| -> AppResult<rapport_core::client::Contact> {
                let owner = accounts::consume_link(db, org, "portal_invite", &token_hash, now)?
                    .map_err(link_error)?;
                let LinkOwner::Contact(c) = owner else {
                    return Err(AppError::NotFound("link"));
                };
                let contact = clients::get_contact(db, org, c)?;
                if !contact.portal_enabled {
                    return Err(AppError::NotFound("link"));
                }
                clients::set_portal_password(db, org, c, &hash, now)?;
                store_auth::delete_contact_sessions(db, org, c)?;
                audit::record(
                    db,
                    org,
                    now,
                    audit_ip.as_deref(),
                    &AuditEntry::new(Actor::Contact(c), "auth.portal_invite_accepted")
                        .target("contact", c.0),
                )?;
                Ok(contact)
            })
            .await?;
        if let Some(p) = previous {
            self.sign_out(&p).await?;
        }
        let principal = Principal::Contact {
            org_id: org,
            contact_id: contact.id,
            client_id: contact.client_id,
            role: contact.role,
        };
        self.open_session(principal, SessionOwner::Contact(contact.id), ip)
            .await
    }

    /// Start TOTP enrolment for the calling member: a new secret, not yet required.
    pub async fn totp_begin(&self, ctx: &Ctx) -> AppResult<TotpEnrolment> {
        let (org, member, _, enabled) = self.own_totp(ctx).await?;
        if enabled {
            return Err(AppError::conflict(
                "totp",
                "two-factor sign-in is already on; turn it off first",
            ));
        }
        let mut raw = [0u8; 20];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw);
        let secret = crate::totp::base32(&raw);
        let sealed = self.settings.secrets.seal(&Secret::new(secret.clone()))?;
        let m = self.get_member(ctx, member).await?;
        let org_row = self.org(org).await?;
        self.store
            .write(move |db| accounts::set_totp(db, org, member, Some(&sealed), false))
            .await?;
        Ok(TotpEnrolment {
            otpauth_url: crate::totp::otpauth_url(
                &format!("Rapport {}", org_row.name),
                &m.email,
                &secret,
            ),
            secret,
        })
    }

    /// Turn TOTP on (`enable`) or off; either way the current code proves the secret is held
    /// (and is spent). Turning it on also takes the member's password: a session left open
    /// must not be enough to tie the account to someone else's authenticator.
    pub async fn totp_set(
        &self,
        ctx: &Ctx,
        code: &str,
        password: Option<&str>,
        enable: bool,
    ) -> AppResult<()> {
        let (org, member, sealed, enabled) = self.own_totp(ctx).await?;
        let Some(sealed) = sealed else {
            return Err(AppError::conflict(
                "totp",
                "start enrolment first (POST /api/v1/me/totp)",
            ));
        };
        if enable == enabled {
            return Err(AppError::conflict(
                "totp",
                if enable { "already on" } else { "already off" },
            ));
        }
        if enable {
            self.confirm_password(ctx, member, "password", password.unwrap_or_default())
                .await?;
        }
        let secret = self.settings.secrets.open(&sealed)?;
        let bytes = crate::totp::from_base32(secret.expose()).unwrap_or_default();
        if !self.spend_totp(org, member, &bytes, code).await? {
            return Err(AppError::invalid(
                "code",
                "the code is wrong, expired or already used",
            ));
        }
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                accounts::set_totp(
                    db,
                    org,
                    member,
                    if enable { Some(&sealed) } else { None },
                    enable,
                )?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(
                        ctx.principal.actor(),
                        if enable {
                            "auth.totp_on"
                        } else {
                            "auth.totp_off"
                        },
                    )
                    .target("member", member.0),
                )?;
                Ok(())
            })
            .await
    }
    /// Whether the calling member signs in with a second factor.
    pub async fn totp_enabled(&self, ctx: &Ctx) -> AppResult<bool> {
        Ok(self.own_totp(ctx).await?.3)
    }

    /// The calling member's second factor: their org and id, the sealed secret (once
    /// enrolment began) and whether it is required at sign-in. Contacts have none.
    async fn own_totp(&self, ctx: &Ctx) -> AppResult<(OrgId, MemberId, Option<String>, bool)> {
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("two-factor sign-in is for members"))?;
        let org = ctx.org();
        let (sealed, enabled) = self
            .store
            .read(move |db| accounts::totp(db, org, member))
            .await?;
        Ok((org, member, sealed, enabled))
    }

    /// Refuse, on `field`, a password that is not the member's own: sensitive changes made
    /// from an open session are confirmed with it. Wrong guesses count against the same limits
    /// as signing in, so a stolen session cannot be used to guess the password at speed.
    async fn confirm_password(
        &self,
        ctx: &Ctx,
        member: MemberId,
        field: &'static str,
        given: &str,
    ) -> AppResult<()> {
        let org = ctx.org();
        let given = given.to_string();
        let (stored, email) = self
            .store
            .read(move |db| -> AppResult<_> {
                let hash = accounts::member_password_hash(db, org, member)?;
                Ok((hash, members::get(db, org, member)?.email))
            })
            .await?;
        self.sign_in_allowed(org, &email, ctx.ip.as_deref()).await?;
        let ok = tokio::task::spawn_blocking(move || {
            crate::auth::verify_password(stored.as_deref(), &given)
        })
        .await
        .map_err(|e| AppError::internal("the password check task", e))?;
        if ok {
            Ok(())
        } else {
            self.record_sign_in_failure(org, Some(member.0), &email, ctx.ip.clone())
                .await?;
            Err(AppError::invalid(field, "the password is wrong"))
        }
    }

    /// Change the calling member's password, confirmed with the current one. Every session of
    /// theirs ends, this one too: whoever learnt the old password and signed in with it is
    /// signed out, and the member signs in again with the new one.
    pub async fn change_password(&self, ctx: &Ctx, current: &str, new: &str) -> AppResult<()> {
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("only members change their password here"))?;
        let org = ctx.org();
        validate::password(new).map_err(|m| AppError::invalid("new_password", m))?;
        self.confirm_password(ctx, member, "current_password", current)
            .await?;
        let hash = hash_password_async(new.to_string()).await?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                members::set_password_hash(db, org, member, &hash, now)?;
                store_auth::delete_member_sessions(db, org, member)?;
                // A reset link mailed before the change would undo it.
                accounts::use_up_member_links(db, org, member, "password_reset", now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "auth.password_change")
                        .target("member", member.0),
                )?;
                Ok(())
            })
            .await
    }
}
