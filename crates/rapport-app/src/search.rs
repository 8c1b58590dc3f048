//! Search across objects: ranked hits from the store's index, loaded as records. Only objects
//! the caller may read are searched, only records within their record scope are returned, and
//! objects whose search text holds personal data (contacts' and leads' emails and phones,
//! activities' bodies) are searched only for roles that may see personal fields.

use std::collections::HashMap;

use rapport_domain::objects::{Activity, Case, Company, Contact, Deal, Lead, Project, Task};
use rapport_domain::policy::{Action, Resource};
use rapport_store::records::find_many;
use rapport_store::search::{self, Hit};
use serde::Serialize;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;
use crate::records::{Object, reach, within};

/// The object types search covers, with their index type, and whether their search text holds
/// personal data.
const SEARCHED: &[(&str, &str, bool)] = &[
    ("contacts", search::CONTACT, true),
    ("companies", search::COMPANY, false),
    ("deals", search::DEAL, false),
    ("leads", search::LEAD, true),
    ("tasks", search::TASK, false),
    ("cases", search::CASE, false),
    ("projects", search::PROJECT, false),
    ("activities", search::ACTIVITY, true),
];

/// The object types search covers.
pub const TYPES: &[&str] = &[
    "contacts",
    "companies",
    "deals",
    "leads",
    "tasks",
    "cases",
    "projects",
    "activities",
];

/// One result: the record and its rank.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SearchResult {
    /// A contact.
    Contact {
        /// Relevance (higher first).
        score: f64,
        /// The record.
        record: Contact,
    },
    /// A company.
    Company {
        /// Relevance (higher first).
        score: f64,
        /// The record.
        record: Company,
    },
    /// A deal.
    Deal {
        /// Relevance (higher first).
        score: f64,
        /// The record.
        record: Deal,
    },
    /// A lead.
    Lead {
        /// Relevance (higher first).
        score: f64,
        /// The record.
        record: Lead,
    },
    /// A task.
    Task {
        /// Relevance (higher first).
        score: f64,
        /// The record.
        record: Task,
    },
    /// A support case.
    Case {
        /// Relevance (higher first).
        score: f64,
        /// The record.
        record: Case,
    },
    /// A project.
    Project {
        /// Relevance (higher first).
        score: f64,
        /// The record.
        record: Project,
    },
    /// An activity (note, call, e-mail, meeting), found by its subject or body.
    Activity {
        /// Relevance (higher first).
        score: f64,
        /// The record.
        record: Activity,
    },
}

/// The hits of one kind, loaded and kept when within the caller's record scope.
async fn load<O: Object>(
    app: &App,
    ctx: &Ctx,
    hits: &[Hit],
    kind: &str,
    reach: Option<&[Uuid]>,
) -> Result<HashMap<Uuid, O>, AppError> {
    let ids: Vec<Uuid> = hits
        .iter()
        .filter(|h| h.object_type == kind)
        .map(|h| h.id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found = find_many::<O::Table>(&app.db, ctx.workspace_id, &ids).await?;
    Ok(found
        .into_iter()
        .filter(|r| serde_json::to_value(r.fields()).is_ok_and(|f| within(O::SCHEMA, &f, reach)))
        .map(|r| (r.id(), r))
        .collect())
}

/// Searches names, titles, emails, phones, domains and activities' subjects and bodies;
/// `types` are plural API names.
pub async fn search(
    app: &App,
    ctx: &Ctx,
    q: &str,
    types: &[String],
    limit: u32,
) -> Result<Vec<SearchResult>, AppError> {
    let pii = ctx.principal.pii_read();
    for t in types {
        let Some((_, _, personal)) = SEARCHED.iter().find(|(name, _, _)| name == t) else {
            return Err(AppError::BadParameter {
                parameter: "types",
                message: format!("'{t}' is not searchable; use {}", TYPES.join(", ")),
            });
        };
        if *personal && !pii {
            return Err(AppError::Forbidden(format!(
                "the {} role may not search {t}: the search covers personal fields",
                ctx.principal.role_name()
            )));
        }
    }
    if q.chars().count() > 200 {
        return Err(AppError::BadParameter {
            parameter: "q",
            message: "at most 200 characters".into(),
        });
    }
    // Asked-for types must each be readable (403 otherwise); without `types`, every type the
    // caller may read is searched and the others are skipped silently.
    let mut kinds = Vec::new();
    for (name, kind, personal) in SEARCHED {
        let asked = types.iter().any(|t| t == name);
        if !(asked || types.is_empty()) || (*personal && !pii) {
            continue;
        }
        let allowed =
            rapport_domain::policy::check(&ctx.principal, Action::Read, Resource::Records(name))
                .is_ok();
        if asked && !allowed {
            authorize(app, ctx, Action::Read, Resource::Records(name)).await?;
        }
        if allowed {
            kinds.push(*kind);
        }
    }
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let hits = search::query(&app.db, ctx.workspace_id, q, &kinds, limit).await?;
    let reach = reach(app, ctx).await?;
    let r = reach.as_deref();
    let mut contacts = load::<Contact>(app, ctx, &hits, search::CONTACT, r).await?;
    let mut companies = load::<Company>(app, ctx, &hits, search::COMPANY, r).await?;
    let mut deals = load::<Deal>(app, ctx, &hits, search::DEAL, r).await?;
    let mut leads = load::<Lead>(app, ctx, &hits, search::LEAD, r).await?;
    let mut tasks = load::<Task>(app, ctx, &hits, search::TASK, r).await?;
    let mut cases = load::<Case>(app, ctx, &hits, search::CASE, r).await?;
    let mut projects = load::<Project>(app, ctx, &hits, search::PROJECT, r).await?;
    let mut activities = load::<Activity>(app, ctx, &hits, search::ACTIVITY, r).await?;
    Ok(hits
        .iter()
        .filter_map(|h| {
            let score = h.score;
            match h.object_type.as_str() {
                search::CONTACT => contacts
                    .remove(&h.id)
                    .map(|record| SearchResult::Contact { score, record }),
                search::COMPANY => companies
                    .remove(&h.id)
                    .map(|record| SearchResult::Company { score, record }),
                search::DEAL => deals
                    .remove(&h.id)
                    .map(|record| SearchResult::Deal { score, record }),
                search::LEAD => leads
                    .remove(&h.id)
                    .map(|record| SearchResult::Lead { score, record }),
                search::TASK => tasks
                    .remove(&h.id)
                    .map(|record| SearchResult::Task { score, record }),
                search::CASE => cases
                    .remove(&h.id)
                    .map(|record| SearchResult::Case { score, record }),
                search::PROJECT => projects
                    .remove(&h.id)
                    .map(|record| SearchResult::Project { score, record }),
                search::ACTIVITY => activities
                    .remove(&h.id)
                    .map(|record| SearchResult::Activity { score, record }),
                _ => None,
            }
        })
        .collect())
}
