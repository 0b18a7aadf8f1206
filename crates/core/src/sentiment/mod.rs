//! Sentiment of inbound text with VADER (Hutto & Gilbert, 2014), a lexicon- and rule-based
//! method tuned for short informal text. The port reproduces vaderSentiment 3.3.2's scores
//! exactly; its lexicons are embedded (see `crates/core/data/vader/README.md`).

mod lexicon;
mod pytext;
mod rules;
mod vader;

use serde::{Deserialize, Serialize};

/// VADER's documented convention: compound at or above this is positive.
pub const POSITIVE_THRESHOLD: f64 = 0.05;
/// VADER's documented convention: compound at or below this is negative.
pub const NEGATIVE_THRESHOLD: f64 = -0.05;
/// Compound at or below this marks inbound text as a complaint even when the request was not
/// filed as one. A plainly negative sentence reaches it ("I am extremely disappointed with the
/// service we received this month." -0.53, "Completely unacceptable." -0.51); a mild one does
/// not ("I am disappointed." -0.48, "The work was late." 0.0). VADER scores the whole text, so
/// polite words dilute it: "This is a disaster. Please call me." is only -0.42.
pub const STRONGLY_NEGATIVE_THRESHOLD: f64 = -0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

/// VADER's scores: `compound` in -1..=1 (rounded to 4 decimals) and the proportions of the
/// text that read positive, neutral and negative (rounded to 3, summing to about 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub compound: f64,
    pub pos: f64,
    pub neu: f64,
    pub neg: f64,
    pub label: Label,
}

/// Score a text. Any string is valid input; empty or unscorable text is neutral with all zeros.
pub fn analyze(text: &str) -> Sentiment {
    let scores = vader::polarity_scores(text);
    Sentiment {
        compound: scores.compound,
        pos: scores.pos,
        neu: scores.neu,
        neg: scores.neg,
        label: label_of(scores.compound),
    }
}

pub fn label_of(compound: f64) -> Label {
    if compound >= POSITIVE_THRESHOLD {
        Label::Positive
    } else if compound <= NEGATIVE_THRESHOLD {
        Label::Negative
    } else {
        Label::Neutral
    }
}

/// Whether inbound text is negative enough to treat its request as a complaint
/// (see [`STRONGLY_NEGATIVE_THRESHOLD`]).
pub fn is_strongly_negative(sentiment: &Sentiment) -> bool {
    sentiment.compound <= STRONGLY_NEGATIVE_THRESHOLD
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Reference {
        group: String,
        text: String,
        compound: f64,
        pos: f64,
        neu: f64,
        neg: f64,
    }

    fn references() -> Vec<Reference> {
        serde_json::from_str(include_str!("../../data/vader/reference_outputs.json"))
            .expect("reference fixture parses")
    }

    #[test]
    fn reproduces_the_reference_implementation_on_every_fixture_sentence() {
        let refs = references();
        assert!(refs.iter().filter(|r| r.group == "published").count() >= 30);
        assert!(refs.iter().filter(|r| r.group == "ours").count() >= 50);
        let mut mismatches = Vec::new();
        for r in &refs {
            let got = analyze(&r.text);
            let want = (r.compound, r.pos, r.neu, r.neg);
            if (got.compound, got.pos, got.neu, got.neg) != want {
                mismatches.push(format!("{:?}: got {got:?}, want {want:?}", r.text));
            }
        }
        assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    }

    #[test]
    fn labels_follow_the_compound_thresholds() {
        assert_eq!(label_of(0.05), Label::Positive);
        assert_eq!(label_of(0.0499), Label::Neutral);
        assert_eq!(label_of(-0.0499), Label::Neutral);
        assert_eq!(label_of(-0.05), Label::Negative);
        assert_eq!(
            analyze("VADER is smart, handsome, and funny.").label,
            Label::Positive
        );
        assert_eq!(analyze("Today SUX!").label, Label::Negative);
        assert_eq!(analyze("The invoice is attached.").label, Label::Neutral);
        assert_eq!(analyze("").label, Label::Neutral);
    }

    #[test]
    fn strong_negativity_separates_complaints_from_grumbles() {
        let strong = [
            "I am extremely disappointed with the service we received this month.",
            "Your team missed the deadline again and we lost a client because of it!!!",
            "This is unacceptable. I am very angry.",
            "Completely unacceptable.",
        ];
        for text in strong {
            assert!(
                is_strongly_negative(&analyze(text)),
                "{text}: {:?}",
                analyze(text)
            );
        }
        let mild = [
            "The work was late.",
            "It's not terrible, but it's not good either.",
            "Thank you so much, the team did a wonderful job!",
            "I am disappointed.",
            "This is a disaster. Please call me.",
        ];
        for text in mild {
            assert!(
                !is_strongly_negative(&analyze(text)),
                "{text}: {:?}",
                analyze(text)
            );
        }
    }

    #[test]
    fn serialises_in_the_documented_shape() {
        let json = serde_json::to_value(analyze("The book was good.")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"compound": 0.4404, "pos": 0.492, "neu": 0.508, "neg": 0.0, "label": "positive"})
        );
    }
}
