//! `/api/v1/audit`: the workspace's tamper-evident audit log, newest first, for owners and admins;
//! `/api/v1/audit/export`: all of it (or what the filters select) as JSON Lines, oldest first.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::header;
use rapport_app::audit;
use rapport_store::audit::{AuditQuery, Entry};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::resource::Problems;
use crate::extract::{ApiQuery, RequestCtx};
use crate::problem::{self, ApiError, Problem};
use crate::state::AppState;

/// The audit routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_audit))
        .routes(routes!(export_audit))
}

/// The filters both the list and the export take.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditFilters {
    /// Only entries by this user.
    pub actor_id: Option<Uuid>,
    /// Only this object type (`contacts`, `tokens`, `members`...).
    pub object_type: Option<String>,
    /// Only this object.
    pub object_id: Option<String>,
    /// Only this action (`contacts.update`), or a family with a trailing dot (`auth.`).
    pub action: Option<String>,
    /// From this time (inclusive, RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive, RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilters {
    /// The store query for these filters, without paging.
    fn into_query(self) -> AuditQuery {
        AuditQuery {
            actor_id: self.actor_id.map(|a| a.to_string()),
            object_type: self.object_type,
            object_id: self.object_id,
            action: self.action,
            from: self.from,
            to: self.to,
            before_seq: None,
            limit: 0,
        }
    }
}

/// `GET /api/v1/audit` parameters: [`AuditFilters`] plus paging, spelled out rather than
/// `#[serde(flatten)]`ed, which serde does not support together with `deny_unknown_fields`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries by this user.
    pub actor_id: Option<Uuid>,
    /// Only this object type (`contacts`, `tokens`, `members`...).
    pub object_type: Option<String>,
    /// Only this object.
    pub object_id: Option<String>,
    /// Only this action (`contacts.update`), or a family with a trailing dot (`auth.`).
    pub action: Option<String>,
    /// From this time (inclusive, RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive, RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the workspace's chain.
    pub seq: i64,
    /// When (UTC).
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub at: DateTime<Utc>,
    /// `user`, `token`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The acting user.
    pub actor_id: Option<String>,
    /// What happened.
    pub action: String,
    /// The object's type.
    pub object_type: Option<String>,
    /// The object's id.
    pub object_id: Option<String>,
    /// The id this server gave the request that did it (unique).
    pub request_id: Option<String>,
    /// The caller's own `X-Request-Id` for it, when it sent one.
    pub client_request_id: Option<String>,
    /// The client address.
    pub ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// Diff, reason, counts; personal values are masked.
    #[schema(value_type = Object)]
    pub details: Value,
    /// SHA-256 of the previous entry.
    pub prev_hash: String,
    /// SHA-256 of this entry.
    pub hash: String,
}

impl AuditParams {
    /// The filters, the cursor and the limit.
    fn split(self) -> (AuditFilters, Option<String>, Option<u64>) {
        let filters = AuditFilters {
            actor_id: self.actor_id,
            object_type: self.object_type,
            object_id: self.object_id,
            action: self.action,
            from: self.from,
            to: self.to,
        };
        (filters, self.cursor, self.limit)
    }
}

impl From<Entry> for AuditEntry {
    fn from(e: Entry) -> Self {
        AuditEntry {
            seq: e.seq,
            at: e.at,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            request_id: e.request_id,
            client_request_id: e.client_request_id,
            ip: e.ip,
            user_agent: e.user_agent,
            details: serde_json::from_str(&e.details).unwrap_or(Value::String(e.details)),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A page of entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub data: Vec<AuditEntry>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The workspace's audit log, newest first, with filters (owners and admins).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage), Problems))]
pub async fn list_audit(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let (filters, cursor, limit) = p.split();
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(
            Problem::new(problem::INVALID_PARAMETER, "limit must be from 1 to 200")
                .parameter("limit")
                .into(),
        );
    }
    let before_seq = match cursor.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ApiError::from(
                Problem::new(problem::INVALID_PARAMETER, "not a cursor from this list")
                    .parameter("cursor"),
            )
        })?),
    };
    let query = AuditQuery {
        before_seq,
        limit,
        ..filters.into_query()
    };
    let entries = audit::list(&s.app, &ctx, &query).await?;
    let next_cursor = (entries.len() as u64 == limit)
        .then(|| entries.last().map(|e| e.seq.to_string()))
        .flatten();
    Ok(Json(AuditPage {
        data: entries.into_iter().map(AuditEntry::from).collect(),
        next_cursor,
    }))
}

/// The workspace's audit log as JSON Lines (`application/x-ndjson`): one `AuditEntry` per line,
/// oldest first, with the same filters as `GET /api/v1/audit` and no paging (owners and admins;
/// tokens need the `admin` scope). The export is itself recorded as `audit.export` before it
/// starts, and ends with that entry when the filters select it. It streams in batches, so its
/// size is not bounded by memory; a failure midway ends the response early, without its last
/// chunk, which HTTP clients report as an incomplete body.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(AuditFilters),
    responses((status = 200, content_type = "application/x-ndjson", body = AuditEntry,
        description = "One AuditEntry per line, oldest first"), Problems))]
pub async fn export_audit(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    ApiQuery(p): ApiQuery<AuditFilters>,
) -> Result<Response, ApiError> {
    let export = audit::export(&s.app, &ctx, &p.into_query()).await?;
    let request_id = ctx.request_id.clone();
    let lines = futures_util::stream::try_unfold(export, |mut export| async move {
        Ok::<_, rapport_app::AppError>(match export.next_batch().await? {
            Some(batch) => Some((json_lines(batch)?, export)),
            None => None,
        })
    });
    let lines = futures_util::TryStreamExt::inspect_err(lines, move |e| {
        // The status line is gone by now: the log is the only place this failure shows.
        tracing::error!(request_id = %request_id, error = %e, "audit export failed midway");
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.jsonl\"",
            ),
        ],
        Body::from_stream(lines),
    )
        .into_response())
}

/// One JSON line per entry.
fn json_lines(batch: Vec<Entry>) -> Result<Bytes, rapport_app::AppError> {
    let mut out = Vec::new();
    for entry in batch {
        // An entry that cannot be written ends the export: an audit export never skips one.
        serde_json::to_writer(&mut out, &AuditEntry::from(entry))
            .map_err(|e| rapport_app::AppError::Internal(format!("audit export: {e}")))?;
        out.push(b'\n');
    }
    Ok(Bytes::from(out))
}
