//! Typed identifiers: UUIDv7 (time-ordered) wrapped so a contact id cannot be passed as a company id.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// Parses the canonical string form; `None` when it is not a UUID.
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::parse_str(s).ok().map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A workspace: the tenant every record belongs to.
    WorkspaceId
);
id_type!(
    /// A contact (a person).
    ContactId
);
id_type!(
    /// A company (an organisation).
    CompanyId
);
id_type!(
    /// A user of Rapport (owner of records, actor of changes).
    UserId
);
id_type!(
    /// A sales pipeline.
    PipelineId
);
id_type!(
    /// A stage of a pipeline.
    StageId
);
id_type!(
    /// A deal (an opportunity in a pipeline).
    DealId
);
id_type!(
    /// A lead (a prospect not yet qualified).
    LeadId
);
id_type!(
    /// An activity on the timeline (note, call, email, meeting).
    ActivityId
);
id_type!(
    /// A task.
    TaskId
);
id_type!(
    /// An appointment.
    AppointmentId
);
id_type!(
    /// A support case.
    CaseId
);
id_type!(
    /// A marketing campaign.
    CampaignId
);
id_type!(
    /// A delivery project.
    ProjectId
);
id_type!(
    /// A milestone of a project.
    MilestoneId
);
id_type!(
    /// A document (a file attached to a record).
    DocumentId
);
id_type!(
    /// A custom field definition.
    CustomFieldId
);
