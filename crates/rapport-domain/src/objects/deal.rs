//! Deals: opportunities moving through a pipeline's stages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use super::company::MoneySchema;
use super::custom_field::CustomValues;
use crate::ids::{CompanyId, DealId, PipelineId, StageId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::{Money, Tag};

/// The writable fields of a deal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DealInput)]
pub struct DealDraft {
    /// Name (required).
    pub name: String,
    /// The pipeline (required).
    #[schema(value_type = String, format = Uuid)]
    pub pipeline_id: PipelineId,
    /// The stage; defaults to the pipeline's first stage.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub stage_id: Option<StageId>,
    /// Amount.
    #[schema(value_type = Option<MoneySchema>)]
    pub amount: Option<Money>,
    /// Expected close date (`YYYY-MM-DD`).
    #[schema(value_type = Option<String>, format = Date)]
    pub expected_close_date: Option<NaiveDate>,
    /// Win probability in percent; defaults to the stage's, and a move to another stage sets the
    /// new stage's unless the same request sets it.
    pub probability: Option<i64>,
    /// The company buying.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub company_id: Option<CompanyId>,
    /// Why it was won or lost.
    pub close_reason: Option<String>,
    /// The user responsible for the deal.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<UserId>,
    /// Free tags.
    #[schema(value_type = Vec<String>)]
    pub tags: Vec<Tag>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// What the server keeps about a deal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DealState {
    /// The kind of its stage: `open`, `won` or `lost`.
    pub stage_kind: String,
    /// When it entered a won or lost stage; `null` while open.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<DateTime<Utc>>,
    /// When it entered its current stage.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub stage_entered_at: Option<DateTime<Utc>>,
    /// The last activity logged on it.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// When an open deal starts rotting (no activity nor stage change for the pipeline's
    /// `rotting_days`); `null` when the pipeline does not track rotting or the deal is closed.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub rots_at: Option<DateTime<Utc>>,
    /// Whether `rots_at` has passed.
    pub rotting: bool,
    /// Order within its stage on the board (lower first).
    pub board_rank: i64,
}

/// A stored deal as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deal {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: DealId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: DealDraft,
    /// What the server keeps.
    #[serde(flatten)]
    pub state: DealState,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Deal, DealId, DealDraft, derived: state);

/// One stage a deal entered: its stage history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageMove {
    /// The stage it left; `null` for the stage it was created in.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub from_stage_id: Option<StageId>,
    /// That stage's name (removed stages keep theirs).
    pub from_stage_name: Option<String>,
    /// The stage it entered.
    #[schema(value_type = String, format = Uuid)]
    pub to_stage_id: StageId,
    /// That stage's name.
    pub to_stage_name: Option<String>,
    /// When.
    #[serde(serialize_with = "super::time::serialize")]
    pub moved_at: DateTime<Utc>,
    /// Who: `user:<id>`, `token:<id>` or `system`.
    pub actor: String,
}

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "name",
    "pipeline_id",
    "stage_id",
    "amount",
    "expected_close_date",
    "probability",
    "company_id",
    "close_reason",
    "owner_id",
    "tags",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "version",
    "stage_kind",
    "closed_at",
    "stage_entered_at",
    "last_activity_at",
    "rots_at",
    "rotting",
    "board_rank",
];

impl DealDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        let custom = CustomValues::take_raw(&mut body);
        body.refuse_read_only(READ_ONLY);
        let name = body.text("name", 200);
        if name.is_none() && body.has_no_error_at("name") {
            body.fail("name", "required", "a deal needs a name");
        }
        let pipeline_id = body.uuid("pipeline_id").map(PipelineId);
        if pipeline_id.is_none() && body.has_no_error_at("pipeline_id") {
            body.fail("pipeline_id", "required", "a deal belongs to a pipeline");
        }
        let draft = DealDraft {
            custom,
            name: name.unwrap_or_default(),
            pipeline_id: pipeline_id.unwrap_or_default(),
            stage_id: body.uuid("stage_id").map(StageId),
            amount: body.money("amount"),
            expected_close_date: body.date("expected_close_date"),
            probability: body.integer("probability", 0, 100),
            company_id: body.uuid("company_id").map(CompanyId),
            close_reason: body.text("close_reason", 500),
            owner_id: body.uuid("owner_id").map(UserId),
            tags: body.tags("tags"),
        };
        errors.finish(draft)
    }
}

/// `POST /deals/{id}/move`: a board move.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
pub struct BoardMove {
    /// The stage to put the deal in (a stage of its pipeline; its current one to reorder).
    #[schema(value_type = String, format = Uuid)]
    pub stage_id: StageId,
    /// Place in the stage's column, 0 = top; past the end = bottom; absent: the bottom when
    /// the stage changes, where it is otherwise.
    pub position: Option<usize>,
}

impl BoardMove {
    /// Parses the body, listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let Some(mut body) = Body::open(value, "", &["stage_id", "position"], &mut errors) else {
            return Err(errors.into_vec());
        };
        let stage_id = body.uuid("stage_id").map(StageId);
        if stage_id.is_none() && body.has_no_error_at("stage_id") {
            body.fail("stage_id", "required", "name the stage to move the deal to");
        }
        let position = body
            .integer("position", 0, 1_000_000)
            .and_then(|p| usize::try_from(p).ok());
        let parsed = BoardMove {
            stage_id: stage_id.unwrap_or_default(),
            position,
        };
        errors.finish(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_deal_needs_a_name_and_a_pipeline_and_refuses_server_fields() {
        let errors = DealDraft::parse(json!({
            "amount": {"amount": 10.5, "currency": "EUR"}, "probability": 120,
            "closed_at": "2026-01-01T00:00:00Z", "expected_close_date": "31/12/2026"
        }))
        .expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                "/amount",
                "/closed_at",
                "/expected_close_date",
                "/name",
                "/pipeline_id",
                "/probability"
            ]
        );
    }

    #[test]
    fn a_board_move_needs_a_stage_and_a_non_negative_position() {
        let errors = BoardMove::parse(json!({"position": -1, "lane": 2})).expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(pointers, ["/lane", "/position", "/stage_id"]);
        let m = BoardMove::parse(json!({"stage_id": "0190c7a6-0000-7000-8000-000000000001"}))
            .expect("valid");
        assert_eq!(m.position, None);
    }

    #[test]
    fn a_deal_parses_money_and_dates() {
        let d = DealDraft::parse(json!({
            "name": "Big one", "pipeline_id": "0190c7a6-0000-7000-8000-000000000001",
            "amount": {"amount": "1250", "currency": "usd"}, "expected_close_date": "2026-12-31"
        }))
        .expect("valid");
        assert_eq!(
            serde_json::to_value(&d).expect("json")["amount"],
            json!({"amount": "1250.00", "currency": "USD"})
        );
        assert_eq!(d.expected_close_date, NaiveDate::from_ymd_opt(2026, 12, 31));
    }
}
