//! What every record resource shares: ETags and conditional GETs, `Location` on create, `fields`
//! projection, the list envelope with its `Link` header, and the list parameters.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rapport_app::lists::ListInput;
use rapport_domain::schema::ObjectSchema;
use rapport_store::list::{Page, Total};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::extract::IfNoneMatch;
use crate::extract::preconditions::etag;
use crate::extract::wording;
use crate::problem::{self, ApiError, Problem};

/// `GET /{object}` query parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Comma-separated sortable fields, `-` for descending (default `-created_at`).
    pub sort: Option<String>,
    /// Filter expression, e.g. `lifecycle_stage eq "lead" and created_at gte "-30d"`.
    pub filter: Option<String>,
    /// Comma-separated fields to return.
    pub fields: Option<String>,
    /// Count matching records (bounded; see `total_estimate`).
    pub include_total: Option<bool>,
}

/// `POST /{object}/search` body: the list parameters as JSON.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    /// Filter expression.
    pub filter: Option<String>,
    /// Sort keys, e.g. `["-updated_at", "last_name"]`.
    #[serde(default)]
    pub sort: Vec<String>,
    /// Page size, 1 to 200.
    pub limit: Option<u32>,
    /// Cursor from a previous page.
    pub cursor: Option<String>,
    /// Fields to return.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Count matching records.
    #[serde(default)]
    pub include_total: bool,
}

/// `GET /{object}/{id}` query parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    /// Comma-separated fields to return.
    pub fields: Option<String>,
    /// Comma-separated references (`company`) or associated objects (`deals`) to embed one
    /// level deep under `expanded`.
    pub expand: Option<String>,
}

/// The names of `?expand=`, or 400 when malformed.
pub fn expand_names(raw: Option<&str>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let names: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() || names.len() > 10 {
        return Err(rapport_app::AppError::BadParameter {
            parameter: "expand",
            message: "name 1 to 10 references or associated objects, comma-separated".into(),
        }
        .into());
    }
    Ok(Some(names))
}

/// A record with embedded ones: no ETag, since embedded records change without its version.
pub fn expanded(value: &Value, fields: Option<&Fields>, hidden: &[&str]) -> Response {
    let mut v = to_json(value, fields, hidden);
    // `fields` projects the record; the embedded records come along whole.
    if let (Some(_), Value::Object(m), Some(e)) = (fields, &mut v, value.get("expanded")) {
        m.insert("expanded".into(), e.clone());
    }
    Json(v).into_response()
}

impl ListQuery {
    /// The use-case input.
    pub fn input(&self) -> ListInput {
        ListInput {
            filter: self.filter.clone(),
            sort: self.sort.clone(),
            limit: self.limit.clone(),
            cursor: self.cursor.clone(),
            include_total: self.include_total.unwrap_or(false),
        }
    }
}

impl SearchBody {
    /// Reads a search body, answering 422 for unknown or mistyped members.
    pub fn parse(value: Value) -> Result<Self, ApiError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let member = (path != "." && !path.is_empty()).then_some(path);
            let message = wording::plain(&e.inner().to_string(), member.as_deref(), "field");
            ApiError::from(Problem::new(
                problem::VALIDATION_FAILED,
                format!("search body: {message}"),
            ))
        })
    }

    /// The use-case input.
    pub fn input(&self) -> ListInput {
        ListInput {
            filter: self.filter.clone(),
            sort: (!self.sort.is_empty()).then(|| self.sort.join(",")),
            limit: self.limit.map(|l| l.to_string()),
            cursor: self.cursor.clone(),
            include_total: self.include_total,
        }
    }
}

/// A `fields` selection, checked against the object's fields.
#[derive(Debug, Clone)]
pub struct Fields(Vec<String>);

impl Fields {
    /// Parses `fields=a,b`; `known` are the object's top-level JSON members.
    pub fn parse<'a>(
        names: impl IntoIterator<Item = &'a str>,
        known: &[&[&str]],
    ) -> Result<Option<Fields>, ApiError> {
        let mut out: Vec<String> = Vec::new();
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            if !known.iter().any(|set| set.contains(&name)) {
                let all: Vec<&str> = known.iter().flat_map(|s| s.iter().copied()).collect();
                return Err(Problem::new(
                    problem::INVALID_PARAMETER,
                    format!("'{name}' is not a field; fields: {}", all.join(", ")),
                )
                .parameter("fields")
                .into());
            }
            out.push(name.to_owned());
        }
        Ok((!out.is_empty()).then_some(Fields(out)))
    }

    /// From a comma-separated query parameter.
    pub fn from_query(raw: Option<&str>, known: &[&[&str]]) -> Result<Option<Fields>, ApiError> {
        Fields::parse(raw.unwrap_or("").split(','), known)
    }

    fn project(&self, value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| self.0.iter().any(|f| f == k))
                    .collect::<Map<_, _>>(),
            ),
            other => other,
        }
    }
}

/// The members a caller may not see: an object's personal fields for roles without `pii_read`.
pub fn hidden(ctx: &rapport_app::Ctx, schema: &ObjectSchema) -> &'static [&'static str] {
    if ctx.principal.pii_read() {
        &[]
    } else {
        schema.sensitive
    }
}

fn to_json<T: Serialize>(record: &T, fields: Option<&Fields>, hidden: &[&str]) -> Value {
    let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        for key in hidden {
            map.remove(*key);
        }
    }
    match fields {
        Some(f) => f.project(value),
        None => value,
    }
}

/// A record answer with its ETag.
pub fn record<T: Serialize>(
    status: StatusCode,
    value: &T,
    version: i64,
    fields: Option<&Fields>,
    hidden: &[&str],
) -> Response {
    let mut res = (status, Json(to_json(value, fields, hidden))).into_response();
    res.headers_mut().insert(header::ETAG, etag(version));
    res
}

/// `201 Created` with `Location`.
pub fn created<T: Serialize>(value: &T, version: i64, location: &str, hidden: &[&str]) -> Response {
    let mut res = record(StatusCode::CREATED, value, version, None, hidden);
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// `308 Permanent Redirect` to `location`: a merged record's address leads to the survivor
/// (308, not 301: a client repeats the same method there).
pub fn moved(location: &str) -> Response {
    let mut res = StatusCode::PERMANENT_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// A GET answer: `304` when the client's ETag is current.
pub fn conditional<T: Serialize>(
    inm: &IfNoneMatch,
    value: &T,
    version: i64,
    fields: Option<&Fields>,
    hidden: &[&str],
) -> Response {
    if inm.matches(version) {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        res.headers_mut().insert(header::ETAG, etag(version));
        return res;
    }
    record(StatusCode::OK, value, version, fields, hidden)
}

/// The list envelope.
#[derive(Serialize, ToSchema)]
pub struct ListEnvelope {
    /// The records of this page.
    pub data: Vec<Value>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// With `include_total=true`: the count, or `null` when over the counting budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Option<i64>>,
    /// With `include_total=true` over the budget: a lower bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_estimate: Option<i64>,
}

/// The list envelope as it is written: `data` is the records themselves, or their projections.
#[derive(Serialize)]
struct Envelope<D> {
    data: D,
    next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_estimate: Option<i64>,
}

/// A page as the list envelope, with `Link: <...>; rel="next"` when `uri` is given (GET lists).
pub fn page<T: Serialize>(
    page: Page<T>,
    fields: Option<&Fields>,
    uri: Option<&Uri>,
    hidden: &[&str],
) -> Response {
    let (total, total_estimate) = match page.total {
        None => (None, None),
        Some(Total::Exact(n)) => (Some(Some(n)), None),
        Some(Total::AtLeast(n)) => (Some(None), Some(n)),
    };
    let link = match (&page.next_cursor, uri) {
        (Some(cursor), Some(uri)) => Some(next_link(uri, cursor)),
        _ => None,
    };
    let next_cursor = page.next_cursor;
    // Without a projection the records serialise straight to bytes, with no intermediate maps.
    let mut res = match fields {
        None if hidden.is_empty() => Json(Envelope {
            data: page.items,
            next_cursor,
            total,
            total_estimate,
        })
        .into_response(),
        fields => {
            let data: Vec<Value> = page
                .items
                .iter()
                .map(|r| to_json(r, fields, hidden))
                .collect();
            Json(Envelope {
                data,
                next_cursor,
                total,
                total_estimate,
            })
            .into_response()
        }
    };
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LINK, link);
    }
    res
}

/// `Link: <same path and query, with this cursor>; rel="next"`.
pub fn next_link(uri: &Uri, cursor: &str) -> String {
    let mut pairs: Vec<String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
        .map(str::to_owned)
        .collect();
    // Cursors are base64url: safe in a query string as they are.
    pairs.push(format!("cursor={cursor}"));
    format!("<{}?{}>; rel=\"next\"", uri.path(), pairs.join("&"))
}

/// The standard problem responses, for OpenAPI.
#[derive(utoipa::IntoResponses)]
pub enum Problems {
    /// Malformed request (bad JSON, bad filter with its position, bad parameter).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(#[to_schema] Problem),
    /// No valid credentials.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// Role or token scopes do not allow this, or a cross-site request.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such record in this workspace.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// Conflict (duplicate, idempotency key in flight).
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// `If-Match` is stale.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
    /// Body too large.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Body is not JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Invalid fields, every one listed.
    #[response(status = 422, content_type = "application/problem+json")]
    Validation(Problem),
    /// Too many attempts; see Retry-After.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
    /// Unexpected error.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// Overloaded or a dependency is down.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Generates one object's handlers and `router()`: list, create, get, update, delete, restore and
/// search, each documented for OpenAPI. Handlers stay concrete functions (utoipa documents
/// functions), so each object names its own; everything they do is in the shared code above and in
/// `rapport_app::records`. The calling module imports what the handlers use (see `contacts.rs`).
/// An object whose list takes more parameters (a calendar range) names its query type and the use
/// case that runs it with `list: { query: Q, run: f, }` (see `appointments.rs`).
macro_rules! record_resource {
    (
        record: $record:ty,
        draft: $draft:ty,
        noun: $noun:literal,
        nouns: $nouns:literal,
        tag: $tag:literal,
        known: $known:expr,
        paths: { collection: $collection_path:literal, item: $item_path:literal, restore: $restore_path:literal, search: $search_path:literal, export: $export_path:literal, batch: $batch_path:literal $(,)? },
        handlers: { list: $list:ident, create: $create:ident, get: $get:ident, update: $update:ident, delete: $delete:ident, restore: $restore:ident, search: $search:ident, export: $export:ident, batch: $batch:ident $(,)? },
        list: { query: $list_query:ty, run: $list_run:expr, } $(,)?
    ) => {
        /// The routes of this object.
        pub fn router() -> OpenApiRouter<AppState> {
            OpenApiRouter::new()
                .routes(routes!($list, $create))
                .routes(routes!($get, $update, $delete))
                .routes(routes!($restore))
                .routes(routes!($search))
                .routes(routes!($export))
                .routes(routes!($batch))
        }

        /// Create, update, upsert and delete up to 100 records, each on its own.
        #[utoipa::path(post, path = $batch_path, tag = $tag, summary = concat!("Create, update, upsert and delete up to 100 ", $nouns), request_body = resource::BatchBody,
            responses((status = 200, body = resource::BatchResults, description = "One result per item, in the order given"), Problems))]
        pub async fn $batch(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            JsonBody(body): JsonBody,
        ) -> Result<Response, ApiError> {
            let outcomes = rapport_app::batch::run::<$record>(&s.app, &ctx, body).await?;
            let hidden = resource::hidden(&ctx, <$record as records::Object>::SCHEMA);
            Ok(resource::batch_response(outcomes, hidden))
        }

        /// Export the filtered list as CSV or JSON lines, streamed.
        #[utoipa::path(get, path = $export_path, tag = $tag, summary = concat!("Export ", $nouns, " as CSV or JSON lines (streamed)"), params(resource::ExportQuery),
            responses((status = 200, description = "`text/csv` or `application/x-ndjson`, streamed", content_type = "text/csv"), Problems))]
        pub async fn $export(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            ApiQuery(q): ApiQuery<resource::ExportQuery>,
        ) -> Result<Response, ApiError> {
            let format = q.format()?;
            let pages = rapport_app::exports::export::<$record>(&s.app, &ctx, q.input()).await?;
            let hidden = resource::hidden(&ctx, <$record as records::Object>::SCHEMA);
            let custom: Vec<String> = rapport_app::custom_fields::definitions(
                &s.app,
                &ctx,
                <$record as records::Object>::SCHEMA.name,
            )
            .await?
            .into_iter()
            .map(|d| d.key)
            .collect();
            Ok(resource::export_response(format, $known, hidden, &custom, $nouns, pages))
        }

        /// List records.
        #[utoipa::path(get, path = $collection_path, tag = $tag, summary = concat!("List ", $nouns), params($list_query),
            responses((status = 200, body = ListEnvelope, description = "A page of records"), Problems))]
        pub async fn $list(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            OriginalUri(uri): OriginalUri,
            ApiQuery(q): ApiQuery<$list_query>,
        ) -> Result<Response, ApiError> {
            let fields = Fields::from_query(q.fields.as_deref(), $known)?;
            let page = ($list_run)(&s.app, &ctx, &q).await?;
            let hidden = resource::hidden(&ctx, <$record as records::Object>::SCHEMA);
            Ok(resource::page(page, fields.as_ref(), Some(&uri), hidden))
        }

        /// Create a record.
        #[utoipa::path(post, path = $collection_path, tag = $tag, summary = concat!("Create a ", $noun), request_body = $draft,
            params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
            responses((status = 201, body = $record, description = "Created"), Problems))]
        pub async fn $create(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            JsonBody(body): JsonBody,
        ) -> Result<Response, ApiError> {
            let c = records::create::<$record>(&s.app, &ctx, body).await?;
            Ok(resource::created(
                &c,
                c.version,
                &format!(concat!($collection_path, "/{}"), c.id),
                resource::hidden(&ctx, <$record as records::Object>::SCHEMA),
            ))
        }

        /// Get a record.
        #[utoipa::path(get, path = $item_path, tag = $tag, summary = concat!("Get a ", $noun), params(("id" = String, Path), GetQuery,
            ("If-None-Match" = Option<String>, Header, description = "ETag of your copy: 304 when unchanged")),
            responses((status = 200, body = $record), (status = 304, description = "Not modified"),
                (status = 308, description = "Merged into another record (contacts, companies): `Location` is the survivor's address"),
                Problems))]
        pub async fn $get(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path(raw): Path<String>,
            inm: IfNoneMatch,
            ApiQuery(q): ApiQuery<GetQuery>,
        ) -> Result<Response, ApiError> {
            let fields = Fields::from_query(q.fields.as_deref(), $known)?;
            let c = match records::get::<$record>(&s.app, &ctx, ids::parse(&raw)?).await {
                Ok(c) => c,
                Err(rapport_app::AppError::Merged { into }) => {
                    return Ok(resource::moved(&format!(concat!($collection_path, "/{}"), into)));
                }
                Err(e) => return Err(e.into()),
            };
            let hidden = resource::hidden(&ctx, <$record as records::Object>::SCHEMA);
            if let Some(names) = resource::expand_names(q.expand.as_deref())? {
                let object = <$record as records::Object>::SCHEMA.name;
                let value = serde_json::to_value(&c).map_err(|e| rapport_app::AppError::Internal(e.to_string()))?;
                let value = rapport_app::associations::expand(&s.app, &ctx, object, value, &names).await?;
                return Ok(resource::expanded(&value, fields.as_ref(), hidden));
            }
            Ok(resource::conditional(&inm, &c, c.version, fields.as_ref(), hidden))
        }

        /// Update a record (JSON merge patch).
        #[utoipa::path(patch, path = $item_path, tag = $tag, summary = concat!("Update a ", $noun, " (JSON merge patch)"), request_body(content = $draft, content_type = "application/merge-patch+json"),
            params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
            responses((status = 200, body = $record), Problems))]
        pub async fn $update(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path(raw): Path<String>,
            IfMatch(if_match): IfMatch,
            JsonBody(patch): JsonBody,
        ) -> Result<Response, ApiError> {
            let c = records::update::<$record>(&s.app, &ctx, ids::parse(&raw)?, patch, if_match).await?;
            let hidden = resource::hidden(&ctx, <$record as records::Object>::SCHEMA);
            Ok(resource::record(StatusCode::OK, &c, c.version, None, hidden))
        }

        /// Delete a record (soft: restore brings it back).
        #[utoipa::path(delete, path = $item_path, tag = $tag, summary = concat!("Delete a ", $noun, " (soft: restore brings it back)"),
            params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
            responses((status = 204, description = "Deleted"), Problems))]
        pub async fn $delete(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path(raw): Path<String>,
            IfMatch(if_match): IfMatch,
        ) -> Result<Response, ApiError> {
            records::delete::<$record>(&s.app, &ctx, ids::parse(&raw)?, if_match).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }

        /// Restore a deleted record.
        #[utoipa::path(post, path = $restore_path, tag = $tag, summary = concat!("Restore a deleted ", $noun), params(("id" = String, Path)),
            responses((status = 200, body = $record), Problems))]
        pub async fn $restore(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path(raw): Path<String>,
        ) -> Result<Response, ApiError> {
            let c = records::restore::<$record>(&s.app, &ctx, ids::parse(&raw)?).await?;
            let hidden = resource::hidden(&ctx, <$record as records::Object>::SCHEMA);
            Ok(resource::record(StatusCode::OK, &c, c.version, None, hidden))
        }

        /// List records with the parameters in a JSON body.
        #[utoipa::path(post, path = $search_path, tag = $tag, summary = concat!("List ", $nouns, " with the parameters in a JSON body"), request_body = SearchBody,
            responses((status = 200, body = ListEnvelope), Problems))]
        pub async fn $search(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            JsonBody(body): JsonBody,
        ) -> Result<Response, ApiError> {
            let body = SearchBody::parse(body)?;
            let fields = Fields::parse(body.fields.iter().map(String::as_str), $known)?;
            let page = records::list::<$record>(&s.app, &ctx, body.input()).await?;
            let hidden = resource::hidden(&ctx, <$record as records::Object>::SCHEMA);
            Ok(resource::page(page, fields.as_ref(), None, hidden))
        }
    };
    // Most objects list with the standard parameters only.
    (
        record: $record:ty,
        draft: $draft:ty,
        noun: $noun:literal,
        nouns: $nouns:literal,
        tag: $tag:literal,
        known: $known:expr,
        paths: { collection: $collection_path:literal, item: $item_path:literal, restore: $restore_path:literal, search: $search_path:literal, export: $export_path:literal, batch: $batch_path:literal $(,)? },
        handlers: { list: $list:ident, create: $create:ident, get: $get:ident, update: $update:ident, delete: $delete:ident, restore: $restore:ident, search: $search:ident, export: $export:ident, batch: $batch:ident $(,)? } $(,)?
    ) => {
        record_resource! {
            record: $record,
            draft: $draft,
            noun: $noun,
            nouns: $nouns,
            tag: $tag,
            known: $known,
            paths: { collection: $collection_path, item: $item_path, restore: $restore_path, search: $search_path, export: $export_path, batch: $batch_path },
            handlers: { list: $list, create: $create, get: $get, update: $update, delete: $delete, restore: $restore, search: $search, export: $export, batch: $batch },
            list: { query: ListQuery, run: resource::list_records::<$record>, },
        }
    };
}
pub(crate) use record_resource;

/// The standard list use case: the query's filter, sort and page.
pub async fn list_records<R: rapport_app::records::Object>(
    app: &rapport_app::App,
    ctx: &rapport_app::Ctx,
    q: &ListQuery,
) -> Result<Page<R>, rapport_app::AppError> {
    rapport_app::records::list::<R>(app, ctx, q.input()).await
}

/// `GET /{object}/export` query parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `jsonl`.
    pub format: Option<String>,
    /// Filter expression, as for lists.
    pub filter: Option<String>,
    /// Sort, as for lists (default: the list's).
    pub sort: Option<String>,
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl ExportQuery {
    /// The requested format, or 400.
    pub fn format(&self) -> Result<ExportFormat, ApiError> {
        match self.format.as_deref().unwrap_or("csv") {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" => Ok(ExportFormat::Jsonl),
            other => Err(rapport_app::AppError::BadParameter {
                parameter: "format",
                message: format!("'{other}' is not an export format; use csv or jsonl"),
            }
            .into()),
        }
    }

    /// The list parameters of the export.
    pub fn input(&self) -> ListInput {
        ListInput {
            filter: self.filter.clone(),
            sort: self.sort.clone(),
            ..ListInput::default()
        }
    }
}

/// The columns of a CSV export: `id`, the writable fields, then the other read-only ones, less
/// the fields the caller may not see.
fn export_columns(known: &[&[&'static str]], hidden: &[&str]) -> Vec<&'static str> {
    let mut out = vec!["id"];
    for group in known {
        for f in *group {
            if !out.contains(f) && !hidden.contains(f) {
                out.push(f);
            }
        }
    }
    out
}

/// One CSV cell: text as is, numbers and flags as written, money as `1250.00 EUR`, lists of
/// text joined with `; `, anything else as compact JSON; absent values empty.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        Some(Value::Object(m)) if m.len() == 2 && m.get("amount").is_some_and(Value::is_string) => {
            format!(
                "{} {}",
                m.get("amount").and_then(Value::as_str).unwrap_or_default(),
                m.get("currency")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )
        }
        Some(other) => other.to_string(),
    }
}

fn csv_line(cells: impl IntoIterator<Item = String>) -> Result<bytes::Bytes, std::io::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(cells.into_iter().map(|c| {
        // A cell a spreadsheet would run as a formula is quoted as text (CSV injection).
        if c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err() {
            format!("'{c}")
        } else {
            c
        }
    }))?;
    w.into_inner()
        .map(bytes::Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A streamed export response: the pages of records become CSV rows or JSON lines as they
/// arrive, so memory stays at one page whatever the size. An error after the first byte ends
/// the stream early (the status is already sent); the client sees a truncated body. In CSV each
/// of the object's custom fields (`custom`: their keys) is a column of its own, `custom.<key>`,
/// the name an import maps back.
pub fn export_response<T, S>(
    format: ExportFormat,
    known: &[&[&'static str]],
    hidden: &'static [&'static str],
    custom: &[String],
    name: &str,
    pages: S,
) -> Response
where
    T: Serialize + Send + 'static,
    S: futures_util::Stream<Item = Result<Vec<T>, rapport_app::AppError>> + Send + 'static,
{
    use futures_util::StreamExt;
    let mut columns: Vec<String> = export_columns(known, hidden)
        .into_iter()
        .filter(|c| *c != "custom")
        .map(str::to_owned)
        .collect();
    columns.extend(custom.iter().map(|k| format!("custom.{k}")));
    let header = match format {
        ExportFormat::Csv => csv_line(columns.iter().cloned()).ok(),
        ExportFormat::Jsonl => None,
    };
    let rows = pages.map(move |page| {
        let page = page.map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut out = Vec::new();
        for record in page {
            let value = to_json(&record, None, hidden);
            match format {
                ExportFormat::Csv => {
                    let line = csv_line(columns.iter().map(|c| match c.strip_prefix("custom.") {
                        Some(key) => cell(value.get("custom").and_then(|m| m.get(key))),
                        None => cell(value.get(c.as_str())),
                    }))?;
                    out.extend_from_slice(&line);
                }
                ExportFormat::Jsonl => {
                    out.extend_from_slice(value.to_string().as_bytes());
                    out.push(b'\n');
                }
            }
        }
        Ok::<bytes::Bytes, std::io::Error>(bytes::Bytes::from(out))
    });
    let body = futures_util::stream::iter(header.map(Ok)).chain(rows);
    let (content_type, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Jsonl => ("application/x-ndjson", "jsonl"),
    };
    let mut res = axum::body::Body::from_stream(body).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /{object}/batch` body.
#[derive(Debug, ToSchema)]
pub struct BatchBody {
    /// Bodies of records to create; with `external_id`, a retry never duplicates.
    pub create: Option<Vec<Value>>,
    /// Merge patches, each with the record's `id` (and optionally its `version`).
    pub update: Option<Vec<Value>>,
    /// Records matched by `external_id` or the object's natural key (a contact's email, a
    /// company's domain): updated when found, created otherwise.
    pub upsert: Option<Vec<Value>>,
    /// Ids (or `{"id": ...}`) of records to delete.
    pub delete: Option<Vec<Value>>,
}

/// One batch item's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    /// `create`, `update`, `upsert` or `delete`.
    pub op: &'static str,
    /// The item's index within its list.
    pub index: usize,
    /// 200, 201, 204, or the problem's status.
    pub status: u16,
    /// The record's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<uuid::Uuid>,
    /// The record as stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<Value>,
    /// Why the item failed (RFC 9457).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// `POST /{object}/batch` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResults {
    /// One result per item: creates first, then updates, upserts and deletes, each in order.
    pub data: Vec<BatchResult>,
}

/// The answer to a batch: 200 with a result per item, failed items carrying their problem.
pub fn batch_response<R: Serialize + rapport_domain::objects::Record>(
    outcomes: Vec<rapport_app::batch::Outcome<R>>,
    hidden: &[&str],
) -> Response {
    let data = outcomes
        .into_iter()
        .map(|o| {
            let op = o.op.key();
            match o.result {
                Ok((status, record)) => BatchResult {
                    op,
                    index: o.index,
                    status,
                    id: record.as_ref().map(rapport_domain::objects::Record::id),
                    record: record.map(|r| to_json(&r, None, hidden)),
                    problem: None,
                },
                Err(e) => {
                    let p = Problem::from(e);
                    BatchResult {
                        op,
                        index: o.index,
                        status: p.status,
                        id: None,
                        record: None,
                        problem: Some(p),
                    }
                }
            }
        })
        .collect();
    Json(BatchResults { data }).into_response()
}
