//! The audit trail: append-only who-did-what-when for every change.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::ids::{AuditEventId, OrgId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub org_id: OrgId,
    pub at: Timestamp,
    pub actor: Actor,
    /// What happened, as `entity.verb` (`request.create`, `promise.keep`, `auth.sign_in`).
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<i64>,
    pub ip: Option<String>,
    /// What changed: for updates, the fields with their old and new values.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// An audit event before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub actor: Actor,
    pub action: &'static str,
    pub target_kind: Option<&'static str>,
    pub target_id: Option<i64>,
    pub details: serde_json::Value,
}

impl AuditEntry {
    pub fn new(actor: Actor, action: &'static str) -> Self {
        AuditEntry {
            actor,
            action,
            target_kind: None,
            target_id: None,
            details: serde_json::Value::Null,
        }
    }

    pub fn target(mut self, kind: &'static str, id: impl Into<i64>) -> Self {
        self.target_kind = Some(kind);
        self.target_id = Some(id.into());
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// The fields that differ between two serialisable values, as `{field: {from, to}}`: what an
/// update audit event records.
pub fn diff<T: Serialize>(before: &T, after: &T) -> serde_json::Value {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return serde_json::Value::Null;
    };
    let mut out = serde_json::Map::new();
    for (k, vb) in &b {
        if k == "updated_at" {
            continue;
        }
        let va = a.get(k).unwrap_or(&serde_json::Value::Null);
        if va != vb {
            out.insert(k.clone(), serde_json::json!({"from": va, "to": vb}));
        }
    }
    serde_json::Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_names_changed_fields_only() {
        #[derive(Serialize)]
        struct S {
            a: i32,
            b: &'static str,
            updated_at: i32,
        }
        let d = diff(
            &S {
                a: 1,
                b: "x",
                updated_at: 1,
            },
            &S {
                a: 2,
                b: "x",
                updated_at: 2,
            },
        );
        assert_eq!(d, serde_json::json!({"a": {"from": 1, "to": 2}}));
    }
}
