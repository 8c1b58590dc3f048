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
            for (version, name, applied) in migrate::list(&db).await? {
                println!(
                    "{version:04} {name:<24} {}",
                    if applied { "applied" } else { "pending" }
                );
            }
            println!("state: {:?}", migrate::state(&db).await?);
        }
    }
    db.close().await;
    Ok(())
}
