//! Signing in: argon2id passwords, sessions for browsers, bearer tokens for scripts. Secrets
//! are random, shown once, and stored only as SHA-256 hashes. Every token names its org, so it
//! is looked up by (org, hash) without searching across orgs.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use rand::RngCore;
use rapport_core::access::{Actor, Principal};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::{MemberId, OrgId, TokenId};
use rapport_core::org::Org;
use rapport_core::validate;
pub use rapport_store::repo::auth::TokenInfo;
use rapport_store::repo::auth::{self as store_auth, SessionOwner};
use rapport_store::repo::{accounts, audit, clients, members, orgs};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{App, AppError, AppResult, Ctx};

/// Hash a password with argon2id (19 MiB, 2 passes, 1 lane: OWASP's recommendation).
/// CPU-heavy: call through [`hash_password_async`] from async code.
pub fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("password hashing", e))
}

pub async fn hash_password_async(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::internal("the password hashing task", e))?
}

/// Check a password against a stored hash. A missing hash still costs one verification, so
/// response time does not reveal whether an account exists.
pub fn verify_password(stored: Option<&str>, password: &str) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default());
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let ok = PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

pub(crate) async fn verify_async(stored: Option<String>, password: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || verify_password(stored.as_deref(), &password))
        .await
        .map_err(|e| AppError::internal("the password check task", e))
}

/// The kinds of secret we hand out; the prefix tells them apart in logs and leak scanners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Session,
    ApiToken,
    PasswordReset,
    PortalLink,
    /// A manager's invitation to the portal: the contact chooses their password with it.
    PortalInvite,
    /// A one-time link asking a contact to rate delivered work.
    RatingInvitation,
    /// An admin's invitation to join as a member: the invitee chooses their password with it.
    MemberInvite,
}

impl SecretKind {
    fn prefix(self) -> &'static str {
        match self {
            SecretKind::Session => "rps",
            SecretKind::ApiToken => "rpt",
            SecretKind::PasswordReset => "rpr",
            SecretKind::PortalLink => "rpl",
            SecretKind::PortalInvite => "rpi",
            SecretKind::RatingInvitation => "rpv",
            SecretKind::MemberInvite => "rpm",
        }
    }
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new secret for `org`: `rpt_<org>_<43 random chars>`.
pub fn new_secret(kind: SecretKind, org: OrgId) -> String {
    format!("{}_{}_{}", kind.prefix(), org.0, random_secret())
}

/// The org a secret belongs to, if it is one of ours of that kind.
pub fn secret_org(kind: SecretKind, secret: &str) -> Option<OrgId> {
    let rest = secret.strip_prefix(kind.prefix())?.strip_prefix('_')?;
    let (org, random) = rest.split_once('_')?;
    if random.len() != 43 {
        return None;
    }
    org.parse().ok().map(OrgId)
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compare hashes without an early exit on the first differing byte.
pub(crate) fn same_hash(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// What a person types to sign in.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The organisation's slug; optional on a single-organisation server.
    pub org: Option<String>,
    pub email: String,
    pub password: String,
    /// The one-time code, for members with TOTP enabled.
    pub totp: Option<String>,
}

/// A signed-in browser session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: Timestamp,
    pub principal: Principal,
}

/// The principal behind a session cookie, with the CSRF token forms must echo.
#[derive(Debug, Clone)]
pub struct SessionPrincipal {
    pub principal: Principal,
    pub csrf_token: String,
}

/// The failure counters a sign-in attempt belongs to: its account from its address, and its
/// address across accounts (none when the address is unknown).
fn fail_buckets(email: &str, ip: Option<&str>) -> (String, Option<String>) {
    (
        format!("signin:fail:{email}|{}", ip.unwrap_or("-")),
        ip.map(|i| format!("signin:fail-ip:{i}")),
    )
}

impl App {
    /// The org for a sign-in: named by slug, or the only one on a single-firm server.
    pub async fn resolve_org(&self, slug: Option<String>) -> AppResult<Org> {
        self.store
            .read(
                move |db| match slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    Some(s) => orgs::by_slug(db, s)?.ok_or_else(|| {
                        AppError::Unauthorized("wrong organisation, email or password".into())
                    }),
                    None => {
                        let mut all = orgs::list(db, 2)?;
                        match all.len() {
                            1 => Ok(all.remove(0)),
                            0 => Err(AppError::Unavailable(
                                "no organisation exists yet; run `rapport user add`".into(),
                            )),
                            _ => Err(AppError::invalid(
                                "org",
                                "this server hosts several organisations: give the org's slug",
                            )),
                        }
                    }
                },
            )
            .await
    }

    /// Refuse a sign-in attempt while its account-and-address or its address is backing off
    /// after failures (database counters, so every app server sees them): 429 with the
    /// seconds to wait. Nothing is counted here; only failures are (see
    /// [`App::record_sign_in_failure`]).
    pub(crate) async fn sign_in_allowed(
        &self,
        org: OrgId,
        email: &str,
        ip: Option<&str>,
    ) -> AppResult<()> {
        let now = self.now();
        let limits = self.settings.sign_in;
        let forget = limits.forget_after.as_millis() as i64;
        let (pair, address) = fail_buckets(email, ip);
        let email = email.to_string();
        let wait = self
            .store
            .write(move |db| -> AppResult<Option<jiff::SignedDuration>> {
                let mut checks = vec![(org.0, pair, limits.per_account_and_address)];
                if let Some(a) = address {
                    // Per-address counters are not tied to one org: a guesser may try many.
                    checks.push((0, a, limits.per_address));
                }
                let mut wait: Option<jiff::SignedDuration> = None;
                for (bucket_org, bucket, backoff) in checks {
                    if let Some((n, last)) =
                        accounts::failures(db, bucket_org, &bucket, now, forget)?
                        && let Ok(last) = Timestamp::from_millisecond(last)
                        && let Some(w) = backoff.wait(n, last, now)
                    {
                        wait = Some(wait.map_or(w, |x| x.max(w)));
                    }
                }
                if wait.is_some() {
                    audit::record(
                        db,
                        org,
                        now,
                        None,
                        &AuditEntry::new(Actor::System, "auth.rate_limited")
                            .details(serde_json::json!({"email": email})),
                    )?;
                }
                Ok(wait)
            })
            .await?;
        match wait {
            Some(w) => Err(AppError::TooMany(
                (w.as_millis().max(1000) as u64).div_ceil(1000),
            )),
            None => Ok(()),
        }
    }

    /// The part of signing in that members and contacts share: the rate limits, the lookup and
    /// the password check (which costs one verification whether or not the account exists).
    /// `lookup` returns the account, its password hash, whether it may sign in at all, and the
    /// member id to name in the audit trail. A failure is recorded and answered alike.
    async fn check_password<T, F>(
        &self,
        c: &Credentials,
        ip: &Option<String>,
        lookup: F,
    ) -> AppResult<(Org, String, T)>
    where
        T: Send + 'static,
        F: FnOnce(
                &mut rapport_store::Db<'_>,
                OrgId,
                &str,
            ) -> Result<
                Option<(T, Option<String>, bool, Option<i64>)>,
                rapport_store::StoreError,
            > + Send
            + 'static,
    {
        let org = self.resolve_org(c.org.clone()).await?;
        let email = validate::email(&c.email).unwrap_or_else(|_| c.email.trim().to_lowercase());
        self.sign_in_allowed(org.id, &email, ip.as_deref()).await?;
        let (org_id, key) = (org.id, email.clone());
        let found = self.store.read(move |db| lookup(db, org_id, &key)).await?;
        let (account, hash, eligible, audit_id) = match found {
            Some((a, h, e, id)) => (Some(a), h, e, id),
            None => (None, None, false, None),
        };
        let ok = verify_async(hash, c.password.clone()).await?;
        match account {
            Some(a) if ok && eligible => Ok((org, email, a)),
            _ => {
                self.record_sign_in_failure(org.id, audit_id, &email, ip.clone())
                    .await?;
                Err(AppError::Unauthorized(
                    "wrong organisation, email or password".into(),
                ))
            }
        }
    }

    /// The last part: forget the failure count, end the session held before (so a session id
    /// planted before sign-in never becomes an authenticated one), open a new one.
    async fn finish_sign_in(
        &self,
        org: OrgId,
        email: &str,
        principal: Principal,
        owner: SessionOwner,
        ip: Option<String>,
        previous: Option<String>,
    ) -> AppResult<SignedIn> {
        self.clear_sign_in_count(org, email, ip.as_deref()).await?;
        if let Some(p) = previous {
            self.sign_out(&p).await?;
        }
        self.open_session(principal, owner, ip).await
    }

    /// Sign a member in: rate limits, password, then the TOTP code when the member enabled it.
    pub async fn sign_in_member(
        &self,
        c: Credentials,
        ip: Option<String>,
        previous: Option<String>,
    ) -> AppResult<SignedIn> {
        let (org, email, member) = self
            .check_password(&c, &ip, |db, org, email| {
                Ok(members::by_email_with_hash(db, org, email)?.map(|(m, h)| {
                    let (active, id) = (m.active, m.id.0);
                    (m, h, active, Some(id))
                }))
            })
            .await?;
        let (org_id, member_id) = (org.id, member.id);
        let (sealed, enabled) = self
            .store
            .read(move |db| accounts::totp(db, org_id, member_id))
            .await?;
        if enabled {
            let Some(code) = c.totp.as_deref().filter(|c| !c.trim().is_empty()) else {
                return Err(AppError::SecondFactorRequired);
            };
            let secret = self
                .settings
                .secrets
                .open(sealed.as_deref().unwrap_or_default())?;
            let bytes = crate::totp::from_base32(secret.expose()).unwrap_or_default();
            if !self.spend_totp(org_id, member_id, &bytes, code).await? {
                self.record_sign_in_failure(org.id, Some(member_id.0), &email, ip)
                    .await?;
                return Err(AppError::Unauthorized(
                    "the one-time code is wrong, expired or already used".into(),
                ));
            }
        }
        let principal = Principal::Member {
            org_id: org.id,
            member_id,
            role: member.role,
        };
        self.finish_sign_in(
            org.id,
            &email,
            principal,
            SessionOwner::Member(member_id),
            ip,
            previous,
        )
        .await
    }

    /// Sign a client contact in to the portal.
    pub async fn sign_in_contact(
        &self,
        c: Credentials,
        ip: Option<String>,
        previous: Option<String>,
    ) -> AppResult<SignedIn> {
        let (org, email, contact) = self
            .check_password(&c, &ip, |db, org, email| {
                Ok(clients::contact_by_email(db, org, email)?.map(|(c, h)| {
                    let enabled = c.portal_enabled;
                    (c, h, enabled, None)
                }))
            })
            .await?;
        let principal = Principal::Contact {
            org_id: org.id,
            contact_id: contact.id,
            client_id: contact.client_id,
            role: contact.role,
        };
        self.finish_sign_in(
            org.id,
            &email,
            principal,
            SessionOwner::Contact(contact.id),
            ip,
            previous,
        )
        .await
    }

    /// Check a TOTP code and spend its step: true only the first time a valid code is used.
    pub(crate) async fn spend_totp(
        &self,
        org: OrgId,
        member: rapport_core::ids::MemberId,
        secret: &[u8],
        code: &str,
    ) -> AppResult<bool> {
        let used = self
            .store
            .read(move |db| accounts::totp_last_step(db, org, member))
            .await?;
        let Some(step) = crate::totp::verify(secret, code, self.now(), used) else {
            return Ok(false);
        };
        Ok(self
            .store
            .write(move |db| accounts::spend_totp_step(db, org, member, step))
            .await?)
    }

    /// A successful sign-in forgets this account-and-address's failures (not the address's:
    /// a guesser who also holds an account must not wipe their own record by signing in).
    async fn clear_sign_in_count(
        &self,
        org: OrgId,
        email: &str,
        ip: Option<&str>,
    ) -> AppResult<()> {
        let (pair, _) = fail_buckets(email, ip);
        Ok(self
            .store
            .write(move |db| accounts::clear(db, org.0, &pair))
            .await?)
    }

    /// Count a failed sign-in (a wrong password, an unknown account, a wrong one-time code)
    /// towards the back-off, and record it in the audit trail.
    pub(crate) async fn record_sign_in_failure(
        &self,
        org: OrgId,
        member: Option<i64>,
        email: &str,
        ip: Option<String>,
    ) -> AppResult<()> {
        let now = self.now();
        let forget = self.settings.sign_in.forget_after.as_millis() as i64;
        let (pair, address) = fail_buckets(email, ip.as_deref());
        let mut entry = AuditEntry::new(Actor::System, "auth.sign_in_failed")
            .details(serde_json::json!({"email": email}));
        if let Some(m) = member {
            entry = entry.target("member", m);
        }
        self.store
            .write(move |db| -> AppResult<()> {
                accounts::fail(db, org.0, &pair, now, forget)?;
                if let Some(a) = &address {
                    accounts::fail(db, 0, a, now, forget)?;
                }
                audit::record(db, org, now, ip.as_deref(), &entry)?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    pub(crate) async fn open_session(
        &self,
        principal: Principal,
        owner: SessionOwner,
        ip: Option<String>,
    ) -> AppResult<SignedIn> {
        let org = principal.org_id();
        let token = new_secret(SecretKind::Session, org);
        let csrf_token = random_secret();
        let now = self.now();
        let expires_at = now
            .checked_add(self.settings.session_ttl)
            .map_err(|e| AppError::internal("the session's expiry", e))?;
        let hash = hash_secret(&token);
        let csrf = csrf_token.clone();
        let ctx = Ctx::new(principal, ip.clone());
        self.store
            .write(move |db| -> AppResult<()> {
                store_auth::create_session(
                    db,
                    org,
                    &hash,
                    owner,
                    &csrf,
                    now,
                    expires_at,
                    ip.as_deref(),
                )?;
                ctx.audit(db, now, AuditEntry::new(principal.actor(), "auth.sign_in"))?;
                Ok(())
            })
            .await?;
        Ok(SignedIn {
            token,
            csrf_token,
            expires_at,
            principal,
        })
    }

    /// The principal behind a session token, if the session is live.
    pub async fn session(&self, token: &str) -> AppResult<Option<SessionPrincipal>> {
        let Some(org) = secret_org(SecretKind::Session, token) else {
            return Ok(None);
        };
        let hash = hash_secret(token);
        let now = self.now();
        let lookup = hash.clone();
        let found = self
            .store
            .read(move |db| store_auth::session(db, org, &lookup))
            .await?;
        if found.as_ref().is_some_and(|s| s.expires_at <= now) {
            // An expired session is deleted when it is next presented (and by housekeeping
            // otherwise), so the table holds no dead credentials.
            self.store
                .write(move |db| store_auth::delete_session(db, org, &hash))
                .await?;
            return Ok(None);
        }
        Ok(found.and_then(|s| {
            s.principal.map(|principal| SessionPrincipal {
                principal,
                csrf_token: s.csrf_token,
            })
        }))
    }

    /// The member behind a bearer token, if it is live.
    pub async fn api_token(&self, token: &str) -> AppResult<Option<Principal>> {
        let Some(org) = secret_org(SecretKind::ApiToken, token) else {
            return Ok(None);
        };
        let hash = hash_secret(token);
        let lookup = hash.clone();
        let found = self
            .store
            .read(move |db| store_auth::token(db, org, &lookup))
            .await?;
        let Some((info, principal, stored)) = found else {
            return Ok(None);
        };
        // The index found the row by hash; confirm in constant time so that acceptance never
        // depends on an early-exit byte comparison.
        if !same_hash(&stored, &hash) {
            return Ok(None);
        }
        // Record use at most once a minute: a write per API call would cost more than the call.
        let now = self.now();
        let stale = info
            .last_used_at
            .is_none_or(|t| now.duration_since(t) > jiff::SignedDuration::from_mins(1));
        if principal.is_some() && stale {
            let id = info.id;
            let _ = self
                .store
                .write(move |db| store_auth::touch_token(db, org, id, now))
                .await;
        }
        Ok(principal)
    }

    pub async fn sign_out(&self, token: &str) -> AppResult<()> {
        let Some(org) = secret_org(SecretKind::Session, token) else {
            return Ok(());
        };
        let hash = hash_secret(token);
        self.store
            .write(move |db| store_auth::delete_session(db, org, &hash))
            .await?;
        Ok(())
    }

    /// End every session of the caller (member or contact).
    pub async fn sign_out_everywhere(&self, ctx: &Ctx) -> AppResult<u64> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<u64> {
                let n = match ctx.principal {
                    Principal::Member {
                        org_id, member_id, ..
                    } => store_auth::delete_member_sessions(db, org_id, member_id)?,
                    Principal::Contact {
                        org_id, contact_id, ..
                    } => store_auth::delete_contact_sessions(db, org_id, contact_id)?,
                };
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "auth.sign_out_everywhere"),
                )?;
                Ok(n)
            })
            .await
    }

    /// Create an API token for the calling member; the secret is returned once.
    pub async fn create_token(&self, ctx: &Ctx, name: &str) -> AppResult<(TokenInfo, String)> {
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("client contacts cannot create API tokens"))?;
        self.create_token_for(ctx, member, name).await
    }

    /// Create a token for `member` (the operator's `rapport token create`, or the member).
    pub async fn create_token_for(
        &self,
        ctx: &Ctx,
        member: MemberId,
        name: &str,
    ) -> AppResult<(TokenInfo, String)> {
        let name = validate::line(name, 100).map_err(|m| AppError::invalid("name", m))?;
        let org = ctx.org();
        let secret = new_secret(SecretKind::ApiToken, org);
        let hash = hash_secret(&secret);
        let now = self.now();
        let ctx = ctx.clone();
        let info = self
            .store
            .write(move |db| -> AppResult<TokenInfo> {
                members::get(db, org, member)
                    .map_err(|_| AppError::invalid("member", "no such member"))?;
                let info = store_auth::create_token(db, org, member, &name, &hash, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "token.create")
                        .target("token", info.id.0)
                        .details(serde_json::json!({"name": name, "member_id": member})),
                )?;
                Ok(info)
            })
            .await?;
        Ok((info, secret))
    }

    /// The caller's tokens (admins see everyone's).
    pub async fn list_tokens(&self, ctx: &Ctx) -> AppResult<Vec<TokenInfo>> {
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("client contacts have no API tokens"))?;
        let all = ctx
            .principal
            .allows(rapport_core::access::Permission::ManageMembers);
        let org = ctx.org();
        Ok(self
            .store
            .read(move |db| store_auth::list_tokens(db, org, if all { None } else { Some(member) }))
            .await?)
    }

    pub async fn revoke_token(&self, ctx: &Ctx, id: TokenId) -> AppResult<()> {
        let member = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("client contacts have no API tokens"))?;
        let admin = ctx
            .principal
            .allows(rapport_core::access::Permission::ManageMembers);
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                let t =
                    store_auth::get_token(db, org, id).map_err(|_| AppError::NotFound("token"))?;
                if t.member_id != member && !admin {
                    return Err(AppError::NotFound("token"));
                }
                store_auth::revoke_token(db, org, id, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "token.revoke").target("token", id.0),
                )?;
                Ok(())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(Some(&h), "correct horse battery"));
        assert!(!verify_password(Some(&h), "wrong horse battery"));
        assert!(!verify_password(None, "correct horse battery"));
        assert!(!verify_password(Some("garbage"), "x"));
    }

    #[test]
    fn secrets_carry_their_org() {
        let s = new_secret(SecretKind::ApiToken, OrgId(42));
        assert!(s.starts_with("rpt_42_"));
        assert_eq!(secret_org(SecretKind::ApiToken, &s), Some(OrgId(42)));
        assert_eq!(secret_org(SecretKind::Session, &s), None);
        assert_eq!(secret_org(SecretKind::ApiToken, "rpt_42_short"), None);
        assert_ne!(
            new_secret(SecretKind::Session, OrgId(1)),
            new_secret(SecretKind::Session, OrgId(1))
        );
        assert_eq!(hash_secret("a").len(), 64);
    }
}
