//! The OpenAPI 3.1 document (generated from the handlers) and the human docs at `/api/docs`,
//! served from the binary (Swagger UI is vendored into the build; no CDN).

use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
    modifiers(&Credentials),
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

/// The two ways to authenticate, declared so `/api/docs` can send a token ("Authorize") and a
/// generated client knows them: a personal API token as a bearer token, or the browser session
/// cookie (unsafe methods then also need `X-CSRF-Token`). Every operation accepts either; the few
/// that need none (login, setup, health) say so by answering without one.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rpt_…")
                    .description(Some("A personal API token (POST /api/v1/tokens)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::extract::ctx::PLAIN_COOKIE,
                "The session cookie set by POST /api/v1/auth/login (__Host-rapport_session over TLS)",
            ))),
        );
        openapi.security = Some(vec![
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/openapi.json";
/// Where the human docs are served.
pub const DOCS_PATH: &str = "/api/docs";
