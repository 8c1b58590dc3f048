//! Reversible schema migrations, one folder per backend (`migrations/{sqlite,postgres}`), embedded
//! in the binary. `serve` refuses to run on a schema older or newer than the one it knows.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use crate::db::{Backend, Db};
use crate::error::StoreError;

struct Step {
    version: i64,
    name: &'static str,
    up: &'static str,
    down: &'static str,
}

macro_rules! step {
    ($backend:literal, $version:literal, $file:literal, $name:literal) => {
        Step {
            version: $version,
            name: $name,
            up: include_str!(concat!("../migrations/", $backend, "/", $file, ".up.sql")),
            down: include_str!(concat!("../migrations/", $backend, "/", $file, ".down.sql")),
        }
    };
}

// File names carry the zero-padded version: `NNNN_name.{up,down}.sql`.
const SQLITE: &[Step] = &[
    step!("sqlite", 1, "0001_core", "core"),
    step!("sqlite", 2, "0002_identity", "identity"),
    step!("sqlite", 3, "0003_mfa", "mfa"),
    step!("sqlite", 4, "0004_audit_checkpoints", "audit_checkpoints"),
    step!("sqlite", 5, "0005_passkeys", "passkeys"),
    step!("sqlite", 6, "0006_oidc", "oidc"),
    step!("sqlite", 7, "0007_rbac", "rbac"),
    step!("sqlite", 8, "0008_deals", "deals"),
    step!("sqlite", 9, "0009_tasks", "tasks"),
    step!("sqlite", 10, "0010_cases", "cases"),
    step!("sqlite", 11, "0011_appointments", "appointments"),
    step!("sqlite", 12, "0012_campaigns", "campaigns"),
    step!("sqlite", 13, "0013_leads", "leads"),
    step!("sqlite", 14, "0014_activities", "activities"),
    step!("sqlite", 15, "0015_projects", "projects"),
    step!("sqlite", 16, "0016_documents", "documents"),
    step!("sqlite", 17, "0017_merge", "merge"),
    step!("sqlite", 18, "0018_tags", "tags"),
    step!("sqlite", 19, "0019_imports", "imports"),
    step!("sqlite", 20, "0020_external_ids", "external_ids"),
    step!("sqlite", 21, "0021_associations", "associations"),
    step!("sqlite", 22, "0022_custom_fields", "custom_fields"),
    step!("sqlite", 23, "0023_report_rollups", "report_rollups"),
    step!("sqlite", 24, "0024_channel_lookup", "channel_lookup"),
    step!(
        "sqlite",
        25,
        "0025_activity_report_covering",
        "activity_report_covering"
    ),
    step!("sqlite", 26, "0026_deal_sorts", "deal_sorts"),
    step!("sqlite", 27, "0027_search_plans", "search_plans"),
    step!("sqlite", 28, "0028_email_outbox", "email_outbox"),
    step!("sqlite", 29, "0029_search_tiers", "search_tiers"),
    step!(
        "sqlite",
        30,
        "0030_audit_client_request_id",
        "audit_client_request_id"
    ),
];
const POSTGRES: &[Step] = &[
    step!("postgres", 1, "0001_core", "core"),
    step!("postgres", 2, "0002_identity", "identity"),
    step!("postgres", 3, "0003_mfa", "mfa"),
    step!("postgres", 4, "0004_audit_checkpoints", "audit_checkpoints"),
    step!("postgres", 5, "0005_passkeys", "passkeys"),
    step!("postgres", 6, "0006_oidc", "oidc"),
    step!("postgres", 7, "0007_rbac", "rbac"),
    step!("postgres", 8, "0008_deals", "deals"),
    step!("postgres", 9, "0009_tasks", "tasks"),
    step!("postgres", 10, "0010_cases", "cases"),
    step!("postgres", 11, "0011_appointments", "appointments"),
    step!("postgres", 12, "0012_campaigns", "campaigns"),
    step!("postgres", 13, "0013_leads", "leads"),
    step!("postgres", 14, "0014_activities", "activities"),
    step!("postgres", 15, "0015_projects", "projects"),
    step!("postgres", 16, "0016_documents", "documents"),
    step!("postgres", 17, "0017_merge", "merge"),
    step!("postgres", 18, "0018_tags", "tags"),
    step!("postgres", 19, "0019_imports", "imports"),
    step!("postgres", 20, "0020_external_ids", "external_ids"),
    step!("postgres", 21, "0021_associations", "associations"),
    step!("postgres", 22, "0022_custom_fields", "custom_fields"),
    step!("postgres", 23, "0023_report_rollups", "report_rollups"),
    step!("postgres", 24, "0024_channel_lookup", "channel_lookup"),
    step!(
        "postgres",
        25,
        "0025_activity_report_covering",
        "activity_report_covering"
    ),
    step!("postgres", 26, "0026_deal_sorts", "deal_sorts"),
    step!("postgres", 27, "0027_search_plans", "search_plans"),
    step!("postgres", 28, "0028_email_outbox", "email_outbox"),
    step!("postgres", 29, "0029_search_tiers", "search_tiers"),
    step!(
        "postgres",
        30,
        "0030_audit_client_request_id",
        "audit_client_request_id"
    ),
];

fn steps(backend: Backend) -> &'static [Step] {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

fn migrator(backend: Backend) -> Migrator {
    let mut all = Vec::new();
    for s in steps(backend) {
        all.push(Migration::new(
            s.version,
            Cow::Borrowed(s.name),
            MigrationType::ReversibleUp,
            AssertSqlSafe(s.up).into_sql_str(),
            false,
        ));
        all.push(Migration::new(
            s.version,
            Cow::Borrowed(s.name),
            MigrationType::ReversibleDown,
            AssertSqlSafe(s.down).into_sql_str(),
            false,
        ));
    }
    Migrator::with_migrations(all)
}

/// The newest schema version this binary knows.
pub fn latest_version(backend: Backend) -> i64 {
    steps(backend).last().map_or(0, |s| s.version)
}

/// Where a database's schema stands relative to this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// Exactly the schema this binary knows.
    Current {
        /// The schema version.
        version: i64,
    },
    /// Older: these migrations are not applied yet.
    Pending {
        /// The applied version (0 for an empty database).
        applied: i64,
        /// Versions still to apply.
        pending: Vec<i64>,
    },
    /// Newer than this binary (a later release migrated it).
    Newer {
        /// The applied version.
        applied: i64,
        /// The newest this binary knows.
        known: i64,
    },
    /// A migration failed half-way and needs an operator.
    Dirty {
        /// The failed version.
        version: i64,
    },
}

/// One applied migration.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Applied {
    /// Version number.
    pub version: i64,
    /// Whether it finished.
    pub success: bool,
}

async fn applied(db: &Db) -> Result<Vec<Applied>, StoreError> {
    if let Some(pool) = db.sqlite_writer() {
        let exists: Option<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(pool)
        .await?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        Ok(
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(pool)
                .await?,
        )
    } else if let Some(pool) = db.postgres() {
        let (exists,): (bool,) =
            sqlx::query_as("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_one(pool)
                .await?;
        if !exists {
            return Ok(Vec::new());
        }
        Ok(
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(pool)
                .await?,
        )
    } else {
        Ok(Vec::new())
    }
}

/// Compares the database's schema with this binary's.
pub async fn state(db: &Db) -> Result<SchemaState, StoreError> {
    let applied = applied(db).await?;
    if let Some(bad) = applied.iter().find(|a| !a.success) {
        return Ok(SchemaState::Dirty {
            version: bad.version,
        });
    }
    let known = latest_version(db.backend());
    let top = applied.iter().map(|a| a.version).max().unwrap_or(0);
    if top > known {
        return Ok(SchemaState::Newer {
            applied: top,
            known,
        });
    }
    let pending: Vec<i64> = steps(db.backend())
        .iter()
        .map(|s| s.version)
        .filter(|v| !applied.iter().any(|a| a.version == *v))
        .collect();
    Ok(if pending.is_empty() {
        SchemaState::Current { version: top }
    } else {
        SchemaState::Pending {
            applied: top,
            pending,
        }
    })
}

/// Applies pending migrations up to `to` (all when `None`); returns the versions applied.
pub async fn up(db: &Db, to: Option<i64>) -> Result<Vec<i64>, StoreError> {
    let before = state(db).await?;
    let m = migrator(db.backend());
    let target = to.unwrap_or_else(|| latest_version(db.backend()));
    match (db.sqlite_writer(), db.postgres()) {
        (Some(pool), _) => m.run_to(target, pool).await?,
        (_, Some(pool)) => m.run_to(target, pool).await?,
        _ => {}
    }
    let applied: Vec<i64> = match before {
        SchemaState::Pending { pending, .. } => {
            pending.into_iter().filter(|v| *v <= target).collect()
        }
        _ => Vec::new(),
    };
    fill(db, &applied).await?;
    Ok(applied)
}

/// Fills what a migration just added from existing rows, where the values are computed by the
/// application (Unicode case folding, name normalisation) and SQL cannot compute them alike on
/// both databases. Each step is idempotent.
async fn fill(db: &Db, applied: &[i64]) -> Result<(), StoreError> {
    if applied.contains(&17) {
        crate::merges::backfill_company_keys(db).await?;
    }
    if applied.contains(&18) {
        crate::tags::backfill(db).await?;
    }
    Ok(())
}

/// Reverts migrations newer than `to` (`to = 0` empties the schema).
pub async fn down(db: &Db, to: i64) -> Result<(), StoreError> {
    let m = migrator(db.backend());
    match (db.sqlite_writer(), db.postgres()) {
        (Some(pool), _) => m.undo(pool, to).await?,
        (_, Some(pool)) => m.undo(pool, to).await?,
        _ => {}
    }
    Ok(())
}

/// Every known migration: (version, name, applied?).
pub async fn list(db: &Db) -> Result<Vec<(i64, &'static str, bool)>, StoreError> {
    let applied = applied(db).await?;
    Ok(steps(db.backend())
        .iter()
        .map(|s| {
            (
                s.version,
                s.name,
                applied.iter().any(|a| a.version == s.version && a.success),
            )
        })
        .collect())
}
