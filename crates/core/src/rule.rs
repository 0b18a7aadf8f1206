//! Rules: "when <event> and <conditions> then <actions>". Which rules an event triggers is
//! decided here (pure); the application layer applies the actions through the job queue.
//!
//! Loop safety: an event caused by a rule's action carries the chain of rules that led to it.
//! A rule already in the chain is not applied again (it cannot retrigger itself, directly or
//! through other rules), and no chain grows beyond [`MAX_DEPTH`].

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{CannedReplyId, ClientId, MemberId, OrgId, RuleId, WebhookId};
use crate::label_enum;
use crate::request::{Channel, Kind, Priority, Request, Status};
use crate::validate::{self, Violations, limits};

label_enum!(
    /// What happened to a request. Rules and webhooks subscribe to these.
    Event {
        RequestCreated => "request_created",
        MessageIn => "message_in",
        StatusChanged => "status_changed",
        SlaAtRisk => "sla_at_risk",
        PromiseDueSoon => "promise_due_soon",
        RatingReceived => "rating_received",
    }
);

/// The longest chain of rules one event may set off.
pub const MAX_DEPTH: usize = 3;

/// All must hold (an absent condition holds). Lists mean "any of these".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<Kind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority: Vec<Priority>,
    /// The request's status (after the change, for `status_changed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<Status>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel: Vec<Channel>,
    /// The request carries this tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_tag: Option<String>,
    /// Whether the request has an assignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned: Option<bool>,
    /// Case-insensitive: in the title or body, or (for `message_in`) the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_contains: Option<String>,
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Assign to a member (`null`: unassign).
    Assign {
        assignee_id: Option<MemberId>,
    },
    Tag {
        tag: String,
    },
    SetPriority {
        priority: Priority,
    },
    /// Apply a canned reply (its message and side effects) as the rule.
    ApplyCannedReply {
        canned_reply_id: CannedReplyId,
    },
    /// Send the event to a webhook (whatever events it subscribes to).
    CallWebhook {
        webhook_id: WebhookId,
    },
    /// Raise an alert for a member (`null`: the request's assignee, else the whole team).
    Notify {
        #[serde(default)]
        member_id: Option<MemberId>,
        message: String,
    },
    /// Put the request in the quick lane.
    AddToQuickLane {},
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    pub id: RuleId,
    pub org_id: OrgId,
    pub name: String,
    pub event: Event,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
    pub enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A new rule, or the whole of an edited one (PUT).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub name: String,
    pub event: Event,
    #[serde(default)]
    pub conditions: Conditions,
    pub actions: Vec<Action>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// At most this many actions per rule.
pub const MAX_ACTIONS: usize = 10;

impl RuleInput {
    /// Check the shape (ids are checked against the database by the caller).
    pub fn validate(self) -> Result<RuleInput, Violations> {
        let mut v = Violations::new();
        let name = v.check("name", validate::line(&self.name, limits::NAME));
        let mut conditions = self.conditions;
        if let Some(t) = &conditions.has_tag {
            conditions.has_tag = v.check("conditions.has_tag", validate::tag(t));
        }
        if let Some(t) = &conditions.text_contains {
            conditions.text_contains =
                v.check("conditions.text_contains", validate::line(t, limits::WORD));
        }
        if self.actions.is_empty() {
            v.add("actions", "a rule needs at least one action");
        }
        if self.actions.len() > MAX_ACTIONS {
            v.add("actions", format!("at most {MAX_ACTIONS} actions"));
        }
        let mut actions = Vec::with_capacity(self.actions.len());
        for (i, a) in self.actions.into_iter().enumerate() {
            match a {
                Action::Tag { tag } => {
                    if let Some(tag) = v.check(&format!("actions[{i}].tag"), validate::tag(&tag)) {
                        actions.push(Action::Tag { tag });
                    }
                }
                Action::Notify { member_id, message } => {
                    if let Some(message) = v.check(
                        &format!("actions[{i}].message"),
                        validate::line(&message, limits::NAME),
                    ) {
                        actions.push(Action::Notify { member_id, message });
                    }
                }
                other => actions.push(other),
            }
        }
        v.finish(|| RuleInput {
            name: name.unwrap_or_default(),
            event: self.event,
            conditions,
            actions,
            enabled: self.enabled,
        })
    }
}

/// What a rule is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub event: Event,
    pub request: &'a Request,
    /// The message, for `message_in`.
    pub message: Option<&'a str>,
}

fn any<T: PartialEq>(list: &[T], v: T) -> bool {
    list.is_empty() || list.contains(&v)
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

impl Conditions {
    pub fn hold(&self, f: &Facts<'_>) -> bool {
        let r = f.request;
        self.client_id.is_none_or(|c| c == r.client_id)
            && any(&self.kind, r.kind)
            && any(&self.priority, r.priority)
            && any(&self.status, r.status)
            && any(&self.channel, r.channel)
            && self
                .has_tag
                .as_ref()
                .is_none_or(|t| r.tags.iter().any(|x| x.eq_ignore_ascii_case(t)))
            && self.assigned.is_none_or(|a| a == r.assignee_id.is_some())
            && self.text_contains.as_ref().is_none_or(|t| {
                contains_ci(&r.title, t)
                    || contains_ci(&r.body, t)
                    || f.message.is_some_and(|m| contains_ci(m, t))
            })
    }
}

/// Why a rule whose conditions hold was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// The rule is already in the chain that caused this event.
    Loop,
    /// The chain is [`MAX_DEPTH`] rules long.
    Depth,
}

/// The decision for one event: the rules to apply, in id order, and those held back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision<'a> {
    pub apply: Vec<&'a Rule>,
    pub skipped: Vec<(&'a Rule, Skip)>,
}

/// Which of `rules` the event triggers, given the chain of rules that caused it (empty for an
/// event caused by a person, the mail or the API).
pub fn decide<'a>(rules: &'a [Rule], facts: &Facts<'_>, chain: &[RuleId]) -> Decision<'a> {
    let mut d = Decision::default();
    let mut sorted: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.enabled && r.event == facts.event && r.conditions.hold(facts))
        .collect();
    sorted.sort_by_key(|r| r.id);
    for r in sorted {
        if chain.contains(&r.id) {
            d.skipped.push((r, Skip::Loop));
        } else if chain.len() >= MAX_DEPTH {
            d.skipped.push((r, Skip::Depth));
        } else {
            d.apply.push(r);
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Actor;
    use crate::ids::RequestId;

    fn request() -> Request {
        Request {
            id: RequestId(7),
            org_id: OrgId(1),
            reference: "7".into(),
            client_id: ClientId(3),
            engagement_id: None,
            contact_id: None,
            title: "Invoice is WRONG".into(),
            body: "please fix".into(),
            kind: Kind::Bug,
            priority: Priority::Normal,
            status: Status::New,
            assignee_id: None,
            estimate_minutes: None,
            spent_minutes: 0,
            channel: Channel::Email,
            tags: vec!["vip".into()],
            due_at: None,
            quick: false,
            scope: None,
            created_by: Actor::System,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
            first_response_at: None,
            last_inbound_at: None,
            last_outbound_at: None,
            delivered_at: None,
            closed_at: None,
        }
    }

    fn rule(id: i64, event: Event, conditions: Conditions) -> Rule {
        Rule {
            id: RuleId(id),
            org_id: OrgId(1),
            name: format!("r{id}"),
            event,
            conditions,
            actions: vec![Action::Tag { tag: "x".into() }],
            enabled: true,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn conditions_all_hold_or_the_rule_does_not_fire() {
        let r = request();
        let f = Facts {
            event: Event::RequestCreated,
            request: &r,
            message: None,
        };
        let yes = Conditions {
            client_id: Some(ClientId(3)),
            kind: vec![Kind::Bug, Kind::Complaint],
            has_tag: Some("VIP".into()),
            text_contains: Some("invoice is wrong".into()),
            assigned: Some(false),
            ..Default::default()
        };
        assert!(yes.hold(&f));
        for no in [
            Conditions {
                client_id: Some(ClientId(4)),
                ..yes.clone()
            },
            Conditions {
                priority: vec![Priority::Urgent],
                ..yes.clone()
            },
            Conditions {
                has_tag: Some("gold".into()),
                ..yes.clone()
            },
            Conditions {
                assigned: Some(true),
                ..yes.clone()
            },
            Conditions {
                text_contains: Some("refund".into()),
                ..yes.clone()
            },
        ] {
            assert!(!no.hold(&f), "{no:?}");
        }
        // The message counts for text conditions on message_in.
        let refund = Conditions {
            text_contains: Some("refund".into()),
            ..Default::default()
        };
        assert!(refund.hold(&Facts {
            event: Event::MessageIn,
            request: &r,
            message: Some("I want a REFUND"),
        }));
    }

    #[test]
    fn only_enabled_rules_of_the_event_fire_in_id_order() {
        let r = request();
        let f = Facts {
            event: Event::RequestCreated,
            request: &r,
            message: None,
        };
        let mut off = rule(1, Event::RequestCreated, Conditions::default());
        off.enabled = false;
        let rules = vec![
            rule(5, Event::RequestCreated, Conditions::default()),
            off,
            rule(2, Event::StatusChanged, Conditions::default()),
            rule(3, Event::RequestCreated, Conditions::default()),
        ];
        let d = decide(&rules, &f, &[]);
        let ids: Vec<_> = d.apply.iter().map(|r| r.id.0).collect();
        assert_eq!(ids, [3, 5]);
        assert!(d.skipped.is_empty());
    }

    #[test]
    fn a_rule_in_the_chain_is_held_back_and_chains_stop_at_max_depth() {
        let r = request();
        let f = Facts {
            event: Event::StatusChanged,
            request: &r,
            message: None,
        };
        let rules = vec![
            rule(1, Event::StatusChanged, Conditions::default()),
            rule(2, Event::StatusChanged, Conditions::default()),
        ];
        let d = decide(&rules, &f, &[RuleId(1)]);
        assert_eq!(d.apply.len(), 1);
        assert_eq!(d.apply[0].id, RuleId(2));
        assert_eq!(d.skipped, vec![(&rules[0], Skip::Loop)]);
        let long = [RuleId(10), RuleId(11), RuleId(12)];
        let d = decide(&rules, &f, &long);
        assert!(d.apply.is_empty());
        assert_eq!(d.skipped.len(), 2);
        assert!(d.skipped.iter().all(|(_, s)| *s == Skip::Depth));
    }

    #[test]
    fn inputs_are_checked() {
        let e = RuleInput {
            name: " ".into(),
            event: Event::MessageIn,
            conditions: Conditions::default(),
            actions: vec![],
            enabled: true,
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "actions"]);
        let json = r#"{"name":"x","event":"message_in","actions":[{"type":"explode"}]}"#;
        assert!(serde_json::from_str::<RuleInput>(json).is_err());
    }
}
