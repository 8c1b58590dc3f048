//! The e-mail outbox: messages written in the transaction of the event that causes them, then
//! claimed one at a time by a sender under a lease, and marked sent, rescheduled or failed. Every
//! outcome write is conditional on the lease, so a sender that lost its message to another (its
//! lease ran out) cannot record a second outcome for it.

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use uuid::Uuid;

use crate::db::{Backend, Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n};

const TABLE: &str = "email_outbox";

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// The workspace it belongs to; `None` for account messages.
    pub workspace_id: Option<WorkspaceId>,
    /// What it is (`invitation`, `password_reset`...), for operators and metrics.
    pub kind: &'a str,
    /// The address it goes to.
    pub recipient: &'a str,
    /// Its subject line.
    pub subject: &'a str,
    /// The plain-text body.
    pub text_body: &'a str,
    /// The HTML body.
    pub html_body: &'a str,
}

/// A message a sender holds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    /// Its id, also its `Message-ID`, so a receiver can tell a repeat.
    pub id: Uuid,
    /// What it is.
    pub kind: String,
    /// The address it goes to.
    pub recipient: String,
    /// Its subject line.
    pub subject: String,
    /// The plain-text body.
    pub text_body: Option<String>,
    /// The HTML body.
    pub html_body: Option<String>,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// A message as an operator sees it (no bodies).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    /// Its id.
    pub id: Uuid,
    /// What it is.
    pub kind: String,
    /// The address it goes to.
    pub recipient: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When the next attempt is due (queued messages).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the SMTP server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// Whether its bodies are still kept (only until it is sent or fails: they hold links).
    pub has_body: bool,
}

/// Queues a message inside the transaction of the event that causes it.
pub async fn enqueue(
    tx: &mut Tx,
    m: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let mut q = Query::insert();
    q.into_table(n(TABLE)).columns(
        [
            "id",
            "workspace_id",
            "kind",
            "recipient",
            "subject",
            "text_body",
            "html_body",
            "status",
            "next_attempt_at",
            "created_at",
        ]
        .map(n),
    );
    built(q.values([
        id.into(),
        m.workspace_id.map(|w| w.0).into(),
        m.kind.into(),
        m.recipient.into(),
        m.subject.into(),
        m.text_body.into(),
        m.html_body.into(),
        "queued".into(),
        now.into(),
        now.into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(id)
}

/// Claims the queued message due first (or one whose sender's lease ran out) for `owner` until
/// `lease_until`, counting the attempt. On PostgreSQL the candidate is locked with `SKIP
/// LOCKED`, so instances claim different messages; SQLite's single writer serialises claims.
pub async fn claim(
    db: &Db,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Claimed>, StoreError> {
    let mut tx = db.begin().await?;
    let mut q = Query::select()
        .column(n("id"))
        .from(n(TABLE))
        .and_where(col("status").eq("queued"))
        .and_where(col("next_attempt_at").lte(now))
        .and_where(col("lease_until").is_null().or(col("lease_until").lt(now)))
        .order_by(n("next_attempt_at"), Order::Asc)
        .limit(1)
        .to_owned();
    if tx.backend() == Backend::Postgres {
        q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some((id,)) = tx.fetch_optional::<(Uuid,)>(&q).await? else {
        return Ok(None);
    };
    let up = Query::update()
        .table(n(TABLE))
        .value(n("lease_owner"), owner)
        .value(n("lease_until"), lease_until)
        .value(n("attempts"), col("attempts").add(1))
        .and_where(col("id").eq(id))
        .returning(
            Query::returning().columns(
                [
                    "id",
                    "kind",
                    "recipient",
                    "subject",
                    "text_body",
                    "html_body",
                    "attempts",
                ]
                .map(n),
            ),
        )
        .to_owned();
    let row = tx.fetch_optional(&up).await?;
    tx.commit().await?;
    Ok(row)
}

/// What became of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The SMTP server accepted the message.
    Sent,
    /// It failed; try again at this time.
    Retry(&'a str, DateTime<Utc>),
    /// It failed for good (refused recipient, or out of attempts).
    Failed(&'a str),
}

/// Records the outcome of `owner`'s attempt; false when its lease was taken over meanwhile.
pub async fn settle(
    db: &Db,
    id: Uuid,
    owner: &str,
    outcome: Outcome<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table(n(TABLE))
        .value(n("lease_owner"), Option::<String>::None)
        .value(n("lease_until"), Option::<DateTime<Utc>>::None)
        .and_where(col("id").eq(id))
        .and_where(col("lease_owner").eq(owner))
        .and_where(col("status").eq("queued"));
    match outcome {
        Outcome::Sent => {
            q.value(n("status"), "sent")
                .value(n("sent_at"), now)
                .value(n("last_error"), Option::<String>::None);
        }
        Outcome::Retry(error, at) => {
            q.value(n("last_error"), error)
                .value(n("next_attempt_at"), at);
        }
        Outcome::Failed(error) => {
            q.value(n("status"), "failed").value(n("last_error"), error);
        }
    }
    if !matches!(outcome, Outcome::Retry(..)) {
        // The bodies carry one-time links: once the message left the queue they are not kept.
        q.value(n("text_body"), Option::<String>::None)
            .value(n("html_body"), Option::<String>::None);
    }
    let mut tx = db.begin().await?;
    let changed = tx.execute(&q).await?;
    tx.commit().await?;
    Ok(changed == 1)
}

/// Lets go of every message `owner` holds (a sender stopping), so another sends them at once.
pub async fn release(db: &Db, owner: &str) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n(TABLE))
        .value(n("lease_owner"), Option::<String>::None)
        .value(n("lease_until"), Option::<DateTime<Utc>>::None)
        .and_where(col("lease_owner").eq(owner))
        .to_owned();
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes sent and failed messages queued before `before`; returns how many.
pub async fn prune(db: &Db, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(n(TABLE))
        .and_where(col("status").ne("queued"))
        .and_where(col("created_at").lt(before))
        .to_owned();
    let mut tx = db.begin().await?;
    let removed = tx.execute(&q).await?;
    tx.commit().await?;
    Ok(removed)
}

/// The most recent messages, newest first (tests and diagnostics).
pub async fn recent(db: &Db, limit: u64) -> Result<Vec<MessageRow>, StoreError> {
    let q = Query::select()
        .columns(
            [
                "id",
                "kind",
                "recipient",
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
                "sent_at",
            ]
            .map(n),
        )
        .expr_as(Expr::col(n("text_body")).is_not_null(), n("has_body"))
        .from(n(TABLE))
        .order_by(n("id"), Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&q).await
}

/// How many messages wait in the queue, and when the oldest of them was queued.
pub async fn backlog(db: &Db) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    let q = Query::select()
        .expr(Expr::col(n("id")).count())
        .expr(Expr::col(n("created_at")).min())
        .from(n(TABLE))
        .and_where(col("status").eq("queued"))
        .to_owned();
    Ok(db
        .fetch_optional::<(i64, Option<DateTime<Utc>>)>(&q)
        .await?
        .unwrap_or((0, None)))
}
