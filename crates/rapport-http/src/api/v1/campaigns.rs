//! `/api/v1/campaigns`: marketing campaigns, their members (contacts and leads, with how far each
//! went) and the deals they influenced.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::campaigns;
use rapport_domain::ids::CampaignId;
use rapport_domain::objects::campaign::{InfluencedDeal, MembersBody, MembersOutcome};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{self, Fields, ListEnvelope, ListQuery, Problems};
use crate::extract::{ApiQuery, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "campaigns";

/// The members' fields, for `fields=`.
const MEMBER_FIELDS: &[&str] = &["type", "id", "status", "added_at", "updated_at"];

/// The influenced deals' fields, for `fields=`.
const DEAL_FIELDS: &[&str] = &["deal_id", "linked_at"];

/// The routes of campaigns, their members and their deals.
pub fn router() -> OpenApiRouter<AppState> {
    record::router()
        .routes(routes!(list_members, put_members))
        .routes(routes!(remove_member))
        .routes(routes!(list_deals))
        .routes(routes!(link_deal, unlink_deal))
}

/// The campaign records themselves, through the shared record resource.
mod record {
    use axum::extract::{OriginalUri, Path, State};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use rapport_app::records;
    use rapport_domain::objects::campaign::{READ_ONLY, WRITABLE};
    use rapport_domain::objects::{Campaign, CampaignDraft};
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;

    use super::super::resource::{
        self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
    };
    use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
    use crate::problem::ApiError;
    use crate::state::AppState;

    record_resource! {
        record: Campaign,
        draft: CampaignDraft,
        noun: "campaign",
        nouns: "campaigns",
        tag: "campaigns",
        known: &[WRITABLE, READ_ONLY],
        paths: {
            collection: "/api/v1/campaigns",
            item: "/api/v1/campaigns/{id}",
            restore: "/api/v1/campaigns/{id}/restore",
            search: "/api/v1/campaigns/search",
            export: "/api/v1/campaigns/export",
            batch: "/api/v1/campaigns/batch",
        },
        handlers: {
            list: list_campaigns,
            create: create_campaign,
            get: get_campaign,
            update: update_campaign,
            delete: delete_campaign,
            restore: restore_campaign,
            search: search_campaigns,
            export: export_campaigns,
            batch: batch_campaigns,
        },
    }
}

fn campaign_id(raw: &str) -> Result<CampaignId, ApiError> {
    Ok(CampaignId(ids::parse(raw)?))
}

/// Lists a campaign's members (filter on `type`, `id` and `status`; sort on `added_at`,
/// `updated_at`). Members whose contact or lead is deleted are left out.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/members", tag = TAG,
    summary = "List a campaign's members",
    params(("id" = String, Path, description = "The campaign"), ListQuery),
    responses((status = 200, body = ListEnvelope, description = "A page of members"), Problems))]
pub async fn list_members(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let fields = Fields::from_query(q.fields.as_deref(), &[MEMBER_FIELDS])?;
    let page = campaigns::list_members(&s.app, &ctx, campaign_id(&raw)?, q.input()).await?;
    Ok(resource::page(page, fields.as_ref(), Some(&uri), &[]))
}

/// Adds members or changes their status, 1 to 1000 at a time: an upsert by type and id, all or
/// nothing. A member sent without a status keeps its own, or starts `targeted`; sending the same
/// members again changes nothing.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/members", tag = TAG,
    summary = "Add or update a campaign's members",
    request_body = MembersBody,
    params(("id" = String, Path, description = "The campaign"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    responses((status = 200, body = MembersOutcome, description = "The members as they now stand"), Problems))]
pub async fn put_members(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<MembersOutcome>, ApiError> {
    let id = campaign_id(&raw)?;
    Ok(Json(campaigns::put_members(&s.app, &ctx, id, body).await?))
}

/// Removes a member from a campaign (adding it again brings it back as `targeted`, or with the
/// status sent).
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}/members/{type}/{member_id}", tag = TAG,
    summary = "Remove a campaign's member",
    params(("id" = String, Path, description = "The campaign"),
        ("type" = String, Path, description = "`contacts` or `leads`"),
        ("member_id" = String, Path, description = "The contact's or lead's id")),
    responses((status = 204, description = "Removed"), Problems))]
pub async fn remove_member(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path((raw, object, member)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = campaign_id(&raw)?;
    campaigns::remove_member(&s.app, &ctx, id, &object, ids::parse(&member)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists the deals a campaign influenced (sort on `linked_at`). Deleted deals are left out.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/deals", tag = TAG,
    summary = "List the deals a campaign influenced",
    params(("id" = String, Path, description = "The campaign"), ListQuery),
    responses((status = 200, body = ListEnvelope, description = "A page of influenced deals"), Problems))]
pub async fn list_deals(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let fields = Fields::from_query(q.fields.as_deref(), &[DEAL_FIELDS])?;
    let page = campaigns::list_deals(&s.app, &ctx, campaign_id(&raw)?, q.input()).await?;
    Ok(resource::page(page, fields.as_ref(), Some(&uri), &[]))
}

/// Records that a campaign influenced a deal: 201 when the link is new, 200 when it already
/// existed (the call is idempotent).
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/deals/{deal_id}", tag = TAG,
    summary = "Link a deal the campaign influenced",
    params(("id" = String, Path, description = "The campaign"),
        ("deal_id" = String, Path, description = "The deal")),
    responses((status = 201, body = InfluencedDeal, description = "Linked"),
        (status = 200, body = InfluencedDeal, description = "Already linked"), Problems))]
pub async fn link_deal(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path((raw, deal)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = campaign_id(&raw)?;
    let (link, created) = campaigns::link_deal(&s.app, &ctx, id, ids::parse(&deal)?).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(link)).into_response())
}

/// Unlinks a deal from a campaign.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}/deals/{deal_id}", tag = TAG,
    summary = "Unlink a deal from the campaign",
    params(("id" = String, Path, description = "The campaign"),
        ("deal_id" = String, Path, description = "The deal")),
    responses((status = 204, description = "Unlinked"), Problems))]
pub async fn unlink_deal(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path((raw, deal)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = campaign_id(&raw)?;
    campaigns::unlink_deal(&s.app, &ctx, id, ids::parse(&deal)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
