//! CSV in and out (RFC 4180): a strict reader that says where a file is malformed, the import
//! columns of clients, contacts and requests with every row checked, and a writer.

use std::collections::HashMap;

use serde::Serialize;

pub use crate::csv_write::{cell, line};

use crate::calendar::CalendarSpec;
use crate::client::{NewClient, NewContact};
use crate::ids::ClientId;
use crate::label_enum;
use crate::request::{Kind, NewRequest, Priority};

/// The most data rows one import takes.
pub const MAX_ROWS: usize = 100_000;

label_enum!(ImportKind {
    Clients => "clients",
    Contacts => "contacts",
    Requests => "requests",
});

impl ImportKind {
    /// The columns: required first, then optional. Documented in the README.
    pub fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ImportKind::Clients => (&["name", "tz"], &["hours", "locale", "notes"]),
            ImportKind::Contacts => (&["client", "name", "email"], &["phone"]),
            ImportKind::Requests => (
                &["client", "title"],
                &["body", "contact_email", "kind", "priority", "tags"],
            ),
        }
    }
}

/// Why a file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is empty; the first line must name the columns")]
    Empty,
    #[error("line {line}: a quoted field is never closed")]
    Unclosed { line: usize },
    #[error(
        "line {line}, column {column}: a quote inside an unquoted field (quote the whole field and double inner quotes)"
    )]
    StrayQuote { line: usize, column: usize },
    #[error("line {line}, column {column}: text after a closing quote")]
    AfterQuote { line: usize, column: usize },
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    #[error("more than {MAX_ROWS} rows; split the file")]
    TooMany,
    #[error("{0}")]
    Header(String),
}

/// One record and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Read comma-separated text: a UTF-8 byte-order mark is skipped, CRLF and LF both end a record,
/// quoted fields may hold commas, quotes (doubled) and line breaks. Blank lines are skipped.
pub fn parse(bytes: &[u8]) -> Result<Vec<Record>, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut column = 0;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    // States: at field start, in unquoted, in quoted, after closing quote.
    #[derive(PartialEq)]
    enum S {
        Start,
        Plain,
        Quoted,
        Closed,
    }
    let mut s = S::Start;
    let mut quoted_from = 1;
    let end_record = |fields: &mut Vec<String>,
                      field: &mut String,
                      records: &mut Vec<Record>,
                      start_line: usize|
     -> Result<(), CsvError> {
        fields.push(std::mem::take(field));
        let blank = fields.len() == 1 && fields[0].is_empty();
        if !blank {
            if records.len() > MAX_ROWS {
                return Err(CsvError::TooMany);
            }
            records.push(Record {
                line: start_line,
                fields: std::mem::take(fields),
            });
        } else {
            fields.clear();
        }
        Ok(())
    };
    while let Some(c) = chars.next() {
        column += 1;
        match s {
            S::Quoted => {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        column += 1;
                        field.push('"');
                    } else {
                        s = S::Closed;
                    }
                } else {
                    if c == '\n' {
                        line += 1;
                        column = 0;
                    }
                    field.push(c);
                }
            }
            _ => match c {
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    s = S::Start;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    end_record(&mut fields, &mut field, &mut records, start_line)?;
                    line += 1;
                    column = 0;
                    start_line = line;
                    s = S::Start;
                }
                '"' if s == S::Start => {
                    s = S::Quoted;
                    quoted_from = line;
                }
                '"' => return Err(CsvError::StrayQuote { line, column }),
                _ if s == S::Closed => return Err(CsvError::AfterQuote { line, column }),
                _ => {
                    field.push(c);
                    s = S::Plain;
                }
            },
        }
    }
    if s == S::Quoted {
        return Err(CsvError::Unclosed { line: quoted_from });
    }
    if !(fields.is_empty() && field.is_empty()) {
        end_record(&mut fields, &mut field, &mut records, start_line)?;
    }
    if records.is_empty() {
        return Err(CsvError::Empty);
    }
    if records.len() > MAX_ROWS + 1 {
        return Err(CsvError::TooMany);
    }
    Ok(records)
}

/// A problem with one row (line numbers count from 1, the header being line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    pub line: usize,
    /// The column (or field) at fault.
    pub column: String,
    pub message: String,
}

/// The header mapped to column positions, checked against the kind's columns.
#[derive(Debug, Clone)]
pub struct Header {
    index: HashMap<String, usize>,
    width: usize,
}

impl Header {
    pub fn new(kind: ImportKind, first: &Record) -> Result<Header, CsvError> {
        let (required, optional) = kind.columns();
        let names: Vec<String> = first
            .fields
            .iter()
            .map(|f| f.trim().to_ascii_lowercase())
            .collect();
        if names.len() == 1 && (names[0].contains(';') || names[0].contains('\t')) {
            let sep = if names[0].contains(';') {
                "semicolons"
            } else {
                "tabs"
            };
            return Err(CsvError::Header(format!(
                "the header is one column and looks separated by {sep}; Rapport reads comma-separated files (RFC 4180)"
            )));
        }
        let mut index = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            if !required.contains(&n.as_str()) && !optional.contains(&n.as_str()) {
                return Err(CsvError::Header(format!(
                    "unknown column {n:?} for {kind} (columns: {}; optional: {})",
                    required.join(", "),
                    optional.join(", ")
                )));
            }
            if index.insert(n.clone(), i).is_some() {
                return Err(CsvError::Header(format!("column {n:?} appears twice")));
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .filter(|r| !index.contains_key(**r))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(CsvError::Header(format!(
                "missing column{} {} for {kind}",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            )));
        }
        Ok(Header {
            index,
            width: names.len(),
        })
    }

    /// The trimmed value of `column` in `r` (empty when absent).
    pub fn get<'a>(&self, r: &'a Record, column: &str) -> &'a str {
        self.index
            .get(column)
            .and_then(|i| r.fields.get(*i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    /// A row with the wrong number of cells is an error of its own.
    pub fn check_width(&self, r: &Record) -> Option<RowError> {
        (r.fields.len() != self.width).then(|| RowError {
            line: r.line,
            column: String::new(),
            message: format!(
                "{} cells where the header has {}",
                r.fields.len(),
                self.width
            ),
        })
    }
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// A clients row as the API's new client.
pub fn client_row(h: &Header, r: &Record) -> NewClient {
    let hours = h.get(r, "hours");
    NewClient {
        name: h.get(r, "name").to_string(),
        calendar: CalendarSpec {
            tz: h.get(r, "tz").to_string(),
            hours: if hours.is_empty() {
                Vec::new()
            } else {
                hours.split(';').map(|s| s.trim().to_string()).collect()
            },
            holidays: Vec::new(),
            countries: Vec::new(),
        },
        locale: opt(h.get(r, "locale")),
        etiquette: None,
        notes: opt(h.get(r, "notes")),
    }
}

/// A contacts row, once its client (named in `client`) is known.
pub fn contact_row(h: &Header, r: &Record, client: ClientId) -> NewContact {
    NewContact {
        client_id: client,
        name: h.get(r, "name").to_string(),
        email: h.get(r, "email").to_string(),
        phone: opt(h.get(r, "phone")),
        etiquette: None,
        role: None,
    }
}

/// A requests row, once its client is known. Kind and priority words are checked here.
pub fn request_row(h: &Header, r: &Record, client: ClientId) -> Result<NewRequest, Vec<RowError>> {
    let mut errors = Vec::new();
    let err = |column: &str, message: String| RowError {
        line: r.line,
        column: column.to_string(),
        message,
    };
    let kind = match h.get(r, "kind") {
        "" => None,
        k => match k.parse::<Kind>() {
            Ok(k) => Some(k),
            Err(_) => {
                errors.push(err(
                    "kind",
                    format!("{k:?} is not one of: {}", Kind::expected()),
                ));
                None
            }
        },
    };
    let priority = match h.get(r, "priority") {
        "" => None,
        p => match p.parse::<Priority>() {
            Ok(p) => Some(p),
            Err(_) => {
                errors.push(err(
                    "priority",
                    format!("{p:?} is not one of: {}", Priority::expected()),
                ));
                None
            }
        },
    };
    let tags = h.get(r, "tags");
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewRequest {
        client_id: Some(client),
        engagement_id: None,
        contact_id: None,
        title: h.get(r, "title").to_string(),
        body: opt(h.get(r, "body")),
        kind,
        priority,
        channel: None,
        tags: (!tags.is_empty()).then(|| tags.split(';').map(|t| t.trim().to_string()).collect()),
        estimate_minutes: None,
        due_at: None,
        assignee_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(rs: &[Record]) -> Vec<Vec<&str>> {
        rs.iter()
            .map(|r| r.fields.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn quotes_bom_crlf_and_line_breaks_in_fields() {
        let text =
            "\u{feff}name,notes\r\n\"Acme, Inc.\",\"said \"\"hi\"\"\nthen left\"\r\n\r\nBeta,\n";
        let rs = parse(text.as_bytes()).unwrap();
        assert_eq!(
            fields(&rs),
            vec![
                vec!["name", "notes"],
                vec!["Acme, Inc.", "said \"hi\"\nthen left"],
                vec!["Beta", ""],
            ]
        );
        assert_eq!(rs.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 2, 5]);
    }

    #[test]
    fn malformed_files_say_where() {
        assert_eq!(
            parse(b"a,b\n1,\"open\n2,3\n").unwrap_err(),
            CsvError::Unclosed { line: 2 }
        );
        assert_eq!(
            parse(b"a,b\n1,x\"y\n").unwrap_err(),
            CsvError::StrayQuote { line: 2, column: 4 }
        );
        assert_eq!(
            parse(b"a,b\n\"x\"y,1\n").unwrap_err(),
            CsvError::AfterQuote { line: 2, column: 4 }
        );
        assert_eq!(parse(b"\n\n").unwrap_err(), CsvError::Empty);
        assert_eq!(parse(&[0xff, 0xfe]).unwrap_err(), CsvError::NotUtf8);
    }

    #[test]
    fn headers_are_checked() {
        let h = |t: &str| Header::new(ImportKind::Clients, &parse(t.as_bytes()).unwrap()[0]);
        assert!(h("Name,TZ,notes").is_ok());
        let e = h("name;tz;notes").unwrap_err().to_string();
        assert!(e.contains("semicolons"), "{e}");
        assert!(
            h("name")
                .unwrap_err()
                .to_string()
                .contains("missing column tz")
        );
        assert!(
            h("name,tz,colour")
                .unwrap_err()
                .to_string()
                .contains("colour")
        );
        assert!(h("name,tz,name").unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("-12.50"), "-12.50");
        assert_eq!(cell("-2+3+cmd"), "'-2+3+cmd");
        assert_eq!(cell("\t=1+1"), "'\t=1+1");
        assert_eq!(cell("\r=1+1"), "\"'\r=1+1\"");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(line(&["a".into(), "b c".into()]), "a,b c\r\n");
        // What is written reads back the same.
        let tricky = ["x,y", "q\"uote", "multi\nline"];
        let text = line(&tricky.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            fields(&parse(text.as_bytes()).unwrap()),
            vec![tricky.to_vec()]
        );
    }

    #[test]
    fn request_rows_check_their_words() {
        let rs = parse(b"client,title,kind,priority,tags\nA,T,bug,asap,x;y\n").unwrap();
        let h = Header::new(ImportKind::Requests, &rs[0]).unwrap();
        let e = request_row(&h, &rs[1], ClientId(1)).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].line, e[0].column.as_str()), (2, "priority"));
        let rs = parse(b"client,title,kind,tags\nA,T,bug,x; y\n").unwrap();
        let h = Header::new(ImportKind::Requests, &rs[0]).unwrap();
        let n = request_row(&h, &rs[1], ClientId(1)).unwrap();
        assert_eq!(n.tags, Some(vec!["x".to_string(), "y".to_string()]));
        assert_eq!(n.kind, Some(Kind::Bug));
    }
}
