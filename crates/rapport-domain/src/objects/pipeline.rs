//! Pipelines: the ordered stages a deal moves through, each with a win probability and a kind.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use crate::ids::{PipelineId, StageId};
use crate::validation::{Errors, FieldError};

/// Most stages a pipeline may have.
pub const MAX_STAGES: usize = 50;

/// Stage kinds: deals in `won` and `lost` stages are closed.
pub const STAGE_KINDS: &[&str] = &["open", "won", "lost"];

/// One stage of a pipeline, in board order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Stage {
    /// Id; send it back to keep (rename, reorder) a stage, leave it out to add one.
    #[schema(value_type = String, format = Uuid)]
    pub id: StageId,
    /// Name, unique within the pipeline.
    pub name: String,
    /// Win probability in percent (0–100), the default of deals entering the stage.
    pub probability: i64,
    /// `open`, `won` or `lost`.
    pub kind: String,
}

impl Stage {
    /// Whether deals in this stage are closed (won or lost).
    pub fn closes(&self) -> bool {
        self.kind != "open"
    }
}

/// The writable fields of a pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = PipelineInput)]
pub struct PipelineDraft {
    /// Name (required).
    pub name: String,
    /// Open deals with no activity and no stage change for this many days are flagged rotting.
    pub rotting_days: Option<i64>,
    /// Stages in board order (1 to 50). Removing a stage that holds deals needs
    /// `POST /api/v1/pipelines/{id}/stages/{stage_id}/remove` with a target stage.
    pub stages: Vec<Stage>,
}

/// A stored pipeline as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pipeline {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: PipelineId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: PipelineDraft,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Pipeline, PipelineId, PipelineDraft);

impl Pipeline {
    /// The stage with this id.
    pub fn stage(&self, id: StageId) -> Option<&Stage> {
        self.fields.stages.iter().find(|s| s.id == id)
    }
}

/// The fields a client may send.
pub const WRITABLE: &[&str] = &["name", "rotting_days", "stages"];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version"];

impl PipelineDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        body.refuse_read_only(READ_ONLY);
        let name = body.text("name", 100);
        if name.is_none() && body.has_no_error_at("name") {
            body.fail("name", "required", "a pipeline needs a name");
        }
        let rotting_days = body.integer("rotting_days", 1, 3650);
        let given = body.has("stages");
        let stages = read_stages(&mut body);
        if stages.is_empty() && body.has_no_error_at("stages") {
            let why = if given {
                "cannot be empty"
            } else {
                "is required"
            };
            body.fail(
                "stages",
                "required",
                format!("a pipeline needs at least one stage: 'stages' {why}"),
            );
        }
        let draft = PipelineDraft {
            name: name.unwrap_or_default(),
            rotting_days,
            stages,
        };
        errors.finish(draft)
    }
}

/// The kind a stage's name says: `won` or `lost` when one of its words is (`Closed won`,
/// `Lost - no budget`), else `open`.
pub fn kind_named(name: &str) -> &'static str {
    let words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '_' | '/' | '(' | ')' | ':' | ','))
        .map(str::to_lowercase)
        .collect();
    let says = |w: &str| words.iter().any(|x| x == w);
    match (says("won"), says("lost")) {
        (true, false) => "won",
        (false, true) => "lost",
        _ => "open",
    }
}

/// The probability of an open stage sent without one: spread evenly by its place among the
/// open stages (three open stages get 25, 50 and 75).
fn positional_probability(place: usize, open_stages: usize) -> i64 {
    let (place, n) = (place as i64, open_stages as i64);
    ((place + 1) * 100 + (n + 1) / 2) / (n + 1)
}

fn read_stages(body: &mut Body<'_>) -> Vec<Stage> {
    let items = body.array("stages", MAX_STAGES);
    let base = body.pointer("stages");
    // Read first, with probabilities left open, so a stage without one can get it from its
    // place among all the open stages.
    let mut out: Vec<(Stage, bool)> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let prefix = format!("{base}/{i}");
        let Some(mut s) = Body::open(
            item,
            &prefix,
            &["id", "name", "probability", "kind"],
            body.errors(),
        ) else {
            continue;
        };
        let id = s.uuid("id").map(StageId);
        let name = s.text("name", 100);
        let probability = s.integer("probability", 0, 100);
        let kind = s.choice("kind", STAGE_KINDS);
        let Some(name) = name else {
            if s.has_no_error_at("name") {
                s.fail("name", "required", "a stage needs a name");
            }
            continue;
        };
        let named = kind_named(&name);
        let kind = match kind {
            Some("open") if named != "open" => {
                s.fail(
                    "kind",
                    "kind_mismatch",
                    format!(
                        "a stage named '{name}' reads as {named}, but its kind is open: send \
                         \"kind\": \"{named}\" (deals in it close), or rename the stage"
                    ),
                );
                continue;
            }
            Some(k) => k,
            None => named,
        };
        if out
            .iter()
            .any(|(o, _)| o.name.to_lowercase() == name.to_lowercase())
        {
            s.fail(
                "name",
                "duplicate",
                "another stage of this pipeline has this name",
            );
            continue;
        }
        if let Some(id) = id
            && out.iter().any(|(o, _)| o.id == id)
        {
            s.fail("id", "duplicate", "this stage id is listed twice");
            continue;
        }
        out.push((
            Stage {
                id: id.unwrap_or_default(),
                name,
                probability: probability.unwrap_or(match kind {
                    "won" => 100,
                    _ => 0,
                }),
                kind: kind.to_owned(),
            },
            probability.is_none(),
        ));
    }
    let open_stages = out.iter().filter(|(s, _)| !s.closes()).count();
    let mut place = 0;
    for (stage, unset) in &mut out {
        if stage.closes() {
            continue;
        }
        if *unset {
            stage.probability = positional_probability(place, open_stages);
        }
        place += 1;
    }
    out.into_iter().map(|(s, _)| s).collect()
}

/// The pipeline a new workspace starts with; it can be renamed, changed or removed like any.
pub fn default_sales_pipeline() -> PipelineDraft {
    let stage = |name: &str, probability: i64, kind: &str| Stage {
        id: StageId::default(),
        name: name.to_owned(),
        probability,
        kind: kind.to_owned(),
    };
    PipelineDraft {
        name: "Sales".to_owned(),
        rotting_days: None,
        stages: vec![
            stage("Qualification", 10, "open"),
            stage("Proposal", 40, "open"),
            stage("Negotiation", 70, "open"),
            stage("Won", 100, "won"),
            stage("Lost", 0, "lost"),
        ],
    }
}

/// `POST /pipelines/{id}/stages/{stage_id}/remove`: where the stage's deals go.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
pub struct StageRemoval {
    /// Another stage of the same pipeline; required when the stage holds deals.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub move_to: Option<StageId>,
}

impl StageRemoval {
    /// Parses the body (`{}` when the stage is empty), listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let Some(mut body) = Body::open(value, "", &["move_to"], &mut errors) else {
            return Err(errors.into_vec());
        };
        let move_to = body.uuid("move_to").map(StageId);
        errors.finish(StageRemoval { move_to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stages_keep_their_order_and_get_ids_and_defaults() {
        let d = PipelineDraft::parse(json!({
            "name": "Sales",
            "stages": [{"name": "Lead in"}, {"name": "Won", "kind": "won"}, {"name": "Lost", "kind": "lost"}]
        }))
        .expect("valid");
        let names: Vec<&str> = d.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Lead in", "Won", "Lost"]);
        assert_eq!(
            d.stages.iter().map(|s| s.probability).collect::<Vec<_>>(),
            [50, 100, 0]
        );
        assert_ne!(d.stages[0].id, d.stages[1].id);
    }

    #[test]
    fn a_stage_without_kind_takes_it_from_its_name_and_a_contradiction_is_refused() {
        let d = PipelineDraft::parse(json!({
            "name": "Sales",
            "stages": [{"name": "Discovery"}, {"name": "Demo", "probability": 30},
                       {"name": "Contract"}, {"name": "Closed won"}, {"name": "Closed - lost"}]
        }))
        .expect("valid");
        let kinds: Vec<&str> = d.stages.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["open", "open", "open", "won", "lost"]);
        // The open stages without a probability take it from their place among the three.
        let p: Vec<i64> = d.stages.iter().map(|s| s.probability).collect();
        assert_eq!(p, [25, 30, 75, 100, 0]);
        let errors = PipelineDraft::parse(json!({
            "name": "Sales",
            "stages": [{"name": "Won", "kind": "open"}]
        }))
        .expect_err("contradiction");
        assert_eq!(errors[0].pointer, "/stages/0/kind");
        assert_eq!(errors[0].code, "kind_mismatch");
        // An explicit closing kind wins over a name that says nothing.
        let d = PipelineDraft::parse(json!({
            "name": "S", "stages": [{"name": "Signed", "kind": "won"}, {"name": "Won't buy"}]
        }))
        .expect("valid");
        assert_eq!(d.stages[0].kind, "won");
        assert_eq!(d.stages[1].kind, "open");
    }

    #[test]
    fn every_stage_problem_is_listed_with_its_pointer() {
        let errors = PipelineDraft::parse(json!({
            "stages": [{"name": "A", "probability": 101}, {"name": "a"}, {"kind": "maybe"}]
        }))
        .expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(pointers.contains(&"/name"), "{pointers:?}");
        assert!(pointers.contains(&"/stages/0/probability"), "{pointers:?}");
        assert!(pointers.contains(&"/stages/1/name"), "{pointers:?}");
        assert!(pointers.contains(&"/stages/2/kind"), "{pointers:?}");
    }

    #[test]
    fn a_pipeline_needs_stages() {
        let errors = PipelineDraft::parse(json!({"name": "X", "stages": []})).expect_err("invalid");
        assert_eq!(errors[0].pointer, "/stages");
    }
}
