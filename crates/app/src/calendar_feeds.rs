//! Calendar feeds: a secret URL per member or client serving their promises and SLA deadlines
//! as iCalendar, revocable. Only the token's SHA-256 is stored; the token names its org so a
//! lookup uses the org's index.

use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_core::ical::{Event, calendar};
use rapport_core::ids::{ClientId, MemberId, OrgId};
use rapport_store::repo::automation::{self as store, Feed};
use rapport_store::repo::{clients, members, orgs};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{App, AppError, AppResult, Ctx};

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewFeed {
    /// A member's feed (their promises and assigned requests); default: the caller's own.
    #[serde(default)]
    pub member_id: Option<MemberId>,
    /// A client's feed (its promises and requests). Managers and above.
    #[serde(default)]
    pub client_id: Option<ClientId>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedFeed {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    /// The secret URL: shown once. Anyone with it can read the feed until it is revoked.
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedInfo {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub created_at: jiff::Timestamp,
    pub revoked_at: Option<jiff::Timestamp>,
}

impl From<Feed> for FeedInfo {
    fn from(f: Feed) -> Self {
        FeedInfo {
            id: f.id,
            subject_kind: f.subject_kind,
            subject_id: f.subject_id,
            created_at: f.created_at,
            revoked_at: f.revoked_at,
        }
    }
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `<org id>-<48 hex>`: the org part picks the index, the secret part is hashed.
fn parse_token(token: &str) -> Option<(OrgId, &str)> {
    let (org, secret) = token.split_once('-')?;
    let org: i64 = org.parse().ok()?;
    (secret.len() == 48 && secret.chars().all(|c| c.is_ascii_hexdigit()))
        .then_some((OrgId(org), secret))
}

impl App {
    /// Make a feed URL for the caller, a member (managers) or a client (managers).
    pub async fn create_feed(&self, ctx: &Ctx, input: NewFeed) -> AppResult<CreatedFeed> {
        let me = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("calendar feeds are made by members"))?;
        let (kind, subject) = match (input.member_id, input.client_id) {
            (Some(_), Some(_)) => {
                return Err(AppError::invalid(
                    "client_id",
                    "give member_id or client_id, not both",
                ));
            }
            (None, Some(c)) => {
                ctx.require(Permission::ManageClients)?;
                ("client", c.0)
            }
            (Some(m), None) if m != me => {
                ctx.require(Permission::ManageClients)?;
                ("member", m.0)
            }
            _ => ("member", me.0),
        };
        let secret = {
            use rand::RngCore;
            let mut b = [0u8; 24];
            rand::rng().fill_bytes(&mut b);
            hex::encode(b)
        };
        let org = ctx.org();
        let token = format!("{}-{secret}", org.0);
        let h = hash(&secret);
        let now = self.now();
        let ctx = ctx.clone();
        let feed = self
            .store
            .write(move |db| -> AppResult<Feed> {
                let exists = if kind == "client" {
                    clients::exists(db, org, ClientId(subject))?
                } else {
                    members::find(db, org, MemberId(subject))?.is_some()
                };
                if !exists {
                    let field = if kind == "client" {
                        "client_id"
                    } else {
                        "member_id"
                    };
                    return Err(AppError::invalid(field, format!("no {kind} {subject}")));
                }
                let f = store::insert_feed(db, org, kind, subject, &h, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "calendar_feed.create")
                        .target("calendar_feed", f.id)
                        .details(json!({"subject_kind": kind, "subject_id": subject})),
                )?;
                Ok(f)
            })
            .await?;
        Ok(CreatedFeed {
            id: feed.id,
            subject_kind: feed.subject_kind,
            subject_id: feed.subject_id,
            url: format!("{}/api/v1/feeds/{token}.ics", self.settings.public_url),
        })
    }

    /// Feeds of the org (managers), or the caller's own.
    pub async fn list_feeds(&self, ctx: &Ctx) -> AppResult<Vec<FeedInfo>> {
        let me = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("calendar feeds are for members"))?;
        let all = ctx.principal.allows(Permission::ManageClients);
        let org = ctx.org();
        let feeds = self
            .store
            .read(move |db| store::list_feeds(db, org))
            .await?;
        Ok(feeds
            .into_iter()
            .filter(|f| all || (f.subject_kind == "member" && f.subject_id == me.0))
            .map(FeedInfo::from)
            .collect())
    }

    /// Revoke a feed: its URL stops working at once.
    pub async fn revoke_feed(&self, ctx: &Ctx, id: i64) -> AppResult<FeedInfo> {
        let me = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("calendar feeds are for members"))?;
        let all = ctx.principal.allows(Permission::ManageClients);
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<FeedInfo> {
                let org = ctx.org();
                let f = store::get_feed(db, org, id)
                    .map_err(|_| AppError::NotFound("calendar feed"))?;
                let own = f.subject_kind == "member" && f.subject_id == me.0;
                if !(all || own) {
                    return Err(AppError::NotFound("calendar feed"));
                }
                if !store::revoke_feed(db, org, id, now)? {
                    return Err(AppError::conflict("id", "the feed is already revoked"));
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "calendar_feed.revoke")
                        .target("calendar_feed", id),
                )?;
                Ok(store::get_feed(db, org, id)?.into())
            })
            .await
    }

    /// The feed behind a token, as iCalendar text; unknown or revoked tokens are not found.
    pub async fn feed_ics(&self, token: &str) -> AppResult<String> {
        let (org, secret) = parse_token(token).ok_or(AppError::NotFound("calendar feed"))?;
        let h = hash(secret);
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<String> {
                let f = store::feed_by_token(db, org, &h)?
                    .ok_or(AppError::NotFound("calendar feed"))?;
                let org_name = orgs::get(db, org)?.name;
                let whose = if f.subject_kind == "client" {
                    clients::get(db, org, ClientId(f.subject_id))?.name
                } else {
                    members::get(db, org, MemberId(f.subject_id))?.name
                };
                let events: Vec<Event> = store::deadlines(db, org, &f.subject_kind, f.subject_id)?
                    .into_iter()
                    .map(|(kind, id, at, title, client, extra)| {
                        if kind == "promise" {
                            Event {
                                uid: format!("promise-{id}@org-{}.rapport", org.0),
                                at,
                                summary: format!("Promised {title} due: {client}"),
                                description: extra,
                            }
                        } else {
                            Event {
                                uid: format!("sla-{id}@org-{}.rapport", org.0),
                                at,
                                summary: format!("SLA due: #{id} {title} ({client})"),
                                description: format!("Request {id}"),
                            }
                        }
                    })
                    .collect();
                Ok(calendar(&format!("{org_name}: {whose}"), &events, now))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_org_and_a_secret() {
        let s = "ab".repeat(24);
        assert_eq!(parse_token(&format!("7-{s}")), Some((OrgId(7), s.as_str())));
        assert_eq!(parse_token("7-short"), None);
        assert_eq!(parse_token(&format!("x-{s}")), None);
        assert_eq!(parse_token(&s), None);
    }
}
