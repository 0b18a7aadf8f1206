//! Scope: whether a request is inside the engagement's written brief.

use serde::{Deserialize, Serialize};

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
