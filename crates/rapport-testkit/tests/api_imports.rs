//! CSV imports through the HTTP API, on SQLite and PostgreSQL: an upload streamed to disk and
//! previewed, a dry run that writes nothing, the mapping checked field by field, a background
//! job (the runner in-process, as `serve` runs it) that upserts by natural key in chunks, an
//! error report naming row numbers, cancelling, resuming after a crash without duplicates,
//! and who may import.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use http::{Method, StatusCode};
use rapport_app::imports::runner;
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const IMPORTS: &str = "/api/v1/imports";

/// A time budget no chunk reaches, for tests that count chunks of exactly 500 rows.
const WHOLE_CHUNKS: u64 = 3_600_000;

async fn upload_raw(app: &TestApp, object: &str, csv: &str) -> TestResponse {
    app.request(Method::POST, &format!("{IMPORTS}?object={object}"))
        .header("content-type", "text/csv")
        .body(csv.as_bytes().to_vec())
        .send()
        .await
}

async fn upload(app: &TestApp, object: &str, csv: &str) -> Value {
    let res = upload_raw(app, object, csv).await;
    assert_eq!(res.status, StatusCode::CREATED, "upload: {}", res.text());
    res.json()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn start(app: &TestApp, import: &str, mapping: Value, dry_run: bool) -> TestResponse {
    app.post(
        &format!("{IMPORTS}/{import}/start"),
        json!({ "mapping": mapping, "dry_run": dry_run }),
    )
    .await
}

async fn status(app: &TestApp, import: &str) -> Value {
    let res = app.get(&format!("{IMPORTS}/{import}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()
}

/// Runs the runner in this task until no import is left to claim.
async fn run_all(app: &TestApp) {
    let stop = CancellationToken::new();
    while runner::work(&app.app, "test-runner", None, &stop)
        .await
        .expect("runner")
    {}
}

/// Polls the import until the background runner has finished it.
async fn wait_finished(app: &TestApp, import: &str) -> Value {
    for _ in 0..1200 {
        let v = status(app, import).await;
        if ["completed", "failed", "cancelled"].contains(&v["status"].as_str().unwrap_or("")) {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "import {import} did not finish: {}",
        status(app, import).await
    );
}

fn contacts_csv(n: usize) -> String {
    let mut csv = String::from("Email,First,Last,Tags\n");
    for i in 0..n {
        csv.push_str(&format!(
            "person{i}@example.com,First{i},Last{i},imported;batch\n"
        ));
    }
    csv
}

fn contact_mapping() -> Value {
    json!({ "Email": "emails", "First": "first_name", "Last": "last_name", "Tags": "tags" })
}

async fn count_where(app: &TestApp, table_and_condition: &str) -> i64 {
    app.count_rows(table_and_condition).await
}

async fn upload_answers_columns_a_row_count_and_a_preview(b: Backend) {
    let app = TestApp::new(b).await;
    // A spreadsheet's byte-order mark, a quoted cell with a comma and a line break, a blank line.
    let mut csv = String::from("\u{feff}Email,First,Notes\n");
    csv.push_str("ana@example.com,Ana,\"likes tea, and\ncoffee\"\n\n");
    for i in 0..12 {
        csv.push_str(&format!("p{i}@example.com,P{i},\n"));
    }
    let res = upload_raw(&app, "contacts", &csv).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let v = res.json();
    assert_eq!(
        res.header("location"),
        Some(format!("{IMPORTS}/{}", id(&v)).as_str())
    );
    assert_eq!(v["status"], "uploaded");
    assert_eq!(v["object"], "contacts");
    assert_eq!(v["columns"], json!(["Email", "First", "Notes"]));
    assert_eq!(v["rows_total"], 13, "blank lines are not rows");
    assert_eq!(v["rows_done"], 0);
    let preview = v["preview"].as_array().expect("preview");
    assert_eq!(preview.len(), 10);
    assert_eq!(
        preview[0],
        json!({"Email": "ana@example.com", "First": "Ana", "Notes": "likes tea, and\ncoffee"})
    );
    assert_eq!(preview[1]["Email"], "p0@example.com");
    // Nothing is imported yet.
    assert_eq!(app.count_rows("contacts").await, 0);
    assert_eq!(status(&app, &id(&v)).await["status"], "uploaded");
    let list = app.get(IMPORTS).await.json();
    assert_eq!(list["data"][0]["id"], v["id"]);
    assert_eq!(list["next_cursor"], Value::Null);

    // What is not an import.
    let res = upload_raw(&app, "deals", "Name\nx\n").await;
    let p = res.problem(400, "invalid-parameter");
    assert!(
        p["detail"].as_str().unwrap_or("").contains("contacts"),
        "{p}"
    );
    let res = app
        .request(Method::POST, IMPORTS)
        .body(b"Email\n".to_vec())
        .send()
        .await;
    res.problem(400, "invalid-parameter");
    let res = upload_raw(&app, "contacts", "").await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["code"], "invalid_csv", "{p}");
    let res = upload_raw(&app, "contacts", "Email,Email\na,b\n").await;
    res.problem(422, "validation-failed");
    assert_eq!(app.count_rows("imports").await, 1);
}

async fn a_file_over_the_limit_is_refused_and_nothing_is_kept(b: Backend) {
    let app = TestApp::with_config(b, |c| c.imports.max_bytes = 100).await;
    let res = upload_raw(&app, "contacts", &contacts_csv(20)).await;
    res.problem(413, "payload-too-large");
    assert_eq!(app.count_rows("imports").await, 0);
    let dir = app
        .db
        .imports_dir()
        .join(app.owner.workspace_id.to_string());
    let left = std::fs::read_dir(&dir).map_or(0, Iterator::count);
    assert_eq!(left, 0, "no file left behind in {}", dir.display());
}

async fn a_dry_run_shows_each_rows_problems_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_company(json!({ "name": "Acme", "domain": "acme.io" }))
        .await;
    let existing = app
        .create_contact(json!({ "first_name": "Old", "emails": [{"address": "old@example.com"}] }))
        .await;
    let csv = "Email,First,Company domain,Stage,Note\n\
               new@example.com,New,acme.io,lead\n\
               old@example.com,Renamed,,\n\
               not-an-email,Bad,,\n\
               x@example.com,X,nowhere.io,king\n\
               ,,,,an unmapped note only\n";
    let import = upload(&app, "contacts", csv).await;
    let mapping = json!({ "Email": "emails", "First": "first_name",
                          "Company domain": "company.domain", "Stage": "lifecycle_stage" });
    let contacts_before = app.count_rows("contacts").await;
    let audit_before = app.count_rows("audit_log").await;
    let res = start(&app, &id(&import), mapping, true).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let v = res.json();
    assert_eq!(v["dry_run"], true);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["row"], 2);
    assert_eq!(rows[0]["action"], "create");
    assert_eq!(
        rows[0]["body"]["emails"],
        json!([{ "address": "new@example.com" }])
    );
    assert!(rows[0]["body"]["company_id"].is_string(), "{}", rows[0]);
    assert_eq!(rows[0]["problems"], json!([]));
    assert_eq!(rows[1]["action"], "update", "matched by email: {}", rows[1]);
    assert_eq!(rows[2]["action"], "skip");
    assert_eq!(rows[2]["problems"][0]["pointer"], "/emails/0/address");
    assert_eq!(rows[2]["problems"][0]["column"], "Email");
    assert_eq!(rows[3]["action"], "skip");
    let problems: Vec<(&str, &str)> = rows[3]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["column"].as_str().unwrap_or(""),
                p["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(problems, vec![("Company domain", "not_found")]);
    assert_eq!(rows[4]["problems"][0]["code"], "empty_row");
    // Nothing written, the import still waiting for a real start.
    assert_eq!(app.count_rows("contacts").await, contacts_before);
    assert_eq!(app.count_rows("audit_log").await, audit_before);
    assert_eq!(status(&app, &id(&import)).await["status"], "uploaded");
    let old = app
        .get(&format!("/api/v1/contacts/{}", id(&existing)))
        .await
        .json();
    assert_eq!(old["first_name"], "Old");
}

async fn an_unknown_mapping_target_is_refused_with_its_pointer(b: Backend) {
    let app = TestApp::new(b).await;
    let import = upload(&app, "contacts", "Email,First,a/b\nana@example.com,Ana,x\n").await;
    let res = start(
        &app,
        &id(&import),
        json!({ "Email": "email_address", "Missing": "first_name", "a/b": "last_name",
                "First": "last_name" }),
        false,
    )
    .await;
    let p = res.problem(422, "validation-failed");
    let errors: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        errors.contains(&("/mapping/Email", "unknown_target")),
        "{p}"
    );
    assert!(
        errors.contains(&("/mapping/Missing", "unknown_column")),
        "{p}"
    );
    assert!(
        errors.contains(&("/mapping/First", "duplicate_target"))
            || errors.contains(&("/mapping/a~1b", "duplicate_target")),
        "{p}"
    );
    assert_eq!(status(&app, &id(&import)).await["status"], "uploaded");
    assert_eq!(app.count_rows("contacts").await, 0);
}

async fn a_2000_row_import_completes_and_a_second_run_duplicates_nothing(b: Backend) {
    let app = TestApp::with_config(b, |c| {
        c.imports.poll_ms = 20;
        c.imports.chunk_millis = WHOLE_CHUNKS;
    })
    .await;
    let _runner = app.start_import_runner();
    let csv = contacts_csv(2000);
    let first = upload(&app, "contacts", &csv).await;
    assert_eq!(first["rows_total"], 2000);
    let res = start(&app, &id(&first), contact_mapping(), false).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    assert_eq!(res.json()["status"], "queued");
    let done = wait_finished(&app, &id(&first)).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["rows_done"], 2000);
    assert_eq!(done["rows_failed"], 0);
    assert_eq!(done["created"], 2000);
    assert_eq!(done["updated"], 0);
    assert!(done["started_at"].is_string() && done["finished_at"].is_string());
    assert_eq!(app.count_rows("contacts").await, 2000);
    // One audit entry per chunk of 500, none per row.
    assert_eq!(
        count_where(&app, "audit_log WHERE action = 'contacts.import'").await,
        4
    );
    assert_eq!(
        count_where(&app, "audit_log WHERE action = 'contacts.create'").await,
        0
    );
    let hit = common::filter_ids(
        &app,
        "/api/v1/contacts",
        "email eq \"person1234@example.com\"",
    )
    .await;
    assert_eq!(hit.len(), 1);
    let c = app
        .get(&format!("/api/v1/contacts/{}", hit[0]))
        .await
        .json();
    assert_eq!(c["first_name"], "First1234");
    assert_eq!(c["tags"], json!(["imported", "batch"]));

    // The same file again: every row matches its contact and changes nothing.
    let second = upload(&app, "contacts", &csv).await;
    let res = start(&app, &id(&second), contact_mapping(), false).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let done = wait_finished(&app, &id(&second)).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["created"], 0);
    assert_eq!(done["updated"], 0);
    assert_eq!(done["unchanged"], 2000);
    assert_eq!(app.count_rows("contacts").await, 2000);
}

async fn an_update_adds_addresses_and_tags_and_never_drops_one(b: Backend) {
    let app = TestApp::new(b).await;
    let c = app
        .create_contact(json!({ "first_name": "Ana", "emails": [
            {"address": "ana@example.com"}, {"address": "ana@home.io"}], "tags": ["vip"],
            "phones": [{"number": "+33612345678", "label": "mobile"}] }))
        .await;
    let csv = "Email,Work email,Title,Tags,Phone\n\
               ANA@home.io,ana@work.io,CEO,beta,+33 6 12 34 56 78; +33 1 23 45 67 89\n";
    let import = upload(&app, "contacts", csv).await;
    let res = start(
        &app,
        &id(&import),
        json!({ "Email": "emails", "Work email": "emails", "Title": "title", "Tags": "tags",
                "Phone": "phones" }),
        false,
    )
    .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    run_all(&app).await;
    let v = status(&app, &id(&import)).await;
    assert_eq!(
        (v["created"].clone(), v["updated"].clone()),
        (json!(0), json!(1))
    );
    let after = app
        .get(&format!("/api/v1/contacts/{}", id(&c)))
        .await
        .json();
    let emails: Vec<&str> = after["emails"]
        .as_array()
        .expect("emails")
        .iter()
        .filter_map(|e| e["address"].as_str())
        .collect();
    assert_eq!(
        emails,
        vec!["ana@example.com", "ana@home.io", "ana@work.io"]
    );
    assert_eq!(after["emails"][0]["primary"], true);
    assert_eq!(after["title"], "CEO");
    assert_eq!(after["first_name"], "Ana", "an unmapped field stays");
    assert_eq!(after["tags"], json!(["vip", "beta"]));
    assert_eq!(
        after["phones"],
        json!([{"number": "+33612345678", "label": "mobile"}, {"number": "+33123456789", "label": null}]),
        "the same number written another way is not added twice"
    );
    assert_eq!(app.count_rows("contacts").await, 1);
}

async fn bad_rows_are_skipped_and_reported_by_row_number(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_company(json!({ "name": "Acme", "domain": "acme.io" }))
        .await;
    let csv = "Email,First,Company domain\n\
               good1@example.com,Good,acme.io\n\
               not-an-email,Bad,\n\
               good2@example.com,Good,\n\
               x@example.com,X,nowhere.io\n";
    let import = upload(&app, "contacts", csv).await;
    // Before it runs, the report is its header only.
    let res = app.get(&format!("{IMPORTS}/{}/errors", id(&import))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.text(), "row,column,message\n");
    let res = start(
        &app,
        &id(&import),
        json!({ "Email": "emails", "First": "first_name", "Company domain": "company.domain" }),
        false,
    )
    .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    run_all(&app).await;
    let v = status(&app, &id(&import)).await;
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["rows_done"], 4);
    assert_eq!(v["rows_failed"], 2);
    assert_eq!(v["created"], 2);
    assert_eq!(app.count_rows("contacts").await, 2);
    let res = app.get(&format!("{IMPORTS}/{}/errors", id(&import))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    let mut rdr = csv::Reader::from_reader(res.body.as_ref());
    let rows: Vec<(String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.expect("csv");
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("3".to_owned(), "Email".to_owned()),
            ("5".to_owned(), "Company domain".to_owned())
        ]
    );
    assert!(res.text().contains("nowhere.io"), "{}", res.text());
}

async fn custom_fields_are_mapped_typed_and_validated_per_row(b: Backend) {
    let app = TestApp::new(b).await;
    for body in [
        json!({"object": "contacts", "key": "seats", "label": "Seats", "type": "number",
            "filterable": true}),
        json!({"object": "contacts", "key": "vip", "label": "VIP", "type": "boolean"}),
        json!({"object": "contacts", "key": "areas", "label": "Areas", "type": "multi_select",
            "options": ["sales", "support"]}),
        json!({"object": "contacts", "key": "erp_id", "label": "ERP id", "type": "text",
            "unique": true}),
    ] {
        let res = app.post("/api/v1/custom-fields", body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    }
    let csv = "Email,Seats,VIP,Areas,ERP\n\
               a@example.com,12,yes,sales;support,E1\n\
               b@example.com,many,no,,E2\n\
               c@example.com,3.5,n,support,E1\n";
    let import = upload(&app, "contacts", csv).await;
    let mapping = json!({ "Email": "emails", "Seats": "custom.seats", "VIP": "custom.vip",
        "Areas": "custom.areas", "ERP": "custom.erp_id" });
    // An unknown custom target is named, with the fields that exist.
    let res = start(
        &app,
        &id(&import),
        json!({ "Email": "emails", "Seats": "custom.nope" }),
        true,
    )
    .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/mapping/Seats", "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("custom.seats")
    );
    let res = start(&app, &id(&import), mapping, false).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    run_all(&app).await;
    let v = status(&app, &id(&import)).await;
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["created"], 1, "{v}");
    assert_eq!(v["rows_failed"], 2, "{v}");
    let page = app
        .get("/api/v1/contacts?filter=custom.seats%20eq%2012")
        .await
        .json();
    assert_eq!(
        page["data"][0]["custom"],
        json!({"seats": 12, "vip": true, "areas": ["sales", "support"], "erp_id": "E1"})
    );
    // The bad number and the duplicate unique value are reported against their columns.
    let res = app.get(&format!("{IMPORTS}/{}/errors", id(&import))).await;
    let mut rdr = csv::Reader::from_reader(res.body.as_ref());
    let rows: Vec<(String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.expect("csv");
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect();
    assert_eq!(rows[0], ("3".to_owned(), "Seats".to_owned()), "{rows:?}");
    assert_eq!(rows[1].0, "4", "{rows:?}");
}

async fn cancel_stops_an_import_before_or_between_chunks(b: Backend) {
    let app = TestApp::with_config(b, |c| c.imports.chunk_millis = WHOLE_CHUNKS).await;
    // Not started yet: cancelled at once, and it cannot start any more.
    let waiting = upload(&app, "contacts", &contacts_csv(3)).await;
    let res = app
        .post(&format!("{IMPORTS}/{}/cancel", id(&waiting)), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["status"], "cancelled");
    start(&app, &id(&waiting), contact_mapping(), false)
        .await
        .problem(409, "conflict");
    app.post(&format!("{IMPORTS}/{}/cancel", id(&waiting)), json!({}))
        .await
        .problem(409, "conflict");

    // Running: it stops after the chunk in flight; what was written stays.
    let running = upload(&app, "contacts", &contacts_csv(1200)).await;
    let res = start(&app, &id(&running), contact_mapping(), false).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let stop = CancellationToken::new();
    assert!(
        runner::work(&app.app, "runner-a", Some(1), &stop)
            .await
            .expect("one chunk")
    );
    let res = app
        .post(&format!("{IMPORTS}/{}/cancel", id(&running)), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["cancel_requested"], true);
    // Its runner is gone (the lease ran out): the next one to take it writes nothing more.
    app.execute("UPDATE imports SET lease_until = '2000-01-01T00:00:00+00:00'")
        .await;
    run_all(&app).await;
    let v = status(&app, &id(&running)).await;
    assert_eq!(v["status"], "cancelled", "{v}");
    assert_eq!(v["cancel_requested"], false);
    assert_eq!(v["rows_done"], 500);
    assert_eq!(app.count_rows("contacts").await, 500);
    assert!(v["finished_at"].is_string());
}

async fn a_crashed_runners_job_is_resumed_without_duplicates(b: Backend) {
    let app = TestApp::with_config(b, |c| c.imports.chunk_millis = WHOLE_CHUNKS).await;
    let import = upload(&app, "contacts", &contacts_csv(1200)).await;
    let res = start(&app, &id(&import), contact_mapping(), false).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    let stop = CancellationToken::new();
    // Runner A commits one chunk, then "crashes" holding its lease.
    assert!(
        runner::work(&app.app, "runner-a", Some(1), &stop)
            .await
            .expect("chunk")
    );
    let v = status(&app, &id(&import)).await;
    assert_eq!(v["status"], "running");
    assert_eq!(v["rows_done"], 500);
    assert_eq!(app.count_rows("contacts").await, 500);
    // While A's lease holds, nobody else takes the job.
    assert!(
        !runner::work(&app.app, "runner-b", None, &stop)
            .await
            .expect("claim")
    );
    // The lease runs out: B takes over from the saved offset.
    app.execute("UPDATE imports SET lease_until = '2000-01-01T00:00:00+00:00'")
        .await;
    assert!(
        runner::work(&app.app, "runner-b", None, &stop)
            .await
            .expect("resume")
    );
    let v = status(&app, &id(&import)).await;
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["rows_done"], 1200);
    assert_eq!(v["created"], 1200);
    assert_eq!(v["updated"], 0);
    assert_eq!(app.count_rows("contacts").await, 1200);
    let hit = common::filter_ids(
        &app,
        "/api/v1/contacts",
        "email eq \"person499@example.com\"",
    )
    .await;
    assert_eq!(
        hit.len(),
        1,
        "the row at the chunk boundary was written once"
    );
    let hit = common::filter_ids(
        &app,
        "/api/v1/contacts",
        "email eq \"person500@example.com\"",
    )
    .await;
    assert_eq!(hit.len(), 1);
}

async fn a_chunk_cut_short_by_its_time_budget_resumes_at_the_next_row(b: Backend) {
    // A budget of 1 ms: each transaction takes a row or so, then saves where it stopped.
    let app = TestApp::with_config(b, |c| c.imports.chunk_millis = 1).await;
    let mut csv = contacts_csv(40);
    csv.push_str("not-an-email,Bad,Row,\n");
    let import = upload(&app, "contacts", &csv).await;
    let res = start(&app, &id(&import), contact_mapping(), false).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    run_all(&app).await;
    let v = status(&app, &id(&import)).await;
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["rows_done"], 41);
    assert_eq!(v["created"], 40);
    assert_eq!(v["rows_failed"], 1);
    assert_eq!(app.count_rows("contacts").await, 40);
    assert!(
        count_where(&app, "audit_log WHERE action = 'contacts.import'").await > 1,
        "several chunks"
    );
    let report = app
        .get(&format!("{IMPORTS}/{}/errors", id(&import)))
        .await
        .text();
    assert_eq!(report.lines().count(), 2, "{report}");
    assert!(report.contains("\n42,Email,"), "{report}");
}

async fn companies_are_upserted_by_domain(b: Backend) {
    let app = TestApp::new(b).await;
    let acme = app
        .create_company(json!({ "name": "Acme", "domain": "acme.io", "tags": ["old"] }))
        .await;
    let csv = "Name,Domain,Employees,Revenue,Tags\n\
               Acme Corp,ACME.io,120,1250.00 EUR,key\n\
               Globex,globex.com,15,99 usd,\n\
               Initech,initech.com,many,,\n";
    let import = upload(&app, "companies", csv).await;
    let res = start(
        &app,
        &id(&import),
        json!({ "Name": "name", "Domain": "domain", "Employees": "employee_count",
                "Revenue": "annual_revenue", "Tags": "tags" }),
        false,
    )
    .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    run_all(&app).await;
    let v = status(&app, &id(&import)).await;
    assert_eq!(
        (
            v["created"].clone(),
            v["updated"].clone(),
            v["rows_failed"].clone()
        ),
        (json!(1), json!(1), json!(1)),
        "{v}"
    );
    let after = app
        .get(&format!("/api/v1/companies/{}", id(&acme)))
        .await
        .json();
    assert_eq!(after["name"], "Acme Corp");
    assert_eq!(after["employee_count"], 120);
    assert_eq!(
        after["annual_revenue"],
        json!({"amount": "1250.00", "currency": "EUR"})
    );
    assert_eq!(after["tags"], json!(["old", "key"]));
    assert_eq!(app.count_rows("companies").await, 2);
    let report = app
        .get(&format!("{IMPORTS}/{}/errors", id(&import)))
        .await
        .text();
    assert!(report.contains("4,Employees,"), "{report}");
    assert_eq!(
        count_where(&app, "audit_log WHERE action = 'companies.import'").await,
        1
    );
}

async fn leads_are_upserted_by_email_in_any_case(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .post(
            "/api/v1/leads",
            json!({ "first_name": "Ann", "email": "Ann@Example.com", "source": "web",
                    "tags": ["old"] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let ann = res.json();
    let csv = "Email,First,Company,Status,Reason,Tags\n\
               ANN@example.COM,Ann,Acme,contacted,,key\n\
               bob@example.com,Bob,Globex,new,,\n\
               carl@example.com,Carl,Initech,disqualified,,\n";
    let mapping = json!({ "Email": "email", "First": "first_name", "Company": "company_name",
                          "Status": "status", "Reason": "disqualified_reason", "Tags": "tags" });
    let import = upload(&app, "leads", csv).await;
    assert_eq!(import["object"], "leads");
    let res = start(&app, &id(&import), mapping.clone(), false).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    run_all(&app).await;
    let v = status(&app, &id(&import)).await;
    assert_eq!(
        (
            v["status"].clone(),
            v["created"].clone(),
            v["updated"].clone(),
            v["rows_failed"].clone()
        ),
        (json!("completed"), json!(1), json!(1), json!(1)),
        "{v}"
    );
    let after = app.get(&format!("/api/v1/leads/{}", id(&ann))).await.json();
    assert_eq!(after["company_name"], "Acme");
    assert_eq!(after["status"], "contacted");
    assert_eq!(
        after["email"], "ann@example.com",
        "leads keep addresses lower-cased"
    );
    assert_eq!(after["tags"], json!(["old", "key"]));
    assert_eq!(after["source"], "web", "an unmapped field keeps its value");
    let report = app
        .get(&format!("{IMPORTS}/{}/errors", id(&import)))
        .await
        .text();
    assert!(
        report.contains("\n4,"),
        "Carl's row (disqualified without a reason): {report}"
    );
    assert_eq!(app.count_rows("leads").await, 2);

    // The same file again: every row with a valid email finds its lead, nothing is created.
    let again = upload(&app, "leads", csv).await;
    let res = start(&app, &id(&again), mapping, false).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text());
    run_all(&app).await;
    let v = status(&app, &id(&again)).await;
    assert_eq!(v["created"], json!(0), "{v}");
    assert_eq!(app.count_rows("leads").await, 2);
    assert_eq!(
        count_where(&app, "audit_log WHERE action = 'leads.import'").await,
        2
    );
}

async fn another_workspaces_import_is_not_found(b: Backend) {
    let app = TestApp::new(b).await;
    let import = upload(&app, "contacts", &contacts_csv(2)).await;
    let intruder = app.other_workspace().await;
    for (method, path) in [
        (Method::GET, format!("{IMPORTS}/{}", id(&import))),
        (Method::GET, format!("{IMPORTS}/{}/errors", id(&import))),
        (Method::POST, format!("{IMPORTS}/{}/cancel", id(&import))),
    ] {
        app.request(method, &path)
            .bearer(&intruder.token)
            .send()
            .await
            .problem(404, "not-found");
    }
    app.request(Method::POST, &format!("{IMPORTS}/{}/start", id(&import)))
        .bearer(&intruder.token)
        .json(&json!({ "mapping": contact_mapping() }))
        .send()
        .await
        .problem(404, "not-found");
    let theirs = app
        .request(Method::GET, IMPORTS)
        .bearer(&intruder.token)
        .send()
        .await
        .json();
    assert_eq!(theirs["data"], json!([]));
    assert_eq!(status(&app, &id(&import)).await["status"], "uploaded");
}

async fn members_may_not_import(b: Backend) {
    let app = TestApp::new(b).await;
    let import = upload(&app, "contacts", &contacts_csv(2)).await;
    let member = app.member(Role::Member).await;
    app.request(Method::POST, &format!("{IMPORTS}?object=contacts"))
        .bearer(&member.token)
        .body(contacts_csv(2).into_bytes())
        .send()
        .await
        .problem(403, "forbidden");
    app.request(Method::GET, &format!("{IMPORTS}/{}", id(&import)))
        .bearer(&member.token)
        .send()
        .await
        .problem(403, "forbidden");
    app.request(Method::POST, &format!("{IMPORTS}/{}/start", id(&import)))
        .bearer(&member.token)
        .json(&json!({ "mapping": contact_mapping() }))
        .send()
        .await
        .problem(403, "forbidden");
    assert_eq!(app.count_rows("imports").await, 1);
    assert_eq!(status(&app, &id(&import)).await["status"], "uploaded");
    // A manager may.
    let manager = app.member(Role::Manager).await;
    let res = app
        .request(Method::POST, &format!("{IMPORTS}?object=contacts"))
        .bearer(&manager.token)
        .body(contacts_csv(2).into_bytes())
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

both_backends!(
    upload_answers_columns_a_row_count_and_a_preview,
    a_file_over_the_limit_is_refused_and_nothing_is_kept,
    a_dry_run_shows_each_rows_problems_and_writes_nothing,
    an_unknown_mapping_target_is_refused_with_its_pointer,
    a_2000_row_import_completes_and_a_second_run_duplicates_nothing,
    an_update_adds_addresses_and_tags_and_never_drops_one,
    bad_rows_are_skipped_and_reported_by_row_number,
    custom_fields_are_mapped_typed_and_validated_per_row,
    cancel_stops_an_import_before_or_between_chunks,
    a_crashed_runners_job_is_resumed_without_duplicates,
    a_chunk_cut_short_by_its_time_budget_resumes_at_the_next_row,
    companies_are_upserted_by_domain,
    leads_are_upserted_by_email_in_any_case,
    another_workspaces_import_is_not_found,
    members_may_not_import,
);
