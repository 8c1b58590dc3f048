//! Relative and absolute dates that appear inside quoted filter values.
//!
//! The parser leaves date strings alone; the caller resolves them with these functions once it
//! knows the field is a date/time, passing `now` explicitly so results are reproducible.

mod calendar;
mod instant;
mod period;

pub use instant::resolve_instant;
pub use period::{PERIODS, resolve_period};
