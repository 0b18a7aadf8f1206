//! Writing an org out, from one consistent snapshot.

use std::io::Write;

use jiff::Timestamp;
use serde_json::{Map, Value as Json};

use super::spec::{TABLES, TableSpec};
use super::{FORMAT, Header, OrgLine, TableSummary, TransferError, VERSION, hex};
use crate::db::Db;
use crate::params;
use crate::value::{Param, ToParam, Value};

/// Rows read per query: keyset pages keep memory flat however large the org.
const PAGE: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportSummary {
    pub org: String,
    pub schema_version: i64,
    pub rows: u64,
    pub tables: Vec<(String, u64)>,
}

fn io(e: std::io::Error) -> TransferError {
    TransferError::Io(format!("cannot write the export: {e}"))
}

fn line(out: &mut dyn Write, v: &Json) -> Result<(), TransferError> {
    serde_json::to_writer(&mut *out, v).map_err(|e| io(e.into()))?;
    out.write_all(b"\n").map_err(io)
}

/// A stored value as JSON: booleans as `true`/`false` whatever the engine keeps them as.
fn to_json(v: &Value, boolean: bool) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(i) if boolean => Json::Bool(*i != 0),
        Value::Int(i) => Json::from(*i),
        Value::Real(f) => Json::from(*f),
        Value::Bool(b) => Json::Bool(*b),
        Value::Text(s) => Json::String(s.clone()),
        Value::Blob(b) => serde_json::json!({ "$bytes": hex(b) }),
    }
}

fn to_param(v: &Value) -> Param<'static> {
    match v {
        Value::Null => Param::Null,
        Value::Int(i) => Param::Int(*i),
        Value::Real(f) => Param::Real(*f),
        Value::Bool(b) => Param::Bool(*b),
        Value::Text(s) => Param::Text(s.clone().into()),
        Value::Blob(b) => Param::Blob(b.clone().into()),
    }
}

pub(super) fn schema_version(db: &mut Db<'_>) -> Result<i64, TransferError> {
    Ok(db
        .scalar::<Option<i64>>("SELECT MAX(version) FROM schema_migrations", params![])?
        .unwrap_or(0))
}

fn summary(db: &mut Db<'_>, t: &TableSpec, org: i64) -> Result<TableSummary, TransferError> {
    let sql = if t.has_id {
        format!(
            "SELECT COUNT(*) AS n, MIN(id) AS min_id, MAX(id) AS max_id FROM {} WHERE org_id = $1",
            t.name
        )
    } else {
        format!(
            "SELECT COUNT(*) AS n, NULL AS min_id, NULL AS max_id FROM {} WHERE org_id = $1",
            t.name
        )
    };
    let r = db.query_one(&sql, params![org])?;
    Ok(TableSummary {
        name: t.name.to_string(),
        rows: r.get::<i64>("n")?.max(0) as u64,
        min_id: r.get("min_id")?,
        max_id: r.get("max_id")?,
    })
}

/// Write every row of the org `slug` to `out`. Run it inside a read transaction so the rows
/// form one snapshot.
pub fn export_org(
    db: &mut Db<'_>,
    slug: &str,
    out: &mut dyn Write,
    now: Timestamp,
) -> Result<ExportSummary, TransferError> {
    let org = crate::repo::orgs::by_slug(db, slug)?
        .ok_or_else(|| TransferError::NoSuchOrg(slug.to_string()))?;
    let org_id = org.id.0;
    let tables = TABLES
        .iter()
        .map(|t| summary(db, t, org_id))
        .collect::<Result<Vec<_>, _>>()?;
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        schema_version: schema_version(db)?,
        engine: db.engine().name().into(),
        exported_at: now.as_millisecond(),
        org: OrgLine {
            id: org_id,
            slug: org.slug.clone(),
            name: org.name.clone(),
            created_at: org.created_at.as_millisecond(),
        },
        tables: tables.clone(),
    };
    line(
        out,
        &serde_json::to_value(&header).map_err(|e| io(e.into()))?,
    )?;
    let mut total = 0u64;
    for t in TABLES {
        total += export_table(db, t, org_id, out)?;
    }
    line(out, &serde_json::json!({"end": true, "rows": total}))?;
    out.flush().map_err(io)?;
    Ok(ExportSummary {
        org: org.slug,
        schema_version: header.schema_version,
        rows: total,
        tables: tables.into_iter().map(|t| (t.name, t.rows)).collect(),
    })
}

fn export_table(
    db: &mut Db<'_>,
    t: &TableSpec,
    org: i64,
    out: &mut dyn Write,
) -> Result<u64, TransferError> {
    let cols = t.columns.join(", ");
    let order = t.key.join(", ");
    let mut after: Option<Vec<Value>> = None;
    let mut n = 0u64;
    loop {
        let mut params: Vec<Param<'static>> = vec![Param::Int(org)];
        let cond = match &after {
            None => String::new(),
            Some(last) => {
                params.extend(last.iter().map(to_param));
                match t.key {
                    [k] => format!(" AND {k} > $2"),
                    [k1, k2] => format!(" AND ({k1} > $2 OR ({k1} = $2 AND {k2} > $3))"),
                    _ => {
                        return Err(TransferError::Io(format!(
                            "{}: keys of {} columns are not supported",
                            t.name,
                            t.key.len()
                        )));
                    }
                }
            }
        };
        let sql = format!(
            "SELECT {cols} FROM {} WHERE org_id = $1{cond} ORDER BY {order} LIMIT {PAGE}",
            t.name
        );
        let refs: Vec<&dyn ToParam> = params.iter().map(|p| p as &dyn ToParam).collect();
        let rows = db.query(&sql, &refs)?;
        for r in &rows {
            let mut obj = Map::new();
            for c in t.columns {
                obj.insert(
                    (*c).to_string(),
                    to_json(r.value(c)?, t.booleans.contains(c)),
                );
            }
            line(out, &serde_json::json!({"table": t.name, "row": obj}))?;
            n += 1;
        }
        if rows.len() < PAGE {
            return Ok(n);
        }
        after = match rows.last() {
            None => None,
            Some(r) => Some(
                t.key
                    .iter()
                    .map(|k| r.value(k).cloned())
                    .collect::<Result<_, _>>()?,
            ),
        };
    }
}
