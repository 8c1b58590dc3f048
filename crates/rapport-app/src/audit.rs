//! The audit log as use cases see it: one call records an event in the caller's transaction, so an
//! entry exists exactly when its change committed. Field-level diffs mask personal data.

use chrono::Utc;
use rapport_domain::ids::WorkspaceId;
use rapport_domain::policy::{Action, Resource};
use rapport_store::audit::{self, AuditQuery, Entry, NewEntry, Verdict};
use rapport_store::{Db, Tx};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;

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
    let entry = NewEntry {
        at: Utc::now(),
        actor_kind: ctx.actor.kind().into(),
        actor_id: ctx.actor.user().map(|u| u.to_string()),
        action: event.action.into(),
        object_type: event.object_type.map(str::to_owned),
        object_id: event.object_id,
        request_id: Some(ctx.request_id.clone()).filter(|r| !r.is_empty()),
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
    };
    audit::append(tx, ws, &entry).await?;
    Ok(())
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

/// Verifies every chain; returns each workspace with its verdict.
pub async fn verify_all(db: &Db) -> Result<Vec<(WorkspaceId, Verdict)>, AppError> {
    let mut out = Vec::new();
    for ws in audit::chains(db).await? {
        let ws = WorkspaceId(ws);
        out.push((ws, audit::verify(db, ws).await?));
    }
    Ok(out)
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

    #[test]
    fn snapshot_masks_and_drops_nulls() {
        let v = json!({"notes": "private", "last_name": "Lovelace", "title": null});
        assert_eq!(
            snapshot(&v, &["notes"]),
            json!({"notes": MASK, "last_name": "Lovelace"})
        );
    }
}
