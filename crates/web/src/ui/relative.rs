//! Dates as people say them: "in 3 days", "2 hours ago", "5 weeks overdue", beside the exact
//! instant, so a glance tells how near a date is without reading it.

use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};

use super::when;

/// The distance from `now` to `at` in the largest whole unit that fits, past or future.
fn span(d: SignedDuration) -> String {
    let secs = d.as_secs().unsigned_abs();
    let (n, unit) = match secs {
        s if s < 60 => return "moments".into(),
        s if s < 3600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s if s < 14 * 86_400 => (s / 86_400, "day"),
        s if s < 60 * 86_400 => (s / (7 * 86_400), "week"),
        s if s < 730 * 86_400 => (s / (30 * 86_400), "month"),
        s => (s / (365 * 86_400), "year"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// "in 3 days" or "2 hours ago".
pub fn relative(at: Timestamp, now: Timestamp) -> String {
    let d = at.duration_since(now);
    match span(d).as_str() {
        "moments" if d.is_negative() => "moments ago".into(),
        "moments" => "in moments".into(),
        s if d.is_negative() => format!("{s} ago"),
        s => format!("in {s}"),
    }
}

/// A due date: "due in 3 days", or "5 weeks overdue" while still owed.
pub fn due_words(due: Timestamp, now: Timestamp) -> String {
    if due < now {
        format!("{} overdue", span(now.duration_since(due)))
    } else {
        format!("due {}", relative(due, now))
    }
}

/// The instant in `tz` with how near it is, marked overdue when past and still owed.
pub fn due_el(due: Timestamp, now: Timestamp, tz: &str) -> Markup {
    let overdue = due < now;
    html! {
        time datetime=(due.to_string()) class=[overdue.then_some("overdue")] {
            (when(due, tz))
        }
        " " span class={ "rel" @if overdue { " overdue" } } { "(" (due_words(due, now)) ")" }
    }
}

/// A past or future instant in `tz` with how far it is from now: "(3 days ago)".
pub fn when_el(at: Timestamp, now: Timestamp, tz: &str) -> Markup {
    html! {
        time datetime=(at.to_string()) { (when(at, tz)) }
        " " span class="rel" { "(" (relative(at, now)) ")" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn near_and_far_in_both_directions() {
        let now = t("2026-03-10T12:00:00Z");
        assert_eq!(relative(t("2026-03-13T12:00:00Z"), now), "in 3 days");
        assert_eq!(relative(t("2026-03-10T10:00:00Z"), now), "2 hours ago");
        assert_eq!(relative(t("2026-03-10T12:00:30Z"), now), "in moments");
        assert_eq!(relative(t("2026-03-10T11:59:00Z"), now), "1 minute ago");
        assert_eq!(relative(t("2026-05-10T12:00:00Z"), now), "in 2 months");
        assert_eq!(relative(t("2024-03-10T12:00:00Z"), now), "2 years ago");
    }

    #[test]
    fn owed_and_past_is_overdue() {
        let now = t("2026-03-10T12:00:00Z");
        assert_eq!(due_words(t("2026-02-03T12:00:00Z"), now), "5 weeks overdue");
        assert_eq!(due_words(t("2026-03-11T12:00:00Z"), now), "due in 1 day");
        let html = due_el(t("2026-03-09T12:00:00Z"), now, "Europe/London").into_string();
        assert!(html.contains("class=\"overdue\""), "{html}");
        assert!(html.contains("1 day overdue"), "{html}");
        let html = due_el(t("2026-03-12T12:00:00Z"), now, "Europe/London").into_string();
        assert!(!html.contains("overdue"), "{html}");
    }
}
