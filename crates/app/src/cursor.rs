//! Opaque pagination cursors: the sort key and id of the last item seen.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

pub fn encode(key: (i64, i64)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{}", key.0, key.1))
}

pub fn decode(cursor: &str) -> Result<(i64, i64), AppError> {
    let bad = || AppError::invalid("cursor", "not a cursor returned by this API");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (k, id) = text.split_once('.').ok_or_else(bad)?;
    Ok((
        k.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// Decode an optional cursor over an id-ordered list to the id to continue after.
pub fn after_id(cursor: Option<&str>) -> Result<Option<i64>, AppError> {
    cursor.map(|c| decode(c).map(|(_, id)| id)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let c = encode((1_700_000_000_000, 42));
        assert_eq!(decode(&c).unwrap(), (1_700_000_000_000, 42));
        assert!(decode("nonsense!").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("1x2")).is_err());
    }
}
