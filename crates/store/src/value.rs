//! Values crossing the engine boundary. Repositories bind `Param`s and read `Row`s; each engine
//! converts to and from its own types, so no rusqlite or postgres type leaks to callers.
//!
//! Storage conventions shared by both engines: ids and counts are BIGINT, instants are BIGINT
//! milliseconds since the Unix epoch (UTC), dates are `YYYY-MM-DD` TEXT, closed vocabularies are
//! TEXT words, structured values are JSON TEXT, booleans are the engine's boolean.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StoreError;

/// A value to bind to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
}

/// A value read from a result column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(String),
    Blob(Vec<u8>),
}

pub trait ToParam {
    fn to_param(&self) -> Param<'_>;
}

impl ToParam for i64 {
    fn to_param(&self) -> Param<'_> {
        Param::Int(*self)
    }
}
impl ToParam for i32 {
    fn to_param(&self) -> Param<'_> {
        Param::Int(i64::from(*self))
    }
}
impl ToParam for usize {
    fn to_param(&self) -> Param<'_> {
        Param::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToParam for f64 {
    fn to_param(&self) -> Param<'_> {
        Param::Real(*self)
    }
}
impl ToParam for bool {
    fn to_param(&self) -> Param<'_> {
        Param::Bool(*self)
    }
}
impl ToParam for str {
    fn to_param(&self) -> Param<'_> {
        Param::Text(Cow::Borrowed(self))
    }
}
impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> Param<'_> {
        (**self).to_param()
    }
}
impl ToParam for String {
    fn to_param(&self) -> Param<'_> {
        Param::Text(Cow::Borrowed(self.as_str()))
    }
}
impl ToParam for [u8] {
    fn to_param(&self) -> Param<'_> {
        Param::Blob(Cow::Borrowed(self))
    }
}
impl ToParam for Vec<u8> {
    fn to_param(&self) -> Param<'_> {
        Param::Blob(Cow::Borrowed(self.as_slice()))
    }
}
impl ToParam for Timestamp {
    fn to_param(&self) -> Param<'_> {
        Param::Int(self.as_millisecond())
    }
}
impl ToParam for jiff::civil::Date {
    fn to_param(&self) -> Param<'_> {
        Param::Text(Cow::Owned(self.to_string()))
    }
}
impl<T: ToParam> ToParam for Option<T> {
    fn to_param(&self) -> Param<'_> {
        match self {
            Some(v) => v.to_param(),
            None => Param::Null,
        }
    }
}
impl ToParam for Param<'_> {
    fn to_param(&self) -> Param<'_> {
        self.clone()
    }
}

/// Bind a serialisable value as JSON text.
pub struct Json<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> ToParam for Json<'_, T> {
    fn to_param(&self) -> Param<'_> {
        // Serialising our own plain data types cannot fail; "null" keeps the row writable.
        Param::Text(Cow::Owned(
            serde_json::to_string(self.0).unwrap_or_else(|_| "null".to_string()),
        ))
    }
}

macro_rules! id_params {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn to_param(&self) -> Param<'_> {
                Param::Int(self.0)
            }
        }
        impl FromValue for $t {
            fn from_value(v: &Value) -> Result<Self, StoreError> {
                i64::from_value(v).map(<$t>::from_raw)
            }
        }
    )*};
}

/// Construct an id from its stored integer. A trait so `id_params!` can name it generically.
trait FromRaw {
    fn from_raw(v: i64) -> Self;
}

macro_rules! from_raw {
    ($($t:ident),*) => {$(
        impl FromRaw for rapport_core::ids::$t {
            fn from_raw(v: i64) -> Self { rapport_core::ids::$t(v) }
        }
    )*};
}

from_raw!(
    OrgId,
    MemberId,
    ClientId,
    ContactId,
    EngagementId,
    RequestId,
    MessageId,
    PromiseId,
    ChangeOrderId,
    RatingId,
    TimeEntryId,
    AuditEventId,
    TokenId,
    CannedReplyId,
    RuleId,
    WebhookId,
    WebhookDeliveryId
);

use rapport_core::ids::*;
id_params!(
    OrgId,
    MemberId,
    ClientId,
    ContactId,
    EngagementId,
    RequestId,
    MessageId,
    PromiseId,
    ChangeOrderId,
    RatingId,
    TimeEntryId,
    AuditEventId,
    TokenId,
    CannedReplyId,
    RuleId,
    WebhookId,
    WebhookDeliveryId
);

/// Bind a label enum (anything with `as_str`) as its word.
pub struct Word(pub &'static str);

impl ToParam for Word {
    fn to_param(&self) -> Param<'_> {
        Param::Text(Cow::Borrowed(self.0))
    }
}

pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self, StoreError>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self, StoreError> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(i64::from(*b)),
            // SUM() over integers is exact below 2^53; anything else is a schema mistake.
            Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
            other => Err(StoreError::decode(format!(
                "expected an integer, got {other:?}"
            ))),
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<Self, StoreError> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            other => Err(StoreError::decode(format!(
                "expected a number, got {other:?}"
            ))),
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self, StoreError> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Int(i) => Ok(*i != 0),
            other => Err(StoreError::decode(format!(
                "expected a boolean, got {other:?}"
            ))),
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self, StoreError> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            other => Err(StoreError::decode(format!("expected text, got {other:?}"))),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self, StoreError> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(StoreError::decode(format!("expected bytes, got {other:?}"))),
        }
    }
}
impl FromValue for Timestamp {
    fn from_value(v: &Value) -> Result<Self, StoreError> {
        let ms = i64::from_value(v)?;
        Timestamp::from_millisecond(ms).map_err(StoreError::decode)
    }
}
impl FromValue for jiff::civil::Date {
    fn from_value(v: &Value) -> Result<Self, StoreError> {
        String::from_value(v)?.parse().map_err(StoreError::decode)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self, StoreError> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// The names of a result's columns, shared by all its rows. Rows are read by these names, never
/// by position, so adding or reordering a column in a SELECT cannot shift what a reader gets.
#[derive(Debug)]
pub struct Columns {
    /// Lower case: PostgreSQL folds unquoted names and aliases, SQLite keeps them as written.
    names: Vec<String>,
    /// Names selected more than once (a join's two `id`s): reading one is an error, not a guess.
    repeated: Vec<String>,
}

impl Columns {
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Arc<Self> {
        let names: Vec<String> = names
            .into_iter()
            .map(|n| n.as_ref().to_ascii_lowercase())
            .collect();
        let mut repeated = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) && !repeated.contains(n) {
                repeated.push(n.clone());
            }
        }
        Arc::new(Columns { names, repeated })
    }

    /// Where `name` is, looking first at `guess`: readers mostly take the columns in the order
    /// selected, so the column after the last one read is usually the one wanted.
    fn position(&self, name: &str, guess: usize) -> Result<usize, StoreError> {
        let at = match self.names.get(guess) {
            Some(n) if n.eq_ignore_ascii_case(name) => guess,
            _ => self
                .names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(name))
                .ok_or_else(|| StoreError::NoColumn {
                    column: name.to_string(),
                    selected: self.names.join(", "),
                })?,
        };
        if !self.repeated.is_empty() && self.repeated.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(StoreError::AmbiguousColumn(name.to_string()));
        }
        Ok(at)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// One result row: its values, read by column name.
#[derive(Clone)]
pub struct Row {
    columns: Arc<Columns>,
    values: Vec<Value>,
    /// The column after the one last read: where the next read looks first.
    next: Cell<usize>,
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.columns.names.iter().zip(&self.values))
            .finish()
    }
}

impl Row {
    /// A row of `values` under `columns` (one value per column).
    pub fn new(columns: Arc<Columns>, values: Vec<Value>) -> Self {
        debug_assert_eq!(columns.names.len(), values.len());
        Row {
            columns,
            values,
            next: Cell::new(0),
        }
    }

    /// The raw value of column `name`.
    pub fn value(&self, name: &str) -> Result<&Value, StoreError> {
        let at = self.columns.position(name, self.next.get())?;
        self.next.set(at + 1);
        self.values.get(at).ok_or_else(|| StoreError::NoColumn {
            column: name.to_string(),
            selected: self.columns.names.join(", "),
        })
    }

    /// The value of column `name`, converted.
    pub fn get<T: FromValue>(&self, name: &str) -> Result<T, StoreError> {
        T::from_value(self.value(name)?)
            .map_err(|e| StoreError::decode(format!("column {name}: {e}")))
    }

    /// The value of a one-column row (`SELECT COUNT(*) ...`), whatever the column is called.
    pub fn only<T: FromValue>(&self) -> Result<T, StoreError> {
        match self.values.as_slice() {
            [v] => T::from_value(v)
                .map_err(|e| StoreError::decode(format!("column {}: {e}", self.columns.names[0]))),
            _ => Err(StoreError::decode(format!(
                "expected one column, got {} ({})",
                self.values.len(),
                self.columns.names.join(", ")
            ))),
        }
    }

    /// A JSON TEXT column, deserialised.
    pub fn json<T: DeserializeOwned>(&self, name: &str) -> Result<T, StoreError> {
        let s: String = self.get(name)?;
        serde_json::from_str(&s).map_err(|e| StoreError::decode(format!("column {name}: {e}")))
    }

    /// A nullable JSON TEXT column.
    pub fn json_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        match self.get::<Option<String>>(name)? {
            None => Ok(None),
            Some(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| StoreError::decode(format!("column {name}: {e}"))),
        }
    }

    /// A word column parsed into a label enum.
    pub fn word<T: std::str::FromStr<Err = String>>(&self, name: &str) -> Result<T, StoreError> {
        let s: String = self.get(name)?;
        s.parse()
            .map_err(|e| StoreError::decode(format!("column {name}: {e}")))
    }

    pub fn word_opt<T: std::str::FromStr<Err = String>>(
        &self,
        name: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.get::<Option<String>>(name)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|e| StoreError::decode(format!("column {name}: {e}"))),
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Build a parameter slice: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[&dyn $crate::value::ToParam] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::value::ToParam),+] as &[&dyn $crate::value::ToParam] };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: Vec<(&str, Value)>) -> Row {
        let (names, values): (Vec<&str>, Vec<Value>) = values.into_iter().unzip();
        Row::new(Columns::new(names), values)
    }

    #[test]
    fn conversions() {
        let r = row(vec![
            ("id", Value::Int(5)),
            ("assignee_id", Value::Null),
            ("status", Value::Text("in_progress".into())),
            ("created_at", Value::Int(1_700_000_000_000)),
            ("tags", Value::Text(r#"["a","b"]"#.into())),
            ("quick", Value::Int(1)),
        ]);
        assert_eq!(r.get::<i64>("id").unwrap(), 5);
        assert_eq!(r.get::<Option<i64>>("assignee_id").unwrap(), None);
        assert_eq!(
            r.word::<rapport_core::request::Status>("status").unwrap(),
            rapport_core::request::Status::InProgress
        );
        assert_eq!(
            r.get::<Timestamp>("created_at").unwrap().as_millisecond(),
            1_700_000_000_000
        );
        assert_eq!(r.json::<Vec<String>>("tags").unwrap(), vec!["a", "b"]);
        assert!(r.get::<bool>("quick").unwrap());
        // PostgreSQL folds unquoted aliases to lower case; SQLite keeps them as written.
        assert_eq!(r.get::<i64>("ID").unwrap(), 5);
        let wrong_type = r.get::<String>("id").unwrap_err();
        assert!(wrong_type.to_string().contains("column id"), "{wrong_type}");
    }

    #[test]
    fn a_column_not_selected_is_an_error_naming_it() {
        let r = row(vec![
            ("id", Value::Int(5)),
            ("title", Value::Text("x".into())),
        ]);
        assert_eq!(
            r.get::<i64>("estimate_minutes").unwrap_err(),
            StoreError::NoColumn {
                column: "estimate_minutes".into(),
                selected: "id, title".into(),
            }
        );
        assert!(matches!(
            r.json::<Vec<String>>("tags"),
            Err(StoreError::NoColumn { column, .. }) if column == "tags"
        ));
    }

    #[test]
    fn a_column_selected_twice_is_ambiguous_not_a_guess() {
        let r = row(vec![
            ("id", Value::Int(5)),
            ("name", Value::Text("Kaveri".into())),
            ("id", Value::Int(9)),
        ]);
        assert_eq!(
            r.get::<i64>("id").unwrap_err(),
            StoreError::AmbiguousColumn("id".into())
        );
        assert_eq!(r.get::<String>("name").unwrap(), "Kaveri");
    }

    #[test]
    fn columns_read_in_any_order_and_again() {
        let r = row(vec![
            ("id", Value::Int(1)),
            ("title", Value::Text("x".into())),
            ("minutes", Value::Int(30)),
        ]);
        assert_eq!(r.get::<i64>("minutes").unwrap(), 30);
        assert_eq!(r.get::<i64>("id").unwrap(), 1);
        assert_eq!(r.get::<i64>("id").unwrap(), 1);
        assert_eq!(r.get::<String>("title").unwrap(), "x");
        assert_eq!(r.get::<i64>("minutes").unwrap(), 30);
        assert!(r.get::<i64>("nope").is_err());
        assert_eq!(r.get::<i64>("id").unwrap(), 1);
    }

    #[test]
    fn only_reads_a_one_column_row() {
        assert_eq!(
            row(vec![("count", Value::Int(3))]).only::<i64>().unwrap(),
            3
        );
        assert!(
            row(vec![("a", Value::Int(1)), ("b", Value::Int(2))])
                .only::<i64>()
                .is_err()
        );
    }
}
