//! A pipeline's board: every stage in board order with its count, amounts and weighted amounts
//! (the pipeline report's totals) and a page of its deals in board order, each column with a
//! cursor of its own, so a board loads in one request and a column scrolls on its own. The
//! caller's record scope applies to the deals and to the totals alike.

use rapport_domain::ids::{PipelineId, StageId};
use rapport_domain::objects::Deal;
use serde_json::{Value, json};

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::lists::ListInput;
use crate::{records, reports};

/// What a board request asks for.
#[derive(Debug, Default, Clone)]
pub struct BoardRequest {
    /// Deals per column as given (1 to 200, default 20).
    pub limit: Option<String>,
    /// Only this column, from `cursor` (a column's next page).
    pub stage_id: Option<StageId>,
    /// A column's `next_cursor`; needs `stage_id`.
    pub cursor: Option<String>,
}

/// Deals a column shows when the client does not say.
const PER_COLUMN: &str = "20";

/// `GET /pipelines/{id}/board`.
pub async fn board(
    app: &App,
    ctx: &Ctx,
    id: PipelineId,
    req: BoardRequest,
) -> Result<Value, AppError> {
    if req.cursor.is_some() && req.stage_id.is_none() {
        return Err(AppError::BadParameter {
            parameter: "cursor",
            message: "a cursor belongs to one column: send its stage_id too".into(),
        });
    }
    let mut report = reports::pipeline(app, ctx, id).await?;
    let Some(stages) = report.get_mut("stages").and_then(Value::as_array_mut) else {
        return Err(AppError::Internal("pipeline report without stages".into()));
    };
    if let Some(only) = req.stage_id
        && !stages.iter().any(|s| s["stage_id"] == json!(only))
    {
        return Err(AppError::BadParameter {
            parameter: "stage_id",
            message: format!("the pipeline has no stage {only}"),
        });
    }
    for stage in stages.iter_mut() {
        let sid = stage["stage_id"].as_str().unwrap_or_default().to_owned();
        if req.stage_id.is_some_and(|only| only.0.to_string() != sid) {
            stage["deals"] = Value::Null;
            continue;
        }
        // Ids from the pipeline itself: the filter cannot fail on them.
        let column = format!(r#"pipeline_id eq "{}" and stage_id eq "{sid}""#, id.0);
        let page = records::list::<Deal>(
            app,
            ctx,
            ListInput {
                filter: Some(column),
                sort: Some("board_rank".into()),
                limit: Some(req.limit.clone().unwrap_or_else(|| PER_COLUMN.into())),
                cursor: req.cursor.clone(),
                include_total: false,
            },
        )
        .await?;
        stage["deals"] =
            serde_json::to_value(&page.items).map_err(|e| AppError::Internal(e.to_string()))?;
        stage["next_cursor"] = json!(page.next_cursor);
    }
    Ok(report)
}
