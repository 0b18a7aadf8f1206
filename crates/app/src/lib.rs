//! Rapport's use cases. Adapters (HTTP, mail, CLI) call these; each checks who is asking, lets
//! `rapport-core` decide, and records the outcome through `rapport-store` in one transaction
//! together with its audit event.

pub mod absence;
mod access;
pub mod accounts;
pub mod aggregates;
pub mod alerts;
pub mod assignment;
pub mod auth;
pub mod automation;
pub mod billing_export;
pub mod budget;
pub mod bulk;
pub mod calendar_feeds;
pub mod care;
pub mod change_orders;
pub mod clocks;
pub mod cursor;
pub mod dashboard;
pub mod error;
mod events;
pub mod gate;
pub mod health;
mod health_jobs;
pub mod history;
pub mod imports;
pub mod jobs;
pub mod mail;
pub mod mail_out;
pub mod mail_settings;
pub mod member_invites;
pub mod merge;
pub mod notify;
pub mod ops;
pub mod org;
pub mod pages;
pub mod people;
pub mod presence;
pub mod promise_board;
pub mod promises;
pub mod ratings;
pub mod requests;
pub mod scope;
pub mod search;
pub mod secrets;
pub mod snooze;
mod thread;
pub mod time;
pub mod totp;
pub mod transfer;
pub mod uploads;
pub mod work;
mod worker;

use std::sync::Arc;

use jiff::Timestamp;
use rapport_core::access::{Permission, Principal};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::OrgId;
use rapport_store::{Db, Store};

pub use error::{AppError, AppResult};
/// The most items one page of a listing holds.
pub use rapport_store::repo::MAX_PAGE;

/// A fixed-window limit: at most `count` events per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub count: i64,
    pub window: jiff::SignedDuration,
}

/// Where clients reach a server started with no configuration.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Settings that shape behaviour (not wiring).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a sign-in lasts.
    pub session_ttl: jiff::SignedDuration,
    /// Where people reach this server (links in mail point here).
    pub public_url: String,
    /// Seals secrets stored in the database.
    pub secrets: secrets::SecretBox,
    /// Requests for emailed links (password reset, portal sign-in) per account (email) and
    /// per IP address.
    pub sign_in_per_account: Limit,
    pub sign_in_per_ip: Limit,
    /// Back-off after failed sign-ins.
    pub sign_in: SignInLimits,
    /// How long password-reset and sign-in links stay valid.
    pub link_ttl: jiff::SignedDuration,
    /// SLA, promise, silence and capacity checks.
    pub clocks: clocks::ClockSettings,
    /// Mail in and out: From, limits, the SMTP transport and the IMAP reader.
    pub mail: mail_settings::MailSettings,
    /// Webhook deliveries: which targets are allowed, timeouts.
    pub webhooks: automation::WebhookSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_ttl: jiff::SignedDuration::from_hours(24 * 7),
            public_url: DEFAULT_PUBLIC_URL.to_string(),
            secrets: secrets::SecretBox::default(),
            sign_in_per_account: Limit {
                count: 10,
                window: jiff::SignedDuration::from_mins(15),
            },
            sign_in_per_ip: Limit {
                count: 50,
                window: jiff::SignedDuration::from_mins(15),
            },
            sign_in: SignInLimits::default(),
            link_ttl: jiff::SignedDuration::from_hours(1),
            clocks: clocks::ClockSettings::default(),
            mail: mail_settings::MailSettings::default(),
            webhooks: automation::WebhookSettings::default(),
        }
    }
}

/// Back-off after failed sign-ins. Failures are counted per account and address together, so
/// a guesser elsewhere never locks the real person out, and per address across accounts, so
/// one address cannot try many accounts. Behind a reverse proxy the address is the client's
/// only when the proxy is trusted (`--trusted-proxy`).
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    pub per_account_and_address: rapport_core::backoff::Backoff,
    pub per_address: rapport_core::backoff::Backoff,
    /// A counter clears after this long without a failure, and after a successful sign-in
    /// (the account-and-address one).
    pub forget_after: jiff::SignedDuration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        use rapport_core::backoff::Backoff;
        let (first_wait, max_wait) = (
            jiff::SignedDuration::from_secs(30),
            jiff::SignedDuration::from_mins(15),
        );
        SignInLimits {
            per_account_and_address: Backoff {
                free: 10,
                first_wait,
                max_wait,
            },
            per_address: Backoff {
                free: 50,
                first_wait,
                max_wait,
            },
            forget_after: jiff::SignedDuration::from_hours(1),
        }
    }
}

type ClockFn = dyn Fn() -> Timestamp + Send + Sync;

/// The application: a store, a clock and settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    /// Only use cases reach the database: adapters call `App` methods, never repos.
    pub(crate) store: Store,
    pub settings: Settings,
    clock: Arc<ClockFn>,
    /// Analysed briefs and precedents for the scope check of new requests (derived data, per
    /// process).
    scope_cache: Arc<scope::ScopeCaches>,
    /// Failures this process saw, for `/metrics` (see [`ops`]).
    ops: Arc<ops::OpsCounters>,
}

impl App {
    pub fn new(store: Store, settings: Settings) -> Self {
        App {
            store,
            settings,
            clock: Arc::new(Timestamp::now),
            scope_cache: Arc::new(scope::ScopeCaches::default()),
            ops: Arc::new(ops::OpsCounters::default()),
        }
    }

    /// The database engine in use, for the log line that says where the server runs.
    pub fn engine(&self) -> rapport_store::Engine {
        self.store.engine()
    }

    /// The database underneath, for tests that set up or inspect rows no use case exposes.
    #[cfg(feature = "testing")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Replace the clock (tests that need "later").
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }
}

/// Who is asking, and from where.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub principal: Principal,
    pub ip: Option<String>,
}

impl Ctx {
    pub fn new(principal: Principal, ip: Option<String>) -> Self {
        Ctx { principal, ip }
    }

    pub fn org(&self) -> OrgId {
        self.principal.org_id()
    }

    /// Fail with 403 unless the principal holds `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.principal.allows(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(match permission {
                Permission::ManageClients => "only managers and above may do this",
                Permission::ManagePortalAccess => {
                    "only managers and above may invite a contact to the portal, revoke their \
                     access or change their email address"
                }
                Permission::ManageMembers => "only admins and owners may do this",
                Permission::ReadAudit => "only admins and owners may read the audit trail",
                Permission::PortalAccess => "this is for client contacts",
                _ => "client contacts may not do this",
            }))
        }
    }

    /// Record `entry` in the audit trail as part of the current write.
    pub fn audit(&self, db: &mut Db<'_>, at: Timestamp, entry: AuditEntry) -> AppResult<()> {
        rapport_store::repo::audit::record(db, self.org(), at, self.ip.as_deref(), &entry)?;
        Ok(())
    }

    /// [`Ctx::audit`] for many entries at once (an import).
    pub fn audit_many(
        &self,
        db: &mut Db<'_>,
        at: Timestamp,
        entries: &[AuditEntry],
    ) -> AppResult<()> {
        rapport_store::repo::audit::record_many(db, self.org(), at, self.ip.as_deref(), entries)?;
        Ok(())
    }
}

/// A page of results with an opaque cursor for the next one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Listing<T> {
    /// A listing with nothing in it (and nothing after it).
    pub fn empty() -> Self {
        Listing {
            items: vec![],
            next_cursor: None,
        }
    }
}

impl<T> From<rapport_store::repo::Page<T>> for Listing<T> {
    fn from(p: rapport_store::repo::Page<T>) -> Self {
        Listing {
            items: p.items,
            next_cursor: p.next.map(cursor::encode),
        }
    }
}

/// Page sizes: default and the most one call may ask for.
pub const DEFAULT_LIMIT: usize = 50;

pub fn limit(requested: Option<usize>) -> AppResult<usize> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(0) => Err(AppError::invalid("limit", "must be at least 1")),
        Some(n) if n > rapport_store::repo::MAX_PAGE => Err(AppError::invalid(
            "limit",
            format!("must be at most {}", rapport_store::repo::MAX_PAGE),
        )),
        Some(n) => Ok(n),
    }
}
