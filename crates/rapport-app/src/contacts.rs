//! Contacts: what differs from every other object (the shared use cases are in [`crate::records`]).

use rapport_domain::objects::{Contact, ContactDraft};
use rapport_domain::schema::CONTACTS;
use rapport_domain::validation::{FieldError, Warning};
use rapport_domain::values::EmailAddress;
use rapport_store::companies::CompanyRow;
use rapport_store::contacts::{self as store, ContactRow};
use rapport_store::records::exists_live;
use rapport_store::{StoreError, Tx};
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::Object;

fn no_company() -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: "/company_id".into(),
        code: "not_found".into(),
        message: "no company with this id exists in this workspace".into(),
    }])
}

impl Object for Contact {
    type Table = ContactRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &CONTACTS;

    fn parse(app: &App, body: Value) -> Result<ContactDraft, Vec<FieldError>> {
        ContactDraft::parse(body, app.phone_region())
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// The company, when given, must be a live company of the same workspace.
    async fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &ContactDraft,
        _own: Uuid,
    ) -> Result<(), AppError> {
        match draft.company_id {
            Some(id) if !exists_live::<CompanyRow>(tx, ctx.workspace_id, id.0).await? => {
                Err(no_company())
            }
            _ => Ok(()),
        }
    }

    /// People share addresses (a family, a front desk), so an address another live contact
    /// has is accepted; the answer warns with the other contact's id, for each address this
    /// write brings in.
    async fn settle(
        _app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Contact>,
        record: &mut Contact,
    ) -> Result<(), AppError> {
        record.warnings.clear();
        for (i, entry) in record.fields.emails.iter().enumerate() {
            let address = entry.address.normalized();
            let known = before.is_some_and(|b| {
                b.fields
                    .emails
                    .iter()
                    .any(|e| e.address.normalized() == address)
            });
            if known {
                continue;
            }
            let others = store::live_ids_by_email(tx, ctx.workspace_id, &address).await?;
            if let Some(other) = others.into_iter().filter(|o| *o != record.id.0).min() {
                record.warnings.push(Warning {
                    pointer: format!("/emails/{i}/address"),
                    code: "shared_email".into(),
                    message: format!(
                        "another contact ({other}) has this address too; saved anyway, since \
                         people share addresses. GET /api/v1/contacts/{{id}}/duplicates lists it"
                    ),
                    existing_id: Some(other),
                });
            }
        }
        Ok(())
    }

    /// Any of the body's email addresses, as stored (lower-cased).
    async fn natural_key(tx: &mut Tx, ctx: &Ctx, body: &Value) -> Result<Option<Uuid>, AppError> {
        let addresses = body
            .get("emails")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("address").and_then(Value::as_str))
            .filter_map(|a| EmailAddress::parse(a).ok());
        for a in addresses {
            // Several contacts sharing an address: the oldest, as imports choose.
            let hits = store::live_ids_by_email(tx, ctx.workspace_id, &a.normalized()).await?;
            if let Some(id) = hits.into_iter().min() {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    async fn explain(_app: &App, _ctx: &Ctx, e: StoreError, _draft: &ContactDraft) -> AppError {
        match e {
            StoreError::MissingReference { .. } => no_company(),
            other => other.into(),
        }
    }
}
