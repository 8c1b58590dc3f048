//! Server-rendered pages. For now only the first-run setup page; the web UI builds on this.

pub mod setup;
