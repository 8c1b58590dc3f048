//! Deals: what differs from every other object (the shared use cases are in [`crate::records`]).
//! The stage decides what the server derives: the default probability, `closed_at` in a won or
//! lost stage, when an open deal starts rotting, and a place at the end of the stage's board
//! column; every stage change is written to the stage history in the same transaction.

use chrono::{Duration, Utc};
use rapport_domain::ids::{DealId, StageId};
use rapport_domain::objects::{Deal, DealDraft, Pipeline, Record, StageMove, time};
use rapport_domain::policy::Action;
use rapport_domain::schema::DEALS;
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::deals::{self as store, DealRow};
use rapport_store::pipelines::{self as pipeline_store, PipelineRow};
use rapport_store::records as rows;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::{Actor, Ctx};
use crate::error::AppError;
use crate::records::{self, Object, Patched};
use crate::references;

/// The distance between neighbours on a board column, leaving room to insert between them.
const RANK_GAP: i64 = 1024;

/// How many times a move retries when another write slipped in between.
const RETRIES: usize = 3;

/// Who moved a deal, as its stage history shows it.
fn actor_label(actor: &Actor) -> String {
    match actor {
        Actor::User { id, .. } => format!("user:{id}"),
        Actor::System | Actor::Anonymous => "system".into(),
    }
}

fn stage_error(message: &str) -> FieldError {
    FieldError {
        pointer: "/stage_id".into(),
        code: "not_found".into(),
        message: message.into(),
    }
}

/// The live pipeline a deal names, inside the transaction.
async fn pipeline_of(
    tx: &mut Tx,
    ctx: &Ctx,
    draft: &DealDraft,
) -> Result<Option<Pipeline>, AppError> {
    Ok(
        match rows::find_for_write::<PipelineRow>(tx, ctx.workspace_id, draft.pipeline_id.0).await?
        {
            Some((p, false)) => Some(p),
            _ => None,
        },
    )
}

impl Object for Deal {
    type Table = DealRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &DEALS;

    fn parse(_app: &App, body: Value) -> Result<DealDraft, Vec<FieldError>> {
        DealDraft::parse(body)
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// The pipeline, its stage, the company and the owner must exist in the workspace.
    async fn check(tx: &mut Tx, ctx: &Ctx, draft: &DealDraft, _own: Uuid) -> Result<(), AppError> {
        let ws = ctx.workspace_id;
        let mut errors = Vec::new();
        match pipeline_of(tx, ctx, draft).await? {
            None => errors.push(references::missing("/pipeline_id", "pipeline")),
            Some(p) => {
                if let Some(s) = draft.stage_id
                    && p.stage(s).is_none()
                {
                    errors.push(stage_error(
                        "no stage with this id in the deal's pipeline (to change pipelines, send \
                         its stage too, or null for its first stage)",
                    ));
                }
            }
        }
        let company = draft.company_id.map(|c| ("/company_id", "companies", c.0));
        if let Err(AppError::Validation(more)) =
            references::check_all(tx, ws, company.as_slice(), &[]).await
        {
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(errors))
        }
    }

    async fn settle(
        _app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Self>,
        deal: &mut Self,
    ) -> Result<(), AppError> {
        let pipeline = pipeline_of(tx, ctx, &deal.fields)
            .await?
            .ok_or_else(|| AppError::Internal("checked pipeline vanished".into()))?;
        let stage = match deal.fields.stage_id {
            Some(s) => pipeline.stage(s),
            None => pipeline.fields.stages.first(),
        }
        .cloned()
        .ok_or_else(|| AppError::Internal("checked stage vanished".into()))?;
        deal.fields.stage_id = Some(stage.id);
        let now = deal.updated_at;
        let moved = before.is_none_or(|b| b.fields.stage_id != deal.fields.stage_id);
        if moved {
            deal.state.stage_entered_at = Some(now);
            // The stage's probability, unless this very write sets one.
            let chosen = match before {
                Some(b) => deal.fields.probability != b.fields.probability,
                None => deal.fields.probability.is_some(),
            };
            if !chosen {
                deal.fields.probability = Some(stage.probability);
            }
            let last = store::max_rank(tx, ctx.workspace_id, stage.id).await?;
            deal.state.board_rank = last.map_or(RANK_GAP, |r| r.saturating_add(RANK_GAP));
        }
        deal.state.stage_kind = stage.kind.clone();
        deal.state.closed_at = if !stage.closes() {
            None
        } else if moved || deal.state.closed_at.is_none() {
            Some(now)
        } else {
            deal.state.closed_at
        };
        deal.state.rots_at = match pipeline.fields.rotting_days {
            Some(days) if !stage.closes() => {
                let quiet_since = deal.state.stage_entered_at.max(deal.state.last_activity_at);
                quiet_since.map(|t| t + Duration::days(days))
            }
            _ => None,
        };
        deal.state.rotting = deal.state.rots_at.is_some_and(|t| t <= Utc::now());
        Ok(())
    }

    async fn after_write(
        _app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Self>,
        deal: &Self,
    ) -> Result<(), AppError> {
        let from = before.and_then(|b| b.fields.stage_id);
        if let Some(to) = deal.fields.stage_id
            && from != Some(to)
        {
            let actor = actor_label(&ctx.actor);
            store::insert_move(
                tx,
                ctx.workspace_id,
                deal.id,
                from,
                to,
                deal.updated_at,
                &actor,
            )
            .await?;
        }
        Ok(())
    }
}

/// Derives a deal's state again after its pipeline changed (a stage's kind, `rotting_days`),
/// in the pipeline's transaction.
pub(crate) async fn refresh(app: &App, tx: &mut Tx, ctx: &Ctx, id: Uuid) -> Result<(), AppError> {
    let Some((current, false)) = rows::find_for_write::<DealRow>(tx, ctx.workspace_id, id).await?
    else {
        return Ok(());
    };
    let expected = current.version;
    let mut next = current
        .clone()
        .revised(current.fields.clone(), time::now_millis());
    Deal::settle(app, tx, ctx, Some(&current), &mut next).await?;
    rows::update::<DealRow>(tx, ctx.workspace_id, &next, expected).await?;
    Ok(())
}

/// Notes an activity on a deal: its last activity moves forward (never back), which restarts
/// its rotting clock; in the activity's transaction.
pub(crate) async fn note_activity(
    app: &App,
    tx: &mut Tx,
    ctx: &Ctx,
    id: Uuid,
    at: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    let Some((current, false)) = rows::find_for_write::<DealRow>(tx, ctx.workspace_id, id).await?
    else {
        return Ok(());
    };
    if current.state.last_activity_at.is_some_and(|t| t >= at) {
        return Ok(());
    }
    let expected = current.version;
    let mut next = current
        .clone()
        .revised(current.fields.clone(), time::now_millis());
    next.state.last_activity_at = Some(at);
    Deal::settle(app, tx, ctx, Some(&current), &mut next).await?;
    rows::update::<DealRow>(tx, ctx.workspace_id, &next, expected).await?;
    Ok(())
}

/// Moves a live deal to another stage of its pipeline inside the caller's transaction (a
/// removed stage's deals), with its history entry and audit entry.
pub(crate) async fn move_within(
    app: &App,
    tx: &mut Tx,
    ctx: &Ctx,
    id: Uuid,
    to: StageId,
) -> Result<(), AppError> {
    let Some((current, false)) = rows::find_for_write::<DealRow>(tx, ctx.workspace_id, id).await?
    else {
        return Ok(());
    };
    let mut draft = current.fields.clone();
    draft.stage_id = Some(to);
    let expected = current.version;
    let mut next = current.clone().revised(draft, time::now_millis());
    Deal::settle(app, tx, ctx, Some(&current), &mut next).await?;
    rows::update::<DealRow>(tx, ctx.workspace_id, &next, expected).await?;
    Deal::after_write(app, tx, ctx, Some(&current), &next).await?;
    let event = Event::on("deals.update", "deals", &id).with(json!({
        "version": next.version,
        "changes": { "stage_id": { "before": current.fields.stage_id, "after": to } },
    }));
    audit::record(tx, ctx, event).await
}

/// Where a card lands on a board column: between its new neighbours when there is room,
/// otherwise the column is renumbered.
enum Placement {
    /// This rank fits between the neighbours.
    Rank(i64),
    /// Ranks for the whole column, the moved deal included, in board order.
    Renumber(Vec<(Uuid, i64)>),
}

fn place(others: &[(Uuid, i64)], deal: Uuid, position: usize) -> Placement {
    let at = position.min(others.len());
    let before = at
        .checked_sub(1)
        .and_then(|i| others.get(i))
        .map(|(_, r)| *r);
    let after = others.get(at).map(|(_, r)| *r);
    let fits = match (before, after) {
        (None, None) => Some(RANK_GAP),
        (Some(b), None) => b.checked_add(RANK_GAP),
        (None, Some(a)) => a.checked_sub(RANK_GAP),
        (Some(b), Some(a)) if a - b > 1 => Some(b + (a - b) / 2),
        _ => None,
    };
    match fits {
        Some(r) => Placement::Rank(r),
        None => {
            let mut order: Vec<Uuid> = others.iter().map(|(id, _)| *id).collect();
            order.insert(at, deal);
            Placement::Renumber(
                order
                    .into_iter()
                    .zip(1..)
                    .map(|(id, i)| (id, i * RANK_GAP))
                    .collect(),
            )
        }
    }
}

/// `POST /deals/{id}/move`: puts a deal into a stage of its pipeline at a position of that
/// stage's board column (0 = top; past the end = bottom), in one transaction.
pub async fn move_deal(
    app: &App,
    ctx: &Ctx,
    id: DealId,
    stage: StageId,
    position: Option<usize>,
    if_match: Option<i64>,
) -> Result<Deal, AppError> {
    records::allow::<Deal>(app, ctx, Action::Update).await?;
    let reach = records::reach(app, ctx).await?;
    let patch = json!({ "stage_id": stage });
    for _ in 0..RETRIES {
        let tx = app.db.begin().await?;
        let Patched::Done {
            mut tx,
            before,
            mut after,
        } = records::patch_in::<Deal>(app, ctx, tx, id.0, &patch, if_match, reach.as_deref())
            .await?
        else {
            continue;
        };
        if let Some(position) = position {
            let ws = ctx.workspace_id;
            let now = time::now_millis();
            let others = store::stage_ranks(&mut tx, ws, stage, Some(id.0)).await?;
            let rank = match place(&others, id.0, position) {
                Placement::Rank(r) => r,
                Placement::Renumber(ranks) => {
                    let mut mine = after.state.board_rank;
                    for (other, r) in ranks {
                        if other == id.0 {
                            mine = r;
                        } else {
                            store::set_rank(&mut tx, ws, other, r, now).await?;
                        }
                    }
                    mine
                }
            };
            if rank != after.state.board_rank {
                store::set_rank(&mut tx, ws, id.0, rank, now).await?;
                after.state.board_rank = rank;
                after.version += 1;
                after.updated_at = now;
            }
        }
        let event = Event::on("deals.move", "deals", &id).with(json!({
            "from_stage_id": before.fields.stage_id,
            "stage_id": stage,
            "position": position,
            "board_rank": after.state.board_rank,
            "version": after.version,
        }));
        audit::record(&mut tx, ctx, event).await?;
        tx.commit().await?;
        return Ok(after);
    }
    Err(AppError::Unavailable(
        "the deal is changing too often; retry".into(),
    ))
}

/// A deal's stage history, oldest first, with stage names.
pub async fn stage_history(app: &App, ctx: &Ctx, id: DealId) -> Result<Vec<StageMove>, AppError> {
    let deal: Deal = records::get(app, ctx, id.0).await?;
    let moves = store::moves(&app.db, ctx.workspace_id, deal.id).await?;
    let mut ids: Vec<Uuid> = moves
        .iter()
        .flat_map(|m| m.from_stage_id.into_iter().chain([m.to_stage_id]))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = pipeline_store::stage_names(&app.db, ctx.workspace_id, &ids).await?;
    let name = |id: Uuid| names.iter().find(|(s, _)| *s == id).map(|(_, n)| n.clone());
    Ok(moves
        .into_iter()
        .map(|m| StageMove {
            from_stage_id: m.from_stage_id.map(StageId),
            from_stage_name: m.from_stage_id.and_then(name),
            to_stage_id: StageId(m.to_stage_id),
            to_stage_name: name(m.to_stage_id),
            moved_at: m.moved_at,
            actor: m.actor,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::now_v7()).collect()
    }

    #[test]
    fn a_card_lands_between_its_neighbours() {
        let i = ids(3);
        let others = [(i[0], 1024), (i[1], 2048)];
        assert!(matches!(place(&others, i[2], 1), Placement::Rank(1536)));
        assert!(matches!(place(&others, i[2], 0), Placement::Rank(0)));
        assert!(matches!(place(&others, i[2], 9), Placement::Rank(3072)));
        assert!(matches!(place(&[], i[2], 0), Placement::Rank(RANK_GAP)));
    }

    #[test]
    fn a_full_gap_renumbers_the_column_with_the_card_in_place() {
        let i = ids(3);
        let others = [(i[0], 10), (i[1], 11)];
        let Placement::Renumber(ranks) = place(&others, i[2], 1) else {
            panic!("expected a renumbering");
        };
        assert_eq!(ranks, vec![(i[0], 1024), (i[2], 2048), (i[1], 3072)]);
    }
}
