//! Moving an org between databases (and engines): `export` writes every row of one org as
//! JSON lines; `import` reads them into another database in one transaction, keeping the ids
//! when none of them is taken there and otherwise giving every row a new id, with every
//! reference (foreign keys, polymorphic `kind`/`id` pairs, ids named in JSON) rewritten to
//! match.
//!
//! The file: a header line `{"format": "rapport-export", "version": 1, "schema_version": N,
//! "org": {...}, "tables": [...]}`, then one `{"table": "...", "row": {...}}` per row, parents
//! before children, then `{"end": true, "rows": N}`, whose absence means the file was cut short.

mod export;
mod import;
pub mod remap;
pub mod spec;

use serde::{Deserialize, Serialize};

use crate::error::StoreError;

pub use export::{ExportSummary, export_org};
pub use import::{ImportOptions, ImportReport, import_org};

pub const FORMAT: &str = "rapport-export";
/// The version of the file layout (not of the schema, which `schema_version` gives).
pub const VERSION: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file is not a well-formed export; `line` is 1-based.
    #[error("line {line}: {message}")]
    Format { line: usize, message: String },
    /// The import cannot be done here (slug taken, schema too new).
    #[error("{0}")]
    Refused(String),
    #[error("no organisation with slug {0:?}")]
    NoSuchOrg(String),
    #[error("{0}")]
    Io(String),
}

impl TransferError {
    fn format(line: usize, message: impl Into<String>) -> Self {
        TransferError::Format {
            line,
            message: message.into(),
        }
    }
}

/// The org as the header carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgLine {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// Unix milliseconds, as stored.
    pub created_at: i64,
}

/// How many rows of a table the file holds, and the range of their ids (which decides, before
/// any row is read, whether the ids can be kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSummary {
    pub name: String,
    pub rows: u64,
    pub min_id: Option<i64>,
    pub max_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: i64,
    pub schema_version: i64,
    /// The engine exported from (information only).
    pub engine: String,
    /// Unix milliseconds.
    pub exported_at: i64,
    pub org: OrgLine,
    pub tables: Vec<TableSummary>,
}

/// Bytes as they appear in an export (none of today's columns hold any).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_round_trip() {
        let b = [0u8, 1, 127, 128, 255];
        assert_eq!(super::unhex(&super::hex(&b)).unwrap(), b);
        assert!(super::unhex("abc").is_none());
        assert!(super::unhex("zz").is_none());
    }
}
