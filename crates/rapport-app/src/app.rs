//! The application handle shared by every request: database, configuration, the password hasher
//! and the login throttle.

use std::sync::Arc;
use std::time::Instant;

use rapport_store::{Db, StoreError, migrate};

use crate::config::Config;
use crate::email::Mailer;
use crate::identity::passwords::Hasher;
use crate::identity::throttle::Throttle;

/// Everything a use case needs; cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    /// The database.
    pub db: Db,
    /// The validated configuration.
    pub config: Arc<Config>,
    /// When this process started (for uptime).
    pub started: Instant,
    /// Hashes passwords, a bounded number at once.
    pub hasher: Hasher,
    /// Slows repeated failed logins.
    pub throttle: Throttle,
    /// Hands e-mail to the SMTP server; `None` without `[email]`.
    pub mailer: Option<Mailer>,
}

impl App {
    /// Connects to the database (nothing else).
    pub async fn connect(config: Config) -> Result<App, StoreError> {
        rapport_domain::values::warm_up();
        let db = Db::connect(&config.db_config()).await?;
        // `config::load` already built a mailer from these settings, so this cannot fail on a
        // loaded configuration; a hand-made one that does sends no e-mail and says why.
        let mailer = Mailer::from_config(&config.email).unwrap_or_else(|e| {
            tracing::error!(error = %e, "e-mail settings unusable; no e-mail will be sent");
            None
        });
        Ok(App {
            mailer,
            db,
            hasher: Hasher::new(config.auth.max_concurrent_hashes),
            throttle: Throttle::new(config.auth.login_free_attempts, config.login_max_backoff()),
            config: Arc::new(config),
            started: Instant::now(),
        })
    }

    /// Makes sure the schema is current (migrating when allowed). Refuses a schema it does not know, saying which command to run.
    pub async fn prepare(&self) -> Result<(), StoreError> {
        match migrate::state(&self.db).await? {
            migrate::SchemaState::Current { .. } => {}
            migrate::SchemaState::Pending { applied, pending } => {
                if self.config.auto_migrate() {
                    let done = migrate::up(&self.db, None).await?;
                    tracing::info!(?done, "applied migrations");
                } else {
                    return Err(StoreError::Schema(format!(
                        "the database schema is at version {applied} and this binary needs {pending:?} applied; \
                         run `rapport migrate up` (or set database.auto_migrate = true)"
                    )));
                }
            }
            migrate::SchemaState::Newer { applied, known } => {
                return Err(StoreError::Schema(format!(
                    "the database schema is at version {applied}, newer than this binary knows ({known}); \
                     run a newer rapport, or roll back with that release's `rapport migrate down --to {known}`"
                )));
            }
            migrate::SchemaState::Dirty { version } => {
                return Err(StoreError::Schema(format!(
                    "migration {version} failed half-way; fix the database, then run `rapport migrate up`"
                )));
            }
        }
        let started = Instant::now();
        self.db.refresh_statistics().await?;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "planner statistics refreshed"
        );
        Ok(())
    }

    /// The configured default phone region.
    pub fn phone_region(&self) -> Option<&str> {
        self.config.crm.default_phone_region.as_deref()
    }
}
