//! Leads: what differs from every other object (the shared use cases are in
//! [`crate::records`]): the score the workspace's rules give, and conversion into a contact, a
//! company and optionally a deal in one transaction.

use rapport_domain::ids::{CompanyId, LeadId};
use rapport_domain::objects::{Company, Contact, Conversion, Deal, Lead, LeadDraft, Record, time};
use rapport_domain::policy::Action;
use rapport_domain::schema::LEADS;
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::activities as activity_store;
use rapport_store::leads::LeadRow;
use rapport_store::records as rows;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::{self, Object};
use crate::references;

impl Object for Lead {
    type Table = LeadRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &LEADS;

    fn parse(app: &App, body: Value) -> Result<LeadDraft, Vec<FieldError>> {
        LeadDraft::parse(body, app.phone_region())
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// The score follows the fields and recent activities on every change.
    async fn settle(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        _before: Option<&Self>,
        lead: &mut Self,
    ) -> Result<(), AppError> {
        lead.state.score = score(app, tx, ctx, lead).await?;
        Ok(())
    }
}

/// The lead's score under the configured rules, counting its activities in the rules' window.
async fn score(app: &App, tx: &mut Tx, ctx: &Ctx, lead: &Lead) -> Result<i64, AppError> {
    let rules = &app.config.crm.lead_scoring;
    let since = time::now_millis() - chrono::Duration::days(rules.activity_days);
    let recent =
        activity_store::count_since(tx, ctx.workspace_id, "leads", lead.id.0, since).await?;
    Ok(rules.score(&lead.fields, recent))
}

/// Scores a lead again after an activity linked to it changed, in the activity's transaction;
/// the version moves only when the score does.
pub(crate) async fn rescore(app: &App, tx: &mut Tx, ctx: &Ctx, id: Uuid) -> Result<(), AppError> {
    let Some((current, false)) = rows::find_for_write::<LeadRow>(tx, ctx.workspace_id, id).await?
    else {
        return Ok(());
    };
    let fresh = score(app, tx, ctx, &current).await?;
    if fresh == current.state.score {
        return Ok(());
    }
    let expected = current.version;
    let mut next = current
        .clone()
        .revised(current.fields.clone(), time::now_millis());
    next.state.score = fresh;
    rows::update::<LeadRow>(tx, ctx.workspace_id, &next, expected).await?;
    Ok(())
}

fn already_converted(lead: &Lead) -> AppError {
    let s = &lead.state;
    let mut parts = Vec::new();
    if let Some(c) = s.converted_contact_id {
        parts.push(format!("contact {c}"));
    }
    if let Some(c) = s.converted_company_id {
        parts.push(format!("company {c}"));
    }
    if let Some(d) = s.converted_deal_id {
        parts.push(format!("deal {d}"));
    }
    AppError::Conflict {
        code: "already_converted",
        detail: format!("the lead was already converted into {}", parts.join(", ")),
        existing_id: s.converted_contact_id.map(|c| c.to_string()),
    }
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}

/// What a new contact takes from the lead.
fn contact_body(lead: &Lead, company: Option<CompanyId>) -> Value {
    let f = &lead.fields;
    let mut m = Map::new();
    put(&mut m, "first_name", f.first_name.clone());
    // A contact needs a name: a lead known only by address or company keeps that as its name.
    let last = f
        .last_name
        .clone()
        .or_else(|| f.first_name.is_none().then(|| lead.fields.display_name()));
    put(&mut m, "last_name", last);
    put(&mut m, "title", f.title.clone());
    if let Some(e) = &f.email {
        m.insert("emails".into(), json!([{ "address": e.as_str() }]));
    }
    if let Some(p) = &f.phone {
        m.insert("phones".into(), json!([{ "number": p.as_str() }]));
    }
    put(&mut m, "company_id", company.map(|c| c.to_string()));
    put(&mut m, "owner_id", f.owner_id.map(|o| o.to_string()));
    m.insert("lifecycle_stage".into(), json!("opportunity"));
    m.insert("tags".into(), json!(f.tags));
    Value::Object(m)
}

/// Converts a lead into a contact (new, or `contact_id`), a company (`company_id`, or a new one
/// from `company_name`) and optionally a deal, and marks it converted, all in one transaction.
/// Converting again answers 409 naming what the lead became.
pub async fn convert(
    app: &App,
    ctx: &Ctx,
    id: LeadId,
    conversion: Conversion,
) -> Result<Lead, AppError> {
    records::allow::<Lead>(app, ctx, Action::Update).await?;
    let reach = records::reach(app, ctx).await?;
    let ws = ctx.workspace_id;
    let mut tx = app.db.begin().await?;
    let lead: Lead = records::live_for_write(&mut tx, ctx, id.0, None, reach.as_deref()).await?;
    if lead.state.converted_at.is_some() {
        return Err(already_converted(&lead));
    }
    let mut missing = Vec::new();
    if let Some(c) = conversion.contact_id
        && !references::record_exists(&mut tx, ws, "contacts", c.0).await?
    {
        missing.push(references::missing("/contact_id", "contact"));
    }
    if let Some(c) = conversion.company_id
        && !references::record_exists(&mut tx, ws, "companies", c.0).await?
    {
        missing.push(references::missing("/company_id", "company"));
    }
    if !missing.is_empty() {
        return Err(AppError::Validation(missing));
    }
    let company = match (conversion.company_id, &lead.fields.company_name) {
        (Some(c), _) => Some(c),
        (None, Some(name)) => {
            records::allow::<Company>(app, ctx, Action::Create).await?;
            let mut body = json!({ "name": name });
            if let Some(o) = lead.fields.owner_id {
                body["owner_id"] = json!(o);
            }
            let (t, c) = records::create_in::<Company>(app, ctx, tx, body)
                .await
                .map_err(|e| e.repoint(|p| format!("/company{p}")))?;
            tx = t;
            Some(c.id)
        }
        (None, None) => None,
    };
    let contact = match conversion.contact_id {
        Some(c) => c,
        None => {
            records::allow::<Contact>(app, ctx, Action::Create).await?;
            let body = contact_body(&lead, company);
            let (t, c) = records::create_in::<Contact>(app, ctx, tx, body)
                .await
                .map_err(|e| e.repoint(|p| format!("/contact{p}")))?;
            tx = t;
            c.id
        }
    };
    let deal = match conversion.deal {
        Some(Value::Object(mut fields)) => {
            records::allow::<Deal>(app, ctx, Action::Create).await?;
            let name = lead
                .fields
                .company_name
                .clone()
                .unwrap_or_else(|| lead.fields.display_name());
            fields.entry("name").or_insert_with(|| json!(name));
            if let Some(c) = company {
                fields.entry("company_id").or_insert_with(|| json!(c));
            }
            if let Some(o) = lead.fields.owner_id {
                fields.entry("owner_id").or_insert_with(|| json!(o));
            }
            let (t, d) = records::create_in::<Deal>(app, ctx, tx, Value::Object(fields))
                .await
                .map_err(|e| e.repoint(|p| format!("/deal{p}")))?;
            tx = t;
            Some(d.id)
        }
        _ => None,
    };
    let expected = lead.version;
    let mut fields = lead.fields.clone();
    if fields.status != "qualified" {
        fields.status = "qualified".into();
        fields.disqualified_reason = None;
    }
    let mut next = lead.revised(fields, time::now_millis());
    next.state.converted_at = Some(next.updated_at);
    next.state.converted_contact_id = Some(contact);
    next.state.converted_company_id = company;
    next.state.converted_deal_id = deal;
    next.state.score = score(app, &mut tx, ctx, &next).await?;
    rows::update::<LeadRow>(&mut tx, ws, &next, expected).await?;
    let event = Event::on("leads.convert", "leads", &id).with(json!({
        "contact_id": contact,
        "company_id": company,
        "deal_id": deal,
        "version": next.version,
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(next)
}
