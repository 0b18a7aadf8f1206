//! Engagements: work for a client under a written brief, with a budget and a rate.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, EngagementId, MemberId, OrgId};
use crate::label_enum;
use crate::money::{self, Currency};
use crate::patch;
use crate::scope::Brief;
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
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
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
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
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
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
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
}

#[derive(Debug, Clone)]
pub struct EngagementDraft {
    pub client_id: ClientId,
    pub name: String,
    pub manager_id: Option<MemberId>,
    pub brief: Brief,
    pub currency: Currency,
    pub hourly_rate_minor: Option<i64>,
    pub budget_minutes: Option<i64>,
    pub budget_fee_minor: Option<i64>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
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
        let rate = optional_amount("hourly_rate_minor", self.hourly_rate_minor, &mut v);
        let fee = optional_amount("budget_fee_minor", self.budget_fee_minor, &mut v);
        let minutes = budget_minutes(self.budget_minutes, &mut v);
        dates(self.starts_on, self.ends_on, &mut v);
        v.finish(|| EngagementDraft {
            client_id: self.client_id,
            name: name.unwrap_or_default(),
            manager_id: self.manager_id,
            brief,
            currency: self.currency,
            hourly_rate_minor: rate,
            budget_minutes: minutes,
            budget_fee_minor: fee,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
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
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
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
    fn unknown_currency_fails_to_parse() {
        let r: Result<NewEngagement, _> =
            serde_json::from_str(r#"{"client_id": 1, "name": "Q3", "currency": "ZZZ"}"#);
        assert!(r.unwrap_err().to_string().contains("ISO 4217"));
    }
}
