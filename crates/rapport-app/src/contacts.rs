//! Contact use cases.

use rapport_domain::ids::{CompanyId, ContactId};
use rapport_domain::objects::{Contact, ContactDraft, merge_patch, time};
use rapport_domain::schema::CONTACTS;
use rapport_domain::validation::FieldError;
use rapport_store::list::Page;
use rapport_store::{StoreError, Tx, companies as company_store, contacts as store};
use serde_json::Value;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::lists::{ListInput, ListRequest};

/// How often an update without `If-Match` retries when another write slipped in between.
const RETRIES: usize = 3;

async fn check_company(
    tx: &mut Tx,
    ctx: &Ctx,
    company_id: Option<CompanyId>,
) -> Result<(), AppError> {
    if let Some(id) = company_id
        && !company_store::exists_live(tx, ctx.workspace_id, id).await?
    {
        return Err(AppError::Validation(vec![FieldError {
            pointer: "/company_id".into(),
            code: "not_found".into(),
            message: format!("no company with id {id} exists in this workspace"),
        }]));
    }
    Ok(())
}

/// Creates a contact from a JSON body.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id))]
pub async fn create(app: &App, ctx: &Ctx, body: Value) -> Result<Contact, AppError> {
    let fields = ContactDraft::parse(body, app.phone_region()).map_err(AppError::Validation)?;
    let now = time::now_millis();
    let contact = Contact {
        id: ContactId::new(),
        fields,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let mut tx = app.db.begin().await?;
    check_company(&mut tx, ctx, contact.fields.company_id).await?;
    store::insert(&mut tx, ctx.workspace_id, &contact).await?;
    tx.commit().await?;
    Ok(contact)
}

/// A live contact.
pub async fn get(app: &App, ctx: &Ctx, id: ContactId) -> Result<Contact, AppError> {
    store::find(&app.db, ctx.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Applies a JSON merge patch; with `if_match`, only to that version.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id, contact_id = %id))]
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: ContactId,
    patch: Value,
    if_match: Option<i64>,
) -> Result<Contact, AppError> {
    if !patch.is_object() {
        return Err(AppError::Validation(vec![FieldError {
            pointer: "/".into(),
            code: "invalid_type".into(),
            message: "a merge patch must be a JSON object".into(),
        }]));
    }
    for _ in 0..RETRIES {
        let mut tx = app.db.begin().await?;
        let Some((current, false)) = store::find_for_write(&mut tx, ctx.workspace_id, id).await?
        else {
            return Err(AppError::NotFound);
        };
        if let Some(v) = if_match
            && v != current.version
        {
            return Err(AppError::PreconditionFailed {
                current_version: current.version,
            });
        }
        let mut doc =
            serde_json::to_value(&current.fields).map_err(|e| AppError::Internal(e.to_string()))?;
        merge_patch::apply(&mut doc, &patch);
        let fields = ContactDraft::parse(doc, app.phone_region()).map_err(AppError::Validation)?;
        if fields == current.fields {
            return Ok(current);
        }
        check_company(&mut tx, ctx, fields.company_id).await?;
        let next = Contact {
            fields,
            updated_at: time::now_millis(),
            version: current.version + 1,
            ..current
        };
        match store::update(&mut tx, ctx.workspace_id, &next, current.version).await {
            Ok(()) => {
                tx.commit().await?;
                return Ok(next);
            }
            Err(StoreError::VersionMismatch) if if_match.is_none() => continue,
            Err(StoreError::VersionMismatch) => {
                return Err(AppError::PreconditionFailed {
                    current_version: current.version + 1,
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable(
        "the contact is changing too often; retry".into(),
    ))
}

/// Soft-deletes a contact.
pub async fn delete(
    app: &App,
    ctx: &Ctx,
    id: ContactId,
    if_match: Option<i64>,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let Some((current, false)) = store::find_for_write(&mut tx, ctx.workspace_id, id).await? else {
        return Err(AppError::NotFound);
    };
    if let Some(v) = if_match
        && v != current.version
    {
        return Err(AppError::PreconditionFailed {
            current_version: current.version,
        });
    }
    let now = time::now_millis();
    store::set_deleted(
        &mut tx,
        ctx.workspace_id,
        &current,
        Some(now),
        now,
        current.version,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Brings a soft-deleted contact back (a live one is returned as it is).
pub async fn restore(app: &App, ctx: &Ctx, id: ContactId) -> Result<Contact, AppError> {
    let mut tx = app.db.begin().await?;
    let Some((current, deleted)) = store::find_for_write(&mut tx, ctx.workspace_id, id).await?
    else {
        return Err(AppError::NotFound);
    };
    if !deleted {
        return Ok(current);
    }
    let now = time::now_millis();
    let version = store::set_deleted(
        &mut tx,
        ctx.workspace_id,
        &current,
        None,
        now,
        current.version,
    )
    .await?;
    tx.commit().await?;
    Ok(Contact {
        updated_at: now,
        version,
        ..current
    })
}

/// A page of contacts.
pub async fn list(app: &App, ctx: &Ctx, input: ListInput) -> Result<Page<Contact>, AppError> {
    let req = ListRequest::parse(input, &CONTACTS)?;
    Ok(store::list(&app.db, ctx.workspace_id, req.params()).await?)
}

/// Creates many contacts in one transaction (seed, batch and import paths). Each draft is already
/// validated; company references are checked against live companies.
pub async fn create_many(
    app: &App,
    ctx: &Ctx,
    drafts: Vec<ContactDraft>,
) -> Result<Vec<Contact>, AppError> {
    let now = time::now_millis();
    let mut tx = app.db.begin().await?;
    let mut out = Vec::with_capacity(drafts.len());
    for fields in drafts {
        let contact = Contact {
            id: ContactId::new(),
            fields,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        match store::insert(&mut tx, ctx.workspace_id, &contact).await {
            Ok(()) => out.push(contact),
            Err(StoreError::MissingReference { .. }) => {
                return Err(AppError::Validation(vec![FieldError {
                    pointer: format!("/{}/company_id", out.len()),
                    code: "not_found".into(),
                    message: "no company with this id exists in this workspace".into(),
                }]));
            }
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    Ok(out)
}
