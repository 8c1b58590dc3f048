//! Exports of any filtered list: the records stream out page by page (keyset pages of 200, the largest list page), so
//! an export of a million records holds one page in memory, and the export itself is audited.

use futures_util::Stream;
use futures_util::stream;
use rapport_domain::policy::Action;
use serde_json::json;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::lists::{ListInput, ListRequest};
use crate::policy::authorize;
use crate::records::{self, Object};

/// Records fetched per page while streaming.
const PAGE: &str = "200";

struct State {
    app: App,
    ctx: Ctx,
    input: ListInput,
    done: bool,
}

/// Checks the caller may export this object and that the list parameters are valid (so a bad
/// filter is a 400 before any byte is sent), records the export, and returns the records as a
/// stream of pages.
pub async fn export<O: Object>(
    app: &App,
    ctx: &Ctx,
    mut input: ListInput,
) -> Result<impl Stream<Item = Result<Vec<O>, AppError>> + Send + 'static, AppError> {
    authorize(
        app,
        ctx,
        Action::Export,
        rapport_domain::policy::Resource::Records(O::SCHEMA.name),
    )
    .await?;
    input.limit = Some(PAGE.into());
    input.cursor = None;
    input.include_total = false;
    // Validate now, with the same rules the pages will use.
    let custom = crate::custom_fields::filter_fields(app, ctx, O::SCHEMA.name, &input).await?;
    let fields = rapport_domain::query::Fields {
        schema: O::SCHEMA,
        custom: &custom,
    };
    ListRequest::parse(input.clone(), fields, ctx.actor.user())?;
    let action = format!("{}.export", O::SCHEMA.name);
    let event = Event::plain(&action).with(json!({
        "object_type": O::SCHEMA.name,
        "filter": input.filter,
        "sort": input.sort,
    }));
    audit::record_alone(&app.db, ctx.workspace_id, ctx, event).await?;
    let state = State {
        app: app.clone(),
        ctx: ctx.clone(),
        input,
        done: false,
    };
    Ok(stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        match records::list::<O>(&s.app, &s.ctx, s.input.clone()).await {
            Ok(page) => {
                s.done = page.next_cursor.is_none();
                s.input.cursor = page.next_cursor;
                Some((Ok(page.items), s))
            }
            Err(e) => {
                s.done = true;
                Some((Err(e), s))
            }
        }
    }))
}
