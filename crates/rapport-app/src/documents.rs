//! Documents: files attached to a record. The bytes are kept content-addressed under the
//! documents folder (`<dir>/<workspace>/<sha256>`), written to a temporary file while they
//! stream in (hashed and counted on the way, never held whole in memory), flushed to disk, then
//! renamed into place in the same transaction that records their metadata.
//!
//! Deleting a document soft-deletes its metadata only: the file stays, for a restore and for
//! every other row with the same content. Removing files no live row uses is a cleanup job's
//! work, which does not exist yet (so files of deleted documents, and of uploads whose commit
//! failed after the rename, stay on disk until it does).
//!
//! Who sees a document: roles that may read documents, within their record scope, which for
//! documents is the uploader (`uploaded_by`); the record it is attached to is not consulted.

use std::path::{Path, PathBuf};

use futures_util::{Stream, StreamExt};
use rapport_domain::ids::DocumentId;
use rapport_domain::objects::document::sniff;
use rapport_domain::objects::{Document, DocumentDraft, DocumentFile, Record, UploadTarget, time};
use rapport_domain::policy::Action;
use rapport_domain::schema::DOCUMENTS;
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::documents::DocumentRow;
use rapport_store::records::{self as rows, find_for_write};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::{self, Object};
use crate::references;

/// How much of the start of a file the content type is sniffed from.
const SNIFF_BYTES: usize = 8192;

impl Object for Document {
    type Table = DocumentRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &DOCUMENTS;

    fn parse(_app: &App, body: Value) -> Result<DocumentDraft, Vec<FieldError>> {
        DocumentDraft::parse(body)
    }

    /// A write may rename a document, nothing else: the record it is attached to and its
    /// uploader are fixed by the upload. A new document's record must exist in the workspace.
    async fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &DocumentDraft,
        own: Uuid,
    ) -> Result<(), AppError> {
        let Some((stored, _)) = find_for_write::<DocumentRow>(tx, ctx.workspace_id, own).await?
        else {
            let refs = [("/record/id", draft.record.object.as_str(), draft.record.id)];
            return references::check_all(tx, ctx.workspace_id, &refs, &[]).await;
        };
        let mut errors = Vec::new();
        if stored.fields.record != draft.record {
            errors.push(fixed("record"));
        }
        if stored.fields.uploaded_by != draft.uploaded_by {
            errors.push(fixed("uploaded_by"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

fn fixed(key: &str) -> FieldError {
    FieldError {
        pointer: format!("/{key}"),
        code: "read_only".into(),
        message: format!("'{key}' is set by the upload and cannot change; upload again instead"),
    }
}

fn storage(e: &std::io::Error) -> AppError {
    // The path and the OS message go to the log only (AppError::Internal is never shown).
    AppError::Internal(format!("document storage: {e}"))
}

/// The folder of one workspace's files.
fn workspace_dir(app: &App, ctx: &Ctx) -> PathBuf {
    app.config
        .documents_dir()
        .join(ctx.workspace_id.to_string())
}

/// The file holding a document's bytes.
pub fn content_path(app: &App, ctx: &Ctx, sha256: &str) -> PathBuf {
    workspace_dir(app, ctx).join(sha256)
}

fn too_large(limit: u64) -> AppError {
    AppError::PayloadTooLarge(format!(
        "a document may be at most {limit} bytes (documents.max_bytes)"
    ))
}

/// A temporary file that is removed unless it was moved into place: whatever ends an upload
/// early (too large, a broken connection, a refused record, a cancelled request) leaves
/// nothing behind.
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            // Best effort: a leftover `.part` file is harmless and a cleanup can find it.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// An upload written to disk and checked, waiting to be recorded ([`commit`]); dropping it
/// removes its file.
#[derive(Debug)]
pub struct Staged {
    target: UploadTarget,
    temp: TempFile,
    file: DocumentFile,
}

impl Staged {
    /// SHA-256 of the bytes, lower-case hex.
    pub fn sha256(&self) -> &str {
        &self.file.sha256
    }
}

/// Checks the caller may upload documents (before anything else is looked at).
pub async fn authorize_upload(app: &App, ctx: &Ctx) -> Result<(), AppError> {
    records::allow::<Document>(app, ctx, Action::Create).await
}

async fn check_record(tx: &mut Tx, ctx: &Ctx, target: &UploadTarget) -> Result<(), AppError> {
    let refs = [(
        "/record_id",
        target.record.object.as_str(),
        target.record.id,
    )];
    references::check_all(tx, ctx.workspace_id, &refs, &[]).await
}

/// Streams an upload to a temporary file, hashing and counting it, refusing it (413) as soon
/// as it passes `documents.max_bytes`, or before reading when `declared_len` (Content-Length)
/// already does. The record must exist in the workspace first, so a refused upload is not
/// read at all.
pub async fn stage<S, B, E>(
    app: &App,
    ctx: &Ctx,
    target: UploadTarget,
    declared_len: Option<u64>,
    mut body: S,
) -> Result<Staged, AppError>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    authorize_upload(app, ctx).await?;
    let limit = app.config.documents.max_bytes;
    if declared_len.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut tx = app.db.begin().await?;
    check_record(&mut tx, ctx, &target).await?;
    drop(tx);
    let dir = workspace_dir(app, ctx);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| storage(&e))?;
    let temp = TempFile {
        path: dir.join(format!(".upload-{}.part", Uuid::now_v7())),
        kept: false,
    };
    let mut out = tokio::fs::File::create(&temp.path)
        .await
        .map_err(|e| storage(&e))?;
    let mut hasher = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
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
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(bytes.len());
            head.extend_from_slice(&bytes[..take]);
        }
        hasher.update(bytes);
        out.write_all(bytes).await.map_err(|e| storage(&e))?;
    }
    out.flush().await.map_err(|e| storage(&e))?;
    out.sync_all().await.map_err(|e| storage(&e))?;
    drop(out);
    Ok(Staged {
        target,
        temp,
        file: DocumentFile {
            size: i64::try_from(size).map_err(|_| too_large(limit))?,
            content_type: sniff(&head),
            sha256: hex::encode(hasher.finalize()),
        },
    })
}

/// Flushes a folder's entries (a rename) to disk.
async fn sync_dir(dir: &Path) -> Result<(), AppError> {
    let d = tokio::fs::File::open(dir).await.map_err(|e| storage(&e))?;
    d.sync_all().await.map_err(|e| storage(&e))
}

/// Records a staged upload: its file moves to `<dir>/<workspace>/<sha256>` (kept as it is when
/// the same content is already there), then its metadata and audit entry commit together.
pub async fn commit(app: &App, ctx: &Ctx, mut staged: Staged) -> Result<Document, AppError> {
    let mut tx = app.db.begin().await?;
    // Again inside the write: the record may have been deleted while the bytes streamed in.
    check_record(&mut tx, ctx, &staged.target).await?;
    let draft = DocumentDraft {
        record: staged.target.record.clone(),
        name: staged.target.name.clone(),
        uploaded_by: ctx.actor.user(),
    };
    let mut document = Document::create(draft, time::now_millis());
    document.file = staged.file.clone();
    let dir = workspace_dir(app, ctx);
    let path = dir.join(&document.file.sha256);
    let present = tokio::fs::try_exists(&path)
        .await
        .map_err(|e| storage(&e))?;
    if !present {
        tokio::fs::rename(&staged.temp.path, &path)
            .await
            .map_err(|e| storage(&e))?;
        staged.temp.kept = true;
        sync_dir(&dir).await?;
    }
    rows::insert::<DocumentRow>(&mut tx, ctx.workspace_id, &document).await?;
    let event = Event::on("documents.create", "documents", &document.id).with(json!({
        "record": document.fields.record,
        "name": document.fields.name,
        "size": document.file.size,
        "content_type": document.file.content_type,
        "sha256": document.file.sha256,
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(document)
}

/// A document's metadata and its open file, for a download; the download is recorded in the
/// audit log (`documents.download`) before any byte is sent.
pub async fn open(
    app: &App,
    ctx: &Ctx,
    id: DocumentId,
) -> Result<(Document, tokio::fs::File), AppError> {
    let document: Document = records::get(app, ctx, id.0).await?;
    let path = content_path(app, ctx, &document.file.sha256);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| storage(&e))?;
    let len = file.metadata().await.map_err(|e| storage(&e))?.len();
    if i64::try_from(len).ok() != Some(document.file.size) {
        return Err(AppError::Internal(format!(
            "document file {} holds {len} bytes, its metadata says {}",
            document.file.sha256, document.file.size
        )));
    }
    let event = Event::on("documents.download", "documents", &document.id).with(json!({
        "record": document.fields.record,
        "name": document.fields.name,
        "size": document.file.size,
        "sha256": document.file.sha256,
    }));
    audit::record_alone(&app.db, ctx.workspace_id, ctx, event).await?;
    Ok((document, file))
}
