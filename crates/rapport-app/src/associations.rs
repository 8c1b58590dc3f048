//! Associations between records (`/{object}/{id}/associations/{other_object}/{other_id}`, with
//! an optional label) and `expand=`, which embeds associated and referenced records one level
//! deep. Both ends must be records the caller may read; changing an association needs the right
//! to update the record it is made from, and is audited on it (so it shows on its timeline).

use std::collections::HashMap;

use rapport_domain::objects::{Case, Company, Contact, Deal, Lead, Pipeline, Project, time};
use rapport_domain::policy::{Action, Resource};
use rapport_domain::validation::FieldError;
use rapport_store::associations::{self as store, Association, End};
use rapport_store::records::find_many;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;
use crate::records::{self, Object};

/// The objects whose records can be associated with each other.
pub const ASSOCIABLE: &[&str] = &[
    "contacts",
    "companies",
    "deals",
    "leads",
    "cases",
    "projects",
];

/// Most associated records `expand` embeds per object.
const EXPAND_LIMIT: u64 = 100;

/// Longest label.
const MAX_LABEL: usize = 100;

fn visible<O: Object>(ctx: &Ctx, record: &O) -> Result<Value, AppError> {
    let mut v = serde_json::to_value(record).map_err(|e| AppError::Internal(e.to_string()))?;
    if !ctx.principal.pii_read()
        && let Value::Object(m) = &mut v
    {
        for k in O::SCHEMA.sensitive {
            m.remove(*k);
        }
    }
    Ok(v)
}

async fn read<O: Object>(app: &App, ctx: &Ctx, id: Uuid) -> Result<Value, AppError> {
    let r: O = records::get(app, ctx, id).await?;
    visible(ctx, &r)
}

/// A record of `object` as the caller may see it (404 when missing or out of reach).
pub async fn record_json(app: &App, ctx: &Ctx, object: &str, id: Uuid) -> Result<Value, AppError> {
    match object {
        "contacts" => read::<Contact>(app, ctx, id).await,
        "companies" => read::<Company>(app, ctx, id).await,
        "deals" => read::<Deal>(app, ctx, id).await,
        "leads" => read::<Lead>(app, ctx, id).await,
        "cases" => read::<Case>(app, ctx, id).await,
        "projects" => read::<Project>(app, ctx, id).await,
        "pipelines" => read::<Pipeline>(app, ctx, id).await,
        _ => Err(AppError::NotFound),
    }
}

/// Of `ids`, the records of `object` the caller may read, as they may see them: one query per
/// object, not one per record.
async fn readable_many<O: Object>(
    app: &App,
    ctx: &Ctx,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Value>, AppError> {
    // A filter, not a gate: a role that may not read the object sees none of its records.
    if ids.is_empty()
        || rapport_domain::policy::check(
            &ctx.principal,
            Action::Read,
            Resource::Records(O::SCHEMA.name),
        )
        .is_err()
    {
        return Ok(HashMap::new());
    }
    let reach = records::reach(app, ctx).await?;
    let mut out = HashMap::new();
    for r in find_many::<O::Table>(&app.db, ctx.workspace_id, ids).await? {
        let fields =
            serde_json::to_value(r.fields()).map_err(|e| AppError::Internal(e.to_string()))?;
        if records::within(O::SCHEMA, &fields, reach.as_deref()) {
            out.insert(r.id(), visible(ctx, &r)?);
        }
    }
    Ok(out)
}

/// The readable records among associations, keyed by (object, id).
async fn readable(
    app: &App,
    ctx: &Ctx,
    found: &[Association],
) -> Result<HashMap<(String, Uuid), Value>, AppError> {
    let mut out = HashMap::new();
    for object in ASSOCIABLE {
        let ids: Vec<Uuid> = found
            .iter()
            .filter(|a| a.to_type == *object)
            .map(|a| a.to_id)
            .collect();
        let got = match *object {
            "contacts" => readable_many::<Contact>(app, ctx, &ids).await?,
            "companies" => readable_many::<Company>(app, ctx, &ids).await?,
            "deals" => readable_many::<Deal>(app, ctx, &ids).await?,
            "leads" => readable_many::<Lead>(app, ctx, &ids).await?,
            "cases" => readable_many::<Case>(app, ctx, &ids).await?,
            _ => readable_many::<Project>(app, ctx, &ids).await?,
        };
        out.extend(
            got.into_iter()
                .map(|(id, v)| (((*object).to_owned(), id), v)),
        );
    }
    Ok(out)
}

fn associable(object: &str) -> Result<(), AppError> {
    if ASSOCIABLE.contains(&object) {
        Ok(())
    } else {
        Err(AppError::NoSuchObject(format!(
            "'{object}' has no associations; objects: {}",
            ASSOCIABLE.join(", ")
        )))
    }
}

fn shown(a: &Association) -> Value {
    json!({
        "type": a.to_type, "id": a.to_id, "label": a.label,
        "created_at": a.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

fn label_of(body: &Value) -> Result<Option<String>, AppError> {
    let bad = |code: &str, message: &str| {
        AppError::Validation(vec![FieldError {
            pointer: "/label".into(),
            code: code.into(),
            message: message.into(),
        }])
    };
    let Value::Object(m) = body else {
        return Err(AppError::Validation(vec![FieldError {
            pointer: "/".into(),
            code: "invalid_type".into(),
            message: "the body is an object, e.g. {\"label\": \"decision_maker\"} or {}".into(),
        }]));
    };
    if let Some(k) = m.keys().find(|k| *k != "label") {
        return Err(AppError::Validation(vec![FieldError {
            pointer: format!("/{k}"),
            code: "unknown_field".into(),
            message: format!("'{k}' is not a field of an association"),
        }]));
    }
    match m.get("label") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.is_empty() {
                Ok(None)
            } else if t.chars().count() > MAX_LABEL || t.chars().any(char::is_control) {
                Err(bad(
                    "invalid_format",
                    "a label is one line of at most 100 characters",
                ))
            } else {
                Ok(Some(t.to_owned()))
            }
        }
        Some(_) => Err(bad("invalid_type", "must be a string")),
    }
}

/// Creates or relabels the association; `true` when it is new.
pub async fn put(
    app: &App,
    ctx: &Ctx,
    (object, id): (&str, Uuid),
    (other, other_id): (&str, Uuid),
    body: &Value,
) -> Result<(bool, Value), AppError> {
    associable(object)?;
    associable(other)?;
    authorize(
        app,
        ctx,
        Action::Update,
        Resource::Records(records::static_name(object)?),
    )
    .await?;
    record_json(app, ctx, object, id).await?;
    record_json(app, ctx, other, other_id).await?;
    if object == other && id == other_id {
        return Err(AppError::Validation(vec![FieldError {
            pointer: "/".into(),
            code: "same_record".into(),
            message: "a record cannot be associated with itself".into(),
        }]));
    }
    let label = label_of(body)?;
    let a = End { object, id };
    let b = End {
        object: other,
        id: other_id,
    };
    let mut tx = app.db.begin().await?;
    let created = store::put(
        &mut tx,
        ctx.workspace_id,
        a,
        b,
        label.as_deref(),
        time::now_millis(),
    )
    .await?;
    let event = Event::on("associations.put", object, &id).with(json!({
        "other_type": other, "other_id": other_id, "label": label, "created": created,
    }));
    audit::record(&mut tx, ctx, event).await?;
    let stored = store::get(&mut tx, ctx.workspace_id, a, b)
        .await?
        .ok_or_else(|| AppError::Internal("association vanished".into()))?;
    tx.commit().await?;
    Ok((created, shown(&stored)))
}

/// The association between two records.
pub async fn get(
    app: &App,
    ctx: &Ctx,
    (object, id): (&str, Uuid),
    (other, other_id): (&str, Uuid),
) -> Result<Value, AppError> {
    associable(object)?;
    associable(other)?;
    record_json(app, ctx, object, id).await?;
    record_json(app, ctx, other, other_id).await?;
    let mut tx = app.db.begin().await?;
    let a = store::get(
        &mut tx,
        ctx.workspace_id,
        End { object, id },
        End {
            object: other,
            id: other_id,
        },
    )
    .await?;
    drop(tx);
    a.map(|a| shown(&a)).ok_or(AppError::NotFound)
}

/// Removes the association between two records (404 when there is none).
pub async fn delete(
    app: &App,
    ctx: &Ctx,
    (object, id): (&str, Uuid),
    (other, other_id): (&str, Uuid),
) -> Result<(), AppError> {
    associable(object)?;
    associable(other)?;
    authorize(
        app,
        ctx,
        Action::Update,
        Resource::Records(records::static_name(object)?),
    )
    .await?;
    record_json(app, ctx, object, id).await?;
    let mut tx = app.db.begin().await?;
    let removed = store::delete(
        &mut tx,
        ctx.workspace_id,
        End { object, id },
        End {
            object: other,
            id: other_id,
        },
    )
    .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    let event = Event::on("associations.delete", object, &id)
        .with(json!({ "other_type": other, "other_id": other_id }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// A record's associations (with records of `other` only, when given) that the caller may read.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    (object, id): (&str, Uuid),
    other: Option<&str>,
) -> Result<Vec<Value>, AppError> {
    associable(object)?;
    if let Some(o) = other {
        associable(o)?;
    }
    record_json(app, ctx, object, id).await?;
    let found = store::of(&app.db, ctx.workspace_id, End { object, id }, other, 1_000).await?;
    // An associated record the caller may not read is left out, not revealed.
    let seen = readable(app, ctx, &found).await?;
    Ok(found
        .iter()
        .filter(|a| seen.contains_key(&(a.to_type.clone(), a.to_id)))
        .map(shown)
        .collect())
}

/// The plural object a singular reference field names (`company_id` → `companies`).
fn referenced(name: &str) -> Option<&'static str> {
    Some(match name {
        "company" => "companies",
        "contact" => "contacts",
        "deal" => "deals",
        "pipeline" => "pipelines",
        "lead" => "leads",
        "project" => "projects",
        _ => return None,
    })
}

/// Adds `"expanded": {name: record or [records]}` to a record: a singular name (`company`)
/// embeds the record its `<name>_id` field points at; a plural object name (`deals`) embeds
/// the associated records of that object (at most 100), each with its association label.
pub async fn expand(
    app: &App,
    ctx: &Ctx,
    object: &str,
    mut record: Value,
    names: &[String],
) -> Result<Value, AppError> {
    let id = record
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| AppError::Internal("a record without an id".into()))?;
    let mut expanded = Map::new();
    for name in names {
        if let Some(target) = referenced(name) {
            let key = format!("{name}_id");
            let Some(field) = record.get(&key) else {
                return Err(bad_expand(name, object));
            };
            let value = match field.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                // A reference the caller may not follow embeds nothing, like a missing one.
                Some(rid) => record_json(app, ctx, target, rid)
                    .await
                    .unwrap_or(Value::Null),
                None => Value::Null,
            };
            expanded.insert(name.clone(), value);
        } else if ASSOCIABLE.contains(&name.as_str()) && ASSOCIABLE.contains(&object) {
            let found = store::of(
                &app.db,
                ctx.workspace_id,
                End { object, id },
                Some(name),
                EXPAND_LIMIT,
            )
            .await?;
            let mut seen = readable(app, ctx, &found).await?;
            let mut items = Vec::with_capacity(found.len());
            for a in &found {
                if let Some(mut r) = seen.remove(&(a.to_type.clone(), a.to_id)) {
                    if let Value::Object(m) = &mut r {
                        m.insert("association_label".into(), json!(a.label));
                    }
                    items.push(r);
                }
            }
            expanded.insert(name.clone(), Value::Array(items));
        } else {
            return Err(bad_expand(name, object));
        }
    }
    if let Value::Object(m) = &mut record {
        m.insert("expanded".into(), Value::Object(expanded));
    }
    Ok(record)
}

fn bad_expand(name: &str, object: &str) -> AppError {
    AppError::BadParameter {
        parameter: "expand",
        message: format!(
            "'{name}' cannot be expanded on {object}: name a reference (company, contact, deal, \
             pipeline, lead, project) the record has, or an associated object ({})",
            ASSOCIABLE.join(", ")
        ),
    }
}
