//! CSV imports as background jobs. An upload is streamed to
//! `<imports dir>/<workspace>/<id>.csv` (constant memory, `imports.max_bytes`), scanned once for
//! its header, row count and a preview; `start` checks a column mapping and either answers a
//! dry run (the first rows mapped and validated, nothing written) or queues the job, which a
//! [`runner`] works through in chunks, each chunk one transaction that also saves the
//! progress: a restart resumes after the last committed chunk and never writes a row twice.
//!
//! Who may import: roles allowed `import` on the object (managers and above, or a custom role
//! granting it). The runner acts as the member who started the import, with their role as it
//! is when each chunk runs (a member who left, or lost the right, stops the job).

pub mod rows;
pub mod runner;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::{Company, Contact, Lead, time};
use rapport_domain::policy::{Action, Resource};
use rapport_domain::validation::FieldError;
use rapport_store::imports::{self as store, ImportRow};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;
use crate::records;
use rows::{Importable, Mapping};

/// Rows shown after an upload.
pub const PREVIEW_ROWS: usize = 10;
/// Rows a dry run maps and validates.
pub const DRY_RUN_ROWS: usize = 20;

/// The objects rows can be imported into.
pub const OBJECTS: &[&str] = &["contacts", "companies", "leads"];

/// An import as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportView {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The object rows are imported into.
    pub object: String,
    /// uploaded, queued, running, completed, failed or cancelled.
    pub status: String,
    /// The file's header names.
    pub columns: Vec<String>,
    /// Column -> field, once started.
    pub mapping: Option<Value>,
    /// The file's size in bytes.
    pub size: i64,
    /// Data rows in the file (counted at upload; blank lines are not rows).
    pub rows_total: i64,
    /// Rows processed so far, skipped ones included.
    pub rows_done: i64,
    /// Rows skipped with a problem (see the error report).
    pub rows_failed: i64,
    /// Records created.
    pub created: i64,
    /// Records updated.
    pub updated: i64,
    /// Rows that matched a record and changed nothing.
    pub unchanged: i64,
    /// Why the import failed as a whole, when it did.
    pub failure: Option<String>,
    /// A cancel was asked for; the runner stops after its current chunk.
    pub cancel_requested: bool,
    /// When it was uploaded.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When a runner first took it.
    #[serde(serialize_with = "opt_time")]
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed, failed or was cancelled.
    #[serde(serialize_with = "opt_time")]
    pub finished_at: Option<DateTime<Utc>>,
}

fn opt_time<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rapport_domain::objects::time::serialize(t, s),
        None => s.serialize_none(),
    }
}

impl ImportView {
    fn from_row(r: &ImportRow) -> Self {
        Self {
            id: r.id,
            object: r.object.clone(),
            status: r.status.clone(),
            columns: serde_json::from_str(&r.columns).unwrap_or_default(),
            mapping: r
                .mapping
                .as_deref()
                .and_then(|m| serde_json::from_str(m).ok()),
            size: r.size,
            rows_total: r.rows_total,
            rows_done: r.rows_done,
            rows_failed: r.rows_failed,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            failure: r.failure.clone(),
            cancel_requested: r.cancel_requested_at.is_some() && r.status == "running",
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// The answer to an upload: the import and its first rows.
#[derive(Debug, Clone, Serialize)]
pub struct Uploaded {
    /// The import.
    #[serde(flatten)]
    pub import: ImportView,
    /// The first rows as `{"Column": "value"}`.
    pub preview: Vec<Value>,
}

/// One row of a dry run.
#[derive(Debug, Clone, Serialize)]
pub struct DryRow {
    /// The row's number as a spreadsheet shows it (the header is row 1).
    pub row: i64,
    /// What the import would do: `create`, `update` or `skip`.
    pub action: &'static str,
    /// The JSON body the row becomes.
    pub body: Value,
    /// Its problems.
    pub problems: Vec<RowProblem>,
}

/// A row's problem: the field's pointer and the column it came from.
#[derive(Debug, Clone, Serialize)]
pub struct RowProblem {
    /// The column (empty: the row as a whole).
    pub column: String,
    /// JSON pointer in the row's body.
    pub pointer: String,
    /// Machine-readable code.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// What `start` answers.
#[derive(Debug, Clone)]
pub enum Started {
    /// A dry run's rows (nothing written, the import still `uploaded`).
    DryRun(Vec<DryRow>),
    /// The queued import.
    Queued(Box<ImportView>),
}

fn object_name(raw: Option<&str>) -> Result<&'static str, AppError> {
    let raw = raw.ok_or_else(|| AppError::BadParameter {
        parameter: "object",
        message: format!("name the object to import into: {}", OBJECTS.join(", ")),
    })?;
    OBJECTS
        .iter()
        .copied()
        .find(|o| *o == raw)
        .ok_or_else(|| AppError::BadParameter {
            parameter: "object",
            message: format!(
                "'{raw}' cannot be imported into; objects: {}",
                OBJECTS.join(", ")
            ),
        })
}

async fn allow(app: &App, ctx: &Ctx, object: &'static str) -> Result<(), AppError> {
    authorize(app, ctx, Action::Import, Resource::Records(object)).await
}

fn storage(e: &std::io::Error) -> AppError {
    AppError::Internal(format!("import storage: {e}"))
}

fn workspace_dir(app: &App, ws: WorkspaceId) -> PathBuf {
    app.config.imports_dir().join(ws.to_string())
}

/// The uploaded file of an import.
pub fn file_path(app: &App, ws: WorkspaceId, id: Uuid) -> PathBuf {
    workspace_dir(app, ws).join(format!("{id}.csv"))
}

/// The error report of an import.
pub fn errors_path(app: &App, ws: WorkspaceId, id: Uuid) -> PathBuf {
    workspace_dir(app, ws).join(format!("{id}.errors.csv"))
}

fn too_large(limit: u64) -> AppError {
    AppError::PayloadTooLarge(format!(
        "an import file may be at most {limit} bytes (imports.max_bytes)"
    ))
}

/// Removes a file unless told to keep it: an upload that ends early leaves nothing.
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            // Best effort: a leftover `.part` file is harmless.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn bad_file(message: String) -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: String::new(),
        code: "invalid_csv".into(),
        message,
    }])
}

/// Checks the caller may import into some object: who may not learns nothing about an
/// import (not even whether an id exists) nor about the parameters.
async fn allow_any(app: &App, ctx: &Ctx) -> Result<(), AppError> {
    let mut refusal = None;
    for o in OBJECTS {
        match allow(app, ctx, o).await {
            Ok(()) => return Ok(()),
            Err(e) => refusal = Some(e),
        }
    }
    Err(refusal.unwrap_or_else(|| AppError::Forbidden("imports are not allowed".into())))
}

/// Checks the caller may import into `object` (before the body is read).
pub async fn authorize_upload(
    app: &App,
    ctx: &Ctx,
    object: Option<&str>,
) -> Result<&'static str, AppError> {
    allow_any(app, ctx).await?;
    let object = object_name(object)?;
    allow(app, ctx, object).await?;
    Ok(object)
}

/// Streams a CSV upload to disk (413 past `imports.max_bytes`, before reading when the
/// declared length already is), scans it once for its header, rows and preview, and records
/// the import as `uploaded`.
pub async fn upload<S, B, E>(
    app: &App,
    ctx: &Ctx,
    object: Option<&str>,
    declared_len: Option<u64>,
    mut body: S,
) -> Result<Uploaded, AppError>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let object = authorize_upload(app, ctx, object).await?;
    let limit = app.config.imports.max_bytes;
    if declared_len.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let id = Uuid::now_v7();
    let dir = workspace_dir(app, ctx.workspace_id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| storage(&e))?;
    let mut temp = TempFile {
        path: dir.join(format!(".{id}.csv.part")),
        kept: false,
    };
    let mut out = tokio::io::BufWriter::new(
        tokio::fs::File::create(&temp.path)
            .await
            .map_err(|e| storage(&e))?,
    );
    let mut size: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| AppError::BadParameter {
            parameter: "body",
            message: format!("the upload could not be read to its end: {e}"),
        })?;
        let bytes = chunk.as_ref();
        size = size.saturating_add(bytes.len() as u64);
        if size > limit {
            return Err(too_large(limit));
        }
        out.write_all(bytes).await.map_err(|e| storage(&e))?;
    }
    out.flush().await.map_err(|e| storage(&e))?;
    out.get_ref().sync_all().await.map_err(|e| storage(&e))?;
    drop(out);
    let scan_path = temp.path.clone();
    let scan = tokio::task::spawn_blocking(move || rows::scan(&scan_path, PREVIEW_ROWS))
        .await
        .map_err(|e| AppError::Internal(format!("import scan: {e}")))?
        .map_err(bad_file)?;
    let final_path = file_path(app, ctx.workspace_id, id);
    tokio::fs::rename(&temp.path, &final_path)
        .await
        .map_err(|e| storage(&e))?;
    temp.kept = true;
    let now = time::now_millis();
    let row = ImportRow {
        workspace_id: ctx.workspace_id.0,
        id,
        object: object.into(),
        status: "uploaded".into(),
        columns: serde_json::to_string(&scan.columns)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        mapping: None,
        size: i64::try_from(size).map_err(|_| too_large(limit))?,
        rows_total: scan.rows_total,
        rows_done: 0,
        rows_failed: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        byte_offset: i64::try_from(scan.data_offset).map_err(|_| too_large(limit))?,
        errors_bytes: 0,
        failure: None,
        created_by: ctx.actor.user().map(|u| u.0),
        created_at: now,
        updated_at: now,
        started_at: None,
        finished_at: None,
        cancel_requested_at: None,
        lease_owner: None,
        lease_until: None,
    };
    let mut tx = app.db.begin().await?;
    let stored: Result<(), AppError> = async {
        store::insert(&mut tx, &row).await?;
        let event = Event::on("imports.upload", "imports", &id).with(json!({
            "object_type": object, "size": row.size, "rows_total": row.rows_total,
        }));
        audit::record(&mut tx, ctx, event).await?;
        Ok(tx.commit().await?)
    }
    .await;
    if let Err(e) = stored {
        // Nothing refers to the file: remove it.
        let _ = tokio::fs::remove_file(&final_path).await;
        return Err(e);
    }
    let preview = scan
        .preview
        .iter()
        .map(|r| rows::as_object(&scan.columns, r))
        .collect();
    Ok(Uploaded {
        import: ImportView::from_row(&row),
        preview,
    })
}

async fn load(app: &App, ctx: &Ctx, id: Uuid) -> Result<ImportRow, AppError> {
    allow_any(app, ctx).await?;
    let row = store::find(&app.db, ctx.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let object = object_name(Some(&row.object)).map_err(|_| AppError::NotFound)?;
    allow(app, ctx, object).await?;
    Ok(row)
}

/// One import of the workspace.
pub async fn get(app: &App, ctx: &Ctx, id: Uuid) -> Result<ImportView, AppError> {
    Ok(ImportView::from_row(&load(app, ctx, id).await?))
}

/// The workspace's imports the caller may see, newest first: `limit` after the id `after`,
/// and the id to continue after when there are more.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<ImportView>, Option<Uuid>), AppError> {
    // Whoever may import anything may list imports; each is then shown only when its object
    // is one the caller may import into.
    allow_any(app, ctx).await?;
    let mut allowed = Vec::new();
    for o in OBJECTS {
        if allow(app, ctx, o).await.is_ok() {
            allowed.push(*o);
        }
    }
    let rows = store::list(&app.db, ctx.workspace_id, after, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    let page: Vec<&ImportRow> = rows.iter().take(limit as usize).collect();
    let next = if more {
        page.last().map(|r| r.id)
    } else {
        None
    };
    Ok((
        page.into_iter()
            .filter(|r| allowed.contains(&r.object.as_str()))
            .map(ImportView::from_row)
            .collect(),
        next,
    ))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    mapping: Option<Value>,
    #[serde(default)]
    dry_run: bool,
}

fn start_body(body: Value) -> Result<StartBody, AppError> {
    serde_json::from_value::<StartBody>(body).map_err(|e| {
        AppError::Validation(vec![FieldError {
            pointer: String::new(),
            code: "invalid_body".into(),
            message: format!("expected {{\"mapping\": {{...}}, \"dry_run\": false}}: {e}"),
        }])
    })
}

/// Checks the mapping and either answers a dry run or queues the import.
pub async fn start(app: &App, ctx: &Ctx, id: Uuid, body: Value) -> Result<Started, AppError> {
    let row = load(app, ctx, id).await?;
    let body = start_body(body)?;
    let columns: Vec<String> = serde_json::from_str(&row.columns)
        .map_err(|e| AppError::Internal(format!("stored import columns: {e}")))?;
    let raw = body.mapping.unwrap_or(Value::Null);
    let custom = crate::custom_fields::definitions(app, ctx, &row.object).await?;
    let mapping = match row.object.as_str() {
        "companies" => parse_mapping::<Company>(ctx, &raw, &columns, &custom)?,
        "leads" => parse_mapping::<Lead>(ctx, &raw, &columns, &custom)?,
        _ => parse_mapping::<Contact>(ctx, &raw, &columns, &custom)?,
    };
    if row.status != "uploaded" {
        return Err(AppError::Conflict {
            code: "import_started",
            detail: format!(
                "this import is already {}; upload the file again to import it again",
                row.status
            ),
            existing_id: None,
        });
    }
    if body.dry_run {
        let rows = match row.object.as_str() {
            "companies" => runner::dry_run::<Company>(app, ctx, &row, &mapping).await?,
            "leads" => runner::dry_run::<Lead>(app, ctx, &row, &mapping).await?,
            _ => runner::dry_run::<Contact>(app, ctx, &row, &mapping).await?,
        };
        return Ok(Started::DryRun(rows));
    }
    let now = time::now_millis();
    let stored =
        serde_json::to_string(&mapping.to_json()).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = app.db.begin().await?;
    if !store::set_status(
        &mut tx,
        ctx.workspace_id,
        id,
        &["uploaded"],
        "queued",
        Some(&stored),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict {
            code: "import_started",
            detail: "this import was started meanwhile".into(),
            existing_id: None,
        });
    }
    let event = Event::on("imports.start", "imports", &id)
        .with(json!({ "object_type": row.object, "mapping": mapping.to_json() }));
    audit::record(&mut tx, ctx, event).await?;
    let row = store::find_for_write(&mut tx, ctx.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(Started::Queued(Box::new(ImportView::from_row(&row))))
}

fn parse_mapping<O: Importable>(
    ctx: &Ctx,
    raw: &Value,
    columns: &[String],
    custom: &[rapport_domain::objects::CustomFieldDraft],
) -> Result<Mapping, AppError> {
    let mapping = Mapping::parse::<O>(raw, columns, custom).map_err(AppError::Validation)?;
    // The same rule as a single write: a role that may not see personal fields may not fill
    // them from a file either.
    let touched: serde_json::Map<String, Value> = mapping
        .columns
        .iter()
        .map(|(_, _, t)| {
            let top = t.split('.').next().unwrap_or(t);
            (top.to_owned(), Value::Null)
        })
        .collect();
    records::check_personal::<O>(ctx, &Value::Object(touched))?;
    Ok(mapping)
}

/// Cancels an import: at once when it is not running yet, after the current chunk when it
/// is (what earlier chunks wrote stays). A finished import answers 409.
pub async fn cancel(app: &App, ctx: &Ctx, id: Uuid) -> Result<ImportView, AppError> {
    let row = load(app, ctx, id).await?;
    let now = time::now_millis();
    let mut tx = app.db.begin().await?;
    let done = store::set_status(
        &mut tx,
        ctx.workspace_id,
        id,
        &["uploaded", "queued"],
        "cancelled",
        None,
        now,
    )
    .await?
        || store::request_cancel(&mut tx, ctx.workspace_id, id, now).await?;
    if !done {
        return Err(AppError::Conflict {
            code: "import_finished",
            detail: format!("this import is already {}", row.status),
            existing_id: None,
        });
    }
    audit::record(&mut tx, ctx, Event::on("imports.cancel", "imports", &id)).await?;
    let row = store::find_for_write(&mut tx, ctx.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(ImportView::from_row(&row))
}

/// The error report (`row,column,message`, the header included even when no row failed), as
/// far as the committed chunks wrote it, and its length.
pub async fn errors(
    app: &App,
    ctx: &Ctx,
    id: Uuid,
) -> Result<(Option<tokio::fs::File>, u64), AppError> {
    let row = load(app, ctx, id).await?;
    let len = u64::try_from(row.errors_bytes).unwrap_or(0);
    if len == 0 {
        return Ok((None, 0));
    }
    let file = tokio::fs::File::open(errors_path(app, ctx.workspace_id, id))
        .await
        .map_err(|e| storage(&e))?;
    Ok((Some(file), len))
}

/// The first line of every error report.
pub const ERRORS_HEADER: &str = "row,column,message\n";
