//! Accounts: creating a user with their first workspace membership, and disabling one (which
//! ends every session and token at once).

use chrono::Utc;
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::validation::FieldError;
use rapport_domain::values::EmailAddress;
use rapport_store::{StoreError, Tx, sessions, tokens, users, workspaces};
use serde_json::json;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::identity::passwords::{PasswordError, check_new};

/// Longest workspace or display name.
const MAX_NAME: usize = 200;

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login e-mail address.
    pub email: String,
    /// The password, checked against the rules.
    pub password: String,
    /// Shown to colleagues; the address when empty.
    pub display_name: Option<String>,
}

/// Which workspace a new user joins.
#[derive(Debug, Clone)]
pub enum Workspace {
    /// By name: joined when it exists, created otherwise (CLI, first-run setup).
    Named(String),
    /// An existing workspace (an invitation).
    Existing(WorkspaceId),
}

/// Where the new user lands.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The workspace.
    pub workspace: Workspace,
    /// Their role there: a built-in role's name or one of the workspace's custom roles
    /// (the caller checks it exists).
    pub role: String,
}

/// What was created.
#[derive(Debug, Clone, Copy)]
pub struct Created {
    /// The user.
    pub user_id: UserId,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// Whether the workspace was created too.
    pub new_workspace: bool,
}

fn field(pointer: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        pointer: pointer.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// The hashing error as the API reports it.
pub(crate) fn hashing(e: PasswordError) -> AppError {
    match e {
        PasswordError::Busy => AppError::Unavailable(e.to_string()),
        other => AppError::Internal(other.to_string()),
    }
}

/// Checks the fields of a new account, listing every problem; returns the normalised address.
pub fn validate(user: &NewUser, workspace: Option<&str>) -> Result<String, AppError> {
    let mut errors = Vec::new();
    let email = match EmailAddress::parse(&user.email) {
        Ok(e) => Some(e.as_str().to_owned()),
        Err(e) => {
            errors.push(field("/email", e.code, e.message));
            None
        }
    };
    if let Err(r) = check_new(&user.password) {
        errors.push(field("/password", "weak_password", r.message()));
    }
    // Names are shown to teammates: the rules of every one-line text field apply.
    if let Some(name) = &user.display_name
        && let Err(e) = rapport_domain::values::clean_text(name, MAX_NAME)
    {
        errors.push(field("/display_name", e.code, e.message));
    }
    if let Some(ws) = workspace {
        match rapport_domain::values::clean_text(ws, MAX_NAME) {
            Ok(Some(_)) => {}
            Ok(None) => errors.push(field(
                "/workspace",
                "invalid_format",
                format!("a workspace name has 1 to {MAX_NAME} characters"),
            )),
            Err(e) => errors.push(field("/workspace", e.code, e.message)),
        }
    }
    match email {
        Some(e) if errors.is_empty() => Ok(e),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Creates an account and its membership inside `tx` (the caller commits); `ctx` is who does it
/// (the system for the CLI and the setup link, an admin for an invitation).
pub async fn create_in(
    app: &App,
    tx: &mut Tx,
    ctx: &Ctx,
    user: &NewUser,
    place: &Placement,
) -> Result<Created, AppError> {
    let name = match &place.workspace {
        Workspace::Named(n) => Some(n.trim()),
        Workspace::Existing(_) => None,
    };
    let email = validate(user, name)?;
    let hash = app.hasher.hash(&user.password).await.map_err(hashing)?;
    let now = Utc::now();
    let (workspace_id, new_workspace) = match &place.workspace {
        Workspace::Existing(id) => (*id, false),
        Workspace::Named(name) => match workspaces::find_by_name(tx, name.trim()).await? {
            Some(w) => (WorkspaceId(w.id), false),
            None => {
                let id = WorkspaceId::new();
                crate::workspaces::open(tx, ctx, id, name.trim()).await?;
                (id, true)
            }
        },
    };
    let user_id = UserId::new();
    let display = user
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(&email);
    match users::insert(tx, user_id, &email, display, Some(&hash), now).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => {
            return Err(AppError::Conflict {
                code: "user_exists",
                detail: format!("an account with the address {email} already exists"),
                existing_id: None,
            });
        }
        Err(e) => return Err(e.into()),
    }
    users::put_membership(tx, workspace_id, user_id, &place.role).await?;
    let mut actor = ctx.clone();
    actor.workspace_id = workspace_id;
    audit::record(
        tx,
        &actor,
        Event::on("users.create", "users", &user_id).with(json!({ "role": place.role })),
    )
    .await?;
    Ok(Created {
        user_id,
        workspace_id,
        new_workspace,
    })
}

/// Creates an account from the shell (`rapport user create`).
pub async fn create(
    app: &App,
    ctx: &Ctx,
    user: &NewUser,
    place: &Placement,
) -> Result<Created, AppError> {
    let mut tx = app.db.begin().await?;
    let created = create_in(app, &mut tx, ctx, user, place).await?;
    tx.commit().await?;
    Ok(created)
}

/// Disables an account: every session and token ends in the same transaction, so the very next
/// request with any of them is refused. Returns false when there is no such account.
pub async fn disable(app: &App, ctx: &Ctx, email: &str) -> Result<bool, AppError> {
    let Some(user) = users::find_by_email(&app.db, email).await? else {
        return Ok(false);
    };
    let id = UserId(user.id);
    let now = Utc::now();
    let mut tx = app.db.begin().await?;
    users::set_disabled(&mut tx, id, Some(now)).await?;
    let sessions = sessions::delete_for_user(&mut tx, id).await?;
    let tokens = tokens::revoke_for_user(&mut tx, id, now).await?;
    let details = json!({ "sessions_ended": sessions, "tokens_revoked": tokens });
    record_account(&mut tx, ctx, id, "users.disable", &details).await?;
    tx.commit().await?;
    Ok(true)
}

/// Records an event about an account (not a workspace's data) in the chain of every workspace
/// the user belongs to, so each workspace's admins see it; in the instance chain when none.
pub(crate) async fn record_account(
    tx: &mut Tx,
    ctx: &Ctx,
    id: UserId,
    action: &str,
    details: &serde_json::Value,
) -> Result<(), AppError> {
    let workspaces = users::memberships_of_for_write(tx, id).await?;
    if workspaces.is_empty() {
        let event = Event::on(action, "users", &id).with(details.clone());
        audit::record_in(tx, rapport_store::audit::INSTANCE, ctx, event).await?;
    }
    for m in &workspaces {
        let event = Event::on(action, "users", &id).with(details.clone());
        audit::record_in(tx, WorkspaceId(m.workspace_id), ctx, event).await?;
    }
    Ok(())
}

/// The workspace called `name`, created when missing (seed, scripts).
pub async fn workspace_named(app: &App, name: &str) -> Result<WorkspaceId, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(AppError::Validation(vec![field(
            "/workspace",
            "invalid_format",
            format!("a workspace name has 1 to {MAX_NAME} characters"),
        )]));
    }
    let mut tx = app.db.begin().await?;
    if let Some(w) = workspaces::find_by_name(&mut tx, name).await? {
        return Ok(WorkspaceId(w.id));
    }
    let id = WorkspaceId::new();
    crate::workspaces::open(&mut tx, &Ctx::system(id), id, name).await?;
    tx.commit().await?;
    Ok(id)
}

/// The workspace called `name`, if it exists.
pub async fn find_workspace(app: &App, name: &str) -> Result<Option<WorkspaceId>, AppError> {
    let mut tx = app.db.begin().await?;
    let found = workspaces::find_by_name(&mut tx, name.trim()).await?;
    tx.commit().await?;
    Ok(found.map(|w| WorkspaceId(w.id)))
}
