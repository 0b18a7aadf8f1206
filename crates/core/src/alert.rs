//! Alerts: things a person must see (a breached SLA, a promise about to break, a mailbox that
//! stopped working, a budget running out). Raised once per occurrence, then acknowledged or
//! resolved.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{MemberId, OrgId};
use crate::label_enum;

label_enum!(Severity {
    Info => "info",
    Warning => "warning",
    Critical => "critical",
});

label_enum!(AlertStatus {
    Open => "open",
    Acknowledged => "acknowledged",
    Resolved => "resolved",
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: i64,
    pub org_id: OrgId,
    /// What kind of alert (`sla.breached`, `promise.broken`, `mailbox.failing`, `budget.80`).
    pub kind: String,
    pub severity: Severity,
    /// The thing it is about (`request`, `promise`, `engagement`, `mailbox`) and its id.
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    pub message: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
    /// Who must act (an escalation goes to the engagement's manager); `None`: the whole team.
    pub recipient_id: Option<MemberId>,
    pub status: AlertStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub acknowledged_by: Option<MemberId>,
    pub resolved_at: Option<Timestamp>,
}

/// An alert to raise. `dedupe_key` makes raising idempotent: while an alert with the same key is
/// open (or acknowledged), raising it again does nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub kind: String,
    pub severity: Severity,
    pub subject_kind: Option<&'static str>,
    pub subject_id: Option<i64>,
    pub message: String,
    pub details: serde_json::Value,
    pub recipient_id: Option<MemberId>,
    pub dedupe_key: String,
}
