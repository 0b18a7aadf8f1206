//! VADER's published lexicons, embedded and parsed once.
//!
//! Source and licence: `crates/core/data/vader/README.md`.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::pytext;

const WORDS: &str = include_str!("../../data/vader/vader_lexicon.txt");
const EMOJI: &str = include_str!("../../data/vader/emoji_utf8_lexicon.txt");

pub(super) struct Lexicon {
    /// Word or emoticon (as written in the file) to mean valence, -4..=4.
    words: HashMap<&'static str, f64>,
    /// Emoji to its English description, which VADER scores in place of the emoji.
    emoji: HashMap<char, &'static str>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon {
    words: parse_words(WORDS),
    emoji: parse_emoji(EMOJI),
});

pub(super) fn get() -> &'static Lexicon {
    &LEXICON
}

impl Lexicon {
    pub(super) fn valence(&self, word_lower: &str) -> Option<f64> {
        self.words.get(word_lower).copied()
    }

    pub(super) fn contains(&self, word_lower: &str) -> bool {
        self.words.contains_key(word_lower)
    }

    pub(super) fn emoji(&self, c: char) -> Option<&'static str> {
        self.emoji.get(&c).copied()
    }
}

/// Lines are `token<TAB>mean<TAB>sd<TAB>[ratings]`; like the reference, a later duplicate wins.
fn parse_words(text: &'static str) -> HashMap<&'static str, f64> {
    let mut words = HashMap::with_capacity(7_600);
    for line in text.lines() {
        let line = line.trim_matches(pytext::is_space);
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(word), Some(mean)) = (fields.next(), fields.next()) else {
            panic!("embedded VADER lexicon: line without a mean: {line:?}");
        };
        let mean = mean
            .parse()
            .unwrap_or_else(|_| panic!("embedded VADER lexicon: bad mean in {line:?}"));
        words.insert(word, mean);
    }
    words
}

/// Lines are `emoji<TAB>description`. The reference looks emoji up one code point at a time,
/// so entries spelled with several code points (ZWJ sequences, flags) can never match and are
/// left out.
fn parse_emoji(text: &'static str) -> HashMap<char, &'static str> {
    let mut emoji = HashMap::with_capacity(1_300);
    for line in text.lines() {
        let line = line.trim_matches(pytext::is_space);
        let mut fields = line.split('\t');
        let (Some(key), Some(description)) = (fields.next(), fields.next()) else {
            continue;
        };
        let mut chars = key.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            emoji.insert(c, description);
        }
    }
    emoji
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lexicons_parse_completely() {
        let lex = get();
        // 7,520 lines with 14 duplicate tokens in vaderSentiment 3.3.2.
        assert_eq!(lex.words.len(), 7_506);
        assert_eq!(lex.valence("good"), Some(1.9));
        assert_eq!(lex.valence(":)"), Some(2.0));
        assert_eq!(lex.valence("sux"), Some(-1.5));
        assert_eq!(lex.emoji('😁'), Some("beaming face with smiling eyes"));
        assert!(lex.emoji('a').is_none());
    }
}
