//! Opaque pagination cursors: the sort values and id of the last row of a page, bound to the sort
//! they were made for so a cursor cannot be replayed against another order.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::StoreError;

/// One sort value as it travels inside a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CursorValue {
    /// Integer column.
    Int(i64),
    /// A decimal number (a custom number field).
    Float(f64),
    /// Text column, or a timestamp in RFC 3339 with full precision.
    Text(String),
    /// An empty custom field.
    Null,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    /// The sort signature, e.g. `-created_at`.
    s: String,
    /// The sort values of the last row.
    v: Vec<CursorValue>,
    /// The id of the last row.
    id: Uuid,
}

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// The sort values of the last row.
    pub values: Vec<CursorValue>,
    /// The id of the last row.
    pub id: Uuid,
}

/// Encodes a cursor for `signature`.
pub fn encode(signature: &str, values: Vec<CursorValue>, id: Uuid) -> String {
    let wire = Wire {
        s: signature.to_owned(),
        v: values,
        id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).unwrap_or_default())
}

/// Decodes a cursor, refusing one made for another sort.
pub fn decode(raw: &str, signature: &str, expected_values: usize) -> Result<Cursor, StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.trim())
        .map_err(|_| StoreError::InvalidCursor("the cursor is not one this API issued".into()))?;
    let wire: Wire = serde_json::from_slice(&bytes)
        .map_err(|_| StoreError::InvalidCursor("the cursor is not one this API issued".into()))?;
    if wire.s != signature {
        return Err(StoreError::InvalidCursor(format!(
            "the cursor was issued for sort '{}', not '{signature}': keep the same sort while paging",
            wire.s
        )));
    }
    if wire.v.len() != expected_values {
        return Err(StoreError::InvalidCursor(
            "the cursor is not one this API issued".into(),
        ));
    }
    Ok(Cursor {
        values: wire.v,
        id: wire.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_sorts_and_garbage() {
        let id = Uuid::now_v7();
        let c = encode(
            "-created_at",
            vec![CursorValue::Text("2026-01-01T00:00:00Z".into())],
            id,
        );
        let d = decode(&c, "-created_at", 1).expect("decodes");
        assert_eq!(d.id, id);
        assert!(matches!(
            decode(&c, "name", 1),
            Err(StoreError::InvalidCursor(_))
        ));
        assert!(matches!(
            decode("!!!", "name", 1),
            Err(StoreError::InvalidCursor(_))
        ));
        assert!(matches!(
            decode("bm9wZQ", "name", 1),
            Err(StoreError::InvalidCursor(_))
        ));
    }
}
