//! `rapport migrate up|down|status`.

use anyhow::Context;
use rapport_app::config::Config;
use rapport_store::{Db, migrate};

use crate::cli::MigrateAction;

pub async fn run(config: Config, action: MigrateAction) -> anyhow::Result<()> {
    let db = Db::connect(&config.db_config())
        .await
        .context("cannot open the database")?;
    let latest = migrate::latest_version(db.backend());
    match action {
        MigrateAction::Up { to } => {
            if let Some(t) = to {
                anyhow::ensure!(
                    (0..=latest).contains(&t),
                    "--to {t}: this binary knows versions 1 to {latest}"
                );
            }
            let applied = migrate::up(&db, to).await?;
            if applied.is_empty() {
                println!("nothing to apply");
            }
            for v in applied {
                println!("applied {v}");
            }
        }
        MigrateAction::Down { to } => {
            let current = migrate::list(&db)
                .await?
                .iter()
                .filter(|m| m.2)
                .map(|m| m.0)
                .max()
                .unwrap_or(0);
            let target = to.unwrap_or(current.saturating_sub(1).max(0));
            anyhow::ensure!(
                target >= 0 && target <= current,
                "--to {target}: the schema is at version {current}"
            );
            migrate::down(&db, target).await?;
            println!("schema now at version {target}");
        }
        MigrateAction::Status => {
            println!("{:<7}  {:<26}  STATE", "VERSION", "NAME");
            for (version, name, applied) in migrate::list(&db).await? {
                let state = if applied { "applied" } else { "pending" };
                // Zero-padded, as the migration files are named.
                let version = format!("{version:04}");
                println!("{version:<7}  {name:<26}  {state}");
            }
            let summary = match migrate::state(&db).await? {
                migrate::SchemaState::Current { version } => {
                    format!("the schema is current, at version {version}")
                }
                migrate::SchemaState::Pending { applied, pending } => format!(
                    "the schema is at version {applied}, {} migration(s) pending: run \
                     `rapport migrate up`",
                    pending.len()
                ),
                migrate::SchemaState::Newer { applied, known } => format!(
                    "the schema is at version {applied}, newer than this binary knows ({known}): \
                     run a newer rapport"
                ),
                migrate::SchemaState::Dirty { version } => format!(
                    "migration {version} failed half-way: repair the schema by hand, then run \
                     `rapport migrate up`"
                ),
            };
            println!("{summary}");
        }
    }
    db.close().await;
    Ok(())
}
