//! The CRM objects: their records, their writable drafts, and how a JSON body becomes a draft.

pub mod address;
pub mod body;
pub mod company;
pub mod contact;
pub mod merge_patch;
pub mod record;
pub mod time;

pub use address::Address;
pub use company::{Company, CompanyDraft};
pub use contact::{Contact, ContactDraft, EmailEntry, PhoneEntry};
pub use record::Record;
