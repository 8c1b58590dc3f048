//! Cases: what differs from every other object (the shared use cases are in [`crate::records`]):
//! the contact, company and assignee must exist in the workspace, and the server numbers each
//! case and keeps its SLA deadline, first response and resolution times.

use rapport_domain::objects::{Case, CaseDraft};
use rapport_domain::schema::{CASES, ObjectSchema};
use rapport_domain::validation::FieldError;
use rapport_store::cases::{CaseRow, NUMBER_SEQUENCE};
use rapport_store::{Tx, sequences};
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::Object;
use crate::references;

impl Object for Case {
    type Table = CaseRow;
    const SCHEMA: &'static ObjectSchema = &CASES;

    fn parse(_app: &App, body: Value) -> Result<CaseDraft, Vec<FieldError>> {
        CaseDraft::parse(body)
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// The contact and company must be live records of the workspace, the assignee a member;
    /// every missing one is listed with its pointer.
    async fn check(tx: &mut Tx, ctx: &Ctx, draft: &CaseDraft, _own: Uuid) -> Result<(), AppError> {
        let mut records = Vec::new();
        if let Some(c) = draft.contact_id {
            records.push(("/contact_id", "contacts", c.0));
        }
        if let Some(c) = draft.company_id {
            records.push(("/company_id", "companies", c.0));
        }
        references::check_all(tx, ctx.workspace_id, &records, &[]).await
    }

    /// A new case takes the workspace's next number; every write settles the SLA deadline and
    /// the response and resolution times (see [`Case::settle`]).
    async fn settle(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Case>,
        record: &mut Case,
    ) -> Result<(), AppError> {
        if before.is_none() {
            record.state.number = sequences::next(tx, ctx.workspace_id, NUMBER_SEQUENCE).await?;
        }
        let hours = app.config.cases.sla_hours.of(record.fields.priority);
        // Validated at start-up to at most a year, so the conversion cannot fail.
        record.settle(before, i64::try_from(hours).unwrap_or(i64::MAX));
        Ok(())
    }
}
