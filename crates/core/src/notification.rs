//! Notifications: each member's inbox of what happened to *them* (assigned to you, the client
//! replied on your request, a promise of yours is due soon or broke, an @mention in an internal
//! note, an SLA at risk on your request), and when each reaches them by email: at once, in an
//! hourly digest, or never, and only in their own working hours.
//!
//! Pure: who an @mention names ([`mentioned`]), when mail is due ([`mail_due`]) and what it
//! says ([`compose_mail`]).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::ids::{MemberId, RequestId};
use crate::label_enum;
use crate::member::Member;

label_enum!(NotificationKind {
    /// A request was assigned to you (by someone else or a rule).
    Assigned => "assigned",
    /// The client wrote on a request assigned to you.
    ClientReplied => "client_replied",
    /// A promise you made is due soon.
    PromiseDueSoon => "promise_due_soon",
    /// A promise you made broke.
    PromiseBroken => "promise_broken",
    /// Someone named you (@name) in an internal note.
    Mentioned => "mentioned",
    /// An SLA clock on a request assigned to you is at risk.
    SlaAtRisk => "sla_at_risk",
});

label_enum!(EmailDelivery {
    /// One mail as soon as it happens (in your working hours).
    Immediate => "immediate",
    /// One mail at the hour with everything since the last (in your working hours).
    Hourly => "hourly",
    /// No mail: the inbox only.
    Off => "off",
});

label_enum!(MailState {
    /// Not mailed yet: waiting for the hour or for the member's working hours.
    Pending => "pending",
    /// Went out in a mail.
    Sent => "sent",
    /// Not mailed: the member's preference was off.
    Skipped => "skipped",
});

/// A member's own choice of how notifications reach them by mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// `immediate` (the default), `hourly` or `off`. Mail is held outside the member's working
    /// hours until their next working hour.
    pub email: EmailDelivery,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            email: EmailDelivery::Immediate,
        }
    }
}

/// One item of a member's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    /// Whose inbox it is in.
    pub member_id: MemberId,
    pub kind: NotificationKind,
    /// The request it is about, when there is one.
    pub request_id: Option<RequestId>,
    /// What else it points at (`promise`, `message`) and its id.
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    /// In words, e.g. `Ada mentioned you on #12 "Export broken"`.
    pub message: String,
    /// The member whose action caused it; `null` for the client, a rule or a clock.
    pub actor_id: Option<MemberId>,
    pub created_at: Timestamp,
    /// When it was marked read; `null` while unread.
    pub read_at: Option<Timestamp>,
    /// Whether it went out by mail (`pending`, `sent`, `skipped`).
    pub email: MailState,
    pub emailed_at: Option<Timestamp>,
}

/// A notification to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub member_id: MemberId,
    pub kind: NotificationKind,
    pub request_id: Option<RequestId>,
    pub subject_kind: Option<&'static str>,
    pub subject_id: Option<i64>,
    pub message: String,
    pub actor_id: Option<MemberId>,
}

/// The longest @handle read: longer runs of letters are not a name.
const MAX_HANDLE: usize = 64;

/// The @handles in `text`, lower-cased, each once, in order. An `@` counts only at the start or
/// after something that is not a letter or digit (so `ada@northwind.example` is an address,
/// not a mention); a handle is letters, digits, `.`, `_` and `-`, without a trailing `.`, `_`
/// or `-` (the end of a sentence).
pub fn handles(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == '@' && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len()
            && (chars[j].is_alphanumeric() || matches!(chars[j], '.' | '_' | '-'))
            && j - i <= MAX_HANDLE
        {
            j += 1;
        }
        let h: String = chars[i + 1..j].iter().collect();
        let h = h
            .trim_end_matches(['.', '_', '-'])
            .to_lowercase()
            .to_string();
        if !h.is_empty() && !out.contains(&h) {
            out.push(h);
        }
        i = j.max(i + 1);
    }
    out
}

/// Letters and digits only, lower-cased: `Ada Okafor` and `ada.okafor` are both `adaokafor`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The members an internal note names with @handles, matched case-insensitively among
/// `members` (the note's own organisation, active members only): the part of their address
/// before `@` (`@ada.okafor`), their whole name without spaces or dots (`@adaokafor`,
/// `@Ada.Okafor`), or their first name (`@ada`) when only one member has it. A handle that
/// names nobody, or a first name several members share, notifies nobody.
pub fn mentioned(text: &str, members: &[Member]) -> Vec<MemberId> {
    let mut out = Vec::new();
    for h in handles(text) {
        let flat = squash(&h);
        let exact: Vec<&Member> = members
            .iter()
            .filter(|m| m.active)
            .filter(|m| {
                let local = m.email.split('@').next().unwrap_or("").to_lowercase();
                local == h || (!flat.is_empty() && squash(&m.name) == flat)
            })
            .collect();
        let found: Vec<&Member> = if exact.is_empty() {
            let first: Vec<&Member> = members
                .iter()
                .filter(|m| m.active)
                .filter(|m| {
                    m.name
                        .split_whitespace()
                        .next()
                        .is_some_and(|f| f.to_lowercase() == h)
                })
                .collect();
            if first.len() == 1 { first } else { Vec::new() }
        } else {
            exact
        };
        for m in found {
            if !out.contains(&m.id) {
                out.push(m.id);
            }
        }
    }
    out
}

/// When mail for a notification recorded at `now` is due for a member who chose `delivery`,
/// with `hours` their own working calendar and `tz` their zone: at once, or at the next full
/// hour of their clock for the digest, moved on to their next working moment when that falls
/// outside their hours. `None`: no mail. A calendar with no working time ahead does not hold
/// mail forever: it goes at the time it would have.
pub fn mail_due(
    delivery: EmailDelivery,
    hours: &Calendar,
    tz: &jiff::tz::TimeZone,
    now: Timestamp,
) -> Option<Timestamp> {
    let at = match delivery {
        EmailDelivery::Off => return None,
        EmailDelivery::Immediate => now,
        EmailDelivery::Hourly => next_hour(tz, now),
    };
    Some(hours.next_open(at).unwrap_or(at))
}

/// The next full hour after `now` on the clock of `tz` (zones half an hour off UTC included).
pub fn next_hour(tz: &jiff::tz::TimeZone, now: Timestamp) -> Timestamp {
    let z = now.to_zoned_datetime(tz.clone());
    let floor = z
        .with()
        .minute(0)
        .second(0)
        .subsec_nanosecond(0)
        .build()
        .map(|f| f.timestamp())
        .unwrap_or(now);
    let floor = if floor > now { now } else { floor };
    floor
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap_or(now)
}

/// A mail to a member: its subject and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    pub subject: String,
    pub body: String,
}

/// The mail for `items` (oldest first), each with its request link built from `base_url`:
/// one notification says itself in the subject; several make a digest naming how many.
/// Times are said on the member's clock (`tz`).
pub fn compose_mail(
    items: &[Notification],
    base_url: &str,
    tz: &jiff::tz::TimeZone,
) -> Option<MailText> {
    let base = base_url.trim_end_matches('/');
    let line = |n: &Notification| {
        let when = n
            .created_at
            .to_zoned_datetime(tz.clone())
            .strftime("%a %-d %b %H:%M");
        let link = n
            .request_id
            .map(|r| format!("\n  {base}/app/requests/{r}"))
            .unwrap_or_default();
        format!("- {when}: {}{link}", n.message)
    };
    let footer = format!(
        "\n\nYour inbox: {base}/app/inbox\nChoose at once, an hourly digest or no mail there."
    );
    match items {
        [] => None,
        [one] => Some(MailText {
            subject: format!("[Rapport] {}", one.message),
            body: format!("{}{footer}\n", line(one)),
        }),
        many => Some(MailText {
            subject: format!("[Rapport] {} notifications", many.len()),
            body: format!(
                "Since the last mail:\n\n{}{footer}\n",
                many.iter().map(line).collect::<Vec<_>>().join("\n")
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::ids::OrgId;

    fn m(id: i64, name: &str, email: &str) -> Member {
        Member {
            id: MemberId(id),
            org_id: OrgId(1),
            email: email.into(),
            name: name.into(),
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
        }
    }

    #[test]
    fn handles_skip_addresses_and_sentence_ends() {
        assert_eq!(
            handles("@Ada can you look? cc @bo.lee. Mail ada@northwind.example, @ada again"),
            vec!["ada".to_string(), "bo.lee".to_string()]
        );
        assert!(handles("no one @ here, a@b").is_empty());
        assert_eq!(handles("(@José)"), vec!["josé".to_string()]);
    }

    #[test]
    fn mentions_match_address_name_or_unique_first_name() {
        let team = [
            m(1, "Ada Okafor", "ada@x.example"),
            m(2, "Bo Lee", "bo.lee@x.example"),
            m(3, "Sam Green", "sam.g@x.example"),
            m(4, "Sam Brown", "sbrown@x.example"),
        ];
        assert_eq!(mentioned("@ADA please", &team), vec![MemberId(1)]);
        assert_eq!(
            mentioned("@bo.lee and @adaokafor", &team),
            vec![MemberId(2), MemberId(1)]
        );
        assert_eq!(mentioned("@Sam.Brown", &team), vec![MemberId(4)]);
        // Two Sams: a first name alone is not enough.
        assert!(mentioned("@sam", &team).is_empty());
        assert!(mentioned("@nobody", &team).is_empty());
        let mut gone = m(5, "Cy Old", "cy@x.example");
        gone.active = false;
        assert!(mentioned("@cy", &[gone]).is_empty());
    }

    #[test]
    fn mail_waits_for_the_hour_and_the_working_day() {
        let cal = crate::calendar::CalendarSpec {
            tz: "Europe/London".into(),
            hours: vec!["mon-fri 09:00-17:00".into()],
            holidays: vec![],
            countries: vec![],
        }
        .compile()
        .unwrap();
        let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
        // Monday 2 March 2026, 10:20 in London (GMT).
        let at: Timestamp = "2026-03-02T10:20:00Z".parse().unwrap();
        assert_eq!(mail_due(EmailDelivery::Immediate, &cal, &tz, at), Some(at));
        assert_eq!(
            mail_due(EmailDelivery::Hourly, &cal, &tz, at),
            Some("2026-03-02T11:00:00Z".parse().unwrap())
        );
        assert_eq!(mail_due(EmailDelivery::Off, &cal, &tz, at), None);
        // Monday 20:00: held to Tuesday 09:00, either way.
        let late: Timestamp = "2026-03-02T20:00:00Z".parse().unwrap();
        let tuesday: Timestamp = "2026-03-03T09:00:00Z".parse().unwrap();
        assert_eq!(
            mail_due(EmailDelivery::Immediate, &cal, &tz, late),
            Some(tuesday)
        );
        assert_eq!(
            mail_due(EmailDelivery::Hourly, &cal, &tz, late),
            Some(tuesday)
        );
        // On the hour exactly, the digest is the next hour's.
        let ten: Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        assert_eq!(
            next_hour(&tz, ten),
            "2026-03-02T11:00:00Z".parse::<Timestamp>().unwrap()
        );
        let kolkata = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
        assert_eq!(
            next_hour(&kolkata, at),
            "2026-03-02T10:30:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn one_says_itself_several_make_a_digest() {
        let tz = jiff::tz::TimeZone::get("Europe/London").unwrap();
        let n = |id: i64, msg: &str| Notification {
            id,
            member_id: MemberId(1),
            kind: NotificationKind::Mentioned,
            request_id: Some(RequestId(7)),
            subject_kind: None,
            subject_id: None,
            message: msg.into(),
            actor_id: None,
            created_at: "2026-03-02T10:20:00Z".parse().unwrap(),
            read_at: None,
            email: MailState::Pending,
            emailed_at: None,
        };
        assert!(compose_mail(&[], "http://x", &tz).is_none());
        let one = compose_mail(&[n(1, "Bo mentioned you")], "http://x/", &tz).unwrap();
        assert_eq!(one.subject, "[Rapport] Bo mentioned you");
        assert!(one.body.contains("http://x/app/requests/7"), "{}", one.body);
        assert!(one.body.contains("Mon 2 Mar 10:20"), "{}", one.body);
        let two = compose_mail(&[n(1, "first"), n(2, "second")], "http://x", &tz).unwrap();
        assert_eq!(two.subject, "[Rapport] 2 notifications");
        assert!(two.body.contains("first") && two.body.contains("second"));
    }
}
