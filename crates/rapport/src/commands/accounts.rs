//! `rapport user`, `rapport token` and `rapport audit`: what operators and scripts do from the
//! shell. Secrets never appear in arguments (the password comes from a file) and a new token is
//! printed alone on stdout so `$(rapport token create ...)` captures exactly it.

use std::io::Read;

use anyhow::{Context, anyhow, bail};
use rapport_app::audit::Pruned;
use rapport_app::config::Config;
use rapport_app::identity::tokens::{self, TokenRequest};
use rapport_app::identity::users::{self, NewUser, Placement, Workspace};
use rapport_app::{App, AppError, Ctx};
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::policy::Role;
use rapport_store::audit::{Part, Verdict};

use crate::cli::{AuditAction, TokenAction, UserAction};

async fn open(config: Config) -> anyhow::Result<App> {
    let app = App::connect(config)
        .await
        .context("cannot open the database")?;
    app.prepare().await.context("the database is not ready")?;
    Ok(app)
}

/// A use-case error as one readable line.
fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(errors) => anyhow!(
            "{}",
            errors
                .iter()
                .map(|f| format!("{}: {}", f.pointer.trim_start_matches('/'), f.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        AppError::Conflict { detail, .. } => anyhow!("{detail}"),
        other => anyhow!("{other}"),
    }
}

fn read_password(path: &std::path::Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the password from standard input")?;
    } else {
        text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the password file {}", path.display()))?;
    }
    Ok(text.lines().next().unwrap_or("").to_owned())
}

/// `rapport user ...`
pub async fn user(config: Config, action: UserAction) -> anyhow::Result<()> {
    match action {
        UserAction::Create {
            email,
            password_file,
            workspace,
            role,
            display_name,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow!("--role {role}: one of owner, admin, manager, member, viewer")
            })?;
            let password = read_password(&password_file)?;
            let app = open(config).await?;
            let ctx = Ctx::system(rapport_store::audit::INSTANCE);
            let created = users::create(
                &app,
                &ctx,
                &NewUser {
                    email: email.clone(),
                    password,
                    display_name,
                },
                &Placement {
                    workspace: Workspace::Named(workspace.clone()),
                    role: role.as_str().into(),
                },
            )
            .await
            .map_err(explain)?;
            eprintln!(
                "created {email} as {role} of workspace {workspace}{} (user {}, workspace {})",
                if created.new_workspace { " (new)" } else { "" },
                created.user_id,
                created.workspace_id
            );
            Ok(())
        }
        UserAction::Disable { email } => {
            let app = open(config).await?;
            let ctx = Ctx::system(rapport_store::audit::INSTANCE);
            if !users::disable(&app, &ctx, &email).await.map_err(explain)? {
                bail!("no account with the address {email}");
            }
            eprintln!("disabled {email}: every session and token of it has ended");
            Ok(())
        }
        UserAction::ResetPassword { email } => {
            let app = open(config).await?;
            let ctx = Ctx::system(rapport_store::audit::INSTANCE);
            let Some(link) = rapport_app::identity::recovery::reset_link(&app, &ctx, &email)
                .await
                .map_err(explain)?
            else {
                bail!("no account with the address {email}");
            };
            let until = link.expires_at.format("%Y-%m-%d %H:%M UTC");
            match link.url {
                Some(url) => {
                    // The link alone on stdout, so a script can pass it on.
                    println!("{url}");
                    eprintln!(
                        "this server sends no e-mail ([email] is not set): hand {email} this one-time link, valid until {until}"
                    );
                }
                None => eprintln!(
                    "queued an e-mail to {email} with a one-time link valid until {until}; a running `rapport serve` sends it"
                ),
            }
            Ok(())
        }
        UserAction::List => {
            let app = open(config).await?;
            let accounts = rapport_store::users::all(&app.db).await?;
            let memberships = rapport_store::users::all_memberships(&app.db).await?;
            let mut rows = vec![[
                "EMAIL".to_owned(),
                "NAME".into(),
                "STATUS".into(),
                "WORKSPACES".into(),
            ]];
            for u in &accounts {
                let places: Vec<String> = memberships
                    .iter()
                    .filter(|m| m.user_id == u.id)
                    .map(|m| format!("{} ({})", m.workspace_name, m.role))
                    .collect();
                let status = match (u.disabled_at, &u.password_hash) {
                    (Some(_), _) => "disabled",
                    (None, Some(_)) => "active",
                    (None, None) => "no password",
                };
                rows.push([
                    u.email.clone(),
                    u.display_name.clone(),
                    status.into(),
                    places.join(", "),
                ]);
            }
            print_table(&rows);
            eprintln!("{} account(s)", accounts.len());
            Ok(())
        }
    }
}

/// Prints rows as columns padded to their widest cell; the first row is the header.
fn print_table<const N: usize>(rows: &[[String; N]]) {
    let mut widths = [0; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}

/// The account with this address, or a one-line error.
async fn account(app: &App, email: &str) -> anyhow::Result<rapport_store::users::UserRow> {
    rapport_store::users::find_by_email(&app.db, email)
        .await?
        .ok_or_else(|| anyhow!("no account with the address {email}"))
}

/// `rapport token ...`
pub async fn token(config: Config, action: TokenAction) -> anyhow::Result<()> {
    match action {
        TokenAction::Create {
            email,
            workspace,
            scopes,
            expires_in,
            name,
        } => token_create(config, email, workspace, scopes, expires_in, name).await,
        TokenAction::List { email } => {
            let app = open(config).await?;
            let user = account(&app, &email).await?;
            let mut rows = vec![[
                "ID".to_owned(),
                "WORKSPACE".into(),
                "NAME".into(),
                "SCOPES".into(),
                "CREATED".into(),
                "EXPIRES".into(),
                "LAST USED".into(),
                "STATUS".into(),
            ]];
            let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M").to_string(),
                )
            };
            let now = chrono::Utc::now();
            for m in rapport_store::users::memberships_of(&app.db, UserId(user.id)).await? {
                let ws = WorkspaceId(m.workspace_id);
                for t in rapport_store::tokens::list(&app.db, ws, UserId(user.id)).await? {
                    let status = match (t.revoked_at, t.expires_at) {
                        (Some(_), _) => "revoked",
                        (None, Some(e)) if e <= now => "expired",
                        _ => "active",
                    };
                    rows.push([
                        t.id.to_string(),
                        m.workspace_name.clone(),
                        t.name,
                        t.scopes,
                        day(Some(t.created_at)),
                        day(t.expires_at),
                        day(t.last_used_at),
                        status.into(),
                    ]);
                }
            }
            print_table(&rows);
            Ok(())
        }
        TokenAction::Revoke { email, id } => {
            let app = open(config).await?;
            let user = account(&app, &email).await?;
            if !tokens::revoke_for_operator(&app, UserId(user.id), id)
                .await
                .map_err(explain)?
            {
                bail!("{email} has no live token with the id {id}");
            }
            eprintln!("revoked token {id} of {email}");
            Ok(())
        }
    }
}

async fn token_create(
    config: Config,
    email: String,
    workspace: String,
    scopes: String,
    expires_in: Option<String>,
    name: String,
) -> anyhow::Result<()> {
    let expires_in = match expires_in.as_deref() {
        None => None,
        Some(text) => Some(
            tokens::parse_lifetime(text)
                .ok_or_else(|| anyhow!("--expires-in {text}: use e.g. 30d, 12h or 90m"))?,
        ),
    };
    let app = open(config).await?;
    let Some(ws) = users::find_workspace(&app, &workspace)
        .await
        .map_err(explain)?
    else {
        bail!("no workspace named {workspace}");
    };
    let user = account(&app, &email).await?;
    if user.disabled_at.is_some() {
        bail!("the account {email} is disabled");
    }
    let member = rapport_store::users::membership(&app.db, ws, UserId(user.id)).await?;
    if member.is_none() {
        bail!("{email} is not a member of {workspace}");
    }
    let issued = issue(&app, ws, UserId(user.id), name, scopes, expires_in).await?;
    println!("{}", issued);
    Ok(())
}

async fn issue(
    app: &App,
    ws: WorkspaceId,
    user: UserId,
    name: String,
    scopes: String,
    expires_in: Option<std::time::Duration>,
) -> anyhow::Result<String> {
    let ctx = Ctx::system(ws);
    let req = TokenRequest {
        name,
        scopes,
        expires_in,
    };
    let issued = tokens::issue(app, &ctx, user, ws, &req)
        .await
        .map_err(explain)?;
    Ok(issued.secret)
}

/// `rapport audit ...`
pub async fn audit(config: Config, action: AuditAction) -> anyhow::Result<()> {
    let app = open(config).await?;
    match action {
        AuditAction::Verify => audit_verify(&app).await,
        AuditAction::Prune { older_than_days } => audit_prune(&app, older_than_days).await,
    }
}

async fn audit_verify(app: &App) -> anyhow::Result<()> {
    let mut broken = 0;
    let mut unauthenticated = 0;
    for (ws, verdict) in rapport_app::audit::verify_all(app).await.map_err(explain)? {
        match verdict {
            Verdict::Intact {
                entries,
                pruned_through: None,
            } => println!("workspace {ws}: intact ({entries} entries)"),
            Verdict::Intact {
                entries,
                pruned_through: Some(seq),
            } => println!(
                "workspace {ws}: intact ({entries} entries after entry {seq}; the pruning checkpoints are signed with the secret key)"
            ),
            Verdict::Unauthenticated {
                entries,
                pruned_through,
            } => {
                unauthenticated += 1;
                println!(
                    "workspace {ws}: intact ({entries} entries after entry {pruned_through}), but the pruning checkpoints are UNAUTHENTICATED: no security.secret_key to check their signatures"
                );
            }
            Verdict::Broken {
                part: Part::Entry,
                seq,
                reason,
            } => {
                broken += 1;
                println!("workspace {ws}: BROKEN at entry {seq}: {reason}");
            }
            Verdict::Broken {
                part: Part::Checkpoint,
                seq,
                reason,
            } => {
                broken += 1;
                println!("workspace {ws}: BROKEN at the checkpoint after entry {seq}: {reason}");
            }
        }
    }
    if broken > 0 {
        bail!("{broken} audit chain(s) do not verify");
    }
    if unauthenticated > 0 {
        // Not a failure (exit 0): the entries themselves verify; what was pruned before them
        // could not be vouched for.
        eprintln!(
            "rapport: {unauthenticated} pruned chain(s) could not be authenticated; run with the same security.secret_key that `serve` uses"
        );
    }
    Ok(())
}

async fn audit_prune(app: &App, older_than_days: Option<u64>) -> anyhow::Result<()> {
    let days = older_than_days.unwrap_or(app.config.auth.audit_retention_days);
    let cutoff = rapport_app::audit::retention_cutoff(chrono::Utc::now(), days);
    let mut refused = 0;
    for (ws, outcome) in rapport_app::audit::prune(app, cutoff).await? {
        match outcome {
            Pruned::Nothing => println!("workspace {ws}: 0 entries pruned"),
            Pruned::Removed { entries, through } => println!(
                "workspace {ws}: {entries} entries pruned (through entry {through}; signed checkpoint written)"
            ),
            Pruned::Refused { reason, .. } => {
                refused += 1;
                println!("workspace {ws}: NOT pruned, the chain does not verify: {reason}");
            }
        }
    }
    if refused > 0 {
        bail!(
            "{refused} audit chain(s) were not pruned because they do not verify; run `rapport audit verify`"
        );
    }
    Ok(())
}
