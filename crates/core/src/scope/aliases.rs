//! A small table of words clients write for words briefs use ("iPhone" for "iOS", "headshots"
//! for "photography", "Spanish" for "other languages"). Stemming cannot join them and BM25 has
//! no notion of meaning, so without it the commonest ways of asking for excluded work slip past.
//!
//! Keyed by the client's word as written (lowercased), not by its stem: Porter2 stems "added" to
//! "ad", and "added" must not stand for "advertising". Evidence shows both words, so the reader
//! sees that "photography (headshots)" matched through this table.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::concepts::CONCEPTS;
use super::text::terms;

/// (words a brief uses, words a client writes for them). Kept short and generic: each group is
/// vocabulary any agency's briefs share, not the wording of one brief.
const GROUPS: &[(&[&str], &[&str])] = &[
    (
        &["translation", "languages"],
        &[
            "translate",
            "translated",
            "translating",
            "multilingual",
            "localise",
            "localize",
            "localisation",
            "localization",
            "spanish",
            "german",
            "french",
            "italian",
            "portuguese",
            "dutch",
            "polish",
            "arabic",
            "chinese",
            "mandarin",
            "japanese",
            "korean",
            "hindi",
            "russian",
            "turkish",
            "ukrainian",
        ],
    ),
    (&["ios"], &["iphone", "iphones", "ipad", "ipads"]),
    (
        &["photography"],
        &[
            "photo",
            "photos",
            "photoshoot",
            "headshot",
            "headshots",
            "photographer",
        ],
    ),
    (&["development"], &["code", "coding", "programming"]),
    (
        &["advertising"],
        &["ad", "ads", "ppc", "adwords", "sponsored"],
    ),
    (&["signage"], &["sign", "signs"]),
    (&["historical"], &["history"]),
    (&["real-time", "streaming"], &["live"]),
    (&["penetration"], &["pentest", "pentests", "pentesting"]),
];

/// Client word -> the stems of the brief words it stands for.
static TABLE: LazyLock<HashMap<&'static str, Vec<String>>> = LazyLock::new(|| {
    let mut table: HashMap<&'static str, Vec<String>> = HashMap::new();
    for (canonical, variants) in GROUPS.iter().chain(CONCEPTS) {
        let stems: Vec<String> = canonical
            .iter()
            .flat_map(|w| terms(w))
            .map(|t| t.stem)
            .collect();
        for v in *variants {
            let entry = table.entry(v).or_default();
            for s in &stems {
                if !entry.contains(s) {
                    entry.push(s.clone());
                }
            }
        }
    }
    table
});

/// The stems `word` (lowercase, as the client wrote it, or two such words joined by a space)
/// stands for, if any.
pub fn aliases(word: &str) -> &'static [String] {
    TABLE.get(word).map_or(&[], |v| v.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_map_to_the_stems_of_the_brief_word() {
        let photo_stem = terms("photography")[0].stem.clone();
        assert_eq!(aliases("headshots"), [photo_stem]);
        assert!(aliases("spanish").len() == 2);
    }

    #[test]
    fn lookup_is_by_word_not_stem() {
        // "added" stems to "ad"; only the word "ad" is an alias.
        assert!(aliases("added").is_empty());
        assert!(!aliases("ad").is_empty());
    }

    #[test]
    fn every_alias_group_yields_stems() {
        for (canonical, variants) in GROUPS {
            assert!(!variants.is_empty());
            for w in *canonical {
                assert!(!terms(w).is_empty(), "{w} is a stop word or noise");
            }
        }
    }
}
