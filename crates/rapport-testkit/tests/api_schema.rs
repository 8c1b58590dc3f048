//! `GET /api/v1/schema` on SQLite and PostgreSQL: every record object is described with the
//! fields a form needs and the filters a list accepts, and the description matches what the API
//! does (a described filter works, an undescribed one is refused).

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{enc, get_ok};
use http::StatusCode;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::Value;

async fn the_schema_describes_every_object_as_the_api_behaves(b: Backend) {
    let app = TestApp::new(b).await;
    let schema = get_ok(&app, "/api/v1/schema").await;
    let objects = schema["objects"].as_array().expect("objects");
    let names: Vec<&str> = objects.iter().filter_map(|o| o["name"].as_str()).collect();
    for expected in [
        "contacts",
        "companies",
        "deals",
        "leads",
        "activities",
        "tasks",
        "cases",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let deals = objects
        .iter()
        .find(|o| o["name"] == "deals")
        .expect("deals");
    assert!(
        deals["writable"]
            .as_array()
            .expect("writable")
            .contains(&Value::from("pipeline_id"))
    );
    let kind = deals["filters"]
        .as_array()
        .expect("filters")
        .iter()
        .find(|f| f["path"] == "stage_kind")
        .expect("stage_kind");
    assert_eq!(kind["type"], "enum");
    assert_eq!(kind["values"], serde_json::json!(["open", "won", "lost"]));
    // Every described filter is accepted by the list it describes, with its first operator.
    for o in objects {
        let name = o["name"].as_str().expect("name");
        for f in o["filters"].as_array().expect("filters") {
            let path = f["path"].as_str().expect("path");
            let op = f["operators"][0].as_str().expect("operator");
            let value = match (f["type"].as_str(), op) {
                (_, "is_null") => "true".to_owned(),
                (_, "in_period") => "\"this_month\"".to_owned(),
                (Some("enum"), "in") => format!("({})", f["values"][0]),
                (Some("enum"), _) => f["values"][0].to_string(),
                (_, "in") => "(\"x\")".to_owned(),
                (Some("integer" | "money_amount"), _) => "1".to_owned(),
                (Some("boolean"), _) => "true".to_owned(),
                (Some("timestamp"), _) => "\"-1d\"".to_owned(),
                (Some("date"), _) => "\"2026-01-01\"".to_owned(),
                (Some("id"), _) => "\"0190c7a6-0000-7000-8000-000000000001\"".to_owned(),
                (Some("country"), _) => "\"FR\"".to_owned(),
                (Some("currency"), _) => "\"EUR\"".to_owned(),
                (Some("email"), _) => "\"a@example.com\"".to_owned(),
                (Some("phone"), _) => "\"+33612345678\"".to_owned(),
                _ => "\"x\"".to_owned(),
            };
            let expr = format!("{path} {op} {value}");
            let res = app
                .get(&format!("/api/v1/{name}?filter={}", enc(&expr)))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{name}: {expr}: {}", res.text());
        }
    }
    // An anonymous caller gets nothing.
    let res = app
        .request(http::Method::GET, "/api/v1/schema")
        .anonymous()
        .send()
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

both_backends!(the_schema_describes_every_object_as_the_api_behaves);
