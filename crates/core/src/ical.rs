//! iCalendar (RFC 5545) feeds: promises and SLA deadlines as events a calendar app subscribes to.

use jiff::Timestamp;

/// One deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable across refreshes, so calendar apps update rather than duplicate.
    pub uid: String,
    pub at: Timestamp,
    pub summary: String,
    pub description: String,
}

/// `20300304T140000Z`.
fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (never inside a UTF-8 sequence), CRLF-terminated.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

/// The whole calendar. `stamp` is when it was generated (DTSTAMP).
pub fn calendar(name: &str, events: &[Event], stamp: Timestamp) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Rapport//Deadlines//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", escape(name)),
    ] {
        out.push_str(&fold(&l));
    }
    for e in events {
        for l in [
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", escape(&e.uid)),
            format!("DTSTAMP:{}", utc(stamp)),
            format!("DTSTART:{}", utc(e.at)),
            "DURATION:PT15M".to_string(),
            format!("SUMMARY:{}", escape(&e.summary)),
            format!("DESCRIPTION:{}", escape(&e.description)),
            "TRANSP:TRANSPARENT".to_string(),
            "END:VEVENT".to_string(),
        ] {
            out.push_str(&fold(&l));
        }
    }
    out.push_str(&fold("END:VCALENDAR"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_fold_at_75_octets() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let long = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&long);
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        // Unfolding gives the line back.
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), long);
    }

    #[test]
    fn a_calendar_with_one_event() {
        let at: Timestamp = "2030-03-04T14:00:00Z".parse().unwrap();
        let c = calendar(
            "Acme, promises",
            &[Event {
                uid: "promise-7@acme".into(),
                at,
                summary: "Proposal due, Kaveri".into(),
                description: "Promised by Ana".into(),
            }],
            at,
        );
        assert!(c.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(c.contains("X-WR-CALNAME:Acme\\, promises\r\n"));
        assert!(c.contains("DTSTART:20300304T140000Z\r\n"));
        assert!(c.contains("SUMMARY:Proposal due\\, Kaveri\r\n"));
        assert!(c.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert_eq!(c.matches("BEGIN:VEVENT").count(), 1);
    }
}
