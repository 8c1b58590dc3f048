//! The store's one error type.

/// What went wrong in the store; rapport-app turns each into something the user understands.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist in this workspace (or is deleted).
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; `constraint` names it.
    #[error("conflict on {constraint}")]
    Conflict {
        /// The constraint's name, e.g. `companies_workspace_domain_key`.
        constraint: &'static str,
    },
    /// The row changed since the version the caller had.
    #[error("version mismatch")]
    VersionMismatch,
    /// A reference points to no row of this workspace.
    #[error("reference to a missing row ({constraint})")]
    MissingReference {
        /// The foreign key's name.
        constraint: &'static str,
    },
    /// A pagination cursor that this store did not make, or made for another sort.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),
    /// The database cannot be reached or is saturated.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The schema is not the one this binary knows.
    #[error("schema: {0}")]
    Schema(String),
    /// Anything else: a bug or an unexpected database answer.
    #[error("database error: {0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) if is_busy(db.as_ref()) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Other(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Schema(e.to_string())
    }
}

fn is_busy(db: &dyn sqlx::error::DatabaseError) -> bool {
    // SQLITE_BUSY (5) / SQLITE_LOCKED (6) and PostgreSQL's query_canceled (statement timeout),
    // serialization_failure (40001), deadlock_detected (40P01) and lock_not_available (55P03):
    // the transaction was rolled back whole, so the client is told to retry, not that it broke
    // the server. Two requests locking the same rows in opposite orders (deals moved across each
    // other's stages, merges) end this way on PostgreSQL.
    matches!(
        db.code().as_deref(),
        Some("5" | "6" | "517" | "57014" | "40001" | "40P01" | "55P03")
    )
}

/// True when `e` is a unique-constraint violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// True when `e` is a foreign-key violation.
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}
