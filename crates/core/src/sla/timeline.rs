//! What happened to a request, as the SLA clocks see it: when they may run, when we first
//! replied, which client messages waited for an answer, and whether the work is delivered.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::request::Status;

/// One thing that happened to a request, in the terms the SLA clocks care about.
///
/// Feed every status change and every message to or from the client, in any order (they are
/// sorted by instant; events at the same instant keep their given order). Internal notes are not
/// events. **Auto-replies are not events**: an out-of-office answer from the client must not start
/// a next-response clock and an automatic acknowledgement from us must not satisfy one; telling
/// them apart is the mail layer's job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SlaEvent {
    /// The request moved to `status`. Waiting on the client pauses every clock; delivered and
    /// closed stop them (and satisfy resolution); any other status lets them run.
    Status { at: Timestamp, status: Status },
    /// A message from the client (not an auto-reply).
    Inbound { at: Timestamp },
    /// A reply from us to the client (not an internal note, not an auto-acknowledgement).
    Outbound { at: Timestamp },
}

impl SlaEvent {
    pub fn at(&self) -> Timestamp {
        match *self {
            SlaEvent::Status { at, .. } | SlaEvent::Inbound { at } | SlaEvent::Outbound { at } => {
                at
            }
        }
    }
}

/// One wait of the client for our next reply: from their oldest unanswered message to our answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cycle {
    pub start: Timestamp,
    pub answered: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Timeline {
    /// Sorted, disjoint `[start, end)` stretches in which the clocks may run; the last may end at
    /// `now` (then `active_now`).
    pub active: Vec<(Timestamp, Timestamp)>,
    pub active_now: bool,
    pub status_now: Status,
    /// When the current delivered/closed run began, if the request is delivered or closed now.
    pub resolved_at: Option<Timestamp>,
    pub first_reply: Option<Timestamp>,
    pub cycles: Vec<Cycle>,
}

fn runs(status: Status) -> bool {
    status.is_open() && status != Status::WaitingOnClient
}

impl Timeline {
    /// Read `events` from `created` to `now`: events before `created` count as at `created`,
    /// events after `now` have not happened yet. A request starts as `new`.
    pub fn build(created: Timestamp, events: &[SlaEvent], now: Timestamp) -> Timeline {
        let mut sorted: Vec<(Timestamp, SlaEvent)> = events
            .iter()
            .map(|e| (e.at().max(created), *e))
            .filter(|(at, _)| *at <= now)
            .collect();
        sorted.sort_by_key(|(at, _)| *at);

        let mut t = Timeline {
            active: Vec::new(),
            active_now: false,
            status_now: Status::New,
            resolved_at: None,
            first_reply: None,
            cycles: Vec::new(),
        };
        let mut active_since = Some(created);
        for (at, event) in sorted {
            match event {
                SlaEvent::Status { status, .. } => {
                    let (was, now_runs) = (runs(t.status_now), runs(status));
                    if was && !now_runs {
                        if let Some(since) = active_since.take()
                            && since < at
                        {
                            t.active.push((since, at));
                        }
                    } else if !was && now_runs {
                        active_since = Some(at);
                    }
                    if status.is_open() {
                        t.resolved_at = None;
                    } else if t.status_now.is_open() {
                        t.resolved_at = Some(at);
                    }
                    t.status_now = status;
                }
                SlaEvent::Outbound { .. } => {
                    if t.first_reply.is_none() {
                        t.first_reply = Some(at);
                    } else if let Some(c) = t.cycles.last_mut()
                        && c.answered.is_none()
                    {
                        c.answered = Some(at);
                    }
                }
                SlaEvent::Inbound { .. } => {
                    // Before our first reply the first-response clock covers every message; and
                    // a client writing again while they wait does not reset what we owe them.
                    let waiting = t.cycles.last().is_some_and(|c| c.answered.is_none());
                    if t.first_reply.is_some() && !waiting {
                        t.cycles.push(Cycle {
                            start: at,
                            answered: None,
                        });
                    }
                }
            }
        }
        if let Some(since) = active_since {
            if since < now {
                t.active.push((since, now));
            }
            t.active_now = true;
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(h: i64) -> Timestamp {
        Timestamp::from_second(1_772_000_000 + h * 3600).unwrap()
    }

    #[test]
    fn statuses_make_active_stretches_and_resolution() {
        let events = [
            SlaEvent::Status {
                at: ts(2),
                status: Status::WaitingOnClient,
            },
            SlaEvent::Status {
                at: ts(5),
                status: Status::InProgress,
            },
            SlaEvent::Status {
                at: ts(7),
                status: Status::Delivered,
            },
            SlaEvent::Status {
                at: ts(8),
                status: Status::Closed,
            },
            // Not yet happened.
            SlaEvent::Status {
                at: ts(20),
                status: Status::Triaged,
            },
        ];
        let t = Timeline::build(ts(0), &events, ts(10));
        assert_eq!(t.active, vec![(ts(0), ts(2)), (ts(5), ts(7))]);
        assert!(!t.active_now);
        assert_eq!(t.status_now, Status::Closed);
        assert_eq!(t.resolved_at, Some(ts(7)), "delivery, not the later close");
    }

    #[test]
    fn reopening_clears_resolution_and_runs_again() {
        let events = [
            SlaEvent::Status {
                at: ts(1),
                status: Status::Delivered,
            },
            SlaEvent::Status {
                at: ts(3),
                status: Status::InProgress,
            },
        ];
        let t = Timeline::build(ts(0), &events, ts(4));
        assert_eq!(t.active, vec![(ts(0), ts(1)), (ts(3), ts(4))]);
        assert!(t.active_now);
        assert_eq!(t.resolved_at, None);
    }

    #[test]
    fn cycles_start_at_the_oldest_unanswered_message() {
        let events = [
            SlaEvent::Inbound { at: ts(1) }, // covered by first response
            SlaEvent::Outbound { at: ts(2) },
            SlaEvent::Inbound { at: ts(3) },
            SlaEvent::Inbound { at: ts(4) }, // still the same wait
            SlaEvent::Outbound { at: ts(5) },
            SlaEvent::Outbound { at: ts(6) }, // nothing to answer
            SlaEvent::Inbound { at: ts(7) },
        ];
        let t = Timeline::build(ts(0), &events, ts(9));
        assert_eq!(t.first_reply, Some(ts(2)));
        assert_eq!(
            t.cycles,
            vec![
                Cycle {
                    start: ts(3),
                    answered: Some(ts(5))
                },
                Cycle {
                    start: ts(7),
                    answered: None
                }
            ]
        );
    }

    #[test]
    fn order_of_input_does_not_matter_and_early_events_clamp() {
        let a = [
            SlaEvent::Outbound { at: ts(3) },
            SlaEvent::Status {
                at: ts(-5),
                status: Status::WaitingOnClient,
            },
            SlaEvent::Status {
                at: ts(2),
                status: Status::Triaged,
            },
        ];
        let mut b = a;
        b.reverse();
        let (ta, tb) = (
            Timeline::build(ts(0), &a, ts(4)),
            Timeline::build(ts(0), &b, ts(4)),
        );
        assert_eq!(ta, tb);
        assert_eq!(ta.active, vec![(ts(2), ts(4))]);
    }

    #[test]
    fn serde_shape() {
        let e = SlaEvent::Status {
            at: "2026-03-02T10:00:00Z".parse().unwrap(),
            status: Status::WaitingOnClient,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"type":"status","at":"2026-03-02T10:00:00Z","status":"waiting_on_client"}"#
        );
        assert_eq!(serde_json::from_str::<SlaEvent>(&json).unwrap(), e);
    }
}
