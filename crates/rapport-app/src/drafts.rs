//! How a body becomes a checked draft for the shared use cases in [`crate::records`]: parsed
//! with every problem listed, references included, and checked against other records and the
//! workspace's members in one place.

use rapport_store::Tx;
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::Object;
use crate::references;

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

/// The object's own checks of a draft and the check of the user it names, every problem in
/// one 422; `before` is the stored record's fields when the write is an update.
pub(crate) async fn check_draft<O: Object>(
    tx: &mut Tx,
    ctx: &Ctx,
    draft: &O::Draft,
    before: Option<&Value>,
    own: Uuid,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    references::gather(&mut errors, O::check(tx, ctx, draft, own).await)?;
    let after = to_json(draft)?;
    errors.extend(
        references::check_user_field(tx, ctx.workspace_id, O::SCHEMA, &after, before).await?,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The top-level field a problem's pointer names (`emails` for `/emails/0/address`); `None`
/// for a problem with the whole body.
fn top_field(pointer: &str) -> Option<&str> {
    pointer
        .strip_prefix('/')
        .and_then(|p| p.split('/').next())
        .filter(|k| !k.is_empty())
}

/// Parses a body into a draft. When it is refused, the fields that did parse still go through
/// the reference checks, so one answer lists a bad e-mail and an unknown company together.
pub(crate) async fn parse_all<O: Object>(
    app: &App,
    tx: &mut Tx,
    ctx: &Ctx,
    body: Value,
    before: Option<&Value>,
    own: Uuid,
) -> Result<O::Draft, AppError> {
    let mut errors = match O::parse(app, body.clone()) {
        Ok(draft) => return Ok(draft),
        Err(errors) => errors,
    };
    let bad: std::collections::HashSet<String> = errors
        .iter()
        .filter_map(|e| top_field(&e.pointer))
        .map(str::to_owned)
        .collect();
    let Value::Object(mut rest) = body else {
        return Err(AppError::Validation(errors));
    };
    rest.retain(|k, _| !bad.contains(k));
    let more = match O::parse(app, Value::Object(rest.clone())) {
        Ok(partial) => match check_draft::<O>(tx, ctx, &partial, before, own).await {
            Ok(()) => Vec::new(),
            Err(AppError::Validation(more)) => more,
            Err(e) => return Err(e),
        },
        // Without the refused fields the rest does not stand on its own (a required field
        // was among them): check the plain references it names, one by one.
        Err(_) => references::check_named(tx, ctx.workspace_id, O::SCHEMA, &rest, before).await?,
    };
    errors.extend(
        more.into_iter()
            .filter(|e| top_field(&e.pointer).is_none_or(|k| !bad.contains(k))),
    );
    Err(AppError::Validation(errors))
}
