//! The reference token that ties mail to a request: `[#1042]` in the subject.
//!
//! The format lives in [`format`] and [`find`] only. A request id is an integer for now; if it
//! becomes something else (a prefix per org, a checksum), change these two functions and their
//! tests, and nothing else needs to know.

/// The token for request `id`: `[#1042]`.
pub fn format(id: u64) -> String {
    format!("[#{id}]")
}

/// The request id of the last well-formed token in `subject`, if any.
///
/// The last one wins because [`ensure`] appends at the end: a client's own `[#5]` earlier in
/// the subject does not hijack the thread. Digits only, a value that fits u64, no sign, no
/// spaces: `[#12a]`, `[# 12]` and `[#]` are not tokens.
pub fn find(subject: &str) -> Option<u64> {
    let mut found = None;
    let mut rest = subject;
    while let Some(open) = rest.find("[#") {
        let after = &rest[open + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=20).contains(&digits)
            && after[digits..].starts_with(']')
            && let Ok(id) = after[..digits].parse::<u64>()
        {
            found = Some(id);
        }
        rest = after;
    }
    found
}

/// `subject` with the token for `id` at the end, added only when the last token is not already
/// ours, so replies to replies do not grow `[#1][#1][#1]`.
pub fn ensure(subject: &str, id: u64) -> String {
    if find(subject) == Some(id) {
        return subject.to_string();
    }
    let trimmed = subject.trim_end();
    if trimmed.is_empty() {
        format(id)
    } else {
        format!("{trimmed} {}", format(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn format_is_bracket_hash_number() {
        assert_eq!(format(1042), "[#1042]");
    }

    #[test]
    fn finds_token_anywhere() {
        assert_eq!(find("Re: Invoice [#1042]"), Some(1042));
        assert_eq!(find("[#7] Invoice"), Some(7));
        assert_eq!(find("Re:[#12]x"), Some(12));
    }

    #[test]
    fn rejects_malformed_tokens() {
        for s in [
            "[#]",
            "[# 12]",
            "[#12a]",
            "[#-3]",
            "#12",
            "[12]",
            "[#12",
            "[#99999999999999999999]",
        ] {
            assert_eq!(find(s), None, "{s}");
        }
    }

    #[test]
    fn last_token_wins() {
        assert_eq!(find("About [#5] for us [#1042]"), Some(1042));
        assert_eq!(find("[#1042] then [#bad]"), Some(1042));
    }

    #[test]
    fn ensure_adds_once() {
        assert_eq!(ensure("Invoice", 1042), "Invoice [#1042]");
        assert_eq!(ensure("Re: Invoice [#1042]", 1042), "Re: Invoice [#1042]");
        assert_eq!(ensure("", 3), "[#3]");
        assert_eq!(ensure("Ticket [#5]", 6), "Ticket [#5] [#6]");
    }

    proptest! {
        #[test]
        fn ensure_is_idempotent_and_findable(subject in "\\PC{0,40}", id in any::<u64>()) {
            let once = ensure(&subject, id);
            prop_assert_eq!(find(&once), Some(id));
            prop_assert_eq!(ensure(&once, id), once);
        }
    }
}
