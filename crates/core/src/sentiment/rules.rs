//! VADER's word lists and constants, copied from vaderSentiment 3.3.2 (`vaderSentiment.py`).
//!
//! The values are empirical (they come from the paper's human ratings); keep them byte-for-byte
//! as published so our scores stay equal to the reference implementation's.

/// Rise in intensity a booster word ("very") gives the next sentiment word.
pub(super) const B_INCR: f64 = 0.293;
/// Fall in intensity a dampener ("kind of") gives.
pub(super) const B_DECR: f64 = -0.293;
/// Rise in intensity when a word is in ALL CAPS while others are not.
pub(super) const C_INCR: f64 = 0.733;
/// Factor applied to a negated word's valence.
pub(super) const N_SCALAR: f64 = -0.74;
/// Approximate maximum expected raw score: the compound score is `s / sqrt(s² + ALPHA)`.
pub(super) const ALPHA: f64 = 15.0;

const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// Whether one (lower-cased) word negates: a listed negation or any word containing "n't".
pub(super) fn is_negation(word_lower: &str) -> bool {
    NEGATE.contains(&word_lower) || word_lower.contains("n't")
}

/// Booster (positive) and dampener (negative) degree adverbs, keyed by lower-cased word or
/// two-word phrase.
pub(super) fn booster(key: &str) -> Option<f64> {
    let value = match key {
        "absolutely" | "amazingly" | "awfully" | "completely" | "considerable" | "considerably"
        | "decidedly" | "deeply" | "effing" | "enormous" | "enormously" | "entirely"
        | "especially" | "exceptional" | "exceptionally" | "extreme" | "extremely"
        | "fabulously" | "flipping" | "flippin" | "frackin" | "fracking" | "fricking"
        | "frickin" | "frigging" | "friggin" | "fully" | "fuckin" | "fucking" | "fuggin"
        | "fugging" | "greatly" | "hella" | "highly" | "hugely" | "incredible" | "incredibly"
        | "intensely" | "major" | "majorly" | "more" | "most" | "particularly" | "purely"
        | "quite" | "really" | "remarkably" | "so" | "substantially" | "thoroughly" | "total"
        | "totally" | "tremendous" | "tremendously" | "uber" | "unbelievably" | "unusually"
        | "utter" | "utterly" | "very" => B_INCR,
        "almost" | "barely" | "hardly" | "just enough" | "kind of" | "kinda" | "kindof"
        | "kind-of" | "less" | "little" | "marginal" | "marginally" | "occasional"
        | "occasionally" | "partly" | "scarce" | "scarcely" | "slight" | "slightly"
        | "somewhat" | "sort of" | "sorta" | "sortof" | "sort-of" => B_DECR,
        _ => return None,
    };
    Some(value)
}

/// Idioms and phrases containing lexicon words whose meaning overrides the words' valence.
pub(super) const SPECIAL_CASES: &[(&str, f64)] = &[
    ("the shit", 3.0),
    ("the bomb", 3.0),
    ("bad ass", 1.5),
    ("badass", 1.5),
    ("bus stop", 0.0),
    ("yeah right", -2.0),
    ("kiss of death", -1.5),
    ("to die for", 3.0),
    ("beating heart", 3.5),
];

/// The value of a special case spelled by `words` (lower-cased tokens), if there is one.
pub(super) fn special_case(words: &[&str]) -> Option<f64> {
    SPECIAL_CASES
        .iter()
        .find(|(phrase, _)| phrase.split(' ').eq(words.iter().copied()))
        .map(|&(_, value)| value)
}

/// The booster value of the phrase spelled by `words`, if it is one ("kind of", "sort of").
pub(super) fn booster_phrase(words: &[&str]) -> Option<f64> {
    match words {
        [one] => booster(one),
        [a, b] => booster(&format!("{a} {b}")),
        [a, b, c] => booster(&format!("{a} {b} {c}")),
        _ => None,
    }
}
