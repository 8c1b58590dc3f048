//! Duplicates and merges of contacts and companies.
//!
//! `duplicates` lists the live records of the workspace that are likely the same person or
//! organisation, each with its reasons, best first; candidates come from indexed queries and are
//! judged in Rust (`rapport_domain::objects::duplicates`).
//!
//! `merge` keeps the record in the path and folds another into it, in one transaction: the
//! survivor takes the chosen fields (through the ordinary update, so audit entry, search document
//! and version follow), everything that pointed at the other record points at the survivor
//! (activities, tasks, appointments, cases, deals, campaign memberships, lead conversions, a
//! company's contacts, associations, custom record-reference values), and the other record
//! becomes a tombstone whose address redirects to the survivor. The caller needs the `merge`
//! action on the object; moving the references is part of it, whatever the caller's rights on
//! the records moved.

use std::collections::BTreeMap;
use std::sync::Arc;

use rapport_domain::filter::Op;
use rapport_domain::ids::{CampaignId, CompanyId, ContactId, WorkspaceId};
use rapport_domain::objects::company::WRITABLE as COMPANY_FIELDS;
use rapport_domain::objects::contact::WRITABLE as CONTACT_FIELDS;
use rapport_domain::objects::duplicates::{self, Reason};
use rapport_domain::objects::merge::{self, ListField, MergeRequest};
use rapport_domain::objects::{Company, Contact, CustomFieldDraft, Record, time};
use rapport_domain::policy::Action;
use rapport_domain::query::{FieldRef, Scalar, TypedCond, TypedExpr, TypedValue};
use rapport_domain::validation::FieldError;
use rapport_store::associations;
use rapport_store::companies::CompanyRow;
use rapport_store::contacts::ContactRow;
use rapport_store::custom_fields as custom_store;
use rapport_store::leads::LeadRow;
use rapport_store::merges::{self as store, Pointer};
use rapport_store::records::{self as rows, Selection};
use rapport_store::{StoreError, Tx, campaigns};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::{self, Object, Patched};
use crate::sweeps::{self, Which};

/// The most duplicates one check lists.
pub const MAX_DUPLICATES: usize = 20;

/// How an object merges: what it combines and what points at its records.
pub trait Mergeable: Object {
    /// The fields a merge combines: the object's writable fields.
    const WRITABLE: &'static [&'static str];
    /// The list fields among them, unioned.
    const LISTS: &'static [ListField];
    /// The objects whose records point at records of this one, and where.
    const REFERRERS: &'static [(&'static str, &'static [Pointer])];
    /// `member_type` of its records in campaigns, when they can be campaign members.
    const CAMPAIGN_MEMBER: Option<&'static str>;
}

/// An activity's links to records of `object`.
const fn activity_links(object: &'static str) -> Pointer {
    Pointer::Side {
        table: "activity_links",
        parent: "activity_id",
        kind: Some(("object_type", object)),
        value: "record_id",
    }
}

/// An appointment's links to records of `object`.
const fn appointment_links(object: &'static str) -> Pointer {
    Pointer::Side {
        table: "appointment_links",
        parent: "appointment_id",
        kind: Some(("record_type", object)),
        value: "record_id",
    }
}

/// A task's (or a document's) record, when of `object`: both name it by type and id.
const fn task_record(object: &'static str) -> Pointer {
    Pointer::Column {
        column: "record_id",
        kind: Some(("record_type", object)),
    }
}

const fn column(name: &'static str) -> Pointer {
    Pointer::Column {
        column: name,
        kind: None,
    }
}

impl Mergeable for Contact {
    const WRITABLE: &'static [&'static str] = CONTACT_FIELDS;
    const LISTS: &'static [ListField] = &[
        ListField {
            name: "emails",
            key: Some("address"),
        },
        ListField {
            name: "phones",
            key: Some("number"),
        },
        ListField {
            name: "tags",
            key: None,
        },
    ];
    const REFERRERS: &'static [(&'static str, &'static [Pointer])] = &[
        ("activities", &[activity_links("contacts")]),
        ("tasks", &[task_record("contacts")]),
        (
            "appointments",
            &[
                Pointer::Side {
                    table: "appointment_attendees",
                    parent: "appointment_id",
                    kind: Some(("kind", "contact")),
                    value: "attendee_id",
                },
                appointment_links("contacts"),
            ],
        ),
        ("cases", &[column("contact_id")]),
        ("documents", &[task_record("contacts")]),
    ];
    const CAMPAIGN_MEMBER: Option<&'static str> = Some("contacts");
}

impl Mergeable for Company {
    const WRITABLE: &'static [&'static str] = COMPANY_FIELDS;
    const LISTS: &'static [ListField] = &[ListField {
        name: "tags",
        key: None,
    }];
    const REFERRERS: &'static [(&'static str, &'static [Pointer])] = &[
        ("contacts", &[column("company_id")]),
        ("deals", &[column("company_id")]),
        ("cases", &[column("company_id")]),
        ("activities", &[activity_links("companies")]),
        ("tasks", &[task_record("companies")]),
        ("appointments", &[appointment_links("companies")]),
        ("projects", &[column("company_id")]),
        ("documents", &[task_record("companies")]),
    ];
    const CAMPAIGN_MEMBER: Option<&'static str> = None;
}

// ---------------------------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------------------------

/// One reason a record looks like a duplicate, with the value both share when there is one (an
/// address, a number, a domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// Why.
    pub reason: Reason,
    /// What both records share; left out of personal fields for roles that may not see them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A likely duplicate: the record, how strongly it matches and why.
#[derive(Debug, Clone)]
pub struct Duplicate<O> {
    /// The other record.
    pub record: O,
    /// The sum of the reasons' weights: higher first.
    pub score: i64,
    /// Why it looks like the same one.
    pub reasons: Vec<Match>,
}

fn ranked<O: Record>(
    mut found: Vec<(Duplicate<O>, chrono::DateTime<chrono::Utc>)>,
) -> Vec<Duplicate<O>> {
    found.sort_by(|(a, at), (b, bt)| {
        b.score
            .cmp(&a.score)
            .then(bt.cmp(at))
            .then(a.record.id().cmp(&b.record.id()))
    });
    found
        .into_iter()
        .take(MAX_DUPLICATES)
        .map(|(d, _)| d)
        .collect()
}

fn sorted_ids(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The live contacts likely to be the same person as contact `id`: an email address or a phone
/// number in common, or, at the same company, a name equal or one edit apart. Only contacts the
/// caller may read; at most [`MAX_DUPLICATES`], best first.
pub async fn contact_duplicates(
    app: &App,
    ctx: &Ctx,
    id: ContactId,
) -> Result<Vec<Duplicate<Contact>>, AppError> {
    let me = records::get::<Contact>(app, ctx, id.0).await?;
    let ws = ctx.workspace_id;
    let emails: Vec<String> = me
        .fields
        .emails
        .iter()
        .map(|e| e.address.normalized())
        .collect();
    let phones: Vec<String> = me
        .fields
        .phones
        .iter()
        .map(|p| p.number.as_str().to_owned())
        .collect();
    let mut ids = store::contacts_with_channels(&app.db, ws, "email", &emails, id.0).await?;
    ids.extend(store::contacts_with_channels(&app.db, ws, "phone", &phones, id.0).await?);
    if let Some(company) = me.fields.company_id {
        ids.extend(store::contacts_at(&app.db, ws, company.0, id.0).await?);
    }
    let candidates = rows::find_many::<ContactRow>(&app.db, ws, &sorted_ids(ids)).await?;
    let reach = records::reach(app, ctx).await?;
    let personal = ctx.principal.pii_read();
    let my_name = duplicates::person_key(
        me.fields.first_name.as_deref(),
        me.fields.last_name.as_deref(),
    );
    let mut found = Vec::new();
    for other in candidates {
        if records::reachable(&other, reach.as_deref()).is_err() {
            continue;
        }
        let mut reasons = Vec::new();
        for e in &other.fields.emails {
            let address = e.address.normalized();
            if emails.contains(&address) {
                reasons.push(Match {
                    reason: Reason::SameEmail,
                    value: personal.then_some(address),
                });
            }
        }
        for p in &other.fields.phones {
            let number = p.number.as_str().to_owned();
            if phones.contains(&number) {
                reasons.push(Match {
                    reason: Reason::SamePhone,
                    value: personal.then_some(number),
                });
            }
        }
        let their_name = duplicates::person_key(
            other.fields.first_name.as_deref(),
            other.fields.last_name.as_deref(),
        );
        if me.fields.company_id.is_some()
            && other.fields.company_id == me.fields.company_id
            && let (Some(mine), Some(theirs)) = (&my_name, &their_name)
            && duplicates::within_one_edit(mine, theirs)
        {
            reasons.push(Match {
                reason: Reason::SimilarName,
                value: Some(other.fields.display_name()),
            });
        }
        if reasons.is_empty() {
            continue;
        }
        let score = reasons.iter().map(|m| m.reason.weight()).sum();
        let at = other.updated_at;
        found.push((
            Duplicate {
                record: other,
                score,
                reasons,
            },
            at,
        ));
    }
    Ok(ranked(found))
}

/// The live companies likely to be the same organisation as company `id`: the same registrable
/// domain, the same name once case, accents, punctuation and legal form are dropped, or the
/// same domain name under another suffix. Only companies the caller may read; at most
/// [`MAX_DUPLICATES`], best first.
pub async fn company_duplicates(
    app: &App,
    ctx: &Ctx,
    id: CompanyId,
) -> Result<Vec<Duplicate<Company>>, AppError> {
    let me = records::get::<Company>(app, ctx, id.0).await?;
    let ws = ctx.workspace_id;
    let my_name = duplicates::company_key(&me.fields.name);
    let my_domain = me.fields.domain.as_ref();
    let my_label = my_domain.and_then(duplicates::domain_key);
    let ids = store::companies_matching(&app.db, ws, my_name.as_deref(), my_label.as_deref(), id.0)
        .await?;
    let candidates = rows::find_many::<CompanyRow>(&app.db, ws, &sorted_ids(ids)).await?;
    let reach = records::reach(app, ctx).await?;
    let mut found = Vec::new();
    for other in candidates {
        if records::reachable(&other, reach.as_deref()).is_err() {
            continue;
        }
        let mut reasons = Vec::new();
        if let (Some(mine), Some(theirs)) = (my_domain, other.fields.domain.as_ref()) {
            if duplicates::registrable(mine) == duplicates::registrable(theirs) {
                reasons.push(Match {
                    reason: Reason::SameDomain,
                    value: Some(theirs.as_str().to_owned()),
                });
            } else if my_label.is_some() && duplicates::domain_key(theirs) == my_label {
                reasons.push(Match {
                    reason: Reason::SimilarDomain,
                    value: Some(theirs.as_str().to_owned()),
                });
            }
        }
        if my_name.is_some() && duplicates::company_key(&other.fields.name) == my_name {
            reasons.push(Match {
                reason: Reason::SameName,
                value: Some(other.fields.name.clone()),
            });
        }
        if reasons.is_empty() {
            continue;
        }
        let score = reasons.iter().map(|m| m.reason.weight()).sum();
        let at = other.updated_at;
        found.push((
            Duplicate {
                record: other,
                score,
                reasons,
            },
            at,
        ));
    }
    Ok(ranked(found))
}

// ---------------------------------------------------------------------------------------------
// Merge
// ---------------------------------------------------------------------------------------------

fn other_problem(code: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: "/other_id".into(),
        code: code.into(),
        message: message.into(),
    }])
}

/// A problem of the merged fields points at the choice that brought the value in.
fn under_fields(e: AppError) -> AppError {
    e.repoint(|p| {
        let field = p
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        format!("/fields/{field}")
    })
}

/// The record merged into the survivor: live, within the caller's reach, not the survivor.
async fn merged_record<O: Mergeable>(
    tx: &mut Tx,
    ctx: &Ctx,
    id: Uuid,
    reach: Option<&[Uuid]>,
) -> Result<O, AppError> {
    let noun = O::SCHEMA.name.trim_end_matches('s');
    let missing = || {
        other_problem(
            "not_found",
            format!("no {noun} with this id exists in this workspace"),
        )
    };
    let Some((record, deleted)) =
        rows::find_for_write::<O::Table>(tx, ctx.workspace_id, id).await?
    else {
        return Err(missing());
    };
    if records::reachable(&record, reach).is_err() {
        return Err(missing());
    }
    if !deleted {
        return Ok(record);
    }
    Err(
        match rows::merged_into::<O::Table>(tx, ctx.workspace_id, id).await? {
            Some(into) => other_problem(
                "already_merged",
                format!("this {noun} was already merged into {into}"),
            ),
            None => other_problem(
                "deleted",
                format!("this {noun} is deleted; restore it before merging it"),
            ),
        },
    )
}

/// Points lead conversions at the survivor (they live in the lead's server-derived state, not
/// in fields a sweep edits).
async fn repoint_leads(
    tx: &mut Tx,
    ctx: &Ctx,
    loser: Uuid,
    survivor: Uuid,
) -> Result<usize, AppError> {
    const POINTERS: &[Pointer] = &[
        column("converted_contact_id"),
        column("converted_company_id"),
    ];
    let ws = ctx.workspace_id;
    let now = time::now_millis();
    let mut after = None;
    let mut moved = 0;
    loop {
        let page =
            rows::page_where::<LeadRow>(tx, ws, Selection::PointingAt(POINTERS, loser), after, 200)
                .await?;
        let full = page.len() == 200;
        after = page.last().map(|(l, _)| l.id.0);
        for (lead, deleted) in page {
            let version = lead.version;
            let mut next = lead.clone().revised(lead.fields.clone(), now);
            if next.state.converted_contact_id == Some(ContactId(loser)) {
                next.state.converted_contact_id = Some(ContactId(survivor));
            }
            if next.state.converted_company_id == Some(CompanyId(loser)) {
                next.state.converted_company_id = Some(CompanyId(survivor));
            }
            rows::rewrite::<LeadRow>(tx, ws, &next, version, deleted).await?;
            moved += 1;
        }
        if !full {
            return Ok(moved);
        }
    }
}

/// Moves campaign memberships, one campaign at a time under its lock (member writes to one
/// campaign are serialised), and records the change on each campaign.
async fn move_memberships(
    tx: &mut Tx,
    ctx: &Ctx,
    member_type: &str,
    loser: Uuid,
    survivor: Uuid,
) -> Result<usize, AppError> {
    let ws = ctx.workspace_id;
    let mut touched = store::campaigns_of(tx, ws, member_type, loser).await?;
    touched.sort_unstable();
    let mut live = Vec::new();
    for c in &touched {
        if campaigns::lock_live(tx, ws, CampaignId(*c)).await? {
            live.push(*c);
        }
    }
    let now = time::now_millis();
    let moved = store::move_members(tx, ws, member_type, loser, survivor, now).await?;
    for c in live {
        campaigns::touch(tx, ws, CampaignId(c), now).await?;
    }
    Ok(moved)
}

/// Refuses a merge after which two live records would hold the survivor's id in one unique
/// record field: one pointing at the survivor already, another at the merged record.
async fn unique_after_merge(
    tx: &mut Tx,
    ws: WorkspaceId,
    def: &CustomFieldDraft,
    merged: Uuid,
    survivor: Uuid,
) -> Result<(), AppError> {
    if !def.unique {
        return Ok(());
    }
    let table = crate::custom_fields::table_of(&def.object)?;
    let value = |id: Uuid| Value::String(id.to_string());
    let theirs = custom_store::holder(
        tx,
        ws,
        table,
        &def.key,
        def.kind,
        &value(merged),
        Uuid::nil(),
    )
    .await?;
    let mine = custom_store::holder(
        tx,
        ws,
        table,
        &def.key,
        def.kind,
        &value(survivor),
        Uuid::nil(),
    )
    .await?;
    match (theirs, mine) {
        (Some(theirs), Some(mine)) => Err(AppError::Conflict {
            code: "duplicate_value",
            detail: format!(
                "{object} {theirs} points at the merged record and {object} {mine} at the \
                 survivor through '{key}', which is unique: after the merge both would hold the \
                 same value; clear one of them first",
                object = def.object,
                key = def.key,
            ),
            existing_id: Some(mine.to_string()),
        }),
        _ => Ok(()),
    }
}

/// Merges record `other_id` (in `body`) into record `id`, which survives; with `if_match`, only
/// if the survivor is still at that version. Returns the survivor as it is now.
#[tracing::instrument(skip_all, fields(object = O::SCHEMA.name, workspace_id = %ctx.workspace_id, id = %id))]
pub async fn merge<O: Mergeable>(
    app: &App,
    ctx: &Ctx,
    id: Uuid,
    body: Value,
    if_match: Option<i64>,
) -> Result<O, AppError> {
    records::allow::<O>(app, ctx, Action::Merge).await?;
    let request = MergeRequest::parse(body, O::WRITABLE).map_err(AppError::Validation)?;
    let other_id = request.other_id;
    let reach = records::reach(app, ctx).await?;
    let ws = ctx.workspace_id;
    let mut tx = app.db.begin().await?;
    // Both rows stay locked to the end, the lower id first so two merges of one pair cannot
    // deadlock; nothing else changes either record meanwhile.
    let mut pair = [id, other_id];
    pair.sort_unstable();
    for p in pair {
        rows::lock_live::<O::Table>(&mut tx, ws, p).await?;
    }
    let survivor: O = records::live_for_write(&mut tx, ctx, id, if_match, reach.as_deref()).await?;
    if other_id == id {
        return Err(other_problem(
            "same_record",
            "a record cannot be merged with itself",
        ));
    }
    let other: O = merged_record(&mut tx, ctx, other_id, reach.as_deref()).await?;
    let now = time::now_millis();
    // The other record leaves first, so what it held alone (a company's domain) is free for the
    // survivor to take.
    match rows::mark_merged::<O::Table>(&mut tx, ws, &other, id, now, other.version()).await {
        Ok(_) => {}
        Err(StoreError::VersionMismatch) => {
            return Err(AppError::Unavailable(
                "the record changed during the merge; retry".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let mut moved: BTreeMap<&str, usize> = BTreeMap::new();
    let edit = move |doc: &mut Value| sweeps::replace_id(doc, other_id, id);
    for (object, pointers) in O::REFERRERS {
        let n = sweeps::sweep_named(
            app,
            &mut tx,
            ws,
            object,
            Which::PointingAt(pointers, other_id),
            &edit,
        )
        .await?;
        *moved.entry(*object).or_default() += n;
    }
    // Custom record-reference fields pointing at the other record follow it too; their keys
    // are the workspace's, so each is selected by the filter `custom.<key> eq <id>`.
    let custom_refs = custom_store::referring_to(&mut tx, ws, O::SCHEMA.name).await?;
    for def in &custom_refs {
        unique_after_merge(&mut tx, ws, &def.fields, other_id, id).await?;
        let pointing = TypedExpr::Cond(TypedCond {
            field: FieldRef::Custom(Arc::new(def.fields.spec())),
            op: Op::Eq,
            value: TypedValue::One(Scalar::Uuid(other_id)),
        });
        let object = def.fields.object.as_str();
        let n = sweeps::sweep_named(app, &mut tx, ws, object, Which::Matching(&pointing), &edit)
            .await?;
        *moved.entry(object).or_default() += n;
    }
    let n = associations::move_all(&mut tx, ws, O::SCHEMA.name, other_id, id).await?;
    moved.insert("associations", n);
    moved.insert("leads", repoint_leads(&mut tx, ctx, other_id, id).await?);
    if let Some(member_type) = O::CAMPAIGN_MEMBER {
        let n = move_memberships(&mut tx, ctx, member_type, other_id, id).await?;
        moved.insert("campaign_members", n);
    }
    let own =
        serde_json::to_value(survivor.fields()).map_err(|e| AppError::Internal(e.to_string()))?;
    let theirs =
        serde_json::to_value(other.fields()).map_err(|e| AppError::Internal(e.to_string()))?;
    let combined = merge::combine(&own, &theirs, O::WRITABLE, O::LISTS, &request.fields);
    let patched = records::patch_in::<O>(app, ctx, tx, id, &combined.patch, None, reach.as_deref())
        .await
        .map_err(under_fields)?;
    let Patched::Done { mut tx, after, .. } = patched else {
        return Err(AppError::Unavailable(
            "the record changed during the merge; retry".into(),
        ));
    };
    let action = format!("{}.merge", O::SCHEMA.name);
    let choices: BTreeMap<&str, &str> = request
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let event = Event::on(&action, O::SCHEMA.name, &id).with(json!({
        "survivor_id": id,
        "merged_id": other_id,
        "choices": choices,
        "fields": combined.sources,
        "moved": moved,
        "version": after.version(),
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    let mut after = after;
    O::fill(app, ctx, std::slice::from_mut(&mut after)).await?;
    Ok(after)
}
