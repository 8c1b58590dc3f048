//! Company use cases.

use rapport_domain::ids::CompanyId;
use rapport_domain::objects::{Company, CompanyDraft, merge_patch, time};
use rapport_domain::schema::COMPANIES;
use rapport_domain::validation::FieldError;
use rapport_domain::values::DomainName;
use rapport_store::list::Page;
use rapport_store::{StoreError, Tx, companies as store};
use serde_json::Value;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::lists::{ListInput, ListRequest};

const RETRIES: usize = 3;

fn domain_taken(existing: &Company) -> AppError {
    AppError::Conflict {
        code: "domain_taken",
        detail: format!(
            "the domain {} is already used by company {} ({})",
            existing.fields.domain.as_ref().map_or("", |d| d.as_str()),
            existing.id,
            existing.fields.name
        ),
        existing_id: Some(existing.id.to_string()),
    }
}

/// Refuses a domain another live company holds, naming that company.
async fn check_domain(
    tx: &mut Tx,
    ctx: &Ctx,
    domain: Option<&DomainName>,
    own: CompanyId,
) -> Result<(), AppError> {
    if let Some(d) = domain
        && let Some(existing) = store::find_by_domain(tx, ctx.workspace_id, d).await?
        && existing.id != own
    {
        return Err(domain_taken(&existing));
    }
    Ok(())
}

/// A unique violation that the pre-check did not see (a concurrent insert): name the winner.
async fn conflict_after(
    app: &App,
    ctx: &Ctx,
    e: StoreError,
    domain: Option<&DomainName>,
) -> AppError {
    if let (StoreError::Conflict { .. }, Some(d)) = (&e, domain)
        && let Ok(mut tx) = app.db.begin().await
        && let Ok(Some(existing)) = store::find_by_domain(&mut tx, ctx.workspace_id, d).await
    {
        return domain_taken(&existing);
    }
    e.into()
}

/// Creates a company from a JSON body.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id))]
pub async fn create(app: &App, ctx: &Ctx, body: Value) -> Result<Company, AppError> {
    let fields = CompanyDraft::parse(body).map_err(AppError::Validation)?;
    let now = time::now_millis();
    let company = Company {
        id: CompanyId::new(),
        fields,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let mut tx = app.db.begin().await?;
    check_domain(&mut tx, ctx, company.fields.domain.as_ref(), company.id).await?;
    if let Err(e) = store::insert(&mut tx, ctx.workspace_id, &company).await {
        drop(tx);
        return Err(conflict_after(app, ctx, e, company.fields.domain.as_ref()).await);
    }
    tx.commit().await?;
    Ok(company)
}

/// A live company.
pub async fn get(app: &App, ctx: &Ctx, id: CompanyId) -> Result<Company, AppError> {
    store::find(&app.db, ctx.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Applies a JSON merge patch; with `if_match`, only to that version.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id, company_id = %id))]
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: CompanyId,
    patch: Value,
    if_match: Option<i64>,
) -> Result<Company, AppError> {
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
        let fields = CompanyDraft::parse(doc).map_err(AppError::Validation)?;
        if fields == current.fields {
            return Ok(current);
        }
        check_domain(&mut tx, ctx, fields.domain.as_ref(), id).await?;
        let next = Company {
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
            Err(e) => {
                drop(tx);
                return Err(conflict_after(app, ctx, e, next.fields.domain.as_ref()).await);
            }
        }
    }
    Err(AppError::Unavailable(
        "the company is changing too often; retry".into(),
    ))
}

/// Soft-deletes a company.
pub async fn delete(
    app: &App,
    ctx: &Ctx,
    id: CompanyId,
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

/// Brings a soft-deleted company back; 409 when its domain was taken meanwhile.
pub async fn restore(app: &App, ctx: &Ctx, id: CompanyId) -> Result<Company, AppError> {
    let mut tx = app.db.begin().await?;
    let Some((current, deleted)) = store::find_for_write(&mut tx, ctx.workspace_id, id).await?
    else {
        return Err(AppError::NotFound);
    };
    if !deleted {
        return Ok(current);
    }
    check_domain(&mut tx, ctx, current.fields.domain.as_ref(), id).await?;
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
    Ok(Company {
        updated_at: now,
        version,
        ..current
    })
}

/// A page of companies.
pub async fn list(app: &App, ctx: &Ctx, input: ListInput) -> Result<Page<Company>, AppError> {
    let req = ListRequest::parse(input, &COMPANIES)?;
    Ok(store::list(&app.db, ctx.workspace_id, req.params()).await?)
}

/// Creates many companies in one transaction (seed, batch and import paths).
pub async fn create_many(
    app: &App,
    ctx: &Ctx,
    drafts: Vec<CompanyDraft>,
) -> Result<Vec<Company>, AppError> {
    let now = time::now_millis();
    let mut tx = app.db.begin().await?;
    let mut out = Vec::with_capacity(drafts.len());
    for fields in drafts {
        let company = Company {
            id: CompanyId::new(),
            fields,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        if let Err(e) = store::insert(&mut tx, ctx.workspace_id, &company).await {
            drop(tx);
            return Err(conflict_after(app, ctx, e, company.fields.domain.as_ref()).await);
        }
        out.push(company);
    }
    tx.commit().await?;
    Ok(out)
}
