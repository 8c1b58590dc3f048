//! Single sign-on with OpenID Connect (the openidconnect crate): authorization code flow with
//! PKCE (S256), a random state bound to the browser by a cookie, and a nonce. The ID token's
//! signature (provider keys from discovery), issuer, audience, expiry and nonce are checked by
//! the crate's verifier. Users are matched by verified e-mail address, or created just in time
//! into the provider's workspace when it allows it.

use std::time::Instant;

use chrono::{TimeDelta, Utc};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, reqwest,
};
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::policy::Role;
use rapport_store::audit::INSTANCE;
use rapport_store::{oidc as flows, users, workspaces};
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::config::OidcProvider;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::identity::sessions::{Opened, open};
use crate::identity::throttle::ip_key;
use crate::identity::{random_secret, secret_hash};

/// How long a started sign-in may come back.
const FLOW_TTL: TimeDelta = TimeDelta::minutes(10);

/// Where to send the browser, and the secret of the cookie that binds the flow to it.
#[derive(Debug, Clone)]
pub struct Redirect {
    /// The provider's authorization URL.
    pub url: String,
    /// Value of the browser-binding cookie.
    pub browser_secret: String,
}

fn failed(reason: impl std::fmt::Display) -> AppError {
    AppError::Unauthenticated(format!("single sign-on failed: {reason}"))
}

fn provider<'a>(app: &'a App, name: &str) -> Result<&'a OidcProvider, AppError> {
    app.config
        .auth
        .oidc
        .iter()
        .find(|p| p.name == name)
        .ok_or(AppError::NotFound)
}

/// The callback address registered at the provider.
pub fn redirect_uri(app: &App, provider: &str) -> String {
    format!(
        "{}/api/v1/auth/oidc/{provider}/callback",
        app.config.server.public_url.trim_end_matches('/')
    )
}

fn http() -> Result<reqwest::Client, AppError> {
    // No redirects: a token endpoint that redirects is a misconfiguration or an attack (SSRF).
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| AppError::Internal(format!("HTTP client: {e}")))
}

/// Reads the provider's discovery document and builds a client for it.
async fn client(
    app: &App,
    p: &OidcProvider,
    http: &reqwest::Client,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    AppError,
> {
    let issuer = IssuerUrl::new(p.issuer.clone()).map_err(|e| AppError::Internal(e.to_string()))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.name, error = %e, "OpenID discovery failed");
            AppError::Unavailable(format!("the sign-in provider {} cannot be reached", p.name))
        })?;
    let secret = p
        .secret()
        .map_err(AppError::Internal)?
        .map(ClientSecret::new);
    let redirect = RedirectUrl::new(redirect_uri(app, &p.name))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(
        CoreClient::from_provider_metadata(metadata, ClientId::new(p.client_id.clone()), secret)
            .set_redirect_uri(redirect),
    )
}

/// Starts a sign-in with provider `name`: where to redirect the browser.
pub async fn start(
    app: &App,
    name: &str,
    workspace_id: Option<Uuid>,
) -> Result<Redirect, AppError> {
    let p = provider(app, name)?;
    let http = http()?;
    let client = client(app, p, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browser_secret = random_secret();
    let mut tx = app.db.begin().await?;
    flows::start(
        &mut tx,
        &flows::Flow {
            state_hash: secret_hash(state.secret()),
            provider: p.name.clone(),
            browser_hash: secret_hash(&browser_secret),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            workspace_id,
            expires_at: Utc::now() + FLOW_TTL,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect {
        url: url.to_string(),
        browser_secret,
    })
}

/// The provider's answer on the callback.
#[derive(Debug, Clone)]
pub struct Callback<'a> {
    /// `code`.
    pub code: Option<&'a str>,
    /// `state`.
    pub state: Option<&'a str>,
    /// `error`, when the provider refused.
    pub error: Option<&'a str>,
    /// The browser-binding cookie, when the browser sent it.
    pub browser_secret: Option<&'a str>,
}

/// Finishes a sign-in: checks state, browser binding and the ID token, finds or creates the
/// user, and opens a session. Failures are throttled per client address and recorded as
/// `auth.login_failed` in the instance's audit chain (no workspace is known yet).
pub async fn finish(
    app: &App,
    ctx: &Ctx,
    name: &str,
    cb: &Callback<'_>,
) -> Result<Opened, AppError> {
    let keys: Vec<String> = ctx.client.ip.iter().map(|ip| ip_key(ip)).collect();
    if let Some(wait) = app.throttle.wait(&keys, Instant::now()) {
        return Err(AppError::TooManyRequests {
            detail: "too many failed sign-ins; wait before trying again".into(),
            retry_after_secs: crate::error::retry_after_secs(wait),
        });
    }
    let result = complete(app, ctx, name, cb).await;
    if let Err(AppError::Unauthenticated(reason)) = &result {
        app.throttle.failure(&keys, Instant::now());
        let event = Event::plain("auth.login_failed")
            .with(json!({ "method": "oidc", "provider": name, "reason": reason }));
        if let Err(e) = audit::record_alone(&app.db, INSTANCE, ctx, event).await {
            tracing::error!(error = %e, "could not record a failed sign-in");
        }
    }
    result
}

async fn complete(app: &App, ctx: &Ctx, name: &str, cb: &Callback<'_>) -> Result<Opened, AppError> {
    let p = provider(app, name)?;
    if let Some(e) = cb.error {
        return Err(failed(format!("the provider answered {e}")));
    }
    let (Some(code), Some(state)) = (cb.code, cb.state) else {
        return Err(failed("the provider's answer lacks code or state"));
    };
    let mut tx = app.db.begin().await?;
    let flow = flows::take(&mut tx, &secret_hash(state), Utc::now()).await?;
    tx.commit().await?;
    let flow = flow
        .filter(|f| f.provider == p.name)
        .ok_or_else(|| failed("the sign-in state is unknown, used or expired"))?;
    let bound = cb
        .browser_secret
        .is_some_and(|s| secret_hash(s) == flow.browser_hash);
    if !bound {
        return Err(failed("the sign-in was started in another browser"));
    }
    let http = http()?;
    let client = client(app, p, &http).await?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| AppError::Internal(format!("token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&http)
        .await
        .map_err(|e| failed(format!("the code was refused: {e}")))?;
    use openidconnect::TokenResponse;
    let id_token = response
        .id_token()
        .ok_or_else(|| failed("the provider sent no ID token"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone()))
        .map_err(|e| failed(format!("the ID token does not verify: {e}")))?;
    // Providers that follow the spec strictly put profile claims in userinfo rather than in
    // the ID token when an access token is issued: ask there, for the same subject.
    let (email, verified) = match claims.email() {
        Some(e) => (e.as_str().to_owned(), claims.email_verified()),
        None => {
            use openidconnect::OAuth2TokenResponse;
            let info: openidconnect::core::CoreUserInfoClaims = client
                .user_info(
                    response.access_token().clone(),
                    Some(claims.subject().clone()),
                )
                .map_err(|_| failed("the ID token carries no e-mail address"))?
                .request_async(&http)
                .await
                .map_err(|e| failed(format!("userinfo could not be read: {e}")))?;
            let email = info
                .email()
                .map(|e| e.as_str().to_owned())
                .ok_or_else(|| failed("the provider gives no e-mail address"))?;
            (email, info.email_verified())
        }
    };
    if verified != Some(true) {
        return Err(failed("the provider has not verified this e-mail address"));
    }
    let (user, ws, role) = place(app, ctx, p, &email, flow.workspace_id).await?;
    open(app, ctx, user, ws, &role, "oidc").await
}

/// Finds (or creates, when the provider allows it) the user and the membership to open.
async fn place(
    app: &App,
    ctx: &Ctx,
    p: &OidcProvider,
    email: &str,
    wanted: Option<Uuid>,
) -> Result<(UserId, WorkspaceId, String), AppError> {
    let existing = users::find_by_email(&app.db, email).await?;
    if existing.as_ref().is_some_and(|u| u.disabled_at.is_some()) {
        return Err(failed("this account is disabled"));
    }
    let Some(home) = &p.workspace else {
        // A global provider signs existing members in, nowhere new.
        let user = existing.ok_or_else(|| failed("no account has this address"))?;
        let ms = users::memberships_of(&app.db, UserId(user.id)).await?;
        let m = match wanted {
            Some(w) => ms.iter().find(|m| m.workspace_id == w),
            None => ms.first(),
        }
        .ok_or_else(|| failed("this account belongs to no such workspace"))?;
        return Ok((UserId(user.id), WorkspaceId(m.workspace_id), m.role.clone()));
    };
    let role = Role::parse(&p.role).ok_or_else(|| AppError::Internal("provider role".into()))?;
    let mut tx = app.db.begin().await?;
    let ws = match workspaces::find_by_name(&mut tx, home).await? {
        Some(w) => WorkspaceId(w.id),
        None if p.create_users => {
            let id = WorkspaceId::new();
            crate::workspaces::open(&mut tx, ctx, id, home).await?;
            id
        }
        None => return Err(failed("the provider's workspace does not exist")),
    };
    let mut actor = ctx.clone();
    actor.workspace_id = ws;
    let user = match existing {
        Some(u) => UserId(u.id),
        None if p.create_users => {
            let id = UserId::new();
            users::insert(&mut tx, id, email, email, None, Utc::now()).await?;
            let event = Event::on("users.create", "users", &id)
                .with(json!({ "via": "oidc", "provider": p.name, "role": role.as_str() }));
            audit::record(&mut tx, &actor, event).await?;
            id
        }
        None => return Err(failed("no account has this address")),
    };
    let role_name = match users::membership_for_write(&mut tx, ws, user).await? {
        Some(m) => m.role,
        None if p.create_users => {
            users::put_membership(&mut tx, ws, user, role.as_str()).await?;
            let event = Event::on("members.join", "members", &user)
                .with(json!({ "via": "oidc", "provider": p.name, "role": role.as_str() }));
            audit::record(&mut tx, &actor, event).await?;
            role.as_str().to_owned()
        }
        None => {
            return Err(failed(
                "this account is not a member of the provider's workspace",
            ));
        }
    };
    tx.commit().await?;
    Ok((user, ws, role_name))
}
