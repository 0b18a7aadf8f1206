//! Etiquette: how a client and each of its contacts wish to be addressed and written to.

pub mod availability;
pub mod complaint;
mod fold;
pub mod lint;
mod phrases;
pub mod profile;
mod salutation;

pub use availability::Availability;
pub use complaint::{ComplaintReply, draft_complaint_reply};
pub use lint::{Finding, LintError, LintOptions, Linter, Recipient, Rule, SendAt, lint};
pub use profile::{ProfileContact, ProfileError, ProfileFile};
pub use salutation::{opens_with_greeting, salutation_line};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    #[default]
    Formal,
    Informal,
}

/// One entry of a client's glossary: the word the client uses (`theirs`) for a word of ours.
/// ("okra" for "ladies' fingers", "fall" for "autumn").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GlossaryEntry {
    pub ours: String,
    pub theirs: String,
}

/// The client-wide part of the etiquette profile.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"tone": "formal", "language": "en-GB", "avoid": ["Dear Sir/Madam"], "glossary": [{"ours": "ticket", "theirs": "request"}]})))]
#[serde(deny_unknown_fields)]
pub struct ClientEtiquette {
    #[serde(default)]
    pub tone: Tone,
    /// BCP 47 language tag for outgoing mail, e.g. `en-GB`.
    #[serde(default)]
    pub language: Option<String>,
    /// Words and forms nobody at this client should receive ("ma'am", "Dear Sir/Madam").
    #[serde(default)]
    pub avoid: Vec<String>,
    #[serde(default)]
    pub glossary: Vec<GlossaryEntry>,
}

/// The part of the profile that belongs to one contact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"preferred_name": "Dr Mehta", "form_of_address": "Dr", "avoid": ["Priya"]})))]
#[serde(deny_unknown_fields)]
pub struct ContactEtiquette {
    /// The name to use in a salutation ("Priya", "Dr Mehta").
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// The form of address the contact asked for ("Dr", "Ms", "Mx", or none).
    #[serde(default)]
    pub form_of_address: Option<String>,
    /// Forms this contact asked us not to use ("ma'am", their first name).
    #[serde(default)]
    pub avoid: Vec<String>,
}
