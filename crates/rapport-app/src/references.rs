//! References a write makes to other records and to users, checked inside the writer's
//! transaction so a record never points at something missing, deleted or in another workspace.

use std::collections::HashSet;

use rapport_domain::ids::{UserId, WorkspaceId};
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
use uuid::Uuid;

use crate::error::AppError;

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
            errors.push(missing(pointer, &format!("{object} record")));
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
