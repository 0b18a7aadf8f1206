//! Scope: whether a request is inside the engagement's written brief.
//!
//! `check(brief, title, body)` gives an `Assessment`: a `Verdict` (`in`, `out`, `unclear`), a
//! confidence in [0, 1] and the evidence (which items matched, by which words). The ranking is
//! lexical and explainable: words (`text`) are stemmed and ranked with BM25 (`bm25`), everyday
//! synonyms and business concepts are joined (`aliases`, `concepts`), quantities, cadences, caps
//! and "existing" are read from items and compared with what the request asks (`limits`), and
//! the decision rule and confidence formula are written out in `check`. The firm's own earlier
//! decisions (a person confirming or changing a verdict) are precedents (`precedent`): the caller
//! passes them in, and a close one decides or sways the verdict, cited as evidence ("decided like
//! #412 on 3 March 2027"). Nothing is downloaded, and nothing is learned beyond what is passed in.
//!
//! Limits: `Brief::validate` bounds a brief (200 items, 1,000 characters an item, 20,000 of free
//! text, unique ids); a request body is read up to its first 64 KiB and a title up to 4 KiB.
//! Text in any script is accepted; only English words are stemmed, so a request in another
//! language matches only a brief written in it (or shared words such as "KPI"), and is
//! usually `unclear`. Scripts written
//! without spaces (Japanese, Chinese) are compared run by run, not word by word.
//!
//! `eval` scores the check against labelled cases (`data/scope-eval/`).

mod aliases;
mod bm25;
mod brief;
mod check;
mod concepts;
mod confirm;
pub mod eval;
mod limits;
mod precedent;
pub mod report;
mod stopwords;
mod text;
mod usage;

use serde::{Deserialize, Serialize};

pub use bm25::Bm25Params;
pub use brief::{BriefError, MAX_BRIEF_TEXT_CHARS, MAX_ID_CHARS, MAX_ITEM_TEXT_CHARS, MAX_ITEMS};
pub use check::{
    Assessment, BRIEF_TEXT_ID, BriefIndex, CheckConfig, Evidence, MAX_BODY_BYTES, MAX_TITLE_BYTES,
    UNMENTIONED_CONFIDENCE, brief_limits, check, check_with,
};
pub use confirm::{Accuracy, ConfirmInput, ConfusionCell, ScopeRecord, VerdictAccuracy, accuracy};
pub use limits::{Excess, Existing, Limit, Period, parse_existing, parse_limits};
pub use precedent::{
    Decided, MAX_PRECEDENT_BODY_BYTES, Precedent, PrecedentConfig, PrecedentEffect, PrecedentIndex,
};
pub use usage::{LimitUse, Usage, is_hours, unit_is_hours, window};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    In,
    Out,
}

/// One line of a brief: something explicitly inside or outside the engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScopeItem {
    /// Stable, brief-local identifier chosen by the author (e.g. `"dashboards"`).
    pub id: String,
    pub kind: ScopeKind,
    pub text: String,
}

/// The written brief of an engagement: free text plus explicit scope items.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"text": "Monthly reporting for the sales team.", "items": [{"id": "dashboards", "kind": "in", "text": "Sales dashboards"}, {"id": "mobile-app", "kind": "out", "text": "Anything on the mobile app"}]})))]
#[serde(deny_unknown_fields)]
pub struct Brief {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub items: Vec<ScopeItem>,
}

crate::label_enum!(
    /// What the check (or a person) says of a request against a brief.
    Verdict {
        In => "in",
        Out => "out",
        Unclear => "unclear",
    }
);
