//! `/api/v1/tokens`: the caller's personal API tokens. The secret is shown once, at creation.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rapport_app::AppError;
use rapport_app::identity::tokens::{self, TokenRequest};
use rapport_domain::validation::FieldError;
use rapport_store::tokens::TokenRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::resource::Problems;
use crate::extract::{RequestCtx, TypedJson};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "tokens";

/// The token routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// `POST /api/v1/tokens` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// A name to recognise it by.
    pub name: String,
    /// Scopes: `read`, `write`, `admin`, or per object as `contacts:read`.
    pub scopes: Vec<String>,
    /// Lifetime such as `30d`, `12h`, `90m` (default: until revoked).
    pub expires_in: Option<String>,
}

/// A token as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    /// Its id (for revocation).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// When it was created.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used (to within a minute).
    #[serde(serialize_with = "rapport_domain::objects::time::serialize_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for Token {
    fn from(t: TokenRow) -> Self {
        Token {
            id: t.id,
            name: t.name,
            scopes: t.scopes.split(',').map(str::to_owned).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new token with its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token.
    #[serde(flatten)]
    pub token: Token,
    /// `rpt_...`: shown this once; store it now.
    pub secret: String,
}

/// The caller's tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// Newest first.
    pub data: Vec<Token>,
}

/// Lists the caller's tokens in this workspace (needs the admin scope from a token).
#[utoipa::path(get, path = "/api/v1/tokens", tag = TAG,
    responses((status = 200, body = TokenList), Problems))]
pub async fn list_tokens(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Json<TokenList>, ApiError> {
    let data = tokens::list_own(&s.app, &ctx).await?;
    Ok(Json(TokenList {
        data: data.into_iter().map(Token::from).collect(),
    }))
}

/// Creates a token for the caller, with at most the caller's own scopes.
#[utoipa::path(post, path = "/api/v1/tokens", tag = TAG, request_body = CreateToken,
    responses((status = 201, body = CreatedToken), Problems))]
pub async fn create_token(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<CreateToken>,
) -> Result<Response, ApiError> {
    let expires_in = match body.expires_in.as_deref() {
        None => None,
        Some(text) => Some(tokens::parse_lifetime(text).ok_or_else(|| {
            AppError::Validation(vec![FieldError {
                pointer: "/expires_in".into(),
                code: "invalid_format".into(),
                message: "a lifetime such as 30d, 12h or 90m, at most ten years".into(),
            }])
        })?),
    };
    let req = TokenRequest {
        name: body.name,
        scopes: body.scopes.join(","),
        expires_in,
    };
    let issued = tokens::create_own(&s.app, &ctx, &req).await?;
    let mut res = (
        StatusCode::CREATED,
        Json(CreatedToken {
            token: issued.token.into(),
            secret: issued.secret,
        }),
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Revokes one of the caller's tokens: the next request with it is refused.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = TAG,
    params(("id" = Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), Problems))]
pub async fn revoke_token(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = crate::extract::ids::parse(&id)?;
    tokens::revoke_own(&s.app, &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
