//! From free text to the terms the ranking compares: words, lowercased, stop words dropped,
//! English words stemmed (Porter2 / Snowball), so "dashboards" meets "dashboard".

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::stopwords::is_stop_word;

/// One word of a text as the ranking sees it: its stem, and the word as written (lowercased) so
/// evidence can show a reader the word they know rather than the stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub stem: String,
    pub word: String,
}

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Cut `text` to at most `max_bytes`, on a character boundary. What a client writes after the
/// first tens of kilobytes (quoted threads, pasted logs) says nothing new about the work asked for,
/// and scanning it would make the check's cost grow with the size of the mail.
pub fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The terms of `text`, in order.
///
/// Words are maximal runs of alphanumeric characters (`char::is_alphanumeric`, so any script).
/// Dropped: stop words, one-letter Latin words, and numbers of fewer than four digits (quantities
/// such as "3 depots" say how much, not what; "2022" or "27001" are kept because they name things).
/// Only ASCII words are stemmed: the stemmer is English, and other scripts are compared as written.
pub fn terms(text: &str) -> Vec<Term> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter_map(|raw| {
            let word = raw.to_lowercase();
            if is_stop_word(&word) || is_noise(&word) {
                return None;
            }
            let stem = if word.is_ascii() {
                ENGLISH.stem(&word).into_owned()
            } else {
                word.clone()
            };
            Some(Term { stem, word })
        })
        .collect()
}

fn is_noise(word: &str) -> bool {
    let mut chars = word.chars();
    let first = chars.next();
    let single = chars.next().is_none();
    if single && first.is_some_and(|c| c.is_ascii()) {
        return true;
    }
    word.chars().all(|c| c.is_ascii_digit()) && word.len() < 4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        terms(text).into_iter().map(|t| t.stem).collect()
    }

    #[test]
    fn plural_and_inflected_forms_share_a_stem() {
        assert_eq!(stems("dashboards"), stems("dashboard"));
        assert_eq!(stems("interviews"), stems("interviewing"));
        assert_eq!(stems("optimisation"), stems("optimise"));
    }

    #[test]
    fn stop_words_punctuation_and_small_numbers_are_dropped() {
        let t = terms("Could you please fix the 3 broken Dashboards, ISO 27001!");
        let words: Vec<&str> = t.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(words, ["fix", "broken", "dashboards", "iso", "27001"]);
    }

    #[test]
    fn other_scripts_are_kept_as_words_without_stemming() {
        let t = terms("Mise à jour du tableau de bord — لوحة القيادة — ダッシュボード");
        let words: Vec<&str> = t.iter().map(|t| t.word.as_str()).collect();
        assert!(words.contains(&"à"), "{words:?}");
        assert!(words.contains(&"لوحة"), "{words:?}");
        assert!(words.contains(&"ダッシュボード"), "{words:?}");
        for term in &t {
            if !term.word.is_ascii() {
                assert_eq!(term.stem, term.word);
            }
        }
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        let s = "ab€cd";
        // '€' takes bytes 2..5; cutting at 3 or 4 must fall back to 2.
        assert_eq!(truncate(s, 3), "ab");
        assert_eq!(truncate(s, 4), "ab");
        assert_eq!(truncate(s, 5), "ab€");
        assert_eq!(truncate(s, 100), s);
    }
}
