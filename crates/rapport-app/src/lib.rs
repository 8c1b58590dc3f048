//! Rapport's use cases: the one way every change to data is made (`contacts::create(&app, &ctx,
//! body)` = validate -> one transaction -> record), plus configuration and the request context.
//! The HTTP layer and the CLI both call these; neither touches the store directly for writes.

pub mod activities;
pub mod app;
pub mod appointments;
pub mod associations;
pub mod audit;
pub mod batch;
pub mod board;
pub mod calendar;
pub mod campaigns;
pub mod cases;
pub mod companies;
pub mod config;
pub mod contacts;
pub mod ctx;
pub mod custom_fields;
pub mod deals;
pub mod documents;
pub(crate) mod drafts;
pub mod email;
pub mod error;
pub mod exports;
pub mod health;
pub mod identity;
pub mod imports;
pub mod leads;
pub mod lists;
pub mod merges;
pub mod pipelines;
pub mod policy;
pub mod projects;
pub mod records;
pub mod references;
pub mod reports;
pub mod search;
pub mod secret;
pub(crate) mod sweeps;
pub mod tags;
pub mod tasks;
pub mod timeline;
pub mod workspaces;

pub use app::App;
pub use ctx::{Actor, Ctx};
pub use error::AppError;
