//! Appointments in the database: rows, writes (with their attendee, link and search rows, in the
//! caller's transaction) and reads.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{AppointmentId, UserId, WorkspaceId};
use rapport_domain::objects::{Appointment, AppointmentDraft, Attendees, RecordRef};
use rapport_domain::values::{TimeZoneName, WebUrl};
use sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::Tx;
use crate::error::StoreError;
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;

const TABLE: &str = "appointments";
const ATTENDEES: &str = "appointment_attendees";
const LINKS: &str = "appointment_links";

/// An appointment row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct AppointmentRow {
    custom: String,
    id: Uuid,
    title: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    time_zone: String,
    location: Option<String>,
    video_url: Option<String>,
    attendees: String,
    records: String,
    owner_id: Option<Uuid>,
    description: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

const COLUMNS: &[&str] = &[
    "id",
    "title",
    "starts_at",
    "ends_at",
    "time_zone",
    "location",
    "video_url",
    "attendees",
    "records",
    "owner_id",
    "description",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored appointment {what} unreadable: {e}"))
}

fn attendee(kind: &'static str) -> Column {
    Column::Side {
        table: ATTENDEES,
        parent: "appointment_id",
        only: Some(("kind", kind)),
        value: "attendee_id",
    }
}

fn link(value: &'static str) -> Column {
    Column::Side {
        table: LINKS,
        parent: "appointment_id",
        only: None,
        value,
    }
}

impl Listable for AppointmentRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn custom_values(&self) -> Option<&str> {
        Some(&self.custom)
    }

    fn column(path: &str) -> Column {
        let plain = |name| Column::Plain {
            name,
            empty_is_null: false,
        };
        match path {
            "title" => plain("title"),
            "starts_at" => plain("starts_at"),
            "ends_at" => plain("ends_at"),
            "time_zone" => plain("time_zone"),
            "location" => plain("location"),
            "owner_id" => plain("owner_id"),
            "attendees.contacts" => attendee("contact"),
            "attendees.users" => attendee("user"),
            "records.type" => link("record_type"),
            "records.id" => link("record_id"),
            "created_at" => plain("created_at"),
            "updated_at" => plain("updated_at"),
            _ => plain("id"),
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "title" => CursorValue::Text(self.title.clone()),
            "starts_at" => list::time_cursor(&self.starts_at),
            "ends_at" => list::time_cursor(&self.ends_at),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

fn json<T: serde::Serialize>(v: &T, empty: &str) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| empty.into())
}

fn row_values(ws: WorkspaceId, a: &Appointment) -> Vec<(&'static str, SimpleExpr)> {
    let f = &a.fields;
    vec![
        ("workspace_id", ws.0.into()),
        ("id", a.id.0.into()),
        ("custom", a.fields.custom.to_json_text().into()),
        ("title", f.title.clone().into()),
        ("starts_at", f.starts_at.into()),
        ("ends_at", f.ends_at.into()),
        ("time_zone", f.time_zone.as_str().into()),
        ("location", f.location.clone().into()),
        (
            "video_url",
            f.video_url.as_ref().map(|u| u.as_str().to_owned()).into(),
        ),
        (
            "attendees",
            json(&f.attendees, r#"{"contacts":[],"users":[]}"#).into(),
        ),
        ("records", json(&f.records, "[]").into()),
        ("owner_id", f.owner_id.map(|x| x.0).into()),
        ("description", f.description.clone().into()),
        ("created_at", a.created_at.into()),
        ("updated_at", a.updated_at.into()),
        ("version", a.version.into()),
    ]
}

impl Table for AppointmentRow {
    type Record = Appointment;
    const SEARCH_TYPE: &'static str = search::APPOINTMENT;

    fn into_record(self) -> Result<Appointment, StoreError> {
        let attendees: Attendees =
            serde_json::from_str(&self.attendees).map_err(|e| corrupt("attendees", e))?;
        let records: Vec<RecordRef> =
            serde_json::from_str(&self.records).map_err(|e| corrupt("records", e))?;
        let time_zone =
            TimeZoneName::parse(&self.time_zone).map_err(|e| corrupt("time_zone", e))?;
        let video_url = match self.video_url {
            Some(u) => Some(WebUrl::parse(&u).map_err(|e| corrupt("video_url", e))?),
            None => None,
        };
        Ok(Appointment {
            id: AppointmentId(self.id),
            fields: AppointmentDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                title: self.title,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                time_zone,
                location: self.location,
                video_url,
                attendees,
                records,
                owner_id: self.owner_id.map(UserId),
                description: self.description,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, a: &Appointment) -> Vec<(&'static str, SimpleExpr)> {
        row_values(ws, a)
    }

    fn search_text(a: &Appointment) -> (String, String) {
        let f = &a.fields;
        let body = [f.location.as_deref(), f.description.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (f.title.clone(), body)
    }

    async fn write_side_rows(
        tx: &mut Tx,
        ws: WorkspaceId,
        a: &Appointment,
    ) -> Result<(), StoreError> {
        write_attendees(tx, ws, a).await?;
        write_links(tx, ws, a).await
    }
}

async fn clear(tx: &mut Tx, table: &str, ws: WorkspaceId, id: Uuid) -> Result<(), StoreError> {
    let del = Query::delete()
        .from_table(Alias::new(table))
        .and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0))
        .and_where(Expr::col(Alias::new("appointment_id")).eq(id))
        .to_owned();
    tx.execute(&del).await?;
    Ok(())
}

/// One row per attendee, so filters find an appointment by any one of them.
async fn write_attendees(tx: &mut Tx, ws: WorkspaceId, a: &Appointment) -> Result<(), StoreError> {
    clear(tx, ATTENDEES, ws, a.id.0).await?;
    let people = &a.fields.attendees;
    if people.is_empty() {
        return Ok(());
    }
    let mut ins = Query::insert();
    ins.into_table(Alias::new(ATTENDEES))
        .columns(["workspace_id", "appointment_id", "kind", "attendee_id"].map(Alias::new));
    let rows = people
        .contacts
        .iter()
        .map(|c| ("contact", c.0))
        .chain(people.users.iter().map(|u| ("user", u.0)));
    for (kind, id) in rows {
        ins.values([ws.0.into(), a.id.0.into(), kind.into(), id.into()])
            .map_err(|e| StoreError::Other(e.to_string()))?;
    }
    tx.execute(&ins).await?;
    Ok(())
}

/// One row per linked record, so a record's appointments can be found.
async fn write_links(tx: &mut Tx, ws: WorkspaceId, a: &Appointment) -> Result<(), StoreError> {
    clear(tx, LINKS, ws, a.id.0).await?;
    if a.fields.records.is_empty() {
        return Ok(());
    }
    let mut ins = Query::insert();
    ins.into_table(Alias::new(LINKS))
        .columns(["workspace_id", "appointment_id", "record_type", "record_id"].map(Alias::new));
    for r in &a.fields.records {
        ins.values([
            ws.0.into(),
            a.id.0.into(),
            r.object.clone().into(),
            r.id.into(),
        ])
        .map_err(|e| StoreError::Other(e.to_string()))?;
    }
    tx.execute(&ins).await?;
    Ok(())
}
