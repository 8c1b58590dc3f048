//! The filter expression language: lexer, parser, AST, relative dates.
//!
//! API clients send `?filter=...` on list endpoints, e.g.
//! `email eq "ana@example.com" and (stage in ("won","lost") or amount.amount gte 1000)`.
//! [`parse`] turns that text into an [`Expr`] without knowing anything about fields or types;
//! checking the tree against an object's schema and resolving dates (see [`dates`]) is the
//! caller's job. Everything here is pure: no I/O, no clock reads.

mod ast;
pub mod dates;
mod lexer;
mod parser;

pub use ast::*;
pub use dates::{resolve_instant, resolve_period};
pub use parser::{MAX_CONDITIONS, MAX_DEPTH, MAX_INPUT_BYTES, MAX_LIST_VALUES};

/// Parses filter text into an expression tree, or says where and why it is wrong.
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    parser::parse(input)
}
