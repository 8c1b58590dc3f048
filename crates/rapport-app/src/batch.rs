//! `POST /{object}/batch`: up to 100 creates, updates, upserts and deletes in one request. Each
//! item runs in its own transaction through the same use cases as single requests, so one bad
//! item does not undo the others and every item is checked, audited and indexed the same way.
//! Upserts match on `external_id` (kept in the `external_ids` table) or, without one, on the
//! object's natural key (a contact's email, a company's domain).

use rapport_domain::objects::time;
use rapport_domain::policy::Action;
use rapport_domain::validation::FieldError;
use rapport_store::external_ids;
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::{self, Object, Patched};

/// Most items one batch may hold, all operations together.
pub const MAX_ITEMS: usize = 100;

/// Longest external id accepted.
const MAX_EXTERNAL_ID: usize = 255;

/// What a batch item asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Create a record.
    Create,
    /// Merge-patch a record named by `id` (optionally at `version`).
    Update,
    /// Update the record the item names by external id or natural key, or create it.
    Upsert,
    /// Soft-delete a record named by `id`.
    Delete,
}

impl Op {
    /// The key of the batch body listing these items.
    pub fn key(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
    }
}

/// What became of one item.
#[derive(Debug)]
pub struct Outcome<O> {
    /// The operation.
    pub op: Op,
    /// Its index within its operation's list.
    pub index: usize,
    /// 200, 201 or 204 with the record (none after a delete), or the problem.
    pub result: Result<(u16, Option<O>), AppError>,
}

fn invalid(pointer: String, code: &str, message: &str) -> FieldError {
    FieldError {
        pointer,
        code: code.into(),
        message: message.into(),
    }
}

/// Reads the batch body: which items, under which operation, or every problem of its shape.
fn items(body: Value) -> Result<Vec<(Op, usize, Value)>, AppError> {
    let Value::Object(map) = body else {
        return Err(AppError::Validation(vec![invalid(
            "/".into(),
            "invalid_type",
            "a batch is a JSON object with create, update, upsert and delete lists",
        )]));
    };
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (key, value) in map {
        let op = match key.as_str() {
            "create" => Op::Create,
            "update" => Op::Update,
            "upsert" => Op::Upsert,
            "delete" => Op::Delete,
            _ => {
                errors.push(invalid(
                    format!("/{key}"),
                    "unknown_field",
                    "a batch has create, update, upsert and delete lists only",
                ));
                continue;
            }
        };
        let Value::Array(list) = value else {
            errors.push(invalid(
                format!("/{key}"),
                "invalid_type",
                "must be an array",
            ));
            continue;
        };
        for (i, item) in list.into_iter().enumerate() {
            out.push((op, i, item));
        }
    }
    if out.len() > MAX_ITEMS {
        errors.push(invalid(
            "/".into(),
            "too_many",
            "a batch holds at most 100 items in all",
        ));
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(invalid("/".into(), "required", "the batch holds no item"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Takes `key` out of an item, which must be an object.
fn take(item: &mut Value, key: &str) -> Option<Value> {
    item.as_object_mut().and_then(|m| m.remove(key))
}

fn id_of(item: &mut Value, pointer: &str) -> Result<Uuid, AppError> {
    match item {
        Value::String(s) => Uuid::parse_str(s).ok(),
        _ => take(item, "id").and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok())),
    }
    .ok_or_else(|| {
        AppError::Validation(vec![invalid(
            format!("{pointer}/id"),
            "required",
            "name the record by its id",
        )])
    })
}

fn external_id(item: &mut Value, pointer: &str) -> Result<Option<String>, AppError> {
    match take(item, "external_id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= MAX_EXTERNAL_ID => {
            Ok(Some(s.trim().to_owned()))
        }
        Some(_) => Err(AppError::Validation(vec![invalid(
            format!("{pointer}/external_id"),
            "invalid_format",
            "an external id is a non-empty string of at most 255 bytes",
        )])),
    }
}

/// Places an item's problem under the item's place in the batch (`/create/3/...`).
fn at(pointer: &str, e: AppError) -> AppError {
    e.repoint(|p| {
        if p == "/" {
            pointer.to_owned()
        } else if p.starts_with(pointer) {
            p.to_owned()
        } else {
            format!("{pointer}{p}")
        }
    })
}

async fn upsert<O: Object>(
    app: &App,
    ctx: &Ctx,
    mut item: Value,
    pointer: &str,
) -> Result<(u16, Option<O>), AppError> {
    if !item.is_object() {
        return Err(AppError::Validation(vec![invalid(
            pointer.to_owned(),
            "invalid_type",
            "an upsert item is an object of fields",
        )]));
    }
    let external = external_id(&mut item, pointer)?;
    let reach = records::reach(app, ctx).await?;
    for _ in 0..3 {
        let mut tx = app.db.begin().await?;
        let by_external = match &external {
            Some(e) => external_ids::find(&mut tx, ctx.workspace_id, O::SCHEMA.name, e).await?,
            None => None,
        };
        let live = match by_external {
            Some(id)
                if crate::references::record_exists(
                    &mut tx,
                    ctx.workspace_id,
                    O::SCHEMA.name,
                    id,
                )
                .await? =>
            {
                Some(id)
            }
            _ => O::natural_key(&mut tx, ctx, &item).await?,
        };
        let (tx, status, record) = match live {
            Some(id) => {
                records::allow::<O>(app, ctx, Action::Update).await?;
                match records::patch_in::<O>(app, ctx, tx, id, &item, None, reach.as_deref())
                    .await?
                {
                    Patched::Done { tx, after, .. } => (tx, 200, after),
                    Patched::Raced => continue,
                }
            }
            None => {
                records::allow::<O>(app, ctx, Action::Create).await?;
                let (tx, record) = records::create_in::<O>(app, ctx, tx, item.clone()).await?;
                (tx, 201, record)
            }
        };
        let mut tx = tx;
        if let Some(e) = &external {
            external_ids::put(
                &mut tx,
                ctx.workspace_id,
                O::SCHEMA.name,
                e,
                record.id(),
                time::now_millis(),
            )
            .await?;
        }
        tx.commit().await?;
        O::after_commit(app, &record).await;
        return Ok((status, Some(record)));
    }
    Err(AppError::Unavailable(
        "the record is changing too often; retry".into(),
    ))
}

async fn one<O: Object>(
    app: &App,
    ctx: &Ctx,
    op: Op,
    index: usize,
    mut item: Value,
) -> Result<(u16, Option<O>), AppError> {
    let pointer = format!("/{}/{index}", op.key());
    match op {
        Op::Create => {
            let external = external_id(&mut item, &pointer)?;
            if external.is_some() {
                // With an external id a create is an upsert: retrying the batch never duplicates.
                let mut with = item;
                if let (Some(m), Some(e)) = (with.as_object_mut(), &external) {
                    m.insert("external_id".into(), Value::String(e.clone()));
                }
                return upsert::<O>(app, ctx, with, &pointer).await;
            }
            let r = records::create::<O>(app, ctx, item).await?;
            Ok((201, Some(r)))
        }
        Op::Update => {
            let id = id_of(&mut item, &pointer)?;
            let version = take(&mut item, "version").and_then(|v| v.as_i64());
            let r = records::update::<O>(app, ctx, id, item, version).await?;
            Ok((200, Some(r)))
        }
        Op::Upsert => upsert::<O>(app, ctx, item, &pointer).await,
        Op::Delete => {
            let id = id_of(&mut item, &pointer)?;
            records::delete::<O>(app, ctx, id, None).await?;
            Ok((204, None))
        }
    }
}

/// Runs a batch: every item in order (creates, then updates, upserts, deletes as listed), each
/// on its own; the shape of the batch itself is checked first (422 for the whole).
pub async fn run<O: Object>(
    app: &App,
    ctx: &Ctx,
    body: Value,
) -> Result<Vec<Outcome<O>>, AppError> {
    let mut items = items(body)?;
    items.sort_by_key(|(op, i, _)| (*op as u8, *i));
    let mut out = Vec::with_capacity(items.len());
    for (op, index, item) in items {
        let pointer = format!("/{}/{index}", op.key());
        let result = one::<O>(app, ctx, op, index, item)
            .await
            .map_err(|e| at(&pointer, e));
        out.push(Outcome { op, index, result });
    }
    Ok(out)
}
