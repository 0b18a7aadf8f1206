//! `Db`: one handle, two engines. Repositories write their SQL once, with `$1`-style
//! placeholders, and run it through here; engine differences (DDL, full-text search, locking)
//! are chosen explicitly with [`Db::engine`].

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::StatementStatus;

use crate::error::StoreError;
use crate::value::{Columns, Param, Row, ToParam, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// A PostgreSQL connection with a per-connection cache of prepared statements, so repeated
/// queries cost one round trip instead of two.
pub struct PgConn {
    pub(crate) client: postgres::Client,
    statements: HashMap<String, (postgres::Statement, Arc<Columns>)>,
}

/// Statements cached per connection before the cache is reset (dynamic filters make a bounded
/// but not tiny set of distinct SQL texts).
const PG_STATEMENT_CACHE: usize = 1024;

impl PgConn {
    pub(crate) fn new(client: postgres::Client) -> Self {
        PgConn {
            client,
            statements: HashMap::new(),
        }
    }

    /// The prepared statement for `sql`, with the names of its result columns (rows are read
    /// by name).
    fn statement(&mut self, sql: &str) -> Result<(postgres::Statement, Arc<Columns>), StoreError> {
        if let Some((st, cols)) = self.statements.get(sql) {
            return Ok((st.clone(), cols.clone()));
        }
        if self.statements.len() >= PG_STATEMENT_CACHE {
            self.statements.clear();
        }
        let st = self.client.prepare(sql)?;
        let cols = Columns::new(st.columns().iter().map(|c| c.name()));
        self.statements
            .insert(sql.to_string(), (st.clone(), cols.clone()));
        Ok((st, cols))
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

pub(crate) enum Conn<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a mut PgConn),
}

/// A connection inside a transaction (or a read snapshot), lent to a closure.
pub struct Db<'a> {
    conn: Conn<'a>,
    /// SQLite virtual-machine steps of the statements run through this handle: what
    /// [`crate::Store::cost`] sums, a count of work that does not depend on the machine's load.
    steps: u64,
}

impl<'a> Db<'a> {
    pub(crate) fn sqlite(conn: &'a rusqlite::Connection) -> Self {
        Db {
            conn: Conn::Sqlite(conn),
            steps: 0,
        }
    }

    pub(crate) fn postgres(conn: &'a mut PgConn) -> Self {
        Db {
            conn: Conn::Postgres(conn),
            steps: 0,
        }
    }

    pub fn engine(&self) -> Engine {
        match self.conn {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }

    /// Run a statement; returns the number of rows changed.
    pub fn execute(&mut self, sql: &str, params: &[&dyn ToParam]) -> Result<u64, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => {
                let sql = sqlite_placeholders(sql);
                let mut st = c.prepare_cached(&sql)?;
                st.reset_status(StatementStatus::VmStep);
                bind_sqlite(&mut st, params)?;
                let changed = st.raw_execute();
                self.steps += vm_steps(&st);
                Ok(changed? as u64)
            }
            Conn::Postgres(pg) => {
                let (st, _) = pg.statement(sql)?;
                let ps: Vec<Param<'_>> = params.iter().map(|p| p.to_param()).collect();
                let refs: Vec<&(dyn postgres_types::ToSql + Sync)> = ps
                    .iter()
                    .map(|p| p as &(dyn postgres_types::ToSql + Sync))
                    .collect();
                Ok(pg.client.execute(&st, &refs)?)
            }
        }
    }

    /// Run a query and collect every row.
    pub fn query(&mut self, sql: &str, params: &[&dyn ToParam]) -> Result<Vec<Row>, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => {
                let sql = sqlite_placeholders(sql);
                let mut st = c.prepare_cached(&sql)?;
                st.reset_status(StatementStatus::VmStep);
                bind_sqlite(&mut st, params)?;
                let n = st.column_count();
                let columns = Columns::new(st.column_names());
                let mut out = Vec::new();
                {
                    let mut rows = st.raw_query();
                    while let Some(r) = rows.next()? {
                        let mut values = Vec::with_capacity(n);
                        for i in 0..n {
                            values.push(sqlite_value(r.get_ref(i)?));
                        }
                        out.push(Row::new(columns.clone(), values));
                    }
                }
                self.steps += vm_steps(&st);
                Ok(out)
            }
            Conn::Postgres(pg) => {
                let (st, columns) = pg.statement(sql)?;
                let ps: Vec<Param<'_>> = params.iter().map(|p| p.to_param()).collect();
                let refs: Vec<&(dyn postgres_types::ToSql + Sync)> = ps
                    .iter()
                    .map(|p| p as &(dyn postgres_types::ToSql + Sync))
                    .collect();
                let rows = pg.client.query(&st, &refs)?;
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.try_get::<_, Value>(i).map_err(StoreError::from))
                            .collect::<Result<Vec<_>, _>>()
                            .map(|values| Row::new(columns.clone(), values))
                    })
                    .collect()
            }
        }
    }

    /// At most one row.
    pub fn query_opt(
        &mut self,
        sql: &str,
        params: &[&dyn ToParam],
    ) -> Result<Option<Row>, StoreError> {
        let mut rows = self.query(sql, params)?;
        if rows.len() > 1 {
            return Err(StoreError::Misuse(format!(
                "expected at most one row, got {}",
                rows.len()
            )));
        }
        Ok(rows.pop())
    }

    /// Exactly one row, or `NotFound`.
    pub fn query_one(&mut self, sql: &str, params: &[&dyn ToParam]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?.ok_or(StoreError::NotFound)
    }

    /// Map every row through `f`.
    pub fn query_map<T>(
        &mut self,
        sql: &str,
        params: &[&dyn ToParam],
        f: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        self.query(sql, params)?.iter().map(f).collect()
    }

    /// A single scalar from a one-row, one-column query.
    pub fn scalar<T: crate::value::FromValue>(
        &mut self,
        sql: &str,
        params: &[&dyn ToParam],
    ) -> Result<T, StoreError> {
        self.query_one(sql, params)?.only()
    }

    /// SQLite: the virtual-machine steps of the statements run through this handle so far
    /// (0 on PostgreSQL, which counts with [`Db::tuples_read`]).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// PostgreSQL: the tuples scans have returned or fetched from the tables and indexes of the
    /// current schema in this backend since its statistics were last flushed, which never
    /// happens inside a transaction: the difference of two calls in one transaction is the work
    /// done between them (0 on SQLite).
    pub fn tuples_read(&mut self) -> Result<u64, StoreError> {
        match &mut self.conn {
            Conn::Sqlite(_) => Ok(0),
            Conn::Postgres(pg) => {
                let row = pg.client.query_one(
                    "SELECT CAST(COALESCE(SUM(pg_stat_get_xact_tuples_returned(c.oid) \
                       + pg_stat_get_xact_tuples_fetched(c.oid)), 0) AS BIGINT) AS n \
                     FROM pg_class c \
                     WHERE c.relnamespace = CAST(current_schema() AS regnamespace) \
                       AND c.relkind IN ('r', 'i')",
                    &[],
                )?;
                let n: i64 = row.try_get(0)?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }
    }

    /// Several statements without parameters (DDL, pragmas, transaction control).
    pub fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        match &mut self.conn {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(pg) => Ok(pg.client.batch_execute(sql)?),
        }
    }

    /// ` FOR UPDATE` on PostgreSQL, nothing on SQLite (whose single writer already serialises).
    pub fn for_update(&self) -> &'static str {
        match self.engine() {
            Engine::Sqlite => "",
            Engine::Postgres => " FOR UPDATE",
        }
    }
}

/// SQLite reads `$1` as a *named* parameter; rewrite to `?1` so the number is the position
/// whatever the order of first use. Placeholders never occur inside our SQL string literals.
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// The steps a statement ran since its counter was last reset.
fn vm_steps(st: &rusqlite::Statement<'_>) -> u64 {
    u64::try_from(st.get_status(StatementStatus::VmStep)).unwrap_or(0)
}

fn bind_sqlite(
    st: &mut rusqlite::CachedStatement<'_>,
    params: &[&dyn ToParam],
) -> Result<(), StoreError> {
    let expected = st.parameter_count();
    if expected != params.len() {
        return Err(StoreError::Misuse(format!(
            "statement takes {expected} parameters, {} given",
            params.len()
        )));
    }
    for (i, p) in params.iter().enumerate() {
        st.raw_bind_parameter(i + 1, p.to_param())?;
    }
    Ok(())
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as SV, ValueRef};
        Ok(match self {
            Param::Null => ToSqlOutput::Owned(SV::Null),
            Param::Int(i) => ToSqlOutput::Owned(SV::Integer(*i)),
            Param::Real(f) => ToSqlOutput::Owned(SV::Real(*f)),
            Param::Bool(b) => ToSqlOutput::Owned(SV::Integer(i64::from(*b))),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl postgres_types::ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres_types::IsNull, BoxError> {
        use postgres_types::{IsNull, Type};
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("cannot bind an integer to {ty}").into()),
            },
            Param::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => Err(format!("cannot bind a number to {ty}").into()),
            },
            Param::Bool(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                Type::INT8 => i64::from(*b).to_sql(ty, out),
                Type::INT4 => i32::from(*b).to_sql(ty, out),
                _ => Err(format!("cannot bind a boolean to {ty}").into()),
            },
            Param::Text(s) => match *ty {
                Type::JSONB => {
                    out.extend_from_slice(&[1]);
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSON
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => Err(format!("cannot bind text to {ty}").into()),
            },
            Param::Blob(b) => match *ty {
                Type::BYTEA => {
                    out.extend_from_slice(b);
                    Ok(IsNull::No)
                }
                _ => Err(format!("cannot bind bytes to {ty}").into()),
            },
        }
    }

    fn accepts(_: &postgres_types::Type) -> bool {
        true
    }

    postgres_types::to_sql_checked!();
}

impl<'a> postgres_types::FromSql<'a> for Value {
    fn from_sql(ty: &postgres_types::Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        use postgres_types::Type;
        Ok(match *ty {
            Type::BOOL => Value::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => Value::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => Value::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::OID => Value::Int(i64::from(u32::from_sql(ty, raw)?)),
            Type::FLOAT4 => Value::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::BYTEA => Value::Blob(raw.to_vec()),
            Type::JSONB => Value::Text(String::from_utf8(raw.get(1..).unwrap_or(&[]).to_vec())?),
            Type::VOID => Value::Null,
            Type::NUMERIC => {
                return Err("NUMERIC is not read directly: CAST it to BIGINT in the query".into());
            }
            _ => Value::Text(String::from_utf8(raw.to_vec())?),
        })
    }

    fn from_sql_null(_: &postgres_types::Type) -> Result<Self, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &postgres_types::Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_positional() {
        assert_eq!(
            sqlite_placeholders("SELECT a FROM t WHERE org_id = $1 AND x = $12 OR y = $1"),
            "SELECT a FROM t WHERE org_id = ?1 AND x = ?12 OR y = ?1"
        );
        assert_eq!(sqlite_placeholders("SELECT '$' || a"), "SELECT '$' || a");
    }
}
