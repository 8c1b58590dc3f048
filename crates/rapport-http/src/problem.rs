//! RFC 9457 problem details: the one place errors become HTTP responses, and the registry of
//! problem types served at `/problems/{type}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::AppError;
use rapport_domain::validation::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// The content type of problems.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// One kind of problem: its slug (the `type` is `/problems/<slug>`), status and explanation.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// URL slug.
    pub slug: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Short title.
    pub title: &'static str,
    /// What it means and what to do.
    pub help: &'static str,
}

macro_rules! kinds {
    ($($name:ident = $slug:literal, $status:literal, $title:literal, $help:literal;)*) => {
        $(
            #[doc = $title]
            pub const $name: Kind = Kind { slug: $slug, status: $status, title: $title, help: $help };
        )*
        /// Every problem type, for the registry pages.
        pub const ALL: &[Kind] = &[$($name),*];
    };
}

kinds! {
    MALFORMED_JSON = "malformed-json", 400, "Malformed JSON", "The request body is not valid JSON. The detail names the line and column.";
    INVALID_FILTER = "invalid-filter", 400, "Invalid filter expression", "The filter expression could not be parsed or names an unknown field or operator. `position` (0-based byte offset) and `column` (1-based) say where.";
    INVALID_PARAMETER = "invalid-parameter", 400, "Invalid parameter", "A query parameter or header (sort, limit, cursor, fields, Idempotency-Key...) is not acceptable. `parameter` names it.";
    CREDENTIALS_IN_URL = "credentials-in-url", 400, "Credentials in the URL", "Tokens are never accepted in a URL (they end up in logs and browser history). Send `Authorization: Bearer rpt_...` instead, and revoke the token you put in the URL.";
    UNAUTHENTICATED = "unauthenticated", 401, "Authentication required", "Send `Authorization: Bearer rpt_...` (an API token) or log in (`POST /api/v1/auth/login`) for a session cookie. Missing, unknown, expired and revoked credentials all get this answer.";
    MFA_REQUIRED = "mfa-required", 401, "Second factor required", "The password was right and this account has a second factor: send the login again with `code` (the 6-digit code from the authenticator app, or one of the recovery codes).";
    MFA_NOT_SET_UP = "mfa-not-set-up", 403, "Second factor not set up", "This workspace requires a second factor. Set one up (`POST /api/v1/auth/mfa/totp`, then `POST /api/v1/auth/mfa/totp/confirm`); until then only the `/api/v1/auth/` routes answer.";
    FORBIDDEN = "forbidden", 403, "Forbidden", "You are authenticated, but your role in this workspace or your token's scopes do not allow this action. The detail names what is missing.";
    CSRF_REJECTED = "csrf-rejected", 403, "Cross-site request refused", "A state-changing request made with the session cookie must carry the session's `X-CSRF-Token` (from `POST /api/v1/auth/login` or `GET /api/v1/auth/session`) and come from this site's own origin.";
    NOT_FOUND = "not-found", 404, "Not found", "There is no such resource at this address in your workspace.";
    METHOD_NOT_ALLOWED = "method-not-allowed", 405, "Method not allowed", "This resource exists but does not accept this HTTP method.";
    CONFLICT = "conflict", 409, "Conflict", "The change conflicts with another record; `existing_id` names it when there is one.";
    IDEMPOTENCY_IN_FLIGHT = "idempotency-key-in-flight", 409, "Request with this Idempotency-Key still in progress", "Wait for the first request with this key to finish, then retry: you will receive its response.";
    PRECONDITION_FAILED = "precondition-failed", 412, "Precondition failed", "If-Match names a version that is no longer current. Fetch the record again, re-apply your change, and send the new ETag.";
    PAYLOAD_TOO_LARGE = "payload-too-large", 413, "Payload too large", "The request body is larger than the server accepts (server.max_body_bytes; for document uploads, documents.max_bytes; for CSV imports, imports.max_bytes).";
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type", 415, "Unsupported media type", "Send JSON bodies with `Content-Type: application/json` (PATCH also accepts application/merge-patch+json).";
    VALIDATION_FAILED = "validation-failed", 422, "Validation failed", "One or more fields are invalid. `errors` lists every one with a JSON pointer, a code and a message.";
    IDEMPOTENCY_KEY_REUSED = "idempotency-key-reused", 422, "Idempotency-Key reused with a different request", "An Idempotency-Key identifies one request: use a new key for a different body or address.";
    TOO_MANY_REQUESTS = "too-many-requests", 429, "Too many requests", "Too many attempts in a short time (failed logins slow down per account and per address). Wait for the seconds in Retry-After.";
    INTERNAL = "internal-error", 500, "Internal server error", "Something went wrong on our side. Quote the request_id when you report it.";
    UNAVAILABLE = "service-unavailable", 503, "Service unavailable", "The server is overloaded, timed out, or a dependency is down. Retry after the time in Retry-After.";
}

/// A problem response body (RFC 9457) with Rapport's extensions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/<slug>`: a page explaining the problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
    /// The request path (filled in by the problem middleware).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id that links to the log line (filled in by the problem middleware).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every invalid field (422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorSchema>)]
    pub errors: Vec<FieldError>,
    /// The offending parameter (400).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Byte offset of a filter error (400).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// Character column of a filter error (400).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Stable code for conflicts (`domain_taken`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The conflicting record (409).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
    /// The current version (412).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    #[serde(skip)]
    retry_after: Option<u32>,
}

/// One invalid field, as documented.
#[derive(ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorSchema {
    /// JSON pointer into the request body.
    pub pointer: String,
    /// Machine-readable code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

impl Problem {
    /// A problem of `kind` with `detail`.
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("/problems/{}", kind.slug),
            title: kind.title.to_owned(),
            status: kind.status,
            detail: detail.into(),
            instance: None,
            request_id: None,
            errors: Vec::new(),
            parameter: None,
            position: None,
            column: None,
            code: None,
            existing_id: None,
            current_version: None,
            retry_after: None,
        }
    }

    /// Adds `Retry-After` (seconds).
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Names the offending parameter.
    pub fn parameter(mut self, name: &str) -> Self {
        self.parameter = Some(name.to_owned());
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.retry_after;
        let mut res = (status, Json(self)).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if let Some(s) = retry {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 9110: a 401 names the scheme that would work.
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rapport\""),
            );
        }
        res
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Validation(errors) => {
                let n = errors.len();
                let mut p = Problem::new(
                    VALIDATION_FAILED,
                    if n == 1 {
                        "1 field is invalid".to_owned()
                    } else {
                        format!("{n} fields are invalid")
                    },
                );
                p.errors = errors;
                p
            }
            AppError::BadFilter {
                message,
                offset,
                column,
            } => {
                let mut p = Problem::new(INVALID_FILTER, message).parameter("filter");
                p.position = Some(offset);
                p.column = Some(column);
                p
            }
            AppError::BadParameter { parameter, message } => {
                Problem::new(INVALID_PARAMETER, message).parameter(parameter)
            }
            AppError::Unauthenticated(detail) => Problem::new(UNAUTHENTICATED, detail),
            AppError::Forbidden(detail) => Problem::new(FORBIDDEN, detail),
            AppError::SecondFactorRequired => Problem::new(
                MFA_REQUIRED,
                "enter the code from your authenticator app or a recovery code",
            ),
            AppError::SecondFactorNotSetUp => Problem::new(
                MFA_NOT_SET_UP,
                "this workspace requires a second factor; set one up first",
            ),
            AppError::TooManyRequests {
                detail,
                retry_after_secs,
            } => Problem::new(TOO_MANY_REQUESTS, detail)
                .retry_after(u32::try_from(retry_after_secs).unwrap_or(u32::MAX)),
            AppError::PayloadTooLarge(detail) => Problem::new(PAYLOAD_TOO_LARGE, detail),
            AppError::NotFound => Problem::new(NOT_FOUND, "no such record in this workspace"),
            AppError::NoSuchObject(detail) => Problem::new(NOT_FOUND, detail),
            // Only reads of the record itself redirect (see `resource::moved`); elsewhere the
            // record is gone, and the answer says where it went.
            AppError::Merged { into } => {
                let mut p = Problem::new(NOT_FOUND, format!("the record was merged into {into}"));
                p.existing_id = Some(into.to_string());
                p
            }
            AppError::PreconditionFailed { current_version } => {
                let mut p = Problem::new(
                    PRECONDITION_FAILED,
                    format!("the record is at version {current_version}; nothing was changed"),
                );
                p.current_version = Some(current_version);
                p
            }
            AppError::Conflict {
                code,
                detail,
                existing_id,
            } => {
                let mut p = Problem::new(CONFLICT, detail);
                p.code = Some(code.to_owned());
                p.existing_id = existing_id;
                p
            }
            AppError::Unavailable(reason) => {
                tracing::warn!(%reason, "answering 503");
                Problem::new(
                    UNAVAILABLE,
                    "the service is temporarily unavailable; retry shortly",
                )
                .retry_after(2)
            }
            AppError::Internal(reason) => {
                // The reason may carry SQL or paths: it goes to the log, never to the client.
                tracing::error!(%reason, "internal error");
                Problem::new(
                    INTERNAL,
                    "an unexpected error occurred; quote the request_id when reporting it",
                )
            }
        }
    }
}

/// Lets handlers return `Result<_, ApiError>` and use `?` on use cases. Boxed: results stay small.
#[derive(Debug)]
pub struct ApiError(pub Box<Problem>);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(Box::new(e.into()))
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError(Box::new(p))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}
