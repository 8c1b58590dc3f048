//! Calendar feeds: each member may have one secret feed URL (`/calendar/<token>.ics`) that a
//! calendar app polls without signing in. The token is the credential: shown once, stored as its
//! SHA-256, replaced by asking for a new one, closed by revoking it, by leaving the workspace or
//! by a disabled account. The feed reads through the same list path as the API, as the member,
//! with read access to appointments only.

use chrono::{DateTime, TimeDelta, Utc};
use rapport_domain::filter::Op;
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::objects::Appointment;
use rapport_domain::policy::{Action, Resource, Scopes};
use rapport_domain::query::{Scalar, TypedCond, TypedExpr, TypedValue};
use rapport_domain::schema::APPOINTMENTS;
use rapport_store::calendar;
use serde_json::json;

use crate::app::App;
use crate::appointments::Range;
use crate::audit::{self, Event};
use crate::ctx::{Actor, Client, Ctx};
use crate::error::AppError;
use crate::identity::{principal_for, random_secret, secret_hash, unauthenticated};
use crate::lists::ListInput;
use crate::policy::authorize;
use crate::records;

/// What every feed token starts with (so secret scanners can find leaked ones).
pub const PREFIX: &str = "rcal_";

/// How far back a feed reaches.
pub const PAST_DAYS: i64 = 30;
/// How far ahead a feed reaches.
pub const FUTURE_DAYS: i64 = 365;
/// Most appointments one feed serves (the earliest first): a bound on the work one poll costs.
pub const MAX_EVENTS: usize = 5_000;

/// A new feed token, shown this once.
#[derive(Debug, Clone)]
pub struct FeedToken {
    /// `rcal_...`.
    pub secret: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Creates the caller's feed token, replacing (and so closing) any earlier one.
pub async fn create_token(app: &App, ctx: &Ctx) -> Result<FeedToken, AppError> {
    authorize(app, ctx, Action::Create, Resource::OwnCredentials).await?;
    let user = ctx.actor.user().ok_or_else(unauthenticated)?;
    let secret = format!("{PREFIX}{}", random_secret());
    let now = Utc::now();
    let mut tx = app.db.begin().await?;
    calendar::put(&mut tx, ctx.workspace_id, user, &secret_hash(&secret), now).await?;
    let event = Event::on("calendar_feeds.create", "calendar_feeds", &user.0)
        .with(json!({ "user_id": user }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(FeedToken {
        secret,
        created_at: now,
    })
}

/// Revokes the caller's feed token: its URL answers 404 from now on. 404 when there is none.
pub async fn revoke_token(app: &App, ctx: &Ctx) -> Result<(), AppError> {
    authorize(app, ctx, Action::Delete, Resource::OwnCredentials).await?;
    let user = ctx.actor.user().ok_or_else(unauthenticated)?;
    let mut tx = app.db.begin().await?;
    if !calendar::remove(&mut tx, ctx.workspace_id, user).await? {
        return Err(AppError::NotFound);
    }
    let event = Event::on("calendar_feeds.revoke", "calendar_feeds", &user.0);
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The appointments of the feed with this token: those its member owns or attends, from
/// [`PAST_DAYS`] ago to [`FUTURE_DAYS`] ahead, earliest first. An unknown, replaced or revoked
/// token, a member who left or was disabled, or one whose role may no longer read appointments
/// all answer `NotFound`: the URL is the credential and says nothing about why it is dead.
/// The member's record scope applies as everywhere: a role limited to its own (or its teams')
/// records sees the meetings it attends only when their owner is within that reach.
pub async fn feed(
    app: &App,
    token: &str,
    now: DateTime<Utc>,
    request_id: String,
    client: Client,
) -> Result<Vec<Appointment>, AppError> {
    if !token.starts_with(PREFIX) {
        return Err(AppError::NotFound);
    }
    let Some(owner) = calendar::find_by_hash(&app.db, &secret_hash(token)).await? else {
        return Err(AppError::NotFound);
    };
    if owner.disabled_at.is_some() {
        return Err(AppError::NotFound);
    }
    let ws = WorkspaceId(owner.workspace_id);
    let user = UserId(owner.user_id);
    // Read-only, appointments only: whatever else the member may do, the URL may not.
    let scopes =
        Scopes::parse("appointments:read", &["appointments"]).map_err(AppError::Internal)?;
    let ctx = Ctx {
        workspace_id: ws,
        actor: Actor::User {
            id: user,
            token: None,
        },
        principal: principal_for(app, ws, &owner.role, scopes).await?,
        request_id,
        client,
    };
    let restriction = TypedExpr::And(vec![mine(user)?, window(now)?.condition()?]);
    let mut out: Vec<Appointment> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let input = ListInput {
            sort: Some("starts_at".into()),
            limit: Some("200".into()),
            cursor: cursor.take(),
            ..ListInput::default()
        };
        let page =
            match records::list_within::<Appointment>(app, &ctx, input, Some(restriction.clone()))
                .await
            {
                Ok(page) => page,
                Err(AppError::Forbidden(_)) => return Err(AppError::NotFound),
                Err(e) => return Err(e),
            };
        out.extend(page.items);
        match page.next_cursor {
            Some(next) if out.len() < MAX_EVENTS => cursor = Some(next),
            _ => break,
        }
    }
    out.truncate(MAX_EVENTS);
    Ok(out)
}

/// Appointments the user owns or attends.
fn mine(user: UserId) -> Result<TypedExpr, AppError> {
    let is = |path: &str| {
        APPOINTMENTS
            .field(path)
            .map(|field| {
                TypedExpr::Cond(TypedCond {
                    field: field.into(),
                    op: Op::Eq,
                    value: TypedValue::One(Scalar::Uuid(user.0)),
                })
            })
            .ok_or_else(|| AppError::Internal(format!("{path} is not an appointment field")))
    };
    Ok(TypedExpr::Or(vec![is("owner_id")?, is("attendees.users")?]))
}

/// The feed's span around `now`.
fn window(now: DateTime<Utc>) -> Result<Range, AppError> {
    let shift = |days: i64| {
        now.checked_add_signed(TimeDelta::days(days))
            .ok_or_else(|| AppError::Internal("feed window out of range".into()))
    };
    Ok(Range {
        from: shift(-PAST_DAYS)?,
        to: shift(FUTURE_DAYS)?,
    })
}
