//! The CRM objects: their records, their writable drafts, and how a JSON body becomes a draft.

pub mod activity;
pub mod address;
pub mod appointment;
pub mod body;
pub mod campaign;
pub mod case;
pub mod company;
pub mod contact;
pub mod deal;
pub mod document;
pub mod duplicates;
pub mod lead;
pub mod merge;
pub mod merge_patch;
pub mod pipeline;
pub mod project;
pub mod record;
pub mod record_ref;
pub mod task;
pub mod time;
pub mod vocabulary;

pub use activity::{Activity, ActivityDraft};
pub use address::Address;
pub use appointment::{Appointment, AppointmentDraft, Attendees};
pub use campaign::{Campaign, CampaignDraft, CampaignState};
pub use case::{Case, CaseDraft, CasePriority, CaseState, CaseStatus};
pub use company::{Company, CompanyDraft};
pub use contact::{Contact, ContactDraft, EmailEntry, PhoneEntry};
pub use deal::{BoardMove, Deal, DealDraft, DealState, StageMove};
pub use document::{Document, DocumentDraft, DocumentFile, UploadTarget};
pub use lead::{Conversion, Lead, LeadDraft, LeadScoring, LeadState};
pub use pipeline::{Pipeline, PipelineDraft, Stage, StageRemoval};
pub use project::{Milestone, Project, ProjectDraft, ProjectState, ProjectStatus};
pub use record::Record;
pub use record_ref::RecordRef;
pub use task::{Task, TaskDraft, TaskPriority, TaskState, TaskStatus};
