//! BM25 over one brief: each scope item is a document (and the brief's free text one more), the
//! request is the query. IDF comes from that brief alone, so a word in every item of a design
//! brief ("design") weighs little there, while the one item that says "signage" owns that word.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::text::Term;

/// BM25 and phrase parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    /// Term-frequency saturation. Items are short, so repeats matter little.
    pub k1: f64,
    /// Length normalisation: 0 ignores item length, 1 divides fully by it.
    pub b: f64,
    /// Bonus for two adjacent request terms that are also adjacent in the item, as a multiple of
    /// the mean IDF of the pair ("delivery slot" is stronger evidence than "delivery" and "slot").
    pub phrase_weight: f64,
}

/// A document of the index: the analysed text of one item (or of the brief's free text).
#[derive(Debug, Clone)]
pub struct Document {
    tf: BTreeMap<String, u32>,
    /// The first word written for each stem, for evidence.
    words: BTreeMap<String, String>,
    /// Adjacent stem pairs as `"a b"` (stems hold no spaces), sorted and unique, with the stems.
    bigrams: Vec<(String, String, String)>,
    len: usize,
}

impl Document {
    pub fn new(terms: &[Term]) -> Self {
        let mut tf = BTreeMap::new();
        let mut words = BTreeMap::new();
        for t in terms {
            *tf.entry(t.stem.clone()).or_insert(0) += 1;
            words
                .entry(t.stem.clone())
                .or_insert_with(|| t.word.clone());
        }
        let mut pairs: Vec<(String, String, String)> = terms
            .windows(2)
            .filter(|w| w[0].stem != w[1].stem)
            .map(|w| {
                (
                    bigram_key(&w[0], &w[1]),
                    w[0].stem.clone(),
                    w[1].stem.clone(),
                )
            })
            .collect();
        pairs.sort();
        pairs.dedup();
        Document {
            tf,
            words,
            bigrams: pairs,
            len: terms.len(),
        }
    }
}

/// The request, as a set of stems with weights (title words may weigh more) and its bigrams.
#[derive(Debug, Clone, Default)]
pub struct Query {
    terms: HashMap<String, QueryTerm>,
    bigrams: HashSet<String>,
}

#[derive(Debug, Clone)]
struct QueryTerm {
    weight: f64,
    /// The client's word when the stem came from the alias table rather than the request.
    via: Option<String>,
}

impl Query {
    /// Add terms with a weight. A stem seen twice keeps its highest weight: BM25 on a short query
    /// counts each term once, and a long mail repeating a word is no stronger evidence.
    pub fn add(&mut self, terms: &[Term], weight: f64) {
        for t in terms {
            let q = self
                .terms
                .entry(t.stem.clone())
                .or_insert(QueryTerm { weight, via: None });
            q.weight = q.weight.max(weight);
            q.via = None;
        }
        self.bigrams.extend(
            terms
                .windows(2)
                .filter(|w| w[0].stem != w[1].stem)
                .map(|w| bigram_key(&w[0], &w[1])),
        );
    }

    /// Add a stem the request's `word` stands for (see `aliases`). A stem the request also
    /// contains itself stays a direct match.
    pub fn add_alias(&mut self, stem: &str, weight: f64, word: &str) {
        let q = self.terms.entry(stem.to_string()).or_insert(QueryTerm {
            weight,
            via: Some(word.to_string()),
        });
        q.weight = q.weight.max(weight);
    }
}

fn bigram_key(a: &Term, b: &Term) -> String {
    format!("{} {}", a.stem, b.stem)
}

/// One matched term (or phrase) of a document and what it contributed.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The word as written in the item; for a phrase, its two words joined by a space; for an
    /// alias, the item's word and then the request's in parentheses: "photography (headshots)".
    pub word: String,
    pub stem: String,
    pub contribution: f64,
}

#[derive(Debug, Clone)]
pub struct Index {
    docs: Vec<Document>,
    idf: BTreeMap<String, f64>,
    avg_len: f64,
}

impl Index {
    pub fn new(docs: Vec<Document>) -> Self {
        let mut df: BTreeMap<&str, u32> = BTreeMap::new();
        for d in &docs {
            for stem in d.tf.keys() {
                *df.entry(stem.as_str()).or_insert(0) += 1;
            }
        }
        let n = docs.len() as f64;
        // The "+1" form of BM25's IDF (never negative, so a word in most items still counts a
        // little), divided by the IDF of a word found in one item only. A brief of 3 items and
        // one of 150 then score on the same scale: 1.0 is one word that only this item uses, in
        // an item of average length, and thresholds need not change with the size of the brief.
        let raw = |df: f64| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let unique = raw(1.0);
        let idf = df
            .into_iter()
            .map(|(stem, df)| (stem.to_string(), raw(f64::from(df)) / unique))
            .collect();
        let total: usize = docs.iter().map(|d| d.len).sum();
        let avg_len = if docs.is_empty() {
            0.0
        } else {
            total as f64 / n
        };
        Index { docs, idf, avg_len }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn idf(&self, stem: &str) -> f64 {
        self.idf.get(stem).copied().unwrap_or(0.0)
    }

    /// Score document `doc` against `query`; hits come out in descending contribution.
    pub fn score(&self, doc: usize, query: &Query, params: &Bm25Params) -> (f64, Vec<Hit>) {
        let d = &self.docs[doc];
        let norm = if self.avg_len > 0.0 {
            1.0 - params.b + params.b * d.len as f64 / self.avg_len
        } else {
            1.0
        };
        let mut hits = Vec::new();
        for (stem, &tf) in &d.tf {
            let Some(q) = query.terms.get(stem) else {
                continue;
            };
            let tf = f64::from(tf);
            let saturation = tf * (params.k1 + 1.0) / (tf + params.k1 * norm);
            let word = match &q.via {
                None => d.words[stem].clone(),
                Some(via) => format!("{} ({via})", d.words[stem]),
            };
            hits.push(Hit {
                word,
                stem: stem.clone(),
                contribution: q.weight * self.idf(stem) * saturation,
            });
        }
        if params.phrase_weight > 0.0 {
            for (key, a, b) in &d.bigrams {
                if query.bigrams.contains(key) {
                    hits.push(Hit {
                        word: format!("{} {}", d.words[a], d.words[b]),
                        stem: key.clone(),
                        contribution: params.phrase_weight * (self.idf(a) + self.idf(b)) / 2.0,
                    });
                }
            }
        }
        // Sum in a fixed order (the documents' sorted maps) so equal inputs give bit-equal scores.
        let score = hits.iter().map(|h| h.contribution).sum();
        hits.sort_by(|x, y| {
            y.contribution
                .total_cmp(&x.contribution)
                .then_with(|| x.word.cmp(&y.word))
        });
        (score, hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::text::terms;

    const PARAMS: Bm25Params = Bm25Params {
        k1: 1.2,
        b: 0.75,
        phrase_weight: 0.5,
    };

    fn index(items: &[&str]) -> Index {
        Index::new(items.iter().map(|t| Document::new(&terms(t))).collect())
    }

    fn query(text: &str) -> Query {
        let mut q = Query::default();
        q.add(&terms(text), 1.0);
        q
    }

    #[test]
    fn rarer_terms_weigh_more() {
        let idx = index(&["logo design", "website design", "signage design"]);
        assert!(idx.idf("logo") > idx.idf("design"));
        assert!(idx.idf("design") > 0.0);
    }

    #[test]
    fn matching_item_outscores_unrelated_item() {
        let idx = index(&["Android driver app", "Web dispatcher map"]);
        let q = query("the android app crashes");
        let (android, hits) = idx.score(0, &q, &PARAMS);
        let (web, none) = idx.score(1, &q, &PARAMS);
        assert!(android > 0.0);
        assert_eq!(web, 0.0);
        assert!(none.is_empty());
        let words: Vec<&str> = hits.iter().map(|h| h.word.as_str()).collect();
        assert!(
            words.contains(&"android") && words.contains(&"app"),
            "{words:?}"
        );
    }

    #[test]
    fn adjacent_words_earn_a_phrase_bonus() {
        let idx = index(&["delivery slot selection", "slot machine delivery"]);
        let (phrase, hits) = idx.score(0, &query("delivery slot"), &PARAMS);
        let (scattered, _) = idx.score(1, &query("delivery slot"), &PARAMS);
        assert!(phrase > scattered, "{phrase} vs {scattered}");
        assert!(hits.iter().any(|h| h.word == "delivery slot"));
    }

    #[test]
    fn a_word_unique_to_one_item_weighs_one_whatever_the_brief_size() {
        let small = index(&["logo design", "website design"]);
        let large = index(&[
            "logo design",
            "website",
            "signage",
            "print",
            "photos",
            "social",
            "video",
            "fonts",
        ]);
        assert!((small.idf("logo") - 1.0).abs() < 1e-12);
        assert!((large.idf("logo") - 1.0).abs() < 1e-12);
        assert!(small.idf("design") < 1.0);
    }

    #[test]
    fn empty_index_scores_nothing() {
        let idx = Index::new(vec![]);
        assert_eq!(idx.len(), 0);
        assert_eq!(idx.idf("anything"), 0.0);
    }
}
