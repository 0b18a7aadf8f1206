//! The etiquette profile file: one client's etiquette, its contacts and its calendar, as read
//! by `rapport lint --profile`.
//!
//! ```json
//! {
//!   "client": {
//!     "tone": "formal",
//!     "language": "en-GB",
//!     "avoid": ["Dear Sir/Madam", "guys"],
//!     "glossary": [{"ours": "ladies' fingers", "theirs": "okra"}]
//!   },
//!   "contacts": [
//!     {"id": "priya", "name": "Priya Mehta", "preferred_name": "Dr Mehta",
//!      "form_of_address": "Dr", "avoid": ["Priya", "ma'am"]}
//!   ],
//!   "calendar": {"tz": "America/New_York", "hours": ["mon-fri 09:00-17:00"],
//!                "holidays": ["2026-12-25"]}
//! }
//! ```
//!
//! Every part is optional; unknown fields are rejected so that a typo is not silently ignored.

use serde::{Deserialize, Serialize};

use super::{ClientEtiquette, ContactEtiquette};
use crate::calendar::CalendarSpec;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    #[serde(default)]
    pub client: ClientEtiquette,
    #[serde(default)]
    pub contacts: Vec<ProfileContact>,
    /// The client's business calendar, needed to check a send time.
    #[serde(default)]
    pub calendar: Option<CalendarSpec>,
}

/// A contact: the id to select them by, their full name, and their [`ContactEtiquette`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileContact {
    pub id: String,
    /// Full name, e.g. "Priya Mehta": the first word is the first name, the last the surname.
    pub name: String,
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(default)]
    pub form_of_address: Option<String>,
    #[serde(default)]
    pub avoid: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("contacts[{0}]: blank id")]
    BlankContactId(usize),
    #[error("contacts: id {0:?} is used twice")]
    DuplicateContact(String),
    #[error("no contact with id {id:?} (known: {})", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownContact { id: String, known: Vec<String> },
}

impl ProfileFile {
    /// Checks what serde cannot: contact ids are present and unique.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let mut seen = std::collections::HashSet::new();
        for (index, contact) in self.contacts.iter().enumerate() {
            if contact.id.trim().is_empty() {
                return Err(ProfileError::BlankContactId(index));
            }
            if !seen.insert(contact.id.as_str()) {
                return Err(ProfileError::DuplicateContact(contact.id.clone()));
            }
        }
        Ok(())
    }

    pub fn contact(&self, id: &str) -> Result<&ProfileContact, ProfileError> {
        self.contacts
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| ProfileError::UnknownContact {
                id: id.to_string(),
                known: self.contacts.iter().map(|c| c.id.clone()).collect(),
            })
    }
}

impl ProfileContact {
    pub fn etiquette(&self) -> ContactEtiquette {
        ContactEtiquette {
            preferred_name: self.preferred_name.clone(),
            form_of_address: self.form_of_address.clone(),
            avoid: self.avoid.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
      "client": {"tone": "formal", "language": "en-GB", "avoid": ["Dear Sir/Madam", "guys"],
                 "glossary": [{"ours": "ladies' fingers", "theirs": "okra"}]},
      "contacts": [{"id": "priya", "name": "Priya Mehta", "preferred_name": "Dr Mehta",
                    "form_of_address": "Dr", "avoid": ["Priya", "ma'am"]}],
      "calendar": {"tz": "America/New_York", "hours": ["mon-fri 09:00-17:00"],
                   "holidays": ["2026-12-25"]}
    }"#;

    #[test]
    fn the_documented_example_parses() {
        let p: ProfileFile = serde_json::from_str(EXAMPLE).unwrap();
        p.validate().unwrap();
        let priya = p.contact("priya").unwrap();
        assert_eq!(
            priya.etiquette().preferred_name.as_deref(),
            Some("Dr Mehta")
        );
        assert_eq!(p.calendar.unwrap().tz, "America/New_York");
        assert_eq!(p.client.glossary[0].theirs, "okra");
    }

    #[test]
    fn empty_object_is_an_empty_profile() {
        let p: ProfileFile = serde_json::from_str("{}").unwrap();
        assert_eq!(p, ProfileFile::default());
    }

    #[test]
    fn typos_and_bad_contacts_are_rejected() {
        assert!(serde_json::from_str::<ProfileFile>(r#"{"clinet": {}}"#).is_err());
        assert!(serde_json::from_str::<ProfileFile>(r#"{"contacts": [{"id": "a"}]}"#).is_err());
        let dup: ProfileFile = serde_json::from_str(
            r#"{"contacts": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}"#,
        )
        .unwrap();
        assert_eq!(
            dup.validate(),
            Err(ProfileError::DuplicateContact("a".into()))
        );
        let err = dup.contact("zed").unwrap_err().to_string();
        assert_eq!(err, "no contact with id \"zed\" (known: a, a)");
    }
}
