//! JSON request bodies: content type checked (415), size limited (413), syntax checked (400, also
//! for a member name repeated in one object).
//! Field validation (422) is the domain's job, so the body arrives as a JSON value.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::Value;

use rapport_app::AppError;
use rapport_domain::validation::FieldError;

use super::unique_keys::UniqueKeys;
use super::wording;
use crate::problem::{self, ApiError, Problem};

/// A syntactically valid JSON body sent with a JSON content type.
#[derive(Debug)]
pub struct JsonBody(pub Value);

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json(content_type) {
            let shown = if content_type.is_empty() {
                "none".to_owned()
            } else {
                content_type.to_owned()
            };
            return Err(Problem::new(
                problem::UNSUPPORTED_MEDIA_TYPE,
                format!("the body must be JSON (Content-Type: application/json); got {shown}"),
            )
            .into());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(inner) if is_length_limit(&inner) => {
                ApiError::from(Problem::new(
                    problem::PAYLOAD_TOO_LARGE,
                    "the request body is larger than this server accepts",
                ))
            }
            _ => ApiError::from(Problem::new(
                problem::MALFORMED_JSON,
                "the body stopped before its end; send it again",
            )),
        })?;
        match serde_json::from_slice::<UniqueKeys>(&bytes) {
            Ok(UniqueKeys(v)) => Ok(JsonBody(v)),
            Err(e) => Err(Problem::new(
                problem::MALFORMED_JSON,
                format!(
                    "the body is not valid JSON: {} at line {} column {}",
                    category(&e),
                    e.line(),
                    e.column()
                ),
            )
            .into()),
        }
    }
}

fn is_length_limit(e: &axum::extract::rejection::FailedToBufferBody) -> bool {
    matches!(
        e,
        axum::extract::rejection::FailedToBufferBody::LengthLimitError(_)
    )
}

fn category(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "it ends too early".into(),
        serde_json::error::Category::Syntax => "syntax error".into(),
        // Our own words (a repeated member); serde_json appends the position, given apart.
        serde_json::error::Category::Data => {
            let text = e.to_string();
            text.split(" at line ")
                .next()
                .unwrap_or("invalid data")
                .to_owned()
        }
        serde_json::error::Category::Io => "invalid data".into(),
    }
}

/// A JSON body read into `T`: unknown, missing or mistyped members answer 422 naming them.
#[derive(Debug)]
pub struct TypedJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for TypedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBody(value) = JsonBody::from_request(req, state).await?;
        serde_path_to_error::deserialize::<_, T>(value)
            .map(TypedJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let member = (path != "." && !path.is_empty()).then_some(path);
                let raw = e.inner().to_string();
                let message = wording::plain(&raw, member.as_deref(), "field");
                let mut pointer =
                    member.map_or_else(String::new, |m| format!("/{}", m.replace('.', "/")));
                if let Some(name) = wording::named_in(&raw) {
                    pointer = format!("{pointer}/{name}");
                }
                if pointer.is_empty() {
                    pointer.push('/');
                }
                ApiError::from(AppError::Validation(vec![FieldError {
                    pointer,
                    code: "invalid".into(),
                    message,
                }]))
            })
    }
}
