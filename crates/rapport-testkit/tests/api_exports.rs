//! Exports through the HTTP API, on SQLite and PostgreSQL: any filtered list as CSV or JSON
//! lines, streamed across pages with every record once, only what the caller may export and see,
//! and audited.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use std::collections::BTreeSet;

use common::enc;
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records()
        .map(|row| {
            row.unwrap_or_else(|e| panic!("bad CSV: {e}: {text}"))
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

async fn a_filtered_list_exports_as_csv_and_jsonl(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_company(json!({"name": "Acme", "domain": "acme.example",
        "annual_revenue": {"amount": "1250000", "currency": "EUR"}, "tags": ["key", "eu"]}))
        .await;
    app.create_company(json!({"name": "=HYPERLINK(\"http://evil\")"}))
        .await;
    app.create_company(json!({"name": "Other"})).await;
    let res = app
        .get(&format!(
            "/api/v1/companies/export?format=csv&sort=name&filter={}",
            enc("name ne \"Other\"")
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        res.header("content-disposition")
            .is_some_and(|d| d.contains("companies.csv"))
    );
    let rows = csv_rows(&res.text());
    assert_eq!(rows.len(), 3, "a header and two companies");
    let header = &rows[0];
    assert_eq!(header[0], "id");
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let acme = rows.iter().find(|r| r[at("name")] == "Acme").expect("acme");
    assert_eq!(acme[at("annual_revenue")], "1250000.00 EUR");
    assert_eq!(acme[at("tags")], "key; eu");
    assert_eq!(acme[at("domain")], "acme.example");
    let evil = rows
        .iter()
        .find(|r| r[at("name")].contains("HYPERLINK"))
        .expect("formula");
    assert!(
        evil[at("name")].starts_with('\''),
        "a formula is written as text: {evil:?}"
    );

    let res = app.get("/api/v1/companies/export?format=jsonl").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("application/x-ndjson"));
    let lines: Vec<Value> = res
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|l| l["id"].is_string() && l["version"] == 1)
    );
}

async fn an_export_streams_every_record_once_across_pages(b: Backend) {
    let app = TestApp::new(b).await;
    let mut made = BTreeSet::new();
    for i in 0..1_100 {
        let c = app
            .create_contact(json!({"first_name": format!("P{i:04}")}))
            .await;
        made.insert(c["id"].as_str().expect("id").to_owned());
    }
    let res = app.get("/api/v1/contacts/export?format=csv").await;
    assert_eq!(res.status, StatusCode::OK);
    let rows = csv_rows(&res.text());
    let ids: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids.len(), 1_100);
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), made);
}

async fn exports_need_the_export_permission_and_valid_parameters(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_contact(json!({"first_name": "Ana", "emails": [{"address": "ana@example.com"}]}))
        .await;
    let member = app.member(Role::Member).await;
    app.request(Method::GET, "/api/v1/contacts/export")
        .bearer(&member.token)
        .send()
        .await
        .problem(403, "forbidden");
    let manager = app.member(Role::Manager).await;
    let res = app
        .request(Method::GET, "/api/v1/contacts/export")
        .bearer(&manager.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let p = app
        .get("/api/v1/contacts/export?format=xlsx")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "format");
    app.get(&format!(
        "/api/v1/contacts/export?filter={}",
        enc("first_name eq")
    ))
    .await
    .problem(400, "invalid-filter");
    // The export is in the audit log, with its filter.
    let audit = app.get("/api/v1/audit?action=contacts.export").await.json();
    let entries = audit["data"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{audit}");
}

both_backends!(
    a_filtered_list_exports_as_csv_and_jsonl,
    an_export_streams_every_record_once_across_pages,
    exports_need_the_export_permission_and_valid_parameters,
);
