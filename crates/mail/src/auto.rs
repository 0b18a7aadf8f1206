//! Is a message written by a machine (auto-reply, bounce or bulk mail)? Mail through a list or
//! a group alias is not: people write it.
//!
//! Rapport must never answer such mail automatically (no acknowledgement loops) and should not
//! count it as a client speaking. RFC 3834 is the standard signal; the rest are the de-facto ones
//! that mailers actually send.

/// Subject prefixes of out-of-office replies and bounces, compared case-insensitively against the
/// start of the subject. Prefixes only: "Re: out of office tomorrow?" is a person writing.
const AUTO_SUBJECT_PREFIXES: &[&str] = &[
    "automatic reply:",
    "auto reply:",
    "auto-reply:",
    "autoreply:",
    "auto response:",
    "out of office",
    "out of the office",
    "abwesenheitsnotiz",
    "automatische antwort",
    "réponse automatique",
    "respuesta automática",
    "undeliverable:",
    "undelivered mail returned to sender",
    "delivery status notification",
    "mail delivery failed",
    "returned mail:",
];

/// Why a message counts as automatic; `None` means a person (probably) wrote it.
///
/// `headers` are the top-level fields as (name, unfolded value) pairs, in any case.
pub fn detect(
    headers: &[(&str, &str)],
    from: Option<&str>,
    subject: Option<&str>,
) -> Option<String> {
    for &(name, value) in headers {
        let value = value.trim();
        let lname = name.to_ascii_lowercase();
        let found = match lname.as_str() {
            // RFC 3834: any value other than "no" (parameters and comments may follow).
            "auto-submitted" => !first_token(value).eq_ignore_ascii_case("no"),
            // Exchange and older autoresponders set these with various values.
            "x-autoreply" | "x-autorespond" | "x-autoresponder" => {
                !value.eq_ignore_ascii_case("no") && !value.eq_ignore_ascii_case("false")
            }
            // `Precedence: list`, `List-Id` and `List-Unsubscribe` say the mail came through a
            // mailing list or a group alias, which people write to: a client's colleague
            // copying the team's alias is the client speaking. Only bulk mail is a machine's.
            "precedence" => ["bulk", "junk", "auto_reply"]
                .iter()
                .any(|p| first_token(value).eq_ignore_ascii_case(p)),
            // The null reverse-path is used for bounces and (RFC 3834) auto-replies.
            "return-path" => value.replace([' ', '\t'], "") == "<>",
            "content-type" => is_report(value),
            _ => false,
        };
        if found {
            return Some(format!("{name}: {}", shorten(value)));
        }
    }
    if let Some(from) = from
        && from
            .rsplit_once('@')
            .map_or(from, |(local, _)| local)
            .eq_ignore_ascii_case("mailer-daemon")
    {
        return Some(format!("From: {from}"));
    }
    if let Some(subject) = subject {
        let lower = subject.trim_start().to_lowercase();
        if let Some(prefix) = AUTO_SUBJECT_PREFIXES
            .iter()
            .find(|p| lower.starts_with(**p))
        {
            return Some(format!("Subject starts with \"{prefix}\""));
        }
    }
    None
}

/// The value up to the first `;`, `(` or whitespace: `auto-replied; owner-email=...` -> `auto-replied`.
fn first_token(value: &str) -> &str {
    let end = value
        .find(|c: char| c == ';' || c == '(' || c.is_whitespace())
        .unwrap_or(value.len());
    &value[..end]
}

/// `multipart/report; report-type=delivery-status` (a DSN, RFC 3464) or
/// `report-type=disposition-notification` (a read receipt, RFC 8098).
fn is_report(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let media = parts.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("multipart/report") {
        return false;
    }
    parts.any(|param| {
        let Some((key, val)) = param.split_once('=') else {
            return false;
        };
        let val = val.trim().trim_matches('"');
        key.trim().eq_ignore_ascii_case("report-type")
            && (val.eq_ignore_ascii_case("delivery-status")
                || val.eq_ignore_ascii_case("disposition-notification"))
    })
}

fn shorten(value: &str) -> String {
    const MAX: usize = 80;
    match value.char_indices().nth(MAX) {
        Some((idx, _)) => format!("{}...", &value[..idx]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(name: &'static str, value: &'static str) -> Vec<(&'static str, &'static str)> {
        vec![("From", "Ann <ann@example.com>"), (name, value)]
    }

    fn is_auto(headers: &[(&str, &str)]) -> bool {
        detect(headers, Some("ann@example.com"), Some("Hello")).is_some()
    }

    #[test]
    fn plain_person_mail_is_not_auto() {
        assert_eq!(
            detect(
                &hdr("Subject", "Hello"),
                Some("ann@example.com"),
                Some("Hello")
            ),
            None
        );
    }

    #[test]
    fn auto_submitted_other_than_no() {
        assert!(is_auto(&hdr("Auto-Submitted", "auto-replied")));
        assert!(is_auto(&hdr("auto-submitted", "auto-generated; owner=x")));
        assert!(!is_auto(&hdr("Auto-Submitted", "no")));
        assert!(!is_auto(&hdr(
            "Auto-Submitted",
            " No (a person wrote this)"
        )));
        assert_eq!(
            detect(&hdr("Auto-Submitted", "auto-replied"), None, None).as_deref(),
            Some("Auto-Submitted: auto-replied")
        );
    }

    #[test]
    fn x_autoreply_and_autorespond() {
        assert!(is_auto(&hdr("X-Autoreply", "yes")));
        assert!(is_auto(&hdr("X-Autorespond", "Out of office")));
        assert!(!is_auto(&hdr("X-Autoreply", "no")));
    }

    #[test]
    fn precedence_values() {
        for v in ["bulk", "junk", "auto_reply", "Bulk"] {
            assert!(is_auto(&hdr("Precedence", v)), "{v}");
        }
        assert!(!is_auto(&hdr("Precedence", "first-class")));
        assert!(
            !is_auto(&hdr("Precedence", "list")),
            "a list carries people's mail"
        );
    }

    #[test]
    fn list_headers_are_not_a_machine() {
        assert!(!is_auto(&hdr("List-Id", "<dev.lists.example.org>")));
        assert!(!is_auto(&hdr(
            "List-Unsubscribe",
            "<mailto:leave@example.org>"
        )));
    }

    #[test]
    fn null_return_path() {
        assert!(is_auto(&hdr("Return-Path", "<>")));
        assert!(is_auto(&hdr("Return-Path", "< >")));
        assert!(!is_auto(&hdr("Return-Path", "<ann@example.com>")));
    }

    #[test]
    fn delivery_and_disposition_reports() {
        assert!(is_auto(&hdr(
            "Content-Type",
            "multipart/report; report-type=delivery-status; boundary=\"x\""
        )));
        assert!(is_auto(&hdr(
            "Content-Type",
            "multipart/report; boundary=x; report-type=\"disposition-notification\""
        )));
        assert!(!is_auto(&hdr(
            "Content-Type",
            "multipart/mixed; report-type=delivery-status"
        )));
        assert!(!is_auto(&hdr(
            "Content-Type",
            "multipart/report; report-type=other"
        )));
    }

    #[test]
    fn mailer_daemon_sender() {
        assert!(detect(&[], Some("MAILER-DAEMON@mx.example.com"), None).is_some());
        assert!(detect(&[], Some("mailer-daemon"), None).is_some());
        assert!(detect(&[], Some("daemon@example.com"), None).is_none());
    }

    #[test]
    fn out_of_office_subjects() {
        for s in [
            "Automatic reply: Invoice 42",
            "Out of Office: back on Monday",
            "OUT OF THE OFFICE",
            "Abwesenheitsnotiz: Rechnung",
            "Undeliverable: Invoice 42",
        ] {
            assert!(
                detect(&[], Some("ann@example.com"), Some(s)).is_some(),
                "{s}"
            );
        }
        for s in [
            "Re: out of office tomorrow?",
            "Invoice",
            "Fwd: Automatic reply: x",
        ] {
            assert!(
                detect(&[], Some("ann@example.com"), Some(s)).is_none(),
                "{s}"
            );
        }
    }
}
