//! Reading an export into a database, in the caller's transaction: a failure anywhere leaves
//! nothing behind.

use std::collections::HashMap;
use std::io::BufRead;

use serde_json::Value as Json;

use super::remap::Remap;
use super::spec::{self, KINDS, Ref, TABLES, TableSpec};
use super::{FORMAT, Header, TransferError, VERSION, unhex};
use crate::db::{Db, Engine};
use crate::params;
use crate::value::{Param, ToParam};

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Import under this slug instead of the exported one (e.g. a second copy).
    pub as_slug: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub org_id: i64,
    pub slug: String,
    pub source_org_id: i64,
    pub source_slug: String,
    pub schema_version: i64,
    /// False when every id was kept; true when rows were given new ids.
    pub remapped: bool,
    pub rows: u64,
    pub tables: Vec<(String, u64)>,
}

/// Lines of the file, numbered from 1, each parsed as JSON.
struct Lines<'a> {
    input: &'a mut dyn BufRead,
    number: usize,
    buf: String,
}

impl Lines<'_> {
    fn next(&mut self) -> Result<Option<Json>, TransferError> {
        loop {
            self.buf.clear();
            let n = self.input.read_line(&mut self.buf).map_err(|e| {
                TransferError::Io(format!(
                    "cannot read the export at line {}: {e}",
                    self.number + 1
                ))
            })?;
            if n == 0 {
                return Ok(None);
            }
            self.number += 1;
            if self.buf.trim().is_empty() {
                continue;
            }
            return serde_json::from_str(&self.buf)
                .map(Some)
                .map_err(|e| TransferError::format(self.number, format!("not JSON: {e}")));
        }
    }
}

/// Read an export from `input` into `db`. The caller runs this inside one write transaction
/// and commits only if it returns `Ok`.
pub fn import_org(
    db: &mut Db<'_>,
    input: &mut dyn BufRead,
    opts: &ImportOptions,
) -> Result<ImportReport, TransferError> {
    let mut lines = Lines {
        input,
        number: 0,
        buf: String::new(),
    };
    let first = lines
        .next()?
        .ok_or_else(|| TransferError::format(1, "the file is empty"))?;
    let header: Header = serde_json::from_value(first)
        .map_err(|e| TransferError::format(1, format!("not a Rapport export header ({e})")))?;
    if header.format != FORMAT {
        return Err(TransferError::format(
            1,
            format!("format {:?} is not {FORMAT:?}", header.format),
        ));
    }
    if header.version != VERSION {
        return Err(TransferError::format(
            1,
            format!(
                "export layout version {} is not {VERSION}, the one this rapport reads",
                header.version
            ),
        ));
    }
    let ours = super::export::schema_version(db)?;
    if header.schema_version > ours {
        return Err(TransferError::Refused(format!(
            "the export comes from schema version {}, newer than this database's {ours}; \
             upgrade rapport and run `rapport migrate` first",
            header.schema_version
        )));
    }
    let slug = opts
        .as_slug
        .clone()
        .unwrap_or_else(|| header.org.slug.clone());
    let draft = rapport_core::org::OrgDraft::parse(&slug, &header.org.name)
        .map_err(|v| TransferError::Refused(format!("cannot use this organisation: {v}")))?;
    if crate::repo::orgs::by_slug(db, &draft.slug)?.is_some() {
        return Err(TransferError::Refused(format!(
            "an organisation with slug {:?} already exists here; import under another with --as-slug",
            draft.slug
        )));
    }

    if db.engine() == Engine::Postgres {
        // Nobody else may take an id while we choose ours; readers are not blocked.
        let mut names = vec!["orgs"];
        names.extend(TABLES.iter().filter(|t| t.has_id).map(|t| t.name));
        db.batch(&format!(
            "LOCK TABLE {} IN EXCLUSIVE MODE",
            names.join(", ")
        ))?;
    }
    let remap = plan_ids(db, &header)?;
    let org_id = remap.id("orgs", header.org.id);
    db.execute(
        "INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)",
        params![org_id, draft.slug, draft.name, header.org.created_at],
    )?;

    let mut counts: HashMap<&'static str, u64> = HashMap::new();
    let mut total = 0u64;
    let mut ended = false;
    while let Some(v) = lines.next()? {
        let at = lines.number;
        if ended {
            return Err(TransferError::format(at, "data after the end marker"));
        }
        if v.get("end").is_some() {
            let declared = v.get("rows").and_then(Json::as_u64);
            if declared != Some(total) {
                return Err(TransferError::format(
                    at,
                    format!("the end marker counts {declared:?} rows, the file holds {total}"),
                ));
            }
            ended = true;
            continue;
        }
        let name = v.get("table").and_then(Json::as_str).ok_or_else(|| {
            TransferError::format(at, "expected {\"table\": ..., \"row\": {...}}")
        })?;
        let t = spec::table(name).ok_or_else(|| {
            TransferError::format(
                at,
                format!("table {name:?} is not one this rapport imports"),
            )
        })?;
        let row = v
            .get("row")
            .and_then(Json::as_object)
            .ok_or_else(|| TransferError::format(at, "a row must be an object"))?;
        insert_row(db, t, row, &header, &remap, org_id).map_err(|e| match e {
            TransferError::Store(s) => TransferError::format(at, format!("{name}: {s}")),
            TransferError::Format { line: 0, message } => TransferError::format(at, message),
            other => other,
        })?;
        *counts.entry(t.name).or_default() += 1;
        total += 1;
    }
    if !ended {
        return Err(TransferError::format(
            lines.number,
            "the file ends before its end marker (cut short?); nothing was imported",
        ));
    }
    for s in &header.tables {
        let got = counts.get(s.name.as_str()).copied().unwrap_or(0);
        if got != s.rows {
            return Err(TransferError::format(
                1,
                format!(
                    "the header lists {} {} rows, the file holds {got}",
                    s.rows, s.name
                ),
            ));
        }
    }
    if db.engine() == Engine::Postgres {
        advance_sequences(db)?;
    }
    Ok(ImportReport {
        org_id,
        slug: draft.slug,
        source_org_id: header.org.id,
        source_slug: header.org.slug,
        schema_version: header.schema_version,
        remapped: !remap.is_identity(),
        rows: total,
        tables: TABLES
            .iter()
            .map(|t| (t.name.to_string(), counts.get(t.name).copied().unwrap_or(0)))
            .collect(),
    })
}

/// Keep every id when none is taken here; otherwise shift each table's ids past the largest
/// id it holds.
fn plan_ids(db: &mut Db<'_>, header: &Header) -> Result<Remap, TransferError> {
    let mut taken = db.scalar::<i64>(
        "SELECT COUNT(*) FROM orgs WHERE id = $1",
        params![header.org.id],
    )? > 0;
    for s in &header.tables {
        let (Some(lo), Some(hi)) = (s.min_id, s.max_id) else {
            continue;
        };
        let Some(t) = spec::table(&s.name).filter(|t| t.has_id) else {
            continue;
        };
        if taken {
            break;
        }
        taken = db.scalar::<i64>(
            &format!("SELECT COUNT(*) FROM {} WHERE id BETWEEN $1 AND $2", t.name),
            params![lo, hi],
        )? > 0;
    }
    let mut remap = Remap::default();
    if !taken {
        return Ok(remap);
    }
    let next_org = db
        .scalar::<Option<i64>>("SELECT MAX(id) FROM orgs", params![])?
        .unwrap_or(0)
        + 1;
    remap.set("orgs", next_org - header.org.id);
    for s in &header.tables {
        let (Some(t), Some(lo)) = (spec::table(&s.name), s.min_id) else {
            continue;
        };
        let max = db
            .scalar::<Option<i64>>(&format!("SELECT MAX(id) FROM {}", t.name), params![])?
            .unwrap_or(0);
        remap.set(t.name, max + 1 - lo);
    }
    Ok(remap)
}

/// After explicit ids, PostgreSQL's identity sequences must move past them.
fn advance_sequences(db: &mut Db<'_>) -> Result<(), TransferError> {
    let mut names = vec!["orgs"];
    names.extend(TABLES.iter().filter(|t| t.has_id).map(|t| t.name));
    for name in names {
        db.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{name}', 'id'), m) FROM (SELECT MAX(id) AS m FROM {name}) x
                  WHERE m IS NOT NULL"
            ),
            params![],
        )?;
    }
    Ok(())
}

fn bad(message: String) -> TransferError {
    // Line 0: the caller knows the line.
    TransferError::Format { line: 0, message }
}

fn param(t: &TableSpec, col: &str, v: &Json) -> Result<Param<'static>, TransferError> {
    let boolean = t.booleans.contains(&col);
    Ok(match v {
        Json::Null => Param::Null,
        Json::Bool(b) => Param::Bool(*b),
        Json::Number(n) if boolean => Param::Bool(n.as_i64() != Some(0)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Param::Int(i),
            None => Param::Real(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Param::Text(s.clone().into()),
        Json::Object(o) => match o.get("$bytes").and_then(Json::as_str).and_then(unhex) {
            Some(b) if o.len() == 1 => Param::Blob(b.into()),
            _ => return Err(bad(format!("{}.{col}: expected a plain value", t.name))),
        },
        Json::Array(_) => return Err(bad(format!("{}.{col}: expected a plain value", t.name))),
    })
}

fn insert_row(
    db: &mut Db<'_>,
    t: &TableSpec,
    row: &serde_json::Map<String, Json>,
    header: &Header,
    remap: &Remap,
    org_id: i64,
) -> Result<(), TransferError> {
    let mut cols: Vec<&str> = Vec::with_capacity(row.len());
    let mut values: Vec<Param<'static>> = Vec::with_capacity(row.len());
    for (col, v) in row {
        let Some(col) = t.columns.iter().find(|c| **c == col.as_str()).copied() else {
            return Err(bad(format!("{} has no column {col:?}", t.name)));
        };
        let mut p = param(t, col, v)?;
        if col == "org_id" {
            if v.as_i64() != Some(header.org.id) {
                return Err(bad(format!(
                    "{}.org_id is {v}, not the exported org's {}",
                    t.name, header.org.id
                )));
            }
            p = Param::Int(org_id);
        } else if col == "id" && t.has_id {
            p = shift(p, remap, t.name);
        } else if let Some((_, r)) = t.refs.iter().find(|(c, _)| *c == col) {
            let target = match r {
                Ref::Table(table) => Some(*table),
                Ref::Kind(kind_col) => {
                    let kind = row.get(*kind_col).and_then(Json::as_str).unwrap_or("");
                    match spec::kind_table(kind) {
                        Some(table) => Some(table),
                        None if matches!(p, Param::Null) || remap.is_identity() => None,
                        None => {
                            return Err(bad(format!(
                                "{}.{kind_col} {kind:?} names rows this rapport cannot renumber \
                                 (known: {}); import into a database where the ids are free",
                                t.name,
                                KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                            )));
                        }
                    }
                }
            };
            if let Some(table) = target {
                p = shift(p, remap, table);
            }
        } else if t.json_with_ids.contains(&col)
            && !remap.is_identity()
            && let Param::Text(text) = &p
            && let Ok(mut doc) = serde_json::from_str::<Json>(text)
        {
            remap.json(&mut doc);
            p = Param::Text(doc.to_string().into());
        }
        cols.push(col);
        values.push(p);
    }
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        t.name,
        cols.join(", "),
        placeholders.join(", ")
    );
    let refs: Vec<&dyn ToParam> = values.iter().map(|p| p as &dyn ToParam).collect();
    db.execute(&sql, &refs)?;
    Ok(())
}

fn shift(p: Param<'static>, remap: &Remap, table: &str) -> Param<'static> {
    match p {
        Param::Int(id) => Param::Int(remap.id(table, id)),
        other => other,
    }
}
