//! What makes a brief acceptable: unique, well-formed item ids and texts of bounded size.

use std::collections::HashMap;

use thiserror::Error;

use super::Brief;

/// The most items a brief may hold. A brief is read by people; past a couple of hundred lines it
/// is a contract annex, and the ranking's cost grows with it.
pub const MAX_ITEMS: usize = 200;
/// The longest item text, in characters: one scope line, not a chapter.
pub const MAX_ITEM_TEXT_CHARS: usize = 1_000;
/// The longest free text of a brief, in characters (about eight pages).
pub const MAX_BRIEF_TEXT_CHARS: usize = 20_000;
/// The longest item id, in characters.
pub const MAX_ID_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BriefError {
    #[error("brief has {count} items; at most {MAX_ITEMS} are allowed")]
    TooManyItems { count: usize },
    #[error("brief text has {chars} characters; at most {MAX_BRIEF_TEXT_CHARS} are allowed")]
    TextTooLong { chars: usize },
    #[error("item {index} has an empty id")]
    EmptyId { index: usize },
    #[error("item {index} has id {id:?} longer than {MAX_ID_CHARS} characters")]
    IdTooLong { index: usize, id: String },
    #[error(
        "item {index} has id {id:?}: ids may only use ASCII letters, digits, '-', '_', '.' and ':'"
    )]
    IdCharacters { index: usize, id: String },
    #[error("item id {id:?} is used more than once (items {first} and {second})")]
    DuplicateId {
        id: String,
        first: usize,
        second: usize,
    },
    #[error("item {id:?} has empty text")]
    EmptyItemText { id: String },
    #[error(
        "item {id:?} has {chars} characters of text; at most {MAX_ITEM_TEXT_CHARS} are allowed"
    )]
    ItemTextTooLong { id: String, chars: usize },
}

impl Brief {
    /// Check the brief before it is stored or used. Items are numbered from 0 in errors.
    ///
    /// A brief with no items and no text is valid: it simply decides nothing, and every request
    /// checked against it is `unclear`.
    pub fn validate(&self) -> Result<(), BriefError> {
        if self.items.len() > MAX_ITEMS {
            return Err(BriefError::TooManyItems {
                count: self.items.len(),
            });
        }
        let chars = self.text.chars().count();
        if chars > MAX_BRIEF_TEXT_CHARS {
            return Err(BriefError::TextTooLong { chars });
        }
        let mut first_index: HashMap<&str, usize> = HashMap::with_capacity(self.items.len());
        for (index, item) in self.items.iter().enumerate() {
            let id = item.id.as_str();
            if id.is_empty() {
                return Err(BriefError::EmptyId { index });
            }
            if id.chars().count() > MAX_ID_CHARS {
                return Err(BriefError::IdTooLong {
                    index,
                    id: id.to_string(),
                });
            }
            if !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
            {
                return Err(BriefError::IdCharacters {
                    index,
                    id: id.to_string(),
                });
            }
            if let Some(&first) = first_index.get(id) {
                return Err(BriefError::DuplicateId {
                    id: id.to_string(),
                    first,
                    second: index,
                });
            }
            first_index.insert(id, index);
            if item.text.trim().is_empty() {
                return Err(BriefError::EmptyItemText { id: id.to_string() });
            }
            let chars = item.text.chars().count();
            if chars > MAX_ITEM_TEXT_CHARS {
                return Err(BriefError::ItemTextTooLong {
                    id: id.to_string(),
                    chars,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::{ScopeItem, ScopeKind};

    fn item(id: &str, text: &str) -> ScopeItem {
        ScopeItem {
            id: id.to_string(),
            kind: ScopeKind::In,
            text: text.to_string(),
        }
    }

    fn brief(items: Vec<ScopeItem>) -> Brief {
        Brief {
            text: String::new(),
            items,
        }
    }

    #[test]
    fn empty_brief_is_valid() {
        assert_eq!(Brief::default().validate(), Ok(()));
    }

    #[test]
    fn duplicate_ids_are_rejected_naming_both_positions() {
        let b = brief(vec![item("a", "x"), item("b", "y"), item("a", "z")]);
        assert_eq!(
            b.validate(),
            Err(BriefError::DuplicateId {
                id: "a".into(),
                first: 0,
                second: 2
            })
        );
    }

    #[test]
    fn empty_and_malformed_ids_are_rejected() {
        assert_eq!(
            brief(vec![item("", "x")]).validate(),
            Err(BriefError::EmptyId { index: 0 })
        );
        assert!(matches!(
            brief(vec![item("has space", "x")]).validate(),
            Err(BriefError::IdCharacters { index: 0, .. })
        ));
        assert!(matches!(
            brief(vec![item(&"x".repeat(MAX_ID_CHARS + 1), "x")]).validate(),
            Err(BriefError::IdTooLong { .. })
        ));
        assert_eq!(
            brief(vec![item(&"x".repeat(MAX_ID_CHARS), "x")]).validate(),
            Ok(())
        );
    }

    #[test]
    fn blank_item_text_is_rejected() {
        assert_eq!(
            brief(vec![item("a", "  \n")]).validate(),
            Err(BriefError::EmptyItemText { id: "a".into() })
        );
    }

    #[test]
    fn size_limits_are_enforced_at_the_documented_bounds() {
        let at_limit = brief(vec![item("a", &"é".repeat(MAX_ITEM_TEXT_CHARS))]);
        assert_eq!(at_limit.validate(), Ok(()));
        let over = brief(vec![item("a", &"é".repeat(MAX_ITEM_TEXT_CHARS + 1))]);
        assert!(matches!(
            over.validate(),
            Err(BriefError::ItemTextTooLong { .. })
        ));

        let many: Vec<ScopeItem> = (0..=MAX_ITEMS)
            .map(|i| item(&format!("i{i}"), "x"))
            .collect();
        assert_eq!(
            brief(many).validate(),
            Err(BriefError::TooManyItems {
                count: MAX_ITEMS + 1
            })
        );

        let long_text = Brief {
            text: "a".repeat(MAX_BRIEF_TEXT_CHARS + 1),
            items: vec![],
        };
        assert!(matches!(
            long_text.validate(),
            Err(BriefError::TextTooLong { .. })
        ));
    }
}
