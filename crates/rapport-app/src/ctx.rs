//! Who is asking, in which workspace: filled by the HTTP layer's request-context extractor (and
//! by the CLI), read by every use case.

use rapport_domain::ids::{UserId, WorkspaceId};

/// Who makes a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// No identity yet: the single-workspace mode before users exist.
    Anonymous,
    /// The system itself (seed, jobs).
    System,
    /// A user.
    User(UserId),
}

/// The request context every use case receives.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The workspace the caller acts in.
    pub workspace_id: WorkspaceId,
    /// The caller.
    pub actor: Actor,
    /// The request id, for logs and problem details.
    pub request_id: String,
}

impl Ctx {
    /// A system context in the default workspace (CLI commands).
    pub fn system() -> Self {
        Self {
            workspace_id: WorkspaceId::DEFAULT,
            actor: Actor::System,
            request_id: "cli".into(),
        }
    }
}
