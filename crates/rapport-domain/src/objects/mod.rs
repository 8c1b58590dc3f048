//! The CRM objects: their records, their writable drafts, and how a JSON body becomes a draft.

pub mod address;
pub mod appointment;
pub mod body;
pub mod company;
pub mod contact;
pub mod deal;
pub mod merge_patch;
pub mod pipeline;
pub mod record;
pub mod record_ref;
pub mod task;
pub mod time;

pub use address::Address;
pub use appointment::{Appointment, AppointmentDraft, Attendees};
pub use company::{Company, CompanyDraft};
pub use contact::{Contact, ContactDraft, EmailEntry, PhoneEntry};
pub use deal::{Deal, DealDraft, DealState};
pub use pipeline::{Pipeline, PipelineDraft, Stage};
pub use record::Record;
pub use record_ref::RecordRef;
pub use task::{Task, TaskDraft, TaskPriority, TaskState, TaskStatus};
