//! Conditional request headers: `If-Match` on writes, `If-None-Match` on reads. ETags are the
//! record version in quotes (`"3"`).

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::header;
use axum::http::request::Parts;

use crate::problem::ApiError;

/// The ETag of a version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

fn tags(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|t| {
            t.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_owned()
        })
        .collect()
}

/// `If-Match`: `None` when absent or `*`; else the version required (an unparsable tag can match
/// no version, so it answers 412).
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts
            .headers
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(IfMatch(None));
        };
        if raw.trim() == "*" {
            return Ok(IfMatch(None));
        }
        let version = tags(raw)
            .iter()
            .find_map(|t| t.parse::<i64>().ok())
            .unwrap_or(-1);
        Ok(IfMatch(Some(version)))
    }
}

/// `If-None-Match`: the tags given (`*` matches any).
#[derive(Debug, Clone, Default)]
pub struct IfNoneMatch(pub Vec<String>);

impl IfNoneMatch {
    /// Whether the client's copy is current.
    pub fn matches(&self, version: i64) -> bool {
        let v = version.to_string();
        self.0.iter().any(|t| t == "*" || *t == v)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfNoneMatch(
            parts
                .headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(tags)
                .unwrap_or_default(),
        ))
    }
}
