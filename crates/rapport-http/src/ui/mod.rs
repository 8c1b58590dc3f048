//! Server-rendered pages. For now only the one-page forms links open; the web UI builds on this.

pub mod forms;
