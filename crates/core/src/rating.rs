//! Ratings of delivered work, from the client and from the team: the gap between them matters.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use jiff::civil::Date;

use crate::ids::{ContactId, MemberId, OrgId, RatingId, RequestId};
use crate::label_enum;
use crate::request::Status;
use crate::validate::{self, Violations, limits};

label_enum!(RatingSource {
    Client => "client",
    Team => "team",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    pub id: RatingId,
    pub org_id: OrgId,
    pub request_id: RequestId,
    pub source: RatingSource,
    pub contact_id: Option<ContactId>,
    pub member_id: Option<MemberId>,
    /// 1 (poor) to 5 (excellent).
    pub score: i64,
    pub comment: String,
    pub created_at: Timestamp,
}

/// A score and comment, validated.
pub fn score_and_comment(score: i64, comment: &str) -> Result<(i64, String), Violations> {
    let mut v = Violations::new();
    let s = v.check("score", validate::range(score, 1, 5));
    let c = v.check("comment", validate::optional_text(comment, limits::NOTE));
    v.finish(|| (s.unwrap_or_default(), c.unwrap_or_default()))
}

/// Whether work in this status can be rated: only what has been delivered.
pub fn ratable(status: Status) -> Result<(), RatingError> {
    match status {
        Status::Delivered | Status::Closed => Ok(()),
        other => Err(RatingError::NotDelivered(other)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("only delivered work can be rated; this request is {0}")]
    NotDelivered(Status),
    #[error("this rating link has already been used")]
    Used,
    #[error("this rating link expired at {0}")]
    Expired(Timestamp),
}

/// How long a rating link works.
pub const INVITATION_DAYS: i64 = 14;

/// A one-time invitation to a contact to rate delivered work. The token itself is never
/// stored, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: i64,
    pub org_id: OrgId,
    pub request_id: RequestId,
    pub contact_id: ContactId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

impl Invitation {
    /// Whether the link may be used at `now`: once, before it expires.
    pub fn usable(&self, now: Timestamp) -> Result<(), RatingError> {
        if self.used_at.is_some() {
            return Err(RatingError::Used);
        }
        if now >= self.expires_at {
            return Err(RatingError::Expired(self.expires_at));
        }
        Ok(())
    }
}

/// The message that asks a contact to rate delivered work. `name` is who to greet (per their
/// etiquette), `formal` the client's tone.
pub fn invitation_text(
    name: Option<&str>,
    formal: bool,
    title: &str,
    link: &str,
    expires: Date,
) -> String {
    let greeting = match (name, formal) {
        (Some(n), true) => format!("Dear {n},"),
        (Some(n), false) => format!("Hi {n},"),
        (None, true) => "Hello,".to_string(),
        (None, false) => "Hi,".to_string(),
    };
    let until = expires.strftime("%-d %B %Y");
    format!(
        "{greeting}\n\n\
         We have delivered \u{201c}{title}\u{201d}. How did we do? Please rate the work from 1 \
         (poor) to 5 (excellent) and tell us why; it takes a minute and needs no sign-in:\n\n\
         {link}\n\n\
         The link works once, until {until}. Thank you.\n"
    )
}

/// How far apart the team's view of its work and the client's is.
pub mod gap {
    use super::*;

    /// The team rating this many points above the client, on average, is flagged.
    pub const THRESHOLD: f64 = 1.5;
    /// At least this many rated pieces of work before a gap is flagged (fewer when the caller
    /// asks about fewer): one bad day is not a pattern.
    pub const MIN_PAIRS: usize = 3;
    pub const DEFAULT_LAST: usize = 10;
    pub const MAX_LAST: usize = 100;
    /// Month by month covers the month of now and this many before it in all: about the 90
    /// days health reads, so the months cost the same whatever the years of ratings.
    pub const MONTHS: i64 = 3;

    /// Where the months start: midnight on the first of the month [`MONTHS`] - 1 before the
    /// one `now` falls in, in `tz`.
    pub fn months_since(now: Timestamp, tz: &jiff::tz::TimeZone) -> Timestamp {
        let first = tz.to_datetime(now).date().first_of_month();
        let start = first
            .checked_sub(jiff::Span::new().months(MONTHS - 1))
            .unwrap_or(first);
        tz.to_timestamp(start.to_datetime(jiff::civil::Time::midnight()))
            .unwrap_or(Timestamp::MIN)
    }

    /// One piece of work rated by both sides.
    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
    pub struct Pair {
        pub request_id: RequestId,
        pub team: f64,
        /// Mean of the client contacts' scores.
        pub client: f64,
        /// The later of the two sides' ratings: when the pair was complete.
        pub at: Timestamp,
    }

    /// The team's and the client's averages over some pairs, and the gap between them.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Gap {
        pub pairs: usize,
        pub team_average: Option<f64>,
        pub client_average: Option<f64>,
        /// Team minus client; positive when the team thinks better of its work.
        pub gap: Option<f64>,
        pub flagged: bool,
    }

    /// The gap in one calendar month (in the client's zone).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct MonthGap {
        /// `YYYY-MM`.
        pub month: String,
        #[serde(flatten)]
        pub gap: Gap,
    }

    /// Pair up ratings by request: only work rated by the team and by at least one contact.
    /// Oldest first.
    pub fn pairs(ratings: &[Rating]) -> Vec<Pair> {
        let mut by_request: std::collections::BTreeMap<
            RequestId,
            (Option<i64>, Vec<i64>, Timestamp),
        > = std::collections::BTreeMap::new();
        for r in ratings {
            let e = by_request
                .entry(r.request_id)
                .or_insert((None, Vec::new(), r.created_at));
            match r.source {
                RatingSource::Team => e.0 = Some(r.score),
                RatingSource::Client => e.1.push(r.score),
            }
            e.2 = e.2.max(r.created_at);
        }
        let mut out: Vec<Pair> = by_request
            .into_iter()
            .filter_map(|(request_id, (team, client, at))| {
                let team = team?;
                if client.is_empty() {
                    return None;
                }
                let client = client.iter().sum::<i64>() as f64 / client.len() as f64;
                Some(Pair {
                    request_id,
                    team: team as f64,
                    client,
                    at,
                })
            })
            .collect();
        out.sort_by(|a, b| a.at.cmp(&b.at).then(a.request_id.cmp(&b.request_id)));
        out
    }

    fn round2(x: f64) -> f64 {
        (x * 100.0).round() / 100.0
    }

    fn summarise(pairs: &[Pair], min_pairs: usize) -> Gap {
        if pairs.is_empty() {
            return Gap {
                pairs: 0,
                team_average: None,
                client_average: None,
                gap: None,
                flagged: false,
            };
        }
        let n = pairs.len() as f64;
        let team = pairs.iter().map(|p| p.team).sum::<f64>() / n;
        let client = pairs.iter().map(|p| p.client).sum::<f64>() / n;
        let gap = team - client;
        Gap {
            pairs: pairs.len(),
            team_average: Some(round2(team)),
            client_average: Some(round2(client)),
            gap: Some(round2(gap)),
            // A hair of tolerance: 4.5 - 3.0 must count as 1.5 whatever the float rounding.
            flagged: pairs.len() >= min_pairs && gap >= THRESHOLD - 1e-9,
        }
    }

    /// The gap over the most recent `last` pairs (`pairs` oldest first).
    pub fn over_last(pairs: &[Pair], last: usize) -> Gap {
        let last = last.max(1);
        let recent = &pairs[pairs.len().saturating_sub(last)..];
        // Asked about fewer pairs than a pattern needs, the gap is shown but never flagged:
        // one unhappy rating beside a proud one is an event, not a perception gap.
        summarise(recent, MIN_PAIRS)
    }

    /// The gap per calendar month in `tz`, oldest first; months without pairs are left out.
    pub fn by_month(pairs: &[Pair], tz: &jiff::tz::TimeZone) -> Vec<MonthGap> {
        let mut months: Vec<(String, Vec<Pair>)> = Vec::new();
        for p in pairs {
            let d = tz.to_datetime(p.at).date();
            let key = format!("{:04}-{:02}", d.year(), d.month());
            match months.last_mut() {
                Some((k, v)) if *k == key => v.push(*p),
                _ => months.push((key, vec![*p])),
            }
        }
        months
            .into_iter()
            .map(|(month, ps)| MonthGap {
                month,
                gap: summarise(&ps, MIN_PAIRS),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::gap::{self, Pair};
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn rating(request: i64, source: RatingSource, score: i64, when: &str) -> Rating {
        Rating {
            id: RatingId(0),
            org_id: OrgId(1),
            request_id: RequestId(request),
            source,
            contact_id: None,
            member_id: None,
            score,
            comment: String::new(),
            created_at: at(when),
        }
    }

    #[test]
    fn only_delivered_work_is_ratable() {
        assert!(ratable(Status::Delivered).is_ok());
        assert!(ratable(Status::Closed).is_ok());
        assert_eq!(
            ratable(Status::InProgress),
            Err(RatingError::NotDelivered(Status::InProgress))
        );
    }

    #[test]
    fn invitations_work_once_and_until_they_expire() {
        let mut inv = Invitation {
            id: 1,
            org_id: OrgId(1),
            request_id: RequestId(2),
            contact_id: ContactId(3),
            created_at: at("2026-03-01T00:00:00Z"),
            expires_at: at("2026-03-15T00:00:00Z"),
            used_at: None,
        };
        assert!(inv.usable(at("2026-03-14T23:59:59Z")).is_ok());
        assert_eq!(
            inv.usable(at("2026-03-15T00:00:00Z")),
            Err(RatingError::Expired(inv.expires_at))
        );
        inv.used_at = Some(at("2026-03-02T00:00:00Z"));
        assert_eq!(
            inv.usable(at("2026-03-03T00:00:00Z")),
            Err(RatingError::Used)
        );
    }

    #[test]
    fn invitation_text_greets_by_preference_and_carries_the_link() {
        let t = invitation_text(
            Some("Dr Mehta"),
            true,
            "Quarterly report",
            "https://x.example/r/abc",
            jiff::civil::date(2026, 3, 15),
        );
        assert!(t.starts_with("Dear Dr Mehta,\n"), "{t}");
        assert!(t.contains("\u{201c}Quarterly report\u{201d}"));
        assert!(t.contains("\nhttps://x.example/r/abc\n"));
        assert!(t.contains("until 15 March 2026"));
        assert!(
            invitation_text(None, false, "x", "l", jiff::civil::date(2026, 1, 1))
                .starts_with("Hi,\n")
        );
    }

    #[test]
    fn months_start_on_the_first_two_months_back_in_the_clients_zone() {
        let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        // 3 June 10:00 UTC is 19:00 in Tokyo: the months are April, May and June there.
        assert_eq!(
            gap::months_since(at("2026-06-03T10:00:00Z"), &tz),
            at("2026-04-01T00:00:00+09:00")
        );
        // 31 January 20:00 UTC is already 1 February in Tokyo.
        assert_eq!(
            gap::months_since(at("2026-01-31T20:00:00Z"), &tz),
            at("2025-12-01T00:00:00+09:00")
        );
        assert_eq!(
            gap::months_since(at("2026-01-31T20:00:00Z"), &jiff::tz::TimeZone::UTC),
            at("2025-11-01T00:00:00Z")
        );
    }

    #[test]
    fn pairs_need_both_sides_and_average_the_contacts() {
        let rs = [
            rating(1, RatingSource::Team, 5, "2026-01-02T00:00:00Z"),
            rating(1, RatingSource::Client, 2, "2026-01-03T00:00:00Z"),
            rating(1, RatingSource::Client, 3, "2026-01-01T00:00:00Z"),
            rating(2, RatingSource::Team, 4, "2026-01-05T00:00:00Z"),
            rating(3, RatingSource::Client, 1, "2026-01-05T00:00:00Z"),
        ];
        let ps = gap::pairs(&rs);
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].request_id, RequestId(1));
        assert_eq!(ps[0].team, 5.0);
        assert_eq!(ps[0].client, 2.5);
        assert_eq!(ps[0].at, at("2026-01-03T00:00:00Z"));
    }

    fn pair(id: i64, team: f64, client: f64, when: &str) -> Pair {
        Pair {
            request_id: RequestId(id),
            team,
            client,
            at: at(when),
        }
    }

    #[test]
    fn the_gap_is_flagged_at_one_and_a_half_points_over_enough_pairs() {
        let ps = [
            pair(1, 5.0, 5.0, "2026-01-01T00:00:00Z"),
            pair(2, 4.5, 3.0, "2026-02-01T00:00:00Z"),
            pair(3, 5.0, 3.5, "2026-02-02T00:00:00Z"),
            pair(4, 4.0, 2.5, "2026-03-01T00:00:00Z"),
        ];
        let g = gap::over_last(&ps, 3);
        assert_eq!(g.pairs, 3);
        assert_eq!(g.gap, Some(1.5));
        assert!(g.flagged, "exactly 1.5 is flagged");
        let g = gap::over_last(&ps, 10);
        assert_eq!(g.pairs, 4);
        assert_eq!(g.gap, Some(1.13));
        assert!(!g.flagged);
        let g = gap::over_last(&ps[1..3], 10);
        assert!(!g.flagged, "two pairs are not a pattern");
        let one = gap::over_last(&ps[1..2], 1);
        assert_eq!(one.gap, Some(1.5), "the gap of one pair is still shown");
        assert!(
            !one.flagged,
            "asked about one pair, it is still not a pattern"
        );
        assert!(gap::over_last(&ps, 3).flagged, "three pairs are enough");
        assert_eq!(gap::over_last(&[], 5).gap, None);
    }

    #[test]
    fn months_follow_the_client_zone() {
        let ps = [
            pair(1, 5.0, 2.0, "2026-01-31T23:30:00Z"),
            pair(2, 4.0, 4.0, "2026-02-01T10:00:00Z"),
        ];
        let utc = gap::by_month(&ps, &jiff::tz::TimeZone::UTC);
        assert_eq!(
            utc.iter().map(|m| m.month.as_str()).collect::<Vec<_>>(),
            ["2026-01", "2026-02"]
        );
        let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        let months = gap::by_month(&ps, &tokyo);
        assert_eq!(months.len(), 1);
        assert_eq!(months[0].month, "2026-02");
        assert_eq!(months[0].gap.pairs, 2);
        assert_eq!(months[0].gap.gap, Some(1.5));
    }

    #[test]
    fn scores_are_one_to_five() {
        assert!(super::score_and_comment(0, "").is_err());
        assert!(super::score_and_comment(6, "").is_err());
        assert_eq!(
            super::score_and_comment(5, " great ").unwrap(),
            (5, "great".into())
        );
    }
}
