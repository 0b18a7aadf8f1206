//! Engagements: work for a client under a written brief, with a budget and a rate.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::CalendarSpec;
use crate::client::calendar_spec;
use crate::ids::{ClientId, EngagementId, MemberId, OrgId};
use crate::label_enum;
use crate::money::{self, Currency};
use crate::patch;
use crate::scope::Brief;
use crate::silence::SilencePolicy;
use crate::sla::SlaPolicy;
use crate::validate::{self, Violations, limits};

label_enum!(EngagementStatus {
    Active => "active",
    Paused => "paused",
    Closed => "closed",
});

/// Brief limits, in characters / entries: those of `Brief::validate`, which the API enforces.
pub const BRIEF_TEXT_MAX: usize = crate::scope::MAX_BRIEF_TEXT_CHARS;
pub const SCOPE_ITEMS_MAX: usize = crate::scope::MAX_ITEMS;
pub const SCOPE_ITEM_MAX: usize = crate::scope::MAX_ITEM_TEXT_CHARS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engagement {
    pub id: EngagementId,
    pub org_id: OrgId,
    pub client_id: ClientId,
    pub name: String,
    pub status: EngagementStatus,
    /// The member accountable for the engagement (escalations go here).
    pub manager_id: Option<MemberId>,
    /// The members who work on it, by id, ascending.
    #[serde(default)]
    pub team: Vec<MemberId>,
    pub brief: Brief,
    /// Incremented on every change of the brief; scope verdicts record the version they used.
    pub brief_version: i64,
    pub currency: Currency,
    /// Hourly rate in minor units of `currency`.
    pub hourly_rate_minor: Option<i64>,
    pub budget_minutes: Option<i64>,
    pub budget_fee_minor: Option<i64>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    /// SLA targets per priority in business minutes; `null`: the default policy.
    pub sla_policy: Option<SlaPolicy>,
    /// The longest a client may wait for word from us; `null`: the default (16 business hours).
    pub silence_policy: Option<SilencePolicy>,
    /// The business calendar this engagement's clocks run on; `null`: the client's calendar.
    pub calendar: Option<CalendarSpec>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Engagement {
    /// The SLA policy in force: the engagement's own, or the default.
    pub fn sla_policy_or_default(&self) -> SlaPolicy {
        self.sla_policy.unwrap_or_default()
    }

    /// The silence policy in force: the engagement's own, or the default.
    pub fn silence_policy_or_default(&self) -> SilencePolicy {
        self.silence_policy.unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEngagement {
    pub client_id: ClientId,
    /// 1-200 characters.
    pub name: String,
    #[serde(default)]
    pub manager_id: Option<MemberId>,
    /// Active members of the organisation who work on it (at most 200; repeats count once).
    #[serde(default)]
    pub team_member_ids: Vec<MemberId>,
    #[serde(default)]
    pub brief: Option<Brief>,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: Currency,
    #[serde(default)]
    pub hourly_rate_minor: Option<i64>,
    #[serde(default)]
    pub budget_minutes: Option<i64>,
    #[serde(default)]
    pub budget_fee_minor: Option<i64>,
    #[serde(default)]
    pub starts_on: Option<Date>,
    #[serde(default)]
    pub ends_on: Option<Date>,
    /// `{targets: {urgent|high|normal|low: {first_response_minutes, next_response_minutes,
    /// resolution_minutes}}, at_risk_percent}`; each target 1-120000 business minutes or `null`
    /// (that clock does not apply), at_risk_percent 1-99. Omitted: the default policy.
    #[serde(default)]
    pub sla_policy: Option<SlaPolicy>,
    /// `{max_business_minutes}`: 1-120000, default 960.
    #[serde(default)]
    pub silence_policy: Option<SilencePolicy>,
    /// A calendar `{tz, hours?, holidays?, countries?}` for this engagement's clocks when it
    /// differs from the client's.
    #[serde(default)]
    pub calendar: Option<CalendarSpec>,
}

#[derive(Debug, Clone)]
pub struct EngagementDraft {
    pub client_id: ClientId,
    pub name: String,
    pub manager_id: Option<MemberId>,
    pub team: Vec<MemberId>,
    pub brief: Brief,
    pub currency: Currency,
    pub hourly_rate_minor: Option<i64>,
    pub budget_minutes: Option<i64>,
    pub budget_fee_minor: Option<i64>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub sla_policy: Option<SlaPolicy>,
    pub silence_policy: Option<SilencePolicy>,
    pub calendar: Option<CalendarSpec>,
}

/// The most members a team may hold: more than any firm puts on one client.
pub const TEAM_MAX: usize = 200;

/// A team as a set: ascending ids, each once.
fn team(mut ids: Vec<MemberId>, v: &mut Violations) -> Vec<MemberId> {
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > TEAM_MAX {
        v.add(
            "team_member_ids",
            format!("at most {TEAM_MAX} members, not {}", ids.len()),
        );
    }
    ids
}

/// Who joined and who left between two teams (both ascending).
pub fn team_change(before: &[MemberId], after: &[MemberId]) -> (Vec<MemberId>, Vec<MemberId>) {
    let added = after
        .iter()
        .filter(|m| !before.contains(m))
        .copied()
        .collect();
    let removed = before
        .iter()
        .filter(|m| !after.contains(m))
        .copied()
        .collect();
    (added, removed)
}

/// Validate the clock settings of an engagement, each problem under its own field
/// (`sla_policy.targets.high.resolution_minutes`, `calendar.tz`).
fn clocks(
    sla: Option<SlaPolicy>,
    silence: Option<SilencePolicy>,
    calendar: Option<CalendarSpec>,
    v: &mut Violations,
) -> (
    Option<SlaPolicy>,
    Option<SilencePolicy>,
    Option<CalendarSpec>,
) {
    if let Some(p) = &sla
        && let Err(e) = p.validate()
    {
        v.nest("sla_policy", e);
    }
    if let Some(p) = &silence
        && let Err(e) = p.validate()
    {
        v.nest("silence_policy", e);
    }
    let calendar = calendar.map(|c| calendar_spec(c, "calendar", v));
    (sla, silence, calendar)
}

/// Validate a brief by the scope check's own rules (`Brief::validate`), after trimming ids and
/// texts, naming each problem's field under `field` (`brief.items[2].id`).
pub fn brief(b: Brief, field: &str, v: &mut Violations) -> Brief {
    let b = Brief {
        text: b.text.trim().to_string(),
        items: b
            .items
            .into_iter()
            .map(|mut it| {
                it.id = it.id.trim().to_string();
                it.text = it.text.trim().to_string();
                it
            })
            .collect(),
    };
    for problem in b.problems() {
        v.add(format!("{field}.{}", problem.path()), problem.to_string());
    }
    b
}

fn optional_amount(field: &str, value: Option<i64>, v: &mut Violations) -> Option<i64> {
    value.and_then(|a| v.check(field, money::amount(a)))
}

fn budget_minutes(value: Option<i64>, v: &mut Violations) -> Option<i64> {
    // 100 person-years is more than any brief we will see.
    value.and_then(|m| v.check("budget_minutes", validate::range(m, 0, 100 * 2000 * 60)))
}

fn dates(starts: Option<Date>, ends: Option<Date>, v: &mut Violations) {
    if let (Some(s), Some(e)) = (starts, ends)
        && e < s
    {
        v.add("ends_on", format!("must not be before starts_on ({s})"));
    }
}

impl NewEngagement {
    pub fn validate(self) -> Result<EngagementDraft, Violations> {
        let mut v = Violations::new();
        let name = v.check("name", validate::line(&self.name, limits::NAME));
        let brief = brief(self.brief.unwrap_or_default(), "brief", &mut v);
        let team = team(self.team_member_ids, &mut v);
        let rate = optional_amount("hourly_rate_minor", self.hourly_rate_minor, &mut v);
        let fee = optional_amount("budget_fee_minor", self.budget_fee_minor, &mut v);
        let minutes = budget_minutes(self.budget_minutes, &mut v);
        dates(self.starts_on, self.ends_on, &mut v);
        let (sla_policy, silence_policy, calendar) =
            clocks(self.sla_policy, self.silence_policy, self.calendar, &mut v);
        v.finish(|| EngagementDraft {
            client_id: self.client_id,
            name: name.unwrap_or_default(),
            manager_id: self.manager_id,
            team,
            brief,
            currency: self.currency,
            hourly_rate_minor: rate,
            budget_minutes: minutes,
            budget_fee_minor: fee,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            sla_policy,
            silence_policy,
            calendar,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EngagementPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<EngagementStatus>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub manager_id: Option<Option<MemberId>>,
    /// The whole team, replacing the one before (`[]` empties it).
    #[serde(default)]
    pub team_member_ids: Option<Vec<MemberId>>,
    #[serde(default)]
    pub brief: Option<Brief>,
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub hourly_rate_minor: Option<Option<i64>>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub budget_minutes: Option<Option<i64>>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub budget_fee_minor: Option<Option<i64>>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub starts_on: Option<Option<Date>>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub ends_on: Option<Option<Date>>,
    /// See [`NewEngagement::sla_policy`]; `null` returns to the default policy.
    #[serde(default, deserialize_with = "patch::double_option")]
    pub sla_policy: Option<Option<SlaPolicy>>,
    /// See [`NewEngagement::silence_policy`]; `null` returns to the default.
    #[serde(default, deserialize_with = "patch::double_option")]
    pub silence_policy: Option<Option<SilencePolicy>>,
    /// `null` returns to the client's calendar.
    #[serde(default, deserialize_with = "patch::double_option")]
    pub calendar: Option<Option<CalendarSpec>>,
}

impl EngagementPatch {
    /// Apply to `e`. A changed brief bumps `brief_version`.
    pub fn apply(self, e: &Engagement) -> Result<Engagement, Violations> {
        let mut v = Violations::new();
        let mut out = e.clone();
        if let Some(n) = &self.name
            && let Some(n) = v.check("name", validate::line(n, limits::NAME))
        {
            out.name = n;
        }
        if let Some(s) = self.status {
            out.status = s;
        }
        out.manager_id = patch::apply(out.manager_id, self.manager_id);
        if let Some(t) = self.team_member_ids {
            out.team = team(t, &mut v);
        }
        if let Some(b) = self.brief {
            let b = brief(b, "brief", &mut v);
            if b != out.brief {
                out.brief = b;
                out.brief_version += 1;
            }
        }
        if let Some(c) = self.currency {
            out.currency = c;
        }
        if let Some(r) = self.hourly_rate_minor {
            out.hourly_rate_minor = optional_amount("hourly_rate_minor", r, &mut v);
        }
        if let Some(f) = self.budget_fee_minor {
            out.budget_fee_minor = optional_amount("budget_fee_minor", f, &mut v);
        }
        if let Some(m) = self.budget_minutes {
            out.budget_minutes = budget_minutes(m, &mut v);
        }
        out.starts_on = patch::apply(out.starts_on, self.starts_on);
        out.ends_on = patch::apply(out.ends_on, self.ends_on);
        dates(out.starts_on, out.ends_on, &mut v);
        let (sla, silence, calendar) = clocks(
            self.sla_policy.flatten(),
            self.silence_policy.flatten(),
            self.calendar.clone().flatten(),
            &mut v,
        );
        if self.sla_policy.is_some() {
            out.sla_policy = sla;
        }
        if self.silence_policy.is_some() {
            out.silence_policy = silence;
        }
        if self.calendar.is_some() {
            out.calendar = calendar;
        }
        v.finish(|| out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::{ScopeItem, ScopeKind};

    fn item(id: &str) -> ScopeItem {
        ScopeItem {
            id: id.into(),
            kind: ScopeKind::In,
            text: "Monthly sales dashboard".into(),
        }
    }

    #[test]
    fn duplicate_scope_ids_are_rejected() {
        let mut v = Violations::new();
        brief(
            Brief {
                text: "x".into(),
                items: vec![item("a"), item("b"), item("a")],
            },
            "brief",
            &mut v,
        );
        assert_eq!(v.0.len(), 1);
        assert_eq!(v.0[0].field, "brief.items[2].id");
        assert!(
            v.0[0].message.contains("used more than once"),
            "{}",
            v.0[0].message
        );
    }

    #[test]
    fn brief_rules_are_the_scope_checks_and_every_problem_is_named() {
        let mut v = Violations::new();
        let b = brief(
            Brief {
                text: "  Dashboards for the sales team.  ".into(),
                items: vec![
                    ScopeItem {
                        id: " dash ".into(),
                        kind: ScopeKind::In,
                        text: " Monthly dashboard ".into(),
                    },
                    ScopeItem {
                        id: "has space".into(),
                        kind: ScopeKind::Out,
                        text: "   ".into(),
                    },
                    ScopeItem {
                        id: "x".repeat(crate::scope::MAX_ID_CHARS + 1),
                        kind: ScopeKind::Out,
                        text: "ok".into(),
                    },
                ],
            },
            "brief",
            &mut v,
        );
        let fields: Vec<_> = v.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "brief.items[1].id",
                "brief.items[1].text",
                "brief.items[2].id"
            ]
        );
        assert_eq!(
            b.items[0].id, "dash",
            "ids are trimmed before they are checked"
        );
        assert_eq!(b.text, "Dashboards for the sales team.");
        let mut ok = Violations::new();
        let trimmed = brief(b.clone(), "brief", &mut Violations::new());
        brief(
            Brief {
                items: trimmed.items[..1].to_vec(),
                ..trimmed
            },
            "brief",
            &mut ok,
        );
        assert!(ok.is_empty(), "{ok:?}");
    }

    #[test]
    fn negative_money_and_reversed_dates_are_rejected() {
        let e: NewEngagement = serde_json::from_str(
            r#"{"client_id": 1, "name": "Q3", "currency": "EUR", "hourly_rate_minor": -1,
                "starts_on": "2026-05-01", "ends_on": "2026-04-01"}"#,
        )
        .unwrap();
        let err = e.validate().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["hourly_rate_minor", "ends_on"]);
    }

    #[test]
    fn clock_settings_are_validated_under_their_own_fields() {
        let e: NewEngagement = serde_json::from_str(
            r#"{"client_id": 1, "name": "Q3", "currency": "EUR",
                "sla_policy": {"at_risk_percent": 0, "targets": {"high": {"resolution_minutes": 0}}},
                "silence_policy": {"max_business_minutes": 0},
                "calendar": {"tz": "Mars/Olympus"}}"#,
        )
        .unwrap();
        let err = e.validate().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "sla_policy.targets.high.resolution_minutes",
                "sla_policy.at_risk_percent",
                "silence_policy.max_business_minutes",
                "calendar.tz"
            ]
        );
    }

    #[test]
    fn patch_sets_and_clears_clock_settings() {
        let e: NewEngagement =
            serde_json::from_str(r#"{"client_id": 1, "name": "Q3", "currency": "EUR"}"#).unwrap();
        let d = e.validate().unwrap();
        let base = Engagement {
            id: EngagementId(1),
            org_id: OrgId(1),
            client_id: d.client_id,
            name: d.name,
            status: EngagementStatus::Active,
            manager_id: None,
            team: d.team,
            brief: d.brief,
            brief_version: 1,
            currency: d.currency,
            hourly_rate_minor: None,
            budget_minutes: None,
            budget_fee_minor: None,
            starts_on: None,
            ends_on: None,
            sla_policy: None,
            silence_policy: None,
            calendar: None,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        };
        assert_eq!(base.sla_policy_or_default(), SlaPolicy::default());
        let set: EngagementPatch = serde_json::from_str(
            r#"{"sla_policy": {"at_risk_percent": 80}, "silence_policy": {"max_business_minutes": 240},
                "calendar": {"tz": "Asia/Tokyo", "countries": ["jp"]}}"#,
        )
        .unwrap();
        let after = set.apply(&base).unwrap();
        assert_eq!(after.sla_policy_or_default().at_risk_percent, 80);
        assert_eq!(after.silence_policy_or_default().max_business_minutes, 240);
        let cal = after.calendar.clone().unwrap();
        assert_eq!(cal.hours, ["mon-fri 09:00-17:00"], "hours default");
        assert_eq!(cal.countries, ["JP"]);
        // Absent fields stay; null clears.
        let keep: EngagementPatch = serde_json::from_str(r#"{"name": "Q4"}"#).unwrap();
        assert_eq!(keep.apply(&after).unwrap().sla_policy, after.sla_policy);
        let clear: EngagementPatch =
            serde_json::from_str(r#"{"sla_policy": null, "calendar": null}"#).unwrap();
        let cleared = clear.apply(&after).unwrap();
        assert_eq!(cleared.sla_policy, None);
        assert_eq!(cleared.calendar, None);
        assert_eq!(cleared.silence_policy, after.silence_policy);
    }

    #[test]
    fn a_team_is_a_set_and_its_changes_are_named() {
        let e: NewEngagement = serde_json::from_str(
            r#"{"client_id": 1, "name": "Q3", "currency": "EUR", "team_member_ids": [3, 1, 3]}"#,
        )
        .unwrap();
        assert_eq!(e.validate().unwrap().team, [MemberId(1), MemberId(3)]);
        let (added, removed) =
            team_change(&[MemberId(1), MemberId(3)], &[MemberId(3), MemberId(4)]);
        assert_eq!((added, removed), (vec![MemberId(4)], vec![MemberId(1)]));
        let too_many: Vec<MemberId> = (1..=TEAM_MAX as i64 + 1).map(MemberId).collect();
        let mut v = Violations::new();
        team(too_many, &mut v);
        assert_eq!(v.0[0].field, "team_member_ids");
    }

    #[test]
    fn unknown_currency_fails_to_parse() {
        let r: Result<NewEngagement, _> =
            serde_json::from_str(r#"{"client_id": 1, "name": "Q3", "currency": "ZZZ"}"#);
        assert!(r.unwrap_err().to_string().contains("ISO 4217"));
    }
}
