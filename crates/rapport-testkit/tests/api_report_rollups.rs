//! The rollups behind the dashboard reports stay exact through every kind of write, on SQLite
//! and PostgreSQL: after each step the rollup tables must equal a fresh aggregate of the live
//! deals and activities, and the reports must show the change.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{get_ok, id_of};
use http::StatusCode;
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

/// How a rollup's key is computed from a source row, per backend.
fn day(b: Backend, column: &str) -> String {
    match b {
        Backend::Sqlite => format!("substr({column}, 1, 10)"),
        Backend::Postgres => format!("({column} AT TIME ZONE 'UTC')::date"),
    }
}

fn no_owner(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "zeroblob(16)",
        Backend::Postgres => "'00000000-0000-0000-0000-000000000000'::uuid",
    }
}

/// Rows in one query's answer and not in the other's, both ways.
async fn differences(app: &TestApp, fresh: &str, stored: &str) -> i64 {
    let one = format!("(SELECT * FROM ({fresh}) a EXCEPT SELECT * FROM ({stored}) b) x");
    let two = format!("(SELECT * FROM ({stored}) a EXCEPT SELECT * FROM ({fresh}) b) x");
    app.count_rows(&one).await + app.count_rows(&two).await
}

/// Asserts every rollup equals the aggregate of the rows it sums.
async fn assert_exact(app: &TestApp, step: &str) {
    let b = app.backend;
    let owner = no_owner(b);
    let activities = differences(
        app,
        &format!(
            "SELECT workspace_id, {} AS day, COALESCE(owner_id, {owner}) AS owner_id, kind, \
             COUNT(*) AS n FROM activities WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4",
            day(b, "occurred_at")
        ),
        "SELECT workspace_id, day, owner_id, kind, n FROM activity_day_counts WHERE n <> 0",
    )
    .await;
    let closed = differences(
        app,
        &format!(
            "SELECT workspace_id, {} AS day, stage_kind, COALESCE(amount_currency, '') AS c, \
             COALESCE(close_reason, '') AS r, COALESCE(owner_id, {owner}) AS o, COUNT(*) AS n, \
             CAST(COALESCE(SUM(amount_amount), 0) AS BIGINT) AS t FROM deals \
             WHERE deleted_at IS NULL AND closed_at IS NOT NULL AND stage_kind IN ('won', 'lost') \
             GROUP BY 1, 2, 3, 4, 5, 6",
            day(b, "closed_at")
        ),
        "SELECT workspace_id, day, stage_kind, currency, close_reason, owner_id, n, total \
         FROM deal_close_day_sums WHERE n <> 0 OR total <> 0",
    )
    .await;
    let stages = differences(
        app,
        &format!(
            "SELECT workspace_id, pipeline_id, stage_id, COALESCE(amount_currency, '') AS c, \
             COALESCE(owner_id, {owner}) AS o, COUNT(*) AS n, \
             CAST(COALESCE(SUM(amount_amount), 0) AS BIGINT) AS t, \
             CAST(COALESCE(SUM(amount_amount * COALESCE(probability, 0)), 0) AS BIGINT) AS w \
             FROM deals WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5"
        ),
        "SELECT workspace_id, pipeline_id, stage_id, currency, owner_id, n, total, weighted \
         FROM deal_stage_sums WHERE n <> 0 OR total <> 0 OR weighted <> 0",
    )
    .await;
    assert_eq!(
        (activities, closed, stages),
        (0, 0, 0),
        "rollups differ from the rows after: {step}"
    );
}

async fn post_ok(app: &TestApp, path: &str, body: Value) -> Value {
    let res = app.post(path, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{path}: {}", res.text());
    res.json()
}

async fn patch_ok(app: &TestApp, path: &str, body: Value) -> Value {
    let res = app.patch(path, body).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text());
    res.json()
}

async fn restore_ok(app: &TestApp, path: &str) {
    let res = app.post(&format!("{path}/restore"), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text());
}

async fn delete_ok(app: &TestApp, path: &str) {
    let res = app.delete(path).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{path}: {}", res.text());
}

/// `(count, groups)` of the activity report.
async fn activity_report(app: &TestApp, query: &str) -> (i64, Value) {
    let r = get_ok(app, &format!("/api/v1/reports/activities?{query}")).await;
    (r["count"].as_i64().unwrap_or(-1), r["groups"].clone())
}

fn ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn activity_rollups_follow_every_write(b: Backend) {
    let app = TestApp::new(b).await;
    let me = app.owner.user_id.to_string();
    let other = app.member(Role::Member).await.user_id.to_string();
    let ana = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let bo = id_of(&app.create_contact(json!({"first_name": "Bo"})).await);
    let mut ids = Vec::new();
    for (kind, who, when) in [
        ("call", &ana, ago(0)),
        ("call", &ana, ago(0)),
        ("note", &bo, ago(3)),
        ("email", &bo, ago(40)),
    ] {
        let a = post_ok(
            &app,
            "/api/v1/activities",
            json!({"kind": kind, "owner_id": me, "occurred_at": when, "body": "x",
                   "links": [{"type": "contacts", "id": who}]}),
        )
        .await;
        ids.push(format!("/api/v1/activities/{}", id_of(&a)));
    }
    assert_exact(&app, "create").await;
    assert_eq!(activity_report(&app, "period=today").await.0, 2);
    assert_eq!(activity_report(&app, "period=last_7_days").await.0, 3);
    assert_eq!(activity_report(&app, "period=last_90_days").await.0, 4);

    // Moving one back in time moves its count to another day.
    patch_ok(&app, &ids[0], json!({"occurred_at": ago(5)})).await;
    assert_exact(&app, "occurred_at moved").await;
    assert_eq!(activity_report(&app, "period=today").await.0, 1);
    assert_eq!(activity_report(&app, "period=last_7_days").await.0, 3);

    // Another owner.
    patch_ok(&app, &ids[1], json!({"owner_id": other})).await;
    assert_exact(&app, "owner changed").await;
    let (_, groups) = activity_report(&app, "period=last_7_days&group_by=owner").await;
    let mine = groups
        .as_array()
        .and_then(|g| g.iter().find(|g| g["owner_id"] == me.as_str()))
        .map(|g| g["count"].clone());
    assert_eq!(mine, Some(json!(2)));
    patch_ok(&app, &ids[1], json!({"owner_id": null})).await;
    assert_exact(&app, "owner removed").await;

    // The API keeps an activity's kind; any other write that changes it is followed too.
    let res = app.patch(&ids[2], json!({"kind": "meeting"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.execute("UPDATE activities SET kind = 'call' WHERE kind = 'note'")
        .await;
    assert_exact(&app, "kind changed").await;
    let (_, kinds) = activity_report(&app, "period=last_7_days&group_by=kind").await;
    assert_eq!(kinds, json!([{"kind": "call", "count": 3}]));

    delete_ok(&app, &ids[2]).await;
    assert_exact(&app, "delete").await;
    assert_eq!(activity_report(&app, "period=last_7_days").await.0, 2);
    restore_ok(&app, &ids[2]).await;
    assert_exact(&app, "restore").await;
    assert_eq!(activity_report(&app, "period=last_7_days").await.0, 3);

    // A merge moves the merged contact's activities to the survivor.
    let res = app
        .post(
            &format!("/api/v1/contacts/{ana}/merge"),
            json!({"other_id": bo}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_exact(&app, "merge").await;
    assert_eq!(activity_report(&app, "period=last_90_days").await.0, 4);

    // A row removed for good leaves its day.
    app.execute("DELETE FROM activity_links").await;
    app.execute("DELETE FROM activities WHERE kind = 'email'")
        .await;
    assert_exact(&app, "hard delete").await;
    assert_eq!(activity_report(&app, "period=last_90_days").await.0, 3);
}

/// Won and lost counts of a period.
async fn outcomes(app: &TestApp, period: &str) -> (i64, i64) {
    let r = get_ok(app, &format!("/api/v1/reports/won-lost?period={period}")).await;
    (
        r["won"]["count"].as_i64().unwrap_or(-1),
        r["lost"]["count"].as_i64().unwrap_or(-1),
    )
}

async fn deal_rollups_follow_every_write(b: Backend) {
    let app = TestApp::new(b).await;
    let other = app.member(Role::Member).await.user_id.to_string();
    let p = post_ok(
        &app,
        "/api/v1/pipelines",
        json!({"name": "Sales", "stages": [
            {"name": "Qualify", "probability": 20},
            {"name": "Won", "kind": "won"},
            {"name": "Lost", "kind": "lost"}
        ]}),
    )
    .await;
    let stage = |i: usize| p["stages"][i]["id"].clone();
    let report = format!("/api/v1/reports/pipeline?pipeline_id={}", id_of(&p));
    let acme = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let globex = id_of(&app.create_company(json!({"name": "Globex"})).await);
    let mut deals = Vec::new();
    for (i, amount) in [(0, "1000"), (1, "9000"), (2, "4000"), (0, "500")] {
        let d = post_ok(
            &app,
            "/api/v1/deals",
            json!({"name": "D", "pipeline_id": id_of(&p), "stage_id": stage(i),
                   "company_id": globex, "close_reason": "Price",
                   "amount": {"amount": amount, "currency": "EUR"}}),
        )
        .await;
        deals.push(format!("/api/v1/deals/{}", id_of(&d)));
    }
    assert_exact(&app, "create").await;
    assert_eq!(outcomes(&app, "this_month").await, (1, 1));
    assert_eq!(outcomes(&app, "last_7_days").await, (1, 1));
    let r = get_ok(&app, &report).await;
    assert_eq!(
        (r["count"].clone(), r["open_count"].clone()),
        (json!(4), json!(2))
    );

    // Won to lost, then lost re-opened.
    patch_ok(&app, &deals[1], json!({"stage_id": stage(2)})).await;
    assert_exact(&app, "won to lost").await;
    assert_eq!(outcomes(&app, "this_month").await, (0, 2));
    patch_ok(&app, &deals[2], json!({"stage_id": stage(0)})).await;
    assert_exact(&app, "re-opened").await;
    assert_eq!(outcomes(&app, "this_month").await, (0, 1));
    let r = get_ok(&app, &report).await;
    assert_eq!(r["open_count"], 3);
    assert_eq!(
        r["weighted_forecast"],
        json!([{"amount": "1100.00", "currency": "EUR"}])
    );

    // Amount, currency, reason and owner of a closed deal; a board move.
    patch_ok(
        &app,
        &deals[1],
        json!({"amount": {"amount": "10", "currency": "USD"}, "close_reason": "Timing",
               "owner_id": other}),
    )
    .await;
    assert_exact(&app, "amount, reason and owner").await;
    let r = get_ok(&app, "/api/v1/reports/won-lost?period=this_month").await;
    assert_eq!(
        r["lost"]["reasons"],
        json!([{"reason": "Timing", "count": 1}])
    );
    assert_eq!(
        r["lost"]["amounts"],
        json!([{"amount": "10.00", "currency": "USD"}])
    );
    let res = app
        .post(
            &format!("{}/move", deals[3]),
            json!({"stage_id": stage(1), "position": 0}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_exact(&app, "move").await;
    assert_eq!(outcomes(&app, "this_month").await, (1, 1));

    delete_ok(&app, &deals[3]).await;
    assert_exact(&app, "delete").await;
    assert_eq!(outcomes(&app, "this_month").await, (0, 1));
    assert_eq!(get_ok(&app, &report).await["count"], 3);
    restore_ok(&app, &deals[3]).await;
    assert_exact(&app, "restore").await;
    assert_eq!(outcomes(&app, "this_month").await, (1, 1));

    // A company merge moves the deals to the survivor; a stage that becomes a won stage closes
    // its deals through the pipeline, not through a deal write.
    let res = app
        .post(
            &format!("/api/v1/companies/{acme}/merge"),
            json!({"other_id": globex}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_exact(&app, "merge").await;
    let mut stages = p["stages"].clone();
    stages[0]["kind"] = json!("won");
    let res = app
        .patch(
            &format!("/api/v1/pipelines/{}", id_of(&p)),
            json!({"stages": stages}),
        )
        .await;
    if res.status == StatusCode::OK {
        assert_exact(&app, "stage kind changed").await;
        assert_eq!(outcomes(&app, "this_month").await, (3, 1));
    }
}

async fn an_upgrade_fills_the_rollups_from_existing_rows(b: Backend) {
    let app = TestApp::new(b).await;
    let p = post_ok(
        &app,
        "/api/v1/pipelines",
        json!({"name": "Sales", "stages": [{"name": "Open"}, {"name": "Won", "kind": "won"}]}),
    )
    .await;
    for i in 0..2 {
        post_ok(
            &app,
            "/api/v1/deals",
            json!({"name": "D", "pipeline_id": id_of(&p), "stage_id": p["stages"][i]["id"],
                   "amount": {"amount": "100", "currency": "EUR"}}),
        )
        .await;
    }
    let c = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    post_ok(
        &app,
        "/api/v1/activities",
        json!({"kind": "call", "links": [{"type": "contacts", "id": c}]}),
    )
    .await;
    let db = &app.app.db;
    rapport_store::migrate::down(db, 22).await.expect("down");
    let applied = rapport_store::migrate::up(db, None).await.expect("up");
    let latest = rapport_store::migrate::latest_version(db.backend());
    assert_eq!(applied, (23..=latest).collect::<Vec<_>>());
    assert!(app.count_rows("activity_day_counts").await > 0);
    assert_exact(&app, "upgrade").await;
    assert_eq!(outcomes(&app, "this_month").await, (1, 0));
    assert_eq!(activity_report(&app, "period=today").await.0, 1);
}

both_backends!(
    activity_rollups_follow_every_write,
    deal_rollups_follow_every_write,
    an_upgrade_fills_the_rollups_from_existing_rows,
);
