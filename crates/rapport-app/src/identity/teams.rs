//! Teams: named groups of members. A custom role with the `team` record scope reaches the
//! records owned by its holder or by anyone sharing a team with them.

use chrono::Utc;
use rapport_domain::ids::UserId;
use rapport_domain::policy::{Action, Resource};
use rapport_domain::validation::FieldError;
use rapport_store::teams::{self, TeamRow};
use rapport_store::{StoreError, users};
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;

/// Longest team name.
const MAX_NAME: usize = 100;

/// The workspace's teams with their members.
pub async fn list(app: &App, ctx: &Ctx) -> Result<Vec<(TeamRow, Vec<Uuid>)>, AppError> {
    authorize(app, ctx, Action::Read, Resource::Members).await?;
    let mut out = Vec::new();
    for t in teams::list(&app.db, ctx.workspace_id).await? {
        let members = teams::members(&app.db, ctx.workspace_id, t.id).await?;
        out.push((t, members));
    }
    Ok(out)
}

/// Creates a team (owners and admins).
pub async fn create(app: &App, ctx: &Ctx, name: &str) -> Result<TeamRow, AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(AppError::Validation(vec![FieldError {
            pointer: "/name".into(),
            code: "invalid_format".into(),
            message: format!("a team name has 1 to {MAX_NAME} characters"),
        }]));
    }
    let row = TeamRow {
        id: Uuid::now_v7(),
        name: name.to_owned(),
        created_at: Utc::now(),
    };
    let mut tx = app.db.begin().await?;
    match teams::create(&mut tx, ctx.workspace_id, row.id, &row.name, row.created_at).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => {
            return Err(AppError::Conflict {
                code: "team_exists",
                detail: format!("a team named {name} exists"),
                existing_id: None,
            });
        }
        Err(e) => return Err(e.into()),
    }
    let event = Event::on("teams.create", "teams", &row.id).with(json!({ "name": row.name }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(row)
}

/// Deletes a team (its members stay members of the workspace).
pub async fn delete(app: &App, ctx: &Ctx, id: Uuid) -> Result<(), AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    let mut tx = app.db.begin().await?;
    if !teams::delete(&mut tx, ctx.workspace_id, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut tx, ctx, Event::on("teams.delete", "teams", &id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a member of the workspace to a team.
pub async fn add_member(app: &App, ctx: &Ctx, team: Uuid, user: UserId) -> Result<(), AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    let mut tx = app.db.begin().await?;
    if !teams::exists(&mut tx, ctx.workspace_id, team).await? {
        return Err(AppError::NotFound);
    }
    if users::membership_for_write(&mut tx, ctx.workspace_id, user)
        .await?
        .is_none()
    {
        return Err(AppError::Validation(vec![FieldError {
            pointer: "/user_id".into(),
            code: "not_found".into(),
            message: "no member of this workspace has this id".into(),
        }]));
    }
    teams::add_member(&mut tx, ctx.workspace_id, team, user).await?;
    let event = Event::on("teams.add_member", "teams", &team).with(json!({ "user_id": user }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a user from a team.
pub async fn remove_member(app: &App, ctx: &Ctx, team: Uuid, user: UserId) -> Result<(), AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    let mut tx = app.db.begin().await?;
    if !teams::remove_member(&mut tx, ctx.workspace_id, team, user).await? {
        return Err(AppError::NotFound);
    }
    let event = Event::on("teams.remove_member", "teams", &team).with(json!({ "user_id": user }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}
