//! The few Python `str` behaviours VADER's results depend on, reproduced exactly.
//!
//! Scores must equal the reference implementation's, so tokenising and case tests follow
//! CPython rather than Rust's own (slightly different) definitions.

/// Python's `str.isspace()`: Unicode White_Space plus the four ASCII information separators
/// (U+001C..U+001F), which CPython counts as whitespace and Rust does not.
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Titlecase letters (general category Lt): CPython's `isupper()` is false for a word that
/// contains one, yet Rust has no predicate for them.
fn is_titlecase(c: char) -> bool {
    matches!(c,
        '\u{01C5}' | '\u{01C8}' | '\u{01CB}' | '\u{01F2}'
        | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}'
        | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

/// Python's `str.isupper()`: at least one cased character and none lower- or titlecase.
pub(super) fn is_upper(word: &str) -> bool {
    let mut cased = false;
    for c in word.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// Python's `token.strip(string.punctuation)` (ASCII punctuation only).
pub(super) fn strip_punctuation(token: &str) -> &str {
    token.trim_matches(|c: char| c.is_ascii_punctuation())
}

/// Python's `round(x, digits)`: the decimal nearest the exact binary value, ties to even.
/// Rust's fixed-precision formatting rounds the same way, so format and parse back.
pub(super) fn round(x: f64, digits: usize) -> f64 {
    format!("{x:.digits$}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_count_as_space_like_python() {
        assert!(is_space('\u{1f}'));
        assert!(is_space('\u{a0}'));
        assert!(!is_space('\u{200b}'));
        assert!(!is_space('x'));
    }

    #[test]
    fn isupper_follows_cpython() {
        assert!(is_upper("SUX"));
        assert!(is_upper("VADER!"));
        assert!(is_upper("A1"));
        assert!(!is_upper("123"));
        assert!(!is_upper(":)"));
        assert!(!is_upper("Sux"));
        assert!(!is_upper("A\u{01C5}"));
        assert!(is_upper("ÉTÉ"));
    }

    #[test]
    fn round_is_half_even_on_the_exact_value() {
        assert_eq!(round(0.125, 2), 0.12);
        assert_eq!(round(0.375, 2), 0.38);
        assert_eq!(round(0.0005, 3), 0.001);
        assert_eq!(round(0.00015, 4), 0.0001);
        assert_eq!(round(-0.74, 3), -0.74);
    }

    #[test]
    fn strips_only_ascii_punctuation() {
        assert_eq!(strip_punctuation("\"Excellent,\""), "Excellent");
        assert_eq!(strip_punctuation("«bien»"), "«bien»");
        assert_eq!(strip_punctuation(":)"), "");
    }
}
