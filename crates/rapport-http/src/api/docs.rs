//! The OpenAPI 3.1 document (generated from the handlers) and the human docs at `/api/docs`,
//! served from the binary (Swagger UI is vendored into the build; no CDN).

use utoipa::OpenApi;

use crate::problem::Problem;

/// The document's fixed parts; paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport API",
        description = "The Rapport CRM API. Conventions: RFC 9457 problems, cursor pagination, filters, \
                       ETags and If-Match, Idempotency-Key. See /problems/{type} for every error type."
    ),
    components(schemas(Problem)),
    tags(
        (name = "contacts", description = "People"),
        (name = "companies", description = "Organisations"),
        (name = "cases", description = "Support cases, numbered, with SLA deadlines"),
        (name = "campaigns", description = "Marketing campaigns, their members and influenced deals"),
        (name = "custom-fields", description = "A workspace's own fields on its objects (`custom.<key>`)"),
        (name = "search", description = "Search across objects"),
        (name = "auth", description = "Login, sessions, first-run setup, invitations"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "members", description = "Workspace members, roles and invitations"),
        (name = "audit", description = "The tamper-evident audit log"),
        (name = "operations", description = "Health, readiness, metrics, error registry")
    )
)]
pub struct ApiDoc;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/openapi.json";
/// Where the human docs are served.
pub const DOCS_PATH: &str = "/api/docs";
