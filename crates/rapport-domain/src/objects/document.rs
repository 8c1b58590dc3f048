//! Documents: files attached to a record. The bytes live in a content-addressed file store; the
//! record here is their metadata. What a file is comes from its bytes, never from the client.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use super::record_ref::RecordRef;
use crate::ids::{DocumentId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::is_deceptive;

/// The objects a document may be attached to.
pub const DOCUMENT_OBJECTS: &[&str] = &[
    "contacts",
    "companies",
    "deals",
    "leads",
    "cases",
    "projects",
];

/// The longest file name kept, in characters.
pub const MAX_NAME: usize = 200;

/// The content type of bytes nothing more specific was recognised in.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The writable part of a document: its name. `record` and `uploaded_by` are set by the upload
/// and cannot change afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DocumentInput)]
pub struct DocumentDraft {
    /// The record it is attached to (set by the upload).
    pub record: RecordRef,
    /// File name, sanitised (no folders, no control characters); `PATCH` renames.
    pub name: String,
    /// Who uploaded it (set by the upload).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub uploaded_by: Option<UserId>,
}

/// What the server knows of a document's bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DocumentFile {
    /// Size in bytes.
    pub size: i64,
    /// Sniffed from the bytes (`application/octet-stream` when unrecognised).
    pub content_type: String,
    /// SHA-256 of the bytes, lower-case hex: the download's ETag.
    pub sha256: String,
}

/// A stored document as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Document {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: DocumentId,
    /// Record, name and uploader.
    #[serde(flatten)]
    pub fields: DocumentDraft,
    /// Size, type and hash of the bytes.
    #[serde(flatten)]
    pub file: DocumentFile,
    /// When it was uploaded.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag of the metadata.
    pub version: i64,
}

crate::impl_record!(Document, DocumentId, DocumentDraft, derived: file);

/// The fields a client may send (`PATCH`).
pub const WRITABLE: &[&str] = &["name"];

/// Fields set by the upload, shown but never changed.
pub const SET_BY_UPLOAD: &[&str] = &["record", "uploaded_by"];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "version",
    "size",
    "content_type",
    "sha256",
];

impl DocumentDraft {
    /// Parses a document after a merge patch, listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(SET_BY_UPLOAD);
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        body.refuse_read_only(READ_ONLY);
        let record = body.record_ref("record", DOCUMENT_OBJECTS);
        if record.is_none() && body.has_no_error_at("record") {
            body.fail("record", "required", "a document is attached to a record");
        }
        let name = match body.string("name") {
            Some(raw) => match sanitize_name(&raw) {
                Some(n) => Some(n),
                None => {
                    body.fail("name", "invalid_format", NAME_PROBLEM);
                    None
                }
            },
            None => {
                if body.has_no_error_at("name") {
                    body.fail("name", "required", "a document needs a name");
                }
                None
            }
        };
        let uploaded_by = body.uuid("uploaded_by").map(UserId);
        let (Some(record), Some(name)) = (record, name) else {
            return Err(errors.into_vec());
        };
        errors.finish(DocumentDraft {
            record,
            name,
            uploaded_by,
        })
    }
}

const NAME_PROBLEM: &str = "a file name needs at least one letter, digit or symbol besides \
                            folders, dots and control characters";

/// Where an upload goes and what it is called: `?record_type=&record_id=&name=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    /// The record the document is attached to.
    pub record: RecordRef,
    /// The sanitised name.
    pub name: String,
}

impl UploadTarget {
    /// Parses the upload's query parameters, listing every problem (pointers name the
    /// parameters: `/record_type`, `/record_id`, `/name`).
    pub fn parse(
        record_type: Option<&str>,
        record_id: Option<&str>,
        name: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let object = match record_type {
            None | Some("") => {
                errors.push(
                    "/record_type",
                    "required",
                    format!(
                        "name the type of the record to attach to: one of {}",
                        DOCUMENT_OBJECTS.join(", ")
                    ),
                );
                None
            }
            Some(t) => match DOCUMENT_OBJECTS.iter().find(|o| **o == t) {
                Some(o) => Some(*o),
                None => {
                    errors.push(
                        "/record_type",
                        "invalid_choice",
                        format!("must be one of: {}", DOCUMENT_OBJECTS.join(", ")),
                    );
                    None
                }
            },
        };
        let id = match record_id {
            None | Some("") => {
                errors.push(
                    "/record_id",
                    "required",
                    "name the id of the record to attach to",
                );
                None
            }
            Some(raw) => match uuid::Uuid::parse_str(raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push("/record_id", "invalid_format", "must be an id (a UUID)");
                    None
                }
            },
        };
        let name = match name.map(sanitize_name) {
            None => {
                errors.push("/name", "required", "name the file (?name=report.pdf)");
                None
            }
            Some(None) => {
                errors.push("/name", "invalid_format", NAME_PROBLEM);
                None
            }
            Some(Some(n)) => Some(n),
        };
        match (object, id, name) {
            (Some(object), Some(id), Some(name)) if errors.is_empty() => Ok(UploadTarget {
                record: RecordRef {
                    object: object.to_owned(),
                    id,
                },
                name,
            }),
            _ => Err(errors.into_vec()),
        }
    }
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path segment,
/// without control, deceptive or reserved characters (`"<>:|?*`), without leading or trailing
/// spaces and trailing dots, at most [`MAX_NAME`] characters (the extension is kept when the
/// name is cut). `None` when nothing usable is left.
pub fn sanitize_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_deceptive(*c) && !"\"<>:|?*".contains(*c))
        .collect();
    let trimmed = cleaned.trim().trim_end_matches(['.', ' ']).trim();
    if trimmed.chars().all(|c| c == '.') {
        return None;
    }
    if trimmed.chars().count() <= MAX_NAME {
        return Some(trimmed.to_owned());
    }
    // Keep a short extension, cut the stem.
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 16 => (s, format!(".{e}")),
        _ => (trimmed, String::new()),
    };
    let keep = MAX_NAME - ext.chars().count();
    let cut: String = stem.chars().take(keep).collect();
    Some(format!("{}{ext}", cut.trim_end()))
}

/// The content type of a file from its first bytes: a known signature (images, PDF, archives,
/// office files, audio, video...), else `text/plain; charset=utf-8` for UTF-8 text without NUL
/// bytes, else `application/octet-stream`. `head` should be the first 8 KiB or the whole file.
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if head.is_empty() {
        return OCTET_STREAM.to_owned();
    }
    // A multi-byte character may be cut at the end of the head: only the complete part counts.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    if text && !head.contains(&0) {
        "text/plain; charset=utf-8".to_owned()
    } else {
        OCTET_STREAM.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_lose_folders_control_and_deceptive_characters() {
        assert_eq!(sanitize_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            sanitize_name("C:\\Users\\ana\\report.pdf").as_deref(),
            Some("report.pdf")
        );
        assert_eq!(
            sanitize_name("in\u{202E}fdp.exe").as_deref(),
            Some("infdp.exe")
        );
        assert_eq!(
            sanitize_name(" a\"b<c>\n.txt. ").as_deref(),
            Some("abc.txt")
        );
        assert_eq!(sanitize_name(".."), None);
        assert_eq!(sanitize_name("dir/"), None);
        let long = format!("{}.pdf", "x".repeat(300));
        let cut = sanitize_name(&long).expect("usable");
        assert_eq!(cut.chars().count(), MAX_NAME);
        assert!(cut.ends_with(".pdf"));
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
        ];
        assert_eq!(sniff(&png), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff("héllo".as_bytes()), "text/plain; charset=utf-8");
        // A head cut inside a two-byte character is still text.
        assert_eq!(sniff(&"héllo".as_bytes()[..2]), "text/plain; charset=utf-8");
        assert_eq!(sniff(&[0, 1, 2, 3]), OCTET_STREAM);
        assert_eq!(sniff(&[]), OCTET_STREAM);
    }

    #[test]
    fn an_upload_names_a_record_and_a_file() {
        let errors =
            UploadTarget::parse(Some("invoices"), Some("nope"), Some("/")).expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/record_type", "/record_id", "/name"]);
        let errors = UploadTarget::parse(None, None, None).expect_err("missing");
        assert!(errors.iter().all(|e| e.code == "required"));
        let t = UploadTarget::parse(
            Some("projects"),
            Some("0190c7a6-0000-7000-8000-000000000001"),
            Some("plan.pdf"),
        )
        .expect("valid");
        assert_eq!(t.record.object, "projects");
        assert_eq!(t.name, "plan.pdf");
    }

    #[test]
    fn a_rename_keeps_everything_else_and_refuses_server_fields() {
        let d = DocumentDraft::parse(json!({
            "record": {"type": "deals", "id": "0190c7a6-0000-7000-8000-000000000001"},
            "name": "new/name.txt", "uploaded_by": null
        }))
        .expect("valid");
        assert_eq!(d.name, "name.txt");
        let errors = DocumentDraft::parse(json!({
            "record": {"type": "deals", "id": "0190c7a6-0000-7000-8000-000000000001"},
            "name": "x", "sha256": "00"
        }))
        .expect_err("read-only");
        assert_eq!(errors[0].pointer, "/sha256");
    }
}
