//! Activities: what differs from every other object (the shared use cases are in
//! [`crate::records`]). Every linked record must exist in the workspace; logging an activity on a
//! deal resets its rotting clock, and on a lead counts towards its score, in the same transaction.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rapport_domain::objects::{Activity, ActivityDraft, time};
use rapport_domain::schema::ACTIVITIES;
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::activities::ActivityRow;
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::Object;
use crate::references;

impl Object for Activity {
    type Table = ActivityRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &ACTIVITIES;

    fn parse(_app: &App, body: Value) -> Result<ActivityDraft, Vec<FieldError>> {
        ActivityDraft::parse(body, time::now_millis())
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// Every linked record and the owner must exist in the workspace.
    async fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &ActivityDraft,
        _own: Uuid,
    ) -> Result<(), AppError> {
        let pointers: Vec<String> = (0..draft.links.len())
            .map(|i| format!("/links/{i}/id"))
            .collect();
        let links: Vec<(&str, &str, Uuid)> = draft
            .links
            .iter()
            .zip(&pointers)
            .map(|(l, p)| (p.as_str(), l.object.as_str(), l.id))
            .collect();
        references::check_all(tx, ctx.workspace_id, &links, &[]).await
    }

    /// An activity keeps its kind: the kind decides which fields it has.
    async fn settle(
        _app: &App,
        _tx: &mut Tx,
        _ctx: &Ctx,
        before: Option<&Self>,
        activity: &mut Self,
    ) -> Result<(), AppError> {
        match before {
            Some(b) if b.fields.kind != activity.fields.kind => {
                Err(AppError::Validation(vec![FieldError {
                    pointer: "/kind".into(),
                    code: "immutable".into(),
                    message: format!(
                        "an activity's kind cannot change (it is {}); log a new one",
                        b.fields.kind
                    ),
                }]))
            }
            _ => Ok(()),
        }
    }

    /// Linked deals and leads follow: a deal's last activity (and so its rotting clock), a lead's
    /// score.
    async fn after_write(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Self>,
        activity: &Self,
    ) -> Result<(), AppError> {
        let mut touched: Vec<&rapport_domain::objects::RecordRef> =
            activity.fields.links.iter().collect();
        if let Some(b) = before {
            // A link removed by this change also needs its lead rescored.
            touched.extend(b.fields.links.iter());
        }
        touched.sort();
        touched.dedup();
        for link in touched {
            match link.object.as_str() {
                "deals" => {
                    crate::deals::note_activity(app, tx, ctx, link.id, activity.fields.occurred_at)
                        .await?;
                }
                "leads" => crate::leads::rescore(app, tx, ctx, link.id).await?,
                _ => {}
            }
        }
        Ok(())
    }

    /// A bulk write notes each deal once, with the latest of its activities (the end state of
    /// noting them one by one: a last activity only moves forward), and rescores each lead
    /// once; one by one, seeding two million activities rewrote a deal per activity.
    async fn after_write_many(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        written: &[(Option<Self>, Self)],
    ) -> Result<(), AppError> {
        let mut deals: BTreeMap<Uuid, DateTime<Utc>> = BTreeMap::new();
        let mut leads: BTreeSet<Uuid> = BTreeSet::new();
        for (before, after) in written {
            let at = after.fields.occurred_at;
            let links = before.iter().flat_map(|b| b.fields.links.iter());
            for link in after.fields.links.iter().chain(links) {
                match link.object.as_str() {
                    "deals" => {
                        let latest = deals.entry(link.id).or_insert(at);
                        *latest = (*latest).max(at);
                    }
                    "leads" => {
                        leads.insert(link.id);
                    }
                    _ => {}
                }
            }
        }
        for (id, at) in deals {
            crate::deals::note_activity(app, tx, ctx, id, at).await?;
        }
        for id in leads {
            crate::leads::rescore(app, tx, ctx, id).await?;
        }
        Ok(())
    }
}
