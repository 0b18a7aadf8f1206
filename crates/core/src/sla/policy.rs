//! SLA policies: the targets an engagement promises per priority, in business minutes of the
//! client's calendar.

use serde::{Deserialize, Serialize};

use crate::request::Priority;
use crate::validate::{self, Violations};

/// The largest target accepted: a working year (2,000 hours). Anything longer is a typo, and it
/// keeps every deadline well inside the calendar's ten-year arithmetic limit for ordinary hours.
pub const MAX_TARGET_MINUTES: i64 = 2_000 * 60;

/// The share of a target after which a clock is at risk, when the policy does not say.
pub const DEFAULT_AT_RISK_PERCENT: u8 = 75;

/// The targets for one priority, in business minutes. A missing (or `null`) target means that
/// clock does not apply to requests of this priority.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaTargets {
    /// From the request's creation to our first reply.
    #[serde(default)]
    pub first_response_minutes: Option<i64>,
    /// From a client's message (the oldest one we have not answered) to our next reply.
    #[serde(default)]
    pub next_response_minutes: Option<i64>,
    /// From the request's creation to its delivery (or closing).
    #[serde(default)]
    pub resolution_minutes: Option<i64>,
}

impl SlaTargets {
    const fn new(first: i64, next: i64, resolution: i64) -> Self {
        SlaTargets {
            first_response_minutes: Some(first),
            next_response_minutes: Some(next),
            resolution_minutes: Some(resolution),
        }
    }
}

/// Targets for each priority. A priority left out of the JSON gets its default targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PriorityTargets {
    pub urgent: SlaTargets,
    pub high: SlaTargets,
    pub normal: SlaTargets,
    pub low: SlaTargets,
}

impl Default for PriorityTargets {
    /// Business minutes (first response / next response / resolution): urgent 1 h / 4 h / 3 days,
    /// high 4 h / 1 day / 6 days, normal 1 day / 2 days / 10 days, low 2 days / 4 days / 20 days,
    /// counting a day as 8 business hours. Next response is generous next to first response
    /// because by then the client knows someone is on it.
    fn default() -> Self {
        PriorityTargets {
            urgent: SlaTargets::new(60, 240, 1_440),
            high: SlaTargets::new(240, 480, 2_880),
            normal: SlaTargets::new(480, 960, 4_800),
            low: SlaTargets::new(960, 1_920, 9_600),
        }
    }
}

impl PriorityTargets {
    pub fn get(&self, priority: Priority) -> &SlaTargets {
        match priority {
            Priority::Urgent => &self.urgent,
            Priority::High => &self.high,
            Priority::Normal => &self.normal,
            Priority::Low => &self.low,
        }
    }
}

/// An engagement's SLA policy, stored as JSON on the engagement. `{}` is the default policy;
/// fields left out take their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct SlaPolicy {
    pub targets: PriorityTargets,
    /// A running clock is at risk once this share of its target has elapsed: 1-99, default 75.
    pub at_risk_percent: u8,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            targets: PriorityTargets::default(),
            at_risk_percent: DEFAULT_AT_RISK_PERCENT,
        }
    }
}

impl SlaPolicy {
    /// Every problem with the policy, each against its field (`targets.high.resolution_minutes`).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        for &priority in Priority::ALL {
            let t = self.targets.get(priority);
            let fields = [
                ("first_response_minutes", t.first_response_minutes),
                ("next_response_minutes", t.next_response_minutes),
                ("resolution_minutes", t.resolution_minutes),
            ];
            for (name, value) in fields {
                if let Some(m) = value {
                    v.check(
                        &format!("targets.{priority}.{name}"),
                        validate::range(m, 1, MAX_TARGET_MINUTES),
                    );
                }
            }
        }
        v.check(
            "at_risk_percent",
            validate::range(i64::from(self.at_risk_percent), 1, 99),
        );
        v.finish(|| ())
    }

    pub fn targets_for(&self, priority: Priority) -> &SlaTargets {
        self.targets.get(priority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_json_is_the_default_policy() {
        let p: SlaPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(p, SlaPolicy::default());
        assert!(p.validate().is_ok());
        assert_eq!(
            p.targets_for(Priority::Urgent).first_response_minutes,
            Some(60)
        );
    }

    #[test]
    fn partial_json_keeps_other_defaults_and_null_disables_a_clock() {
        let p: SlaPolicy = serde_json::from_str(
            r#"{"at_risk_percent": 80,
                "targets": {"low": {"first_response_minutes": 1440, "resolution_minutes": null}}}"#,
        )
        .unwrap();
        assert_eq!(p.at_risk_percent, 80);
        assert_eq!(p.targets.high, PriorityTargets::default().high);
        assert_eq!(
            p.targets.low,
            SlaTargets {
                first_response_minutes: Some(1440),
                next_response_minutes: None,
                resolution_minutes: None,
            }
        );
    }

    #[test]
    fn serde_shape_round_trips() {
        let p = SlaPolicy::default();
        let json = serde_json::to_value(p).unwrap();
        assert_eq!(json["targets"]["normal"]["resolution_minutes"], 4800);
        assert_eq!(json["at_risk_percent"], 75);
        assert_eq!(serde_json::from_value::<SlaPolicy>(json).unwrap(), p);
    }

    #[test]
    fn typos_and_absurd_values_are_named() {
        let typo = serde_json::from_str::<SlaPolicy>(r#"{"targets": {"hgih": {}}}"#);
        assert!(typo.unwrap_err().to_string().contains("hgih"));
        let too_big = serde_json::from_str::<SlaPolicy>(r#"{"at_risk_percent": 300}"#);
        assert!(too_big.is_err());

        let mut p = SlaPolicy::default();
        p.targets.high.resolution_minutes = Some(0);
        p.targets.low.next_response_minutes = Some(MAX_TARGET_MINUTES + 1);
        p.at_risk_percent = 100;
        let err = p.validate().unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "targets.low.next_response_minutes",
                "targets.high.resolution_minutes",
                "at_risk_percent"
            ]
        );
        assert!(err.0[1].message.contains("at least 1"));
    }
}
