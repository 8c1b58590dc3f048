//! The audit log as use cases see it: one call records an event in the caller's transaction, so an
//! entry exists exactly when its change committed. Field-level diffs mask personal data.
//!
//! Also here: the export (recorded, then read in batches), retention pruning with checkpoints
//! signed by `security.secret_key` (HMAC-SHA256), and verification that checks those signatures.

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use rapport_domain::ids::WorkspaceId;
use rapport_domain::policy::{Action, Resource};
use rapport_store::audit::{
    self, AuditQuery, Checkpoint, Entry, NewEntry, Pruning, Stretch, Verdict,
};
use rapport_store::{Db, StoreError, Tx};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;
use crate::secret::SecretString;

/// What replaces a personal value in a diff.
pub const MASK: &str = "[sensitive]";

/// The longest user agent kept.
const MAX_USER_AGENT: usize = 256;

/// What happened to which object.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// Dotted action name, e.g. `contacts.update`, `auth.login`, `access.denied`.
    pub action: &'a str,
    /// The object's type (`contacts`, `tokens`, `members`...), when there is one.
    pub object_type: Option<&'a str>,
    /// The object's id.
    pub object_id: Option<String>,
    /// Anything else worth keeping (a diff, a reason, a count).
    pub details: Value,
}

impl<'a> Event<'a> {
    /// An event about one object.
    pub fn on(action: &'a str, object_type: &'a str, id: &dyn std::fmt::Display) -> Self {
        Self {
            action,
            object_type: Some(object_type),
            object_id: Some(id.to_string()),
            details: Value::Null,
        }
    }

    /// An event about no particular object.
    pub fn plain(action: &'a str) -> Self {
        Self {
            action,
            object_type: None,
            object_id: None,
            details: Value::Null,
        }
    }

    /// With details.
    pub fn with(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends `event`, made by `ctx`, to `ws`'s chain inside `tx`.
pub async fn record_in(
    tx: &mut Tx,
    ws: WorkspaceId,
    ctx: &Ctx,
    event: Event<'_>,
) -> Result<(), AppError> {
    audit::append(tx, ws, &entry_for(ctx, event)).await?;
    Ok(())
}

/// The entry recording `event` made by `ctx`.
fn entry_for(ctx: &Ctx, event: Event<'_>) -> NewEntry {
    let mut details = event.details;
    if let Some(token) = token_of(ctx) {
        let token = token.to_string();
        match &mut details {
            Value::Object(m) => {
                m.insert("token_id".into(), json!(token));
            }
            Value::Null => details = json!({ "token_id": token }),
            other => details = json!({ "token_id": token, "value": other.take() }),
        }
    }
    NewEntry {
        at: Utc::now(),
        actor_kind: ctx.actor.kind().into(),
        actor_id: ctx.actor.user().map(|u| u.to_string()),
        action: event.action.into(),
        object_type: event.object_type.map(str::to_owned),
        object_id: event.object_id,
        request_id: Some(ctx.request_id.clone()).filter(|r| !r.is_empty()),
        client_request_id: ctx.client.request_id.clone(),
        ip: ctx.client.ip.clone(),
        user_agent: ctx
            .client
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
        details: if details.is_null() {
            "{}".into()
        } else {
            details.to_string()
        },
    }
}

/// Appends `event` to the caller's workspace chain inside `tx`.
pub async fn record(tx: &mut Tx, ctx: &Ctx, event: Event<'_>) -> Result<(), AppError> {
    record_in(tx, ctx.workspace_id, ctx, event).await
}

/// Records `event` in a transaction of its own (events with no data change: a denial, a failed
/// login).
pub async fn record_alone(
    db: &Db,
    ws: WorkspaceId,
    ctx: &Ctx,
    event: Event<'_>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    record_in(&mut tx, ws, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

fn token_of(ctx: &Ctx) -> Option<uuid::Uuid> {
    match ctx.actor {
        crate::ctx::Actor::User { token, .. } => token,
        crate::ctx::Actor::System | crate::ctx::Actor::Anonymous => None,
    }
}

fn masked(key: &str, value: &Value, sensitive: &[&str]) -> Value {
    if sensitive.contains(&key) && !value.is_null() {
        Value::String(MASK.into())
    } else {
        value.clone()
    }
}

/// The fields of a new record, personal values masked.
pub fn snapshot(fields: &Value, sensitive: &[&str]) -> Value {
    match fields {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), masked(k, v, sensitive)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `{field: {before, after}}` for every top-level field that changed, personal values masked
/// (the entry still says that they changed).
pub fn diff(before: &Value, after: &Value, sensitive: &[&str]) -> Value {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
        let old = b.get(key).unwrap_or(&Value::Null);
        let new = a.get(key).unwrap_or(&Value::Null);
        if old != new {
            out.insert(
                key.clone(),
                json!({ "before": masked(key, old, sensitive), "after": masked(key, new, sensitive) }),
            );
        }
    }
    Value::Object(out)
}

/// A page of the caller's workspace audit log, newest first (owners and admins).
pub async fn list(app: &App, ctx: &Ctx, query: &AuditQuery) -> Result<Vec<Entry>, AppError> {
    authorize(app, ctx, Action::Read, Resource::Audit).await?;
    Ok(audit::list(&app.db, ctx.workspace_id, query).await?)
}

/// How many entries an export reads at a time: its memory use, whatever the log's size.
const EXPORT_BATCH: u64 = 1000;

/// Starts an export of the caller's workspace log (owners and admins; a token needs the `admin`
/// scope). The `audit.export` entry, with the filters, is committed before anything is read, and
/// the export ends with that entry: entries written while it streams are left out rather than
/// half-included. `filters`' paging (`before_seq`, `limit`) is ignored.
pub async fn export(app: &App, ctx: &Ctx, filters: &AuditQuery) -> Result<Export, AppError> {
    authorize(app, ctx, Action::Export, Resource::Audit).await?;
    let shown: Map<String, Value> = [
        ("actor_id", json!(filters.actor_id)),
        ("object_type", json!(filters.object_type)),
        ("object_id", json!(filters.object_id)),
        ("action", json!(filters.action)),
        ("from", json!(filters.from)),
        ("to", json!(filters.to)),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_null())
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let event = Event::plain("audit.export").with(json!({ "filters": shown }));
    let mut tx = app.db.begin().await?;
    let seq = audit::append(&mut tx, ctx.workspace_id, &entry_for(ctx, event)).await?;
    tx.commit().await?;
    Ok(Export {
        db: app.db.clone(),
        ws: ctx.workspace_id,
        query: AuditQuery {
            before_seq: Some(seq + 1),
            limit: EXPORT_BATCH,
            ..filters.clone()
        },
        after_seq: 0,
        done: false,
    })
}

/// An export under way: the entries it covers, oldest first, read a batch at a time.
#[derive(Debug)]
pub struct Export {
    db: Db,
    ws: WorkspaceId,
    query: AuditQuery,
    after_seq: i64,
    done: bool,
}

impl Export {
    /// The next batch, oldest first; `None` once every entry was returned.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<Entry>>, AppError> {
        if self.done {
            return Ok(None);
        }
        let batch =
            audit::list_oldest_first(&self.db, self.ws, &self.query, self.after_seq).await?;
        self.done = (batch.len() as u64) < self.query.limit;
        match batch.last() {
            Some(last) => {
                self.after_seq = last.seq;
                Ok(Some(batch))
            }
            None => Ok(None),
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

/// The checkpoint's signature with `key`: HMAC-SHA256 of [`Checkpoint::message`], in hex.
pub fn sign_checkpoint(key: &SecretString, c: &Checkpoint) -> Result<String, AppError> {
    let mut mac = HmacSha256::new_from_slice(key.expose().as_bytes())
        .map_err(|e| AppError::Internal(format!("checkpoint key: {e}")))?;
    mac.update(c.message().as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// Whether the checkpoint's signature is `key`'s (compared in constant time).
pub fn checkpoint_is_authentic(key: &SecretString, c: &Checkpoint) -> bool {
    let (Ok(mut mac), Ok(signature)) = (
        HmacSha256::new_from_slice(key.expose().as_bytes()),
        hex::decode(&c.signature),
    ) else {
        return false;
    };
    mac.update(c.message().as_bytes());
    mac.verify_slice(&signature).is_ok()
}

/// Verifies `ws`'s chain; checkpoints' signatures are checked with `security.secret_key` when one
/// is configured, and a pruned chain is [`Verdict::Unauthenticated`] otherwise.
pub async fn verify(app: &App, ws: WorkspaceId) -> Result<Verdict, AppError> {
    let verdict = match &app.config.security.secret_key {
        Some(key) => {
            let check = |c: &Checkpoint| checkpoint_is_authentic(key, c);
            audit::verify(&app.db, ws, Some(&check)).await?
        }
        None => audit::verify(&app.db, ws, None).await?,
    };
    Ok(verdict)
}

/// Verifies every chain; returns each workspace with its verdict.
pub async fn verify_all(app: &App) -> Result<Vec<(WorkspaceId, Verdict)>, AppError> {
    let mut out = Vec::new();
    for ws in audit::chains(&app.db).await? {
        let ws = WorkspaceId(ws);
        out.push((ws, verify(app, ws).await?));
    }
    Ok(out)
}

/// The retention cutoff `days` days before `now` (the earliest time when that overflows).
pub fn retention_cutoff(now: DateTime<Utc>, days: u64) -> DateTime<Utc> {
    i64::try_from(days)
        .ok()
        .and_then(TimeDelta::try_days)
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// What pruning did to one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pruned {
    /// Nothing old enough (the newest entry always stays), or another prune got there first.
    Nothing,
    /// Entries up to `through` were removed, `entries` of them, and a signed checkpoint written.
    Removed {
        /// How many entries.
        entries: u64,
        /// The last one removed.
        through: i64,
    },
    /// The chain does not verify up to the entries that would go: nothing was removed, so the
    /// break stays visible to `rapport audit verify`.
    Refused {
        /// Where it breaks (an entry, or a checkpoint's seq).
        seq: i64,
        /// Why.
        reason: String,
    },
}

/// Why pruning could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    /// Checkpoints are signed with `security.secret_key`; without it nothing is pruned.
    #[error(
        "pruning the audit log needs security.secret_key to sign its checkpoints (set RAPPORT_SECURITY__SECRET_KEY_FILE); nothing was pruned"
    )]
    NoSecretKey,
    /// The database failed.
    #[error("audit pruning: {0}")]
    Store(#[from] StoreError),
    /// Signing failed.
    #[error("audit pruning: {0}")]
    App(#[from] AppError),
}

/// Prunes every chain (the instance chain included) of its entries older than `cutoff`, each
/// chain in one transaction that also writes its signed checkpoint.
pub async fn prune(
    app: &App,
    cutoff: DateTime<Utc>,
) -> Result<Vec<(WorkspaceId, Pruned)>, PruneError> {
    let key = app
        .config
        .security
        .secret_key
        .as_ref()
        .ok_or(PruneError::NoSecretKey)?;
    let mut out = Vec::new();
    for ws in audit::chains(&app.db).await? {
        let ws = WorkspaceId(ws);
        out.push((ws, prune_chain(&app.db, key, ws, cutoff).await?));
    }
    Ok(out)
}

/// Prunes one chain: verifies what would go (and the checkpoints it starts from), then removes
/// it and writes the checkpoint in one transaction.
async fn prune_chain(
    db: &Db,
    key: &SecretString,
    ws: WorkspaceId,
    cutoff: DateTime<Utc>,
) -> Result<Pruned, PruneError> {
    let Some(through) = audit::prune_point(db, ws, cutoff).await? else {
        return Ok(Pruned::Nothing);
    };
    // Pruning must never bury a break: the checkpoints the chain starts from and the stretch
    // about to go are checked first, and a broken chain is left as it is.
    let checkpoints = audit::checkpoints(db, ws).await?;
    if let Some(c) = checkpoints
        .iter()
        .find(|c| !checkpoint_is_authentic(key, c))
    {
        return Ok(Pruned::Refused {
            seq: c.seq,
            reason: format!(
                "the checkpoint after entry {} is not signed with this secret key (forged, edited, or the key changed)",
                c.seq
            ),
        });
    }
    let hash = match audit::verify_through(db, ws, through).await? {
        Stretch::Intact { hash } => hash,
        Stretch::Broken { seq, reason } => {
            // A concurrent prune moving the chain's start looks like missing entries.
            let latest = audit::checkpoints(db, ws).await?.pop().map(|c| c.seq);
            if latest != checkpoints.last().map(|c| c.seq) {
                return Ok(Pruned::Nothing);
            }
            return Ok(Pruned::Refused {
                seq,
                reason: format!("entry {seq}: {reason}"),
            });
        }
    };
    let mut signed = Ok(());
    let mut tx = db.begin().await?;
    let outcome = audit::prune(&mut tx, ws, through, &hash, cutoff, Utc::now(), |c| {
        sign_checkpoint(key, c).unwrap_or_else(|e| {
            signed = Err(e);
            String::new()
        })
    })
    .await?;
    // Dropping the transaction rolls it back: no unsigned checkpoint is ever committed.
    signed?;
    Ok(match outcome {
        Pruning::Done(c) => {
            tx.commit().await?;
            Pruned::Removed {
                entries: u64::try_from(c.entries).unwrap_or(0),
                through: c.seq,
            }
        }
        Pruning::Gone => Pruned::Nothing,
        Pruning::Changed => Pruned::Refused {
            seq: through,
            reason: format!("entry {through} changed while it was being pruned"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_names_changed_fields_and_masks_personal_ones() {
        let before = json!({"first_name": "Ann", "emails": [{"address": "a@x.io"}], "title": null});
        let after =
            json!({"first_name": "Anne", "emails": [{"address": "b@x.io"}], "title": "CEO"});
        let d = diff(&before, &after, &["emails"]);
        assert_eq!(
            d,
            json!({
                "first_name": {"before": "Ann", "after": "Anne"},
                "emails": {"before": MASK, "after": MASK},
                "title": {"before": null, "after": "CEO"},
            })
        );
    }

    #[test]
    fn diff_of_equal_records_is_empty() {
        let v = json!({"a": 1, "b": [1, 2]});
        assert_eq!(diff(&v, &v, &[]), json!({}));
    }

    fn checkpoint() -> Checkpoint {
        let at = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap_or_default();
        Checkpoint {
            workspace_id: uuid::Uuid::nil(),
            seq: 41,
            hash: "ab".repeat(32),
            pruned_before: at,
            entries: 41,
            created_at: at,
            signature: String::new(),
        }
    }

    #[test]
    fn a_checkpoint_signature_covers_every_field_and_the_key() {
        let key = SecretString::new("k".repeat(40));
        let mut c = checkpoint();
        c.signature = sign_checkpoint(&key, &c).unwrap_or_default();
        assert_eq!(c.signature.len(), 64);
        assert!(checkpoint_is_authentic(&key, &c));
        assert!(!checkpoint_is_authentic(
            &SecretString::new("j".repeat(40)),
            &c
        ));
        let edits: [fn(&mut Checkpoint); 6] = [
            |c| c.workspace_id = uuid::Uuid::from_u128(1),
            |c| c.seq += 1,
            |c| c.hash = "cd".repeat(32),
            |c| c.pruned_before += TimeDelta::milliseconds(1),
            |c| c.entries -= 1,
            |c| c.created_at -= TimeDelta::days(1),
        ];
        for edit in edits {
            let mut forged = c.clone();
            edit(&mut forged);
            assert!(!checkpoint_is_authentic(&key, &forged), "{forged:?}");
        }
        let mut garbled = c;
        garbled.signature = "not hex".into();
        assert!(!checkpoint_is_authentic(&key, &garbled));
    }

    #[test]
    fn the_retention_cutoff_never_overflows() {
        let now = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap_or_default();
        assert_eq!(retention_cutoff(now, 400), now - TimeDelta::days(400));
        assert_eq!(retention_cutoff(now, u64::MAX), DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn snapshot_masks_and_drops_nulls() {
        let v = json!({"notes": "private", "last_name": "Lovelace", "title": null});
        assert_eq!(
            snapshot(&v, &["notes"]),
            json!({"notes": MASK, "last_name": "Lovelace"})
        );
    }
}
