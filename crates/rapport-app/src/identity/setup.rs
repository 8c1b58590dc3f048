//! One-time links: the first-run setup link `serve` prints while no account exists, and
//! invitations an admin hands out. Each is a random secret stored hashed, expiring, and consumed
//! by the `UPDATE ... RETURNING` that reads it, so two uses race and exactly one wins.

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use rapport_domain::policy::{Action, Resource, Role};
use rapport_store::links::{self, NewLink};
use rapport_store::users as stored_users;
use serde_json::json;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::identity::users::{self, Created, NewUser, Placement, Workspace};
use crate::identity::{random_secret, secret_hash};
use crate::policy::authorize;

const SETUP: &str = "setup";
const INVITE: &str = "invite";

fn dead_link() -> AppError {
    AppError::Unauthenticated("this link is unknown, already used or expired".into())
}

/// While no account exists, a new setup link secret valid for `auth.setup_link_hours` (and
/// `None` once someone has an account).
pub async fn setup_link_if_needed(app: &App) -> Result<Option<String>, AppError> {
    if stored_users::any(&app.db).await? {
        return Ok(None);
    }
    let secret = random_secret();
    let now = Utc::now();
    let ttl = chrono::TimeDelta::from_std(app.config.setup_link_ttl())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = app.db.begin().await?;
    links::insert(
        &mut tx,
        &NewLink {
            token_hash: &secret_hash(&secret),
            purpose: SETUP,
            workspace_id: None,
            role: None,
            email: None,
            created_by: None,
            now,
            expires_at: now + ttl,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(secret))
}

/// Uses a setup link: creates the first owner and their workspace. Refused once any account
/// exists, so an old link printed by an earlier start cannot mint a second owner.
pub async fn complete_setup(
    app: &App,
    ctx: &Ctx,
    secret: &str,
    user: &NewUser,
    workspace: &str,
) -> Result<Created, AppError> {
    users::validate(user, Some(workspace))?;
    let mut tx = app.db.begin().await?;
    if links::take(&mut tx, &secret_hash(secret), SETUP, Utc::now())
        .await?
        .is_none()
    {
        return Err(dead_link());
    }
    if stored_users::any(&app.db).await? {
        return Err(AppError::Conflict {
            code: "already_set_up",
            detail: "this instance already has an owner; ask them for an invitation".into(),
            existing_id: None,
        });
    }
    let place = Placement {
        workspace: Workspace::Named(workspace.to_owned()),
        role: Role::Owner.as_str().into(),
    };
    let created = users::create_in(app, &mut tx, ctx, user, &place).await?;
    tx.commit().await?;
    Ok(created)
}

/// An invitation: the secret to send, and when it stops working.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The secret, shown this once.
    pub secret: String,
    /// The role the invitee gets (built-in or custom).
    pub role: String,
    /// Only this address may accept, when set.
    pub email: Option<String>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// Whether it went to `email` by e-mail (else the secret is for the inviter to pass on).
    pub emailed: bool,
}

/// Invites someone into the caller's workspace with `role`, a built-in or custom role (never
/// above the caller's own; custom roles rank as member).
pub async fn invite(
    app: &App,
    ctx: &Ctx,
    email: Option<&str>,
    role: &str,
) -> Result<Invitation, AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    crate::identity::roles::grantable(app, ctx, role).await?;
    let email = email.map(stored_users::email_key);
    let secret = random_secret();
    let now = Utc::now();
    let ttl = chrono::TimeDelta::from_std(app.config.invite_link_ttl())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let expires_at = now + ttl;
    let by = ctx.actor.user();
    let mut tx = app.db.begin().await?;
    links::insert(
        &mut tx,
        &NewLink {
            token_hash: &secret_hash(&secret),
            purpose: INVITE,
            workspace_id: Some(ctx.workspace_id),
            role: Some(role),
            email: email.as_deref(),
            created_by: by,
            now,
            expires_at,
        },
    )
    .await?;
    let emailed = match (&email, by) {
        (Some(to), Some(by)) => {
            let Some(me) = stored_users::membership(&app.db, ctx.workspace_id, by).await? else {
                return Err(crate::identity::unauthenticated());
            };
            let url = crate::identity::recovery::page_link(app, "accept-invitation", &secret);
            let expires = rapport_domain::objects::time::format(&expires_at);
            let message = crate::email::messages::invitation(
                &me.display_name,
                &me.workspace_name,
                role,
                &url,
                &format!("{} UTC", expires.replace('T', " ").trim_end_matches('Z')),
            );
            crate::email::queue(app, &mut tx, Some(ctx.workspace_id), to, &message).await?
        }
        _ => false,
    };
    let event = Event::plain("members.invite").with(json!({
        "role": role, "email": email, "emailed": emailed,
        "expires_at": rapport_domain::objects::time::format(&expires_at),
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(Invitation {
        secret,
        role: role.to_owned(),
        email,
        expires_at,
        emailed,
    })
}

/// Accepts an invitation with a new account.
pub async fn accept_invite(
    app: &App,
    ctx: &Ctx,
    secret: &str,
    user: &NewUser,
) -> Result<Created, AppError> {
    users::validate(user, None)?;
    let mut tx = app.db.begin().await?;
    let Some(link) = links::take(&mut tx, &secret_hash(secret), INVITE, Utc::now()).await? else {
        return Err(dead_link());
    };
    if link
        .email
        .as_deref()
        .is_some_and(|e| e != stored_users::email_key(&user.email))
    {
        // Dropping the transaction leaves the invitation unused for its real recipient.
        return Err(AppError::Forbidden(
            "this invitation is for another e-mail address".into(),
        ));
    }
    let (Some(ws), Some(role)) = (link.workspace_id, link.role) else {
        return Err(AppError::Internal(
            "invitation without workspace or role".into(),
        ));
    };
    if !crate::identity::roles::exists(app, WorkspaceId(ws), &role).await? {
        return Err(AppError::Conflict {
            code: "role_gone",
            detail: format!("the role {role} this invitation carries no longer exists"),
            existing_id: None,
        });
    }
    let place = Placement {
        workspace: Workspace::Existing(WorkspaceId(ws)),
        role,
    };
    let created = users::create_in(app, &mut tx, ctx, user, &place).await?;
    tx.commit().await?;
    Ok(created)
}
