//! `GET /api/v1/schema` on SQLite and PostgreSQL: every record object is described with the
//! fields a form needs and the filters a list accepts, and the description matches what the API
//! does (a described filter works, an undescribed one is refused).

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{enc, get_ok};
use http::StatusCode;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

async fn the_schema_describes_every_object_as_the_api_behaves(b: Backend) {
    let app = TestApp::new(b).await;
    // A custom field of every type, so each one's filters are tried against the list below.
    let company = app.create_company(json!({"name": "Acme"})).await;
    for (key, kind) in [
        ("f_text", "text"),
        ("f_long", "long_text"),
        ("f_number", "number"),
        ("f_money", "money"),
        ("f_date", "date"),
        ("f_datetime", "datetime"),
        ("f_bool", "boolean"),
        ("f_select", "select"),
        ("f_multi", "multi_select"),
        ("f_url", "url"),
        ("f_email", "email"),
        ("f_phone", "phone"),
        ("f_user", "user"),
        ("f_record", "record"),
    ] {
        let mut body = json!({"object": "contacts", "key": key, "label": key, "type": kind,
            "filterable": true});
        if kind.ends_with("select") {
            body["options"] = json!(["x", "y"]);
        }
        if kind == "record" {
            body["target"] = json!("companies");
        }
        let res = app.post("/api/v1/custom-fields", body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{key}: {}", res.text());
    }
    let res = app
        .post(
            "/api/v1/custom-fields",
            json!({"object": "deals", "key": "region", "label": "Region", "type": "select",
                "options": ["EMEA", "APAC"]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let res = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Ana", "custom": {"f_record": company["id"], "f_multi": ["y"],
                "f_money": {"amount": "12.50", "currency": "EUR"}, "f_number": 3}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
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
                (Some("enum" | "choice"), "in") => format!("({})", f["values"][0]),
                (Some("enum" | "choice" | "choices"), _) => f["values"][0].to_string(),
                (Some("number"), _) => "1.5".to_owned(),
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
            let collection = name.replace('_', "-");
            let res = app
                .get(&format!("/api/v1/{collection}?filter={}", enc(&expr)))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{name}: {expr}: {}", res.text());
        }
    }
    // The custom fields are described where forms look for them, in display order.
    let contacts = objects
        .iter()
        .find(|o| o["name"] == "contacts")
        .expect("contacts");
    let custom = contacts["custom_fields"].as_array().expect("custom_fields");
    assert_eq!(custom.len(), 14, "{custom:?}");
    let select = custom
        .iter()
        .find(|f| f["key"] == "f_select")
        .expect("f_select");
    assert_eq!(select["type"], "select");
    assert_eq!(select["options"], json!(["x", "y"]));
    let filter = contacts["filters"]
        .as_array()
        .expect("filters")
        .iter()
        .find(|f| f["path"] == "custom.f_number")
        .expect("custom.f_number");
    assert_eq!(filter["sortable"], true);
    let deals = objects
        .iter()
        .find(|o| o["name"] == "deals")
        .expect("deals");
    assert_eq!(deals["custom_fields"][0]["key"], "region");
    // Objects that take no custom fields say so.
    let pipelines = objects
        .iter()
        .find(|o| o["name"] == "pipelines")
        .expect("pipelines");
    assert!(pipelines["custom_fields"].is_null());
    // An anonymous caller gets nothing.
    let res = app
        .request(http::Method::GET, "/api/v1/schema")
        .anonymous()
        .send()
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

both_backends!(the_schema_describes_every_object_as_the_api_behaves);
