//! Members: the people of the firm.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::ids::{MemberId, OrgId};
use crate::validate::{self, Violations, limits};

/// Default weekly capacity: 40 hours.
pub const DEFAULT_CAPACITY_MINUTES: i64 = 40 * 60;
/// Nobody works more than 7 x 24 hours a week.
pub const MAX_CAPACITY_MINUTES: i64 = 7 * 24 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub id: MemberId,
    pub org_id: OrgId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// IANA time zone the member works in.
    pub tz: String,
    /// Weekly working hours in `tz`, e.g. `["mon-fri 09:00-17:00"]`.
    pub working_hours: Vec<String>,
    /// Hours a week the member can give to client work, in minutes.
    pub weekly_capacity_minutes: i64,
    /// Days off (`YYYY-MM-DD`, in `tz`): no working hours, no capacity, no suggested dates.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Countries (ISO 3166-1 alpha-2, e.g. `GB`) whose public holidays the member takes.
    #[serde(default)]
    pub holiday_countries: Vec<String>,
    /// Plain text put under the member's email replies (after a `-- ` line); `None`: none.
    #[serde(default)]
    pub signature: Option<String>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Unique within the firm. At most 254 characters.
    pub email: String,
    /// 1-200 characters.
    pub name: String,
    pub role: Role,
    /// IANA zone, e.g. `Europe/London`.
    pub tz: String,
    #[serde(default)]
    pub working_hours: Option<Vec<String>>,
    /// 0 to 10080 (7 x 24 h); default 2400 (40 h).
    #[serde(default)]
    pub weekly_capacity_minutes: Option<i64>,
    /// Sign-in password; 10-1024 characters. Members without one cannot sign in.
    #[serde(default)]
    pub password: Option<String>,
}

/// A validated new member.
#[derive(Debug, Clone)]
pub struct MemberDraft {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub tz: String,
    pub working_hours: Vec<String>,
    pub weekly_capacity_minutes: i64,
    pub password: Option<String>,
}

impl NewMember {
    pub fn validate(self) -> Result<MemberDraft, Violations> {
        let mut v = Violations::new();
        let email = v.check("email", validate::email(&self.email));
        let name = v.check("name", validate::line(&self.name, limits::NAME));
        let tz = v.check("tz", validate::time_zone(&self.tz));
        let hours = working_hours(self.working_hours, &self.tz, &mut v);
        let capacity = v.check(
            "weekly_capacity_minutes",
            validate::range(
                self.weekly_capacity_minutes
                    .unwrap_or(DEFAULT_CAPACITY_MINUTES),
                0,
                MAX_CAPACITY_MINUTES,
            ),
        );
        if let Some(p) = &self.password {
            v.check("password", validate::password(p));
        }
        v.finish(|| MemberDraft {
            email: email.unwrap_or_default(),
            name: name.unwrap_or_default(),
            role: self.role,
            tz: tz.unwrap_or_default(),
            working_hours: hours,
            weekly_capacity_minutes: capacity.unwrap_or_default(),
            password: self.password,
        })
    }
}

/// Validate working hours by compiling them as a calendar in the member's zone.
fn working_hours(value: Option<Vec<String>>, tz: &str, v: &mut Violations) -> Vec<String> {
    let hours = value.unwrap_or_else(|| vec!["mon-fri 09:00-17:00".to_string()]);
    let spec = crate::calendar::CalendarSpec {
        tz: tz.to_string(),
        hours: hours.clone(),
        holidays: Vec::new(),
        countries: Vec::new(),
    };
    match spec.compile() {
        Ok(_) => {}
        // A bad zone is reported against `tz` by the caller.
        Err(e) if e.part() == crate::calendar::CalendarPart::Zone => {}
        Err(e) => v.add("working_hours", e.to_string()),
    }
    hours
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub tz: Option<String>,
    #[serde(default)]
    pub working_hours: Option<Vec<String>>,
    #[serde(default)]
    pub weekly_capacity_minutes: Option<i64>,
    /// Days off, `YYYY-MM-DD` in the member's zone (replaces the list; at most 500).
    #[serde(default)]
    pub holidays: Option<Vec<String>>,
    /// Countries whose public holidays the member takes, e.g. `["GB"]` (replaces the list).
    #[serde(default)]
    pub holiday_countries: Option<Vec<String>>,
    /// Plain text under your email replies: at most 500 characters and 8 lines; `""` removes it.
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// A signature is a few lines under a reply, not a letterhead: long ones bury the answer.
pub const MAX_SIGNATURE_CHARS: usize = 500;
pub const MAX_SIGNATURE_LINES: usize = 8;

/// A signature as kept: trimmed, line ends as `\n`; empty means none.
fn signature(value: &str) -> Result<String, String> {
    let sig = validate::optional_text(&value.replace("\r\n", "\n"), MAX_SIGNATURE_CHARS)?;
    let lines = sig.lines().count();
    if lines > MAX_SIGNATURE_LINES {
        return Err(format!(
            "must be at most {MAX_SIGNATURE_LINES} lines (got {lines})"
        ));
    }
    Ok(sig)
}

/// The most explicit holiday dates a member may keep.
pub const MAX_HOLIDAYS: usize = 500;

impl Member {
    /// The member's own calendar: their zone, working hours and holidays.
    pub fn calendar_spec(&self) -> crate::calendar::CalendarSpec {
        crate::calendar::CalendarSpec {
            tz: self.tz.clone(),
            hours: self.working_hours.clone(),
            holidays: self.holidays.clone(),
            countries: self.holiday_countries.clone(),
        }
    }
}

/// Check holiday dates (or, with `countries`, country codes) on their own, so each field gets its
/// own message; returns them trimmed, sorted and without repeats.
fn holiday_list(
    values: Vec<String>,
    countries: bool,
    field: &str,
    v: &mut Violations,
) -> Vec<String> {
    let mut out: Vec<String> = values
        .iter()
        .map(|s| {
            let s = s.trim();
            if countries {
                s.to_ascii_uppercase()
            } else {
                s.to_string()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    if out.len() > MAX_HOLIDAYS {
        v.add(
            field,
            format!("at most {MAX_HOLIDAYS} entries, got {}", out.len()),
        );
        return out;
    }
    let spec = crate::calendar::CalendarSpec {
        tz: "UTC".into(),
        hours: vec!["mon-fri 09:00-17:00".into()],
        holidays: if countries { Vec::new() } else { out.clone() },
        countries: if countries { out.clone() } else { Vec::new() },
    };
    if let Err(e) = spec.compile() {
        v.add(field, e.to_string());
    }
    out
}

impl MemberPatch {
    /// Apply to `m`, returning the updated member or every problem found.
    pub fn apply(self, m: &Member) -> Result<Member, Violations> {
        let mut v = Violations::new();
        let mut out = m.clone();
        if let Some(n) = &self.name
            && let Some(n) = v.check("name", validate::line(n, limits::NAME))
        {
            out.name = n;
        }
        if let Some(r) = self.role {
            out.role = r;
        }
        if let Some(tz) = &self.tz
            && let Some(tz) = v.check("tz", validate::time_zone(tz))
        {
            out.tz = tz;
        }
        if self.working_hours.is_some() || self.tz.is_some() {
            out.working_hours = working_hours(
                self.working_hours.or(Some(out.working_hours.clone())),
                &out.tz,
                &mut v,
            );
        }
        if let Some(c) = self.weekly_capacity_minutes
            && let Some(c) = v.check(
                "weekly_capacity_minutes",
                validate::range(c, 0, MAX_CAPACITY_MINUTES),
            )
        {
            out.weekly_capacity_minutes = c;
        }
        if let Some(h) = self.holidays {
            out.holidays = holiday_list(h, false, "holidays", &mut v);
        }
        if let Some(c) = self.holiday_countries {
            out.holiday_countries = holiday_list(c, true, "holiday_countries", &mut v);
        }
        if let Some(sig) = &self.signature
            && let Some(sig) = v.check("signature", signature(sig))
        {
            out.signature = (!sig.is_empty()).then_some(sig);
        }
        if let Some(a) = self.active {
            out.active = a;
        }
        v.finish(|| out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewMember {
        NewMember {
            email: "ada@northwind.example".into(),
            name: "Ada Okafor".into(),
            role: Role::Agent,
            tz: "Europe/London".into(),
            working_hours: None,
            weekly_capacity_minutes: None,
            password: None,
        }
    }

    #[test]
    fn defaults_apply() {
        let d = input().validate().unwrap();
        assert_eq!(d.weekly_capacity_minutes, DEFAULT_CAPACITY_MINUTES);
        assert_eq!(d.working_hours, vec!["mon-fri 09:00-17:00"]);
    }

    #[test]
    fn holidays_are_checked_field_by_field() {
        let m = Member {
            id: MemberId(1),
            org_id: OrgId(1),
            email: "ada@northwind.example".into(),
            name: "Ada".into(),
            role: Role::Agent,
            tz: "Europe/London".into(),
            working_hours: vec!["mon-fri 09:00-17:00".into()],
            weekly_capacity_minutes: 2400,
            holidays: vec![],
            holiday_countries: vec![],
            signature: None,
            active: true,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        };
        let patch = |h: &[&str], c: &[&str]| MemberPatch {
            holidays: Some(h.iter().map(|s| s.to_string()).collect()),
            holiday_countries: Some(c.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        let ok = patch(&["2026-12-29", " 2026-12-24", "2026-12-29"], &["gb"])
            .apply(&m)
            .unwrap();
        assert_eq!(ok.holidays, ["2026-12-24", "2026-12-29"]);
        assert_eq!(ok.holiday_countries, ["GB"]);
        let err = patch(&["2026-02-30"], &["XX"]).apply(&m).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["holidays", "holiday_countries"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let mut i = input();
        i.email = "nope".into();
        i.tz = "Europe/Atlantis".into();
        i.weekly_capacity_minutes = Some(-5);
        i.password = Some("short".into());
        let err = i.validate().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["email", "tz", "weekly_capacity_minutes", "password"]
        );
    }
}
