//! The firm: a tenant of Rapport.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::OrgId;
use crate::validate::{Violations, limits, line};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Org {
    pub id: OrgId,
    /// Short name used to sign in and in URLs (`northwind`).
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
}

/// A slug: 2-40 lower-case letters, digits and hyphens, starting with a letter.
pub fn slug(value: &str) -> Result<String, String> {
    let v = value.trim();
    let ok = (2..=40).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!(
            "{v:?} must be 2-40 lower-case letters, digits or hyphens, starting with a letter"
        ))
    }
}

#[derive(Debug, Clone)]
pub struct OrgDraft {
    pub slug: String,
    pub name: String,
}

impl OrgDraft {
    pub fn parse(slug_value: &str, name: &str) -> Result<OrgDraft, Violations> {
        let mut v = Violations::new();
        let s = v.check("slug", slug(slug_value));
        let n = v.check("name", line(name, limits::NAME));
        v.finish(|| OrgDraft {
            slug: s.unwrap_or_default(),
            name: n.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(slug("northwind").is_ok());
        assert!(slug("acme-2").is_ok());
        assert!(slug("2acme").is_err());
        assert!(slug("Acme").is_err());
        assert!(slug("a").is_err());
    }
}
