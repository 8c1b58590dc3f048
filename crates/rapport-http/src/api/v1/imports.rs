//! `/api/v1/imports`: CSV imports as background jobs. The upload is the raw CSV as the body
//! (streamed to disk like a document: `imports.max_bytes`, not `server.max_body_bytes`);
//! `start` maps its columns and queues it (or answers a dry run); the import's progress, its
//! error report and a cancel follow.
//!
//! `Idempotency-Key` is not applied to the upload (the body streams past the middleware that
//! would buffer it); an upload sent twice makes two imports, of which only the one started
//! writes anything, and re-importing the same file never duplicates records anyway.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::imports::{self, ERRORS_HEADER, Started};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::resource::Problems;
use crate::extract::{ApiQuery, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

/// Where uploads go; the idempotency and body-log middleware leave its body to the handler.
pub const UPLOAD_PATH: &str = "/api/v1/imports";

const TAG: &str = "imports";

/// How much of the error report one chunk of the download carries.
const CHUNK: usize = 64 * 1024;

/// The routes of imports.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_imports, upload_import))
        .routes(routes!(get_import))
        .routes(routes!(start_import))
        .routes(routes!(cancel_import))
        .routes(routes!(import_errors))
}

/// An import (for the OpenAPI document; the answer is built by the app layer).
#[derive(Debug, Serialize, ToSchema)]
pub struct Import {
    /// Id (UUIDv7).
    #[schema(format = Uuid)]
    pub id: String,
    /// `contacts`, `companies` or `leads`.
    pub object: String,
    /// `uploaded`, `queued`, `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// The file's header names.
    pub columns: Vec<String>,
    /// Column -> field, once started.
    #[schema(value_type = Option<Object>)]
    pub mapping: Option<Value>,
    /// File size in bytes.
    pub size: i64,
    /// Data rows in the file (counted at upload).
    pub rows_total: i64,
    /// Rows processed, skipped ones included.
    pub rows_done: i64,
    /// Rows skipped with a problem (see `/errors`).
    pub rows_failed: i64,
    /// Records created.
    pub created: i64,
    /// Records updated.
    pub updated: i64,
    /// Rows matching a record that changed nothing.
    pub unchanged: i64,
    /// Why the import failed as a whole.
    pub failure: Option<String>,
    /// A cancel was asked for; it stops after the current chunk.
    pub cancel_requested: bool,
    /// When it was uploaded.
    pub created_at: String,
    /// When a runner first took it.
    pub started_at: Option<String>,
    /// When it completed, failed or was cancelled.
    pub finished_at: Option<String>,
}

/// The answer to an upload: the import and its first 10 rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadedImport {
    /// The import (status `uploaded`).
    #[serde(flatten)]
    pub import: Import,
    /// The first rows as `{"Column": "value"}`.
    #[schema(value_type = Vec<Object>)]
    pub preview: Vec<Value>,
}

/// `{"mapping": {"Email": "emails", "First": "first_name", "Company domain": "company.domain"},
/// "dry_run": false}`. Contacts' fields: `first_name`, `last_name`, `emails` and `phones`
/// (one or `;`-separated values per cell), `title`, `company_id`, `company.domain`,
/// `address.street|city|region|postal_code|country`, `lifecycle_stage`, `owner_id`, `tags`
/// (`;`-separated), `notes`. Companies': `name`, `domain`, `industry`, `employee_count`,
/// `annual_revenue` (`1250.00 EUR`), `address.*`, `owner_id`, `tags`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StartBody {
    /// Column name -> field; a column mapped to null is skipped.
    #[schema(value_type = Object)]
    pub mapping: Value,
    /// Map and validate the first 20 rows, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// A dry run's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct DryRun {
    /// Always true.
    pub dry_run: bool,
    /// Each of the first rows: `row` (the header is row 1), `action` (`create`, `update`,
    /// `skip`), `body`, `problems` (`column`, `pointer`, `code`, `message`).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Value>,
}

/// A page of imports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportList {
    /// Newest first.
    pub data: Vec<Import>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// `?object=contacts`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `contacts`, `companies` or `leads`.
    pub object: Option<String>,
}

/// `?limit=&cursor=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportListQuery {
    /// 1 to 200, default 50.
    pub limit: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The raw bytes of a CSV file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct CsvBytes(pub Vec<u8>);

fn to_json<T: Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| rapport_app::AppError::Internal(e.to_string()).into())
}

/// Upload a CSV file to import: the raw file as the body, its first line naming the columns.
/// Streamed to disk; larger than `imports.max_bytes` (default 1 GiB) answers 413 and keeps
/// nothing. Answers the import (`uploaded`), its columns and its first 10 rows; nothing is
/// written to records until it is started.
#[utoipa::path(post, path = "/api/v1/imports", tag = TAG, summary = "Upload a CSV file to import",
    params(UploadQuery),
    request_body(content = CsvBytes, content_type = "text/csv", description = "The CSV file"),
    responses((status = 201, body = UploadedImport, description = "Uploaded"), Problems))]
pub async fn upload_import(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    // Who may import comes first: a refused caller's body is not read.
    imports::authorize_upload(&s.app, &ctx, q.object.as_deref()).await?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let up = imports::upload(
        &s.app,
        &ctx,
        q.object.as_deref(),
        declared,
        body.into_data_stream(),
    )
    .await?;
    let location = format!("{UPLOAD_PATH}/{}", up.import.id);
    let mut res = (StatusCode::CREATED, Json(to_json(&up)?)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// List the workspace's imports, newest first.
#[utoipa::path(get, path = "/api/v1/imports", tag = TAG, summary = "List imports",
    params(ImportListQuery),
    responses((status = 200, body = ImportList), Problems))]
pub async fn list_imports(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    ApiQuery(q): ApiQuery<ImportListQuery>,
) -> Result<Response, ApiError> {
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(raw) => raw
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or(rapport_app::AppError::BadParameter {
                parameter: "limit",
                message: "limit is a whole number from 1 to 200".into(),
            })?,
    };
    let after = match q.cursor.as_deref() {
        None => None,
        Some(raw) => {
            Some(
                Uuid::parse_str(raw).map_err(|_| rapport_app::AppError::BadParameter {
                    parameter: "cursor",
                    message: "not a cursor from a previous page".into(),
                })?,
            )
        }
    };
    let (data, next) = imports::list(&s.app, &ctx, after, limit).await?;
    Ok(Json(json!({
        "data": to_json(&data)?,
        "next_cursor": next.map(|n| n.to_string()),
    }))
    .into_response())
}

/// An import's status and progress.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = TAG, summary = "Get an import's progress",
    params(("id" = String, Path)),
    responses((status = 200, body = Import), Problems))]
pub async fn get_import(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let view = imports::get(&s.app, &ctx, ids::parse(&raw)?).await?;
    Ok(Json(to_json(&view)?).into_response())
}

/// Start an import with a column mapping (202, `queued`), or with `"dry_run": true` map and
/// validate its first 20 rows and write nothing (200; the import stays `uploaded`). An unknown
/// column or field answers 422 with the pointer `/mapping/<column>`.
#[utoipa::path(post, path = "/api/v1/imports/{id}/start", tag = TAG, summary = "Start an import (or dry-run it)",
    params(("id" = String, Path)), request_body = StartBody,
    responses((status = 202, body = Import, description = "Queued"),
        (status = 200, body = DryRun, description = "Dry run: nothing written"), Problems))]
pub async fn start_import(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let id = ids::parse(&raw)?;
    Ok(match imports::start(&s.app, &ctx, id, body).await? {
        Started::DryRun(rows) => {
            Json(json!({ "dry_run": true, "rows": to_json(&rows)? })).into_response()
        }
        Started::Queued(view) => (StatusCode::ACCEPTED, Json(to_json(&view)?)).into_response(),
    })
}

/// Cancel an import: at once when it is not running yet, after the current chunk when it is
/// (rows already written stay). A finished import answers 409.
#[utoipa::path(post, path = "/api/v1/imports/{id}/cancel", tag = TAG, summary = "Cancel an import",
    params(("id" = String, Path)),
    responses((status = 200, body = Import), Problems))]
pub async fn cancel_import(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let view = imports::cancel(&s.app, &ctx, ids::parse(&raw)?).await?;
    Ok(Json(to_json(&view)?).into_response())
}

/// The error report as CSV (`row,column,message`; `row` counts the header as row 1), as far
/// as the committed chunks wrote it; streamed.
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors", tag = TAG, summary = "Download an import's error report",
    params(("id" = String, Path)),
    responses((status = 200, description = "The rows that were skipped and why", content_type = "text/csv", body = String), Problems))]
pub async fn import_errors(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = ids::parse(&raw)?;
    let (file, len) = imports::errors(&s.app, &ctx, id).await?;
    let request_id = ctx.request_id.clone();
    let body = match file {
        None => Body::from(ERRORS_HEADER),
        Some(file) => {
            // Only the committed part: a chunk in flight may have written more.
            let limited = file.take(len);
            let chunks = futures_util::stream::unfold(Some(limited), move |state| {
                let request_id = request_id.clone();
                async move {
                    let mut file = state?;
                    let mut buf = vec![0u8; CHUNK];
                    match file.read(&mut buf).await {
                        Ok(0) => None,
                        Ok(n) => {
                            buf.truncate(n);
                            Some((Ok::<_, std::io::Error>(Bytes::from(buf)), Some(file)))
                        }
                        Err(e) => {
                            tracing::error!(request_id = %request_id, error = %e, "error report download failed midway");
                            Some((Err(e), None))
                        }
                    }
                }
            });
            Body::from_stream(chunks)
        }
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"import-{id}-errors.csv\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
