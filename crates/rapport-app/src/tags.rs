//! The tag vocabulary as a shared list: every tag records have carried (records add theirs as
//! they are written, see `rapport_store::tags`; a tag no record holds any more stays, with no
//! usage, until a manager removes it), with usage counts per object, and the changes managers
//! make to it. A rename or a removal reaches every record of every object holding the tag, deleted
//! ones included, in one transaction: each such record gets its new tags, version + 1 and a new
//! search document, and the change is one audit entry. Vocabulary changes apply workspace-wide,
//! whatever the caller's record scope: the vocabulary is shared configuration.

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rapport_domain::objects::time;
use rapport_domain::objects::vocabulary::{TagChange, VocabularyTag};
use rapport_domain::policy::{self, Action, Resource};
use rapport_domain::schema;
use rapport_domain::values::Tag;
use rapport_store::Tx;
use rapport_store::tags::{self as store, Owners, TagRow};
use serde_json::{Value, json};

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;
use crate::records;
use crate::sweeps::{self, Which};

/// The vocabulary's name as roles and token scopes know it.
const OBJECT: &str = "tags";

/// A page of the vocabulary.
#[derive(Debug)]
pub struct TagPage {
    /// Tags in name order, ignoring case.
    pub data: Vec<VocabularyTag>,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<String>,
}

fn bad(parameter: &'static str, message: &str) -> AppError {
    AppError::BadParameter {
        parameter,
        message: message.to_owned(),
    }
}

fn page_size(raw: Option<&str>) -> Result<u64, AppError> {
    match raw {
        None => Ok(50),
        Some(s) => match s.trim().parse::<u64>() {
            Ok(n) if (1..=200).contains(&n) => Ok(n),
            _ => Err(bad("limit", "must be a whole number from 1 to 200")),
        },
    }
}

fn decode_cursor(raw: &str) -> Result<String, AppError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.trim())
        .map_err(|_| bad("cursor", "not a cursor this list gave out"))?;
    String::from_utf8(bytes).map_err(|_| bad("cursor", "not a cursor this list gave out"))
}

/// Live records holding each tag, per tagged object the caller may read, within their record
/// scope.
async fn usage(
    app: &App,
    ctx: &Ctx,
) -> Result<Vec<(&'static str, HashMap<String, i64>)>, AppError> {
    let reach = records::reach(app, ctx).await?;
    let mut out = Vec::new();
    for object in schema::tagged() {
        if policy::check(&ctx.principal, Action::Read, Resource::Records(object.name)).is_err() {
            continue;
        }
        let scope = match (&reach, object.owner) {
            (Some(owners), Some(column)) => Some(Owners { column, owners }),
            _ => None,
        };
        out.push((
            object.name,
            store::usage(&app.db, ctx.workspace_id, object.name, scope).await?,
        ));
    }
    Ok(out)
}

fn shown(row: TagRow, usage: &[(&'static str, HashMap<String, i64>)]) -> VocabularyTag {
    let counts: BTreeMap<String, i64> = usage
        .iter()
        .map(|(object, by_tag)| {
            (
                (*object).to_owned(),
                by_tag.get(&row.name_key).copied().unwrap_or(0),
            )
        })
        .collect();
    VocabularyTag {
        total: counts.values().sum(),
        usage: counts,
        name: row.name,
        color: row.color,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// A page of the vocabulary, each tag with its usage counts.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<TagPage, AppError> {
    authorize(app, ctx, Action::Read, Resource::Records(OBJECT)).await?;
    let limit = page_size(limit)?;
    let after = cursor.map(decode_cursor).transpose()?;
    let mut rows = store::page(&app.db, ctx.workspace_id, after.as_deref(), limit + 1).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rows.last()
            .map(|r| URL_SAFE_NO_PAD.encode(r.name_key.as_bytes()))
    } else {
        None
    };
    let usage = usage(app, ctx).await?;
    Ok(TagPage {
        data: rows.into_iter().map(|r| shown(r, &usage)).collect(),
        next_cursor,
    })
}

/// The vocabulary's tag named `name` (any case), locked for the rest of the write; 404 when
/// there is none.
async fn existing(tx: &mut Tx, ctx: &Ctx, name: &str) -> Result<TagRow, AppError> {
    let Ok(tag) = Tag::parse(name) else {
        return Err(AppError::NotFound);
    };
    // Locked first: a concurrent rename of the same tag waits, then finds it gone.
    if !store::lock(tx, ctx.workspace_id, &tag.key()).await? {
        return Err(AppError::NotFound);
    }
    store::find_for_write(tx, ctx.workspace_id, &tag.key())
        .await?
        .ok_or(AppError::NotFound)
}

/// Replaces the tag keyed `old` with `new` in a record's `tags`, or drops it when the record
/// already holds `new` (whatever its case).
fn retag(doc: &mut Value, old: &str, new: Option<&str>) -> bool {
    let Some(Value::Array(items)) = doc.get_mut("tags") else {
        return false;
    };
    let key = |v: &Value| v.as_str().map(store::key_of);
    let new_key = new.map(store::key_of);
    let already = new_key
        .as_ref()
        .is_some_and(|k| *k != old && items.iter().any(|v| key(v).as_ref() == Some(k)));
    let mut changed = false;
    let mut kept = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        if key(&item).as_deref() != Some(old) {
            kept.push(item);
            continue;
        }
        match new {
            Some(name) if !already => {
                changed |= item.as_str() != Some(name);
                kept.push(Value::String(name.to_owned()));
            }
            _ => changed = true,
        }
    }
    *items = kept;
    changed
}

/// Applies `edit` to the tags of every record holding `name`, object by object; returns the
/// records changed per object.
async fn sweep_all(
    app: &App,
    tx: &mut Tx,
    ctx: &Ctx,
    name: &str,
    edit: sweeps::Edit<'_>,
) -> Result<BTreeMap<&'static str, usize>, AppError> {
    let mut changed = BTreeMap::new();
    for object in schema::tagged() {
        let n = sweeps::sweep_named(
            app,
            tx,
            ctx.workspace_id,
            object.name,
            Which::Tagged(name),
            edit,
        )
        .await?;
        changed.insert(object.name, n);
    }
    Ok(changed)
}

/// Renames (every record holding the tag gets the new name; a name another tag has merges the
/// two, keeping that tag's spelling) and recolours a tag. Returns the tag as it is now.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id))]
pub async fn change(
    app: &App,
    ctx: &Ctx,
    name: &str,
    change: TagChange,
) -> Result<VocabularyTag, AppError> {
    authorize(app, ctx, Action::Update, Resource::Records(OBJECT)).await?;
    let ws = ctx.workspace_id;
    let mut tx = app.db.begin().await?;
    let current = existing(&mut tx, ctx, name).await?;
    let now = time::now_millis();
    let wanted_color = change
        .color
        .clone()
        .map(|c| c.map(|c| c.as_str().to_owned()));
    let mut target: Option<TagRow> = None;
    let final_name = match &change.name {
        None => current.name.clone(),
        Some(new) if new.key() == current.name_key => new.as_str().to_owned(),
        Some(new) => match store::find_for_write(&mut tx, ws, &new.key()).await? {
            Some(other) => {
                let name = other.name.clone();
                target = Some(other);
                name
            }
            None => new.as_str().to_owned(),
        },
    };
    let color = match (&wanted_color, &target) {
        (Some(c), _) => c.clone(),
        (None, Some(t)) => t.color.clone().or_else(|| current.color.clone()),
        (None, None) => current.color.clone(),
    };
    let merged = target.is_some();
    match &target {
        Some(t) => {
            store::remove(&mut tx, ws, &current.name_key).await?;
            store::update(&mut tx, ws, &t.name_key, &t.name, color.as_deref(), now).await?;
        }
        None => {
            store::update(
                &mut tx,
                ws,
                &current.name_key,
                &final_name,
                color.as_deref(),
                now,
            )
            .await?;
        }
    }
    let renamed = final_name != current.name;
    let records = if renamed {
        let old = current.name_key.clone();
        let new = final_name.clone();
        let edit = move |doc: &mut Value| retag(doc, &old, Some(&new));
        sweep_all(app, &mut tx, ctx, &current.name, &edit).await?
    } else {
        BTreeMap::new()
    };
    let action = if renamed {
        "tags.rename"
    } else {
        "tags.update"
    };
    let event = Event::on(action, OBJECT, &current.name).with(json!({
        "from": current.name,
        "to": final_name,
        "merged": merged,
        "color": color,
        "records": records,
    }));
    audit::record(&mut tx, ctx, event).await?;
    let key = store::key_of(&final_name);
    let row = store::find_for_write(&mut tx, ws, &key)
        .await?
        .ok_or_else(|| AppError::Internal("the renamed tag vanished".into()))?;
    tx.commit().await?;
    let usage = usage(app, ctx).await?;
    Ok(shown(row, &usage))
}

/// Removes a tag from the vocabulary and from every record holding it.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id))]
pub async fn delete(app: &App, ctx: &Ctx, name: &str) -> Result<(), AppError> {
    authorize(app, ctx, Action::Delete, Resource::Records(OBJECT)).await?;
    let mut tx = app.db.begin().await?;
    let current = existing(&mut tx, ctx, name).await?;
    store::remove(&mut tx, ctx.workspace_id, &current.name_key).await?;
    let old = current.name_key.clone();
    let edit = move |doc: &mut Value| retag(doc, &old, None);
    let records = sweep_all(app, &mut tx, ctx, &current.name, &edit).await?;
    let event = Event::on("tags.delete", OBJECT, &current.name).with(json!({
        "name": current.name,
        "records": records,
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retagging_replaces_or_drops_whatever_the_case() {
        let mut doc = json!({"tags": ["VIP", "beta"]});
        assert!(retag(&mut doc, "vip", Some("Key account")));
        assert_eq!(doc["tags"], json!(["Key account", "beta"]));
        let mut doc = json!({"tags": ["vip", "Beta"]});
        assert!(retag(&mut doc, "vip", Some("beta")), "onto a tag it has");
        assert_eq!(doc["tags"], json!(["Beta"]));
        let mut doc = json!({"tags": ["vip"]});
        assert!(retag(&mut doc, "vip", Some("VIP")), "a new spelling");
        assert_eq!(doc["tags"], json!(["VIP"]));
        let mut doc = json!({"tags": ["VIP"]});
        assert!(!retag(&mut doc, "vip", Some("VIP")));
        assert!(retag(&mut doc, "vip", None));
        assert_eq!(doc["tags"], json!([]));
        assert!(!retag(&mut json!({"name": "x"}), "vip", None));
    }
}
