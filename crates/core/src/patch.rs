//! PATCH semantics: a field that is absent stays as it is; `null` clears it; a value sets it.

use serde::{Deserialize, Deserializer};

/// Deserialize `Option<Option<T>>` so that an explicit `null` is `Some(None)` and an absent
/// field (with `#[serde(default)]`) is `None`.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// Apply a nullable patch field to a current value.
pub fn apply<T>(current: Option<T>, patch: Option<Option<T>>) -> Option<T> {
    match patch {
        None => current,
        Some(v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct P {
        #[serde(default, deserialize_with = "double_option")]
        x: Option<Option<i64>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let absent: P = serde_json::from_str("{}").unwrap();
        let null: P = serde_json::from_str(r#"{"x": null}"#).unwrap();
        let set: P = serde_json::from_str(r#"{"x": 5}"#).unwrap();
        assert_eq!(absent.x, None);
        assert_eq!(null.x, Some(None));
        assert_eq!(set.x, Some(Some(5)));
        assert_eq!(apply(Some(1), absent.x), Some(1));
        assert_eq!(apply(Some(1), null.x), None);
        assert_eq!(apply(Some(1), set.x), Some(5));
    }
}
