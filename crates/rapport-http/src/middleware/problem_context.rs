//! Fills `instance` and `request_id` into every problem response, so the code that makes a problem
//! needs no request at hand.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use crate::problem::CONTENT_TYPE;

/// Problems are small; anything larger is passed through untouched.
const MAX_PROBLEM_BYTES: usize = 256 * 1024;

/// Middleware: completes problem bodies.
pub async fn complete(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let request_id = super::request_id::shown(req.extensions());
    let res = next.run(req).await;
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(CONTENT_TYPE));
    if !is_problem {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    map.entry("instance").or_insert(Value::String(path));
    if let Some(id) = request_id {
        map.insert("request_id".into(), Value::String(id));
    }
    let out = serde_json::to_vec(&Value::Object(map)).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}
