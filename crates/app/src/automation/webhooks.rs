//! Webhooks: subscriptions, signed deliveries through the job queue, and the delivery log.
//!
//! Each delivery is a POST of a JSON body with the headers
//! `Rapport-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`,
//! `Rapport-Event: <event>` and `Rapport-Delivery: <delivery id>`. A 2xx answer delivers it;
//! anything else (or no answer in time) is retried with growing backoff, then marked failed.

use std::net::{IpAddr, SocketAddr};

use hmac::{KeyInit, Mac};
use jiff::Timestamp;
use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_core::ids::{WebhookDeliveryId, WebhookId};
use rapport_core::jobs::Job;
use rapport_core::webhook::{
    self as core, Delivery, DeliveryStatus, SIGNATURE_HEADER, Target, Webhook, WebhookInput,
};
use rapport_store::repo::automation as store;
use serde::Serialize;
use serde_json::json;

use super::WebhookSettings;
use crate::jobs::{JobFailure, JobKind};
use crate::secrets::Secret;
use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The signature header value for `body` sent at `t` (unix seconds).
pub fn sign(secret: &str, t: i64, body: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A webhook as created: the secret is shown this once.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret. Store it now: it is never shown again.
    pub secret: String,
}

fn not_found(e: rapport_store::StoreError) -> AppError {
    match e {
        rapport_store::StoreError::NotFound => AppError::NotFound("webhook"),
        other => other.into(),
    }
}

/// Refuse targets on private networks unless allowed. Names are resolved at each delivery (what
/// a name points at can change); addresses are checked here as well.
fn check_target(t: &Target, settings: &WebhookSettings) -> Result<(), String> {
    rapport_mail::guard::check_literal(&t.host, settings.allow_private).map_err(|e| e.to_string())
}

/// Resolve the target and pick the address to connect to, refusing private ones unless allowed.
async fn resolve(t: &Target, settings: &WebhookSettings) -> Result<SocketAddr, String> {
    rapport_mail::guard::resolve_public(&t.host, t.port, settings.allow_private)
        .await
        .map_err(|e| e.to_string())
}

fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

/// The outcome of one attempt.
enum Attempt {
    Delivered(u16),
    /// An answer that was not 2xx, or no answer.
    Failed(Option<u16>, String),
    /// The target is refused (SSRF guard): no retry helps.
    Refused(String),
}

async fn post(
    settings: &WebhookSettings,
    url: &str,
    secret: &str,
    event: &str,
    delivery: WebhookDeliveryId,
    body: String,
    now: Timestamp,
) -> Attempt {
    let target = match core::parse_url(url) {
        Ok(t) => t,
        Err(e) => return Attempt::Refused(format!("bad URL: {e}")),
    };
    let addr = match resolve(&target, settings).await {
        Ok(a) => a,
        Err(e) => return Attempt::Refused(e),
    };
    // TLS (rustls, the system's roots) checks the certificate against the name in the URL; the
    // connection goes to the address checked above.
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(settings.timeout)
        .resolve(&target.host, addr)
        .build()
    {
        Ok(c) => c,
        Err(e) => return Attempt::Failed(None, format!("HTTP client: {e}")),
    };
    let t = now.as_second();
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "Rapport-Webhooks/1")
        .header(SIGNATURE_HEADER, sign(secret, t, &body))
        .header("Rapport-Event", event)
        .header("Rapport-Delivery", delivery.to_string())
        .body(body)
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => Attempt::Delivered(r.status().as_u16()),
        Ok(r) => Attempt::Failed(
            Some(r.status().as_u16()),
            format!("the receiver answered {}", r.status()),
        ),
        Err(e) => Attempt::Failed(None, format!("no answer: {e}")),
    }
}

impl App {
    /// Subscribe a URL to events (admins). The secret is returned once.
    pub async fn create_webhook(
        &self,
        ctx: &Ctx,
        input: WebhookInput,
    ) -> AppResult<CreatedWebhook> {
        ctx.require(Permission::ManageMembers)?;
        let (input, target) = input.validate()?;
        check_target(&target, &self.settings.webhooks).map_err(|m| AppError::invalid("url", m))?;
        let secret = input.secret.clone().unwrap_or_else(random_secret);
        let sealed = self.settings.secrets.seal(&Secret::new(secret.clone()))?;
        let now = self.now();
        let ctx = ctx.clone();
        let webhook = self
            .store
            .write(move |db| -> AppResult<Webhook> {
                let w = store::insert_webhook(
                    db,
                    ctx.org(),
                    &input.url,
                    &input.events,
                    &sealed,
                    input.enabled,
                    now,
                )?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "webhook.create")
                        .target("webhook", w.id.0)
                        .details(json!({"url": w.url, "events": w.events})),
                )?;
                Ok(w)
            })
            .await?;
        Ok(CreatedWebhook { webhook, secret })
    }

    pub async fn list_webhooks(&self, ctx: &Ctx) -> AppResult<Vec<Webhook>> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        Ok(self
            .store
            .read(move |db| store::list_webhooks(db, org))
            .await?)
    }

    pub async fn get_webhook(&self, ctx: &Ctx, id: WebhookId) -> AppResult<Webhook> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        self.store
            .read(move |db| store::get_webhook(db, org, id).map_err(not_found))
            .await
    }

    /// Pause or resume a subscription (admins).
    pub async fn set_webhook_enabled(
        &self,
        ctx: &Ctx,
        id: WebhookId,
        enabled: bool,
    ) -> AppResult<Webhook> {
        ctx.require(Permission::ManageMembers)?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Webhook> {
                let w = store::set_webhook_enabled(db, ctx.org(), id, enabled, now)
                    .map_err(not_found)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "webhook.update")
                        .target("webhook", id.0)
                        .details(json!({"enabled": enabled})),
                )?;
                Ok(w)
            })
            .await
    }

    /// A webhook's deliveries, newest first: status, attempts, the last answer or error.
    pub async fn list_deliveries(
        &self,
        ctx: &Ctx,
        id: WebhookId,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<Delivery>> {
        ctx.require(Permission::ManageMembers)?;
        let org = ctx.org();
        let before = cursor::after_id(after)?;
        self.store
            .read(move |db| -> AppResult<Listing<Delivery>> {
                store::get_webhook(db, org, id).map_err(not_found)?;
                Ok(store::list_deliveries(db, org, id, before, limit)?.into())
            })
            .await
    }

    /// Send a `ping` delivery now (admins): checks the URL and the receiver's signature check.
    pub async fn ping_webhook(&self, ctx: &Ctx, id: WebhookId) -> AppResult<WebhookDeliveryId> {
        ctx.require(Permission::ManageMembers)?;
        let now = self.now();
        let org = ctx.org();
        self.store
            .write(move |db| -> AppResult<WebhookDeliveryId> {
                store::get_webhook(db, org, id).map_err(not_found)?;
                crate::events::queue_delivery(db, org, id, "ping", &json!({"webhook_id": id}), now)
            })
            .await
    }

    /// The `webhook.deliver` job: one attempt. Failures return an error so the queue retries
    /// with backoff; the last one marks the delivery failed.
    pub(crate) async fn run_deliver_job(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let p = crate::events::Deliver::decode(job)?;
        let org = job.org_id;
        let id = p.webhook_delivery_id;
        let loaded = self
            .store
            .read(move |db| -> AppResult<(Delivery, Webhook, String)> {
                let d = store::get_delivery(db, org, id)?;
                let w = store::get_webhook(db, org, d.webhook_id)?;
                let sealed = store::webhook_secret(db, org, d.webhook_id)?;
                Ok((d, w, sealed))
            })
            .await;
        let (d, w, sealed) = match loaded {
            Ok(x) => x,
            Err(AppError::NotFound(_)) => {
                return self.finish_job(job, worker, |_, _| Ok(())).await;
            }
            Err(e) => return Err(e.into()),
        };
        if d.status != DeliveryStatus::Pending {
            return self.finish_job(job, worker, |_, _| Ok(())).await;
        }
        let secret = self.settings.secrets.open(&sealed)?;
        let now = self.now();
        let outcome = post(
            &self.settings.webhooks,
            &w.url,
            secret.expose(),
            &d.event,
            d.id,
            d.payload.clone(),
            now,
        )
        .await;
        let last = job.attempts >= job.max_attempts;
        match outcome {
            Attempt::Delivered(code) => {
                self.finish_job(job, worker, move |db, now| {
                    store::record_attempt(
                        db,
                        org,
                        id,
                        DeliveryStatus::Delivered,
                        Some(code.into()),
                        None,
                        now,
                    )?;
                    Ok(())
                })
                .await
            }
            Attempt::Refused(reason) => {
                let r2 = reason.clone();
                self.finish_job(job, worker, move |db, now| {
                    store::record_attempt(
                        db,
                        org,
                        id,
                        DeliveryStatus::Failed,
                        None,
                        Some(&r2),
                        now,
                    )?;
                    rapport_store::repo::audit::record(
                        db,
                        org,
                        now,
                        None,
                        &AuditEntry::new(rapport_core::access::Actor::System, "webhook.refused")
                            .target("webhook", d.webhook_id.0)
                            .details(json!({"delivery_id": id, "reason": r2})),
                    )?;
                    Ok(())
                })
                .await
            }
            Attempt::Failed(code, error) => {
                let status = if last {
                    DeliveryStatus::Failed
                } else {
                    DeliveryStatus::Pending
                };
                let e2 = error.clone();
                let recorded = self
                    .store
                    .write(move |db| {
                        store::record_attempt(
                            db,
                            org,
                            id,
                            status,
                            code.map(i64::from),
                            Some(&e2),
                            now,
                        )
                    })
                    .await;
                if let Err(e) = recorded {
                    tracing::warn!(error = %e, "recording a webhook attempt failed");
                }
                Err(JobFailure(error))
            }
        }
    }
}

/// Whether an address may be called under `settings` (for tests and diagnostics).
pub fn allowed(ip: IpAddr, settings: &WebhookSettings) -> bool {
    settings.allow_private || core::is_public(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_time_dot_body() {
        // Computed independently: Python's hmac.new(b"key", b"1700000000.{}", sha256).
        let s = sign("key", 1_700_000_000, "{}");
        assert_eq!(
            s,
            "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
        assert_ne!(s, sign("key2", 1_700_000_000, "{}"));
        assert_ne!(s, sign("key", 1_700_000_001, "{}"));
    }

    #[test]
    fn private_targets_are_refused_unless_allowed() {
        let t = core::parse_url("http://127.0.0.1:9/x").unwrap();
        let strict = WebhookSettings::default();
        assert!(check_target(&t, &strict).unwrap_err().contains("127.0.0.1"));
        // The forms the first guard missed.
        for url in [
            "http://[::127.0.0.1]/x",
            "http://[fec0::1]/x",
            "http://[64:ff9b::a9fe:a9fe]/x",
        ] {
            let t = core::parse_url(url).unwrap();
            assert!(check_target(&t, &strict).is_err(), "{url}");
        }
        let lax = WebhookSettings {
            allow_private: true,
            ..Default::default()
        };
        assert!(check_target(&t, &lax).is_ok());
        let t = core::parse_url("http://localhost/x").unwrap();
        assert!(check_target(&t, &strict).is_err());
        assert!(!allowed("10.0.0.1".parse().unwrap(), &strict));
    }
}
