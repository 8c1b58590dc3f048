//! The import runner: claims queued imports (or running ones whose runner's lease expired) and
//! works through each in chunks of `imports.chunk_rows` rows. A chunk is one transaction: its
//! records, one audit entry for the chunk, and the import's progress (rows, counts, the byte
//! offset of the next row, the error report's length), written only while this runner still
//! holds the lease. A crash loses at most the chunk in flight, which the next runner redoes
//! from the saved offset; the error report is cut back to its saved length first, so no row
//! is written or reported twice.
//!
//! A row with a problem is skipped and reported. Problems found before writing (a bad cell, an
//! unknown company domain, a reference the object's checks refuse) keep the transaction; a
//! write the database itself refuses costs it, and the chunk is redone without that row.

use std::collections::BTreeMap;
use std::io::{Seek, SeekFrom, Write};
use std::time::Duration;

use chrono::Utc;
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::objects::{Company, Contact, Lead, merge_patch, time};
use rapport_domain::policy::{Action, Resource, Scopes};
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::imports::{self as store, After, ImportRow, Progress};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::rows::{self, CsvRow, Importable, Mapping};
use super::{DRY_RUN_ROWS, DryRow, ERRORS_HEADER, RowProblem, errors_path, file_path};
use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::{Actor, Client, Ctx};
use crate::error::AppError;
use crate::policy::authorize;
use crate::records::{self, Patched, Trail};

/// What one row came to.
enum Outcome {
    Created,
    Updated,
    Unchanged,
    /// Skipped with these problems.
    Failed(Vec<FieldError>),
    /// Another write got in the way: redo the chunk.
    Retry,
}

/// What one chunk came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// More rows to go.
    More,
    /// The import is completed or cancelled.
    Finished,
    /// Another runner took the job over; this one stops.
    LostLease,
}

/// Runs imports until `stop` is cancelled (the `serve` command, tests).
pub async fn run(app: App, stop: CancellationToken) {
    let owner = format!("runner-{}", Uuid::now_v7());
    let poll = Duration::from_millis(app.config.imports.poll_ms);
    loop {
        if stop.is_cancelled() {
            break;
        }
        match work(&app, &owner, None, &stop).await {
            // Another job may be waiting: look again at once.
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "import runner"),
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// Claims one import as `owner` and works on it until it ends, `stop` is cancelled (the lease
/// is then released so a restarted instance resumes at once) or, with `max_chunks`, that many
/// chunks were committed (the lease is then kept, as a crashed runner would keep it). Returns
/// whether an import was claimed.
pub async fn work(
    app: &App,
    owner: &str,
    max_chunks: Option<usize>,
    stop: &CancellationToken,
) -> Result<bool, AppError> {
    let now = Utc::now();
    let Some(row) = store::claim(&app.db, owner, now, now + lease(app)).await? else {
        return Ok(false);
    };
    let ws = WorkspaceId(row.workspace_id);
    tracing::info!(import_id = %row.id, workspace_id = %ws, "import claimed");
    let result = match row.object.as_str() {
        "companies" => run_job::<Company>(app, owner, &row, max_chunks, stop).await,
        "contacts" => run_job::<Contact>(app, owner, &row, max_chunks, stop).await,
        "leads" => run_job::<Lead>(app, owner, &row, max_chunks, stop).await,
        other => Err(Stop::Fail(format!("{other} cannot be imported into"))),
    };
    match result {
        Ok(()) => {}
        Err(Stop::Fail(why)) => {
            tracing::warn!(import_id = %row.id, reason = %why, "import failed");
            store::fail(&app.db, ws, row.id, owner, &why, Utc::now()).await?;
        }
        Err(Stop::Error(e)) => {
            // A database or disk failure: the lease runs out and a runner tries again.
            tracing::error!(import_id = %row.id, error = %e, "import interrupted");
            return Err(e);
        }
    }
    Ok(true)
}

fn lease(app: &App) -> chrono::Duration {
    chrono::Duration::seconds(i64::try_from(app.config.imports.lease_seconds).unwrap_or(60))
}

/// Why a job stopped before its end.
enum Stop {
    /// The job cannot go on; it is marked failed with this reason.
    Fail(String),
    /// A transient failure; the job is left to be taken again.
    Error(AppError),
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Stop::Error(e)
    }
}

impl From<rapport_store::StoreError> for Stop {
    fn from(e: rapport_store::StoreError) -> Self {
        Stop::Error(e.into())
    }
}

/// The context the job runs in: the member who started it, with their role as it is now.
async fn ctx_for(app: &App, row: &ImportRow) -> Result<Ctx, Stop> {
    let ws = WorkspaceId(row.workspace_id);
    let request_id = format!("import-{}", row.id);
    let Some(user) = row.created_by else {
        let mut ctx = Ctx::system(ws);
        ctx.request_id = request_id;
        return Ok(ctx);
    };
    let member = rapport_store::users::membership(&app.db, ws, UserId(user)).await?;
    let Some(member) = member.filter(|m| m.disabled_at.is_none()) else {
        return Err(Stop::Fail(
            "the member who started this import no longer belongs to the workspace".into(),
        ));
    };
    let principal = crate::identity::principal_for(app, ws, &member.role, Scopes::all()).await?;
    let ctx = Ctx {
        workspace_id: ws,
        actor: Actor::User {
            id: UserId(user),
            token: None,
        },
        principal,
        request_id,
        client: Client::default(),
    };
    let Some(object) = super::OBJECTS.iter().copied().find(|o| *o == row.object) else {
        return Err(Stop::Fail(format!(
            "{} cannot be imported into",
            row.object
        )));
    };
    if authorize(app, &ctx, Action::Import, Resource::Records(object))
        .await
        .is_err()
    {
        return Err(Stop::Fail(format!(
            "the member who started this import may no longer import {object}"
        )));
    }
    Ok(ctx)
}

async fn run_job<O: Importable>(
    app: &App,
    owner: &str,
    row: &ImportRow,
    max_chunks: Option<usize>,
    stop: &CancellationToken,
) -> Result<(), Stop> {
    if row.cancel_requested_at.is_some() {
        // Cancelled while its last runner held it: stop before writing anything more.
        let mut tx = app.db.begin().await?;
        let now = time::now_millis();
        store::set_status(
            &mut tx,
            WorkspaceId(row.workspace_id),
            row.id,
            &["running"],
            "cancelled",
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let ctx = ctx_for(app, row).await?;
    let columns: Vec<String> = serde_json::from_str(&row.columns)
        .map_err(|e| Stop::Fail(format!("stored columns unreadable: {e}")))?;
    let raw: Value = row
        .mapping
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .ok_or_else(|| Stop::Fail("the import has no column mapping".into()))?;
    let custom = crate::custom_fields::definitions(app, &ctx, O::SCHEMA.name).await?;
    let mapping = Mapping::parse::<O>(&raw, &columns, &custom)
        .map_err(|_| Stop::Fail("the stored column mapping is no longer valid".into()))?;
    if !file_path(app, ctx.workspace_id, row.id).exists() {
        return Err(Stop::Fail("the uploaded file is missing".into()));
    }
    let mut progress = row.progress();
    let mut chunks = 0;
    loop {
        match run_chunk::<O>(app, &ctx, owner, row, &mapping, &mut progress).await? {
            Step::Finished | Step::LostLease => return Ok(()),
            Step::More => {}
        }
        chunks += 1;
        if max_chunks.is_some_and(|m| chunks >= m) {
            return Ok(());
        }
        if stop.is_cancelled() {
            store::release(&app.db, ctx.workspace_id, row.id, owner).await?;
            return Ok(());
        }
    }
}

fn io(e: &std::io::Error) -> AppError {
    AppError::Internal(format!("import file: {e}"))
}

async fn run_chunk<O: Importable>(
    app: &App,
    ctx: &Ctx,
    owner: &str,
    row: &ImportRow,
    mapping: &Mapping,
    progress: &mut Progress,
) -> Result<Step, Stop> {
    let path = file_path(app, ctx.workspace_id, row.id);
    let offset = u64::try_from(progress.byte_offset).unwrap_or(0);
    let size = app.config.imports.chunk_rows;
    let chunk = tokio::task::spawn_blocking(move || rows::read_chunk(&path, offset, size))
        .await
        .map_err(|e| AppError::Internal(format!("import read: {e}")))?
        .map_err(|e| Stop::Fail(format!("the file cannot be read any more: {e}")))?;
    let reach = records::reach(app, ctx).await?;
    let budget = Duration::from_millis(app.config.imports.chunk_millis);
    let mut failed: BTreeMap<usize, Vec<FieldError>> = BTreeMap::new();
    let mut tries = 0;
    let (mut tx, created, updated, unchanged, cut) = 'chunk: loop {
        tries += 1;
        if tries > chunk.rows.len() + 3 {
            return Err(Stop::Error(AppError::Unavailable(
                "an import chunk keeps being interrupted by other writes".into(),
            )));
        }
        let began = std::time::Instant::now();
        let mut tx = Some(app.db.begin().await?);
        let (mut created, mut updated, mut unchanged) = (0, 0, 0);
        // How many rows this transaction covers: all, unless the time budget ends it first.
        let mut cut = chunk.rows.len();
        for (i, csv_row) in chunk.rows.iter().enumerate() {
            if i > 0 && began.elapsed() >= budget {
                cut = i;
                break;
            }
            if failed.contains_key(&i) {
                continue;
            }
            let Some(t) = tx.take() else {
                continue 'chunk;
            };
            let (next, outcome) =
                write_row::<O>(app, ctx, t, csv_row, mapping, reach.as_deref()).await?;
            tx = next;
            match outcome {
                Outcome::Created => created += 1,
                Outcome::Updated => updated += 1,
                Outcome::Unchanged => unchanged += 1,
                Outcome::Failed(problems) => {
                    failed.insert(i, problems);
                }
                Outcome::Retry => {}
            }
            if tx.is_none() {
                // The row cost the transaction: redo the chunk without the rows that failed.
                continue 'chunk;
            }
        }
        match tx {
            Some(tx) => break (tx, created, updated, unchanged, cut),
            None => continue,
        }
    };
    // Rows past the cut are read again by the next chunk, their problems with them.
    failed.retain(|i, _| *i < cut);
    let at_end = cut == chunk.rows.len() && chunk.rows.len() < size;
    let end = match cut.checked_sub(1).and_then(|last| chunk.rows.get(last)) {
        Some(last) if cut < chunk.rows.len() => last.end,
        _ => chunk.end,
    };
    let errors_bytes = append_errors(app, ctx, row.id, progress, mapping, &failed).await?;
    let rows = i64::try_from(cut).unwrap_or(i64::MAX);
    let failed_n = i64::try_from(failed.len()).unwrap_or(i64::MAX);
    if rows > 0 {
        let action = format!("{}.import", O::SCHEMA.name);
        let event = Event::plain(&action).with(json!({
            "object_type": O::SCHEMA.name,
            "import_id": row.id,
            "rows": rows,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "failed": failed_n,
        }));
        audit::record(&mut tx, ctx, event).await?;
    }
    let cancelled = store::find_for_write(&mut tx, ctx.workspace_id, row.id)
        .await?
        .is_some_and(|r| r.cancel_requested_at.is_some());
    let finish = if cancelled {
        Some("cancelled")
    } else if at_end {
        Some("completed")
    } else {
        None
    };
    let next = Progress {
        rows_done: progress.rows_done + rows,
        rows_failed: progress.rows_failed + failed_n,
        created: progress.created + created,
        updated: progress.updated + updated,
        unchanged: progress.unchanged + unchanged,
        byte_offset: i64::try_from(end).unwrap_or(i64::MAX),
        errors_bytes,
    };
    let now = time::now_millis();
    let after = match finish {
        Some(status) => After::Finish(status),
        None => After::Continue(now + lease(app)),
    };
    let kept =
        store::save_progress(&mut tx, ctx.workspace_id, row.id, owner, next, after, now).await?;
    if !kept {
        // Another runner holds the job now: this chunk's writes are its to redo.
        drop(tx);
        tracing::warn!(import_id = %row.id, "import lease lost; chunk rolled back");
        return Ok(Step::LostLease);
    }
    tx.commit().await?;
    *progress = next;
    Ok(if finish.is_some() {
        Step::Finished
    } else {
        Step::More
    })
}

/// Appends the chunk's failed rows to the error report, after cutting it back to its saved
/// length (a crashed runner may have written past it), and flushes it to disk; returns the new
/// length, saved with the chunk.
async fn append_errors(
    app: &App,
    ctx: &Ctx,
    id: Uuid,
    progress: &Progress,
    mapping: &Mapping,
    failed: &BTreeMap<usize, Vec<FieldError>>,
) -> Result<i64, Stop> {
    if failed.is_empty() {
        return Ok(progress.errors_bytes);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for (i, problems) in failed {
        let number = progress.rows_done + i64::try_from(*i).unwrap_or(0) + 2;
        for p in problems {
            let column = mapping.column_of(&p.pointer);
            let message = if p.pointer.is_empty() || !column.is_empty() {
                p.message.clone()
            } else {
                format!("{}: {}", p.pointer, p.message)
            };
            w.write_record([number.to_string(), column, message])
                .map_err(|e| AppError::Internal(format!("error report: {e}")))?;
        }
    }
    let lines = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("error report: {e}")))?;
    let path = errors_path(app, ctx.workspace_id, id);
    let saved = u64::try_from(progress.errors_bytes).unwrap_or(0);
    let len = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        f.set_len(saved)?;
        f.seek(SeekFrom::Start(saved))?;
        if saved == 0 {
            f.write_all(ERRORS_HEADER.as_bytes())?;
        }
        f.write_all(&lines)?;
        f.sync_all()?;
        f.stream_position()
    })
    .await
    .map_err(|e| AppError::Internal(format!("error report: {e}")))?
    .map_err(|e| io(&e))?;
    Ok(i64::try_from(len).unwrap_or(i64::MAX))
}

/// A refused write as the row's problems; errors that are not the row's fault stop the job.
fn refused(e: AppError, tx: Option<Tx>) -> Result<(Option<Tx>, Outcome), AppError> {
    let one = |code: &str, message: String| {
        vec![FieldError {
            pointer: String::new(),
            code: code.into(),
            message,
        }]
    };
    let outcome = match e {
        AppError::Validation(problems) => Outcome::Failed(problems),
        AppError::Conflict { code, detail, .. } => Outcome::Failed(one(code, detail)),
        AppError::Forbidden(m) => Outcome::Failed(one("forbidden", m)),
        AppError::NotFound => Outcome::Failed(one(
            "not_found",
            "the matching record is out of your reach".into(),
        )),
        AppError::PreconditionFailed { .. } => Outcome::Retry,
        other => return Err(other),
    };
    Ok((tx, outcome))
}

/// Maps, checks and writes one row in `tx`; the transaction comes back unless the write cost
/// it.
async fn write_row<O: Importable>(
    app: &App,
    ctx: &Ctx,
    mut tx: Tx,
    row: &CsvRow,
    mapping: &Mapping,
    reach: Option<&[Uuid]>,
) -> Result<(Option<Tx>, Outcome), AppError> {
    let (body, draft, existing) = match prepare::<O>(app, ctx, &mut tx, row, mapping).await? {
        Prepared::Ready {
            body,
            draft,
            existing,
        } => (body, draft, existing),
        Prepared::Refused { problems, .. } => return Ok((Some(tx), Outcome::Failed(problems))),
    };
    let Some(id) = existing else {
        // Checked first, so a refused row keeps the transaction.
        if let Err(e) =
            crate::drafts::check_draft::<O>(&mut tx, ctx, &draft, None, Uuid::nil()).await
        {
            return refused(e, Some(tx));
        }
        return match records::create_with::<O>(app, ctx, tx, body, Trail::Batch).await {
            Ok((tx, _)) => Ok((Some(tx), Outcome::Created)),
            Err(e) => refused(e, None),
        };
    };
    let Some(current) = rows::live::<O>(&mut tx, ctx, id).await? else {
        return Ok((None, Outcome::Retry));
    };
    let patch = O::patch_for(&current, body, &draft);
    let mut doc =
        serde_json::to_value(current.fields()).map_err(|e| AppError::Internal(e.to_string()))?;
    merge_patch::apply(&mut doc, &patch);
    match O::parse(app, doc) {
        Ok(merged) => {
            let stored = serde_json::to_value(current.fields())
                .map_err(|e| AppError::Internal(e.to_string()))?;
            if let Err(e) =
                crate::drafts::check_draft::<O>(&mut tx, ctx, &merged, Some(&stored), id).await
            {
                return refused(e, Some(tx));
            }
        }
        Err(problems) => return Ok((Some(tx), Outcome::Failed(problems))),
    }
    match records::patch_with::<O>(app, ctx, tx, id, &patch, None, reach, Trail::Batch).await {
        Ok(Patched::Done { tx, before, after }) => {
            let outcome = if after.version() == before.version() {
                Outcome::Unchanged
            } else {
                Outcome::Updated
            };
            Ok((Some(tx), outcome))
        }
        Ok(Patched::Raced) => Ok((None, Outcome::Retry)),
        Err(e) => refused(e, None),
    }
}

/// A row turned into a body and a draft, with the record its natural key names.
enum Prepared<O: Importable> {
    Ready {
        body: Value,
        draft: O::Draft,
        existing: Option<Uuid>,
    },
    Refused {
        body: Value,
        problems: Vec<FieldError>,
    },
}

async fn prepare<O: Importable>(
    app: &App,
    ctx: &Ctx,
    tx: &mut Tx,
    row: &CsvRow,
    mapping: &Mapping,
) -> Result<Prepared<O>, AppError> {
    if let Some(p) = row.problem() {
        return Ok(Prepared::Refused {
            body: Value::Null,
            problems: vec![p],
        });
    }
    let mut body = mapping.body::<O>(&row.cells);
    if body.is_empty() {
        return Ok(Prepared::Refused {
            body: Value::Object(body),
            problems: vec![FieldError {
                pointer: String::new(),
                code: "empty_row".into(),
                message: "every mapped cell of this row is empty".into(),
            }],
        });
    }
    let problems = O::resolve(tx, ctx, &mut body).await?;
    let body = Value::Object(body);
    if !problems.is_empty() {
        return Ok(Prepared::Refused { body, problems });
    }
    let mut draft = match O::parse(app, body.clone()) {
        Ok(d) => d,
        Err(problems) => return Ok(Prepared::Refused { body, problems }),
    };
    match O::find_existing(tx, ctx, &draft).await? {
        Ok(existing) => {
            // A new record's custom values are checked here, where a refusal keeps the chunk's
            // transaction (inside the create it would cost it, and the chunk would be redone).
            if existing.is_none()
                && let Some(values) = O::custom(&mut draft)
            {
                let checked = crate::custom_fields::settle_values::<O>(
                    app,
                    tx,
                    ctx,
                    values,
                    None,
                    Uuid::nil(),
                )
                .await;
                if let Err(e) = checked {
                    return match refused(e, None)? {
                        (_, Outcome::Failed(problems)) => Ok(Prepared::Refused { body, problems }),
                        _ => Ok(Prepared::Refused {
                            body,
                            problems: Vec::new(),
                        }),
                    };
                }
            }
            Ok(Prepared::Ready {
                body,
                draft,
                existing,
            })
        }
        Err(p) => Ok(Prepared::Refused {
            body,
            problems: vec![p],
        }),
    }
}

/// Maps and validates the first rows of an import without writing anything.
pub(crate) async fn dry_run<O: Importable>(
    app: &App,
    ctx: &Ctx,
    row: &ImportRow,
    mapping: &Mapping,
) -> Result<Vec<DryRow>, AppError> {
    let path = file_path(app, ctx.workspace_id, row.id);
    let offset = u64::try_from(row.byte_offset).unwrap_or(0);
    let chunk = tokio::task::spawn_blocking(move || rows::read_chunk(&path, offset, DRY_RUN_ROWS))
        .await
        .map_err(|e| AppError::Internal(format!("import read: {e}")))?
        .map_err(|e| io(&e))?;
    // Reads only; dropped at the end, so nothing is ever written.
    let mut tx = app.db.begin().await?;
    let mut out = Vec::with_capacity(chunk.rows.len());
    for (i, csv_row) in chunk.rows.iter().enumerate() {
        let number = i64::try_from(i).unwrap_or(0) + 2;
        let (action, body, problems) =
            match prepare::<O>(app, ctx, &mut tx, csv_row, mapping).await? {
                Prepared::Refused { body, problems } => ("skip", body, problems),
                Prepared::Ready {
                    body,
                    draft,
                    existing,
                } => {
                    let own = existing.unwrap_or_else(Uuid::nil);
                    match crate::drafts::check_draft::<O>(&mut tx, ctx, &draft, None, own).await {
                        Ok(()) if existing.is_some() => ("update", body, Vec::new()),
                        Ok(()) => ("create", body, Vec::new()),
                        Err(e) => match refused(e, None)? {
                            (_, Outcome::Failed(problems)) => ("skip", body, problems),
                            _ => ("skip", body, Vec::new()),
                        },
                    }
                }
            };
        out.push(DryRow {
            row: number,
            action,
            body,
            problems: problems
                .into_iter()
                .map(|p| RowProblem {
                    column: mapping.column_of(&p.pointer),
                    pointer: p.pointer,
                    code: p.code,
                    message: p.message,
                })
                .collect(),
        });
    }
    drop(tx);
    Ok(out)
}
