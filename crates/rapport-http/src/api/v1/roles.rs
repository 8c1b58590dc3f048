//! `/api/v1/roles` and `/api/v1/teams`: a workspace's custom roles and its teams.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rapport_app::identity::roles::{self, Definition};
use rapport_app::identity::teams;
use rapport_domain::ids::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::resource::Problems;
use crate::extract::{RequestCtx, TypedJson, ids};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "members";

/// The role and team routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles))
        .routes(routes!(put_role, delete_role))
        .routes(routes!(list_teams, create_team))
        .routes(routes!(delete_team))
        .routes(routes!(add_team_member, remove_team_member))
}

/// A custom role.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// Object -> actions: `read`, `create`, `update`, `delete`, `export`, `import`, `merge`.
    pub objects: BTreeMap<String, Vec<String>>,
    /// Whether personal fields (a contact's emails, phones, address, notes) are visible.
    #[serde(default)]
    pub pii_read: bool,
    /// `own`, `team` or `all` (default `all`): which records, by owner, the role reaches.
    #[serde(default = "all")]
    pub record_scope: String,
}

fn all() -> String {
    "all".into()
}

/// A custom role with its name. Its own fields rather than `RoleBody` flattened: `RoleBody`
/// refuses unknown members, so a schema built on it declared `name` forbidden in the very
/// answer that carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedRole {
    /// Its name (give it to members like a built-in role).
    pub name: String,
    /// Object -> actions.
    pub objects: BTreeMap<String, Vec<String>>,
    /// Whether personal fields are visible.
    pub pii_read: bool,
    /// `own`, `team` or `all`.
    pub record_scope: String,
}

impl NamedRole {
    fn new(name: String, d: Definition) -> Self {
        NamedRole {
            name,
            objects: d.objects,
            pii_read: d.pii_read,
            record_scope: d.record_scope,
        }
    }
}

/// The custom roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    /// By name.
    pub data: Vec<NamedRole>,
}

/// Lists the workspace's custom roles.
#[utoipa::path(get, path = "/api/v1/roles", tag = TAG,
    responses((status = 200, body = RoleList), Problems))]
pub async fn list_roles(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Json<RoleList>, ApiError> {
    let data = roles::list(&s.app, &ctx)
        .await?
        .into_iter()
        .map(|(name, d)| NamedRole::new(name, d))
        .collect();
    Ok(Json(RoleList { data }))
}

/// Creates or replaces a custom role (owners and admins).
#[utoipa::path(put, path = "/api/v1/roles/{name}", tag = TAG, request_body = RoleBody,
    params(("name" = String, Path, description = "Role name: a-z, 0-9 and -")),
    responses((status = 200, body = NamedRole), Problems))]
pub async fn put_role(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(name): Path<String>,
    TypedJson(body): TypedJson<RoleBody>,
) -> Result<Json<NamedRole>, ApiError> {
    let d = Definition {
        objects: body.objects,
        pii_read: body.pii_read,
        record_scope: body.record_scope,
    };
    roles::put(&s.app, &ctx, &name, &d).await?;
    Ok(Json(NamedRole::new(name, d)))
}

/// Deletes a custom role nobody holds (owners and admins).
#[utoipa::path(delete, path = "/api/v1/roles/{name}", tag = TAG,
    params(("name" = String, Path, description = "Role name")),
    responses((status = 204, description = "Deleted"), Problems))]
pub async fn delete_role(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    roles::delete(&s.app, &ctx, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A team.
#[derive(Debug, Serialize, ToSchema)]
pub struct Team {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its members' user ids.
    pub members: Vec<Uuid>,
    /// When it was created.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub created_at: DateTime<Utc>,
}

/// The teams.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    /// By name.
    pub data: Vec<Team>,
}

/// Lists the workspace's teams with their members.
#[utoipa::path(get, path = "/api/v1/teams", tag = TAG,
    responses((status = 200, body = TeamList), Problems))]
pub async fn list_teams(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Json<TeamList>, ApiError> {
    let data = teams::list(&s.app, &ctx)
        .await?
        .into_iter()
        .map(|(t, members)| Team {
            id: t.id,
            name: t.name,
            members,
            created_at: t.created_at,
        })
        .collect();
    Ok(Json(TeamList { data }))
}

/// `POST /api/v1/teams` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    /// The team's name.
    pub name: String,
}

/// Creates a team (owners and admins).
#[utoipa::path(post, path = "/api/v1/teams", tag = TAG, request_body = NewTeam,
    responses((status = 201, body = Team), Problems))]
pub async fn create_team(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<NewTeam>,
) -> Result<(StatusCode, Json<Team>), ApiError> {
    let t = teams::create(&s.app, &ctx, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(Team {
            id: t.id,
            name: t.name,
            members: Vec::new(),
            created_at: t.created_at,
        }),
    ))
}

/// Deletes a team (owners and admins).
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = TAG,
    params(("id" = Uuid, Path, description = "Team id")),
    responses((status = 204, description = "Deleted"), Problems))]
pub async fn delete_team(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    teams::delete(&s.app, &ctx, ids::parse(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a member of the workspace to a team (owners and admins).
#[utoipa::path(put, path = "/api/v1/teams/{id}/members/{user_id}", tag = TAG,
    params(("id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Added"), Problems))]
pub async fn add_team_member(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = UserId(ids::parse(&user_id)?);
    teams::add_member(&s.app, &ctx, ids::parse(&id)?, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a user from a team (owners and admins).
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user_id}", tag = TAG,
    params(("id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Removed"), Problems))]
pub async fn remove_team_member(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = UserId(ids::parse(&user_id)?);
    teams::remove_member(&s.app, &ctx, ids::parse(&id)?, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
