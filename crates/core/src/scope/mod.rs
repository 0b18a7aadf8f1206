//! Scope: whether a request is inside the engagement's written brief.

mod aliases;
mod bm25;
mod brief;
mod check;
pub mod eval;
mod stopwords;
mod text;

use serde::{Deserialize, Serialize};

pub use bm25::Bm25Params;
pub use brief::{BriefError, MAX_BRIEF_TEXT_CHARS, MAX_ID_CHARS, MAX_ITEM_TEXT_CHARS, MAX_ITEMS};
pub use check::{
    Assessment, BRIEF_TEXT_ID, BriefIndex, CheckConfig, Evidence, MAX_BODY_BYTES, MAX_TITLE_BYTES,
    check, check_with,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    In,
    Out,
}

/// One line of a brief: something explicitly inside or outside the engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeItem {
    /// Stable, brief-local identifier chosen by the author (e.g. `"dashboards"`).
    pub id: String,
    pub kind: ScopeKind,
    pub text: String,
}

/// The written brief of an engagement: free text plus explicit scope items.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brief {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub items: Vec<ScopeItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    In,
    Out,
    Unclear,
}
