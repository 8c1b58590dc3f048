//! Who is asking, in which workspace, from where: filled by the HTTP layer's authentication (and by
//! the CLI for its own commands), read by every use case, the policy and the audit log.

use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::policy::{Principal, Role, Scopes};
use uuid::Uuid;

/// Who makes a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Someone not yet authenticated (a failed login, a setup link).
    Anonymous,
    /// The system itself (CLI commands, seed, jobs).
    System,
    /// A user, through a browser session (`token: None`) or one of their API tokens.
    User {
        /// The user.
        id: UserId,
        /// The API token used, when not a session.
        token: Option<Uuid>,
    },
}

impl Actor {
    /// The user, when a user acts.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Actor::User { id, .. } => Some(*id),
            Actor::System | Actor::Anonymous => None,
        }
    }

    /// `system`, `user` or `token`, as the audit log names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Anonymous => "anonymous",
            Actor::System => "system",
            Actor::User { token: None, .. } => "user",
            Actor::User { token: Some(_), .. } => "token",
        }
    }
}

/// Where a request came from, as recorded in the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// The client's IP address (the peer, or the proxy-reported address when proxies are
    /// trusted).
    pub ip: Option<String>,
    /// The `User-Agent` header, cut to a bounded length.
    pub user_agent: Option<String>,
    /// The caller's own `X-Request-Id`, kept beside the server's (which is `Ctx::request_id`).
    pub request_id: Option<String>,
}

/// The request context every use case receives.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The workspace the caller acts in.
    pub workspace_id: WorkspaceId,
    /// The caller.
    pub actor: Actor,
    /// What the caller may do (role and token scopes).
    pub principal: Principal,
    /// The request id, for logs, problem details and the audit log.
    pub request_id: String,
    /// Where the request came from.
    pub client: Client,
}

impl Ctx {
    /// The system acting in `workspace_id` with every permission (CLI commands, seed, jobs).
    pub fn system(workspace_id: WorkspaceId) -> Self {
        Self {
            workspace_id,
            actor: Actor::System,
            principal: Principal::builtin(Role::Owner, Scopes::all()),
            request_id: "cli".into(),
            client: Client::default(),
        }
    }

    /// Someone not yet authenticated, allowed nothing (login, setup, invitation acceptance).
    pub fn anonymous(request_id: String, client: Client) -> Self {
        Self {
            workspace_id: rapport_store::audit::INSTANCE,
            actor: Actor::Anonymous,
            principal: Principal::builtin(Role::Viewer, Scopes::default()),
            request_id,
            client,
        }
    }
}
