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
    EmptyItemText { index: usize, id: String },
    #[error(
        "item {id:?} has {chars} characters of text; at most {MAX_ITEM_TEXT_CHARS} are allowed"
    )]
    ItemTextTooLong {
        index: usize,
        id: String,
        chars: usize,
    },
}

impl BriefError {
    /// Where in the brief the problem is, as a field path relative to the brief (`text`,
    /// `items`, `items[2].id`, `items[0].text`), so an API can name the field.
    pub fn path(&self) -> String {
        match self {
            BriefError::TooManyItems { .. } => "items".to_string(),
            BriefError::TextTooLong { .. } => "text".to_string(),
            BriefError::EmptyId { index }
            | BriefError::IdTooLong { index, .. }
            | BriefError::IdCharacters { index, .. }
            | BriefError::DuplicateId { second: index, .. } => format!("items[{index}].id"),
            BriefError::EmptyItemText { index, .. } | BriefError::ItemTextTooLong { index, .. } => {
                format!("items[{index}].text")
            }
        }
    }
}

impl Brief {
    /// Check the brief before it is stored or used. Items are numbered from 0 in errors.
    ///
    /// A brief with no items and no text is valid: it simply decides nothing, and every request
    /// checked against it is `unclear`.
    pub fn validate(&self) -> Result<(), BriefError> {
        match self.problems().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every problem of the brief, in order (an API answers with all of them at once). Each
    /// item contributes at most one problem with its id and one with its text.
    pub fn problems(&self) -> Vec<BriefError> {
        let mut out = Vec::new();
        if self.items.len() > MAX_ITEMS {
            // Past the bound the items are not examined: the brief is rejected whatever they hold.
            return vec![BriefError::TooManyItems {
                count: self.items.len(),
            }];
        }
        let chars = self.text.chars().count();
        if chars > MAX_BRIEF_TEXT_CHARS {
            out.push(BriefError::TextTooLong { chars });
        }
        let mut first_index: HashMap<&str, usize> = HashMap::with_capacity(self.items.len());
        for (index, item) in self.items.iter().enumerate() {
            let id = item.id.as_str();
            if let Some(e) = id_problem(index, id, &first_index) {
                out.push(e);
            } else {
                first_index.insert(id, index);
            }
            let chars = item.text.chars().count();
            if item.text.trim().is_empty() {
                out.push(BriefError::EmptyItemText {
                    index,
                    id: id.to_string(),
                });
            } else if chars > MAX_ITEM_TEXT_CHARS {
                out.push(BriefError::ItemTextTooLong {
                    index,
                    id: id.to_string(),
                    chars,
                });
            }
        }
        out
    }
}

fn id_problem(index: usize, id: &str, seen: &HashMap<&str, usize>) -> Option<BriefError> {
    if id.is_empty() {
        return Some(BriefError::EmptyId { index });
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Some(BriefError::IdTooLong {
            index,
            id: id.to_string(),
        });
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return Some(BriefError::IdCharacters {
            index,
            id: id.to_string(),
        });
    }
    seen.get(id).map(|&first| BriefError::DuplicateId {
        id: id.to_string(),
        first,
        second: index,
    })
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
            Err(BriefError::EmptyItemText {
                index: 0,
                id: "a".into()
            })
        );
    }

    #[test]
    fn problems_are_all_reported_with_their_paths() {
        let b = Brief {
            text: "t".repeat(MAX_BRIEF_TEXT_CHARS + 1),
            items: vec![
                item("a", "x"),
                item("bad id", ""),
                item("a", "y"),
                item("c", &"z".repeat(MAX_ITEM_TEXT_CHARS + 1)),
            ],
        };
        let paths: Vec<String> = b.problems().iter().map(BriefError::path).collect();
        assert_eq!(
            paths,
            [
                "text",
                "items[1].id",
                "items[1].text",
                "items[2].id",
                "items[3].text"
            ]
        );
        assert_eq!(
            b.validate().unwrap_err().path(),
            "text",
            "validate gives the first"
        );
        let many = brief((0..=MAX_ITEMS).map(|i| item("", &i.to_string())).collect());
        assert_eq!(
            many.problems().len(),
            1,
            "an oversized brief is one problem"
        );
        assert_eq!(many.problems()[0].path(), "items");
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
