//! The CRM itself, pure: ids, objects and their fields, validation (parse, don't validate), money,
//! the filter language and list queries. No async, no I/O, no HTTP, no SQL.

pub mod catalog;
pub mod filter;
pub mod ics;
pub mod ids;
pub mod objects;
pub mod policy;
pub mod query;
pub mod schema;
pub mod validation;
pub mod values;
