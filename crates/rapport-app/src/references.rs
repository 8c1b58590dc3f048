//! References a write makes to other records and to users, checked inside the writer's
//! transaction so a record never points at something missing, deleted or in another workspace.

use std::collections::HashSet;

use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::query::ME;
use rapport_domain::schema::ObjectSchema;
use rapport_domain::validation::FieldError;
use rapport_store::activities::ActivityRow;
use rapport_store::appointments::AppointmentRow;
use rapport_store::campaigns::CampaignRow;
use rapport_store::cases::CaseRow;
use rapport_store::companies::CompanyRow;
use rapport_store::contacts::ContactRow;
use rapport_store::deals::DealRow;
use rapport_store::documents::DocumentRow;
use rapport_store::leads::LeadRow;
use rapport_store::pipelines::PipelineRow;
use rapport_store::projects::ProjectRow;
use rapport_store::records::{exists_live, live_ids};
use rapport_store::tasks::TaskRow;
use rapport_store::{Tx, users};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::ctx::Ctx;
use crate::error::AppError;

/// The field that names who a record belongs to, where an object has one.
const OWNER: &str = "owner_id";

/// Whether a live record of `object` with this id exists in the workspace.
pub async fn record_exists(
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
    id: Uuid,
) -> Result<bool, AppError> {
    Ok(match object {
        "contacts" => exists_live::<ContactRow>(tx, ws, id).await?,
        "companies" => exists_live::<CompanyRow>(tx, ws, id).await?,
        "pipelines" => exists_live::<PipelineRow>(tx, ws, id).await?,
        "deals" => exists_live::<DealRow>(tx, ws, id).await?,
        "leads" => exists_live::<LeadRow>(tx, ws, id).await?,
        "activities" => exists_live::<ActivityRow>(tx, ws, id).await?,
        "tasks" => exists_live::<TaskRow>(tx, ws, id).await?,
        "appointments" => exists_live::<AppointmentRow>(tx, ws, id).await?,
        "cases" => exists_live::<CaseRow>(tx, ws, id).await?,
        "campaigns" => exists_live::<CampaignRow>(tx, ws, id).await?,
        "projects" => exists_live::<ProjectRow>(tx, ws, id).await?,
        "documents" => exists_live::<DocumentRow>(tx, ws, id).await?,
        _ => false,
    })
}

/// Which of `ids` are live records of `object` in the workspace: one query for the objects
/// that have one, a lookup per id (through [`record_exists`]) for the others.
pub async fn live_among(
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, AppError> {
    Ok(match object {
        "contacts" => live_ids::<ContactRow>(tx, ws, ids)
            .await?
            .into_iter()
            .collect(),
        "companies" => live_ids::<CompanyRow>(tx, ws, ids)
            .await?
            .into_iter()
            .collect(),
        "leads" => live_ids::<LeadRow>(tx, ws, ids)
            .await?
            .into_iter()
            .collect(),
        "deals" => live_ids::<DealRow>(tx, ws, ids)
            .await?
            .into_iter()
            .collect(),
        _ => {
            let mut live = HashSet::new();
            for id in ids {
                if record_exists(tx, ws, object, *id).await? {
                    live.insert(*id);
                }
            }
            live
        }
    })
}

/// A record object's name for one of its records (`companies` -> `company`).
pub fn singular(object: &str) -> &str {
    match object {
        "companies" => "company",
        "activities" => "activity",
        "custom_fields" => "custom field",
        o => o.strip_suffix('s').unwrap_or(o),
    }
}

/// Whether the user is a member of the workspace.
pub async fn is_member(tx: &mut Tx, ws: WorkspaceId, user: UserId) -> Result<bool, AppError> {
    Ok(users::membership_for_write(tx, ws, user).await?.is_some())
}

/// The problem for a reference to nothing this workspace holds.
pub fn missing(pointer: &str, what: &str) -> FieldError {
    FieldError {
        pointer: pointer.to_owned(),
        code: "not_found".into(),
        message: format!("no {what} with this id exists in this workspace"),
    }
}

/// Checks each `(pointer, object, id)` reference and each `(pointer, user)`, listing every
/// problem in one 422.
pub async fn check_all(
    tx: &mut Tx,
    ws: WorkspaceId,
    records: &[(&str, &str, Uuid)],
    members: &[(&str, UserId)],
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    for (pointer, object, id) in records {
        if !record_exists(tx, ws, object, *id).await? {
            errors.push(missing(pointer, singular(object)));
        }
    }
    for (pointer, user) in members {
        if !is_member(tx, ws, *user).await? {
            errors.push(missing(pointer, "member"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Replaces `"me"` in the field that names a record's user (`owner_id`, `assignee_id`) with the
/// caller's id, as filters do; on `creating`, a record with an `owner_id` field that the body
/// leaves out belongs to its creator. An explicit `null` stays: the client asked for no owner.
/// A caller that is not a user (a system job) leaves both as they are.
pub(crate) fn resolve_users(
    schema: &ObjectSchema,
    ctx: &Ctx,
    map: &mut Map<String, Value>,
    creating: bool,
) {
    let (Some(me), Some(key)) = (ctx.actor.user(), schema.owner) else {
        return;
    };
    match map.get(key) {
        Some(Value::String(s)) if s == ME => {
            map.insert(key.into(), Value::String(me.to_string()));
        }
        None if creating && key == OWNER => {
            map.insert(key.into(), Value::String(me.to_string()));
        }
        _ => {}
    }
}

/// The problem, if any, with the user a record's scope field names (`owner_id`,
/// `assignee_id`): it must be a member of the workspace when the write sets or changes it.
/// An unchanged value is not checked again, so a record whose owner left can still be edited.
pub(crate) async fn check_user_field(
    tx: &mut Tx,
    ws: WorkspaceId,
    schema: &ObjectSchema,
    after: &Value,
    before: Option<&Value>,
) -> Result<Option<FieldError>, AppError> {
    let Some(key) = schema.owner else {
        return Ok(None);
    };
    let user = after.get(key).and_then(Value::as_str);
    let Some(user) = user.filter(|u| before.and_then(|b| b.get(key)?.as_str()) != Some(*u)) else {
        return Ok(None);
    };
    let missing_member = FieldError {
        pointer: format!("/{key}"),
        code: "not_found".into(),
        message: format!(
            "no member of this workspace has this id; {key} takes a member's user id or \"me\""
        ),
    };
    match Uuid::parse_str(user) {
        Ok(id) if is_member(tx, ws, UserId(id)).await? => Ok(None),
        _ => Ok(Some(missing_member)),
    }
}

/// The object (and its singular) a plain reference field names by the convention
/// `<singular>_id`.
fn target_of(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "company_id" => ("companies", "company"),
        "contact_id" => ("contacts", "contact"),
        "deal_id" => ("deals", "deal"),
        "lead_id" => ("leads", "lead"),
        "pipeline_id" => ("pipelines", "pipeline"),
        "project_id" => ("projects", "project"),
        "campaign_id" => ("campaigns", "campaign"),
        _ => return None,
    })
}

/// The problems with the plain references (`company_id`, the owner) of a body that did not
/// parse as a whole, read straight from its JSON, so a refused body still reports them.
pub(crate) async fn check_named(
    tx: &mut Tx,
    ws: WorkspaceId,
    schema: &ObjectSchema,
    body: &Map<String, Value>,
    before: Option<&Value>,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    for (key, value) in body {
        let (Some((object, noun)), Some(raw)) = (target_of(key), value.as_str()) else {
            continue;
        };
        if before.and_then(|b| b.get(key)?.as_str()) == Some(raw) || schema.field(key).is_none() {
            continue;
        }
        let live = match Uuid::parse_str(raw) {
            Ok(id) => record_exists(tx, ws, object, id).await?,
            Err(_) => false,
        };
        if !live {
            errors.push(missing(&format!("/{key}"), noun));
        }
    }
    let whole = Value::Object(body.clone());
    errors.extend(check_user_field(tx, ws, schema, &whole, before).await?);
    Ok(errors)
}

/// Adds a refused write's problems to `errors`; any other failure is returned.
pub(crate) fn gather(
    errors: &mut Vec<FieldError>,
    r: Result<(), AppError>,
) -> Result<(), AppError> {
    match r {
        Ok(()) => Ok(()),
        Err(AppError::Validation(more)) => {
            errors.extend(more);
            Ok(())
        }
        Err(e) => Err(e),
    }
}
