//! `GET /{object}/{id}/timeline`: what happened to a record (activities, tasks, stage moves
//! and changes) newest first, for callers who may read the record; activities only for roles that
//! may read activities. A company's rolls up its contacts' and deals' activities, tasks and
//! stage moves.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rapport_domain::objects::{Activity, Company, Contact, Deal, Lead, Project, Task};
use rapport_domain::policy::{self, Action, Resource};
use rapport_domain::query;
use rapport_store::timeline::{self, Entry, Position, Subject};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records;

/// The objects that have a timeline.
pub const OBJECTS: &[&str] = &["contacts", "companies", "deals", "leads", "projects"];

/// A page of a timeline.
#[derive(Debug)]
pub struct TimelinePage {
    /// Entries, newest first: `{"type", "at", "id", ...}`.
    pub data: Vec<Value>,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<String>,
}

fn bad_cursor() -> AppError {
    AppError::BadParameter {
        parameter: "cursor",
        message: "not a cursor this timeline gave out".into(),
    }
}

fn decode(raw: &str) -> Result<Position, AppError> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?;
    serde_json::from_slice(&bytes).map_err(|_| bad_cursor())
}

fn encode(p: &Position) -> Result<String, AppError> {
    let bytes = serde_json::to_vec(p).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn at(p: &Position) -> String {
    p.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn entry_json(p: &Position, e: Entry) -> Result<Value, AppError> {
    Ok(match e {
        Entry::Activity(a) => json!({
            "type": "activity", "at": at(p), "id": a.id,
            "activity": serde_json::to_value(&*a).map_err(|e| AppError::Internal(e.to_string()))?,
        }),
        Entry::Task(t) => json!({
            "type": "task", "at": at(p), "id": t.id,
            "task": serde_json::to_value(&*t).map_err(|e| AppError::Internal(e.to_string()))?,
        }),
        Entry::StageMove {
            deal_id,
            from_stage_id,
            to_stage_id,
            actor,
        } => json!({
            "type": "stage_move", "at": at(p), "id": p.id, "deal_id": deal_id,
            "from_stage_id": from_stage_id, "to_stage_id": to_stage_id, "actor": actor,
        }),
        Entry::Change {
            action,
            actor_kind,
            actor_id,
            details,
        } => json!({
            "type": "change", "at": at(p), "id": p.id.trim_start_matches('0'),
            "action": action, "actor_kind": actor_kind, "actor_id": actor_id,
            "details": serde_json::from_str::<Value>(&details).unwrap_or(Value::Null),
        }),
    })
}

/// A page of the timeline of record `id` of `object`.
pub async fn page(
    app: &App,
    ctx: &Ctx,
    object: &str,
    id: Uuid,
    cursor: Option<&str>,
    limit: Option<&str>,
) -> Result<TimelinePage, AppError> {
    // Reading the record decides access: a record out of reach answers 404 like a missing one.
    match object {
        "contacts" => drop(records::get::<Contact>(app, ctx, id).await?),
        "companies" => drop(records::get::<Company>(app, ctx, id).await?),
        "deals" => drop(records::get::<Deal>(app, ctx, id).await?),
        "leads" => drop(records::get::<Lead>(app, ctx, id).await?),
        "projects" => drop(records::get::<Project>(app, ctx, id).await?),
        _ => return Err(AppError::NotFound),
    }
    let limit = query::parse_limit(limit).map_err(|m| AppError::BadParameter {
        parameter: "limit",
        message: m,
    })?;
    let from = cursor.map(decode).transpose()?;
    // A filter, not a gate: asking the pure policy leaves no "access denied" entry behind.
    let activities = policy::check(
        &ctx.principal,
        Action::Read,
        Resource::Records(<Activity as records::Object>::SCHEMA.name),
    )
    .is_ok();
    let tasks = policy::check(
        &ctx.principal,
        Action::Read,
        Resource::Records(<Task as records::Object>::SCHEMA.name),
    )
    .is_ok();
    let limit = usize::try_from(limit).unwrap_or(50);
    let who = Subject {
        object,
        record: id,
        roll_up: records::reach(app, ctx).await?.is_none(),
    };
    let (entries, more) =
        timeline::page(&app.db, ctx.workspace_id, who, from.as_ref(), limit).await?;
    let last = entries.last().map(|(p, _)| p.clone());
    let mut data = Vec::with_capacity(entries.len());
    for (p, e) in entries {
        if (matches!(e, Entry::Activity(_)) && !activities)
            || (matches!(e, Entry::Task(_)) && !tasks)
        {
            continue;
        }
        data.push(entry_json(&p, e)?);
    }
    let next_cursor = match (more, last) {
        (true, Some(p)) => Some(encode(&p)?),
        _ => None,
    };
    Ok(TimelinePage { data, next_cursor })
}
