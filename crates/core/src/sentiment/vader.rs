//! The VADER scoring algorithm, ported line by line from vaderSentiment 3.3.2
//! (`SentimentIntensityAnalyzer.polarity_scores`). Where the reference has quirks (the "but"
//! rule's search by value, the "so"/"this" test in the third negation window) they are kept on
//! purpose: the goal is the reference's numbers, not a reinterpretation.

use std::collections::{BTreeSet, HashMap};

use super::lexicon::{self, Lexicon};
use super::pytext;
use super::rules::{self, ALPHA, C_INCR, N_SCALAR};

/// Scores rounded as the reference rounds them: compound to 4 decimals, proportions to 3.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Scores {
    pub compound: f64,
    pub pos: f64,
    pub neu: f64,
    pub neg: f64,
}

pub(super) fn polarity_scores(text: &str) -> Scores {
    let lex = lexicon::get();
    let text = replace_emoji(lex, text);
    let text = text.trim_matches(pytext::is_space);

    let words: Vec<&str> = text
        .split(pytext::is_space)
        .filter(|w| !w.is_empty())
        .map(strip_punctuation_if_word)
        .collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let ctx = Context {
        lex,
        words: &words,
        lower: &lower,
        is_cap_diff: allcap_differential(&words),
    };

    let mut sentiments = Vec::with_capacity(words.len());
    for i in 0..words.len() {
        // Boosters and "kind of" modify their neighbours and carry no valence of their own.
        let is_modifier = rules::booster(lower[i]).is_some()
            || (i + 1 < lower.len() && lower[i] == "kind" && lower[i + 1] == "of");
        sentiments.push(if is_modifier { 0.0 } else { ctx.valence(i) });
    }
    but_check(&lower, &mut sentiments);
    score_valence(&sentiments, text)
}

/// Emoji become their descriptions ("💘" -> "heart with arrow"), separated from a preceding
/// non-space character by one space, exactly as the reference builds its string.
fn replace_emoji(lex: &Lexicon, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_space = true;
    for c in text.chars() {
        if let Some(description) = lex.emoji(c) {
            if !prev_space {
                out.push(' ');
            }
            out.push_str(description);
            prev_space = false;
        } else {
            out.push(c);
            prev_space = c == ' ';
        }
    }
    out
}

/// Strip surrounding punctuation unless that leaves two characters or fewer, which means the
/// token was probably an emoticon such as ":)" or ":-(".
fn strip_punctuation_if_word(token: &str) -> &str {
    let stripped = pytext::strip_punctuation(token);
    if stripped.chars().count() <= 2 {
        token
    } else {
        stripped
    }
}

/// True when some but not all words are in ALL CAPS: only then is capitalisation emphasis.
fn allcap_differential(words: &[&str]) -> bool {
    let allcaps = words.iter().filter(|w| pytext::is_upper(w)).count();
    let differential = words.len() - allcaps;
    0 < differential && differential < words.len()
}

struct Context<'a> {
    lex: &'a Lexicon,
    words: &'a [&'a str],
    lower: &'a [&'a str],
    is_cap_diff: bool,
}

impl Context<'_> {
    fn valence(&self, i: usize) -> f64 {
        let w = self.lower;
        let Some(base) = self.lex.valence(w[i]) else {
            return 0.0;
        };
        let mut valence = base;
        // "no" before another lexicon word negates it instead of counting on its own.
        if w[i] == "no" && i + 1 != w.len() && self.lex.contains(w[i + 1]) {
            valence = 0.0;
        }
        if (i > 0 && w[i - 1] == "no")
            || (i > 1 && w[i - 2] == "no")
            || (i > 2 && w[i - 3] == "no" && (w[i - 1] == "or" || w[i - 1] == "nor"))
        {
            valence = base * N_SCALAR;
        }
        if pytext::is_upper(self.words[i]) && self.is_cap_diff {
            if valence > 0.0 {
                valence += C_INCR;
            } else {
                valence -= C_INCR;
            }
        }
        for start_i in 0..3 {
            // Modifiers up to three words back, dampened with distance; lexicon words there
            // are sentiment of their own, not modifiers.
            if i > start_i && !self.lex.contains(w[i - (start_i + 1)]) {
                let j = i - (start_i + 1);
                let mut s = self.scalar_inc_dec(j, valence);
                if start_i == 1 && s != 0.0 {
                    s *= 0.95;
                }
                if start_i == 2 && s != 0.0 {
                    s *= 0.9;
                }
                valence += s;
                valence = negation_check(valence, w, start_i, i);
                if start_i == 2 {
                    valence = special_idioms_check(valence, w, i);
                }
            }
        }
        least_check(valence, self.lex, w, i)
    }

    /// The boost a modifier at `j` gives a word of the given valence, in the valence's direction.
    fn scalar_inc_dec(&self, j: usize, valence: f64) -> f64 {
        let Some(mut scalar) = rules::booster(self.lower[j]) else {
            return 0.0;
        };
        if valence < 0.0 {
            scalar *= -1.0;
        }
        if pytext::is_upper(self.words[j]) && self.is_cap_diff {
            if valence > 0.0 {
                scalar += C_INCR;
            } else {
                scalar -= C_INCR;
            }
        }
        scalar
    }
}

fn negation_check(valence: f64, w: &[&str], start_i: usize, i: usize) -> f64 {
    let never_so_this = |k: usize| w[k] == "so" || w[k] == "this";
    match start_i {
        0 if rules::is_negation(w[i - 1]) => valence * N_SCALAR,
        1 if w[i - 2] == "never" && never_so_this(i - 1) => valence * 1.25,
        1 if w[i - 2] == "without" && w[i - 1] == "doubt" => valence,
        1 if rules::is_negation(w[i - 2]) => valence * N_SCALAR,
        // The reference's operator precedence makes a bare "so"/"this" just before the word
        // count too: `a and (b or c) or (d or e)`.
        2 if (w[i - 3] == "never" && never_so_this(i - 2)) || never_so_this(i - 1) => {
            valence * 1.25
        }
        2 if w[i - 3] == "without" && (w[i - 2] == "doubt" || w[i - 1] == "doubt") => valence,
        2 if rules::is_negation(w[i - 3]) => valence * N_SCALAR,
        _ => valence,
    }
}

/// Only reached with `i >= 3`.
fn special_idioms_check(mut valence: f64, w: &[&str], i: usize) -> f64 {
    let sequences: [&[&str]; 5] = [
        &w[i - 1..=i],
        &w[i - 2..=i],
        &w[i - 2..i],
        &w[i - 3..i],
        &w[i - 3..i - 1],
    ];
    if let Some(v) = sequences.iter().find_map(|seq| rules::special_case(seq)) {
        valence = v;
    }
    if w.len() - 1 > i
        && let Some(v) = rules::special_case(&w[i..=i + 1])
    {
        valence = v;
    }
    if w.len() - 1 > i + 1
        && let Some(v) = rules::special_case(&w[i..=i + 2])
    {
        valence = v;
    }
    for n_gram in [&w[i - 3..i], &w[i - 3..i - 1], &w[i - 2..i]] {
        if let Some(b) = rules::booster_phrase(n_gram) {
            valence += b;
        }
    }
    valence
}

/// "least good" negates; "at least good" and "very least good" do not.
fn least_check(valence: f64, lex: &Lexicon, w: &[&str], i: usize) -> f64 {
    if i > 1 && !lex.contains(w[i - 1]) && w[i - 1] == "least" {
        if w[i - 2] != "at" && w[i - 2] != "very" {
            return valence * N_SCALAR;
        }
    } else if i > 0 && !lex.contains(w[i - 1]) && w[i - 1] == "least" {
        return valence * N_SCALAR;
    }
    valence
}

/// Sentiment before the first "but" counts half, after it one and a half.
///
/// The reference walks the list and rewrites "the first element equal to the current value"
/// (`list.index`), which differs from rewriting the current element when values repeat. That
/// is reproduced here in O(n log n) by indexing positions by value, instead of the reference's
/// O(n²) scan, so several-megabyte texts stay fast.
fn but_check(lower: &[&str], sentiments: &mut [f64]) {
    let Some(bi) = lower.iter().position(|w| *w == "but") else {
        return;
    };
    let mut positions: HashMap<u64, BTreeSet<usize>> = HashMap::new();
    for (k, &s) in sentiments.iter().enumerate() {
        positions.entry(value_key(s)).or_default().insert(k);
    }
    for k in 0..sentiments.len() {
        let s = sentiments[k];
        let si = positions
            .get(&value_key(s))
            .and_then(|set| set.first().copied())
            .unwrap_or(k);
        let new = match si.cmp(&bi) {
            std::cmp::Ordering::Less => s * 0.5,
            std::cmp::Ordering::Greater => s * 1.5,
            std::cmp::Ordering::Equal => continue,
        };
        if value_key(new) == value_key(s) {
            continue;
        }
        if let Some(set) = positions.get_mut(&value_key(s)) {
            set.remove(&si);
        }
        positions.entry(value_key(new)).or_default().insert(si);
        sentiments[si] = new;
    }
}

/// Python compares floats by value, so -0.0 and 0.0 must share a key.
fn value_key(x: f64) -> u64 {
    (x + 0.0).to_bits()
}

fn score_valence(sentiments: &[f64], text: &str) -> Scores {
    if sentiments.is_empty() {
        return Scores {
            compound: 0.0,
            pos: 0.0,
            neu: 0.0,
            neg: 0.0,
        };
    }
    let mut sum_s: f64 = sentiments.iter().fold(0.0, |acc, s| acc + s);
    let amplifier = punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += amplifier;
    } else if sum_s < 0.0 {
        sum_s -= amplifier;
    }
    let compound = normalize(sum_s);

    let (mut pos_sum, mut neg_sum, neu_count) = sift_sentiment_scores(sentiments);
    if pos_sum > neg_sum.abs() {
        pos_sum += amplifier;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= amplifier;
    }
    let total = pos_sum + neg_sum.abs() + neu_count as f64;
    Scores {
        compound: pytext::round(compound, 4),
        pos: pytext::round((pos_sum / total).abs(), 3),
        neu: pytext::round((neu_count as f64 / total).abs(), 3),
        neg: pytext::round((neg_sum / total).abs(), 3),
    }
}

fn normalize(score: f64) -> f64 {
    (score / (score * score + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// Up to four "!" add 0.292 each; two or three "?" add 0.18 each, more add 0.96.
fn punctuation_emphasis(text: &str) -> f64 {
    let ep_count = text.matches('!').count().min(4);
    let ep = ep_count as f64 * 0.292;
    let qm_count = text.matches('?').count();
    let qm = match qm_count {
        0 | 1 => 0.0,
        2 | 3 => qm_count as f64 * 0.18,
        _ => 0.96,
    };
    ep + qm
}

/// Positive words count one more than their valence and negative ones one less, so that each
/// is weighed against neutral words counted as one.
fn sift_sentiment_scores(sentiments: &[f64]) -> (f64, f64, usize) {
    let mut pos_sum = 0.0;
    let mut neg_sum = 0.0;
    let mut neu_count = 0;
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    (pos_sum, neg_sum, neu_count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference's "but" loop, verbatim: quadratic, kept as the oracle for `but_check`.
    fn but_check_reference(lower: &[&str], sentiments: &mut [f64]) {
        let Some(bi) = lower.iter().position(|w| *w == "but") else {
            return;
        };
        for k in 0..sentiments.len() {
            let s = sentiments[k];
            let si = sentiments.iter().position(|x| *x == s).unwrap();
            if si < bi {
                sentiments[si] = s * 0.5;
            } else if si > bi {
                sentiments[si] = s * 1.5;
            }
        }
    }

    proptest! {
        #[test]
        fn but_check_matches_the_reference_loop(
            values in prop::collection::vec(prop::sample::select(vec![0.0, -0.0, 1.9, 0.95, 2.85, -1.5, -0.75, 3.0, 1.5, 2.0, 1.0]), 0..40),
            but_at in 0usize..40,
        ) {
            let words: Vec<&str> = (0..values.len()).map(|k| if k == but_at { "but" } else { "w" }).collect();
            let mut fast = values.clone();
            let mut slow = values.clone();
            but_check(&words, &mut fast);
            but_check_reference(&words, &mut slow);
            prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn but_rewrites_the_first_equal_value_like_the_reference() {
        // 2.0 before "but" halves to 1.0, which then equals the 1.0 at position 1: the
        // reference halves position 0 a second time, then finds position 1 for the last value
        // and halves it too, so the word after "but" is never boosted.
        let words = ["a", "b", "but", "c"];
        let mut s = [2.0, 1.0, 0.0, 1.0];
        but_check(&words, &mut s);
        assert_eq!(s, [0.5, 0.5, 0.0, 1.0]);
    }

    #[test]
    fn emoji_are_spelled_out_with_a_separating_space() {
        let lex = lexicon::get();
        assert_eq!(replace_emoji(lex, "x😀y"), "x grinning facey");
        assert_eq!(replace_emoji(lex, "😀😀"), "grinning face grinning face");
    }

    #[test]
    fn a_megabyte_scores_without_blowing_up() {
        let sentence = "The team was friendly but the delivery was late and very poor! ";
        let text = sentence.repeat(16_000); // 1 MB
        let scores = polarity_scores(&text);
        assert!(scores.compound >= -1.0 && scores.compound <= 1.0);
        assert!((scores.pos + scores.neu + scores.neg - 1.0).abs() < 0.01);
    }
}
