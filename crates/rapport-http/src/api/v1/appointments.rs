//! `/api/v1/appointments`: meetings in the calendar. The list also takes a calendar range,
//! `from` and `to`.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rapport_app::appointments::{self, Range};
use rapport_app::lists::ListInput;
use rapport_app::{AppError, Ctx, records};
use rapport_domain::objects::appointment::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Appointment, AppointmentDraft};
use rapport_store::list::Page;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

/// `GET /api/v1/appointments` query parameters: the standard list parameters and a calendar
/// range.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AppointmentListQuery {
    /// Calendar range start (RFC 3339, or relative like filters: `today`, `-7d`); with `to`,
    /// only appointments overlapping `[from, to)` are listed (starting before `to` and ending
    /// after `from`). Both or neither; at most 366 days.
    pub from: Option<String>,
    /// Calendar range end, excluded (see `from`).
    pub to: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Comma-separated sortable fields, `-` for descending (default `starts_at`).
    pub sort: Option<String>,
    /// Filter expression, e.g. `attendees.users eq "me" and starts_at gte "today"`.
    pub filter: Option<String>,
    /// Comma-separated fields to return.
    pub fields: Option<String>,
    /// Count matching records (bounded; see `total_estimate`).
    pub include_total: Option<bool>,
}

/// Lists within the calendar range, when one is given, through the shared list path.
async fn list_in_range(
    app: &rapport_app::App,
    ctx: &Ctx,
    q: &AppointmentListQuery,
) -> Result<Page<Appointment>, AppError> {
    let range = Range::parse(q.from.as_deref(), q.to.as_deref(), Utc::now())?;
    let input = ListInput {
        filter: q.filter.clone(),
        sort: q.sort.clone(),
        limit: q.limit.clone(),
        cursor: q.cursor.clone(),
        include_total: q.include_total.unwrap_or(false),
    };
    appointments::list(app, ctx, input, range).await
}

record_resource! {
    record: Appointment,
    draft: AppointmentDraft,
    noun: "appointment",
    nouns: "appointments",
    tag: "appointments",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/appointments",
        item: "/api/v1/appointments/{id}",
        restore: "/api/v1/appointments/{id}/restore",
        search: "/api/v1/appointments/search",
        export: "/api/v1/appointments/export",
        batch: "/api/v1/appointments/batch",
    },
    handlers: {
        list: list_appointments,
        create: create_appointment,
        get: get_appointment,
        update: update_appointment,
        delete: delete_appointment,
        restore: restore_appointment,
        search: search_appointments,
        export: export_appointments,
        batch: batch_appointments,
    },
    list: { query: AppointmentListQuery, run: list_in_range, },
}
