//! Time entries: minutes a member spent, and when. They feed budgets, capacity and the
//! out-of-hours load.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, EngagementId, MemberId, OrgId, RequestId, TimeEntryId};
use crate::validate::{self, Violations, limits};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeEntry {
    pub id: TimeEntryId,
    pub org_id: OrgId,
    pub member_id: MemberId,
    pub client_id: Option<ClientId>,
    pub engagement_id: Option<EngagementId>,
    pub request_id: Option<RequestId>,
    pub started_at: Timestamp,
    pub minutes: i64,
    pub billable: bool,
    pub note: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTimeEntry {
    #[serde(default)]
    pub request_id: Option<RequestId>,
    #[serde(default)]
    pub engagement_id: Option<EngagementId>,
    /// Defaults to the caller; managers may log time for others.
    #[serde(default)]
    pub member_id: Option<MemberId>,
    /// When the work started; defaults to `minutes` before now.
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    /// 1-1440.
    pub minutes: i64,
    #[serde(default)]
    pub billable: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TimeEntryDraft {
    pub request_id: Option<RequestId>,
    pub engagement_id: Option<EngagementId>,
    pub member_id: Option<MemberId>,
    pub started_at: Timestamp,
    pub minutes: i64,
    pub billable: bool,
    pub note: String,
}

impl NewTimeEntry {
    pub fn validate(self, now: Timestamp) -> Result<TimeEntryDraft, Violations> {
        let mut v = Violations::new();
        let minutes = v.check("minutes", validate::range(self.minutes, 1, 24 * 60));
        let note = v.check(
            "note",
            validate::optional_text(self.note.as_deref().unwrap_or(""), limits::NOTE),
        );
        let started_at = self.started_at.unwrap_or_else(|| {
            now.checked_sub(jiff::SignedDuration::from_mins(minutes.unwrap_or(0)))
                .unwrap_or(now)
        });
        if started_at > now {
            v.add("started_at", "time cannot be logged for the future");
        }
        v.finish(|| TimeEntryDraft {
            request_id: self.request_id,
            engagement_id: self.engagement_id,
            member_id: self.member_id,
            started_at,
            minutes: minutes.unwrap_or_default(),
            billable: self.billable.unwrap_or(true),
            note: note.unwrap_or_default(),
        })
    }
}

/// A correction to a logged entry: only what is given changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeEntryPatch {
    /// 1-1440.
    #[serde(default)]
    pub minutes: Option<i64>,
    #[serde(default)]
    pub billable: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    /// Not in the future.
    #[serde(default)]
    pub started_at: Option<Timestamp>,
}

impl TimeEntryPatch {
    pub fn apply(self, t: &TimeEntry, now: Timestamp) -> Result<TimeEntry, Violations> {
        let mut v = Violations::new();
        let mut out = t.clone();
        if let Some(m) = self.minutes
            && let Some(m) = v.check("minutes", validate::range(m, 1, 24 * 60))
        {
            out.minutes = m;
        }
        if let Some(n) = &self.note
            && let Some(n) = v.check("note", validate::optional_text(n, limits::NOTE))
        {
            out.note = n;
        }
        if let Some(b) = self.billable {
            out.billable = b;
        }
        if let Some(s) = self.started_at {
            if s > now {
                v.add("started_at", "time cannot be logged for the future");
            } else {
                out.started_at = s;
            }
        }
        v.finish(|| out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_start_to_minutes_ago() {
        let now: Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        let e: NewTimeEntry = serde_json::from_str(r#"{"minutes": 30}"#).unwrap();
        let d = e.validate(now).unwrap();
        assert_eq!(
            d.started_at,
            "2026-03-02T09:30:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(d.billable);
    }

    #[test]
    fn bounds() {
        let now: Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        for bad in [
            r#"{"minutes": 0}"#,
            r#"{"minutes": 1441}"#,
            r#"{"minutes": -3}"#,
        ] {
            let e: NewTimeEntry = serde_json::from_str(bad).unwrap();
            assert_eq!(e.validate(now).unwrap_err().0[0].field, "minutes");
        }
        let e: NewTimeEntry =
            serde_json::from_str(r#"{"minutes": 10, "started_at": "2026-03-03T10:00:00Z"}"#)
                .unwrap();
        assert_eq!(e.validate(now).unwrap_err().0[0].field, "started_at");
    }
}
