//! Changes that sweep across many records of several objects inside one transaction (a merge
//! moving what pointed at the merged record, a tag renamed everywhere), written once: records are
//! read in pages in id order (keyset, so a large workspace never loads at once), edited as the
//! API shows their fields, parsed again like any write, and stored with the shared store
//! functions, so versions, side rows, the tag vocabulary and search documents all follow.
//! Deleted records are swept too, so restoring one brings back nothing stale.

use rapport_domain::filter::Op;
use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::{
    Activity, Appointment, Campaign, Case, Company, Contact, Deal, Document, Lead, Pipeline,
    Project, Task, time,
};
use rapport_domain::query::{Scalar, TypedCond, TypedExpr, TypedValue};
use rapport_store::merges::Pointer;
use rapport_store::records::{self as rows, Selection};
use rapport_store::{StoreError, Tx};
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::error::AppError;
use crate::records::Object;

/// Records read per page of a sweep.
const PAGE: u64 = 200;

/// Which records of an object a sweep visits.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Which<'a> {
    /// Those whose `pointers` point at this record.
    PointingAt(&'a [Pointer], Uuid),
    /// Those holding this tag (compared ignoring case).
    Tagged(&'a str),
    /// Those meeting a checked filter (a custom record-reference field equal to an id).
    Matching(&'a TypedExpr),
}

/// An edit of a record's fields (as the API shows them); `false` when it changes nothing.
pub(crate) type Edit<'a> = &'a (dyn Fn(&mut Value) -> bool + Send + Sync);

fn tag_condition<O: Object>(tag: &str) -> Result<TypedExpr, AppError> {
    let field = O::SCHEMA
        .field("tags")
        .ok_or_else(|| AppError::Internal(format!("{} records have no tags", O::SCHEMA.name)))?;
    Ok(TypedExpr::Cond(TypedCond {
        field: field.into(),
        op: Op::Contains,
        value: TypedValue::One(Scalar::Text(tag.to_owned())),
    }))
}

/// Applies `edit` to every record of `O` that `which` selects; returns how many changed. Each
/// changed record gets version + 1 and `updated_at` now.
pub(crate) async fn sweep<O: Object>(
    app: &App,
    tx: &mut Tx,
    ws: WorkspaceId,
    which: Which<'_>,
    edit: Edit<'_>,
) -> Result<usize, AppError> {
    let tagged = match which {
        Which::Tagged(tag) => Some(tag_condition::<O>(tag)?),
        Which::PointingAt(..) | Which::Matching(_) => None,
    };
    let selection = match (which, &tagged) {
        (Which::PointingAt(pointers, target), _) => Selection::PointingAt(pointers, target),
        (Which::Tagged(_), Some(expr)) | (Which::Matching(expr), _) => Selection::Matching(expr),
        (Which::Tagged(_), None) => return Ok(0),
    };
    let now = time::now_millis();
    let mut after = None;
    let mut changed = 0;
    loop {
        let page = rows::page_where::<O::Table>(tx, ws, selection, after, PAGE).await?;
        let full = page.len() as u64 == PAGE;
        after = page.last().map(|(r, _)| r.id());
        for (record, deleted) in page {
            let mut doc = serde_json::to_value(record.fields())
                .map_err(|e| AppError::Internal(e.to_string()))?;
            if !edit(&mut doc) {
                continue;
            }
            // Stored fields parse (they were written through the same parser): a failure here
            // is a bug, not the caller's input.
            let draft = O::parse(app, doc).map_err(|errors| {
                AppError::Internal(format!(
                    "{} {} does not parse after a sweep: {errors:?}",
                    O::SCHEMA.name,
                    record.id()
                ))
            })?;
            let version = record.version();
            let next = record.revised(draft, now);
            match rows::rewrite::<O::Table>(tx, ws, &next, version, deleted).await {
                Ok(()) => changed += 1,
                Err(StoreError::VersionMismatch) => {
                    return Err(AppError::Unavailable(
                        "records changed while they were being updated; retry".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !full {
            return Ok(changed);
        }
    }
}

/// [`sweep`] for the object named `object` (its API name).
pub(crate) async fn sweep_named(
    app: &App,
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
    which: Which<'_>,
    edit: Edit<'_>,
) -> Result<usize, AppError> {
    match object {
        "contacts" => sweep::<Contact>(app, tx, ws, which, edit).await,
        "companies" => sweep::<Company>(app, tx, ws, which, edit).await,
        "pipelines" => sweep::<Pipeline>(app, tx, ws, which, edit).await,
        "deals" => sweep::<Deal>(app, tx, ws, which, edit).await,
        "leads" => sweep::<Lead>(app, tx, ws, which, edit).await,
        "activities" => sweep::<Activity>(app, tx, ws, which, edit).await,
        "tasks" => sweep::<Task>(app, tx, ws, which, edit).await,
        "appointments" => sweep::<Appointment>(app, tx, ws, which, edit).await,
        "cases" => sweep::<Case>(app, tx, ws, which, edit).await,
        "campaigns" => sweep::<Campaign>(app, tx, ws, which, edit).await,
        "projects" => sweep::<Project>(app, tx, ws, which, edit).await,
        "documents" => sweep::<Document>(app, tx, ws, which, edit).await,
        other => Err(AppError::Internal(format!(
            "no sweep is known for {other} records"
        ))),
    }
}

/// Replaces every occurrence of `from` (as a string, the way ids appear in fields) with `to`,
/// dropping the duplicates that makes in a list (a record linked to both); `true` when anything
/// changed.
pub(crate) fn replace_id(doc: &mut Value, from: Uuid, to: Uuid) -> bool {
    let from = from.to_string();
    let to = to.to_string();
    replace_in(doc, &from, &to)
}

fn replace_in(doc: &mut Value, from: &str, to: &str) -> bool {
    match doc {
        Value::String(s) if s.eq_ignore_ascii_case(from) => {
            *s = to.to_owned();
            true
        }
        Value::Array(items) => {
            let mut changed = false;
            for item in items.iter_mut() {
                changed |= replace_in(item, from, to);
            }
            if changed {
                let mut kept: Vec<Value> = Vec::with_capacity(items.len());
                for item in items.drain(..) {
                    if !kept.contains(&item) {
                        kept.push(item);
                    }
                }
                *items = kept;
            }
            changed
        }
        Value::Object(map) => {
            let mut changed = false;
            for v in map.values_mut() {
                changed |= replace_in(v, from, to);
            }
            changed
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_replaced_everywhere_and_lists_lose_the_duplicates() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut doc = json!({
            "contact_id": a.to_string(),
            "links": [{"type": "contacts", "id": a.to_string()}, {"type": "contacts", "id": b.to_string()}],
            "attendees": {"contacts": [a.to_string(), c.to_string()]},
            "title": "about someone",
        });
        assert!(replace_id(&mut doc, a, b));
        assert_eq!(doc["contact_id"], b.to_string());
        assert_eq!(
            doc["links"],
            json!([{"type": "contacts", "id": b.to_string()}])
        );
        assert_eq!(
            doc["attendees"]["contacts"],
            json!([b.to_string(), c.to_string()])
        );
        assert!(!replace_id(&mut doc, a, b), "nothing left to replace");
    }
}
