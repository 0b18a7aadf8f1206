//! Validation: turning raw input into values that cannot be wrong, collecting every problem with
//! the field it belongs to so an API can answer with all of them at once.

use serde::Serialize;

/// One problem with one input field. `field` is a JSON-pointer-like path (`calendar.tz`,
/// `tags[2]`), `message` is for humans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// All the problems found in one input. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct Violations(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    match errors {
        [] => "no problems".to_string(),
        [one] => format!("{}: {}", one.field, one.message),
        [first, rest @ ..] => format!(
            "{}: {} (and {} more problem{})",
            first.field,
            first.message,
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    }
}

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut v = Self::new();
        v.add(field, message);
        v
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Record the error of `result` (if any) against `field`, and pass the value on.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// `Ok(value)` when nothing was recorded, else all the problems.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Violations> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    /// Add every problem of `other` with its fields nested under `prefix`.
    pub fn nest(&mut self, prefix: &str, other: Violations) {
        for e in other.0 {
            self.add(format!("{prefix}.{}", e.field), e.message);
        }
    }
}

/// Limits on free text, in characters (Unicode scalar values). Documented in the API schema.
pub mod limits {
    pub const NAME: usize = 200;
    pub const TITLE: usize = 300;
    /// Request bodies may hold a pasted spec or a long email thread.
    pub const BODY: usize = 1_000_000;
    pub const NOTE: usize = 10_000;
    pub const EMAIL: usize = 254;
    pub const TAG: usize = 50;
    pub const TAGS: usize = 20;
    pub const LOCALE: usize = 35;
    pub const WORD_LIST: usize = 200;
    pub const WORD: usize = 100;
    pub const PASSWORD_MIN: usize = 10;
    pub const PASSWORD_MAX: usize = 1024;
}

/// A required single-line text: trimmed, non-empty, at most `max` characters, no control chars.
pub fn line(value: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    let n = v.chars().count();
    if n > max {
        return Err(format!("must be at most {max} characters (got {n})"));
    }
    if v.chars().any(char::is_control) {
        return Err("must not contain control characters or line breaks".into());
    }
    Ok(v.to_string())
}

/// A required multi-line text: trimmed at the ends, non-empty, at most `max` characters.
pub fn text(value: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    let n = v.chars().count();
    if n > max {
        return Err(format!("must be at most {max} characters (got {n})"));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(v.to_string())
}

/// Optional multi-line text: empty (after trimming) becomes an empty string.
pub fn optional_text(value: &str, max: usize) -> Result<String, String> {
    if value.trim().is_empty() {
        Ok(String::new())
    } else {
        text(value, max)
    }
}

/// A syntactically plausible email address, lower-cased: mail routing and sign-in treat
/// `Priya.Mehta@Example.com` and `priya.mehta@example.com` as one person, as every real mail
/// system does in practice.
///
/// Deliberately simpler than RFC 5321: one `@`, a non-empty local part without spaces, a domain
/// with at least one dot and only letters, digits, hyphens and dots. Anything stricter rejects
/// real addresses; anything looser lets typos through to the client's inbox.
pub fn email(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    if v.len() > limits::EMAIL {
        return Err(format!("must be at most {} characters", limits::EMAIL));
    }
    let Some((local, domain)) = v.rsplit_once('@') else {
        return Err(format!("{v:?} is not an email address (no @)"));
    };
    let bad_local = local.is_empty()
        || local.len() > 64
        || local.contains('@')
        || local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
    if bad_local {
        return Err(format!("{v:?} is not an email address (bad local part)"));
    }
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if !domain_ok {
        return Err(format!("{v:?} is not an email address (bad domain)"));
    }
    Ok(format!("{}@{}", local.to_lowercase(), domain.to_lowercase()))
}

/// An IANA time zone name known to the bundled tz database.
pub fn time_zone(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    match jiff::tz::TimeZone::get(v) {
        Ok(_) => Ok(v.to_string()),
        Err(_) => Err(format!(
            "{v:?} is not a known IANA time zone (e.g. Europe/London)"
        )),
    }
}

/// A tag: lower-case letters, digits, `-`, `_`, `:` and `.`; 1..=50 characters.
pub fn tag(value: &str) -> Result<String, String> {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    if v.chars().count() > limits::TAG {
        return Err(format!("must be at most {} characters", limits::TAG));
    }
    if !v
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
    {
        return Err(format!(
            "{v:?} may only hold letters, digits, '-', '_', ':' and '.'"
        ));
    }
    Ok(v)
}

/// Validate a list of tags into a sorted, de-duplicated list.
pub fn tags(values: &[String], field: &str, v: &mut Violations) -> Vec<String> {
    if values.len() > limits::TAGS {
        v.add(field, format!("at most {} tags", limits::TAGS));
        return Vec::new();
    }
    let mut out: Vec<String> = values
        .iter()
        .enumerate()
        .filter_map(|(i, t)| v.check(&format!("{field}[{i}]"), tag(t)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A list of short words or phrases (avoid lists): each trimmed, non-empty, bounded.
pub fn word_list(values: &[String], field: &str, v: &mut Violations) -> Vec<String> {
    if values.len() > limits::WORD_LIST {
        v.add(field, format!("at most {} entries", limits::WORD_LIST));
        return Vec::new();
    }
    values
        .iter()
        .enumerate()
        .filter_map(|(i, w)| v.check(&format!("{field}[{i}]"), line(w, limits::WORD)))
        .collect()
}

/// A new password: long enough to resist guessing, short enough not to be a hashing DoS.
pub fn password(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n < limits::PASSWORD_MIN {
        return Err(format!(
            "must be at least {} characters",
            limits::PASSWORD_MIN
        ));
    }
    if n > limits::PASSWORD_MAX {
        return Err(format!(
            "must be at most {} characters",
            limits::PASSWORD_MAX
        ));
    }
    Ok(())
}

/// A BCP 47-ish locale tag such as `en-GB`, `pt-BR`, `ja`.
pub fn locale(value: &str) -> Result<String, String> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= limits::LOCALE
        && v.split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && v.split('-').next().is_some_and(|l| {
            (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic())
        });
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!("{v:?} is not a locale tag like en-GB"))
    }
}

/// A whole number within an inclusive range.
pub fn range(value: i64, min: i64, max: i64) -> Result<i64, String> {
    if value < min {
        Err(format!("must be at least {min} (got {value})"))
    } else if value > max {
        Err(format!("must be at most {max} (got {value})"))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_trims_and_bounds() {
        assert_eq!(line("  Acme  ", 10).unwrap(), "Acme");
        assert!(line("   ", 10).unwrap_err().contains("empty"));
        assert!(line("abcdefghijk", 10).unwrap_err().contains("at most 10"));
        assert!(line("a\nb", 10).is_err());
        // Characters, not bytes: 10 multibyte chars fit in a limit of 10.
        assert!(line("éééééééééé", 10).is_ok());
    }

    #[test]
    fn email_accepts_real_addresses_and_rejects_typos() {
        assert_eq!(
            email("Priya.Mehta@Example.COM").unwrap(),
            "priya.mehta@example.com"
        );
        assert!(email("o'brien+rapport@mail.co.uk").is_ok());
        for bad in [
            "",
            "plain",
            "a@b",
            "a@.com",
            "a@b..com",
            "a b@c.com",
            "@c.com",
            "a@-b.com",
        ] {
            assert!(email(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn zones_must_exist() {
        assert!(time_zone("America/New_York").is_ok());
        assert!(time_zone("Asia/Kolkata").is_ok());
        assert!(time_zone("Mars/Olympus").unwrap_err().contains("IANA"));
    }

    #[test]
    fn tags_are_normalised() {
        let mut v = Violations::new();
        let t = tags(
            &["Billing".into(), "billing".into(), "q3-report".into()],
            "tags",
            &mut v,
        );
        assert!(v.is_empty());
        assert_eq!(t, vec!["billing", "q3-report"]);
        let _ = tags(&["bad tag".into()], "tags", &mut v);
        assert_eq!(v.0[0].field, "tags[0]");
    }

    #[test]
    fn locales() {
        assert!(locale("en-GB").is_ok());
        assert!(locale("ja").is_ok());
        assert!(locale("english").is_err());
        assert!(locale("").is_err());
    }

    #[test]
    fn summary_counts_problems() {
        let mut v = Violations::single("name", "must not be empty");
        assert_eq!(v.to_string(), "name: must not be empty");
        v.add("email", "bad");
        assert_eq!(
            v.to_string(),
            "name: must not be empty (and 1 more problem)"
        );
    }
}
