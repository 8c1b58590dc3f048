//! Appointments: what differs from every other object (the shared use cases are in
//! [`crate::records`]): attendees and linked records must exist in the workspace, the owner
//! defaults to the creator, and lists take a calendar range.

use chrono::{DateTime, TimeDelta, Utc};
use rapport_domain::filter::{Op, dates};
use rapport_domain::ids::UserId;
use rapport_domain::objects::{Appointment, AppointmentDraft};
use rapport_domain::query::{Scalar, TypedCond, TypedExpr, TypedValue};
use rapport_domain::schema::{APPOINTMENTS, ObjectSchema};
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::appointments::AppointmentRow;
use rapport_store::list::Page;
use rapport_store::records::find_for_write;
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::lists::ListInput;
use crate::records::{self, Object};
use crate::references;

/// The longest calendar range one list may ask for.
pub const MAX_RANGE_DAYS: i64 = 366;

impl Object for Appointment {
    type Table = AppointmentRow;
    const SCHEMA: &'static ObjectSchema = &APPOINTMENTS;

    fn parse(_app: &App, body: Value) -> Result<AppointmentDraft, Vec<FieldError>> {
        AppointmentDraft::parse(body)
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// Attendee contacts and linked records must be live records of this workspace, attendee
    /// users and the owner its members; every miss is listed with its pointer. Only what the
    /// write brings in is checked: a past meeting whose contact was deleted or whose attendee
    /// left can still be edited, and a restored one comes back as it was.
    async fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &AppointmentDraft,
        own: Uuid,
    ) -> Result<(), AppError> {
        let stored = find_for_write::<AppointmentRow>(tx, ctx.workspace_id, own)
            .await?
            .map(|(a, _)| a.fields);
        let had = |f: &dyn Fn(&AppointmentDraft) -> bool| stored.as_ref().is_some_and(f);
        let mut records: Vec<(String, &str, Uuid)> = Vec::new();
        for (i, c) in draft.attendees.contacts.iter().enumerate() {
            if !had(&|s| s.attendees.contacts.contains(c)) {
                records.push((format!("/attendees/contacts/{i}"), "contacts", c.0));
            }
        }
        for (i, r) in draft.records.iter().enumerate() {
            if !had(&|s| s.records.contains(r)) {
                records.push((format!("/records/{i}/id"), r.object.as_str(), r.id));
            }
        }
        let mut members: Vec<(String, UserId)> = Vec::new();
        for (i, u) in draft.attendees.users.iter().enumerate() {
            if !had(&|s| s.attendees.users.contains(u)) {
                members.push((format!("/attendees/users/{i}"), *u));
            }
        }
        let records: Vec<(&str, &str, Uuid)> = records
            .iter()
            .map(|(p, o, id)| (p.as_str(), *o, *id))
            .collect();
        let members: Vec<(&str, UserId)> = members.iter().map(|(p, u)| (p.as_str(), *u)).collect();
        references::check_all(tx, ctx.workspace_id, &records, &members).await
    }

    /// A new appointment without an owner is the creator's, so it is in their calendar feed.
    async fn settle(
        _app: &App,
        _tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Appointment>,
        record: &mut Appointment,
    ) -> Result<(), AppError> {
        if before.is_none() && record.fields.owner_id.is_none() {
            record.fields.owner_id = ctx.actor.user();
        }
        Ok(())
    }
}

/// A calendar range `[from, to)`: the appointments overlapping it (starting before `to` and
/// ending after `from`), so one ending exactly at `from` or starting exactly at `to` is out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Start, included.
    pub from: DateTime<Utc>,
    /// End, excluded.
    pub to: DateTime<Utc>,
}

fn bad(parameter: &'static str, message: impl Into<String>) -> AppError {
    AppError::BadParameter {
        parameter,
        message: message.into(),
    }
}

impl Range {
    /// Reads `from` and `to` (RFC 3339, or relative like filters: `today`, `+7d`): both or
    /// neither, `to` after `from`, at most [`MAX_RANGE_DAYS`] apart.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Range>, AppError> {
        let read = |parameter: &'static str, raw: &str| {
            dates::resolve_instant(raw.trim(), now).map_err(|m| bad(parameter, m))
        };
        let (from, to) = match (from, to) {
            (None, None) => return Ok(None),
            (Some(_), None) => return Err(bad("to", "from and to go together: give both")),
            (None, Some(_)) => return Err(bad("from", "from and to go together: give both")),
            (Some(f), Some(t)) => (read("from", f)?, read("to", t)?),
        };
        if to <= from {
            return Err(bad("to", "to must be after from"));
        }
        if to - from > TimeDelta::days(MAX_RANGE_DAYS) {
            return Err(bad(
                "to",
                format!("a calendar range spans at most {MAX_RANGE_DAYS} days"),
            ));
        }
        Ok(Some(Range { from, to }))
    }

    /// The overlap condition, on the schema's own fields.
    pub fn condition(&self) -> Result<TypedExpr, AppError> {
        let field = |path: &str| {
            APPOINTMENTS
                .field(path)
                .ok_or_else(|| AppError::Internal(format!("{path} is not an appointment field")))
        };
        Ok(TypedExpr::And(vec![
            TypedExpr::Cond(TypedCond {
                field: field("starts_at")?.into(),
                op: Op::Lt,
                value: TypedValue::One(Scalar::Time(self.to)),
            }),
            TypedExpr::Cond(TypedCond {
                field: field("ends_at")?.into(),
                op: Op::Gt,
                value: TypedValue::One(Scalar::Time(self.from)),
            }),
        ]))
    }
}

/// A page of appointments, within `range` when given; the list's own filter, sort and cursor
/// apply as for every object.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    input: ListInput,
    range: Option<Range>,
) -> Result<Page<Appointment>, AppError> {
    let restriction = range.map(|r| r.condition()).transpose()?;
    records::list_within::<Appointment>(app, ctx, input, restriction).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn ranges_need_both_ends_in_order_and_at_most_366_days() {
        let now = at("2026-11-22T10:00:00Z");
        assert_eq!(Range::parse(None, None, now).expect("none"), None);
        let r = Range::parse(
            Some("2026-11-01T00:00:00Z"),
            Some("2026-12-01T00:00:00Z"),
            now,
        )
        .expect("valid")
        .expect("some");
        assert_eq!(r.to - r.from, TimeDelta::days(30));
        let r = Range::parse(Some("today"), Some("+7d"), now)
            .expect("relative")
            .expect("some");
        assert_eq!(r.from, at("2026-11-22T00:00:00Z"));
        for (from, to, parameter) in [
            (Some("2026-11-01T00:00:00Z"), None, "to"),
            (None, Some("2026-11-01T00:00:00Z"), "from"),
            (
                Some("2026-11-02T00:00:00Z"),
                Some("2026-11-02T00:00:00Z"),
                "to",
            ),
            (
                Some("2026-11-03T00:00:00Z"),
                Some("2026-11-02T00:00:00Z"),
                "to",
            ),
            (
                Some("2026-01-01T00:00:00Z"),
                Some("2027-01-03T00:00:00Z"),
                "to",
            ),
            (Some("yesterday-ish"), Some("2026-11-02T00:00:00Z"), "from"),
        ] {
            match Range::parse(from, to, now) {
                Err(AppError::BadParameter { parameter: p, .. }) => {
                    assert_eq!(p, parameter, "{from:?} {to:?}");
                }
                other => panic!("{from:?} {to:?}: {other:?}"),
            }
        }
        // Exactly 366 days is allowed.
        assert!(
            Range::parse(
                Some("2026-01-01T00:00:00Z"),
                Some("2027-01-02T00:00:00Z"),
                now
            )
            .is_ok()
        );
    }
}
