//! How a CSV row becomes a record: the column mapping, the cells turned into a JSON body, the
//! natural key that finds the record a row updates, and reading the file in chunks.
//!
//! An object becomes importable by implementing [`Importable`]; contacts (natural key: any of
//! their email addresses) and companies (natural key: domain) are.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use rapport_domain::objects::custom_field::{CustomFieldDraft, CustomType};
use rapport_domain::objects::{
    Company, CompanyDraft, Contact, ContactDraft, Lead, LeadDraft, Record,
};
use rapport_domain::validation::FieldError;
use rapport_domain::values::DomainName;
use rapport_store::Tx;
use rapport_store::companies::find_by_domain;
use rapport_store::records::find_for_write;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::Object;

/// Values of a list target may be separated by this in one cell (`a@x.io; b@x.io`).
pub const LIST_SEPARATOR: char = ';';

/// An object rows can be imported into.
pub trait Importable: Object {
    /// The fields a column may map to.
    const TARGETS: &'static [&'static str];
    /// Targets whose cells hold several values (`;`-separated); several columns may map to
    /// one of them and their values add up.
    const LISTS: &'static [&'static str];

    /// Puts one non-empty cell into the body. The default: a list target gets its values
    /// appended, `a.b` goes to a nested object, a number-like cell of a numeric field stays
    /// text (the draft's parser reports what is wrong with it).
    fn put(body: &mut Map<String, Value>, target: &str, cell: &str) {
        put_plain(body, target, cell, Self::LISTS);
    }

    /// Resolves targets that name other records by their own key (`company.domain`) into
    /// fields of the body, inside the chunk's transaction.
    fn resolve(
        tx: &mut Tx,
        ctx: &Ctx,
        body: &mut Map<String, Value>,
    ) -> impl Future<Output = Result<Vec<FieldError>, AppError>> + Send {
        let _ = (tx, ctx, body);
        async { Ok(Vec::new()) }
    }

    /// The id of the live record the draft's natural key names, if any; a row whose keys name
    /// two different records is a problem of that row.
    fn find_existing(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &Self::Draft,
    ) -> impl Future<Output = Result<Result<Option<Uuid>, FieldError>, AppError>> + Send;

    /// The merge patch a matching record receives, from the row's body and its parsed draft;
    /// the default is the body as it is.
    fn patch_for(existing: &Self, body: Value, draft: &Self::Draft) -> Value {
        let _ = (existing, draft);
        body
    }
}

/// The default [`Importable::put`].
pub fn put_plain(body: &mut Map<String, Value>, target: &str, cell: &str, lists: &[&str]) {
    if lists.contains(&target) {
        let values = cell
            .split(LIST_SEPARATOR)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| Value::String(v.to_owned()));
        if let Value::Array(items) = body
            .entry(target.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            items.extend(values);
        }
        return;
    }
    match target.split_once('.') {
        Some((outer, inner)) => {
            if let Value::Object(nested) = body
                .entry(outer.to_owned())
                .or_insert_with(|| Value::Object(Map::new()))
            {
                nested.insert(inner.to_owned(), Value::String(cell.to_owned()));
            }
        }
        None => {
            body.insert(target.to_owned(), Value::String(cell.to_owned()));
        }
    }
}

/// `"1250.00 EUR"` (or `"EUR 1250.00"`) as a money object; anything else stays text for the
/// parser to refuse with its pointer.
pub fn money(cell: &str) -> Value {
    let parts: Vec<&str> = cell.split_whitespace().collect();
    match parts.as_slice() {
        [a, c] if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            json!({"amount": a, "currency": c.to_ascii_uppercase()})
        }
        [c, a] if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            json!({"amount": a, "currency": c.to_ascii_uppercase()})
        }
        _ => Value::String(cell.to_owned()),
    }
}

/// A whole number when the cell is one, else the text (refused by the parser with its pointer).
fn integer(cell: &str) -> Value {
    cell.trim()
        .parse::<i64>()
        .map_or_else(|_| Value::String(cell.to_owned()), Value::from)
}

fn with_entries(body: &mut Map<String, Value>, target: &str, cell: &str, key: &str) {
    let entries = cell
        .split(LIST_SEPARATOR)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| json!({ key: v }));
    if let Value::Array(items) = body
        .entry(target.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        items.extend(entries);
    }
}

/// Adds to `into` the entries of `existing` whose `key` is not there yet (compared by
/// `same`), keeping the existing ones first: an import adds addresses, it never drops one.
fn union_by(existing: &Value, into: &mut Value, key: &str, same: impl Fn(&str) -> String) {
    let (Some(old), Some(new)) = (existing.as_array(), into.as_array()) else {
        return;
    };
    let seen: Vec<String> = old
        .iter()
        .filter_map(|e| e.get(key).and_then(Value::as_str).map(&same))
        .collect();
    let mut merged: Vec<Value> = old.clone();
    for e in new {
        let k = e.get(key).and_then(Value::as_str).map(&same);
        if k.is_none_or(|k| !seen.contains(&k)) {
            let mut e = e.clone();
            // The existing primary address stays primary.
            if let Some(m) = e.as_object_mut() {
                m.remove("primary");
            }
            merged.push(e);
        }
    }
    *into = Value::Array(merged);
}

/// Contacts: `emails` and `phones` take one or several (`;`-separated) values per cell; a row
/// matches the live contact holding any of its addresses. An update adds addresses, numbers
/// and tags to the ones the contact has (it never removes one) and overwrites the other
/// mapped fields; empty cells change nothing. `company.domain` links the contact to the live
/// company with that domain (a row naming an unknown domain is refused, nothing is created).
impl Importable for Contact {
    const TARGETS: &'static [&'static str] = &[
        "first_name",
        "last_name",
        "emails",
        "phones",
        "title",
        "company_id",
        "company.domain",
        "address.street",
        "address.city",
        "address.region",
        "address.postal_code",
        "address.country",
        "lifecycle_stage",
        "owner_id",
        "tags",
        "notes",
    ];
    const LISTS: &'static [&'static str] = &["emails", "phones", "tags"];

    fn put(body: &mut Map<String, Value>, target: &str, cell: &str) {
        match target {
            "emails" => with_entries(body, target, cell, "address"),
            "phones" => with_entries(body, target, cell, "number"),
            // Kept aside until `resolve` turns it into `company_id`.
            "company.domain" => {
                body.insert(COMPANY_DOMAIN.into(), Value::String(cell.trim().to_owned()));
            }
            _ => put_plain(body, target, cell, Self::LISTS),
        }
    }

    async fn resolve(
        tx: &mut Tx,
        ctx: &Ctx,
        body: &mut Map<String, Value>,
    ) -> Result<Vec<FieldError>, AppError> {
        let Some(Value::String(raw)) = body.remove(COMPANY_DOMAIN) else {
            return Ok(Vec::new());
        };
        let problem = |code: &str, message: String| FieldError {
            pointer: "/company/domain".into(),
            code: code.into(),
            message,
        };
        let Ok(domain) = DomainName::parse(&raw) else {
            return Ok(vec![problem(
                "invalid_format",
                format!("'{raw}' is not a domain name"),
            )]);
        };
        match find_by_domain(tx, ctx.workspace_id, &domain).await? {
            Some(c) => {
                body.insert("company_id".into(), Value::String(c.id.to_string()));
                Ok(Vec::new())
            }
            None => Ok(vec![problem(
                "not_found",
                format!(
                    "no company with the domain {} in this workspace",
                    domain.as_str()
                ),
            )]),
        }
    }

    async fn find_existing(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &ContactDraft,
    ) -> Result<Result<Option<Uuid>, FieldError>, AppError> {
        let mut found: Option<Uuid> = None;
        for e in &draft.emails {
            let hits = rapport_store::contacts::live_ids_by_email(
                tx,
                ctx.workspace_id,
                &e.address.normalized(),
            )
            .await?;
            // Several contacts sharing an address: the oldest (ids are time-ordered) is the
            // one an import keeps updating, so a re-import stays stable.
            let Some(hit) = hits.into_iter().min() else {
                continue;
            };
            match found {
                Some(f) if f != hit => {
                    return Ok(Err(FieldError {
                        pointer: "/emails".into(),
                        code: "ambiguous".into(),
                        message: format!(
                            "these addresses belong to two different contacts ({f} and {hit})"
                        ),
                    }));
                }
                _ => found = Some(hit),
            }
        }
        Ok(Ok(found))
    }

    fn patch_for(existing: &Contact, mut body: Value, draft: &ContactDraft) -> Value {
        let (Ok(current), Ok(parsed)) = (
            serde_json::to_value(existing.fields()),
            serde_json::to_value(draft),
        ) else {
            return body;
        };
        if let Some(m) = body.as_object_mut() {
            // Compared in their parsed form (`06 12 34 56 78` is `+33612345678`).
            for key in ["emails", "phones"] {
                if let Some(v) = m.get_mut(key) {
                    *v = parsed[key].clone();
                }
            }
            if let Some(v) = m.get_mut("emails") {
                union_by(&current["emails"], v, "address", str::to_lowercase);
            }
            if let Some(v) = m.get_mut("phones") {
                union_by(&current["phones"], v, "number", |s| {
                    s.chars().filter(char::is_ascii_digit).collect()
                });
            }
            if let (Some(Value::Array(old)), Some(Value::Array(new))) =
                (current.get("tags"), m.get_mut("tags"))
            {
                let mut all = old.clone();
                all.append(new);
                *new = all;
            }
        }
        body
    }
}

/// Where `company.domain` waits in a body for [`Importable::resolve`].
const COMPANY_DOMAIN: &str = "\u{0}company.domain";

/// Companies: a row matches the live company with its domain. `annual_revenue` reads
/// `1250.00 EUR`; `tags` are `;`-separated and added to the company's.
impl Importable for Company {
    const TARGETS: &'static [&'static str] = &[
        "name",
        "domain",
        "industry",
        "employee_count",
        "annual_revenue",
        "address.street",
        "address.city",
        "address.region",
        "address.postal_code",
        "address.country",
        "owner_id",
        "tags",
    ];
    const LISTS: &'static [&'static str] = &["tags"];

    fn put(body: &mut Map<String, Value>, target: &str, cell: &str) {
        match target {
            "annual_revenue" => {
                body.insert(target.into(), money(cell));
            }
            "employee_count" => {
                body.insert(target.into(), integer(cell));
            }
            _ => put_plain(body, target, cell, Self::LISTS),
        }
    }

    async fn find_existing(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &CompanyDraft,
    ) -> Result<Result<Option<Uuid>, FieldError>, AppError> {
        let Some(d) = &draft.domain else {
            return Ok(Ok(None));
        };
        Ok(Ok(find_by_domain(tx, ctx.workspace_id, d)
            .await?
            .map(|c| c.id.0)))
    }

    fn patch_for(existing: &Company, body: Value, _draft: &CompanyDraft) -> Value {
        with_tags_of(existing, body)
    }
}

/// A patch whose `tags` (when the row has some) keep the record's own before the row's.
fn with_tags_of<O: Object>(existing: &O, mut body: Value) -> Value {
    if let (Some(m), Ok(current)) = (
        body.as_object_mut(),
        serde_json::to_value(existing.fields()),
    ) && let (Some(Value::Array(old)), Some(Value::Array(new))) =
        (current.get("tags"), m.get_mut("tags"))
    {
        let mut all = old.clone();
        all.append(new);
        *new = all;
    }
    body
}

/// Leads: a row matches the live lead with its email address, in any letter case (a row
/// without one always creates a lead); `tags` are `;`-separated and added to the lead's, the
/// other mapped fields are overwritten and the score is recomputed as on any change.
impl Importable for Lead {
    const TARGETS: &'static [&'static str] = &[
        "first_name",
        "last_name",
        "company_name",
        "title",
        "email",
        "phone",
        "source",
        "status",
        "disqualified_reason",
        "owner_id",
        "tags",
    ];
    const LISTS: &'static [&'static str] = &["tags"];

    async fn find_existing(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &LeadDraft,
    ) -> Result<Result<Option<Uuid>, FieldError>, AppError> {
        let Some(e) = &draft.email else {
            return Ok(Ok(None));
        };
        let hits =
            rapport_store::leads::live_ids_by_email(tx, ctx.workspace_id, e.as_str()).await?;
        // Several leads sharing an address: the oldest, as contacts do.
        Ok(Ok(hits.into_iter().min()))
    }

    fn patch_for(existing: &Lead, body: Value, _draft: &LeadDraft) -> Value {
        with_tags_of(existing, body)
    }
}

/// The object's record for a write, when it is live (the chunk's transaction).
pub async fn live<O: Object>(tx: &mut Tx, ctx: &Ctx, id: Uuid) -> Result<Option<O>, AppError> {
    Ok(
        match find_for_write::<O::Table>(tx, ctx.workspace_id, id).await? {
            Some((r, false)) => Some(r),
            _ => None,
        },
    )
}

/// A validated mapping: (column index, column name, target), in file order.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The mapped columns.
    pub columns: Vec<(usize, String, String)>,
    /// The type of each custom field a column fills (`custom.<key>` targets), which decides
    /// how its cells become JSON values.
    custom: BTreeMap<String, CustomType>,
}

/// A cell as a custom field's value: numbers and flags typed, a money cell as money, a
/// multi-select split on `;`; anything unreadable stays text for the validation to refuse with
/// its pointer.
fn custom_cell(kind: CustomType, cell: &str) -> Value {
    match kind {
        CustomType::Number => serde_json::from_str::<serde_json::Number>(cell.trim())
            .map_or_else(|_| Value::String(cell.to_owned()), Value::Number),
        CustomType::Boolean => match cell.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Value::Bool(true),
            "false" | "no" | "n" | "0" => Value::Bool(false),
            _ => Value::String(cell.to_owned()),
        },
        CustomType::Money => money(cell),
        CustomType::MultiSelect => Value::Array(
            cell.split(LIST_SEPARATOR)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.to_owned()))
                .collect(),
        ),
        _ => Value::String(cell.to_owned()),
    }
}

/// RFC 6901 escaping of one pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl Mapping {
    /// Checks a `{"Column": "target"}` object against the file's columns and the object's
    /// targets, listing every problem (`/mapping/<column>`). A column mapped to `null` or `""`
    /// is skipped.
    /// `custom` are the object's custom fields: `custom.<key>` names one as a target.
    pub fn parse<O: Importable>(
        value: &Value,
        header: &[String],
        custom: &[CustomFieldDraft],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let Some(map) = value.as_object() else {
            return Err(vec![FieldError {
                pointer: "/mapping".into(),
                code: "invalid_type".into(),
                message: "mapping must be an object of column name -> field".into(),
            }]);
        };
        let mut columns = Vec::new();
        let mut kinds = BTreeMap::new();
        let mut used: BTreeMap<&str, &str> = BTreeMap::new();
        for (column, target) in map {
            let pointer = format!("/mapping/{}", escape(column));
            let target = match target {
                Value::Null => continue,
                Value::String(t) if t.is_empty() => continue,
                Value::String(t) => t.as_str(),
                _ => {
                    errors.push(FieldError {
                        pointer,
                        code: "invalid_type".into(),
                        message: "a column maps to a field name (a string) or null".into(),
                    });
                    continue;
                }
            };
            let Some(index) = header.iter().position(|h| h == column) else {
                errors.push(FieldError {
                    pointer,
                    code: "unknown_column".into(),
                    message: format!("the file has no column '{column}'"),
                });
                continue;
            };
            let custom_field = target
                .strip_prefix("custom.")
                .and_then(|key| custom.iter().find(|d| d.key == key));
            if let Some(def) = custom_field {
                kinds.insert(def.key.clone(), def.kind);
            } else if !O::TARGETS.contains(&target) {
                let mut targets: Vec<String> = O::TARGETS.iter().map(|t| (*t).to_owned()).collect();
                targets.extend(custom.iter().map(|d| format!("custom.{}", d.key)));
                errors.push(FieldError {
                    pointer,
                    code: "unknown_target".into(),
                    message: format!(
                        "'{target}' is not a field {} can be imported into; fields: {}",
                        O::SCHEMA.name,
                        targets.join(", ")
                    ),
                });
                continue;
            }
            if !O::LISTS.contains(&target)
                && let Some(other) = used.insert(target, column.as_str())
            {
                errors.push(FieldError {
                    pointer,
                    code: "duplicate_target".into(),
                    message: format!("'{target}' is already filled from the column '{other}'"),
                });
                continue;
            }
            columns.push((index, column.clone(), target.to_owned()));
        }
        if errors.is_empty() && columns.is_empty() {
            errors.push(FieldError {
                pointer: "/mapping".into(),
                code: "required".into(),
                message: "map at least one column to a field".into(),
            });
        }
        columns.sort_by_key(|c| c.0);
        if errors.is_empty() {
            Ok(Self {
                columns,
                custom: kinds,
            })
        } else {
            Err(errors)
        }
    }

    /// The mapping as stored (column -> target).
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.columns
                .iter()
                .map(|(_, c, t)| (c.clone(), Value::String(t.clone())))
                .collect(),
        )
    }

    /// The JSON body of one row; empty cells are left out (they change nothing).
    pub fn body<O: Importable>(&self, cells: &[String]) -> Map<String, Value> {
        let mut body = Map::new();
        for (index, _, target) in &self.columns {
            let cell = cells.get(*index).map_or("", |c| c.trim());
            if cell.is_empty() {
                continue;
            }
            let custom_kind = target
                .strip_prefix("custom.")
                .and_then(|key| Some((key, *self.custom.get(key)?)));
            match custom_kind {
                Some((key, kind)) => {
                    if let Value::Object(values) = body
                        .entry("custom".to_owned())
                        .or_insert_with(|| Value::Object(Map::new()))
                    {
                        values.insert(key.to_owned(), custom_cell(kind, cell));
                    }
                }
                None => O::put(&mut body, target, cell),
            }
        }
        body
    }

    /// The column a problem's pointer came from (`/emails/0/address` -> the emails column),
    /// empty when it concerns the row as a whole.
    pub fn column_of(&self, pointer: &str) -> String {
        let mut best: Option<(usize, &str)> = None;
        for (_, column, target) in &self.columns {
            let p = format!("/{}", target.replace('.', "/"));
            let matches = pointer == p || pointer.starts_with(&format!("{p}/"));
            if matches && best.is_none_or(|(len, _)| p.len() > len) {
                best = Some((p.len(), column));
            }
        }
        best.map(|(_, c)| c.to_owned()).unwrap_or_default()
    }
}

/// One CSV record: its 0-based index among data rows and its cells.
#[derive(Debug, Clone)]
pub struct CsvRow {
    /// Cells (invalid UTF-8 replaced; such a row is refused by [`CsvRow::problem`]).
    pub cells: Vec<String>,
    /// Whether every cell was valid UTF-8.
    pub is_utf8: bool,
    /// Where the row after this one starts in the file.
    pub end: u64,
}

/// Rows read from a byte offset, and the offset after the last one.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The rows.
    pub rows: Vec<CsvRow>,
    /// Where the next unread row starts.
    pub end: u64,
}

fn reader<R: Read>(r: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(r)
}

fn cells(record: &csv::ByteRecord) -> CsvRow {
    let mut is_utf8 = true;
    let cells = record
        .iter()
        .map(|b| match std::str::from_utf8(b) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                is_utf8 = false;
                String::from_utf8_lossy(b).into_owned()
            }
        })
        .collect();
    CsvRow {
        cells,
        is_utf8,
        end: 0,
    }
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace))
}

/// Reads up to `max` non-blank data rows from `offset` (blocking: run it off the async
/// threads). Memory holds one chunk whatever the file's size.
pub fn read_chunk(path: &Path, offset: u64, max: usize) -> std::io::Result<Chunk> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut rdr = reader(std::io::BufReader::new(file));
    let mut record = csv::ByteRecord::new();
    let mut out = Chunk {
        rows: Vec::with_capacity(max.min(1024)),
        end: offset,
    };
    while out.rows.len() < max {
        if !rdr
            .read_byte_record(&mut record)
            .map_err(std::io::Error::other)?
        {
            break;
        }
        out.end = offset + rdr.position().byte();
        if !is_blank(&record) {
            let mut row = cells(&record);
            row.end = out.end;
            out.rows.push(row);
        }
    }
    Ok(out)
}

/// What an upload's scan finds: the header, where the data starts, how many data rows, and
/// the first ones.
#[derive(Debug)]
pub struct Scan {
    /// Header names (a UTF-8 byte-order mark removed, surrounding blanks trimmed).
    pub columns: Vec<String>,
    /// Where the first data row starts.
    pub data_offset: u64,
    /// Non-blank data rows.
    pub rows_total: i64,
    /// The first `preview` rows.
    pub preview: Vec<CsvRow>,
}

/// Reads the whole file once, streaming (blocking).
pub fn scan(path: &Path, preview: usize) -> Result<Scan, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the upload: {e}"))?;
    let mut rdr = reader(std::io::BufReader::new(file));
    let mut record = csv::ByteRecord::new();
    let has_header = rdr
        .read_byte_record(&mut record)
        .map_err(|e| format!("not a CSV file: {e}"))?;
    if !has_header || is_blank(&record) {
        return Err("the file is empty: its first line must name the columns".into());
    }
    let header = cells(&record);
    if !header.is_utf8 {
        return Err("the header is not UTF-8 text".into());
    }
    let columns: Vec<String> = header
        .cells
        .iter()
        .map(|c| c.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return Err(format!("the column '{c}' appears twice in the header"));
        }
    }
    let data_offset = rdr.position().byte();
    let mut rows_total: i64 = 0;
    let mut first = Vec::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if is_blank(&record) {
                    continue;
                }
                rows_total += 1;
                if first.len() < preview {
                    first.push(cells(&record));
                }
            }
            Err(e) => return Err(format!("not a CSV file: {e}")),
        }
    }
    Ok(Scan {
        columns,
        data_offset,
        rows_total,
        preview: first,
    })
}

impl CsvRow {
    /// The row's own problem (not UTF-8), if any.
    pub fn problem(&self) -> Option<FieldError> {
        (!self.is_utf8).then(|| FieldError {
            pointer: String::new(),
            code: "invalid_encoding".into(),
            message: "the row is not UTF-8 text".into(),
        })
    }
}

/// The cells of a row as `{"Column": "value"}`, for previews.
pub fn as_object(columns: &[String], row: &CsvRow) -> Value {
    Value::Object(
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    c.clone(),
                    Value::String(row.cells.get(i).cloned().unwrap_or_default()),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lead targets are written out for the error message's list; they must follow the
    /// lead's own fields (custom values map as `custom.<key>`).
    #[test]
    fn lead_targets_are_the_writable_fields_but_custom() {
        let writable: Vec<&str> = rapport_domain::objects::lead::WRITABLE
            .iter()
            .copied()
            .filter(|f| *f != "custom")
            .collect();
        assert_eq!(<Lead as Importable>::TARGETS, writable.as_slice());
    }
}
