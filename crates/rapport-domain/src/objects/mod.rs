//! The CRM objects: their records, their writable drafts, and how a JSON body becomes a draft.

pub mod address;
pub mod body;
pub mod campaign;
pub mod case;
pub mod company;
pub mod contact;
pub mod deal;
pub mod merge_patch;
pub mod pipeline;
pub mod record;
pub mod record_ref;
pub mod time;

pub use address::Address;
pub use campaign::{Campaign, CampaignDraft, CampaignState};
pub use case::{Case, CaseDraft, CasePriority, CaseState, CaseStatus};
pub use company::{Company, CompanyDraft};
pub use contact::{Contact, ContactDraft, EmailEntry, PhoneEntry};
pub use deal::{Deal, DealDraft, DealState};
pub use pipeline::{Pipeline, PipelineDraft, Stage};
pub use record::Record;
pub use record_ref::RecordRef;
