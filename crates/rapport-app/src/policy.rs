//! The one authorisation check point: every use case calls [`authorize`] before it reads or
//! writes, with the action and the resource; the rules themselves are pure and live in
//! `rapport_domain::policy`. A refusal is answered 403 and written to the audit log.

use rapport_domain::policy::{self, Action, Denied, Resource};
use serde_json::json;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;

/// Allows `action` on `resource` for the caller, or answers 403 and records the denial.
pub async fn authorize(
    app: &App,
    ctx: &Ctx,
    action: Action,
    resource: Resource,
) -> Result<(), AppError> {
    let Err(denied) = policy::check(&ctx.principal, action, resource) else {
        return Ok(());
    };
    let (reason, detail) = match denied {
        Denied::Role => (
            "role".to_owned(),
            format!(
                "the {} role may not {} {}",
                ctx.principal.role,
                action.as_str(),
                resource.name()
            ),
        ),
        Denied::Scope(level) => (
            format!("scope:{level:?}").to_lowercase(),
            format!(
                "this token lacks the scope to {} {} (scopes: {})",
                action.as_str(),
                resource.name(),
                ctx.principal.scopes.names().join(", ")
            ),
        ),
    };
    let event = Event::plain("access.denied").with(json!({
        "action": action.as_str(),
        "resource": resource.name(),
        "reason": reason,
    }));
    // A denial that cannot be recorded is still a denial; the failure is logged.
    if let Err(e) = audit::record_alone(&app.db, ctx.workspace_id, ctx, event).await {
        tracing::error!(error = %e, "could not record an access denial");
    }
    Err(AppError::Forbidden(detail))
}
