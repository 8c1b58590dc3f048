//! List requests as clients send them (`filter`, `sort`, `limit`, `cursor`, `include_total`),
//! checked against an object's schema once for every object.

use rapport_domain::query::{self, SortKey, TypedExpr};
use rapport_domain::schema::ObjectSchema;
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
    /// Checks the input against `schema`.
    pub fn parse(input: ListInput, schema: &ObjectSchema) -> Result<Self, AppError> {
        let filter = match input.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(f) => Some(query::parse_filter(f, schema, chrono::Utc::now())?),
        };
        let sort_text = input
            .sort
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(schema.default_sort);
        let sort = query::parse_sort(sort_text, schema).map_err(|e| AppError::BadParameter {
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
