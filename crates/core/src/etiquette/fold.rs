//! Case- and spacing-insensitive text for phrase matching, with a map back to the original's
//! byte offsets.
//!
//! Mail is hard-wrapped and typed with curly apostrophes, so "Dear Sir/Madam" must match
//! "dear  sir/madam" across a line break and "ma’am" must match "ma'am". Folding lower-cases
//! each character (only when that gives one character, so every original character maps to at
//! most one folded one), turns typographic apostrophes and hyphens into ASCII, and collapses
//! every run of whitespace to one space.

/// A folded copy of a text plus what is needed to map its offsets back.
pub(super) struct Folded {
    pub(super) text: String,
    /// `(folded offset, original offset)` after each place where the two stop advancing in
    /// step (a character whose folded form has another UTF-8 length, or a dropped space). Empty
    /// for plain lower-case ASCII, so the common case maps for free.
    checkpoints: Vec<(usize, usize)>,
}

impl Folded {
    pub(super) fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut checkpoints = Vec::new();
        let mut prev_space = false;
        for (at, c) in original.char_indices() {
            let folded = if c.is_whitespace() {
                if prev_space { None } else { Some(' ') }
            } else {
                Some(fold_char(c))
            };
            prev_space = c.is_whitespace();
            let written = folded.map_or(0, char::len_utf8);
            if let Some(f) = folded {
                text.push(f);
            }
            if written != c.len_utf8() {
                checkpoints.push((text.len(), at + c.len_utf8()));
            }
        }
        Folded { text, checkpoints }
    }

    /// The original byte offset of a folded offset that lies on a folded character boundary.
    /// Offsets inside a run of collapsed spaces map to its end.
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
        return c.to_ascii_lowercase();
    }
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{2032}' => '\'',
        '\u{2010}' | '\u{2011}' => '-',
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
    }
}

/// A phrase from a profile or a built-in list, folded the same way and trimmed.
pub(super) fn fold_phrase(phrase: &str) -> String {
    Folded::new(phrase).text.trim().to_string()
}

/// A letter, digit or underscore: what a whole-word match may not touch.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_case_apostrophes_and_spacing() {
        let f = Folded::new("Dear  SIR/Madam,\r\n  ma\u{2019}am");
        assert_eq!(f.text, "dear sir/madam, ma'am");
    }

    #[test]
    fn maps_offsets_back_across_multibyte_and_collapsed_characters() {
        let original = "Grüße\u{a0}\u{a0}Ma\u{2019}am \u{212a}elvin";
        let f = Folded::new(original);
        assert_eq!(f.text, "grüße ma'am kelvin");
        let start = f.text.find("ma'am").unwrap();
        let end = start + "ma'am".len();
        assert_eq!(
            &original[f.to_original(start)..f.to_original(end)],
            "Ma\u{2019}am"
        );
        let k = f.text.find("kelvin").unwrap();
        assert_eq!(&original[f.to_original(k)..], "\u{212a}elvin");
    }

    #[test]
    fn keeps_characters_whose_lowercase_is_several() {
        // 'İ' lower-cases to "i̇" (two chars); keeping it preserves a one-to-one map.
        assert_eq!(Folded::new("İstanbul").text, "İstanbul");
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
        fn folding_a_non_space_run_maps_it_back_exactly(a in "[a-zÀ-ÿ ]{0,10}", w in "[A-ZÀ-Þ\u{2019}]{1,8}", b in "[a-z\u{a0} ]{0,10}") {
            let s = format!("{a}{w}{b}");
            let f = Folded::new(&s);
            let folded_w = Folded::new(&w).text;
            let fs = Folded::new(&a).text.len();
            // `a` may end in a space that `w` does not absorb, so the folded `w` starts at `fs`.
            prop_assert_eq!(&f.text[fs..fs + folded_w.len()], folded_w.as_str());
            let (os, oe) = (f.to_original(fs), f.to_original(fs + folded_w.len()));
            prop_assert_eq!(&s[os..oe], w.as_str());
        }
    }
}
