//! Persistence for Rapport on SQLite or PostgreSQL: the [`Db`] handle, migrations, one module per
//! object family, search, idempotency records. Lists and filters are built once with sea-query and
//! rendered for either database. The store never decides who may do what.

pub mod activities;
pub mod appointments;
pub mod associations;
pub mod audit;
pub mod calendar;
pub mod campaigns;
pub mod cases;
pub mod companies;
pub mod contacts;
pub mod cursor;
pub mod custom_fields;
pub mod db;
pub mod deals;
pub mod documents;
pub mod error;
pub mod external_ids;
pub mod idempotency;
pub mod imports;
pub mod leads;
pub mod links;
pub mod list;
pub mod merges;
pub mod mfa;
pub mod migrate;
pub mod oidc;
pub mod outbox;
pub mod passkeys;
pub mod pipelines;
pub mod projects;
pub mod records;
pub mod reports;
pub mod roles;
pub mod search;
pub mod sequences;
pub mod sessions;
mod sql;
pub mod tags;
pub mod tasks;
pub mod teams;
pub mod timeline;
pub mod tokens;
pub mod users;
pub mod workspaces;

pub use db::{Backend, Db, DbConfig, PoolStats, Synchronous, Tx};
pub use error::StoreError;
