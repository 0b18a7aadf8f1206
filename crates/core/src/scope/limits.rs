//! Quantities, cadences and caps written into scope items ("three workshops", "up to 10 hours a
//! month", "a fortnightly check-in", "a 12-page report", "the existing site"), read into
//! structured limits, and what a request asks for against them ("a fourth workshop", "daily",
//! "six interviews", "a 40-page report", "a new site").
//!
//! Pure functions over text. The reading is deliberately literal: a number followed by the words
//! it counts, a cadence word, the word "existing". What it cannot read it leaves out, so a limit
//! shown back to the brief's author is one they can recognise and correct.

use serde::{Deserialize, Serialize};

use super::text::terms;

/// How often a limit renews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Hour,
    Day,
    Week,
    Fortnight,
    Month,
    Quarter,
    Year,
}

impl Period {
    /// Occurrences of the period in a year, to compare "two a day" with "12 a month".
    pub fn per_year(self) -> f64 {
        match self {
            Period::Hour => 24.0 * 365.0,
            Period::Day => 365.0,
            Period::Week => 52.0,
            Period::Fortnight => 26.0,
            Period::Month => 12.0,
            Period::Quarter => 4.0,
            Period::Year => 1.0,
        }
    }

    /// The period a word names, as a noun ("month") or an adverb ("monthly").
    fn from_word(word: &str) -> Option<(Period, bool)> {
        // The flag says whether the word is itself a cadence ("weekly"), not just a unit ("week").
        Some(match word {
            "hour" | "hours" => (Period::Hour, false),
            "hourly" => (Period::Hour, true),
            "day" | "days" => (Period::Day, false),
            "daily" | "nightly" => (Period::Day, true),
            "week" | "weeks" => (Period::Week, false),
            "weekly" => (Period::Week, true),
            "fortnight" | "fortnights" => (Period::Fortnight, false),
            "fortnightly" | "biweekly" => (Period::Fortnight, true),
            "month" | "months" => (Period::Month, false),
            "monthly" => (Period::Month, true),
            "quarter" | "quarters" => (Period::Quarter, false),
            "quarterly" => (Period::Quarter, true),
            "year" | "years" => (Period::Year, false),
            "yearly" | "annually" | "annual" => (Period::Year, true),
            _ => return None,
        })
    }
}

/// A quantity an `in` item includes: `count` of `unit`, per `period` when it renews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limit {
    pub item_id: String,
    /// How many are included (1 for "a fortnightly check-in").
    pub count: u32,
    /// The counted words as the item writes them ("half-day strategy workshops").
    pub unit: String,
    /// When the count renews; none for a fixed total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Stems of the counted words, to recognise the unit in a request.
    #[serde(skip)]
    pub(crate) stems: Vec<String>,
    /// Read from a cadence alone ("weekly temperature reports", "a fortnightly check-in"): a
    /// deliverable that recurs, not a count the client draws on.
    #[serde(skip)]
    pub(crate) cadence: bool,
}

impl Limit {
    /// "3 half-day strategy workshops", "10 hours per month": how evidence names the limit.
    pub fn describe(&self) -> String {
        match self.period {
            Some(p) => format!("{} {} per {}", self.count, self.unit, period_name(p)),
            None => format!("{} {}", self.count, self.unit),
        }
    }

    /// Whether this is the one language an item is written in, not a quantity.
    pub fn is_language(&self) -> bool {
        self.unit.starts_with("language (")
    }

    /// Whether the engagement uses the limit up over time (workshops held, interviews a month,
    /// hours logged) rather than it sizing one deliverable ("a 12-page report", "12 months of
    /// data"), naming its language, or being a recurring deliverable ("weekly reports"), which
    /// requests about it do not use up.
    pub fn counts_use(&self) -> bool {
        let size = |s: &String| {
            time_factor(s).is_some() || SIZE_WORDS.iter().any(|w| terms(w)[0].stem == *s)
        };
        !self.is_language() && !self.cadence && !self.stems.iter().any(size)
    }

    /// Included occurrences a year, for limits that renew.
    fn rate(&self) -> Option<f64> {
        self.period.map(|p| f64::from(self.count) * p.per_year())
    }
}

/// What an item says exists already ("the existing booking website"): a request for a new one
/// is new work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Existing {
    pub item_id: String,
    /// The existing thing as the item writes it.
    pub thing: String,
    #[serde(skip)]
    pub(crate) stems: Vec<String>,
}

pub fn period_name(p: Period) -> &'static str {
    match p {
        Period::Hour => "hour",
        Period::Day => "day",
        Period::Week => "week",
        Period::Fortnight => "fortnight",
        Period::Month => "month",
        Period::Quarter => "quarter",
        Period::Year => "year",
    }
}

/// Lowercase words; "1,000" is one number, "40-page" is a number and a word, other hyphenated
/// words ("half-day", "check-in") stay whole.
fn words(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let digit_comma = c == ','
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if digit_comma {
            continue;
        }
        let inner_hyphen = c == '-'
            && !cur.is_empty()
            && !cur.chars().all(|d| d.is_ascii_digit())
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || c == '\'' || inner_hyphen {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter()
        .map(|w| w.trim_matches('\'').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn cardinal(word: &str) -> Option<u32> {
    if let Ok(n) = word.parse::<u32>() {
        return Some(n);
    }
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    if let Some(n) = WORDS.iter().position(|w| *w == word) {
        return u32::try_from(n).ok();
    }
    Some(match word {
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "hundred" => 100,
        "dozen" => 12,
        _ => return None,
    })
}

fn ordinal(word: &str) -> Option<u32> {
    const WORDS: [&str; 13] = [
        "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth", "eleventh", "twelfth",
    ];
    if let Some(n) = WORDS.iter().position(|w| !w.is_empty() && *w == word) {
        return u32::try_from(n).ok();
    }
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[digits.len()..];
    if !digits.is_empty() && matches!(suffix, "st" | "nd" | "rd" | "th") {
        return digits.parse().ok();
    }
    None
}

/// Words that end the group of counted words after a number.
fn ends_group(word: &str) -> bool {
    matches!(
        word,
        "with"
            | "of"
            | "for"
            | "per"
            | "a"
            | "an"
            | "the"
            | "to"
            | "in"
            | "on"
            | "from"
            | "by"
            | "into"
            | "including"
            | "plus"
            | "at"
            | "each"
            | "every"
            | "instead"
            | "rather"
            | "than"
            | "this"
            | "that"
            | "is"
            | "are"
            | "be"
            | "we"
            | "you"
            | "so"
            | "but"
            | "if"
            | "before"
            | "after"
            | "during"
            | "until"
            | "about"
            | "more"
            | "as"
            | "our"
            | "your"
            | "it"
            | "which"
            | "who"
    )
}

/// The words after position `start` that a number counts: up to four, through "and"/"or".
fn group(ws: &[String], start: usize) -> Vec<String> {
    let mut out = Vec::new();
    for w in ws.iter().skip(start).take(5) {
        if ends_group(w) || cardinal(w).is_some() || ordinal(w).is_some() {
            break;
        }
        out.push(w.clone());
    }
    while out.last().is_some_and(|w| w == "and" || w == "or") {
        out.pop();
    }
    out
}

/// Stems of counted words, without cadence adverbs and (unless they are all there is) period
/// nouns: "12 months of data" counts months, "three half-day workshops" counts workshops.
fn unit_stems(group: &[String]) -> Vec<String> {
    let all: Vec<String> = group
        .iter()
        .filter(|w| *w != "and" && *w != "or")
        .flat_map(|w| terms(&w.replace('-', " ")))
        .map(|t| t.stem)
        .collect();
    let non_period: Vec<String> = group
        .iter()
        .filter(|w| Period::from_word(w).is_none() && *w != "and" && *w != "or")
        .flat_map(|w| terms(&w.replace('-', " ")))
        .filter(|t| Period::from_word(&t.word).is_none() && t.word != "half")
        .map(|t| t.stem)
        .collect();
    if non_period.is_empty() {
        all
    } else {
        non_period
    }
}

/// The period named after a count: "a month", "per week", "every fortnight", "each quarter",
/// or a cadence word among the next words.
fn period_after(ws: &[String], from: usize) -> Option<Period> {
    let window = ws.iter().skip(from).take(8).collect::<Vec<_>>();
    for pair in window.windows(2) {
        if matches!(pair[0].as_str(), "a" | "an" | "per" | "every" | "each")
            && let Some((p, false)) = Period::from_word(pair[1])
        {
            return Some(p);
        }
    }
    None
}

/// The cadence adverbs of a text ("weekly", "every day", "a month"), highest rate first.
fn cadences(ws: &[String]) -> Vec<Period> {
    let mut out = Vec::new();
    for (i, w) in ws.iter().enumerate() {
        match Period::from_word(w) {
            Some((p, true)) => out.push(p),
            Some((p, false))
                if i > 0 && matches!(ws[i - 1].as_str(), "every" | "each" | "per" | "a") =>
            {
                // "a month" after a number is the count's period, read with the count.
                let after_count = i >= 2 && ws[i - 1] == "a" && cardinal(&ws[i - 2]).is_none();
                if ws[i - 1] != "a" || after_count || i < 2 {
                    out.push(p);
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| b.per_year().total_cmp(&a.per_year()));
    out
}

/// The limits an `in` item states. An item without numbers, "a"/"one" or a cadence has none.
pub fn parse_limits(item_id: &str, text: &str) -> Vec<Limit> {
    let ws = words(text);
    let mut out: Vec<Limit> = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        let w = &ws[i];
        // "40-page": the number and its unit in one word.
        let (count, unit_start, glued) = match w.split_once('-') {
            Some((n, rest)) if n.parse::<u32>().is_ok() && !rest.is_empty() => {
                (n.parse::<u32>().ok(), i + 1, Some(rest.to_string()))
            }
            _ => {
                let n = cardinal(w).or_else(|| {
                    // "a"/"an" counts one only where a noun follows that is not a period
                    // ("a month" is a period) and no number follows ("a 12-page report").
                    let article = matches!(w.as_str(), "a" | "an" | "one" | "single");
                    let next = ws.get(i + 1)?;
                    let next_is_number =
                        cardinal(next).is_some() || next.split('-').next()?.parse::<u32>().is_ok();
                    let next_is_period = matches!(Period::from_word(next), Some((_, false)));
                    (article && !next_is_number && !next_is_period).then_some(1)
                });
                (n, i + 1, None)
            }
        };
        let Some(count) = count else {
            i += 1;
            continue;
        };
        let mut counted = glued.into_iter().collect::<Vec<_>>();
        let rest = group(&ws, unit_start);
        // After a glued unit ("12-page report") the following nouns name the thing measured.
        let g: Vec<String> = if counted.is_empty() {
            rest.clone()
        } else {
            counted.clone()
        };
        counted.extend(rest.iter().cloned());
        let stems = unit_stems(&g);
        if stems.is_empty() {
            i += 1;
            continue;
        }
        let after = unit_start + rest.len();
        // A cadence adverb inside the group ("a fortnightly check-in") is the period too.
        let period = period_after(&ws, after).or_else(|| {
            counted
                .iter()
                .find_map(|w| Period::from_word(w).filter(|(_, adv)| *adv).map(|(p, _)| p))
        });
        let is_article = count == 1 && matches!(w.as_str(), "a" | "an");
        // "a" before a plain noun with no cadence says nothing about quantity ("a findings
        // deck"): only "one" or a cadence makes it a limit.
        if !(is_article && period.is_none()) {
            out.push(Limit {
                item_id: item_id.to_string(),
                count,
                unit: counted.join(" "),
                period,
                stems,
                cadence: is_article,
            });
        }
        i = after.max(i + 1);
    }
    // A cadence with no count ("nightly data pipeline", "monthly report"): once per period.
    if out.iter().all(|l| l.period.is_none())
        && let Some(p) = cadences(&ws).into_iter().next_back()
        && !out.iter().any(|l| l.period.is_some())
    {
        let pos = ws
            .iter()
            .position(|w| matches!(Period::from_word(w), Some((q, true)) if q == p));
        if let Some(pos) = pos {
            let g = group(&ws, pos + 1);
            let stems = unit_stems(&g);
            if !stems.is_empty() {
                out.push(Limit {
                    item_id: item_id.to_string(),
                    count: 1,
                    unit: g.join(" "),
                    period: Some(p),
                    stems,
                    cadence: true,
                });
            }
        }
    }
    out
}

/// What the item says exists already: the words after "existing" (or "current").
pub fn parse_existing(item_id: &str, text: &str) -> Option<Existing> {
    let ws = words(text);
    let pos = ws.iter().position(|w| w == "existing" || w == "current")?;
    let mut thing = Vec::new();
    for w in ws.iter().skip(pos + 1).take(4) {
        if ends_group(w) || w == "and" {
            break;
        }
        thing.push(w.clone());
    }
    let mut stems = unit_stems(&thing);
    // A site is a site whichever word the client uses for it.
    if stems
        .iter()
        .any(|s| SITE_WORDS.iter().any(|w| terms(w)[0].stem == *s))
    {
        for w in SITE_WORDS {
            stems.push(terms(w)[0].stem.clone());
        }
    }
    (!stems.is_empty()).then(|| Existing {
        item_id: item_id.to_string(),
        thing: thing.join(" "),
        stems,
    })
}

/// Units that measure a deliverable's size, not how many of it are used.
const SIZE_WORDS: [&str; 5] = ["page", "word", "slide", "character", "response"];

const SITE_WORDS: [&str; 5] = ["site", "website", "microsite", "shop", "store"];

/// Words of a request that count one more of something without a number.
const MORE_WORDS: [&str; 4] = ["another", "additional", "extra", "again"];

/// Why a request exceeds a limit, in words a person can check against the brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Excess {
    pub item_id: String,
    /// The limit as the brief states it ("3 half-day strategy workshops").
    pub limit: String,
    /// What the request asks for ("fourth workshop", "daily").
    pub asked: String,
    /// How many more than included it asks for ("1" for a fourth of three workshops), when it
    /// can be counted: what a change order proposes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<f64>,
    /// The counted words of the limit ("half-day strategy workshops").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// Asked as one more without a number ("another session"): whether one remains is for the
    /// engagement's use of the limit to say, when it is known.
    #[serde(skip)]
    pub(crate) one_more: bool,
}

impl Excess {
    /// "1 half-day strategy workshop over the 3 included", when the extra can be counted.
    pub fn extra_phrase(&self) -> Option<String> {
        let extra = self.extra.filter(|x| *x > 0.0)?;
        let unit = if (extra - 1.0).abs() < 1e-9 {
            singular(&self.unit)
        } else {
            self.unit.clone()
        };
        let included = self.limit.split_whitespace().next().unwrap_or_default();
        let period = self
            .limit
            .split_once(" per ")
            .map(|(_, p)| format!(" per {p}"))
            .unwrap_or_default();
        Some(format!(
            "{} {unit} over the {included} included{period}",
            super::usage::number(extra)
        ))
    }
}

/// "workshops" to "workshop", "hours" to "hour": the last word only, and only a plain "s".
pub(crate) fn singular(unit: &str) -> String {
    match unit.strip_suffix('s') {
        Some(rest) if !rest.ends_with('s') && !rest.is_empty() => rest.to_string(),
        _ => unit.to_string(),
    }
}

/// Languages a brief or a request may name.
const LANGUAGES: [&str; 26] = [
    "english",
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
    "cantonese",
    "japanese",
    "korean",
    "hindi",
    "urdu",
    "russian",
    "turkish",
    "ukrainian",
    "welsh",
    "irish",
    "gaelic",
    "swedish",
    "danish",
    "norwegian",
    "finnish",
];

/// The one language an item is written for ("a 12-page report in English"), if it names one.
pub fn parse_language(item_id: &str, text: &str) -> Option<Limit> {
    let ws = words(text);
    let named: Vec<&String> = ws
        .iter()
        .filter(|w| LANGUAGES.contains(&w.as_str()))
        .collect();
    match named.as_slice() {
        [one] => Some(Limit {
            item_id: item_id.to_string(),
            count: 1,
            unit: format!("language ({one})"),
            period: None,
            stems: vec![(*one).clone()],
            cadence: false,
        }),
        _ => None,
    }
}

/// A request for a version in another language than the item's one: "in German", "a Polish
/// version", "into Welsh". A language named as a market ("German shoppers") is not a version.
fn other_language<'l>(languages: &'l [Limit], ws: &[String]) -> Option<(&'l Limit, String)> {
    for (i, w) in ws.iter().enumerate() {
        if !LANGUAGES.contains(&w.as_str()) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| ws[j].as_str());
        let after = ws.get(i + 1).map(String::as_str);
        let version = matches!(before, Some("in" | "into"))
            || matches!(
                after,
                Some("version" | "versions" | "translation" | "edition")
            );
        if !version {
            continue;
        }
        if let Some(l) = languages.iter().find(|l| !l.stems.contains(w)) {
            let asked = match after {
                Some(a @ ("version" | "versions" | "translation" | "edition")) => {
                    format!("{w} {a}")
                }
                _ => format!("{} {w}", before.unwrap_or_default()),
            };
            return Some((l, asked));
        }
    }
    None
}

/// Stems a request word may stand for when counting: a "session" of a workshop, a "catch-up" call.
fn unit_synonyms(stem: &str) -> &'static [&'static str] {
    match stem {
        "session" => &["workshop", "call", "meet", "train"],
        "catch" | "catchup" | "meet" => &["call", "check"],
        "check" => &["call"],
        "articl" => &["post", "blog"],
        "post" => &["articl"],
        "round" => &["revis"],
        "chang" | "edit" => &["chang", "edit"],
        "email" | "mail" => &["newslett"],
        "websit" | "site" => &["websit", "site"],
        _ => &[],
    }
}

fn shares_unit(asked: &[String], limit: &[String]) -> bool {
    asked.iter().any(|a| {
        limit.contains(a)
            || unit_synonyms(a)
                .iter()
                .any(|s| limit.iter().any(|l| l == s))
    })
}

/// Days, weeks, months and years counted in one another: "three years of data" against "12
/// months of data". Hours stay apart: they count effort, not a span of time.
fn time_factor(stem: &str) -> Option<f64> {
    Some(match stem {
        "day" => 1.0,
        "week" => 7.0,
        "month" => 365.0 / 12.0,
        "year" => 365.0,
        _ => return None,
    })
}

/// Whether and how a request exceeds one of `limits`. `matched` holds the ids of the items the
/// request matched in words: a cadence or "another" counts only against those.
pub fn exceeds(limits: &[Limit], matched: &[&str], title: &str, body: &str) -> Option<Excess> {
    let ws = words(&format!("{title}. {body}"));
    let excess = |l: &Limit, asked: String, extra: Option<f64>| Excess {
        item_id: l.item_id.clone(),
        limit: l.describe(),
        asked,
        extra,
        unit: l.unit.clone(),
        one_more: false,
    };
    let (languages, limits): (Vec<Limit>, Vec<Limit>) =
        limits.iter().cloned().partition(|l| l.is_language());
    let limits = limits.as_slice();
    if let Some((l, asked)) = other_language(&languages, &ws) {
        return Some(excess(l, asked, Some(1.0)));
    }
    // Numbers and ordinals followed by the limit's unit.
    for (i, w) in ws.iter().enumerate() {
        let glued = w
            .split_once('-')
            .and_then(|(n, rest)| Some((n.parse::<u32>().ok()?, rest.to_string())));
        let (n, is_ordinal, g) = if let Some((n, rest)) = glued {
            (n, false, vec![rest])
        } else if let Some(n) = ordinal(w) {
            (n, true, group(&ws, i + 1))
        } else if let Some(n) = cardinal(w) {
            (n, false, group(&ws, i + 1))
        } else {
            continue;
        };
        let asked = unit_stems(&g);
        if asked.is_empty() {
            continue;
        }
        let asked_period = period_after(&ws, i + 1 + g.len());
        for l in limits {
            let factor = match (asked.as_slice(), l.stems.as_slice()) {
                ([a], [b]) if a != b => time_factor(a).zip(time_factor(b)).map(|(x, y)| x / y),
                _ => None,
            };
            if factor.is_none() && !shares_unit(&asked, &l.stems) {
                continue;
            }
            let n = f64::from(n) * factor.unwrap_or(1.0);
            let (over, extra) = match (asked_period, l.rate()) {
                // "two posts a day" against "12 a month": over, by an amount no period shares.
                (Some(p), Some(rate)) if !is_ordinal => (n * p.per_year() > rate + 1e-9, None),
                _ => {
                    let count = f64::from(l.count);
                    (n > count + 1e-9, (factor.is_none()).then_some(n - count))
                }
            };
            if over {
                let phrase = std::iter::once(w.clone()).chain(g.iter().cloned());
                return Some(excess(l, phrase.collect::<Vec<_>>().join(" "), extra));
            }
        }
    }
    // "another session", "one more workshop", "an extra round", "test it again".
    for (i, w) in ws.iter().enumerate() {
        let one_more = w == "one" && ws.get(i + 1).is_some_and(|n| n == "more");
        if !(MORE_WORDS.contains(&w.as_str()) || one_more) {
            continue;
        }
        let g = group(&ws, i + if one_more { 2 } else { 1 });
        let asked = unit_stems(&g);
        for l in limits.iter().filter(|l| l.period.is_none()) {
            let named = shares_unit(&asked, &l.stems);
            // "again" names no unit: it counts against a single included occurrence the request
            // is about ("could you test the prototype again?").
            let again = w == "again" && l.count == 1 && matched.contains(&l.item_id.as_str());
            if named || again {
                let phrase = if one_more { "one more" } else { w.as_str() };
                let asked = std::iter::once(phrase.to_string())
                    .chain(g.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(" ");
                return Some(Excess {
                    one_more: true,
                    ..excess(l, asked, Some(1.0))
                });
            }
        }
    }
    // Cadences: "daily stand-ups" against "a fortnightly check-in".
    if let Some(&fastest) = cadences(&ws).first() {
        for l in limits
            .iter()
            .filter(|l| matched.contains(&l.item_id.as_str()))
        {
            if let Some(rate) = l.rate()
                && fastest.per_year() > rate + 1e-9
            {
                return Some(excess(l, cadence_name(fastest).to_string(), None));
            }
        }
    }
    None
}

/// How many of the limit's unit a request names ("six interviews", "4 hours of edits"), when it
/// names a number of them.
pub fn asked_count(limit: &Limit, title: &str, body: &str) -> Option<f64> {
    let ws = words(&format!("{title}. {body}"));
    ws.iter().enumerate().find_map(|(i, w)| {
        let n = cardinal(w)?;
        let asked = unit_stems(&group(&ws, i + 1));
        shares_unit(&asked, &limit.stems).then_some(f64::from(n))
    })
}

fn cadence_name(p: Period) -> &'static str {
    match p {
        Period::Hour => "hourly",
        Period::Day => "daily",
        Period::Week => "weekly",
        Period::Fortnight => "fortnightly",
        Period::Month => "monthly",
        Period::Quarter => "quarterly",
        Period::Year => "yearly",
    }
}

/// A request for a new one of something an item says exists ("a new website" against "the
/// existing booking website"): the words it used.
pub fn asks_for_new(existing: &[Existing], title: &str, body: &str) -> Option<(Existing, String)> {
    let ws = words(&format!("{title}. {body}"));
    for (i, w) in ws.iter().enumerate() {
        let g: Vec<String> = if w == "new" || w == "separate" || w == "second" {
            ws.iter().skip(i + 1).take(4).cloned().collect()
        } else if w == "microsite" {
            vec![w.clone()]
        } else {
            continue;
        };
        let asked: Vec<String> = g.iter().flat_map(|w| terms(w)).map(|t| t.stem).collect();
        for e in existing {
            if asked.iter().any(|a| e.stems.contains(a)) {
                let phrase = std::iter::once(w.clone())
                    .chain(g.iter().take(3).cloned())
                    .filter(|x| x != "new" || w == "new")
                    .collect::<Vec<_>>();
                let phrase = if w == "microsite" {
                    "microsite".to_string()
                } else {
                    phrase.join(" ")
                };
                return Some((e.clone(), phrase));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn one(text: &str) -> Limit {
        let l = parse_limits("x", text);
        assert_eq!(l.len(), 1, "{text}: {l:?}");
        l.into_iter().next().unwrap()
    }

    #[test]
    fn counts_units_and_periods_are_read() {
        let l = one("Three half-day strategy workshops with the executive team");
        assert_eq!((l.count, l.period), (3, None));
        assert!(l.stems.contains(&"workshop".to_string()), "{l:?}");

        let l = one("Up to 10 hours a month of content edits");
        assert_eq!((l.count, l.period), (10, Some(Period::Month)));
        assert_eq!(l.stems, ["hour"]);

        let l = one("A fortnightly check-in call with the CEO");
        assert_eq!((l.count, l.period), (1, Some(Period::Fortnight)));

        let l = one("A 12-page market-entry report in English");
        assert_eq!((l.count, l.period), (12, None));
        assert_eq!(l.stems[0], "page");

        let l = one("Fieldwork: up to 1,000 responses");
        assert_eq!(l.count, 1000);

        let l = one("An email newsletter every fortnight");
        assert_eq!((l.count, l.period), (1, Some(Period::Fortnight)));

        let l = one("Nightly data pipeline from Xero into Snowflake");
        assert_eq!((l.count, l.period), (1, Some(Period::Day)));
        assert_eq!(l.describe(), "1 data pipeline per day");
    }

    #[test]
    fn items_without_quantities_have_no_limits() {
        assert!(parse_limits("x", "Third-party integrations").is_empty());
        assert!(parse_limits("x", "A findings deck").is_empty());
        assert!(parse_limits("x", "Desk research on the German market").is_empty());
    }

    fn brief_limits() -> Vec<Limit> {
        [
            ("workshops", "Three half-day strategy workshops"),
            ("checkin", "A fortnightly check-in call with the CEO"),
            ("document", "Final strategy document of up to 20 pages"),
            ("edits", "Up to 10 hours a month of content edits"),
            ("posts", "12 Instagram and Facebook posts a month"),
            ("data", "Analysis of 12 months of warehouse data"),
        ]
        .iter()
        .flat_map(|(id, t)| parse_limits(id, t))
        .collect()
    }

    fn over(title: &str, matched: &[&str]) -> Option<String> {
        exceeds(&brief_limits(), matched, title, "").map(|e| e.item_id)
    }

    #[test]
    fn requests_beyond_a_limit_name_it() {
        assert_eq!(
            over("Could we have a fourth workshop?", &[]).as_deref(),
            Some("workshops")
        );
        assert_eq!(
            over("One more session please", &[]).as_deref(),
            Some("workshops")
        );
        assert_eq!(
            over("We'd like a 40-page document", &[]).as_deref(),
            Some("document")
        );
        assert_eq!(over("40 hours of edits", &[]).as_deref(), Some("edits"));
        assert_eq!(over("two posts a day", &[]).as_deref(), Some("posts"));
        assert_eq!(over("20 posts in January", &[]).as_deref(), Some("posts"));
        assert_eq!(over("three years of data", &[]).as_deref(), Some("data"));
        assert_eq!(
            over("daily stand-ups with the CEO", &["checkin"]).as_deref(),
            Some("checkin")
        );
        let e = exceeds(&brief_limits(), &[], "a fourth workshop", "").unwrap();
        assert_eq!(e.limit, "3 half-day strategy workshops");
        assert_eq!(e.asked, "fourth workshop");
    }

    #[test]
    fn requests_within_a_limit_pass() {
        assert_eq!(over("agenda for the second workshop", &["workshops"]), None);
        assert_eq!(over("here are 6 hours of edits", &["edits"]), None);
        assert_eq!(over("the 12 posts for March", &["posts"]), None);
        assert_eq!(over("is the fortnightly call on?", &["checkin"]), None);
        // A cadence counts only against an item the request is about.
        assert_eq!(over("the office is cleaned daily", &[]), None);
    }

    #[test]
    fn only_limits_used_up_over_time_count_use() {
        assert!(one("Three half-day strategy workshops").counts_use());
        assert!(one("Up to 10 hours a month of content edits").counts_use());
        assert!(one("Two customer interviews a month").counts_use());
        assert!(!one("A 12-page market-entry report").counts_use());
        assert!(!one("Analysis of 12 months of warehouse data").counts_use());
        assert!(!one("Final strategy document of up to 20 pages").counts_use());
        // Requests about a recurring deliverable do not use it up; a stated count per period is
        // drawn on.
        assert!(!one("Weekly temperature reports for the cold stores").counts_use());
        assert!(!one("A fortnightly check-in call with the CEO").counts_use());
        assert!(!one("An email newsletter every fortnight").counts_use());
        assert!(one("One call per month to walk the CFO through the pack").counts_use());
    }

    #[test]
    fn the_extra_quantity_is_counted_where_it_can_be() {
        let e = exceeds(&brief_limits(), &[], "a fourth workshop", "").unwrap();
        assert_eq!(e.extra, Some(1.0));
        assert_eq!(
            e.extra_phrase().as_deref(),
            Some("1 half-day strategy workshop over the 3 included")
        );
        let e = exceeds(&brief_limits(), &[], "40 hours of edits", "").unwrap();
        assert_eq!(e.extra, Some(30.0));
        assert_eq!(
            e.extra_phrase().as_deref(),
            Some("30 hours over the 10 included per month")
        );
        let e = exceeds(&brief_limits(), &[], "One more session please", "").unwrap();
        assert_eq!(e.extra, Some(1.0));
        // A faster cadence is more, by an amount no count states.
        let e = exceeds(
            &brief_limits(),
            &["checkin"],
            "daily stand-ups with the CEO",
            "",
        )
        .unwrap();
        assert_eq!((e.extra, e.extra_phrase()), (None, None));
    }

    #[test]
    fn a_second_language_exceeds_the_one_named() {
        let limits: Vec<Limit> = parse_language("r", "A 12-page report in English")
            .into_iter()
            .collect();
        assert_eq!(limits[0].describe(), "1 language (english)");
        let e = exceeds(
            &limits,
            &[],
            "",
            "Our partner needs the report in German too",
        )
        .unwrap();
        assert_eq!(e.asked, "in german");
        assert!(exceeds(&limits, &[], "", "A Polish version please").is_some());
        assert!(exceeds(&limits, &[], "", "Typo in the English text").is_none());
        assert!(exceeds(&limits, &[], "", "What do German shoppers pay?").is_none());
        assert!(parse_language("r", "Copy in English and French").is_none());
    }

    #[test]
    fn new_against_existing() {
        let e = parse_existing("m", "Maintenance of the existing booking website").unwrap();
        assert_eq!(e.thing, "booking website");
        let found = asks_for_new(
            std::slice::from_ref(&e),
            "",
            "We need a new website for Bath",
        );
        assert_eq!(found.map(|(e, _)| e.item_id).as_deref(), Some("m"));
        assert!(
            asks_for_new(std::slice::from_ref(&e), "", "A new photo for the homepage").is_none()
        );
        assert!(asks_for_new(&[e], "", "The website is down").is_none());
        assert!(parse_existing("m", "Build a web shop").is_none());
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_limits_are_well_formed(text in "\\PC{0,80}", req in "\\PC{0,80}") {
            let limits = parse_limits("i", &text);
            for l in &limits {
                prop_assert!(!l.stems.is_empty());
                prop_assert_eq!(l.item_id.as_str(), "i");
            }
            let _ = exceeds(&limits, &["i"], &req, &req);
            let _ = parse_existing("i", &text);
        }

        #[test]
        fn asking_for_more_than_the_count_exceeds_and_up_to_it_does_not(n in 1u32..50, extra in 1u32..50) {
            let limits = parse_limits("w", &format!("{n} workshops with the team"));
            prop_assert_eq!(limits.len(), 1);
            let more = format!("{} workshops", n + extra);
            let same = format!("{n} workshops");
            prop_assert!(exceeds(&limits, &[], &more, "").is_some());
            prop_assert!(exceeds(&limits, &[], &same, "").is_none());
        }
    }
}
