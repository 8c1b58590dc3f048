//! Small helpers for writing sea-query statements by column name.

use sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};

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

/// What authenticating any credential (session or token) reads beside the credential row
/// `alias`: the user's role in the credential's workspace (an inner join: no membership, no
/// access), whether the user is disabled, and what the workspace's MFA requirement needs.
pub(crate) fn with_owner(q: &mut SelectStatement, alias: &str) {
    q.expr_as(tcol("m", "role"), n("role"))
        .expr_as(tcol("u", "disabled_at"), n("disabled_at"))
        .expr_as(tcol("w", "require_mfa"), n("require_mfa"))
        .expr_as(tcol("ut", "confirmed_at"), n("mfa_confirmed_at"))
        .expr_as(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(n("passkeys"))
                    .and_where(tcol("passkeys", "user_id").equals((n(alias), n("user_id"))))
                    .to_owned(),
            ),
            n("has_passkey"),
        )
        .join_as(
            JoinType::InnerJoin,
            n("workspaces"),
            n("w"),
            tcol("w", "id").equals((n(alias), n("workspace_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            n("user_totp"),
            n("ut"),
            tcol("ut", "user_id").equals((n(alias), n("user_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            n("users"),
            n("u"),
            tcol("u", "id").equals((n(alias), n("user_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            n("memberships"),
            n("m"),
            tcol("m", "user_id")
                .equals((n(alias), n("user_id")))
                .and(tcol("m", "workspace_id").equals((n(alias), n("workspace_id")))),
        );
}
