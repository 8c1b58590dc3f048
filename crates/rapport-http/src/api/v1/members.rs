//! `/api/v1/members` and `/api/v1/invitations`: who belongs to the workspace, with which role.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rapport_app::identity::{members, setup};
use rapport_domain::ids::UserId;
use rapport_store::users::MemberRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::resource::Problems;
use crate::extract::ids;
use crate::extract::{RequestCtx, TypedJson};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "members";

/// The member and invitation routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(change_role, remove_member))
        .routes(routes!(invite))
}

/// A member of the workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    /// The user.
    pub user_id: Uuid,
    /// Their address.
    pub email: String,
    /// Their name.
    pub display_name: String,
    /// Their role here.
    pub role: String,
    /// Member since.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub joined_at: DateTime<Utc>,
    /// Whether the account is disabled.
    pub disabled: bool,
}

impl From<MemberRow> for Member {
    fn from(m: MemberRow) -> Self {
        Member {
            user_id: m.user_id,
            email: m.email,
            display_name: m.display_name,
            role: m.role,
            joined_at: m.created_at,
            disabled: m.disabled_at.is_some(),
        }
    }
}

/// The members.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    /// Oldest member first.
    pub data: Vec<Member>,
}

/// Lists the workspace's members.
#[utoipa::path(get, path = "/api/v1/members", tag = TAG,
    responses((status = 200, body = MemberList), Problems))]
pub async fn list_members(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Json<MemberList>, ApiError> {
    let data = members::list(&s.app, &ctx).await?;
    Ok(Json(MemberList {
        data: data.into_iter().map(Member::from).collect(),
    }))
}

/// `PATCH /api/v1/members/{user_id}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The new role.
    pub role: String,
}

/// Changes a member's role (owners and admins; never above one's own; the last owner stays).
#[utoipa::path(patch, path = "/api/v1/members/{user_id}", tag = TAG, request_body = RoleChange,
    params(("user_id" = Uuid, Path, description = "The member's user id")),
    responses((status = 200, body = Member), Problems))]
pub async fn change_role(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(user_id): Path<String>,
    TypedJson(body): TypedJson<RoleChange>,
) -> Result<Json<Member>, ApiError> {
    let user = UserId(ids::parse(&user_id)?);
    Ok(Json(
        members::set_role(&s.app, &ctx, user, body.role.trim())
            .await?
            .into(),
    ))
}

/// Removes a member from the workspace: their sessions and tokens here stop working at once.
#[utoipa::path(delete, path = "/api/v1/members/{user_id}", tag = TAG,
    params(("user_id" = Uuid, Path, description = "The member's user id")),
    responses((status = 204, description = "Removed"), Problems))]
pub async fn remove_member(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = UserId(ids::parse(&user_id)?);
    members::remove(&s.app, &ctx, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/invitations` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationBody {
    /// The role the invitee gets.
    pub role: String,
    /// Only this address may accept (optional).
    pub email: Option<String>,
}

/// A new invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    /// The secret to pass on to the invitee (shown once), when it was not e-mailed to them;
    /// they accept it at `POST /api/v1/invitations/accept`.
    pub token: Option<String>,
    /// The page the invitee opens to accept, when it was not e-mailed to them.
    pub accept_url: Option<String>,
    /// Whether the invitation went to `email` by e-mail (the server has `[email]` settings
    /// and the invitation names an address): the secret is then not shown here.
    pub emailed: bool,
    /// The role.
    pub role: String,
    /// The address it is for, if limited.
    pub email: Option<String>,
    /// When it stops working.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub expires_at: DateTime<Utc>,
}

/// Invites someone into the workspace (owners and admins; never above one's own role).
#[utoipa::path(post, path = "/api/v1/invitations", tag = TAG, request_body = InvitationBody,
    responses((status = 201, body = Invitation), Problems))]
pub async fn invite(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<InvitationBody>,
) -> Result<Response, ApiError> {
    let inv = setup::invite(&s.app, &ctx, body.email.as_deref(), body.role.trim()).await?;
    let mut res = (
        StatusCode::CREATED,
        Json(Invitation {
            token: (!inv.emailed).then(|| inv.secret.clone()),
            accept_url: (!inv.emailed).then(|| {
                rapport_app::identity::recovery::page_link(&s.app, "accept-invitation", &inv.secret)
            }),
            emailed: inv.emailed,
            role: inv.role,
            email: inv.email,
            expires_at: inv.expires_at,
        }),
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
