//! Search across objects: ranked hits from the store's index, loaded as records.

use rapport_domain::objects::{Company, Contact};
use rapport_domain::policy::{Action, Resource};
use rapport_domain::schema::{COMPANIES, CONTACTS};
use rapport_store::companies::CompanyRow;
use rapport_store::contacts::ContactRow;
use rapport_store::records::find_many;
use rapport_store::search;
use serde::Serialize;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;
use crate::records::{reach, within};

/// The object types search covers.
pub const TYPES: &[&str] = &["contacts", "companies"];

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
}

/// Searches names, emails, phones and domains; `types` are plural API names.
pub async fn search(
    app: &App,
    ctx: &Ctx,
    q: &str,
    types: &[String],
    limit: u32,
) -> Result<Vec<SearchResult>, AppError> {
    let mut kinds = Vec::new();
    if types.is_empty() {
        // Every type the caller may search: contacts only with personal fields visible.
        if ctx.principal.pii_read() {
            kinds.push(search::CONTACT);
        }
        kinds.push(search::COMPANY);
    }
    for t in types {
        match t.as_str() {
            "contacts" => kinds.push(search::CONTACT),
            "companies" => kinds.push(search::COMPANY),
            other => {
                return Err(AppError::BadParameter {
                    parameter: "types",
                    message: format!("'{other}' is not searchable; use {}", TYPES.join(", ")),
                });
            }
        }
    }
    // Only what the caller may read: every searched type is authorised. Contacts are found by
    // their e-mail addresses and phones too, so a role without personal fields leaves them out
    // (and is refused when it asks for them).
    let pii = ctx.principal.pii_read();
    if !pii && types.iter().any(|t| t == "contacts") {
        return Err(AppError::Forbidden(format!(
            "the {} role may not search contacts: the search covers personal fields",
            ctx.principal.role_name()
        )));
    }
    let searched: Vec<&str> = if types.is_empty() {
        TYPES
            .iter()
            .copied()
            .filter(|t| pii || *t != "contacts")
            .collect()
    } else {
        types.iter().map(String::as_str).collect()
    };
    for object in searched {
        if let Some(name) = TYPES.iter().find(|t| **t == object) {
            authorize(app, ctx, Action::Read, Resource::Records(name)).await?;
        }
    }
    if q.chars().count() > 200 {
        return Err(AppError::BadParameter {
            parameter: "q",
            message: "at most 200 characters".into(),
        });
    }
    let hits = search::query(&app.db, ctx.workspace_id, q, &kinds, limit).await?;
    let ids = |kind: &str| {
        hits.iter()
            .filter(|h| h.object_type == kind)
            .map(|h| h.id)
            .collect::<Vec<Uuid>>()
    };
    // Records out of the caller's record scope are left out.
    let reach = reach(app, ctx).await?;
    let visible = |schema, fields: Result<serde_json::Value, serde_json::Error>| {
        fields.is_ok_and(|f| within(schema, &f, reach.as_deref()))
    };
    let mut people =
        find_many::<ContactRow>(&app.db, ctx.workspace_id, &ids(search::CONTACT)).await?;
    people.retain(|c| visible(&CONTACTS, serde_json::to_value(&c.fields)));
    let mut orgs =
        find_many::<CompanyRow>(&app.db, ctx.workspace_id, &ids(search::COMPANY)).await?;
    orgs.retain(|c| visible(&COMPANIES, serde_json::to_value(&c.fields)));
    Ok(hits
        .iter()
        .filter_map(|h| match h.object_type.as_str() {
            search::CONTACT => {
                people
                    .iter()
                    .find(|c| c.id.0 == h.id)
                    .map(|c| SearchResult::Contact {
                        score: h.score,
                        record: c.clone(),
                    })
            }
            _ => orgs
                .iter()
                .find(|c| c.id.0 == h.id)
                .map(|c| SearchResult::Company {
                    score: h.score,
                    record: c.clone(),
                }),
        })
        .collect())
}
