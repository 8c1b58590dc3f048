//! Who belongs to a workspace and with which role: listing, changing roles, removing members.
//! Nobody grants or takes away a role above their own, and a workspace always keeps an owner.

use rapport_domain::ids::UserId;
use rapport_domain::policy::{Action, Resource, Role};
use rapport_store::Tx;
use rapport_store::users::{self, MemberRow};
use serde_json::json;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;

/// Everyone in the caller's workspace.
pub async fn list(app: &App, ctx: &Ctx) -> Result<Vec<MemberRow>, AppError> {
    authorize(app, ctx, Action::Read, Resource::Members).await?;
    Ok(users::members(&app.db, ctx.workspace_id).await?)
}

/// The target's membership, locked, after checking the caller outranks it.
async fn target(tx: &mut Tx, ctx: &Ctx, user: UserId) -> Result<(MemberRow, Role), AppError> {
    let member = users::membership_for_write(tx, ctx.workspace_id, user)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = rank(&member.role);
    if !ctx.principal.role.may_grant(role) {
        return Err(AppError::Forbidden(format!(
            "the {} role may not change an {role}'s membership",
            ctx.principal.role
        )));
    }
    Ok((member, role))
}

/// A role's rank: built-in roles their own, custom roles `member`'s.
fn rank(name: &str) -> Role {
    Role::parse(name).unwrap_or(Role::Member)
}

fn last_owner() -> AppError {
    AppError::Conflict {
        code: "last_owner",
        detail: "a workspace keeps at least one owner; make someone else owner first".into(),
        existing_id: None,
    }
}

/// Gives a member another role: a built-in one or one of the workspace's custom roles.
pub async fn set_role(
    app: &App,
    ctx: &Ctx,
    user: UserId,
    role_name: &str,
) -> Result<MemberRow, AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    crate::identity::roles::grantable(app, ctx, role_name).await?;
    let mut tx = app.db.begin().await?;
    let (member, before) = target(&mut tx, ctx, user).await?;
    if member.role == role_name {
        return Ok(member);
    }
    if before == Role::Owner && users::owner_count(&mut tx, ctx.workspace_id).await? <= 1 {
        return Err(last_owner());
    }
    users::put_membership(&mut tx, ctx.workspace_id, user, role_name).await?;
    let event = Event::on("members.role_change", "members", &user)
        .with(json!({ "before": member.role, "after": role_name }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(MemberRow {
        role: role_name.into(),
        ..member
    })
}

/// Removes a member: their sessions and tokens for this workspace stop working at once (both
/// are checked against the membership on every request).
pub async fn remove(app: &App, ctx: &Ctx, user: UserId) -> Result<(), AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    let mut tx = app.db.begin().await?;
    let (_, role) = target(&mut tx, ctx, user).await?;
    if role == Role::Owner && users::owner_count(&mut tx, ctx.workspace_id).await? <= 1 {
        return Err(last_owner());
    }
    users::remove_membership(&mut tx, ctx.workspace_id, user).await?;
    // Out of the workspace, out of its teams: a later return starts with no team reach.
    rapport_store::teams::remove_user(&mut tx, ctx.workspace_id, user).await?;
    let event =
        Event::on("members.remove", "members", &user).with(json!({ "role": role.as_str() }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The members synthetic records are spread over (`rapport seed`): the workspace's own, or, in
/// a workspace nobody has joined yet, `count` sales reps created for it. They have no password
/// and addresses under `.invalid`, so nobody can sign in as them; reports by owner then show
/// people, as real data would.
pub async fn seed_team(app: &App, ctx: &Ctx, count: usize) -> Result<Vec<UserId>, AppError> {
    let ws = ctx.workspace_id;
    let members = users::members(&app.db, ws).await?;
    if !members.is_empty() {
        return Ok(members.into_iter().map(|m| UserId(m.user_id)).collect());
    }
    let mut tx = app.db.begin().await?;
    let mut team = Vec::with_capacity(count);
    for i in 1..=count {
        let id = UserId::new();
        let email = format!("rep{i}.{}@seed.invalid", ws.0.simple());
        let name = format!("Sales rep {i}");
        users::insert(&mut tx, id, &email, &name, None, chrono::Utc::now()).await?;
        users::put_membership(&mut tx, ws, id, Role::Member.as_str()).await?;
        let event =
            Event::on("users.create", "users", &id).with(json!({ "role": "member", "seed": true }));
        audit::record(&mut tx, ctx, event).await?;
        team.push(id);
    }
    tx.commit().await?;
    Ok(team)
}
