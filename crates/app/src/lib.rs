//! Rapport's use cases. Adapters (HTTP, mail, CLI) call these; each checks who is asking, lets
//! `rapport-core` decide, and records the outcome through `rapport-store` in one transaction
//! together with its audit event.

pub mod alerts;
pub mod auth;
pub mod cursor;
pub mod demo;
pub mod error;
pub mod jobs;
pub mod org;
pub mod people;
pub mod promises;
pub mod requests;
pub mod search;
pub mod time;
pub mod transfer;
pub mod work;

use std::sync::Arc;

use jiff::Timestamp;
use rapport_core::access::{Permission, Principal};
use rapport_core::audit::AuditEntry;
use rapport_core::ids::OrgId;
use rapport_store::{Db, Store};

pub use error::{AppError, AppResult};

/// Settings that shape behaviour (not wiring).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a sign-in lasts.
    pub session_ttl: jiff::SignedDuration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_ttl: jiff::SignedDuration::from_hours(24 * 7),
        }
    }
}

type ClockFn = dyn Fn() -> Timestamp + Send + Sync;

/// The application: a store, a clock and settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub settings: Settings,
    clock: Arc<ClockFn>,
}

impl App {
    pub fn new(store: Store, settings: Settings) -> Self {
        App {
            store,
            settings,
            clock: Arc::new(Timestamp::now),
        }
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
}

/// A page of results with an opaque cursor for the next one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
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
