//! Values crossing the engine boundary. Repositories bind `Param`s and read `Row`s; each engine
//! converts to and from its own types, so no rusqlite or postgres type leaks to callers.
//!
//! Storage conventions shared by both engines: ids and counts are BIGINT, instants are BIGINT
//! milliseconds since the Unix epoch (UTC), dates are `YYYY-MM-DD` TEXT, closed vocabularies are
//! TEXT words, structured values are JSON TEXT, booleans are the engine's boolean.

use std::borrow::Cow;

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

/// One result row: values by position, as selected.
#[derive(Debug, Clone)]
pub struct Row {
    pub(crate) values: Vec<Value>,
}

impl Row {
    pub fn new(values: Vec<Value>) -> Self {
        Row { values }
    }

    fn at(&self, idx: usize) -> Result<&Value, StoreError> {
        self.values
            .get(idx)
            .ok_or_else(|| StoreError::decode(format!("no column {idx}")))
    }

    /// The value of column `idx`, converted.
    pub fn get<T: FromValue>(&self, idx: usize) -> Result<T, StoreError> {
        T::from_value(self.at(idx)?).map_err(|e| StoreError::decode(format!("column {idx}: {e}")))
    }

    /// A JSON TEXT column, deserialised.
    pub fn json<T: DeserializeOwned>(&self, idx: usize) -> Result<T, StoreError> {
        let s: String = self.get(idx)?;
        serde_json::from_str(&s).map_err(|e| StoreError::decode(format!("column {idx}: {e}")))
    }

    /// A nullable JSON TEXT column.
    pub fn json_opt<T: DeserializeOwned>(&self, idx: usize) -> Result<Option<T>, StoreError> {
        match self.get::<Option<String>>(idx)? {
            None => Ok(None),
            Some(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| StoreError::decode(format!("column {idx}: {e}"))),
        }
    }

    /// A word column parsed into a label enum.
    pub fn word<T: std::str::FromStr<Err = String>>(&self, idx: usize) -> Result<T, StoreError> {
        let s: String = self.get(idx)?;
        s.parse().map_err(StoreError::decode)
    }

    pub fn word_opt<T: std::str::FromStr<Err = String>>(
        &self,
        idx: usize,
    ) -> Result<Option<T>, StoreError> {
        match self.get::<Option<String>>(idx)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(StoreError::decode),
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

    #[test]
    fn conversions() {
        let r = Row::new(vec![
            Value::Int(5),
            Value::Null,
            Value::Text("in_progress".into()),
            Value::Int(1_700_000_000_000),
            Value::Text(r#"["a","b"]"#.into()),
            Value::Int(1),
        ]);
        assert_eq!(r.get::<i64>(0).unwrap(), 5);
        assert_eq!(r.get::<Option<i64>>(1).unwrap(), None);
        assert_eq!(
            r.word::<rapport_core::request::Status>(2).unwrap(),
            rapport_core::request::Status::InProgress
        );
        assert_eq!(
            r.get::<Timestamp>(3).unwrap().as_millisecond(),
            1_700_000_000_000
        );
        assert_eq!(r.json::<Vec<String>>(4).unwrap(), vec!["a", "b"]);
        assert!(r.get::<bool>(5).unwrap());
        assert!(r.get::<String>(0).is_err());
        assert!(r.get::<i64>(9).is_err());
    }
}
