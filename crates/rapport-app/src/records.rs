//! The use cases every object shares, written once: create, get, update (JSON merge patch with
//! optimistic versions), soft delete, restore, list. Each object adds only its hooks: how a body
//! becomes a draft, what to check against other records, how to explain a refused write.

use chrono::{DateTime, Utc};
use rapport_domain::filter::Op;
use rapport_domain::objects::{CustomValues, Record, merge_patch, time};
use rapport_domain::policy::{Action, RecordScope, Resource};
use rapport_domain::query::{Fields, Scalar, TypedCond, TypedExpr, TypedValue};
use rapport_domain::schema::ObjectSchema;
use rapport_domain::validation::FieldError;
use rapport_store::list::Page;
use rapport_store::records::{self, Table};
use rapport_store::{StoreError, Tx, teams};
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::lists::{ListInput, ListRequest};
use crate::policy::authorize;
use crate::{drafts, references};

/// How often an update without `If-Match` retries when another write slipped in between.
const RETRIES: usize = 3;

/// An object the use cases can handle.
pub trait Object: Record {
    /// Where it is stored.
    type Table: Table<Record = Self>;
    /// Its filterable and sortable fields.
    const SCHEMA: &'static ObjectSchema;

    /// Parses a create body, or a record after a merge patch, listing every problem.
    fn parse(app: &App, body: Value) -> Result<Self::Draft, Vec<FieldError>>;

    /// The draft's custom field values, for objects that take custom fields; checked against
    /// the workspace's definitions on every write (see [`crate::custom_fields`]).
    fn custom(draft: &mut Self::Draft) -> Option<&mut CustomValues> {
        let _ = draft;
        None
    }

    /// Checks a draft against other records before it is written (references, uniqueness);
    /// `own` is the record's id. The user the record's scope field names is checked by
    /// [`crate::drafts::check_draft`] for every object.
    fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &Self::Draft,
        own: Uuid,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (tx, ctx, draft, own);
        async { Ok(()) }
    }

    /// Sets what the server derives before a write (a deal's `closed_at`, a case's SLA due
    /// time), after the checks; `before` is the stored record an update starts from.
    fn settle(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Self>,
        record: &mut Self,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (app, tx, ctx, before, record);
        async { Ok(()) }
    }

    /// Writes what follows a stored change in the same transaction (a deal's stage history).
    fn after_write(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Self>,
        record: &Self,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (app, tx, ctx, before, record);
        async { Ok(()) }
    }

    /// Does what cannot share the write's transaction, once it is committed (a filterable
    /// custom field's index, built on PostgreSQL without holding back writes). The write
    /// stands whatever happens here: a failure is the object's to log and recover from.
    fn after_commit(app: &App, record: &Self) -> impl Future<Output = ()> + Send {
        let _ = (app, record);
        async {}
    }

    /// [`Object::after_write`] for the records a bulk path (`rapport seed`) wrote in one
    /// transaction, each `(before, after)` in write order. An object may combine what the
    /// records share (a deal noted once, with its latest activity) when that leaves the same
    /// end state; by default each goes through `after_write` in turn.
    fn after_write_many(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        written: &[(Option<Self>, Self)],
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        async move {
            for (before, after) in written {
                Self::after_write(app, tx, ctx, before.as_ref(), after).await?;
            }
            Ok(())
        }
    }

    /// Fills in what records show from other rows (a campaign's member counts) before they are
    /// answered, for a whole page in one go. Called on reads, updates and restores; a record
    /// just created has nothing in other rows yet.
    fn fill(
        app: &App,
        ctx: &Ctx,
        records: &mut [Self],
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (app, ctx, records);
        async { Ok(()) }
    }

    /// The live record a batch upsert body names by the object's natural key (a contact's
    /// email, a company's domain), inside the upsert's transaction; `None`: no natural key, or
    /// no such record.
    fn natural_key(
        tx: &mut Tx,
        ctx: &Ctx,
        body: &Value,
    ) -> impl Future<Output = Result<Option<Uuid>, AppError>> + Send {
        let _ = (tx, ctx, body);
        async { Ok(None) }
    }

    /// Refuses a delete that would leave others pointing at nothing (a pipeline with deals).
    fn before_delete(
        tx: &mut Tx,
        ctx: &Ctx,
        record: &Self,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (tx, ctx, record);
        async { Ok(()) }
    }

    /// Explains a write the database refused (a race the checks could not see).
    fn explain(
        app: &App,
        ctx: &Ctx,
        e: StoreError,
        draft: &Self::Draft,
    ) -> impl Future<Output = AppError> + Send {
        let _ = (app, ctx, draft);
        async move { AppError::from(e) }
    }
}

/// Checks that the caller may do `action` on this object.
pub(crate) async fn allow<O: Object>(app: &App, ctx: &Ctx, action: Action) -> Result<(), AppError> {
    authorize(app, ctx, action, Resource::Records(O::SCHEMA.name)).await
}

/// The owners whose records the caller reaches under their role's record scope; `None`: all.
pub(crate) async fn reach(app: &App, ctx: &Ctx) -> Result<Option<Vec<Uuid>>, AppError> {
    let Some(me) = ctx.actor.user() else {
        return Ok(None);
    };
    Ok(match ctx.principal.record_scope() {
        RecordScope::All => None,
        RecordScope::Own => Some(vec![me.0]),
        RecordScope::Team => Some(teams::teammates(&app.db, ctx.workspace_id, me).await?),
    })
}

/// The owner of a record's fields as JSON, read from the object's owner field.
fn owner_in(fields: &Value, key: &str) -> Option<Uuid> {
    fields
        .get(key)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// Whether a record (its fields as JSON) of this object is within reach; objects without an
/// owner field are shared configuration and always are.
pub(crate) fn within(schema: &ObjectSchema, fields: &Value, reach: Option<&[Uuid]>) -> bool {
    match (reach, schema.owner) {
        (None, _) | (_, None) => true,
        (Some(owners), Some(key)) => owner_in(fields, key).is_some_and(|o| owners.contains(&o)),
    }
}

/// Refuses a write that touches personal fields the caller's role may not see.
pub(crate) fn check_personal<O: Object>(ctx: &Ctx, body: &Value) -> Result<(), AppError> {
    if ctx.principal.pii_read() {
        return Ok(());
    }
    // Even `null` counts: in a merge patch it erases the field.
    let touched = O::SCHEMA.sensitive.iter().find(|k| body.get(**k).is_some());
    match touched {
        Some(k) => Err(AppError::Forbidden(format!(
            "the {} role may not see or change personal fields ({k})",
            ctx.principal.role_name()
        ))),
        None => Ok(()),
    }
}

/// A record out of reach answers like a missing one: its existence is not revealed.
pub(crate) fn reachable<O: Object>(record: &O, reach: Option<&[Uuid]>) -> Result<(), AppError> {
    if within(O::SCHEMA, &to_json(record.fields())?, reach) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn owner_out_of_reach(key: &str) -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: format!("/{key}"),
        code: "out_of_reach".into(),
        message: "your role only reaches records owned by you (or your teams)".into(),
    }])
}

/// `contacts.update` and the like.
fn action_name<O: Object>(verb: &str) -> String {
    format!("{}.{verb}", O::SCHEMA.name)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

fn not_an_object() -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: "/".into(),
        code: "invalid_type".into(),
        message: "a merge patch must be a JSON object".into(),
    }])
}

/// The live record a write starts from: 404 when missing or deleted, 412 when `If-Match` names
/// another version.
pub(crate) async fn live_for_write<O: Object>(
    tx: &mut Tx,
    ctx: &Ctx,
    id: Uuid,
    if_match: Option<i64>,
    reach: Option<&[Uuid]>,
) -> Result<O, AppError> {
    let Some((current, false)) =
        records::find_for_write::<O::Table>(tx, ctx.workspace_id, id).await?
    else {
        return Err(AppError::NotFound);
    };
    // Reach first: a stale If-Match must not confirm that an out-of-reach record exists.
    reachable(&current, reach)?;
    match if_match {
        Some(v) if v != current.version() => Err(AppError::PreconditionFailed {
            current_version: current.version(),
        }),
        _ => Ok(current),
    }
}

/// Creates a record from a JSON body.
#[tracing::instrument(skip_all, fields(object = O::SCHEMA.name, workspace_id = %ctx.workspace_id))]
pub async fn create<O: Object>(app: &App, ctx: &Ctx, body: Value) -> Result<O, AppError> {
    allow::<O>(app, ctx, Action::Create).await?;
    let tx = app.db.begin().await?;
    let (tx, record) = create_in::<O>(app, ctx, tx, body).await?;
    tx.commit().await?;
    O::after_commit(app, &record).await;
    Ok(record)
}

/// Creates a record from a JSON body inside `tx`, which the caller commits after anything else
/// its action writes (a lead's conversion); the caller has checked the action is allowed.
pub(crate) async fn create_in<O: Object>(
    app: &App,
    ctx: &Ctx,
    tx: Tx,
    body: Value,
) -> Result<(Tx, O), AppError> {
    create_with::<O>(app, ctx, tx, body, Trail::EachRecord).await
}

/// Which audit entries a write leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trail {
    /// One entry per record written (every interactive write).
    EachRecord,
    /// None here: the caller records one entry for its whole batch (an import's chunk), so a
    /// million-row import does not write a million entries.
    Batch,
}

/// [`create_in`], with the audit entry left to the caller under [`Trail::Batch`].
pub(crate) async fn create_with<O: Object>(
    app: &App,
    ctx: &Ctx,
    mut tx: Tx,
    mut body: Value,
    trail: Trail,
) -> Result<(Tx, O), AppError> {
    check_personal::<O>(ctx, &body)?;
    if let Some(map) = body.as_object_mut() {
        references::resolve_users(O::SCHEMA, ctx, map, true);
    }
    if let (Some(owners), Some(me), Some(map), Some(key)) = (
        reach(app, ctx).await?,
        ctx.actor.user(),
        body.as_object_mut(),
        O::SCHEMA.owner,
    ) {
        // A scoped role's new record is its own unless it names an owner it reaches.
        match map.get(key) {
            None | Some(Value::Null) => {
                map.insert(key.into(), Value::String(me.to_string()));
            }
            Some(Value::String(o)) if Uuid::parse_str(o).is_ok_and(|o| owners.contains(&o)) => {}
            Some(Value::String(o)) if Uuid::parse_str(o).is_ok() => {
                return Err(owner_out_of_reach(key));
            }
            Some(_) => {}
        }
    }
    // The id the record will get is not known before it parses; any unused one will do.
    let provisional = Uuid::now_v7();
    let mut draft = drafts::parse_all::<O>(app, &mut tx, ctx, body, None, provisional).await?;
    let mut errors = Vec::new();
    if let Some(values) = O::custom(&mut draft) {
        // A new record has no id in the database yet: any holder of a unique value is another.
        let settled =
            crate::custom_fields::settle_values::<O>(app, &mut tx, ctx, values, None, Uuid::nil())
                .await;
        references::gather(&mut errors, settled)?;
    }
    let mut record = O::create(draft, time::now_millis());
    let checked = drafts::check_draft::<O>(&mut tx, ctx, record.fields(), None, record.id()).await;
    references::gather(&mut errors, checked)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    O::settle(app, &mut tx, ctx, None, &mut record).await?;
    if let Err(e) = records::insert::<O::Table>(&mut tx, ctx.workspace_id, &record).await {
        drop(tx);
        return Err(O::explain(app, ctx, e, record.fields()).await);
    }
    O::after_write(app, &mut tx, ctx, None, &record).await?;
    if trail == Trail::Batch {
        return Ok((tx, record));
    }
    let action = action_name::<O>("create");
    let fields = audit::snapshot(&to_json(record.fields())?, O::SCHEMA.sensitive);
    let event = Event::on(&action, O::SCHEMA.name, &record.id())
        .with(serde_json::json!({ "fields": fields }));
    audit::record(&mut tx, ctx, event).await?;
    Ok((tx, record))
}

/// Creates many records in one transaction (seed, batch and import paths); all or nothing.
pub async fn create_many<O: Object>(
    app: &App,
    ctx: &Ctx,
    drafts: Vec<O::Draft>,
) -> Result<Vec<O>, AppError> {
    let now = time::now_millis();
    let items = drafts
        .into_iter()
        .map(|draft| Backdated {
            draft,
            at: now,
            changes: Vec::new(),
        })
        .collect();
    create_many_as_of::<O>(app, ctx, items).await
}

/// A record as it was created at some past time, with the changes it went through since:
/// what [`create_many_as_of`] writes.
#[derive(Debug, Clone)]
pub struct Backdated<D> {
    /// The fields it was created with.
    pub draft: D,
    /// When it was created.
    pub at: DateTime<Utc>,
    /// Later versions of its fields and when each was written, oldest first.
    pub changes: Vec<(D, DateTime<Utc>)>,
}

/// Creates many records in one transaction as if each had been created at its own time and
/// changed as its history says (`rapport seed` fills a year of deals this way); all or nothing.
///
/// Every version goes through the same checks, `settle` and `after_write` as a create or an
/// update made at that time, so derived fields and side rows (a deal's `closed_at` and stage
/// history) are those the history would have left; only the last version is stored, and the
/// batch leaves one audit entry, as [`create_many`] does. The follow-up writes run once the
/// whole batch is stored, through [`Object::after_write_many`].
pub async fn create_many_as_of<O: Object>(
    app: &App,
    ctx: &Ctx,
    items: Vec<Backdated<O::Draft>>,
) -> Result<Vec<O>, AppError> {
    allow::<O>(app, ctx, Action::Create).await?;
    let mut tx = app.db.begin().await?;
    let mut out = Vec::with_capacity(items.len());
    let mut written: Vec<(Option<O>, O)> = Vec::with_capacity(items.len());
    for item in items {
        let mut record = O::create(item.draft, time::truncate_millis(item.at));
        drafts::check_draft::<O>(&mut tx, ctx, record.fields(), None, record.id()).await?;
        O::settle(app, &mut tx, ctx, None, &mut record).await?;
        // Each (before, after) pair of the history, replayed through the hooks once stored.
        let mut steps: Vec<(O, O)> = Vec::with_capacity(item.changes.len());
        let first = record.clone();
        for (draft, at) in item.changes {
            let stored = to_json(record.fields())?;
            drafts::check_draft::<O>(&mut tx, ctx, &draft, Some(&stored), record.id()).await?;
            let mut next = record.clone().revised(draft, time::truncate_millis(at));
            O::settle(app, &mut tx, ctx, Some(&record), &mut next).await?;
            steps.push((record, next.clone()));
            record = next;
        }
        if let Err(e) = records::insert::<O::Table>(&mut tx, ctx.workspace_id, &record).await {
            drop(tx);
            return Err(O::explain(app, ctx, e, record.fields()).await);
        }
        written.push((None, first));
        written.extend(
            steps
                .into_iter()
                .map(|(before, after)| (Some(before), after)),
        );
        out.push(record);
    }
    O::after_write_many(app, &mut tx, ctx, &written).await?;
    // One entry for the batch: a million-row import must not write a million diffs.
    let action = action_name::<O>("create_many");
    let ids: Vec<Uuid> = out.iter().map(Record::id).collect();
    let event = Event::plain(&action).with(serde_json::json!({
        "object_type": O::SCHEMA.name,
        "count": ids.len(),
        "ids": ids,
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(out)
}

/// A live record.
pub async fn get<O: Object>(app: &App, ctx: &Ctx, id: Uuid) -> Result<O, AppError> {
    allow::<O>(app, ctx, Action::Read).await?;
    let reach = reach(app, ctx).await?;
    let Some(mut record) = records::find::<O::Table>(&app.db, ctx.workspace_id, id).await? else {
        // A merged record's address leads to the survivor, for callers who could read it.
        return match records::tombstone::<O::Table>(&app.db, ctx.workspace_id, id).await? {
            Some((gone, into)) => {
                reachable(&gone, reach.as_deref())?;
                Err(AppError::Merged { into })
            }
            None => Err(AppError::NotFound),
        };
    };
    reachable(&record, reach.as_deref())?;
    O::fill(app, ctx, std::slice::from_mut(&mut record)).await?;
    Ok(record)
}

/// Applies a JSON merge patch; with `if_match`, only to that version. A patch that changes
/// nothing leaves the version as it is.
#[tracing::instrument(skip_all, fields(object = O::SCHEMA.name, workspace_id = %ctx.workspace_id, id = %id))]
pub async fn update<O: Object>(
    app: &App,
    ctx: &Ctx,
    id: Uuid,
    patch: Value,
    if_match: Option<i64>,
) -> Result<O, AppError> {
    allow::<O>(app, ctx, Action::Update).await?;
    if !patch.is_object() {
        return Err(not_an_object());
    }
    check_personal::<O>(ctx, &patch)?;
    let reach = reach(app, ctx).await?;
    for _ in 0..RETRIES {
        let tx = app.db.begin().await?;
        match patch_in::<O>(app, ctx, tx, id, &patch, if_match, reach.as_deref()).await? {
            Patched::Done { tx, mut after, .. } => {
                tx.commit().await?;
                O::after_commit(app, &after).await;
                O::fill(app, ctx, std::slice::from_mut(&mut after)).await?;
                return Ok(after);
            }
            Patched::Raced => {}
        }
    }
    Err(AppError::Unavailable(
        "the record is changing too often; retry".into(),
    ))
}

/// The outcome of one try at a merge patch.
pub(crate) enum Patched<O> {
    /// Written (or unchanged: `after` is `before`) in `tx`, which the caller commits after
    /// anything else the action writes.
    Done {
        /// The open transaction.
        tx: Tx,
        /// The record as it was.
        before: O,
        /// The record as it is now.
        after: O,
    },
    /// Another write changed the record between the read and the write; try again.
    Raced,
}

/// One try at applying a merge patch inside `tx`, with the checks, derived fields, follow-up
/// writes and audit entry of an update. The caller has checked the action is allowed.
pub(crate) async fn patch_in<O: Object>(
    app: &App,
    ctx: &Ctx,
    tx: Tx,
    id: Uuid,
    patch: &Value,
    if_match: Option<i64>,
    reach: Option<&[Uuid]>,
) -> Result<Patched<O>, AppError> {
    patch_with::<O>(app, ctx, tx, id, patch, if_match, reach, Trail::EachRecord).await
}

/// [`patch_in`], with the audit entry left to the caller under [`Trail::Batch`].
#[expect(
    clippy::too_many_arguments,
    reason = "patch_in's arguments and the trail"
)]
pub(crate) async fn patch_with<O: Object>(
    app: &App,
    ctx: &Ctx,
    mut tx: Tx,
    id: Uuid,
    patch: &Value,
    if_match: Option<i64>,
    reach: Option<&[Uuid]>,
    trail: Trail,
) -> Result<Patched<O>, AppError> {
    let current = live_for_write::<O>(&mut tx, ctx, id, if_match, reach).await?;
    let before = to_json(current.fields())?;
    let mut doc = before.clone();
    let mut patch = patch.clone();
    if let Some(map) = patch.as_object_mut() {
        references::resolve_users(O::SCHEMA, ctx, map, false);
    }
    merge_patch::apply(&mut doc, &patch);
    // RFC 7396 drops a member set to null. One the record's fields do not have is kept, as null,
    // so the parser refuses an unknown name as it refuses it with any other value.
    if let (Some(sent), Some(merged), Some(had)) =
        (patch.as_object(), doc.as_object_mut(), before.as_object())
    {
        for (key, value) in sent {
            if value.is_null() && !had.contains_key(key) {
                merged.insert(key.clone(), Value::Null);
            }
        }
    }
    if !within(O::SCHEMA, &doc, reach) {
        return Err(owner_out_of_reach(O::SCHEMA.owner.unwrap_or("owner_id")));
    }
    let mut draft = drafts::parse_all::<O>(app, &mut tx, ctx, doc, Some(&before), id).await?;
    let mut errors = Vec::new();
    if let Some(values) = O::custom(&mut draft) {
        // The stored values, read from the fields' JSON already at hand.
        let stored = before
            .get("custom")
            .and_then(|v| <CustomValues as serde::Deserialize>::deserialize(v).ok());
        let settled = crate::custom_fields::settle_values::<O>(
            app,
            &mut tx,
            ctx,
            values,
            stored.as_ref(),
            id,
        )
        .await;
        references::gather(&mut errors, settled)?;
    }
    if errors.is_empty() && &draft == current.fields() {
        return Ok(Patched::Done {
            tx,
            before: current.clone(),
            after: current,
        });
    }
    let checked = drafts::check_draft::<O>(&mut tx, ctx, &draft, Some(&before), id).await;
    references::gather(&mut errors, checked)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let expected = current.version();
    let mut next = current.clone().revised(draft, time::now_millis());
    O::settle(app, &mut tx, ctx, Some(&current), &mut next).await?;
    match records::update::<O::Table>(&mut tx, ctx.workspace_id, &next, expected).await {
        Ok(()) => {
            O::after_write(app, &mut tx, ctx, Some(&current), &next).await?;
            if trail == Trail::EachRecord {
                let action = action_name::<O>("update");
                let changes = audit::diff(&before, &to_json(next.fields())?, O::SCHEMA.sensitive);
                let event = Event::on(&action, O::SCHEMA.name, &id)
                    .with(serde_json::json!({ "version": next.version(), "changes": changes }));
                audit::record(&mut tx, ctx, event).await?;
            }
            Ok(Patched::Done {
                tx,
                before: current,
                after: next,
            })
        }
        Err(StoreError::VersionMismatch) if if_match.is_none() => Ok(Patched::Raced),
        Err(StoreError::VersionMismatch) => Err(AppError::PreconditionFailed {
            current_version: expected + 1,
        }),
        Err(e) => {
            drop(tx);
            Err(O::explain(app, ctx, e, next.fields()).await)
        }
    }
}

/// Soft-deletes a record (restore brings it back).
pub async fn delete<O: Object>(
    app: &App,
    ctx: &Ctx,
    id: Uuid,
    if_match: Option<i64>,
) -> Result<(), AppError> {
    allow::<O>(app, ctx, Action::Delete).await?;
    let reach = reach(app, ctx).await?;
    let mut tx = app.db.begin().await?;
    let current = live_for_write::<O>(&mut tx, ctx, id, if_match, reach.as_deref()).await?;
    O::before_delete(&mut tx, ctx, &current).await?;
    let now = time::now_millis();
    records::set_deleted::<O::Table>(
        &mut tx,
        ctx.workspace_id,
        &current,
        Some(now),
        now,
        current.version(),
    )
    .await?;
    let action = action_name::<O>("delete");
    audit::record(&mut tx, ctx, Event::on(&action, O::SCHEMA.name, &id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Brings a soft-deleted record back (a live one is returned as it is), after the same checks as
/// a write (a company's domain may have been taken meanwhile).
pub async fn restore<O: Object>(app: &App, ctx: &Ctx, id: Uuid) -> Result<O, AppError> {
    allow::<O>(app, ctx, Action::Update).await?;
    let reach = reach(app, ctx).await?;
    let mut tx = app.db.begin().await?;
    let Some((current, deleted)) =
        records::find_for_write::<O::Table>(&mut tx, ctx.workspace_id, id).await?
    else {
        return Err(AppError::NotFound);
    };
    reachable(&current, reach.as_deref())?;
    if !deleted {
        drop(tx);
        let mut current = current;
        O::fill(app, ctx, std::slice::from_mut(&mut current)).await?;
        return Ok(current);
    }
    if let Some(into) = records::merged_into::<O::Table>(&mut tx, ctx.workspace_id, id).await? {
        return Err(AppError::Conflict {
            code: "merged",
            detail: format!(
                "the record was merged into {into}; a merged record cannot be restored"
            ),
            existing_id: Some(into.to_string()),
        });
    }
    O::check(&mut tx, ctx, current.fields(), id).await?;
    let now = time::now_millis();
    match records::set_deleted::<O::Table>(
        &mut tx,
        ctx.workspace_id,
        &current,
        None,
        now,
        current.version(),
    )
    .await
    {
        Ok(version) => {
            let action = action_name::<O>("restore");
            audit::record(&mut tx, ctx, Event::on(&action, O::SCHEMA.name, &id)).await?;
            tx.commit().await?;
            let mut restored = current.touched(version, now);
            O::after_commit(app, &restored).await;
            O::fill(app, ctx, std::slice::from_mut(&mut restored)).await?;
            Ok(restored)
        }
        Err(e) => {
            drop(tx);
            Err(O::explain(app, ctx, e, current.fields()).await)
        }
    }
}

/// A page of live records.
pub async fn list<O: Object>(app: &App, ctx: &Ctx, input: ListInput) -> Result<Page<O>, AppError> {
    list_within::<O>(app, ctx, input, None).await
}

/// A page of live records that also meet `restriction`, a condition built by the application
/// (an appointment list's calendar range, a calendar feed's "mine"), on top of the client's
/// filter and the caller's record scope.
pub async fn list_within<O: Object>(
    app: &App,
    ctx: &Ctx,
    input: ListInput,
    restriction: Option<TypedExpr>,
) -> Result<Page<O>, AppError> {
    allow::<O>(app, ctx, Action::Read).await?;
    let custom = crate::custom_fields::filter_fields(app, ctx, O::SCHEMA.name, &input).await?;
    let fields = Fields {
        schema: O::SCHEMA,
        custom: &custom,
    };
    let mut req = ListRequest::parse(input, fields, ctx.actor.user())?;
    if let Some(condition) = restriction {
        req.restrict(condition);
    }
    if !ctx.principal.pii_read()
        && let Some(path) = req.uses_any(O::SCHEMA.personal_paths)
    {
        return Err(AppError::Forbidden(format!(
            "the {} role may not filter or sort on personal fields ({path})",
            ctx.principal.role_name()
        )));
    }
    if let (Some(owners), Some(key)) = (reach(app, ctx).await?, O::SCHEMA.owner) {
        let field = O::SCHEMA
            .field(key)
            .ok_or_else(|| AppError::Internal(format!("{key} is not a filterable field")))?;
        req.restrict(TypedExpr::Cond(TypedCond {
            field: field.into(),
            op: Op::In,
            value: TypedValue::Many(owners.into_iter().map(Scalar::Uuid).collect()),
        }));
    }
    let mut page = records::list::<O::Table>(&app.db, ctx.workspace_id, req.params()).await?;
    O::fill(app, ctx, &mut page.items).await?;
    Ok(page)
}

/// The static name of a record object (policy resources name objects by `&'static str`).
pub fn static_name(object: &str) -> Result<&'static str, AppError> {
    rapport_domain::schema::RECORD_OBJECTS
        .iter()
        .copied()
        .find(|o| *o == object)
        .ok_or(AppError::NotFound)
}
