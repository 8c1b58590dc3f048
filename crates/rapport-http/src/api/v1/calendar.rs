//! Calendar feeds: `POST`/`DELETE /api/v1/calendar/token` manage the caller's secret feed URL,
//! and `GET /calendar/{feed}` (`<token>.ics`, outside `/api`: calendar apps poll it without
//! signing in, the token being the credential) serves their appointments as iCalendar.
//!
//! The route template is `/calendar/{feed}` rather than `/calendar/{token}.ics` because the
//! router (matchit 0.8.4, pinned by axum 0.8) only accepts a parameter that fills a whole path
//! segment; the handler takes `<token>.ics` and answers 404 for anything else.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rapport_app::AppError;
use rapport_app::calendar;
use rapport_domain::ics;
use rapport_domain::objects::Appointment;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::Problems;
use crate::extract::{AnonymousCtx, RequestCtx};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

const TAG: &str = "calendar";

/// The calendar routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_calendar_token, revoke_calendar_token))
        .routes(routes!(calendar_feed))
}

/// A new feed token.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarToken {
    /// `rcal_...`: shown this once; it is part of the URL.
    pub token: String,
    /// The feed's address, to paste into a calendar app.
    pub url: String,
    /// When it was made.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub created_at: DateTime<Utc>,
}

/// Creates the caller's calendar feed token, replacing any earlier one (whose URL then answers
/// 404). The feed lists the appointments the caller owns or attends, from 30 days ago to 365
/// days ahead.
#[utoipa::path(post, path = "/api/v1/calendar/token", tag = TAG,
    responses((status = 201, body = CalendarToken), Problems))]
pub async fn create_calendar_token(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Response, ApiError> {
    let made = calendar::create_token(&s.app, &ctx).await?;
    let base = s.app.config.server.public_url.trim_end_matches('/');
    let body = CalendarToken {
        url: format!("{base}/calendar/{}.ics", made.secret),
        token: made.secret,
        created_at: made.created_at,
    };
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Revokes the caller's calendar feed token: its URL answers 404 from now on.
#[utoipa::path(delete, path = "/api/v1/calendar/token", tag = TAG,
    responses((status = 204, description = "Revoked"), Problems))]
pub async fn revoke_calendar_token(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<StatusCode, ApiError> {
    calendar::revoke_token(&s.app, &ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A member's appointments as an iCalendar feed (RFC 5545), for calendar apps. No credentials:
/// the token in the address is one. Unknown, replaced or revoked tokens answer 404.
#[utoipa::path(get, path = "/calendar/{feed}", tag = TAG,
    params(("feed" = String, Path, description = "The feed token followed by `.ics`: `rcal_....ics`")),
    responses(
        (status = 200, content_type = "text/calendar", body = String, description = "The feed"),
        (status = 404, content_type = "application/problem+json", body = Problem, description = "No such feed"),
        (status = 503, content_type = "application/problem+json", body = Problem, description = "Overloaded or a dependency is down"),
    ))]
pub async fn calendar_feed(
    State(s): State<AppState>,
    AnonymousCtx(anon): AnonymousCtx,
    Path(feed): Path<String>,
) -> Result<Response, ApiError> {
    let Some(token) = feed.strip_suffix(".ics") else {
        return Err(AppError::NotFound.into());
    };
    let items = calendar::feed(&s.app, token, Utc::now(), anon.request_id, anon.client).await?;
    let events: Vec<ics::Event<'_>> = items.iter().map(event).collect();
    let text = ics::calendar("Rapport appointments", &events);
    let mut res = text.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    // Personal data behind a secret URL: no shared cache may keep it.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

fn event(a: &Appointment) -> ics::Event<'_> {
    let f = &a.fields;
    ics::Event {
        uid: a.id.to_string(),
        stamp: a.updated_at,
        starts_at: f.starts_at,
        ends_at: f.ends_at,
        summary: &f.title,
        location: f.location.as_deref(),
        url: f.video_url.as_ref().map(|u| u.as_str()),
        description: f.description.as_deref(),
        sequence: a.version - 1,
    }
}
