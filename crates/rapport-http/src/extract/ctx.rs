//! The request context: which workspace, which actor, which request. Until identity exists every
//! request acts anonymously in the default workspace; authentication will fill this in here and
//! nowhere else.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rapport_app::{Actor, Ctx};
use rapport_domain::ids::WorkspaceId;

use crate::middleware::request_id::RequestId;
use crate::problem::ApiError;

/// The [`Ctx`] of this request.
#[derive(Debug, Clone)]
pub struct RequestCtx(pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for RequestCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        Ok(RequestCtx(Ctx {
            workspace_id: WorkspaceId::DEFAULT,
            actor: Actor::Anonymous,
            request_id,
        }))
    }
}
