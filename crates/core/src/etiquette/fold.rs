//! Case- and spacing-insensitive text for phrase matching, with a map back to the original's
//! byte offsets.
//!
//! Mail is hard-wrapped and typed with curly apostrophes, so "Dear Sir/Madam" must match
//! "dear  sir/madam" across a line break and "ma’am" must match "ma'am". Folding lower-cases
//! each character (only when that gives one character, so every original character maps to at
//! most one folded one), turns typographic apostrophes and hyphens into ASCII, control
//! characters into U+FFFD, and every run of whitespace into one space.
//!
//! The matching form ([`Folded`]) also marks every word boundary with [`BOUNDARY`] (a control
//! character, so it cannot come from the input). A phrase marked the same way then occurs in
//! the marked text exactly where it occurs as whole words: a phrase that starts with a letter
//! starts with a mark, which the text has only where no letter precedes. Word boundaries thus
//! need no check after matching, and a plain leftmost-longest search finds whole-word matches
//! without ever looking at overlapping ones.

/// Marks a change between word and non-word characters, and the ends of a word at the ends of
/// the text.
pub(super) const BOUNDARY: char = '\u{1}';

/// A folded, boundary-marked copy of a text plus what is needed to map its offsets back.
pub(super) struct Folded {
    pub(super) text: String,
    /// `(folded offset, original offset)` after each place where the two stop advancing in
    /// step: an inserted boundary mark, a character whose folded form has another UTF-8
    /// length, or a dropped space.
    checkpoints: Vec<(usize, usize)>,
}

impl Folded {
    pub(super) fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len() + original.len() / 3);
        let mut checkpoints = Vec::with_capacity(original.len() / 4);
        let mut prev_space = false;
        let mut prev_word = false;
        for (at, c) in original.char_indices() {
            let space = c.is_whitespace();
            let folded = if space {
                (!prev_space).then_some(' ')
            } else {
                Some(fold_char(c))
            };
            prev_space = space;
            let Some(f) = folded else {
                checkpoints.push((text.len(), at + c.len_utf8()));
                continue;
            };
            let word = if f.is_ascii() {
                f.is_ascii_alphanumeric() || f == '_'
            } else {
                is_word_char(f)
            };
            if word != prev_word || (word && text.is_empty()) {
                text.push(BOUNDARY);
                checkpoints.push((text.len(), at));
            }
            prev_word = word;
            text.push(f);
            if f.len_utf8() != c.len_utf8() {
                checkpoints.push((text.len(), at + c.len_utf8()));
            }
        }
        if prev_word {
            text.push(BOUNDARY);
            checkpoints.push((text.len(), original.len()));
        }
        Folded { text, checkpoints }
    }

    /// The original byte offset of a folded offset that lies on a folded character boundary.
    /// A boundary mark and a run of collapsed spaces take no room in the original.
    pub(super) fn to_original(&self, folded: usize) -> usize {
        let idx = self.checkpoints.partition_point(|&(f, _)| f <= folded);
        match idx.checked_sub(1).map(|i| self.checkpoints[i]) {
            Some((f, o)) => o + (folded - f),
            None => folded,
        }
    }
}

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return if c.is_ascii_control() {
            '\u{FFFD}'
        } else {
            c.to_ascii_lowercase()
        };
    }
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{2032}' => '\'',
        '\u{2010}' | '\u{2011}' => '-',
        c if c.is_control() => '\u{FFFD}',
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
    }
}

/// A phrase folded for comparison (no boundary marks), trimmed.
pub(super) fn fold_phrase(phrase: &str) -> String {
    let mut out = String::with_capacity(phrase.len());
    let mut prev_space = true;
    for c in phrase.chars() {
        if c.is_whitespace() {
            if !prev_space {
                out.push(' ');
            }
            prev_space = true;
        } else {
            out.push(fold_char(c));
            prev_space = false;
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// A phrase in the matching form: folded, trimmed and boundary-marked like [`Folded`] text.
/// Empty when the phrase is blank.
pub(super) fn pattern_of(phrase: &str) -> String {
    Folded::new(&fold_phrase(phrase)).text
}

/// A letter, digit or underscore: what a whole-word match may not touch.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unmarked(s: &str) -> String {
        s.replace(BOUNDARY, "|")
    }

    #[test]
    fn folds_case_apostrophes_and_spacing_and_marks_boundaries() {
        let f = Folded::new("Dear  SIR/Madam,\r\n  ma\u{2019}am");
        assert_eq!(unmarked(&f.text), "|dear| |sir|/|madam|, |ma|'|am|");
        assert_eq!(fold_phrase("  Dear  SIR/Madam,\r\n "), "dear sir/madam,");
        assert_eq!(unmarked(&pattern_of(" C++ (beta) ")), "|c|++ (|beta|)");
        assert_eq!(pattern_of(" \n\t"), "");
    }

    #[test]
    fn control_characters_cannot_pose_as_boundaries() {
        let f = Folded::new("a\u{1}b");
        assert_eq!(unmarked(&f.text), "|a|\u{FFFD}|b|");
    }

    #[test]
    fn maps_offsets_back_across_multibyte_and_collapsed_characters() {
        let original = "Grüße\u{a0}\u{a0}Ma\u{2019}am \u{212a}elvin";
        let f = Folded::new(original);
        let find = |p: &str| {
            let p = pattern_of(p);
            let s = f.text.find(&p).unwrap();
            &original[f.to_original(s)..f.to_original(s + p.len())]
        };
        assert_eq!(find("ma'am"), "Ma\u{2019}am");
        assert_eq!(find("kelvin"), "\u{212a}elvin");
        assert_eq!(find("grüße"), "Grüße");
    }

    #[test]
    fn keeps_characters_whose_lowercase_is_several() {
        // 'İ' lower-cases to "i̇" (two chars); keeping it preserves a one-to-one map.
        assert_eq!(unmarked(&Folded::new("İstanbul").text), "|İstanbul|");
    }

    #[test]
    fn a_marked_phrase_is_found_only_as_whole_words() {
        let text = Folded::new("Madame Bovary, the sirloin, Sir Walter and emma'am").text;
        assert!(!text.contains(&pattern_of("madam")));
        assert!(!text.contains(&pattern_of("sir loin")));
        assert_eq!(text.matches(&pattern_of("sir")).count(), 1);
        assert!(!text.contains(&pattern_of("ma'am")));
    }

    proptest! {
        #[test]
        fn every_folded_char_boundary_maps_to_an_original_char_boundary(s in "\\PC{0,40}") {
            let f = Folded::new(&s);
            for (i, _) in f.text.char_indices().chain(std::iter::once((f.text.len(), ' '))) {
                let o = f.to_original(i);
                prop_assert!(s.is_char_boundary(o), "{i} -> {o} in {s:?}");
                prop_assert!(o <= s.len());
            }
        }

        #[test]
        fn a_word_between_spaces_maps_back_exactly(a in "[a-zÀ-ÿ ,.]{0,10}", w in "[A-ZÀ-Þ]{1,8}", b in "[a-z\u{a0} ,]{0,10}") {
            let s = format!("{a} {w} {b}");
            let f = Folded::new(&s);
            let p = pattern_of(&w);
            let at = f.text.find(&p).expect("whole word found");
            let (os, oe) = (f.to_original(at), f.to_original(at + p.len()));
            // The first whole-word occurrence may be in `a` or `b`, in another case.
            prop_assert_eq!(fold_phrase(&s[os..oe]), fold_phrase(&w));
        }
    }
}
