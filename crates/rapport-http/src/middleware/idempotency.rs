//! `Idempotency-Key` on POST: the first response is stored and replayed for 24 hours with
//! `Idempotent-Replayed: true`; the same key with another request answers 422, and while the first
//! is still running, 409. Records live in the database, so every instance sees them, and are
//! scoped to the workspace, the user and (for API tokens) the token that sent the key.
//!
//! Which responses are kept: 2xx and 4xx other than 409 and 429 (a retry of those may succeed);
//! 5xx releases the key so the client can retry, and so does a `Cache-Control: no-store` response
//! (a secret shown once is never stored). If the process dies between commit and storing
//! the response, the key's lease (request timeout + 5 s) expires and a retry runs again.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use rapport_store::idempotency::{self, Claim, StoredResponse};
use sha2::{Digest, Sha256};

use rapport_app::{Actor, Ctx};

use crate::extract::RequestCtx;
use crate::problem::{self, Problem};
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The replay marker header.
pub const REPLAYED: &str = "idempotent-replayed";

/// Headers worth replaying.
const KEPT_HEADERS: &[HeaderName] = &[header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// Whether an `Idempotency-Key` value is acceptable.
pub(crate) fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let headers: BTreeMap<String, String> =
        serde_json::from_str(&stored.headers).unwrap_or_default();
    let mut res = Response::new(Body::from(stored.body));
    *res.status_mut() = status;
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            res.headers_mut().insert(n, v);
        }
    }
    res.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    res
}

/// Whether a request streams its body to its handler (a document upload, a CSV import): the
/// middleware cannot buffer such a body, so a document upload applies `Idempotency-Key` itself
/// with [`gate`] and [`finish`], hashing the body as it streams to disk (an import upload does
/// not: see `api::v1::imports`).
pub fn streams_body(method: &Method, path: &str) -> bool {
    method == Method::POST
        && (path == crate::api::v1::documents::UPLOAD_PATH
            || path == crate::api::v1::imports::UPLOAD_PATH)
}

/// The answer to an unacceptable `Idempotency-Key`.
pub(crate) fn invalid_key() -> Response {
    Problem::new(
        problem::INVALID_PARAMETER,
        "Idempotency-Key must be 1 to 255 printable ASCII characters",
    )
    .parameter("Idempotency-Key")
    .into_response()
}

/// Keys belong to the caller who sent them, so one user can never be served another's stored
/// response; a token's replay goes to that token only: another credential of the same user
/// (with other scopes) never receives it.
fn scoped_key(ctx: &Ctx, key: &str) -> String {
    match &ctx.actor {
        Actor::User {
            id,
            token: Some(token),
        } => format!("{id}:{token}:{key}"),
        Actor::User { id, token: None } => format!("{id}:{key}"),
        Actor::System | Actor::Anonymous => key.to_owned(),
    }
}

/// The hash that tells one request from another under the same key.
pub(crate) fn request_hash(method: &Method, uri: &axum::http::Uri, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update(uri.to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// What a claim on a key decided.
pub(crate) enum Gate {
    /// No request with this key yet: run it, then [`finish`] with this (scoped) key.
    Run(String),
    /// Answer this instead: the replay, or why the key cannot be used.
    Answer(Response),
}

/// Claims `raw_key` (the header's value) for the request whose hash is `hash`.
pub(crate) async fn gate(state: &AppState, ctx: &Ctx, raw_key: &str, hash: &str) -> Gate {
    if !valid_key(raw_key) {
        return Gate::Answer(invalid_key());
    }
    let key = scoped_key(ctx, raw_key);
    let lease = Duration::milliseconds(
        i64::try_from(state.app.config.server.request_timeout_ms).unwrap_or(30_000) + 5_000,
    );
    let db = &state.app.db;
    Gate::Answer(
        match idempotency::claim(db, ctx.workspace_id, &key, hash, lease).await {
            Err(e) => problem::ApiError::from(rapport_app::AppError::from(e)).into_response(),
            Ok(Claim::Replay(stored)) => replay(stored),
            Ok(Claim::Mismatch) => Problem::new(
                problem::IDEMPOTENCY_KEY_REUSED,
                "this Idempotency-Key was used for a different request in the last 24 hours",
            )
            .into_response(),
            Ok(Claim::InFlight) => Problem::new(
                problem::IDEMPOTENCY_IN_FLIGHT,
                "a request with this Idempotency-Key is still in progress",
            )
            .retry_after(1)
            .into_response(),
            Ok(Claim::Run) => return Gate::Run(key),
        },
    )
}

/// Stores the response of a request run under `key` for replays (or releases the key when the
/// response is not one to replay), and returns it.
pub(crate) async fn finish(state: &AppState, ctx: &Ctx, key: &str, res: Response) -> Response {
    let db = &state.app.db;
    let status = res.status();
    // A response marked `no-store` carries a secret shown once (a new token, an invitation):
    // it is never written to the idempotency table, and a retry runs again.
    let secret = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    let keep = !status.is_server_error()
        && !secret
        && status != StatusCode::CONFLICT
        && status != StatusCode::TOO_MANY_REQUESTS;
    if !keep {
        if let Err(e) = idempotency::release(db, ctx.workspace_id, key).await {
            tracing::warn!(error = %e, "could not release idempotency key");
        }
        return res;
    }
    let (res_parts, res_body) = res.into_parts();
    let Ok(body) = axum::body::to_bytes(res_body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let headers: BTreeMap<String, String> = KEPT_HEADERS
        .iter()
        .filter_map(|h| {
            res_parts
                .headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(|v| (h.to_string(), v.to_owned()))
        })
        .collect();
    let stored = StoredResponse {
        status: status.as_u16(),
        headers: serde_json::to_string(&headers).unwrap_or_else(|_| "{}".into()),
        body: body.to_vec(),
    };
    if let Err(e) = idempotency::complete(db, ctx.workspace_id, key, &stored).await {
        // The write itself committed; the client gets its answer, a retry would run it again.
        tracing::error!(error = %e, "could not store idempotent response");
    }
    Response::from_parts(res_parts, Body::from(body))
}

/// Middleware: applies to POST requests that carry the header.
pub async fn apply(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST
        || !req.headers().contains_key(HEADER)
        || streams_body(req.method(), req.uri().path())
    {
        return next.run(req).await;
    }
    let key = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !valid_key(&key) {
        return invalid_key();
    }
    let (mut parts, body) = req.into_parts();
    // An unauthenticated request (login, setup) runs without replay.
    let Ok(RequestCtx(ctx)) = RequestCtx::from_request_parts(&mut parts, &state).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let limit = state.app.config.server.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return Problem::new(
            problem::PAYLOAD_TOO_LARGE,
            "the request body is larger than this server accepts",
        )
        .into_response();
    };
    let hash = request_hash(&parts.method, &parts.uri, &bytes);
    let key = match gate(&state, &ctx, &key, &hash).await {
        Gate::Run(key) => key,
        Gate::Answer(res) => return res,
    };
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    finish(&state, &ctx, &key, res).await
}
