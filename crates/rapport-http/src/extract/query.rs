//! Query strings into typed parameters; unknown or malformed parameters answer 400.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::wording;
use crate::problem::{self, ApiError, Problem};

/// Like axum's `Query`, with problems for rejections.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        // The path names the parameter whose value was refused; serde's own message does not.
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(ApiQuery(v)),
            Err(e) => {
                let path = e.path().to_string();
                let named = (path != "." && !path.is_empty()).then_some(path);
                let message = e.inner().to_string();
                let detail = wording::plain(&message, named.as_deref(), "parameter");
                let mut p = Problem::new(problem::INVALID_PARAMETER, detail);
                if let Some(name) = named.as_deref().or(wording::named_in(&message)) {
                    p = p.parameter(name);
                }
                Err(p.into())
            }
        }
    }
}
