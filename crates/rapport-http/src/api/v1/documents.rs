//! `/api/v1/documents`: files attached to records. An upload is the raw file as the body
//! (streamed to disk, not buffered; its limit is `documents.max_bytes`, not
//! `server.max_body_bytes`), a download streams it back; the metadata lists, renames, deletes
//! and restores like every record.

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::{AppError, documents, records};
use rapport_domain::ids::DocumentId;
use rapport_domain::objects::document::{READ_ONLY, SET_BY_UPLOAD, WRITABLE};
use rapport_domain::objects::{Document, DocumentDraft, UploadTarget};
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::middleware::idempotency::{self, Gate};
use crate::problem::ApiError;
use crate::state::AppState;

/// Where uploads go; the idempotency and body-log middleware leave its body to the handler.
pub const UPLOAD_PATH: &str = "/api/v1/documents";

const KNOWN: &[&[&str]] = &[WRITABLE, SET_BY_UPLOAD, READ_ONLY];

/// How much of a file one chunk of a download carries.
const CHUNK: usize = 64 * 1024;

/// The routes of documents.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_documents, upload_document))
        .routes(routes!(get_document, update_document, delete_document))
        .routes(routes!(restore_document))
        .routes(routes!(search_documents))
        .routes(routes!(download_document))
}

fn hidden(ctx: &rapport_app::Ctx) -> &'static [&'static str] {
    resource::hidden(ctx, <Document as records::Object>::SCHEMA)
}

/// List documents, e.g. a record's: `filter=record.id eq "..."`.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", summary = "List documents", params(ListQuery),
    responses((status = 200, body = ListEnvelope, description = "A page of records"), Problems))]
pub async fn list_documents(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let fields = Fields::from_query(q.fields.as_deref(), KNOWN)?;
    let page = records::list::<Document>(&s.app, &ctx, q.input()).await?;
    Ok(resource::page(
        page,
        fields.as_ref(),
        Some(&uri),
        hidden(&ctx),
    ))
}

/// `?record_type=&record_id=&name=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The object of the record to attach to: contacts, companies, deals, leads, cases or
    /// projects.
    pub record_type: Option<String>,
    /// The record's id (in this workspace).
    pub record_id: Option<String>,
    /// The file name; folders, control characters and `"<>:|?*` are removed.
    pub name: Option<String>,
}

/// The raw bytes of a file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// Upload a document: the raw file as the body (any content type: the type is sniffed from the
/// bytes, never taken from the client). Streamed to disk; larger than `documents.max_bytes`
/// answers 413 and keeps nothing. `Idempotency-Key` replays the first answer for the same
/// address and the same bytes.
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", summary = "Upload a document",
    params(UploadQuery, ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    request_body(content = FileBytes, content_type = "application/octet-stream", description = "The file's bytes"),
    responses((status = 201, body = Document, description = "Uploaded"), Problems))]
pub async fn upload_document(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    // Who may upload comes first: a refused caller learns nothing about the parameters.
    documents::authorize_upload(&s.app, &ctx).await?;
    let target = UploadTarget::parse(
        q.record_type.as_deref(),
        q.record_id.as_deref(),
        q.name.as_deref(),
    )
    .map_err(AppError::Validation)?;
    let key = headers
        .get(idempotency::HEADER)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    if let Some(k) = &key
        && !idempotency::valid_key(k)
    {
        return Ok(idempotency::invalid_key());
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let staged = documents::stage(&s.app, &ctx, target, declared, body.into_data_stream()).await?;
    let Some(raw_key) = key else {
        let d = documents::commit(&s.app, &ctx, staged).await?;
        return Ok(created(&ctx, &d));
    };
    // The same address and the same bytes make the same request.
    let hash = idempotency::request_hash(&Method::POST, &uri, staged.sha256().as_bytes());
    let key = match idempotency::gate(&s, &ctx, &raw_key, &hash).await {
        Gate::Run(key) => key,
        Gate::Answer(res) => return Ok(res),
    };
    let res = match documents::commit(&s.app, &ctx, staged).await {
        Ok(d) => created(&ctx, &d),
        Err(e) => ApiError::from(e).into_response(),
    };
    Ok(idempotency::finish(&s, &ctx, &key, res).await)
}

fn created(ctx: &rapport_app::Ctx, d: &Document) -> Response {
    resource::created(
        d,
        d.version,
        &format!("{UPLOAD_PATH}/{}", d.id),
        hidden(ctx),
    )
}

/// Get a document's metadata.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", summary = "Get a document", params(("id" = String, Path), GetQuery,
    ("If-None-Match" = Option<String>, Header, description = "ETag of your copy: 304 when unchanged")),
    responses((status = 200, body = Document), (status = 304, description = "Not modified"), Problems))]
pub async fn get_document(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    inm: IfNoneMatch,
    ApiQuery(q): ApiQuery<GetQuery>,
) -> Result<Response, ApiError> {
    let fields = Fields::from_query(q.fields.as_deref(), KNOWN)?;
    let d = records::get::<Document>(&s.app, &ctx, ids::parse(&raw)?).await?;
    Ok(resource::conditional(
        &inm,
        &d,
        d.version,
        fields.as_ref(),
        hidden(&ctx),
    ))
}

/// Rename a document (JSON merge patch; only `name` may change).
#[utoipa::path(patch, path = "/api/v1/documents/{id}", tag = "documents", summary = "Rename a document (JSON merge patch)",
    request_body(content = DocumentDraft, content_type = "application/merge-patch+json"),
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
    responses((status = 200, body = Document), Problems))]
pub async fn update_document(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(patch): JsonBody,
) -> Result<Response, ApiError> {
    let d = records::update::<Document>(&s.app, &ctx, ids::parse(&raw)?, patch, if_match).await?;
    Ok(resource::record(
        StatusCode::OK,
        &d,
        d.version,
        None,
        hidden(&ctx),
    ))
}

/// Delete a document (soft: restore brings it back). The file is kept.
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "documents", summary = "Delete a document (soft: restore brings it back)",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
    responses((status = 204, description = "Deleted"), Problems))]
pub async fn delete_document(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    records::delete::<Document>(&s.app, &ctx, ids::parse(&raw)?, if_match).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Restore a deleted document.
#[utoipa::path(post, path = "/api/v1/documents/{id}/restore", tag = "documents", summary = "Restore a deleted document", params(("id" = String, Path)),
    responses((status = 200, body = Document), Problems))]
pub async fn restore_document(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let d = records::restore::<Document>(&s.app, &ctx, ids::parse(&raw)?).await?;
    Ok(resource::record(
        StatusCode::OK,
        &d,
        d.version,
        None,
        hidden(&ctx),
    ))
}

/// List documents with the parameters in a JSON body.
#[utoipa::path(post, path = "/api/v1/documents/search", tag = "documents", summary = "List documents with the parameters in a JSON body", request_body = SearchBody,
    responses((status = 200, body = ListEnvelope), Problems))]
pub async fn search_documents(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let body = SearchBody::parse(body)?;
    let fields = Fields::parse(body.fields.iter().map(String::as_str), KNOWN)?;
    let page = records::list::<Document>(&s.app, &ctx, body.input()).await?;
    Ok(resource::page(page, fields.as_ref(), None, hidden(&ctx)))
}

/// `filename*` of `Content-Disposition` (RFC 6266, RFC 8187): UTF-8, percent-encoded except
/// the characters the RFC lets through.
fn encode_filename(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `attachment; filename="<ASCII stand-in>"; filename*=UTF-8''<the name>`: clients that read
/// `filename*` get the exact name, older ones a readable ASCII one.
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode_filename(name)
    )
}

/// Download a document's bytes, streamed, as an attachment with its sniffed type; the ETag is
/// the SHA-256 of the bytes. Every download is recorded in the audit log
/// (`documents.download`).
#[utoipa::path(get, path = "/api/v1/documents/{id}/content", tag = "documents", summary = "Download a document",
    params(("id" = String, Path)),
    responses((status = 200, description = "The file, with its sniffed Content-Type", content_type = "application/octet-stream", body = FileBytes), Problems))]
pub async fn download_document(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = DocumentId(ids::parse(&raw)?);
    let (d, file) = documents::open(&s.app, &ctx, id).await?;
    let request_id = ctx.request_id.clone();
    // `None` after a read error: the stream ends there (the client sees a short body).
    let chunks = futures_util::stream::unfold(Some(file), move |state| {
        let request_id = request_id.clone();
        async move {
            let mut file = state?;
            let mut buf = vec![0u8; CHUNK];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(Bytes::from(buf)), Some(file)))
                }
                Err(e) => {
                    // The status line is gone by now: the log is the only place this shows.
                    tracing::error!(request_id = %request_id, error = %e, "document download failed midway");
                    Some((Err(e), None))
                }
            }
        }
    });
    let mut res = Body::from_stream(chunks).into_response();
    let h = res.headers_mut();
    let value = |v: &str| HeaderValue::from_str(v).ok();
    if let Some(v) = value(&d.file.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(d.file.size));
    if let Some(v) = value(&disposition(&d.fields.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(v) = value(&format!("\"{}\"", d.file.sha256)) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Opened in a browser tab anyway, an uploaded page runs nothing and reaches nothing.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_survive_in_content_disposition() {
        assert_eq!(
            disposition("Offre été \"final\".pdf"),
            "attachment; filename=\"Offre _t_ _final_.pdf\"; filename*=UTF-8''Offre%20%C3%A9t%C3%A9%20%22final%22.pdf"
        );
    }
}
