//! Companies: what differs from every other object (the shared use cases are in
//! [`crate::records`]): a domain is unique among the workspace's live companies.

use rapport_domain::objects::{Company, CompanyDraft};
use rapport_domain::schema::COMPANIES;
use rapport_domain::validation::FieldError;
use rapport_domain::values::DomainName;
use rapport_store::companies::{self as store, CompanyRow};
use rapport_store::{StoreError, Tx};
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::Object;

fn domain_taken(existing: &Company) -> AppError {
    AppError::Conflict {
        code: "domain_taken",
        detail: format!(
            "the domain {} is already used by company {} ({})",
            existing.fields.domain.as_ref().map_or("", |d| d.as_str()),
            existing.id,
            existing.fields.name
        ),
        existing_id: Some(existing.id.to_string()),
    }
}

impl Object for Company {
    type Table = CompanyRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &COMPANIES;

    fn parse(_app: &App, body: Value) -> Result<CompanyDraft, Vec<FieldError>> {
        CompanyDraft::parse(body)
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// Refuses a domain another live company holds, naming that company.
    async fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &CompanyDraft,
        own: Uuid,
    ) -> Result<(), AppError> {
        if let Some(d) = &draft.domain
            && let Some(existing) = store::find_by_domain(tx, ctx.workspace_id, d).await?
            && existing.id.0 != own
        {
            return Err(domain_taken(&existing));
        }
        Ok(())
    }

    /// The body's domain, normalised like stored domains.
    async fn natural_key(tx: &mut Tx, ctx: &Ctx, body: &Value) -> Result<Option<Uuid>, AppError> {
        let Some(domain) = body
            .get("domain")
            .and_then(Value::as_str)
            .and_then(|d| DomainName::parse(d).ok())
        else {
            return Ok(None);
        };
        Ok(store::find_by_domain(tx, ctx.workspace_id, &domain)
            .await?
            .map(|c| c.id.0))
    }

    /// A unique violation the check did not see (a concurrent write): name the winner.
    async fn explain(app: &App, ctx: &Ctx, e: StoreError, draft: &CompanyDraft) -> AppError {
        if let (StoreError::Conflict { .. }, Some(d)) = (&e, &draft.domain)
            && let Ok(mut tx) = app.db.begin().await
            && let Ok(Some(existing)) = store::find_by_domain(&mut tx, ctx.workspace_id, d).await
        {
            return domain_taken(&existing);
        }
        e.into()
    }
}
