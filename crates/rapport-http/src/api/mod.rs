//! HTTP handlers: the JSON API under `/api/v1`, operations endpoints, docs and the error registry.

pub mod docs;
pub mod ops;
pub mod problems;
pub mod v1;
