//! Campaigns: what differs from every other object (the shared use cases are in
//! [`crate::records`]) and the use cases of their members and influenced deals.
//!
//! Members and deals are parts of a campaign: changing them needs the right to update the
//! campaign (and to read the records they name), and a campaign out of the caller's reach answers
//! 404 for them too. A change of members bumps the campaign's version, since its member counts
//! are part of what a read of it shows (and of its ETag).

use std::collections::HashMap;

use rapport_domain::filter::Op;
use rapport_domain::ids::CampaignId;
use rapport_domain::objects::campaign::{
    self, CampaignMember, InfluencedDeal, MemberInput, MembersOutcome,
};
use rapport_domain::objects::{Campaign, CampaignDraft, time};
use rapport_domain::policy::{Action, Resource};
use rapport_domain::query::{Fields, Scalar, TypedCond, TypedExpr, TypedValue};
use rapport_domain::schema::{
    CAMPAIGN_DEALS, CAMPAIGN_ID, CAMPAIGN_MEMBERS, CAMPAIGNS, ObjectSchema,
};
use rapport_domain::validation::FieldError;
use rapport_store::campaigns::{self as store, CampaignRow, DealLinkRow, MemberRow, MemberWrite};
use rapport_store::list::{self, Page};
use rapport_store::records::find_for_write;
use rapport_store::{Tx, records as stored};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::lists::{ListInput, ListRequest};
use crate::policy::authorize;
use crate::records::{Object, reach, reachable};
use crate::references;

impl Object for Campaign {
    type Table = CampaignRow;
    const SCHEMA: &'static ObjectSchema = &CAMPAIGNS;

    fn parse(_app: &App, body: Value) -> Result<CampaignDraft, Vec<FieldError>> {
        CampaignDraft::parse(body)
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// Member counts by status, for every campaign of the page in one query.
    async fn fill(app: &App, ctx: &Ctx, records: &mut [Campaign]) -> Result<(), AppError> {
        let ids: Vec<Uuid> = records.iter().map(|c| c.id.0).collect();
        let counts = store::member_counts(&app.db, ctx.workspace_id, &ids).await?;
        for c in records {
            c.state.member_counts = counts.get(&c.id.0).copied().unwrap_or_default();
        }
        Ok(())
    }
}

/// The campaign a write to its members or deals starts from, inside the write's transaction:
/// 404 when missing, deleted or out of the caller's reach. Its row stays locked until the end
/// of the transaction, so concurrent writes to one campaign's parts run one after the other.
async fn campaign_for_write(
    app: &App,
    ctx: &Ctx,
    tx: &mut Tx,
    id: CampaignId,
) -> Result<Campaign, AppError> {
    let reach = reach(app, ctx).await?;
    // Locked first, so the version read below is the one this write starts from.
    if !store::lock_live(tx, ctx.workspace_id, id).await? {
        return Err(AppError::NotFound);
    }
    let Some((current, false)) = find_for_write::<CampaignRow>(tx, ctx.workspace_id, id.0).await?
    else {
        return Err(AppError::NotFound);
    };
    reachable(&current, reach.as_deref())?;
    Ok(current)
}

/// Checks that the campaign is live and within the caller's reach, for reads of its parts.
async fn campaign_for_read(app: &App, ctx: &Ctx, id: CampaignId) -> Result<(), AppError> {
    authorize(app, ctx, Action::Read, Resource::Records(CAMPAIGNS.name)).await?;
    let current = stored::find::<CampaignRow>(&app.db, ctx.workspace_id, id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    reachable(&current, reach(app, ctx).await?.as_deref())
}

/// The problem for members whose record is missing, deleted or in another workspace.
fn missing_member(i: usize, m: &MemberInput) -> FieldError {
    FieldError {
        pointer: format!("/members/{i}/id"),
        code: "not_found".into(),
        message: format!(
            "no {} with this id exists in this workspace",
            crate::references::singular(m.object)
        ),
    }
}

/// Adds members to a campaign or changes their status (an upsert by type and id): all or
/// nothing, every problem listed with its pointer. A member sent without a status keeps its
/// own, or starts `targeted`. Sending the same members again changes nothing, version included.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id, campaign_id = %id))]
pub async fn put_members(
    app: &App,
    ctx: &Ctx,
    id: CampaignId,
    body: Value,
) -> Result<MembersOutcome, AppError> {
    authorize(app, ctx, Action::Update, Resource::Records(CAMPAIGNS.name)).await?;
    let members = campaign::parse_members(body).map_err(AppError::Validation)?;
    let mut objects: Vec<&'static str> = members.iter().map(|m| m.object).collect();
    objects.sort_unstable();
    objects.dedup();
    for object in &objects {
        // Naming a record as a member reveals whether it exists: the caller must see them.
        authorize(app, ctx, Action::Read, Resource::Records(object)).await?;
    }
    let now = time::now_millis();
    let mut tx = app.db.begin().await?;
    let current = campaign_for_write(app, ctx, &mut tx, id).await?;

    let mut errors = Vec::new();
    for object in &objects {
        let ids: Vec<Uuid> = members
            .iter()
            .filter(|m| m.object == *object)
            .map(|m| m.id)
            .collect();
        let live = references::live_among(&mut tx, ctx.workspace_id, object, &ids).await?;
        errors.extend(
            members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.object == *object && !live.contains(&m.id))
                .map(|(i, m)| missing_member(i, m)),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    let ids: Vec<Uuid> = members.iter().map(|m| m.id).collect();
    let existing: HashMap<(String, Uuid), MemberRow> =
        store::members_for_write(&mut tx, ctx.workspace_id, id, &ids)
            .await?
            .into_iter()
            .map(|row| {
                let (object, record) = row.record();
                ((object.to_owned(), record), row)
            })
            .collect();
    let mut writes = Vec::new();
    let mut data = Vec::with_capacity(members.len());
    let mut changes = Vec::new();
    let (mut created, mut updated) = (0, 0);
    for m in &members {
        let before = existing.get(&(m.object.to_owned(), m.id));
        let live_before = match before {
            Some(row) if !row.is_removed() => Some(row.clone().into_member()?),
            _ => None,
        };
        let write = match &live_before {
            None => {
                created += 1;
                MemberWrite {
                    object: m.object,
                    id: m.id,
                    status: m.status.unwrap_or_default(),
                    added_at: now,
                    updated_at: now,
                }
            }
            Some(was) => {
                let status = m.status.unwrap_or(was.status);
                if status == was.status {
                    data.push(was.clone());
                    continue;
                }
                updated += 1;
                MemberWrite {
                    object: m.object,
                    id: m.id,
                    status,
                    added_at: was.added_at,
                    updated_at: now,
                }
            }
        };
        changes.push(json!({
            "type": m.object,
            "id": m.id,
            "status": write.status.as_str(),
            "previous": live_before.as_ref().map(|was| was.status.as_str()),
        }));
        data.push(CampaignMember {
            object: m.object.to_owned(),
            id: m.id,
            status: write.status,
            added_at: write.added_at,
            updated_at: write.updated_at,
        });
        writes.push(write);
    }
    let version = if writes.is_empty() {
        current.version
    } else {
        store::put_members(&mut tx, ctx.workspace_id, id, &writes).await?;
        let version = store::touch(&mut tx, ctx.workspace_id, id, now).await?;
        let event = Event::on("campaigns.members.put", CAMPAIGNS.name, &id).with(json!({
            "version": version,
            "created": created,
            "updated": updated,
            "changes": changes,
        }));
        audit::record(&mut tx, ctx, event).await?;
        version
    };
    tx.commit().await?;
    let counts = store::member_counts(&app.db, ctx.workspace_id, &[id.0]).await?;
    Ok(MembersOutcome {
        unchanged: members.len() - created - updated,
        data,
        created,
        updated,
        member_counts: counts.get(&id.0).copied().unwrap_or_default(),
        version,
    })
}

/// Removes a member (`object` is `contacts` or `leads`); 404 when it is not one.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id, campaign_id = %id))]
pub async fn remove_member(
    app: &App,
    ctx: &Ctx,
    id: CampaignId,
    object: &str,
    member: Uuid,
) -> Result<(), AppError> {
    authorize(app, ctx, Action::Update, Resource::Records(CAMPAIGNS.name)).await?;
    let Some(object) = campaign::MEMBER_TYPES.iter().find(|t| **t == object) else {
        return Err(AppError::NoSuchObject(format!(
            "'{object}' cannot be a campaign member; types: {}",
            campaign::MEMBER_TYPES.join(", ")
        )));
    };
    let now = time::now_millis();
    let mut tx = app.db.begin().await?;
    campaign_for_write(app, ctx, &mut tx, id).await?;
    if !store::remove_member(&mut tx, ctx.workspace_id, id, object, member, now).await? {
        return Err(AppError::NotFound);
    }
    let version = store::touch(&mut tx, ctx.workspace_id, id, now).await?;
    let event = Event::on("campaigns.members.remove", CAMPAIGNS.name, &id).with(json!({
        "version": version,
        "type": object,
        "id": member,
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The condition that keeps a list to one campaign's rows.
fn of_campaign(id: CampaignId) -> TypedExpr {
    TypedExpr::Cond(TypedCond {
        field: (&CAMPAIGN_ID).into(),
        op: Op::Eq,
        value: TypedValue::One(Scalar::Uuid(id.0)),
    })
}

/// A page of a campaign's members (filters on `type`, `id` and `status`).
pub async fn list_members(
    app: &App,
    ctx: &Ctx,
    id: CampaignId,
    input: ListInput,
) -> Result<Page<CampaignMember>, AppError> {
    campaign_for_read(app, ctx, id).await?;
    let mut req = ListRequest::parse(input, Fields::builtin(&CAMPAIGN_MEMBERS), ctx.actor.user())?;
    req.restrict(of_campaign(id));
    let page = list::list::<MemberRow>(&app.db, ctx.workspace_id, req.params()).await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(MemberRow::into_member)
            .collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
        total: page.total,
    })
}

/// Links a deal the campaign influenced; `true` when the link is new. A deal that is missing,
/// deleted or in another workspace answers 404 (it is named in the path).
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id, campaign_id = %id))]
pub async fn link_deal(
    app: &App,
    ctx: &Ctx,
    id: CampaignId,
    deal: Uuid,
) -> Result<(InfluencedDeal, bool), AppError> {
    authorize(app, ctx, Action::Update, Resource::Records(CAMPAIGNS.name)).await?;
    authorize(app, ctx, Action::Read, Resource::Records("deals")).await?;
    let now = time::now_millis();
    let mut tx = app.db.begin().await?;
    campaign_for_write(app, ctx, &mut tx, id).await?;
    if !references::record_exists(&mut tx, ctx.workspace_id, "deals", deal).await? {
        return Err(AppError::NotFound);
    }
    let (link, created) = store::link_deal(&mut tx, ctx.workspace_id, id, deal, now).await?;
    if created {
        let event =
            Event::on("campaigns.deals.link", CAMPAIGNS.name, &id).with(json!({ "deal_id": deal }));
        audit::record(&mut tx, ctx, event).await?;
    }
    tx.commit().await?;
    Ok((link, created))
}

/// Unlinks a deal; 404 when it was not linked.
#[tracing::instrument(skip_all, fields(workspace_id = %ctx.workspace_id, campaign_id = %id))]
pub async fn unlink_deal(app: &App, ctx: &Ctx, id: CampaignId, deal: Uuid) -> Result<(), AppError> {
    authorize(app, ctx, Action::Update, Resource::Records(CAMPAIGNS.name)).await?;
    let now = time::now_millis();
    let mut tx = app.db.begin().await?;
    campaign_for_write(app, ctx, &mut tx, id).await?;
    if !store::unlink_deal(&mut tx, ctx.workspace_id, id, deal, now).await? {
        return Err(AppError::NotFound);
    }
    let event =
        Event::on("campaigns.deals.unlink", CAMPAIGNS.name, &id).with(json!({ "deal_id": deal }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// A page of the deals a campaign influenced (live deals only).
pub async fn list_deals(
    app: &App,
    ctx: &Ctx,
    id: CampaignId,
    input: ListInput,
) -> Result<Page<InfluencedDeal>, AppError> {
    campaign_for_read(app, ctx, id).await?;
    authorize(app, ctx, Action::Read, Resource::Records("deals")).await?;
    let mut req = ListRequest::parse(input, Fields::builtin(&CAMPAIGN_DEALS), ctx.actor.user())?;
    req.restrict(of_campaign(id));
    let page = list::list::<DealLinkRow>(&app.db, ctx.workspace_id, req.params()).await?;
    Ok(Page {
        items: page.items.into_iter().map(DealLinkRow::into_deal).collect(),
        next_cursor: page.next_cursor,
        total: page.total,
    })
}
