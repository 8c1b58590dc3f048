//! Dashboard data: a pipeline's deals by stage with the weighted forecast, deals won and lost in
//! a period, and activities per owner. Each counts only what the caller's record scope reaches.

use std::collections::BTreeMap;

use rapport_domain::filter::dates::{PERIODS, resolve_period};
use rapport_domain::ids::PipelineId;
use rapport_domain::objects::{Activity, Deal, Pipeline, time};
use rapport_domain::policy::{Action, Resource};
use rapport_domain::values::{CurrencyCode, Money};
use rapport_store::reports;
use serde_json::{Value, json};

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::policy::authorize;
use crate::records::{self, Object};

fn money(currency: Option<&str>, amount_e4: i64) -> Option<Value> {
    let code = CurrencyCode::parse(currency?).ok()?;
    serde_json::to_value(Money::new(amount_e4, code)).ok()
}

/// Sums per currency, as a list of money values (deals without an amount are left out).
fn amounts(sums: &BTreeMap<String, i64>) -> Vec<Value> {
    sums.iter()
        .filter_map(|(c, a)| money(Some(c), *a))
        .collect()
}

fn period(
    name: Option<&str>,
) -> Result<
    (
        String,
        chrono::DateTime<chrono::Utc>,
        chrono::DateTime<chrono::Utc>,
    ),
    AppError,
> {
    let name = name.unwrap_or("this_month");
    let (from, to) =
        resolve_period(name, time::now_millis()).map_err(|_| AppError::BadParameter {
            parameter: "period",
            message: format!("'{name}' is not a period; one of: {}", PERIODS.join(", ")),
        })?;
    Ok((name.to_owned(), from, to))
}

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `GET /reports/pipeline?pipeline_id=`: per stage, in board order, how many deals and how
/// much, and the forecast of open deals weighted by their probability.
pub async fn pipeline(app: &App, ctx: &Ctx, id: PipelineId) -> Result<Value, AppError> {
    authorize(app, ctx, Action::Read, Resource::Records(Deal::SCHEMA.name)).await?;
    let p: Pipeline = records::get(app, ctx, id.0).await?;
    let owners = records::reach(app, ctx).await?;
    let rows = reports::pipeline(&app.db, ctx.workspace_id, id.0, owners.as_deref()).await?;
    let mut stages = Vec::with_capacity(p.fields.stages.len());
    let mut forecast: BTreeMap<String, i64> = BTreeMap::new();
    let mut open_total: BTreeMap<String, i64> = BTreeMap::new();
    let (mut count, mut open_count) = (0, 0);
    for s in &p.fields.stages {
        let mut n = 0;
        let mut sums: BTreeMap<String, i64> = BTreeMap::new();
        let mut weighted: BTreeMap<String, i64> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.stage_id == s.id.0) {
            n += r.n;
            if let Some(c) = &r.currency {
                *sums.entry(c.clone()).or_default() += r.total.unwrap_or(0);
                *weighted.entry(c.clone()).or_default() += r.weighted.unwrap_or(0) / 100;
            }
        }
        count += n;
        if !s.closes() {
            open_count += n;
            for (c, w) in &weighted {
                *forecast.entry(c.clone()).or_default() += w;
            }
            for (c, a) in &sums {
                *open_total.entry(c.clone()).or_default() += a;
            }
        }
        stages.push(json!({
            "stage_id": s.id, "name": s.name, "kind": s.kind, "probability": s.probability,
            "count": n, "amounts": amounts(&sums), "weighted": amounts(&weighted),
        }));
    }
    Ok(json!({
        "pipeline_id": p.id, "name": p.fields.name, "stages": stages,
        "count": count, "open_count": open_count,
        "open_amounts": amounts(&open_total), "weighted_forecast": amounts(&forecast),
    }))
}

/// `GET /reports/won-lost?period=`: deals closed in the period, won and lost, with amounts per
/// currency, the win rate by count, and the reasons given.
pub async fn won_lost(app: &App, ctx: &Ctx, name: Option<&str>) -> Result<Value, AppError> {
    authorize(app, ctx, Action::Read, Resource::Records(Deal::SCHEMA.name)).await?;
    let (name, from, to) = period(name)?;
    let owners = records::reach(app, ctx).await?;
    let ws = ctx.workspace_id;
    let by_currency = reports::won_lost(&app.db, ws, from, to, false, owners.as_deref()).await?;
    let by_reason = reports::won_lost(&app.db, ws, from, to, true, owners.as_deref()).await?;
    let side = |kind: &str| {
        let rows = by_currency.iter().filter(|r| r.stage_kind == kind);
        let count: i64 = rows.clone().map(|r| r.n).sum();
        let sums: BTreeMap<String, i64> = rows
            .filter_map(|r| Some((r.key.clone()?, r.total.unwrap_or(0))))
            .collect();
        let reasons: Vec<Value> = by_reason
            .iter()
            .filter(|r| r.stage_kind == kind)
            .map(|r| json!({ "reason": r.key, "count": r.n }))
            .collect();
        (
            count,
            json!({ "count": count, "amounts": amounts(&sums), "reasons": reasons }),
        )
    };
    let (won_n, won) = side("won");
    let (lost_n, lost) = side("lost");
    let rate = if won_n + lost_n == 0 {
        Value::Null
    } else {
        // Two decimals, as a number: 0.67 for 2 won out of 3.
        json!(((won_n * 10_000) / (won_n + lost_n)) as f64 / 10_000.0)
    };
    Ok(json!({
        "period": name, "from": at(from), "to": at(to),
        "won": won, "lost": lost, "win_rate": rate,
    }))
}

/// `GET /reports/activities?period=&group_by=owner|kind`: activities in the period, counted per
/// owner (with a count per kind) or per kind.
pub async fn activities(
    app: &App,
    ctx: &Ctx,
    name: Option<&str>,
    group_by: Option<&str>,
) -> Result<Value, AppError> {
    authorize(
        app,
        ctx,
        Action::Read,
        Resource::Records(Activity::SCHEMA.name),
    )
    .await?;
    let (name, from, to) = period(name)?;
    let group_by = match group_by.unwrap_or("owner") {
        g @ ("owner" | "kind") => g,
        other => {
            return Err(AppError::BadParameter {
                parameter: "group_by",
                message: format!("'{other}' cannot group activities; use owner or kind"),
            });
        }
    };
    let owners = records::reach(app, ctx).await?;
    let rows = reports::activities(&app.db, ctx.workspace_id, from, to, owners.as_deref()).await?;
    let groups: Vec<Value> = if group_by == "kind" {
        let mut per: BTreeMap<String, i64> = BTreeMap::new();
        for (_, kind, n) in &rows {
            *per.entry(kind.clone()).or_default() += n;
        }
        per.into_iter()
            .map(|(k, n)| json!({ "kind": k, "count": n }))
            .collect()
    } else {
        let mut per: BTreeMap<Option<uuid::Uuid>, BTreeMap<String, i64>> = BTreeMap::new();
        for (owner, kind, n) in &rows {
            *per.entry(*owner)
                .or_default()
                .entry(kind.clone())
                .or_default() += n;
        }
        per.into_iter()
            .map(|(o, kinds)| {
                let count: i64 = kinds.values().sum();
                json!({ "owner_id": o, "count": count, "by_kind": kinds })
            })
            .collect()
    };
    let total: i64 = rows.iter().map(|(_, _, n)| n).sum();
    Ok(json!({
        "period": name, "from": at(from), "to": at(to), "group_by": group_by,
        "count": total, "groups": groups,
    }))
}
