//! Ratings of delivered work: the contact is invited (a one-time link, no sign-in) or rates in
//! the portal; the team gives its own rating; the gap between the two is watched per client
//! and engagement, and alerted once each time it crosses the threshold.

use jiff::{SignedDuration, Timestamp};
use rapport_core::access::{Actor, Permission, Principal};
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::audit::AuditEntry;
use rapport_core::etiquette::{Linter, Recipient, Tone};
use rapport_core::ids::{ClientId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::message::{Direction, Message, SendStatus};
use rapport_core::rating::{
    self, Invitation, Rating, RatingError, RatingSource,
    gap::{self, Gap, MonthGap, Pair},
};
use rapport_core::request::Request;
use rapport_store::Db;
use rapport_store::repo::{
    aggregates, alerts as store_alerts, audit, clients, engagements, members, messages, orgs,
    ratings, requests,
};
use serde::Serialize;

use crate::access::visible_request;
use crate::auth::{SecretKind, hash_secret, new_secret, same_hash, secret_org};
use crate::{App, AppError, AppResult, Ctx, Settings};

/// Where a rating invitation's link points, under the public URL: the rating page.
pub const LINK_PATH: &str = "/rate";

/// What the public rating page shows: what is being rated and who delivered it, nothing else.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    pub title: String,
    pub delivered_by: String,
    pub expires_at: Timestamp,
    /// The client's time zone, for showing the expiry as they read dates.
    pub tz: String,
}

/// What a perception gap is asked about.
#[derive(Debug, Clone, Copy)]
pub enum GapSubject {
    Client(ClientId),
    Engagement(EngagementId),
}

impl GapSubject {
    fn kind(self) -> &'static str {
        match self {
            GapSubject::Client(_) => "client",
            GapSubject::Engagement(_) => "engagement",
        }
    }

    fn id(self) -> i64 {
        match self {
            GapSubject::Client(c) => c.0,
            GapSubject::Engagement(e) => e.0,
        }
    }
}

/// The perception gap now (over the last N pairs) and month by month.
#[derive(Debug, Clone, Serialize)]
pub struct PerceptionGap {
    pub subject_kind: &'static str,
    pub subject_id: i64,
    pub last: usize,
    pub threshold: f64,
    pub current: Gap,
    pub months: Vec<MonthGap>,
}

fn not_found() -> AppError {
    AppError::NotFound("rating invitation")
}

fn rating_error(e: RatingError) -> AppError {
    match e {
        RatingError::NotDelivered(_) => AppError::conflict("status", e.to_string()),
        RatingError::Used => AppError::conflict("token", e.to_string()),
        RatingError::Expired(_) => AppError::Gone(e.to_string()),
    }
}

fn validated(score: i64, comment: &str) -> AppResult<(i64, String)> {
    Ok(rating::score_and_comment(score, comment)?)
}

/// Hook for a delivered request, inside the transition's write: invite its contact to rate
/// the work, and queue the message carrying the link. Nothing when the request has no contact,
/// they already rated it, or they hold a link that still works.
pub(crate) fn on_delivered(
    db: &mut Db<'_>,
    ip: Option<&str>,
    r: &Request,
    settings: &Settings,
    now: Timestamp,
) -> AppResult<()> {
    let Some(contact_id) = r.contact_id else {
        return Ok(());
    };
    let org = r.org_id;
    let already = ratings::for_request(db, org, r.id)?
        .iter()
        .any(|x| x.source == RatingSource::Client && x.contact_id == Some(contact_id));
    if already || ratings::live_invitation(db, org, r.id, contact_id, now)? {
        return Ok(());
    }
    let contact = clients::get_contact(db, org, contact_id)?;
    let client = clients::get(db, org, r.client_id)?;
    let token = new_secret(SecretKind::RatingInvitation, org);
    let expires_at = now
        .checked_add(SignedDuration::from_hours(24 * rating::INVITATION_DAYS))
        .map_err(|e| AppError::internal("the rating invitation's expiry", e))?;
    let zone = client
        .calendar
        .compile()
        .map(|c| c.zone().clone())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let recipient = Recipient {
        name: &contact.name,
        etiquette: &contact.etiquette,
    };
    let greet = Linter::new(&client.etiquette, Some(&recipient))
        .ok()
        .and_then(|l| l.addressee_name().map(str::to_string));
    let link = format!(
        "{}{LINK_PATH}/{token}",
        settings.public_url.trim_end_matches('/')
    );
    let body = rating::invitation_text(
        greet.as_deref(),
        client.etiquette.tone == Tone::Formal,
        &r.title,
        &link,
        zone.to_datetime(expires_at).date(),
    );
    let m = messages::insert(
        db,
        &Message {
            id: Default::default(),
            org_id: org,
            request_id: r.id,
            direction: Direction::Outbound,
            author: Actor::System,
            body,
            body_html: None,
            subject: Some(format!("How did we do? [{}] {}", r.reference, r.title)),
            mail_message_id: None,
            send_status: Some(SendStatus::Queued),
            scheduled_for: None,
            sent_at: None,
            sentiment: None,
            created_at: now,
        },
    )?;
    // Queued for the mail worker like any reply: without this the invitation sat in the
    // thread as "queued" and never left.
    let m = crate::mail_out::queue_outbound(db, &settings.mail, m, now)?;
    let inv = ratings::insert_invitation(
        db,
        &Invitation {
            id: 0,
            org_id: org,
            request_id: r.id,
            contact_id,
            created_at: now,
            expires_at,
            used_at: None,
        },
        &hash_secret(&token),
        Some(m.id),
    )?;
    rapport_store::repo::audit::record(
        db,
        org,
        now,
        ip,
        &AuditEntry::new(Actor::System, "rating.invite")
            .target("request", r.id.0)
            .details(
                serde_json::json!({"invitation_id": inv.id, "contact_id": contact_id,
                "message_id": m.id, "expires_at": expires_at}),
            ),
    )?;
    Ok(())
}

/// Find the invitation behind a token (locked, in a write): unknown tokens (or another org's,
/// or another kind of secret) are 404.
fn invitation(db: &mut Db<'_>, token: &str, for_update: bool) -> AppResult<Invitation> {
    let org = secret_org(SecretKind::RatingInvitation, token).ok_or_else(not_found)?;
    let hash = hash_secret(token);
    let (inv, stored) =
        ratings::invitation_by_hash(db, org, &hash, for_update)?.ok_or_else(not_found)?;
    if !same_hash(&stored, &hash) {
        return Err(not_found());
    }
    Ok(inv)
}

/// A client's rating is an event rules and webhooks may listen for.
fn rating_received(db: &mut Db<'_>, r: &Request, rating: &Rating, now: Timestamp) -> AppResult<()> {
    crate::events::emit(
        db,
        r,
        rapport_core::rule::Event::RatingReceived,
        &crate::events::Extra {
            rating: Some((rating.id.0, rating.score, rating.comment.clone())),
            ..Default::default()
        },
        &[],
        now,
    )
}

/// After a rating is stored: watch the perception gap of the client and the engagement, and
/// ask for the client's health again.
fn after_rating(db: &mut Db<'_>, r: &Request, now: Timestamp) -> AppResult<()> {
    let org = r.org_id;
    check_gap(db, org, GapSubject::Client(r.client_id), now)?;
    if let Some(e) = r.engagement_id {
        check_gap(db, org, GapSubject::Engagement(e), now)?;
    }
    crate::health::touch(db, org, r.client_id, now)
}

/// The subject's last `last` pairs, oldest first. A client's come from the kept pairs
/// (migration 0025) through an index that starts with the client, so they cost `last` rows;
/// an engagement's are paired from all its ratings (a request can change engagement).
fn last_pairs(db: &mut Db<'_>, org: OrgId, s: GapSubject, last: usize) -> AppResult<Vec<Pair>> {
    Ok(match s {
        GapSubject::Client(c) => aggregates::last_pairs(db, org, c, last)?,
        GapSubject::Engagement(e) => {
            let pairs = gap::pairs(&ratings::for_engagement(db, org, e)?);
            pairs[pairs.len().saturating_sub(last)..].to_vec()
        }
    })
}

/// The subject's pairs completed since `since`, oldest first.
fn pairs_since(
    db: &mut Db<'_>,
    org: OrgId,
    s: GapSubject,
    since: Timestamp,
) -> AppResult<Vec<Pair>> {
    Ok(match s {
        GapSubject::Client(c) => aggregates::pairs_since(db, org, c, since)?,
        GapSubject::Engagement(e) => gap::pairs(&ratings::for_engagement(db, org, e)?)
            .into_iter()
            .filter(|p| p.at >= since)
            .collect(),
    })
}

/// Raise `perception.gap` when the gap crosses the threshold; resolve it when it falls back.
fn check_gap(db: &mut Db<'_>, org: OrgId, s: GapSubject, now: Timestamp) -> AppResult<()> {
    let pairs = last_pairs(db, org, s, gap::DEFAULT_LAST)?;
    let g = gap::over_last(&pairs, gap::DEFAULT_LAST);
    let was = ratings::set_perception_flag(db, org, s.kind(), s.id(), g.flagged, now)?;
    let key = format!("perception.gap:{}:{}", s.kind(), s.id());
    if g.flagged && !was {
        crate::alerts::raise(
            db,
            org,
            &NewAlert {
                kind: "perception.gap".into(),
                severity: Severity::Warning,
                subject_kind: Some(s.kind()),
                subject_id: Some(s.id()),
                message: format!(
                    "The team rates its work {:.1} points above the client over the last {} rated requests",
                    g.gap.unwrap_or_default(),
                    g.pairs
                ),
                details: serde_json::to_value(&g).unwrap_or_default(),
                recipient_id: None,
                dedupe_key: key,
            },
            now,
        )?;
    } else if !g.flagged && was {
        store_alerts::resolve_key(db, org, &key, now)?;
    }
    Ok(())
}

fn insert_rating(
    db: &mut Db<'_>,
    r: &Request,
    source: RatingSource,
    by: Actor,
    score: i64,
    comment: String,
    now: Timestamp,
) -> AppResult<Rating> {
    let (contact_id, member_id) = match by {
        Actor::Contact(c) => (Some(c), None),
        Actor::Member(m) => (None, Some(m)),
        Actor::System => (None, None),
    };
    let rating = ratings::insert(
        db,
        &Rating {
            id: Default::default(),
            org_id: r.org_id,
            request_id: r.id,
            source,
            contact_id,
            member_id,
            score,
            comment,
            created_at: now,
        },
    )?;
    if let Some(c) = contact_id {
        ratings::use_invitations(db, r.org_id, r.id, c, now)?;
    }
    Ok(rating)
}

fn audit_rating(
    db: &mut Db<'_>,
    org: OrgId,
    by: Actor,
    ip: Option<&str>,
    rating: &Rating,
    via: &str,
    now: Timestamp,
) -> AppResult<()> {
    audit::record(
        db,
        org,
        now,
        ip,
        &AuditEntry::new(by, "rating.create")
            .target("rating", rating.id.0)
            .details(
                serde_json::json!({"request_id": rating.request_id, "source": rating.source,
                "score": rating.score, "via": via}),
            ),
    )?;
    Ok(())
}

/// [`App::request_ratings`] inside the caller's snapshot.
pub(crate) fn request_ratings_in(
    db: &mut Db<'_>,
    p: &Principal,
    id: RequestId,
) -> AppResult<Vec<Rating>> {
    let r = visible_request(db, p, id, false)?;
    let mut all = ratings::for_request(db, r.org_id, r.id)?;
    if let Principal::Contact { .. } = p {
        // Contacts see their client's ratings, not the team's view of its work.
        all.retain(|x| x.source == RatingSource::Client);
    }
    Ok(all)
}

impl App {
    /// What a rating link is for. No sign-in: the token is the credential.
    pub async fn rating_invitation(&self, token: &str) -> AppResult<InvitationView> {
        let token = token.to_string();
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<InvitationView> {
                let inv = invitation(db, &token, false)?;
                inv.usable(now).map_err(rating_error)?;
                let r = requests::get(db, inv.org_id, inv.request_id)?;
                let delivered_by = match r.assignee_id {
                    Some(m) => members::find(db, inv.org_id, m)?.map(|m| m.name),
                    None => None,
                };
                let delivered_by = match delivered_by {
                    Some(name) => name,
                    None => orgs::get(db, inv.org_id)?.name,
                };
                let tz = clients::get(db, inv.org_id, r.client_id)?.calendar.tz;
                Ok(InvitationView {
                    tz,
                    title: r.title,
                    delivered_by,
                    expires_at: inv.expires_at,
                })
            })
            .await
    }

    /// Rate through a link: once, before it expires, only delivered work. `request_id`, when
    /// given, must be the request the link is for.
    pub async fn rate_by_invitation(
        &self,
        token: &str,
        score: i64,
        comment: &str,
        request_id: Option<RequestId>,
        ip: Option<String>,
    ) -> AppResult<Rating> {
        let (score, comment) = validated(score, comment)?;
        let token = token.to_string();
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<Rating> {
                let inv = invitation(db, &token, true)?;
                if request_id.is_some_and(|id| id != inv.request_id) {
                    return Err(AppError::invalid(
                        "request_id",
                        "this rating link is for another request",
                    ));
                }
                inv.usable(now).map_err(rating_error)?;
                let r = requests::get_for_update(db, inv.org_id, inv.request_id)?;
                rating::ratable(r.status).map_err(rating_error)?;
                let by = Actor::Contact(inv.contact_id);
                let rating = insert_rating(db, &r, RatingSource::Client, by, score, comment, now)?;
                audit_rating(db, r.org_id, by, ip.as_deref(), &rating, "link", now)?;
                after_rating(db, &r, now)?;
                rating_received(db, &r, &rating, now)?;
                Ok(rating)
            })
            .await
    }

    /// A contact rates delivered work in the portal.
    pub async fn rate_request(
        &self,
        ctx: &Ctx,
        id: RequestId,
        score: i64,
        comment: &str,
    ) -> AppResult<Rating> {
        let Principal::Contact { contact_id, .. } = ctx.principal else {
            return Err(AppError::forbidden(
                "client contacts rate work; the team gives its rating at /team-rating",
            ));
        };
        let (score, comment) = validated(score, comment)?;
        self.rate(
            ctx,
            id,
            RatingSource::Client,
            Actor::Contact(contact_id),
            score,
            comment,
        )
        .await
    }

    /// The team's own rating of delivered work (one per request).
    pub async fn team_rate_request(
        &self,
        ctx: &Ctx,
        id: RequestId,
        score: i64,
        comment: &str,
    ) -> AppResult<Rating> {
        ctx.require(Permission::DoWork)?;
        let member: MemberId = ctx
            .principal
            .member_id()
            .ok_or_else(|| AppError::forbidden("the team rating is given by members"))?;
        let (score, comment) = validated(score, comment)?;
        self.rate(
            ctx,
            id,
            RatingSource::Team,
            Actor::Member(member),
            score,
            comment,
        )
        .await
    }

    async fn rate(
        &self,
        ctx: &Ctx,
        id: RequestId,
        source: RatingSource,
        by: Actor,
        score: i64,
        comment: String,
    ) -> AppResult<Rating> {
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Rating> {
                let r = visible_request(db, &ctx.principal, id, true)?;
                rating::ratable(r.status).map_err(rating_error)?;
                let rating = insert_rating(db, &r, source, by, score, comment, now)?;
                audit_rating(db, r.org_id, by, ctx.ip.as_deref(), &rating, "api", now)?;
                after_rating(db, &r, now)?;
                if source == RatingSource::Client {
                    rating_received(db, &r, &rating, now)?;
                }
                Ok(rating)
            })
            .await
    }

    /// The ratings of one request (members, or contacts of its client).
    pub async fn request_ratings(&self, ctx: &Ctx, id: RequestId) -> AppResult<Vec<Rating>> {
        let p = ctx.principal;
        self.store
            .read(move |db| request_ratings_in(db, &p, id))
            .await
    }

    /// Those of `requests` the signed-in contact has not rated yet (members: none), in the
    /// order given. It reveals only the contact's own ratings, so the ids need no other check.
    pub async fn unrated_by_me(
        &self,
        ctx: &Ctx,
        requests: Vec<RequestId>,
    ) -> AppResult<Vec<RequestId>> {
        let Principal::Contact { contact_id, .. } = ctx.principal else {
            return Ok(Vec::new());
        };
        let org = ctx.org();
        self.store
            .read(move |db| -> AppResult<Vec<RequestId>> {
                let rated = ratings::rated_by_contact(db, org, contact_id, &requests)?;
                Ok(requests
                    .into_iter()
                    .filter(|r| !rated.contains(r))
                    .collect())
            })
            .await
    }

    /// The perception gap of a client or engagement over the last `last` rated requests, and
    /// per month.
    pub async fn perception_gap(
        &self,
        ctx: &Ctx,
        subject: GapSubject,
        last: Option<usize>,
    ) -> AppResult<PerceptionGap> {
        ctx.require(Permission::ReadOrgWork)?;
        let last = last.unwrap_or(gap::DEFAULT_LAST);
        if !(1..=gap::MAX_LAST).contains(&last) {
            return Err(AppError::invalid(
                "last",
                format!("must be 1 to {} (got {last})", gap::MAX_LAST),
            ));
        }
        let org = ctx.org();
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<PerceptionGap> {
                let client = match subject {
                    GapSubject::Client(c) => c,
                    GapSubject::Engagement(e) => {
                        engagements::get(db, org, e)
                            .map_err(|_| {
                                AppError::invalid("engagement_id", format!("no engagement {e}"))
                            })?
                            .client_id
                    }
                };
                let client = clients::get(db, org, client)
                    .map_err(|_| AppError::invalid("client_id", format!("no client {client}")))?;
                let zone = client
                    .calendar
                    .compile()
                    .map(|c| c.zone().clone())
                    .unwrap_or(jiff::tz::TimeZone::UTC);
                let current = gap::over_last(&last_pairs(db, org, subject, last)?, last);
                let since = gap::months_since(now, &zone);
                let months = gap::by_month(&pairs_since(db, org, subject, since)?, &zone);
                Ok(PerceptionGap {
                    subject_kind: subject.kind(),
                    subject_id: subject.id(),
                    last,
                    threshold: gap::THRESHOLD,
                    current,
                    months,
                })
            })
            .await
    }
}
