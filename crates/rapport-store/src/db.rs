//! The database handle: SQLite (a writer connection and a reader pool) or PostgreSQL (one pool),
//! and the few methods every store module uses to run a sea-query statement on either.

use std::str::FromStr;
use std::time::Duration;

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, PgPool, Postgres, Sqlite, SqlitePool};

use crate::error::StoreError;
pub use crate::search::PendingSearch;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// SQLite's `synchronous` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Every commit reaches the disk before it is acknowledged (survives power loss).
    Full,
    /// Faster; a power loss can drop the last commits (not a crash of the process).
    Normal,
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `sqlite://PATH` or `postgres://...`.
    pub url: String,
    /// Pool size (PostgreSQL) or reader pool size (SQLite).
    pub max_connections: u32,
    /// How long a request waits for a connection.
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout`.
    pub statement_timeout: Duration,
    /// SQLite `synchronous`.
    pub synchronous: Synchronous,
    /// SQLite `busy_timeout`.
    pub busy_timeout: Duration,
}

impl DbConfig {
    /// Defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
        }
    }

    /// The backend the URL names, if any.
    pub fn backend(&self) -> Option<Backend> {
        if self.url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if self.url.starts_with("postgres://") || self.url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug)]
enum Pools {
    // SQLite allows one writer at a time: one writer connection queues writes in-process instead of
    // failing them with SQLITE_BUSY, while readers run in parallel thanks to WAL.
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// The database handle; cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
}

/// Occupancy of one connection pool, for the metrics endpoint.
#[derive(Debug, Clone)]
pub struct PoolStats {
    /// `read`, `write` or `main`.
    pub name: &'static str,
    /// Open connections.
    pub size: u32,
    /// Idle connections.
    pub idle: u32,
    /// The configured maximum.
    pub max: u32,
}

/// A row type that decodes from either database.
pub trait AnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl Db {
    /// Opens the pools (creating the SQLite file and its folder when missing).
    pub async fn connect(cfg: &DbConfig) -> Result<Db, StoreError> {
        match cfg.backend() {
            Some(Backend::Sqlite) => Self::connect_sqlite(cfg).await,
            Some(Backend::Postgres) => Self::connect_postgres(cfg).await,
            None => Err(StoreError::Other(
                "database.url must start with sqlite:// or postgres://".into(),
            )),
        }
    }

    async fn connect_sqlite(cfg: &DbConfig) -> Result<Db, StoreError> {
        let opts = SqliteConnectOptions::from_str(&cfg.url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match cfg.synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(cfg.busy_timeout)
            // Rust's regex gives SQLite the Unicode-aware case-insensitive matching that its own
            // lower() and LIKE lack (they fold ASCII only).
            .with_regexp()
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536")
            .pragma("mmap_size", "268435456");
        if let Some(parent) = opts.get_filename().parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(cfg.acquire_timeout)
            .connect_with(opts.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(cfg.max_connections.max(1))
            .min_connections(1)
            .acquire_timeout(cfg.acquire_timeout)
            .connect_with(opts.read_only(true))
            .await?;
        Ok(Db {
            pools: Pools::Sqlite { read, write },
        })
    }

    async fn connect_postgres(cfg: &DbConfig) -> Result<Db, StoreError> {
        let timeout_ms = cfg.statement_timeout.as_millis().to_string();
        let opts = PgConnectOptions::from_str(&cfg.url)?
            .application_name("rapport")
            .options([("statement_timeout", timeout_ms.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(cfg.max_connections.max(1))
            .acquire_timeout(cfg.acquire_timeout)
            .connect_with(opts)
            .await?;
        Ok(Db {
            pools: Pools::Postgres(pool),
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction (SQLite: `BEGIN IMMEDIATE` on the writer connection, so it never
    /// fails half-way for want of the write lock).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { write, .. } => Tx::Sqlite(
                write.begin_with("BEGIN IMMEDIATE").await?,
                PendingSearch::default(),
            ),
            Pools::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Runs a read query, all rows.
    pub async fn fetch_all<T: AnyRow>(&self, q: &impl SqlxBinder) -> Result<Vec<T>, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => {
                let (sql, values) = q.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<Sqlite, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(read)
                    .await?
            }
            Pools::Postgres(pool) => {
                let (sql, values) = q.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<Postgres, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    /// Runs a read query, at most one row.
    pub async fn fetch_optional<T: AnyRow>(
        &self,
        q: &impl SqlxBinder,
    ) -> Result<Option<T>, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => {
                let (sql, values) = q.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<Sqlite, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(read)
                    .await?
            }
            Pools::Postgres(pool) => {
                let (sql, values) = q.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<Postgres, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }

    /// `SELECT 1`: is the database answering?
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                sqlx::query("SELECT 1").execute(read).await?;
                // The writer is the connection that matters for acknowledged writes.
                if write.size() == 0 {
                    sqlx::query("SELECT 1").execute(write).await?;
                }
            }
            Pools::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Refreshes the query planner's statistics. SQLite has none until `ANALYZE` runs, and without
    /// them it drives a selective filter (`email eq`) from the sort index and scans a million rows.
    /// The analysis is sampled (`analysis_limit`): under a second at a million contacts, holding
    /// the write lock that long. On PostgreSQL an `ANALYZE`, for installations where autovacuum
    /// is off or lags behind a database that fills up fast.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        if let Pools::Postgres(pool) = &self.pools {
            sqlx::query("ANALYZE").execute(pool).await?;
            return Ok(());
        }
        if let Pools::Sqlite { write, .. } = &self.pools {
            let mut conn = write.acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *conn)
                .await?;
            sqlx::query("ANALYZE").execute(&mut *conn).await?;
            // Statistics of a nearly empty table mislead more than none: a table analysed at
            // 0 rows is planned as free to scan long after it holds a million (an import into
            // a fresh database drove its email lookups from a scan of every contact). Without
            // a row, SQLite assumes a large table and prefers the most selective index, which
            // is right for every query Rapport runs; tables get real statistics once they have
            // grown, at the next refresh.
            sqlx::query("DELETE FROM sqlite_stat1 WHERE CAST(stat AS INTEGER) < 1000")
                .execute(&mut *conn)
                .await?;
            sqlx::query("ANALYZE sqlite_schema")
                .execute(&mut *conn)
                .await?;
            // A connection reads the statistics when it opens or when its schema changes, and
            // `ANALYZE sqlite_schema` reloads them on the writer only: readers opened on an
            // empty database would plan on nothing for as long as they live. Changing the
            // schema makes every connection reload them and prepare its statements again.
            sqlx::query("CREATE VIEW IF NOT EXISTS planner_statistics_epoch AS SELECT 1")
                .execute(&mut *conn)
                .await?;
            sqlx::query("DROP VIEW planner_statistics_epoch")
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Whether a table has grown well past what the planner's statistics say (more than twice
    /// its analysed size, and at least 1,000 rows), so a server that started on an empty
    /// database and fills up refreshes them as it grows, not only at the hourly maintenance.
    /// Cheap: one indexed lookup per table on SQLite, one catalog query on PostgreSQL.
    pub async fn statistics_are_stale(&self) -> Result<bool, StoreError> {
        const GROWN: i64 = 1000;
        match &self.pools {
            Pools::Postgres(pool) => {
                // reltuples is -1 for a table never analysed.
                let stale: Option<i32> = sqlx::query_scalar(
                    "SELECT 1 FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
                     WHERE s.n_mod_since_analyze >= $1 \
                       AND s.n_mod_since_analyze > GREATEST(c.reltuples, 0) LIMIT 1",
                )
                .bind(GROWN)
                .fetch_optional(pool)
                .await?;
                Ok(stale.is_some())
            }
            Pools::Sqlite { read, .. } => {
                let analysed: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'",
                )
                .fetch_one(read)
                .await?;
                if analysed == 0 {
                    return Ok(true);
                }
                let tables: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT t.name, COALESCE(MAX(CAST(s.stat AS INTEGER)), 0) \
                     FROM sqlite_schema t LEFT JOIN sqlite_stat1 s ON s.tbl = t.name \
                     WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%' \
                       AND t.name NOT LIKE 'search_fts%' AND t.sql NOT LIKE '%WITHOUT ROWID%' \
                     GROUP BY t.name",
                )
                .fetch_all(read)
                .await?;
                for (table, analysed) in tables {
                    // The largest rowid bounds the row count from above, from the end of the
                    // table's b-tree: no scan. Names come from the schema, quoted.
                    let sql = format!("SELECT COALESCE(MAX(rowid), 0) FROM \"{table}\"");
                    let rows: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                        .fetch_one(read)
                        .await?;
                    if rows >= GROWN && rows > 2 * analysed {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    /// Refreshes statistics during and after a bulk write (`rapport seed`): on SQLite as
    /// [`Db::refresh_statistics`], on PostgreSQL an `ANALYZE`. A bulk load outruns autovacuum
    /// (or runs where it is off), and PostgreSQL plans a lookup on a table it has never
    /// analysed from the wrong index: a seed's domain check scanned every company.
    pub async fn analyze_after_bulk_write(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { .. } => self.refresh_statistics().await,
            Pools::Postgres(pool) => {
                sqlx::query("ANALYZE").execute(pool).await?;
                Ok(())
            }
        }
    }

    /// Runs one statement that cannot run inside a transaction (PostgreSQL's `CREATE INDEX
    /// CONCURRENTLY`) on a pooled connection; on SQLite, on the writer.
    pub(crate) async fn execute_outside_tx(&self, sql: &str) -> Result<(), StoreError> {
        let sql = AssertSqlSafe(sql.to_owned());
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                sqlx::query(sql).execute(write).await?;
            }
            Pools::Postgres(pool) => {
                sqlx::query(sql).execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Occupancy of each pool.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        fn stats<DB: sqlx::Database>(name: &'static str, p: &sqlx::Pool<DB>) -> PoolStats {
            PoolStats {
                name,
                size: p.size(),
                idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
                max: p.options().get_max_connections(),
            }
        }
        match &self.pools {
            Pools::Sqlite { read, write } => vec![stats("read", read), stats("write", write)],
            Pools::Postgres(pool) => vec![stats("main", pool)],
        }
    }

    /// Closes every pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                // Checkpoint the WAL into the main file so a stopped server leaves one tidy file.
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(write)
                    .await;
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }

    /// The SQLite writer pool (migrations) or the PostgreSQL pool.
    pub(crate) fn sqlite_writer(&self) -> Option<&SqlitePool> {
        match &self.pools {
            Pools::Sqlite { write, .. } => Some(write),
            Pools::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool.
    pub(crate) fn postgres(&self) -> Option<&PgPool> {
        match &self.pools {
            Pools::Postgres(p) => Some(p),
            Pools::Sqlite { .. } => None,
        }
    }

    /// The SQLite reader pool.
    pub(crate) fn sqlite_reader(&self) -> Option<&SqlitePool> {
        match &self.pools {
            Pools::Sqlite { read, .. } => Some(read),
            Pools::Postgres(_) => None,
        }
    }
}

/// A write transaction on either database. Dropped without `commit`, it rolls back.
#[derive(Debug)]
pub enum Tx {
    /// SQLite, with the full-text entries it writes at commit.
    Sqlite(sqlx::Transaction<'static, Sqlite>, PendingSearch),
    /// PostgreSQL.
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement; returns the number of rows affected.
    pub async fn execute(&mut self, q: &impl SqlxBinder) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Tx::Sqlite(tx, _) => {
                let (sql, values) = q.build_sqlx(SqliteQueryBuilder);
                sqlx::query_with::<Sqlite, _>(AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
            }
            Tx::Postgres(tx) => {
                let (sql, values) = q.build_sqlx(PostgresQueryBuilder);
                sqlx::query_with::<Postgres, _>(AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
            }
        })
    }

    /// Runs a query, at most one row.
    pub async fn fetch_optional<T: AnyRow>(
        &mut self,
        q: &impl SqlxBinder,
    ) -> Result<Option<T>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx, _) => {
                let (sql, values) = q.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<Sqlite, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            Tx::Postgres(tx) => {
                let (sql, values) = q.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<Postgres, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        })
    }

    /// Runs a query, all rows.
    pub async fn fetch_all<T: AnyRow>(
        &mut self,
        q: &impl SqlxBinder,
    ) -> Result<Vec<T>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx, _) => {
                let (sql, values) = q.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<Sqlite, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await?
            }
            Tx::Postgres(tx) => {
                let (sql, values) = q.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<Postgres, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await?
            }
        })
    }

    /// Runs a fixed statement with no parameters (DDL the application decides at run time,
    /// such as a custom field's index; its text must come from checked identifiers only).
    pub(crate) async fn execute_ddl(&mut self, sql: &str) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx, _) => {
                sqlx::query(AssertSqlSafe(sql.to_owned()))
                    .execute(&mut **tx)
                    .await?;
            }
            Tx::Postgres(tx) => {
                sqlx::query(AssertSqlSafe(sql.to_owned()))
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(mut tx, pending) => {
                pending.write(&mut tx).await?;
                tx.commit().await?;
            }
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
