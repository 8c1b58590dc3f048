//! Dashboard reports through the HTTP API, on SQLite and PostgreSQL: a pipeline by stage with
//! its weighted forecast, won and lost deals in a period, and activities per owner or kind.

mod common;

use common::{get_ok, id_of};
use http::StatusCode;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

async fn setup(app: &TestApp) -> Value {
    let res = app
        .post(
            "/api/v1/pipelines",
            json!({"name": "Sales", "stages": [
                {"name": "Qualify", "probability": 20},
                {"name": "Propose", "probability": 50},
                {"name": "Won", "kind": "won"},
                {"name": "Lost", "kind": "lost"}
            ]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

async fn deal(
    app: &TestApp,
    p: &Value,
    stage: usize,
    amount: Option<(&str, &str)>,
    reason: Option<&str>,
) {
    let mut body =
        json!({"name": "D", "pipeline_id": id_of(p), "stage_id": p["stages"][stage]["id"]});
    if let Some((a, c)) = amount {
        body["amount"] = json!({"amount": a, "currency": c});
    }
    if let Some(r) = reason {
        body["close_reason"] = json!(r);
    }
    let res = app.post("/api/v1/deals", body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

async fn the_pipeline_report_sums_stages_and_weights_the_forecast(b: Backend) {
    let app = TestApp::new(b).await;
    let p = setup(&app).await;
    deal(&app, &p, 0, Some(("1000", "EUR")), None).await;
    deal(&app, &p, 0, Some(("500", "USD")), None).await;
    deal(&app, &p, 1, Some(("2000", "EUR")), None).await;
    deal(&app, &p, 1, None, None).await;
    deal(&app, &p, 2, Some(("9000", "EUR")), Some("Price")).await;
    let r = get_ok(
        &app,
        &format!("/api/v1/reports/pipeline?pipeline_id={}", id_of(&p)),
    )
    .await;
    assert_eq!(r["count"], 5);
    assert_eq!(r["open_count"], 4);
    let qualify = &r["stages"][0];
    assert_eq!(qualify["name"], "Qualify");
    assert_eq!(qualify["count"], 2);
    assert_eq!(
        qualify["amounts"],
        json!([{"amount": "1000.00", "currency": "EUR"}, {"amount": "500.00", "currency": "USD"}])
    );
    assert_eq!(
        r["stages"][1]["count"], 2,
        "deals without an amount still count"
    );
    assert_eq!(
        r["stages"][1]["weighted"],
        json!([{"amount": "1000.00", "currency": "EUR"}])
    );
    // Open deals only: 1000 × 20 % + 2000 × 50 % in EUR, 500 × 20 % in USD; the won deal is out.
    assert_eq!(
        r["weighted_forecast"],
        json!([{"amount": "1200.00", "currency": "EUR"}, {"amount": "100.00", "currency": "USD"}])
    );
    assert_eq!(r["stages"][2]["count"], 1);
    // Bad requests name their parameter; another pipeline id is not found.
    app.get("/api/v1/reports/pipeline")
        .await
        .problem(400, "invalid-parameter");
    // A malformed id in the query is a bad parameter, as on the board; in a path it would be 404.
    let bad = app
        .get("/api/v1/reports/pipeline?pipeline_id=not-an-id")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(bad["parameter"], "pipeline_id", "{bad}");
    app.get(&format!(
        "/api/v1/reports/pipeline?pipeline_id={}",
        uuid::Uuid::now_v7()
    ))
    .await
    .problem(404, "not-found");
}

async fn won_lost_counts_what_closed_in_the_period_with_reasons(b: Backend) {
    let app = TestApp::new(b).await;
    let p = setup(&app).await;
    deal(&app, &p, 2, Some(("9000", "EUR")), Some("Price")).await;
    deal(&app, &p, 2, Some(("1000", "EUR")), Some("Price")).await;
    deal(&app, &p, 3, Some(("4000", "EUR")), Some("Timing")).await;
    deal(&app, &p, 0, Some(("777", "EUR")), None).await;
    let r = get_ok(&app, "/api/v1/reports/won-lost?period=this_month").await;
    assert_eq!(r["won"]["count"], 2);
    assert_eq!(
        r["won"]["amounts"],
        json!([{"amount": "10000.00", "currency": "EUR"}])
    );
    assert_eq!(
        r["won"]["reasons"],
        json!([{"reason": "Price", "count": 2}])
    );
    assert_eq!(r["lost"]["count"], 1);
    assert_eq!(r["win_rate"], 0.6666);
    let last_year = get_ok(&app, "/api/v1/reports/won-lost?period=last_year").await;
    assert_eq!(last_year["won"]["count"], 0);
    assert_eq!(last_year["win_rate"], Value::Null);
    let problem = app
        .get("/api/v1/reports/won-lost?period=someday")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(problem["parameter"], "period");
}

async fn the_activity_report_groups_by_owner_or_kind(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = app.create_contact(json!({"first_name": "Ana"})).await;
    let me = app.owner.user_id.to_string();
    for kind in ["call", "call", "note"] {
        let res = app
            .post(
                "/api/v1/activities",
                json!({"kind": kind, "owner_id": me, "links": [{"type": "contacts", "id": id_of(&contact)}]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    }
    let r = get_ok(&app, "/api/v1/reports/activities?period=today").await;
    assert_eq!(r["count"], 3);
    assert_eq!(
        r["groups"],
        json!([{"owner_id": me, "count": 3, "by_kind": {"call": 2, "note": 1}}])
    );
    let r = get_ok(
        &app,
        "/api/v1/reports/activities?period=today&group_by=kind",
    )
    .await;
    assert_eq!(
        r["groups"],
        json!([{"kind": "call", "count": 2}, {"kind": "note", "count": 1}])
    );
    let problem = app
        .get("/api/v1/reports/activities?group_by=planet")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(problem["parameter"], "group_by");
}

both_backends!(
    the_pipeline_report_sums_stages_and_weights_the_forecast,
    won_lost_counts_what_closed_in_the_period_with_reasons,
    the_activity_report_groups_by_owner_or_kind,
);
