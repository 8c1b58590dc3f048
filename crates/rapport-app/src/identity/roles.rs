//! Custom roles: owners and admins define a workspace's own roles (which actions on which
//! objects, whether personal fields are visible, which records they reach) and give them to
//! members like a built-in role. A role held by someone cannot be deleted.

use chrono::Utc;
use rapport_domain::ids::WorkspaceId;
use rapport_domain::policy::{Action, CustomRole, RECORD_ACTIONS, RecordScope, Resource, Role};
use rapport_domain::validation::FieldError;
use rapport_store::roles;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::identity::SCOPED_OBJECTS;
use crate::policy::authorize;

/// A role definition as the API and the database spell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Object -> actions (`read`, `create`, `update`, `delete`, `export`, `import`, `merge`).
    pub objects: BTreeMap<String, Vec<String>>,
    /// Whether personal fields (a contact's emails, phones, address, notes) are visible.
    #[serde(default)]
    pub pii_read: bool,
    /// `own`, `team` or `all` (default `all`).
    #[serde(default = "all")]
    pub record_scope: String,
}

fn all() -> String {
    "all".into()
}

fn field(pointer: String, code: &str, message: String) -> FieldError {
    FieldError {
        pointer,
        code: code.into(),
        message,
    }
}

fn action_of(name: &str) -> Option<Action> {
    RECORD_ACTIONS.into_iter().find(|a| a.as_str() == name)
}

/// Checks a name and definition, listing every problem.
pub fn parse(name: &str, d: &Definition) -> Result<CustomRole, AppError> {
    let mut errors = Vec::new();
    let slug = !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug {
        errors.push(field(
            "/name".into(),
            "invalid_format",
            "a role name has 1 to 40 of a-z, 0-9 and -".into(),
        ));
    } else if Role::parse(name).is_some() {
        errors.push(field(
            "/name".into(),
            "reserved",
            format!("{name} is a built-in role"),
        ));
    }
    let mut objects = Vec::new();
    for (object, actions) in &d.objects {
        if !SCOPED_OBJECTS.contains(&object.as_str()) {
            errors.push(field(
                format!("/objects/{object}"),
                "unknown_object",
                format!("objects: {}", SCOPED_OBJECTS.join(", ")),
            ));
            continue;
        }
        let mut parsed = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            match action_of(a) {
                Some(action) if !parsed.contains(&action) => parsed.push(action),
                Some(_) => {}
                None => errors.push(field(
                    format!("/objects/{object}/{i}"),
                    "unknown_action",
                    "actions: read, create, update, delete, export, import, merge".into(),
                )),
            }
        }
        objects.push((object.clone(), parsed));
    }
    let scope = RecordScope::parse(&d.record_scope);
    if scope.is_none() {
        errors.push(field(
            "/record_scope".into(),
            "invalid_choice",
            "own, team or all".into(),
        ));
    }
    match scope {
        Some(scope) if errors.is_empty() => Ok(CustomRole {
            name: name.to_owned(),
            objects,
            pii_read: d.pii_read,
            scope,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// The workspace's custom role `name`, if there is one.
pub async fn load(app: &App, ws: WorkspaceId, name: &str) -> Result<Option<CustomRole>, AppError> {
    let Some(row) = roles::find(&app.db, ws, name).await? else {
        return Ok(None);
    };
    let d: Definition = serde_json::from_str(&row.definition)
        .map_err(|e| AppError::Internal(format!("stored role {name}: {e}")))?;
    Ok(Some(parse(name, &d)?))
}

/// Whether `name` is a role members of the workspace can be given.
pub async fn exists(app: &App, ws: WorkspaceId, name: &str) -> Result<bool, AppError> {
    Ok(Role::parse(name).is_some() || roles::find(&app.db, ws, name).await?.is_some())
}

/// Checks that the caller may give `name` to someone: it must exist in the workspace (422) and
/// rank no higher than the caller's own role (403; custom roles rank as `member`). Returns its
/// rank.
pub async fn grantable(app: &App, ctx: &Ctx, name: &str) -> Result<Role, AppError> {
    if !exists(app, ctx.workspace_id, name).await? {
        return Err(AppError::Validation(vec![field(
            "/role".into(),
            "invalid_choice",
            "owner, admin, manager, member, viewer or one of this workspace's roles".into(),
        )]));
    }
    let rank = Role::parse(name).unwrap_or(Role::Member);
    if !ctx.principal.role.may_grant(rank) {
        return Err(AppError::Forbidden(format!(
            "the {} role may not grant {name}",
            ctx.principal.role
        )));
    }
    Ok(rank)
}

/// The workspace's custom roles with their definitions.
pub async fn list(app: &App, ctx: &Ctx) -> Result<Vec<(String, Definition)>, AppError> {
    authorize(app, ctx, Action::Read, Resource::Members).await?;
    let mut out = Vec::new();
    for row in roles::list(&app.db, ctx.workspace_id).await? {
        let d: Definition = serde_json::from_str(&row.definition)
            .map_err(|e| AppError::Internal(format!("stored role {}: {e}", row.name)))?;
        out.push((row.name, d));
    }
    Ok(out)
}

/// Creates or replaces a custom role (owners and admins). Members holding it get the new
/// definition on their next request.
pub async fn put(app: &App, ctx: &Ctx, name: &str, d: &Definition) -> Result<(), AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    parse(name, d)?;
    let text = serde_json::to_string(d).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = app.db.begin().await?;
    roles::put(&mut tx, ctx.workspace_id, name, &text, Utc::now()).await?;
    let event = Event::on("roles.put", "roles", &name).with(json!({ "definition": d }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a custom role nobody holds.
pub async fn delete(app: &App, ctx: &Ctx, name: &str) -> Result<(), AppError> {
    authorize(app, ctx, Action::Manage, Resource::Members).await?;
    let mut tx = app.db.begin().await?;
    let held = roles::holders(&mut tx, ctx.workspace_id, name).await?;
    if held > 0 {
        return Err(AppError::Conflict {
            code: "role_in_use",
            detail: format!("{held} member(s) hold the role {name}; give them another role first"),
            existing_id: None,
        });
    }
    if !roles::delete(&mut tx, ctx.workspace_id, name).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut tx, ctx, Event::on("roles.delete", "roles", &name)).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(objects: &[(&str, &[&str])], scope: &str) -> Definition {
        Definition {
            objects: objects
                .iter()
                .map(|(o, a)| ((*o).to_owned(), a.iter().map(|s| (*s).to_owned()).collect()))
                .collect(),
            pii_read: false,
            record_scope: scope.into(),
        }
    }

    #[test]
    fn a_valid_definition_parses_into_rights() {
        let r = parse(
            "sales-rep",
            &def(&[("contacts", &["read", "create"])], "own"),
        )
        .unwrap();
        assert!(r.allows(Action::Create, "contacts"));
        assert!(!r.allows(Action::Delete, "contacts"));
        assert!(!r.allows(Action::Read, "companies"));
        assert_eq!(r.scope, RecordScope::Own);
    }

    #[test]
    fn every_problem_is_named() {
        let Err(AppError::Validation(errors)) = parse(
            "admin",
            &def(
                &[("spaceships", &["read"]), ("contacts", &["fly"])],
                "galaxy",
            ),
        ) else {
            panic!("expected validation errors");
        };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/name",
                "/objects/contacts/0",
                "/objects/spaceships",
                "/record_scope"
            ]
        );
    }
}
