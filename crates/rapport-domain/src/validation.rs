//! Field-level validation errors, collected so a client learns about every bad field at once.

use serde::Serialize;

use crate::values::ValueError;

/// One invalid field: where (a JSON pointer), what kind of problem (a stable code) and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer into the request body, e.g. `/emails/1/address`.
    pub pointer: String,
    /// Stable machine-readable code, e.g. `invalid_format`, `required`, `unknown_field`.
    pub code: String,
    /// A sentence for a human.
    pub message: String,
}

/// Something a write was allowed to do but the client should know about (an address another
/// record already has); answered under `warnings` beside the record, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Warning {
    /// JSON pointer into the request body, e.g. `/emails/0/address`.
    pub pointer: String,
    /// Stable machine-readable code, e.g. `shared_email`.
    pub code: String,
    /// A sentence for a human.
    pub message: String,
    /// The other record concerned.
    #[schema(value_type = Option<String>, format = Uuid)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<uuid::Uuid>,
}

/// Collects field errors while a body is parsed.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// Records one problem.
    pub fn push(
        &mut self,
        pointer: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            code: code.into(),
            message: message.into(),
        });
    }

    /// Records a value-type error under a pointer.
    pub fn value(&mut self, pointer: impl Into<String>, err: ValueError) {
        self.push(pointer, err.code, err.message);
    }

    /// True when a problem was recorded at exactly `pointer`.
    pub fn has_pointer(&self, pointer: &str) -> bool {
        self.0.iter().any(|e| e.pointer == pointer)
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no error was recorded, else every error.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }

    /// The errors so far.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

/// Escapes a key for use inside a JSON pointer (RFC 6901).
pub fn pointer_key(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
