//! Document metadata in the database: the record a file is attached to, its name, size, sniffed
//! type and SHA-256. The bytes are not here: they are files named by their hash (see
//! `rapport_app::documents`).

use chrono::{DateTime, Utc};
use rapport_domain::ids::{DocumentId, UserId, WorkspaceId};
use rapport_domain::objects::{Document, DocumentDraft, DocumentFile, RecordRef};
use sea_query::SimpleExpr;
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::error::StoreError;
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;

const TABLE: &str = "documents";

/// A document row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct DocumentRow {
    id: Uuid,
    record_type: String,
    record_id: Uuid,
    name: String,
    size: i64,
    content_type: String,
    sha256: String,
    uploaded_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

const COLUMNS: &[&str] = &[
    "id",
    "record_type",
    "record_id",
    "name",
    "size",
    "content_type",
    "sha256",
    "uploaded_by",
    "created_at",
    "updated_at",
    "version",
];

impl Listable for DocumentRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn column(path: &str) -> Column {
        let name = match path {
            "name" => "name",
            "record.type" => "record_type",
            "record.id" => "record_id",
            "uploaded_by" => "uploaded_by",
            "content_type" => "content_type",
            "size" => "size",
            "sha256" => "sha256",
            "created_at" => "created_at",
            "updated_at" => "updated_at",
            _ => "id",
        };
        Column::Plain {
            name,
            empty_is_null: false,
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "name" => CursorValue::Text(self.name.clone()),
            "size" => CursorValue::Int(self.size),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

impl Table for DocumentRow {
    type Record = Document;
    const SEARCH_TYPE: &'static str = search::DOCUMENT;

    fn into_record(self) -> Result<Document, StoreError> {
        Ok(Document {
            id: DocumentId(self.id),
            fields: DocumentDraft {
                record: RecordRef {
                    object: self.record_type,
                    id: self.record_id,
                },
                name: self.name,
                uploaded_by: self.uploaded_by.map(UserId),
            },
            file: DocumentFile {
                size: self.size,
                content_type: self.content_type,
                sha256: self.sha256,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, d: &Document) -> Vec<(&'static str, SimpleExpr)> {
        let f = &d.fields;
        vec![
            ("workspace_id", ws.0.into()),
            ("id", d.id.0.into()),
            ("record_type", f.record.object.clone().into()),
            ("record_id", f.record.id.into()),
            ("name", f.name.clone().into()),
            ("size", d.file.size.into()),
            ("content_type", d.file.content_type.clone().into()),
            ("sha256", d.file.sha256.clone().into()),
            ("uploaded_by", f.uploaded_by.map(|u| u.0).into()),
            ("created_at", d.created_at.into()),
            ("updated_at", d.updated_at.into()),
            ("version", d.version.into()),
        ]
    }

    fn search_text(d: &Document) -> (String, String) {
        (d.fields.name.clone(), String::new())
    }
}
