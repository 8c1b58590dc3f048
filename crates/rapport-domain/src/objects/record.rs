//! What every stored object shares: an id, writable fields (its draft), timestamps and a version.
//! Stores, use cases and handlers are written once against [`Record`].

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// A stored object: contacts, companies, and every object after them.
pub trait Record: Clone + Serialize + Send + Sync + 'static {
    /// The writable fields, validated.
    type Draft: Clone + PartialEq + Serialize + Send + Sync + 'static;

    /// A new record (fresh id, version 1) holding `fields`.
    fn create(fields: Self::Draft, now: DateTime<Utc>) -> Self;
    /// Its id.
    fn id(&self) -> Uuid;
    /// Its version (+1 on every change).
    fn version(&self) -> i64;
    /// Its writable fields.
    fn fields(&self) -> &Self::Draft;
    /// The record with new fields: version + 1, updated now.
    fn revised(self, fields: Self::Draft, now: DateTime<Utc>) -> Self;
    /// The record after a change outside its fields (delete, restore): the given version, updated now.
    fn touched(self, version: i64, now: DateTime<Utc>) -> Self;
}

/// Implements [`Record`] for a struct with `id`, `fields`, `created_at`, `updated_at`, `version`
/// and, after `derived:`, fields the server sets (starting at their `Default`).
#[macro_export]
macro_rules! impl_record {
    ($record:ty, $id:ident, $draft:ty) => {
        $crate::impl_record!($record, $id, $draft, derived:);
    };
    ($record:ty, $id:ident, $draft:ty, derived: $($derived:ident),*) => {
        impl $crate::objects::record::Record for $record {
            type Draft = $draft;

            fn create(fields: $draft, now: chrono::DateTime<chrono::Utc>) -> Self {
                Self {
                    id: $id::new(),
                    fields,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    $($derived: Default::default(),)*
                }
            }
            fn id(&self) -> uuid::Uuid {
                self.id.0
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn fields(&self) -> &$draft {
                &self.fields
            }
            fn revised(self, fields: $draft, now: chrono::DateTime<chrono::Utc>) -> Self {
                Self {
                    fields,
                    updated_at: now,
                    version: self.version + 1,
                    ..self
                }
            }
            fn touched(self, version: i64, now: chrono::DateTime<chrono::Utc>) -> Self {
                Self {
                    updated_at: now,
                    version,
                    ..self
                }
            }
        }
    };
}
