//! OpenID Connect sign-ins in flight. The state parameter's digest keys the row; the flow is
//! consumed by the `DELETE ... RETURNING` that reads it, so a state works once.

use chrono::{DateTime, Utc};
use sea_query::{ExprTrait, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n};

/// A sign-in in flight.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Flow {
    /// Digest of the state parameter.
    pub state_hash: String,
    /// The provider's configured name.
    pub provider: String,
    /// Digest of the browser-binding cookie.
    pub browser_hash: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier for the code exchange.
    pub pkce_verifier: String,
    /// The workspace asked for, if any.
    pub workspace_id: Option<Uuid>,
    /// When the flow stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// Stores a flow.
pub async fn start(tx: &mut Tx, f: &Flow) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("oidc_flows")).columns(
        [
            "state_hash",
            "provider",
            "browser_hash",
            "nonce",
            "pkce_verifier",
            "workspace_id",
            "expires_at",
        ]
        .map(n),
    );
    built(q.values([
        f.state_hash.as_str().into(),
        f.provider.as_str().into(),
        f.browser_hash.as_str().into(),
        f.nonce.as_str().into(),
        f.pkce_verifier.as_str().into(),
        f.workspace_id.into(),
        f.expires_at.into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(())
}

/// Consumes the flow with this state digest: returned once, and only while unexpired.
pub async fn take(
    tx: &mut Tx,
    state_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Flow>, StoreError> {
    let q = Query::delete()
        .from_table(n("oidc_flows"))
        .and_where(col("state_hash").eq(state_hash))
        .returning(
            Query::returning().columns(
                [
                    "state_hash",
                    "provider",
                    "browser_hash",
                    "nonce",
                    "pkce_verifier",
                    "workspace_id",
                    "expires_at",
                ]
                .map(n),
            ),
        )
        .to_owned();
    let flow: Option<Flow> = tx.fetch_optional(&q).await?;
    Ok(flow.filter(|f| f.expires_at > now))
}

/// Removes expired flows (maintenance).
pub async fn prune(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(n("oidc_flows"))
        .and_where(col("expires_at").lt(now))
        .to_owned();
    let mut tx = db.begin().await?;
    let n = tx.execute(&q).await?;
    tx.commit().await?;
    Ok(n)
}
