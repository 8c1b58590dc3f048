//! Readiness checks: is the database answering, is the schema current. Each bounded in time.

use std::time::{Duration, Instant};

use rapport_store::migrate::{self, SchemaState};
use serde::Serialize;

use crate::app::App;

/// How long one check may take before it counts as failed.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The result of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// `database` or `migrations`.
    pub name: &'static str,
    /// Passed?
    pub ok: bool,
    /// How long it took.
    pub latency_ms: f64,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

async fn timed<F>(name: &'static str, f: F) -> Check
where
    F: Future<Output = Result<(), String>>,
{
    let start = Instant::now();
    let result = tokio::time::timeout(CHECK_TIMEOUT, f).await;
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(format!("no answer within {} ms", CHECK_TIMEOUT.as_millis())),
    };
    Check {
        name,
        ok: error.is_none(),
        latency_ms,
        error,
    }
}

/// Runs every readiness check.
pub async fn checks(app: &App) -> Vec<Check> {
    let db = timed("database", async {
        app.db.ping().await.map_err(|e| e.to_string())
    })
    .await;
    let schema = timed("migrations", async {
        match migrate::state(&app.db).await.map_err(|e| e.to_string())? {
            SchemaState::Current { .. } => Ok(()),
            SchemaState::Pending { pending, .. } => Err(format!("pending migrations {pending:?}")),
            SchemaState::Newer { applied, known } => Err(format!(
                "schema {applied} is newer than this binary ({known})"
            )),
            SchemaState::Dirty { version } => Err(format!("migration {version} failed half-way")),
        }
    })
    .await;
    vec![db, schema]
}
