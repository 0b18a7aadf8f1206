//! The client's own words in a message: what is left once the text they did not write to us
//! now (quoted mail: `>` lines, an "On ... wrote:" block and what follows it, a forwarded
//! original, a signature) and the politeness that carries no opinion of our work (sign-offs such
//! as "Thank you, kind regards", and their apologies for their own delay) are taken out.
//!
//! Why: VADER scores every word, so "Apologies for the delay on our side, unfortunately I was
//! ill" reads as a furious client (-0.76) and "Thank you, kind regards" sweetens a real complaint
//! (+0.42 for one that names other vendors). Care reads what the client says about us.

/// The client's own words of `text`, as sentences joined by spaces (their punctuation kept:
/// VADER reads "!!!" as emphasis).
pub fn client_words(text: &str) -> String {
    let mut kept: Vec<String> = Vec::new();
    let mut after_apology = false;
    for sentence in sentences(&unquoted(text)) {
        let lower = normalise(&sentence);
        if is_sign_off(&lower) {
            after_apology = false;
            continue;
        }
        if let Some(rest) = apology_rest(&sentence, &lower) {
            after_apology = rest.is_none();
            if let Some(rest) = rest {
                kept.push(rest);
            }
            continue;
        }
        // "Sorry for the delay. Unfortunately I was ill." explains their delay, not ours.
        if after_apology && is_own_excuse(&lower) {
            continue;
        }
        after_apology = false;
        kept.push(sentence);
    }
    kept.join(" ")
}

/// Lower case with typographic apostrophes made plain, for matching phrases.
pub(crate) fn normalise(s: &str) -> String {
    s.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'")
}

/// The text without quoted mail, a forwarded original or a signature.
fn unquoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        // What follows these is someone else's earlier message, or the sender's signature.
        if t == "--"
            || is_original_marker(t)
            || is_wrote_header(t, lines.get(i + 1).map(|l| l.trim()))
        {
            break;
        }
        if t.starts_with('>') {
            continue;
        }
        out.push(*line);
    }
    out.join("\n")
}

fn is_original_marker(t: &str) -> bool {
    let l = t.to_lowercase();
    (l.starts_with("-----") && (l.contains("original message") || l.contains("forwarded")))
        || (t.len() >= 20 && t.chars().all(|c| c == '_'))
}

/// "On Mon, 7 Dec 2026 at 10:00, Pat <pat@x.example> wrote:", also when a mail program wrapped
/// it over two lines.
fn is_wrote_header(line: &str, next: Option<&str>) -> bool {
    let l = normalise(line);
    if !l.starts_with("on ") {
        return false;
    }
    l.ends_with("wrote:")
        || next.is_some_and(|n| {
            let n = normalise(n);
            n.ends_with("wrote:") && n.len() < 120
        })
}

/// Sentences (split after `.`, `!`, `?` followed by space, and at line breaks), trimmed, with
/// their closing punctuation.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()) {
                // Keep runs of "!!!" together.
                while let Some(&n) = chars.peek() {
                    if matches!(n, '.' | '!' | '?') {
                        current.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                push_sentence(&mut out, &current);
                current.clear();
            }
        }
        push_sentence(&mut out, &current);
    }
    out
}

fn push_sentence(out: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if s.chars().any(char::is_alphanumeric) {
        out.push(s.to_string());
    }
}

fn words(lower: &str) -> impl Iterator<Item = &str> {
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
}

/// Words a closing is made of.
const SIGN_OFF_WORDS: &[&str] = &[
    "thank",
    "thanks",
    "thankyou",
    "you",
    "kind",
    "kindest",
    "best",
    "warm",
    "warmest",
    "regards",
    "cheers",
    "many",
    "sincerely",
    "yours",
    "faithfully",
    "truly",
    "all",
    "the",
    "very",
    "much",
    "again",
    "in",
    "advance",
    "with",
    "and",
    "wishes",
    "respectfully",
    "cordially",
    "br",
    "a",
    "lot",
    "so",
];

/// A sentence that is only a closing ("Thank you, kind regards", "Many thanks!", "Best").
fn is_sign_off(lower: &str) -> bool {
    let mut any = false;
    for w in words(lower) {
        if !SIGN_OFF_WORDS.contains(&w) {
            return false;
        }
        any = true;
    }
    any
}

/// How a client's apology opens.
const APOLOGIES: &[&str] = &[
    "sorry",
    "so sorry",
    "very sorry",
    "i'm sorry",
    "i am sorry",
    "i'm so sorry",
    "we're sorry",
    "we are sorry",
    "apologies",
    "my apologies",
    "our apologies",
    "many apologies",
    "i apologise",
    "i apologize",
    "we apologise",
    "we apologize",
];

/// What may follow the opening of an apology for it to be one ("sorry to say" is not).
const APOLOGY_FOLLOWS: &[&str] = &[" for ", " about ", ",", " -", "!", "."];

/// When `sentence` is the client apologising: `Some(None)` to drop it, or `Some(Some(rest))`
/// keeping what comes after a "but" or "however" ("Sorry to chase, but this is late again").
fn apology_rest(sentence: &str, lower: &str) -> Option<Option<String>> {
    let opens = APOLOGIES.iter().any(|a| {
        lower.strip_prefix(a).is_some_and(|rest| {
            rest.is_empty()
                || APOLOGY_FOLLOWS.iter().any(|f| rest.starts_with(f))
                || rest.starts_with(" to chase")
                || rest.starts_with(" to bother")
        })
    });
    if !opens {
        return None;
    }
    for turn in [" but ", " however", ", but", "; but"] {
        if let Some(at) = lower.find(turn) {
            // The lower-cased text has the same byte offsets for ASCII; anything else keeps
            // the whole sentence rather than cut inside a character.
            let start = at + turn.len();
            let rest = sentence
                .get(start..)
                .filter(|_| sentence.len() == lower.len())
                .unwrap_or(sentence)
                .trim_start_matches([',', ' '])
                .trim();
            return Some((!rest.is_empty()).then(|| rest.to_string()));
        }
    }
    Some(None)
}

/// A sentence right after an apology that explains the client's own delay.
fn is_own_excuse(lower: &str) -> bool {
    [
        "unfortunately i ",
        "unfortunately we ",
        "i was ",
        "we were ",
        "i've been ",
        "i have been ",
        "we've been ",
        "we have been ",
        "i had ",
        "we had ",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clients_own_apology_and_excuse_are_not_their_words_about_us() {
        assert_eq!(
            client_words(
                "Apologies for the delay on our side, unfortunately I was ill last week. Here is the data."
            ),
            "Here is the data."
        );
        assert_eq!(
            client_words(
                "Sorry for the slow reply. Unfortunately I was away. The file is attached."
            ),
            "The file is attached."
        );
        assert_eq!(
            client_words("Sorry to chase, but this is late again!"),
            "this is late again!"
        );
        assert_eq!(
            client_words("Sorry to say the report is wrong."),
            "Sorry to say the report is wrong.",
            "not an apology"
        );
    }

    #[test]
    fn sign_offs_are_not_their_words() {
        assert_eq!(
            client_words(
                "This is the third time the weekly report has been late and wrong. We are considering other vendors. Thank you, kind regards."
            ),
            "This is the third time the weekly report has been late and wrong. We are considering other vendors."
        );
        assert_eq!(
            client_words("The numbers are off.\n\nMany thanks!\nKind regards,\nPat"),
            "The numbers are off. Pat"
        );
        assert_eq!(
            client_words("Thank you for the great work."),
            "Thank you for the great work."
        );
    }

    #[test]
    fn quoted_mail_and_signatures_are_not_their_words() {
        let mail = "Still broken.\n\nOn Mon, 7 Dec 2026 at 10:00, Support <s@x.example> wrote:\n> Sorry, it is a disaster, we failed.\n> Terrible.\n";
        assert_eq!(client_words(mail), "Still broken.");
        let wrapped = "Fine now.\nOn Mon, 7 Dec 2026 at 10:00, Support\n<s@x.example> wrote:\nawful quoted text";
        assert_eq!(client_words(wrapped), "Fine now.");
        assert_eq!(
            client_words("Looks good.\n> this is awful\nSee above.\n-- \nPat, Awful Ltd"),
            "Looks good. See above."
        );
        assert_eq!(
            client_words("Ok.\n-----Original Message-----\nFrom: x\nterrible"),
            "Ok."
        );
    }
}
