//! A list request in domain terms: a filter checked against an object's fields, a sort, a limit.
//! The store turns it into SQL for either database.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::filter::{self, Condition, Expr, FilterError, Literal, Op, Operand, Pos};
use crate::objects::custom_field::CustomSpec;
use crate::schema::{FieldKind, FieldSpec, ObjectSchema};
use crate::values::{CountryCode, CurrencyCode, DomainName, parse_amount_e4};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 200;

/// A filter whose fields exist and whose values fit their fields.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedExpr {
    /// All must hold.
    And(Vec<TypedExpr>),
    /// One must hold.
    Or(Vec<TypedExpr>),
    /// Must not hold.
    Not(Box<TypedExpr>),
    /// One comparison.
    Cond(TypedCond),
}

/// A field a filter or sort names: one of the object's own, or one of the workspace's custom
/// fields (`custom.<key>`).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldRef {
    /// A built-in field.
    Builtin(&'static FieldSpec),
    /// A custom field.
    Custom(Arc<CustomSpec>),
}

impl FieldRef {
    /// The path clients write.
    pub fn path(&self) -> &str {
        match self {
            Self::Builtin(f) => f.path,
            Self::Custom(c) => &c.path,
        }
    }

    /// How its values are typed.
    pub fn kind(&self) -> FieldKind {
        match self {
            Self::Builtin(f) => f.kind,
            Self::Custom(c) => c.kind.filter_kind(),
        }
    }

    /// Whether `sort` accepts it.
    pub fn sortable(&self) -> bool {
        match self {
            Self::Builtin(f) => f.sortable,
            Self::Custom(c) => c.sortable,
        }
    }

    /// The built-in field's static path, for checks against an object's static lists.
    pub fn builtin_path(&self) -> Option<&'static str> {
        match self {
            Self::Builtin(f) => Some(f.path),
            Self::Custom(_) => None,
        }
    }
}

impl From<&'static FieldSpec> for FieldRef {
    fn from(f: &'static FieldSpec) -> Self {
        Self::Builtin(f)
    }
}

/// The fields a list request may name: the object's own and the workspace's custom ones.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// The object's schema.
    pub schema: &'a ObjectSchema,
    /// The workspace's custom fields on it.
    pub custom: &'a [Arc<CustomSpec>],
}

impl<'a> Fields<'a> {
    /// Only the object's own fields.
    pub fn builtin(schema: &'a ObjectSchema) -> Self {
        Self {
            schema,
            custom: &[],
        }
    }

    /// Looks a field up by its path.
    pub fn find(&self, path: &str) -> Option<FieldRef> {
        if let Some(key) = path.strip_prefix("custom.") {
            return self
                .custom
                .iter()
                .find(|c| c.key == key)
                .map(|c| FieldRef::Custom(Arc::clone(c)));
        }
        self.schema.field(path).map(FieldRef::Builtin)
    }

    /// Every path (for error messages).
    pub fn paths(&self) -> Vec<String> {
        let mut out: Vec<String> = self.schema.paths().into_iter().map(str::to_owned).collect();
        out.extend(self.custom.iter().map(|c| c.path.clone()));
        out
    }

    /// The sortable paths.
    pub fn sortable_paths(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .schema
            .sortable_paths()
            .into_iter()
            .map(str::to_owned)
            .collect();
        out.extend(
            self.custom
                .iter()
                .filter(|c| c.sortable)
                .map(|c| c.path.clone()),
        );
        out
    }
}

/// One checked comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedCond {
    /// The field.
    pub field: FieldRef,
    /// The operator.
    pub op: Op,
    /// The value(s), converted to the field's type.
    pub value: TypedValue,
}

/// A literal converted to a field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// Text (already normalised where the field is, e.g. lower-cased emails).
    Text(String),
    /// Integer, or a money amount in 1/10,000 units.
    Int(i64),
    /// Timestamp.
    Time(DateTime<Utc>),
    /// Id.
    Uuid(Uuid),
    /// A flag.
    Bool(bool),
    /// A decimal number (custom number fields).
    Float(f64),
}

/// What a condition compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// One value.
    One(Scalar),
    /// A list (`in`).
    Many(Vec<Scalar>),
    /// `is_null` with its flag (`true`: is null).
    IsNull(bool),
    /// A half-open time range (`in_period`).
    Range(DateTime<Utc>, DateTime<Utc>),
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The field (always sortable).
    pub field: FieldRef,
    /// `-field` in the request.
    pub descending: bool,
}

/// A problem with `sort`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SortError(pub String);

/// Parses `sort=-updated_at,name` against an object's sortable fields.
pub fn parse_sort(input: &str, schema: &ObjectSchema) -> Result<Vec<SortKey>, SortError> {
    parse_sort_with(input, Fields::builtin(schema))
}

/// Parses a sort against an object's fields and the workspace's custom fields.
pub fn parse_sort_with(input: &str, fields: Fields<'_>) -> Result<Vec<SortKey>, SortError> {
    let schema = fields.schema;
    let mut keys: Vec<SortKey> = Vec::new();
    for part in input.split(',') {
        let part = part.trim();
        let (descending, path) = match part.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, part.strip_prefix('+').unwrap_or(part)),
        };
        if path.is_empty() {
            return Err(SortError("sort has an empty field name".into()));
        }
        let Some(field) = fields.find(path) else {
            return Err(SortError(format!(
                "'{path}' is not a field of {}; sortable fields: {}",
                schema.name,
                fields.sortable_paths().join(", ")
            )));
        };
        if !field.sortable() {
            return Err(SortError(format!(
                "'{path}' cannot be sorted on (not indexed); sortable fields: {}",
                fields.sortable_paths().join(", ")
            )));
        }
        if keys.iter().any(|k| k.field.path() == path) {
            return Err(SortError(format!("'{path}' appears twice in sort")));
        }
        keys.push(SortKey { field, descending });
    }
    if keys.len() > 3 {
        return Err(SortError("sort takes at most 3 fields".into()));
    }
    Ok(keys)
}

/// The canonical text of a sort (for cursors).
pub fn sort_signature(keys: &[SortKey]) -> String {
    keys.iter()
        .map(|k| format!("{}{}", if k.descending { "-" } else { "" }, k.field.path()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `limit` (1 to 200; default 50).
pub fn parse_limit(input: Option<&str>) -> Result<u32, String> {
    match input {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(format!(
                "limit must be a whole number from 1 to {MAX_LIMIT}"
            )),
        },
    }
}

/// The value that stands for the caller in id filters: `assignee_id eq "me"`.
pub const ME: &str = "me";

/// What relative values in a filter resolve against: the clock for relative dates (`"today"`,
/// `"-30d"`), the caller for [`ME`].
#[derive(Debug, Clone, Copy)]
struct Resolve {
    now: DateTime<Utc>,
    me: Option<Uuid>,
}

/// Parses and checks a filter expression against an object's fields, resolving relative dates
/// against `now`. `"me"` is refused (there is no caller here): use [`parse_filter_as`].
pub fn parse_filter(
    input: &str,
    schema: &ObjectSchema,
    now: DateTime<Utc>,
) -> Result<TypedExpr, FilterError> {
    parse_filter_as(input, schema, now, None)
}

/// Parses and checks a filter for a caller: `"me"` in an id field stands for `me`, the caller's
/// user id (`None` when the caller is not a user, where `"me"` is refused with its position).
pub fn parse_filter_as(
    input: &str,
    schema: &ObjectSchema,
    now: DateTime<Utc>,
    me: Option<Uuid>,
) -> Result<TypedExpr, FilterError> {
    parse_filter_with(input, Fields::builtin(schema), now, me)
}

/// [`parse_filter_as`] with the workspace's custom fields (`custom.<key>`) as well.
pub fn parse_filter_with(
    input: &str,
    fields: Fields<'_>,
    now: DateTime<Utc>,
    me: Option<Uuid>,
) -> Result<TypedExpr, FilterError> {
    let expr = filter::parse(input)?;
    check(expr, fields, Resolve { now, me })
}

fn check(expr: Expr, schema: Fields<'_>, at: Resolve) -> Result<TypedExpr, FilterError> {
    Ok(match expr {
        Expr::And(items) => TypedExpr::And(
            items
                .into_iter()
                .map(|e| check(e, schema, at))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(items) => TypedExpr::Or(
            items
                .into_iter()
                .map(|e| check(e, schema, at))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(inner) => TypedExpr::Not(Box::new(check(*inner, schema, at)?)),
        Expr::Cond(c) => TypedExpr::Cond(check_cond(c, schema, at)?),
    })
}

fn err(pos: Pos, message: impl std::fmt::Display) -> FilterError {
    FilterError {
        message: format!("{message} (at column {})", pos.column),
        pos,
    }
}

fn check_cond(c: Condition, fields: Fields<'_>, at: Resolve) -> Result<TypedCond, FilterError> {
    let Some(field) = fields.find(&c.field) else {
        return Err(err(
            c.field_pos,
            format!(
                "unknown field '{}' for {}; filterable fields: {}",
                c.field,
                fields.schema.name,
                fields.paths().join(", ")
            ),
        ));
    };
    let kind = field.kind();
    let mut op = c.op;
    if !kind.operators().contains(&op) {
        let allowed: Vec<&str> = kind.operators().iter().map(Op::as_str).collect();
        return Err(err(
            c.field_pos,
            format!(
                "'{}' does not support '{}'; use one of {}",
                c.field,
                op.as_str(),
                allowed.join(", ")
            ),
        ));
    }
    let value = match (op, c.operand) {
        (Op::IsNull, Operand::Flag(flag)) => TypedValue::IsNull(flag),
        (Op::Eq, Operand::Single(Literal::Null)) if kind.operators().contains(&Op::IsNull) => {
            op = Op::IsNull;
            TypedValue::IsNull(true)
        }
        (Op::Ne, Operand::Single(Literal::Null)) if kind.operators().contains(&Op::IsNull) => {
            op = Op::IsNull;
            TypedValue::IsNull(false)
        }
        (Op::InPeriod, Operand::Single(Literal::String(s))) => {
            let (start, end) =
                filter::dates::resolve_period(&s, at.now).map_err(|m| err(c.operand_pos, m))?;
            TypedValue::Range(start, end)
        }
        (Op::In, Operand::List(items)) => TypedValue::Many(
            items
                .into_iter()
                .map(|l| scalar(&field, l, c.operand_pos, at))
                .collect::<Result<_, _>>()?,
        ),
        (_, Operand::Single(l)) => TypedValue::One(scalar(&field, l, c.operand_pos, at)?),
        (_, _) => {
            return Err(err(
                c.operand_pos,
                format!("'{}' needs a different kind of value here", op.as_str()),
            ));
        }
    };
    Ok(TypedCond { field, op, value })
}

fn scalar(field: &FieldRef, lit: Literal, pos: Pos, at: Resolve) -> Result<Scalar, FilterError> {
    let path = field.path();
    let text = |lit: Literal| match lit {
        Literal::String(s) => Ok(s),
        other => Err(err(
            pos,
            format!("'{path}' takes a quoted string, not {}", describe(&other)),
        )),
    };
    Ok(match field.kind() {
        FieldKind::Text => Scalar::Text(text(lit)?),
        FieldKind::Number => match lit {
            Literal::Number(n) => Scalar::Float(
                n.parse::<f64>()
                    .map_err(|_| err(pos, format!("'{path}' takes a number, got {n}")))?,
            ),
            other => {
                return Err(err(
                    pos,
                    format!("'{path}' takes a number, not {}", describe(&other)),
                ));
            }
        },
        FieldKind::Choice | FieldKind::Choices => {
            let raw = text(lit)?;
            if let FieldRef::Custom(c) = field
                && !c.options.contains(&raw)
            {
                return Err(err(
                    pos,
                    format!("'{path}' is one of {}; got \"{raw}\"", c.options.join(", ")),
                ));
            }
            Scalar::Text(raw)
        }
        FieldKind::Tags => Scalar::Text(text(lit)?),
        FieldKind::Email => Scalar::Text(text(lit)?.trim().to_lowercase()),
        // A whole domain is normalised as stored; a fragment (`contains "acme"`) is lower-cased.
        FieldKind::Domain => {
            let raw = text(lit)?;
            Scalar::Text(
                DomainName::parse(&raw)
                    .map_or_else(|_| raw.trim().to_lowercase(), |d| d.as_str().to_owned()),
            )
        }
        FieldKind::Phone => {
            let raw = text(lit)?;
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            if digits.is_empty() {
                return Err(err(
                    pos,
                    format!("'{path}' takes a phone number in international form"),
                ));
            }
            Scalar::Text(format!("+{digits}"))
        }
        FieldKind::Id => {
            let raw = text(lit)?;
            if raw == ME {
                return at.me.map(Scalar::Uuid).ok_or_else(|| {
                    err(
                        pos,
                        format!("\"me\" in '{path}' stands for the signed-in user, and this caller is none"),
                    )
                });
            }
            Scalar::Uuid(Uuid::parse_str(&raw).map_err(|_| {
                err(
                    pos,
                    format!("'{path}' takes an id (UUID) or \"me\", got \"{raw}\""),
                )
            })?)
        }
        FieldKind::Enum(values) => {
            let raw = text(lit)?;
            if !values.contains(&raw.as_str()) {
                return Err(err(
                    pos,
                    format!("'{path}' is one of {}; got \"{raw}\"", values.join(", ")),
                ));
            }
            Scalar::Text(raw)
        }
        FieldKind::Country => {
            let raw = text(lit)?;
            Scalar::Text(
                CountryCode::parse(&raw)
                    .map_err(|e| err(pos, e.message))?
                    .as_str()
                    .to_owned(),
            )
        }
        FieldKind::Currency => {
            let raw = text(lit)?;
            Scalar::Text(
                CurrencyCode::parse(&raw)
                    .map_err(|e| err(pos, e.message))?
                    .as_str()
                    .to_owned(),
            )
        }
        FieldKind::Integer => match lit {
            Literal::Number(n) => Scalar::Int(
                n.parse::<i64>()
                    .map_err(|_| err(pos, format!("'{path}' takes a whole number, got {n}")))?,
            ),
            other => {
                return Err(err(
                    pos,
                    format!("'{path}' takes a number, not {}", describe(&other)),
                ));
            }
        },
        FieldKind::MoneyAmount => match lit {
            Literal::Number(n) | Literal::String(n) => {
                Scalar::Int(parse_amount_e4(&n).map_err(|e| err(pos, e.message))?)
            }
            other => {
                return Err(err(
                    pos,
                    format!("'{path}' takes a number, not {}", describe(&other)),
                ));
            }
        },
        FieldKind::Timestamp => {
            let raw = text(lit)?;
            Scalar::Time(filter::dates::resolve_instant(&raw, at.now).map_err(|m| err(pos, m))?)
        }
        FieldKind::Boolean => match lit {
            Literal::Bool(b) => Scalar::Bool(b),
            other => {
                return Err(err(
                    pos,
                    format!("'{path}' takes true or false, not {}", describe(&other)),
                ));
            }
        },
        FieldKind::Date => {
            let raw = text(lit)?;
            let date = match chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(d) => d,
                Err(_) => filter::dates::resolve_instant(&raw, at.now)
                    .map_err(|m| err(pos, format!("'{path}' takes a date (YYYY-MM-DD) or {m}")))?
                    .date_naive(),
            };
            Scalar::Text(date.format("%Y-%m-%d").to_string())
        }
    })
}

fn describe(lit: &Literal) -> String {
    match lit {
        Literal::String(s) => format!("the string \"{s}\""),
        Literal::Number(n) => format!("the number {n}"),
        Literal::Bool(b) => format!("{b}"),
        Literal::Null => "null".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{COMPANIES, CONTACTS};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T10:15:30Z")
            .expect("ts")
            .with_timezone(&Utc)
    }

    #[test]
    fn a_filter_is_checked_and_typed() {
        let f = parse_filter(
            r#"email eq "Ana@Example.com" and (lifecycle_stage in ("lead","customer") or created_at gte "-30d")"#,
            &CONTACTS,
            now(),
        )
        .expect("valid");
        let TypedExpr::And(items) = f else {
            panic!("and expected")
        };
        let TypedExpr::Cond(email) = &items[0] else {
            panic!("cond expected")
        };
        assert_eq!(
            email.value,
            TypedValue::One(Scalar::Text("ana@example.com".into()))
        );
    }

    #[test]
    fn unknown_fields_and_wrong_types_name_the_position() {
        let e = parse_filter(r#"nickname eq "x""#, &CONTACTS, now()).expect_err("unknown");
        assert_eq!(e.pos.column, 1);
        assert!(e.message.contains("unknown field 'nickname'"));
        let e = parse_filter(
            r#"first_name eq "a" and employee_count gt 3"#,
            &CONTACTS,
            now(),
        )
        .expect_err("x");
        assert_eq!(e.pos.column, 23);
        let e = parse_filter(r#"employee_count gt "many""#, &COMPANIES, now()).expect_err("type");
        assert!(e.message.contains("takes a number"), "{}", e.message);
        let e = parse_filter(r#"lifecycle_stage eq "king""#, &CONTACTS, now()).expect_err("enum");
        assert_eq!(e.pos.column, 20);
    }

    #[test]
    fn money_and_nulls_and_periods() {
        let f = parse_filter("annual_revenue.amount gte 1000.5", &COMPANIES, now()).expect("valid");
        let TypedExpr::Cond(c) = f else { panic!() };
        assert_eq!(c.value, TypedValue::One(Scalar::Int(10_005_000)));
        let f = parse_filter("domain eq null", &COMPANIES, now()).expect("valid");
        let TypedExpr::Cond(c) = f else { panic!() };
        assert_eq!((c.op, c.value), (Op::IsNull, TypedValue::IsNull(true)));
        assert!(parse_filter(r#"created_at in_period "this_quarter""#, &COMPANIES, now()).is_ok());
    }

    #[test]
    fn me_stands_for_the_caller_in_id_fields_only() {
        use crate::schema::TASKS;
        let me = Uuid::now_v7();
        let f = parse_filter_as(
            r#"assignee_id eq "me" and status eq "open" and due_at in_period "this_week""#,
            &TASKS,
            now(),
            Some(me),
        )
        .expect("valid");
        let TypedExpr::And(items) = f else {
            panic!("and expected")
        };
        let TypedExpr::Cond(who) = &items[0] else {
            panic!("cond expected")
        };
        assert_eq!(who.value, TypedValue::One(Scalar::Uuid(me)));
        let TypedExpr::Cond(due) = &items[2] else {
            panic!("cond expected")
        };
        assert!(matches!(due.value, TypedValue::Range(..)));
        // In lists too.
        let other = Uuid::now_v7();
        let f = parse_filter_as(
            &format!(r#"assignee_id in ("me", "{other}")"#),
            &TASKS,
            now(),
            Some(me),
        )
        .expect("valid");
        let TypedExpr::Cond(c) = f else { panic!() };
        assert_eq!(
            c.value,
            TypedValue::Many(vec![Scalar::Uuid(me), Scalar::Uuid(other)])
        );
        // Without a caller (system jobs), "me" is refused where it is written.
        let e = parse_filter(r#"status eq "open" and assignee_id eq "me""#, &TASKS, now())
            .expect_err("no caller");
        assert_eq!(e.pos.column, 37, "{}", e.message);
        assert!(e.message.contains("signed-in user"), "{}", e.message);
        // In a text field "me" is just the text.
        let f = parse_filter_as(r#"title eq "me""#, &TASKS, now(), Some(me)).expect("valid");
        let TypedExpr::Cond(c) = f else { panic!() };
        assert_eq!(c.value, TypedValue::One(Scalar::Text("me".into())));
        // A bare word still needs quotes, like every text value.
        assert!(parse_filter_as("assignee_id eq me", &TASKS, now(), Some(me)).is_err());
    }

    #[test]
    fn flags_take_true_or_false_only() {
        use crate::schema::CASES;
        let f = parse_filter("sla_breached eq true", &CASES, now()).expect("valid");
        let TypedExpr::Cond(c) = f else { panic!() };
        assert_eq!(c.value, TypedValue::One(Scalar::Bool(true)));
        for bad in [
            r#"sla_breached eq "yes""#,
            "sla_breached eq 1",
            "sla_breached eq null",
        ] {
            let e = parse_filter(bad, &CASES, now()).expect_err(bad);
            assert!(e.message.contains("true or false"), "{bad}: {}", e.message);
            assert_eq!(e.pos.column, 17, "{bad}");
        }
        let e = parse_filter("sla_breached gt false", &CASES, now()).expect_err("no order");
        assert!(e.message.contains("does not support 'gt'"), "{}", e.message);
    }

    #[test]
    fn sort_accepts_only_indexed_fields() {
        let keys = parse_sort("-updated_at,last_name", &CONTACTS).expect("valid");
        assert_eq!(sort_signature(&keys), "-updated_at,last_name");
        assert!(
            parse_sort("title", &CONTACTS)
                .expect_err("not sortable")
                .0
                .contains("cannot be sorted")
        );
        assert!(parse_sort("nope", &CONTACTS).is_err());
        assert!(parse_sort("", &CONTACTS).is_err());
        assert!(parse_limit(Some("0")).is_err());
        assert_eq!(parse_limit(None), Ok(50));
    }
}
