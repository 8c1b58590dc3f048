//! Small helpers for writing sea-query statements by column name.

use sea_query::{Alias, Expr};

/// A column (or table) name.
pub(crate) fn n(name: &str) -> Alias {
    Alias::new(name)
}

/// A column as an expression.
pub(crate) fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

/// `table.column` as an expression.
pub(crate) fn tcol(table: &str, name: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(name)))
}

/// Turns a sea-query build error (a bug: mismatched column and value counts) into a store error.
pub(crate) fn built<T>(r: Result<T, sea_query::error::Error>) -> Result<T, crate::StoreError> {
    r.map_err(|e| crate::StoreError::Other(e.to_string()))
}
