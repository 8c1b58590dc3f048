//! List requests as clients send them (`filter`, `sort`, `limit`, `cursor`, `include_total`),
//! checked against an object's schema once for every object.

use rapport_domain::ids::UserId;
use rapport_domain::query::{self, Fields, SortKey, TypedExpr};
use rapport_store::list::ListParams;

use crate::error::AppError;

/// The raw list parameters, from a query string or a `POST .../search` body.
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    /// Filter expression.
    pub filter: Option<String>,
    /// Sort, e.g. `-updated_at,name`.
    pub sort: Option<String>,
    /// Page size as given.
    pub limit: Option<String>,
    /// Cursor from a previous page.
    pub cursor: Option<String>,
    /// Whether to count.
    pub include_total: bool,
}

/// A checked list request.
#[derive(Debug, Clone)]
pub struct ListRequest {
    filter: Option<TypedExpr>,
    sort: Vec<SortKey>,
    limit: u32,
    cursor: Option<String>,
    include_total: bool,
}

impl ListRequest {
    /// Checks the input against `schema` for the caller `me`: `"me"` in an id filter
    /// (`assignee_id eq "me"`) is their user id, resolved here once for every object so that
    /// "my open tasks due this week" is one filter expression.
    pub fn parse(
        input: ListInput,
        fields: Fields<'_>,
        me: Option<UserId>,
    ) -> Result<Self, AppError> {
        let schema = fields.schema;
        let filter = match input.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(f) => Some(query::parse_filter_with(
                f,
                fields,
                chrono::Utc::now(),
                me.map(|u| u.0),
            )?),
        };
        let sort_text = input
            .sort
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(schema.default_sort);
        let sort =
            query::parse_sort_with(sort_text, fields).map_err(|e| AppError::BadParameter {
                parameter: "sort",
                message: e.0,
            })?;
        let limit =
            query::parse_limit(input.limit.as_deref()).map_err(|m| AppError::BadParameter {
                parameter: "limit",
                message: m,
            })?;
        let cursor = input.cursor.filter(|c| !c.is_empty());
        Ok(Self {
            filter,
            sort,
            limit,
            cursor,
            include_total: input.include_total,
        })
    }

    /// Adds a condition every returned record must also meet (the caller's record scope).
    pub fn restrict(&mut self, condition: TypedExpr) {
        self.filter = Some(match self.filter.take() {
            Some(existing) => TypedExpr::And(vec![existing, condition]),
            None => condition,
        });
    }

    /// The first filter or sort path among `paths`, if any (personal fields a role may not
    /// filter or sort on).
    pub fn uses_any(&self, paths: &[&str]) -> Option<&'static str> {
        fn walk(e: &TypedExpr, paths: &[&str]) -> Option<&'static str> {
            match e {
                TypedExpr::And(items) | TypedExpr::Or(items) => {
                    items.iter().find_map(|i| walk(i, paths))
                }
                TypedExpr::Not(inner) => walk(inner, paths),
                TypedExpr::Cond(c) => c.field.builtin_path().filter(|p| paths.contains(p)),
            }
        }
        self.filter
            .as_ref()
            .and_then(|f| walk(f, paths))
            .or_else(|| {
                self.sort
                    .iter()
                    .filter_map(|k| k.field.builtin_path())
                    .find(|p| paths.contains(p))
            })
    }

    /// The store's view.
    pub fn params(&self) -> ListParams<'_> {
        ListParams {
            filter: self.filter.as_ref(),
            sort: &self.sort,
            limit: self.limit,
            cursor: self.cursor.as_deref(),
            include_total: self.include_total,
        }
    }
}
