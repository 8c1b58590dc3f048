//! `/api/v1/{object}/{id}/associations[/{other_object}[/{other_id}]]`: labelled links between
//! contacts, companies, deals, leads, cases and projects.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::associations;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::Problems;
use crate::extract::{JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

/// A record's associations.
#[derive(Debug, Serialize, ToSchema)]
pub struct Associations {
    /// `{type, id, label, created_at}` for each associated record the caller may read.
    pub data: Vec<Value>,
}

/// `PUT` body: `{}` or `{"label": "decision_maker"}`.
#[derive(Debug, ToSchema)]
pub struct AssociationInput {
    /// An optional label (one line, at most 100 characters).
    pub label: Option<String>,
}

macro_rules! association_routes {
    ($object:literal, $all:ident, $of:ident, $get:ident, $put:ident, $delete:ident, $router:ident) => {
        #[doc = concat!("Every association of one of the ", $object, ".")]
        #[utoipa::path(get, path = concat!("/api/v1/", $object, "/{id}/associations"), tag = "associations",
            params(("id" = String, Path)), responses((status = 200, body = Associations), Problems))]
        pub async fn $all(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path(raw): Path<String>,
        ) -> Result<Json<Associations>, ApiError> {
            let id = ids::parse(&raw)?;
            let data = associations::list(&s.app, &ctx, ($object, id), None).await?;
            Ok(Json(Associations { data }))
        }

        #[doc = concat!("The associations of one of the ", $object, " with records of one object.")]
        #[utoipa::path(get, path = concat!("/api/v1/", $object, "/{id}/associations/{other_object}"), tag = "associations",
            params(("id" = String, Path), ("other_object" = String, Path)),
            responses((status = 200, body = Associations), Problems))]
        pub async fn $of(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path((raw, other)): Path<(String, String)>,
        ) -> Result<Json<Associations>, ApiError> {
            let id = ids::parse(&raw)?;
            let data = associations::list(&s.app, &ctx, ($object, id), Some(&other)).await?;
            Ok(Json(Associations { data }))
        }

        #[doc = concat!("One association of one of the ", $object, ".")]
        #[utoipa::path(get, path = concat!("/api/v1/", $object, "/{id}/associations/{other_object}/{other_id}"), tag = "associations",
            params(("id" = String, Path), ("other_object" = String, Path), ("other_id" = String, Path)),
            responses((status = 200, body = Object), Problems))]
        pub async fn $get(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path((raw, other, raw_other)): Path<(String, String, String)>,
        ) -> Result<Json<Value>, ApiError> {
            let (id, other_id) = (ids::parse(&raw)?, ids::parse(&raw_other)?);
            Ok(Json(associations::get(&s.app, &ctx, ($object, id), (&other, other_id)).await?))
        }

        #[doc = concat!("Associate one of the ", $object, " with another record (201 when new, 200 when relabelled).")]
        #[utoipa::path(put, path = concat!("/api/v1/", $object, "/{id}/associations/{other_object}/{other_id}"), tag = "associations",
            params(("id" = String, Path), ("other_object" = String, Path), ("other_id" = String, Path)),
            request_body = AssociationInput,
            responses((status = 201, body = Object), (status = 200, body = Object), Problems))]
        pub async fn $put(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path((raw, other, raw_other)): Path<(String, String, String)>,
            JsonBody(body): JsonBody,
        ) -> Result<Response, ApiError> {
            let (id, other_id) = (ids::parse(&raw)?, ids::parse(&raw_other)?);
            let (created, a) =
                associations::put(&s.app, &ctx, ($object, id), (&other, other_id), &body).await?;
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            Ok((status, Json(a)).into_response())
        }

        #[doc = concat!("Remove an association of one of the ", $object, ".")]
        #[utoipa::path(delete, path = concat!("/api/v1/", $object, "/{id}/associations/{other_object}/{other_id}"), tag = "associations",
            params(("id" = String, Path), ("other_object" = String, Path), ("other_id" = String, Path)),
            responses((status = 204, description = "Removed"), Problems))]
        pub async fn $delete(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            Path((raw, other, raw_other)): Path<(String, String, String)>,
        ) -> Result<Response, ApiError> {
            let (id, other_id) = (ids::parse(&raw)?, ids::parse(&raw_other)?);
            associations::delete(&s.app, &ctx, ($object, id), (&other, other_id)).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }

        fn $router() -> OpenApiRouter<AppState> {
            OpenApiRouter::new()
                .routes(routes!($all))
                .routes(routes!($of))
                .routes(routes!($get, $put, $delete))
        }
    };
}

association_routes!(
    "contacts",
    contact_associations,
    contact_associations_of,
    get_contact_association,
    put_contact_association,
    delete_contact_association,
    contact_router
);
association_routes!(
    "companies",
    company_associations,
    company_associations_of,
    get_company_association,
    put_company_association,
    delete_company_association,
    company_router
);
association_routes!(
    "deals",
    deal_associations,
    deal_associations_of,
    get_deal_association,
    put_deal_association,
    delete_deal_association,
    deal_router
);
association_routes!(
    "leads",
    lead_associations,
    lead_associations_of,
    get_lead_association,
    put_lead_association,
    delete_lead_association,
    lead_router
);
association_routes!(
    "cases",
    case_associations,
    case_associations_of,
    get_case_association,
    put_case_association,
    delete_case_association,
    case_router
);
association_routes!(
    "projects",
    project_associations,
    project_associations_of,
    get_project_association,
    put_project_association,
    delete_project_association,
    project_router
);

/// Every association route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(contact_router())
        .merge(company_router())
        .merge(deal_router())
        .merge(lead_router())
        .merge(case_router())
        .merge(project_router())
}
