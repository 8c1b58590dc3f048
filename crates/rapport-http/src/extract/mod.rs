//! Extractors: turn request parts into typed inputs, answering malformed ones with problems.

pub mod body;
pub mod ctx;
pub mod ids;
pub mod preconditions;
pub mod query;
pub mod unique_keys;
pub mod wording;

pub use body::{JsonBody, TypedJson};
pub use ctx::{AnonymousCtx, RequestCtx};
pub use preconditions::{IfMatch, IfNoneMatch};
pub use query::ApiQuery;
