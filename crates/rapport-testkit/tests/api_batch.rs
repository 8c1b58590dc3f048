//! Batches through the HTTP API, on SQLite and PostgreSQL: creates, updates, upserts and deletes
//! of up to 100 items, each on its own (one bad item undoes nothing else), upserts matching on
//! the natural key or an external id so that sending the same batch twice never duplicates.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{get_ok, id_of};
use http::StatusCode;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

async fn batch(app: &TestApp, object: &str, body: Value) -> Vec<Value> {
    let res = app.post(&format!("/api/v1/{object}/batch"), body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()["data"].as_array().expect("data").clone()
}

async fn one_bad_item_undoes_nothing_else(b: Backend) {
    let app = TestApp::new(b).await;
    let existing = app.create_contact(json!({"first_name": "Old"})).await;
    let gone = app.create_contact(json!({"first_name": "Gone"})).await;
    let results = batch(
        &app,
        "contacts",
        json!({
            "create": [
                {"first_name": "Ana", "emails": [{"address": "ana@example.com"}]},
                {"first_name": "Bad", "emails": [{"address": "not an address"}]}
            ],
            "update": [
                {"id": id_of(&existing), "last_name": "Timer"},
                {"id": id_of(&existing), "version": 1, "title": "stale"}
            ],
            "delete": [id_of(&gone), {"id": uuid::Uuid::now_v7().to_string()}]
        }),
    )
    .await;
    let summary: Vec<(String, u64, u64)> = results
        .iter()
        .map(|r| {
            (
                r["op"].as_str().expect("op").to_owned(),
                r["index"].as_u64().expect("index"),
                r["status"].as_u64().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("create".into(), 0, 201),
            ("create".into(), 1, 422),
            ("update".into(), 0, 200),
            ("update".into(), 1, 412),
            ("delete".into(), 0, 204),
            ("delete".into(), 1, 404),
        ]
    );
    assert_eq!(
        results[1]["problem"]["errors"][0]["pointer"],
        "/create/1/emails/0/address"
    );
    assert_eq!(results[0]["record"]["first_name"], "Ana");
    assert_eq!(
        get_ok(&app, &format!("/api/v1/contacts/{}", id_of(&existing))).await["last_name"],
        "Timer"
    );
    app.get(&format!("/api/v1/contacts/{}", id_of(&gone)))
        .await
        .problem(404, "not-found");
    assert_eq!(
        app.count_rows("contacts").await,
        3,
        "Old, Gone (deleted) and Ana"
    );
}

async fn upserts_match_natural_keys_so_a_second_batch_duplicates_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let people = json!({"upsert": [
        {"first_name": "Ana", "emails": [{"address": "Ana@Example.com"}]},
        {"first_name": "Bo", "emails": [{"address": "bo@example.com"}]}
    ]});
    let first = batch(&app, "contacts", people.clone()).await;
    assert!(first.iter().all(|r| r["status"] == 201), "{first:?}");
    let again = batch(&app, "contacts", people).await;
    assert!(again.iter().all(|r| r["status"] == 200), "{again:?}");
    assert_eq!(again[0]["id"], first[0]["id"]);
    assert_eq!(app.count_rows("contacts").await, 2);
    // A change in the second send is applied to the record it matches.
    let changed = batch(
        &app,
        "contacts",
        json!({"upsert": [{"emails": [{"address": "bo@example.com"}], "title": "CTO"}]}),
    )
    .await;
    assert_eq!(changed[0]["record"]["title"], "CTO");
    assert_eq!(changed[0]["record"]["first_name"], "Bo");
    // Companies match on their domain, however it is written.
    let companies = batch(
        &app,
        "companies",
        json!({"upsert": [{"name": "Acme", "domain": "acme.example"}]}),
    )
    .await;
    assert_eq!(companies[0]["status"], 201);
    let companies = batch(
        &app,
        "companies",
        json!({"upsert": [{"name": "Acme Inc", "domain": "https://WWW.acme.example/"}]}),
    )
    .await;
    assert_eq!(companies[0]["status"], 200);
    assert_eq!(companies[0]["record"]["name"], "Acme Inc");
    assert_eq!(app.count_rows("companies").await, 1);
}

async fn external_ids_make_any_object_upsertable(b: Backend) {
    let app = TestApp::new(b).await;
    let tasks = json!({"create": [
        {"external_id": "legacy-1", "title": "Call back"},
        {"external_id": "legacy-2", "title": "Send quote"}
    ]});
    let first = batch(&app, "tasks", tasks.clone()).await;
    assert!(first.iter().all(|r| r["status"] == 201), "{first:?}");
    let again = batch(&app, "tasks", tasks).await;
    assert!(again.iter().all(|r| r["status"] == 200), "{again:?}");
    assert_eq!(app.count_rows("tasks").await, 2);
    let renamed = batch(
        &app,
        "tasks",
        json!({"upsert": [{"external_id": "legacy-1", "title": "Call back today"}]}),
    )
    .await;
    assert_eq!(renamed[0]["id"], first[0]["id"]);
    assert_eq!(renamed[0]["record"]["title"], "Call back today");
    let bad = batch(
        &app,
        "tasks",
        json!({"upsert": [{"external_id": "", "title": "X"}, {"external_id": "legacy-3"}]}),
    )
    .await;
    assert_eq!(
        bad[0]["problem"]["errors"][0]["pointer"],
        "/upsert/0/external_id"
    );
    assert_eq!(bad[1]["status"], 422);
    assert_eq!(bad[1]["problem"]["errors"][0]["pointer"], "/upsert/1/title");
    assert_eq!(app.count_rows("tasks").await, 2);
}

async fn a_malformed_batch_is_refused_whole(b: Backend) {
    let app = TestApp::new(b).await;
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"first_name": format!("P{i}")}))
        .collect();
    let p = app
        .post("/api/v1/contacts/batch", json!({"create": many}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["code"], "too_many");
    let p = app
        .post(
            "/api/v1/contacts/batch",
            json!({"insert": [], "delete": {"id": "x"}}),
        )
        .await
        .problem(422, "validation-failed");
    let mut pointers: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    pointers.sort_unstable();
    assert_eq!(pointers, ["/delete", "/insert"]);
    app.post("/api/v1/contacts/batch", json!({}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(app.count_rows("contacts").await, 0);
}

both_backends!(
    one_bad_item_undoes_nothing_else,
    upserts_match_natural_keys_so_a_second_batch_duplicates_nothing,
    external_ids_make_any_object_upsertable,
    a_malformed_batch_is_refused_whole,
);
