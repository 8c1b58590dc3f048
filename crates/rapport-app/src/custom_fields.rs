//! Custom fields: their definitions (a record object of their own, shared configuration like
//! pipelines) and the checks every write of a record makes on its `custom` values, through
//! [`settle_values`], called once from the shared record use cases.

use rapport_domain::objects::custom_field::{self as domain, CustomFieldDraft, Reference};
use rapport_domain::objects::{CustomField, CustomValues};
use rapport_domain::schema::{CUSTOM_FIELDS, ObjectSchema};
use rapport_domain::validation::FieldError;
use rapport_store::custom_fields::{self as store, CustomFieldRow};
use rapport_store::list::Listable;
use rapport_store::{StoreError, Tx};
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::Object;
use crate::references;

impl Object for CustomField {
    type Table = CustomFieldRow;
    const SCHEMA: &'static ObjectSchema = &CUSTOM_FIELDS;

    fn parse(_app: &App, body: Value) -> Result<CustomFieldDraft, Vec<FieldError>> {
        CustomFieldDraft::parse(body)
    }

    /// What values already stored depend on cannot change (object, key, type, a record
    /// field's target); a field is made unique only when no two records share a value.
    async fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &CustomFieldDraft,
        own: Uuid,
    ) -> Result<(), AppError> {
        let ws = ctx.workspace_id;
        let current = rapport_store::records::find_for_write::<CustomFieldRow>(tx, ws, own)
            .await?
            .map(|(c, _)| c);
        if let Some(current) = &current {
            let before = &current.fields;
            let fixed = [
                ("object", before.object != draft.object),
                ("key", before.key != draft.key),
                ("type", before.kind != draft.kind),
                ("target", before.target != draft.target),
            ];
            let errors: Vec<FieldError> = fixed
                .iter()
                .filter(|(_, changed)| *changed)
                .map(|(field, _)| FieldError {
                    pointer: format!("/{field}"),
                    code: "immutable".into(),
                    message: format!(
                        "'{field}' cannot change once the field exists (stored values depend on \
                         it); create another field instead"
                    ),
                })
                .collect();
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
        }
        // Here rather than after the write, so a restored filterable field gets its index back
        // too (a restore runs the checks, not the write hooks); a no-op when it exists, and on
        // PostgreSQL, where `after_commit` builds it.
        if draft.filterable {
            store::ensure_index(tx, table_of(&draft.object)?, &draft.key, draft.kind).await?;
        }
        if draft.unique && !current.as_ref().is_some_and(|c| c.fields.unique) {
            let table = table_of(&draft.object)?;
            if store::has_duplicates(tx, ws, table, &draft.key, draft.kind).await? {
                return Err(AppError::Conflict {
                    code: "duplicate_values",
                    detail: format!(
                        "two or more {} share a value of '{}': make the values unique first",
                        draft.object, draft.key
                    ),
                    existing_id: None,
                });
            }
        }
        Ok(())
    }

    /// A new field counts against the object's limit; a filterable one gets its index.
    async fn settle(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Self>,
        record: &mut Self,
    ) -> Result<(), AppError> {
        let f = &record.fields;
        if before.is_none() {
            let max = app.config.crm.max_custom_fields;
            let count = store::count_live(tx, ctx.workspace_id, &f.object, record.id.0).await?;
            if count >= i64::from(max) {
                return Err(AppError::Conflict {
                    code: "too_many_custom_fields",
                    detail: format!(
                        "{} already have {count} custom fields, the most this server allows \
                         (crm.max_custom_fields = {max})",
                        f.object
                    ),
                    existing_id: None,
                });
            }
        }
        Ok(())
    }

    /// On PostgreSQL a filterable field's index is built here, concurrently with writes. If
    /// the build fails the field still filters (unindexed) and the failure is logged; saving
    /// the definition again builds it.
    async fn after_commit(app: &App, record: &Self) {
        let f = &record.fields;
        if !f.filterable {
            return;
        }
        let built = match table_of(&f.object) {
            Ok(table) => store::build_index_online(&app.db, table, &f.key, f.kind)
                .await
                .map_err(AppError::from),
            Err(e) => Err(e),
        };
        if let Err(e) = built {
            tracing::warn!(object = %f.object, key = %f.key, error = %e,
                "the index of a filterable custom field could not be built");
        }
    }

    async fn after_write(
        _app: &App,
        tx: &mut Tx,
        _ctx: &Ctx,
        before: Option<&Self>,
        record: &Self,
    ) -> Result<(), AppError> {
        let f = &record.fields;
        let table = table_of(&f.object)?;
        if !f.filterable && before.is_some_and(|b| b.fields.filterable) {
            store::drop_index_if_unused(tx, &f.object, table, &f.key, record.id.0).await?;
        }
        Ok(())
    }

    /// Deleting a field erases its values from every record (a later field may reuse the key
    /// with another type), and its index when no workspace needs it any more (restoring the
    /// field brings the index back, not the values).
    async fn before_delete(tx: &mut Tx, ctx: &Ctx, record: &Self) -> Result<(), AppError> {
        let f = &record.fields;
        let table = table_of(&f.object)?;
        store::purge(tx, ctx.workspace_id, table, &f.key).await?;
        if f.filterable {
            store::drop_index_if_unused(tx, &f.object, table, &f.key, record.id.0).await?;
        }
        Ok(())
    }

    async fn explain(_app: &App, _ctx: &Ctx, e: StoreError, draft: &CustomFieldDraft) -> AppError {
        match e {
            StoreError::Conflict { constraint } if constraint == store::KEY_INDEX => {
                AppError::Conflict {
                    code: "key_taken",
                    detail: format!(
                        "{} already have a custom field with the key '{}'",
                        draft.object, draft.key
                    ),
                    existing_id: None,
                }
            }
            other => AppError::from(other),
        }
    }
}

/// The table of an object that takes custom fields.
pub(crate) fn table_of(object: &str) -> Result<&'static str, AppError> {
    use rapport_store::{
        activities, appointments, campaigns, cases, companies, contacts, deals, leads, projects,
        tasks,
    };
    Ok(match object {
        "contacts" => <contacts::ContactRow as Listable>::TABLE,
        "companies" => <companies::CompanyRow as Listable>::TABLE,
        "deals" => <deals::DealRow as Listable>::TABLE,
        "leads" => <leads::LeadRow as Listable>::TABLE,
        "activities" => <activities::ActivityRow as Listable>::TABLE,
        "tasks" => <tasks::TaskRow as Listable>::TABLE,
        "appointments" => <appointments::AppointmentRow as Listable>::TABLE,
        "cases" => <cases::CaseRow as Listable>::TABLE,
        "campaigns" => <campaigns::CampaignRow as Listable>::TABLE,
        "projects" => <projects::ProjectRow as Listable>::TABLE,
        other => {
            return Err(AppError::Internal(format!(
                "{other} does not take custom fields"
            )));
        }
    })
}

/// The live definitions of one object in the caller's workspace, in display order.
pub async fn definitions(
    app: &App,
    ctx: &Ctx,
    object: &str,
) -> Result<Vec<CustomFieldDraft>, AppError> {
    if !domain::CUSTOMIZABLE_OBJECTS.contains(&object) {
        return Ok(Vec::new());
    }
    Ok(store::live(&app.db, ctx.workspace_id, object)
        .await?
        .into_iter()
        .map(|c| c.fields)
        .collect())
}

/// Every live definition of the caller's workspace (for `GET /api/v1/schema`).
pub async fn all_definitions(app: &App, ctx: &Ctx) -> Result<Vec<CustomFieldDraft>, AppError> {
    Ok(store::all_live(&app.db, ctx.workspace_id)
        .await?
        .into_iter()
        .map(|c| c.fields)
        .collect())
}

/// The filter and sort fields of an object's custom fields, read only when the list request
/// names one (`custom.` in its filter or sort), so other lists cost no extra query.
pub(crate) async fn filter_fields(
    app: &App,
    ctx: &Ctx,
    object: &str,
    input: &crate::lists::ListInput,
) -> Result<Vec<std::sync::Arc<domain::CustomSpec>>, AppError> {
    let names_one = |text: &Option<String>| text.as_deref().is_some_and(|t| t.contains("custom."));
    if !names_one(&input.filter) && !names_one(&input.sort) {
        return Ok(Vec::new());
    }
    Ok(domain::specs(&definitions(app, ctx, object).await?))
}

/// Checks a record's custom values before it is written and makes them canonical: known keys,
/// types, options, required fields, references to members and live records, unique values.
/// `before` is the stored record's values on an update; `own` the record's id.
pub(crate) async fn settle_values<O: Object>(
    app: &App,
    tx: &mut Tx,
    ctx: &Ctx,
    values: &mut CustomValues,
    before: Option<&CustomValues>,
    own: Uuid,
) -> Result<(), AppError> {
    let defs: Vec<CustomFieldDraft> = store::live_in(tx, ctx.workspace_id, O::SCHEMA.name)
        .await?
        .into_iter()
        .map(|c| c.fields)
        .collect();
    if defs.is_empty() && values.is_empty() {
        return Ok(());
    }
    let raw = std::mem::take(values);
    let (clean, refs) =
        domain::validate(&defs, raw, before, app.phone_region()).map_err(AppError::Validation)?;
    let ws = ctx.workspace_id;
    let mut errors = Vec::new();
    for r in &refs {
        match r {
            Reference::User { key, id } => {
                if !references::is_member(tx, ws, rapport_domain::ids::UserId(*id)).await? {
                    errors.push(references::missing(&format!("/custom/{key}"), "member"));
                }
            }
            Reference::Record { key, object, id } => {
                if !references::record_exists(tx, ws, object, *id).await? {
                    errors.push(references::missing(
                        &format!("/custom/{key}"),
                        &format!("{object} record"),
                    ));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let table = <O::Table as Listable>::TABLE;
    for def in defs.iter().filter(|d| d.unique) {
        let Some(value) = clean.0.get(&def.key) else {
            continue;
        };
        if let Some(holder) = store::holder(tx, ws, table, &def.key, def.kind, value, own).await? {
            return Err(AppError::Conflict {
                code: "duplicate_value",
                detail: format!(
                    "another record already has this {} ('{}' is unique)",
                    def.label, def.key
                ),
                existing_id: Some(holder.to_string()),
            });
        }
    }
    *values = clean;
    Ok(())
}
