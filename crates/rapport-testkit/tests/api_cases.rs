//! Cases through the HTTP API, on SQLite and PostgreSQL: per-workspace numbers taken race-free,
//! SLA deadlines from configuration that follow the priority, first response and resolution
//! times that follow the status, the breached-SLA filter, validation with every bad field and
//! reference listed, merge patches with ETags, soft delete and restore, lists, filters, sorts and
//! record scopes that follow the assignee.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use common::{code_at, enc, filter_ids, get_ok, id_of, ids, next_link, pointers, sorted};
use http::{Method, StatusCode};
use rapport_app::config::SlaHours;
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, TestUser, both_backends};
use serde_json::{Value, json};

const CASES: &str = "/api/v1/cases";

fn at(id: &str) -> String {
    format!("{CASES}/{id}")
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap_or_else(|e| panic!("not a time ({e}): {v}"))
        .with_timezone(&Utc)
}

async fn create(app: &TestApp, body: Value) -> Value {
    let res = app.post(CASES, body).await;
    assert_eq!(
        res.status,
        StatusCode::CREATED,
        "create case: {}",
        res.text()
    );
    res.json()
}

async fn patch_ok(app: &TestApp, id: &str, patch: Value) -> Value {
    let res = app.patch(&at(id), patch.clone()).await;
    assert_eq!(res.status, StatusCode::OK, "{patch}: {}", res.text());
    res.json()
}

/// A timestamp as SQL text for the test's database, written the way the store writes it.
fn sql_time(b: Backend, t: DateTime<Utc>) -> String {
    match b {
        Backend::Sqlite => format!("'{}'", t.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
        Backend::Postgres => format!("'{}'::timestamptz", t.to_rfc3339()),
    }
}

/// Moves case `number`'s creation back by `hours`, as if it had been opened then.
async fn age(app: &TestApp, number: i64, hours: i64) -> DateTime<Utc> {
    let created = Utc::now() - TimeDelta::hours(hours);
    let created = created
        - TimeDelta::nanoseconds(i64::from(
            chrono::Timelike::nanosecond(&created) % 1_000_000,
        ));
    app.execute(&format!(
        "UPDATE cases SET created_at = {} WHERE number = {number}",
        sql_time(app.backend, created)
    ))
    .await;
    created
}

/// Row counts of every table a case write touches.
#[derive(Debug, PartialEq, Eq)]
struct CaseRows([i64; 4]);

impl CaseRows {
    async fn count(app: &TestApp) -> CaseRows {
        CaseRows([
            app.count_rows("cases").await,
            app.count_rows("sequences").await,
            app.count_rows("search_docs").await,
            app.count_rows("audit_log").await,
        ])
    }

    async fn assert_unchanged(&self, app: &TestApp, what: &str) {
        assert_eq!(
            &CaseRows::count(app).await,
            self,
            "{what} must write nothing"
        );
    }
}

async fn as_user(
    app: &TestApp,
    who: &TestUser,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    let req = app.request(method, path).bearer(&who.token);
    match body {
        Some(b) => req.json(&b).send().await,
        None => req.send().await,
    }
}

// ---------------------------------------------------------------------------------------------
// Create, numbers and the SLA deadline
// ---------------------------------------------------------------------------------------------

async fn create_numbers_cases_and_sets_defaults_and_the_deadline(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = id_of(&app.create_contact(json!({"first_name": "Ada"})).await);
    let company = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let res = app
        .post(
            CASES,
            json!({
                "subject": "  Printer on fire ",
                "description": "It started\r\nat noon.",
                "contact_id": contact, "company_id": company,
                "assignee_id": app.owner.user_id.to_string(),
                "tags": ["hardware", "HARDWARE"]
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let c = res.json();
    let id = id_of(&c);
    assert_eq!(res.header("location"), Some(at(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(c["number"], 1);
    assert_eq!(c["subject"], "Printer on fire");
    assert_eq!(c["description"], "It started\nat noon.");
    assert_eq!(
        (c["status"].clone(), c["priority"].clone()),
        (json!("new"), json!("normal"))
    );
    assert_eq!(
        (c["contact_id"].clone(), c["company_id"].clone()),
        (json!(contact), json!(company))
    );
    assert_eq!(c["tags"], json!(["hardware"]));
    assert_eq!(
        time(&c["sla_due_at"]) - time(&c["created_at"]),
        TimeDelta::hours(24),
        "normal priority: 24 hours by default"
    );
    assert_eq!(c["first_response_at"], Value::Null);
    assert_eq!(c["resolved_at"], Value::Null);
    assert_eq!(c["sla_breached"], false);
    assert_eq!(get_ok(&app, &at(&id)).await, c);

    let second = create(&app, json!({"subject": "Toner", "priority": "urgent"})).await;
    assert_eq!(second["number"], 2);
    assert_eq!(
        time(&second["sla_due_at"]) - time(&second["created_at"]),
        TimeDelta::hours(2)
    );
}

async fn numbers_are_per_workspace_never_reused_and_taken_race_free(b: Backend) {
    let app = TestApp::new(b).await;
    let first = id_of(&create(&app, json!({"subject": "One"})).await);
    let second = id_of(&create(&app, json!({"subject": "Two"})).await);
    assert_eq!(
        app.delete(&at(&second)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        create(&app, json!({"subject": "Three"})).await["number"],
        3,
        "a deleted case keeps its number"
    );
    assert_eq!(app.delete(&at(&first)).await.status, StatusCode::NO_CONTENT);
    let restored = app
        .post(&format!("{}/restore", at(&first)), json!({}))
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text());
    assert_eq!(restored.json()["number"], 1);

    // Another workspace counts on its own.
    let other = app.other_workspace().await;
    let res = as_user(
        &app,
        &other,
        Method::POST,
        CASES,
        Some(json!({"subject": "Theirs"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["number"], 1);

    // Twelve creations at once get twelve different numbers, following on.
    let router = app.authed_router();
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let router = router.clone();
            tokio::spawn(async move {
                use tower::ServiceExt;
                let req = http::Request::post(CASES)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(
                        json!({"subject": format!("Rush {i}")}).to_string(),
                    ))
                    .expect("request");
                let res = router.oneshot(req).await.expect("router");
                let status = res.status();
                let body = http_body_util::BodyExt::collect(res.into_body())
                    .await
                    .expect("body")
                    .to_bytes();
                (
                    status,
                    serde_json::from_slice::<Value>(&body).expect("json"),
                )
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        let (status, body) = t.await.expect("task");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        numbers.push(body["number"].as_i64().expect("number"));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (4..16).collect::<Vec<i64>>());
}

async fn sla_hours_come_from_configuration_and_a_priority_change_counts_from_creation(b: Backend) {
    let app = TestApp::with_config(b, |c| {
        c.cases.sla_hours = SlaHours {
            low: 100,
            normal: 10,
            high: 5,
            urgent: 1,
        };
    })
    .await;
    let c = create(&app, json!({"subject": "VPN down", "priority": "urgent"})).await;
    let id = id_of(&c);
    let created = time(&c["created_at"]);
    assert_eq!(time(&c["sla_due_at"]), created + TimeDelta::hours(1));
    let low = patch_ok(&app, &id, json!({"priority": "low"})).await;
    assert_eq!(time(&low["sla_due_at"]), created + TimeDelta::hours(100));
    // A change that keeps the priority keeps the deadline.
    let renamed = patch_ok(&app, &id, json!({"subject": "VPN down for everyone"})).await;
    assert_eq!(renamed["sla_due_at"], low["sla_due_at"]);
    // Removing the priority falls back to normal.
    let normal = patch_ok(&app, &id, json!({"priority": null})).await;
    assert_eq!(normal["priority"], "normal");
    assert_eq!(time(&normal["sla_due_at"]), created + TimeDelta::hours(10));
}

async fn a_priority_raised_on_an_old_case_is_due_in_the_past_and_breached(b: Backend) {
    let app = TestApp::new(b).await;
    let c = create(&app, json!({"subject": "Invoices wrong"})).await;
    let id = id_of(&c);
    let created = age(&app, 1, 30).await;
    let aged = get_ok(&app, &at(&id)).await;
    assert_eq!(
        aged["sla_breached"], false,
        "the stored deadline has not moved"
    );
    let high = patch_ok(&app, &id, json!({"priority": "high"})).await;
    assert_eq!(time(&high["sla_due_at"]), created + TimeDelta::hours(8));
    assert_eq!(high["sla_breached"], true);
    assert_eq!(get_ok(&app, &at(&id)).await["sla_breached"], true);
    assert_eq!(filter_ids(&app, CASES, "sla_breached eq true").await, [id]);
}

// ---------------------------------------------------------------------------------------------
// Status: first response and resolution
// ---------------------------------------------------------------------------------------------

async fn status_changes_set_the_first_response_and_set_and_clear_resolved_at(b: Backend) {
    let app = TestApp::new(b).await;
    let c = create(&app, json!({"subject": "Login loop"})).await;
    let id = id_of(&c);
    let pending = patch_ok(&app, &id, json!({"status": "pending"})).await;
    let first_response = time(&pending["first_response_at"]);
    assert_eq!(first_response, time(&pending["updated_at"]));
    assert_eq!(pending["resolved_at"], Value::Null);

    let resolved = patch_ok(&app, &id, json!({"status": "resolved"})).await;
    let resolved_at = time(&resolved["resolved_at"]);
    assert_eq!(resolved_at, time(&resolved["updated_at"]));
    assert_eq!(time(&resolved["first_response_at"]), first_response);
    assert_eq!(resolved["sla_breached"], false);
    assert_eq!(
        filter_ids(&app, CASES, "resolved_at is_null").await,
        Vec::<String>::new()
    );

    let closed = patch_ok(&app, &id, json!({"status": "closed"})).await;
    assert_eq!(
        time(&closed["resolved_at"]),
        resolved_at,
        "closing a resolved case keeps when it was solved"
    );

    let reopened = patch_ok(&app, &id, json!({"status": "open"})).await;
    assert_eq!(reopened["resolved_at"], Value::Null, "reopening clears it");
    assert_eq!(
        time(&reopened["first_response_at"]),
        first_response,
        "the first response stays"
    );
    assert_eq!(
        filter_ids(&app, CASES, "resolved_at is_null").await,
        std::slice::from_ref(&id)
    );

    let back_to_new = patch_ok(&app, &id, json!({"status": "new"})).await;
    assert_eq!(time(&back_to_new["first_response_at"]), first_response);

    let again = patch_ok(&app, &id, json!({"status": "closed"})).await;
    assert!(time(&again["resolved_at"]) >= resolved_at);
    assert_eq!(time(&again["resolved_at"]), time(&again["updated_at"]));
    assert_eq!(get_ok(&app, &at(&id)).await, again);
    assert_eq!(again["version"], 7);
}

async fn a_case_created_solved_was_answered_and_resolved_when_created(b: Backend) {
    let app = TestApp::new(b).await;
    let c = create(
        &app,
        json!({"subject": "Password reset by phone", "status": "closed"}),
    )
    .await;
    assert_eq!(c["first_response_at"], c["created_at"]);
    assert_eq!(c["resolved_at"], c["created_at"]);
    assert_eq!(c["sla_breached"], false);
    let open = create(&app, json!({"subject": "Called back", "status": "open"})).await;
    assert_eq!(open["first_response_at"], open["created_at"]);
    assert_eq!(open["resolved_at"], Value::Null);
    assert_eq!(
        sorted(filter_ids(&app, CASES, "first_response_at is_null").await),
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------------------------------------
// The breached-SLA filter
// ---------------------------------------------------------------------------------------------

async fn the_breached_filter_finds_overdue_open_cases_and_late_resolutions(b: Backend) {
    let app = TestApp::new(b).await;
    // 1: opened 30 hours ago, still open: overdue.
    let overdue = id_of(&create(&app, json!({"subject": "Overdue"})).await);
    // 2: opened 30 hours ago, resolved now: late.
    let late = id_of(&create(&app, json!({"subject": "Late"})).await);
    // 3: resolved at once: in time.
    let in_time = id_of(&create(&app, json!({"subject": "In time"})).await);
    // 4: opened now, not yet due.
    let fresh = id_of(&create(&app, json!({"subject": "Fresh"})).await);
    // 5: urgent, opened an hour ago, resolved at once back then: in time although old.
    let early = id_of(&create(&app, json!({"subject": "Early", "priority": "urgent"})).await);
    age(&app, 1, 30).await;
    age(&app, 2, 30).await;
    // The deadline is recomputed from the (aged) creation when the priority changes.
    for id in [&overdue, &late] {
        patch_ok(&app, id, json!({"priority": "high"})).await;
    }
    patch_ok(&app, &late, json!({"status": "resolved"})).await;
    patch_ok(&app, &in_time, json!({"status": "resolved"})).await;
    let hour_ago = Utc::now() - TimeDelta::hours(1);
    app.execute(&format!(
        "UPDATE cases SET created_at = {t}, resolved_at = {t}, status = 'resolved', sla_due_at = {due} WHERE number = 5",
        t = sql_time(b, hour_ago),
        due = sql_time(b, hour_ago + TimeDelta::hours(2)),
    ))
    .await;

    let breached = sorted(vec![overdue.clone(), late.clone()]);
    let kept = sorted(vec![in_time.clone(), fresh.clone(), early.clone()]);
    assert_eq!(
        sorted(filter_ids(&app, CASES, "sla_breached eq true").await),
        breached
    );
    assert_eq!(
        sorted(filter_ids(&app, CASES, "sla_breached eq false").await),
        kept
    );
    assert_eq!(
        sorted(filter_ids(&app, CASES, "sla_breached ne true").await),
        kept
    );
    assert_eq!(
        sorted(filter_ids(&app, CASES, "not (sla_breached eq true)").await),
        kept
    );
    assert_eq!(
        filter_ids(
            &app,
            CASES,
            r#"sla_breached eq true and status eq "resolved""#
        )
        .await,
        std::slice::from_ref(&late)
    );
    assert_eq!(
        sorted(filter_ids(&app, CASES, r#"sla_breached eq true or subject eq "Fresh""#).await),
        sorted(vec![overdue.clone(), late.clone(), fresh.clone()])
    );
    // Each record says the same as the filter.
    let page = get_ok(&app, &format!("{CASES}?limit=200")).await;
    for c in page["data"].as_array().expect("data") {
        let id = id_of(c);
        assert_eq!(c["sla_breached"], json!(breached.contains(&id)), "{c}");
    }
    // Sorting the open queue by deadline puts the overdue case first.
    let queue = get_ok(
        &app,
        &format!(
            "{CASES}?sort=sla_due_at&filter={}",
            enc("resolved_at is_null")
        ),
    )
    .await;
    assert_eq!(ids(&queue), [overdue, fresh]);
    for bad in [
        r#"sla_breached eq "yes""#,
        "sla_breached gt false",
        "sla_breached eq null",
    ] {
        let p = app
            .get(&format!("{CASES}?filter={}", enc(bad)))
            .await
            .problem(400, "invalid-filter");
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("sla_breached")),
            "{bad}: {p}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

async fn every_bad_field_and_reference_is_listed_and_nothing_is_written(b: Backend) {
    let app = TestApp::new(b).await;
    let other = app.other_workspace().await;
    let theirs = as_user(
        &app,
        &other,
        Method::POST,
        "/api/v1/companies",
        Some(json!({"name": "Theirs"})),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text());
    let their_company = id_of(&theirs.json());
    let gone = id_of(&app.create_contact(json!({"first_name": "Gone"})).await);
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{gone}")).await.status,
        StatusCode::NO_CONTENT
    );
    let before = CaseRows::count(&app).await;

    let p = app
        .post(
            CASES,
            json!({
                "subject": "x".repeat(301), "status": "done", "priority": "asap",
                "contact_id": "nope", "tags": ["ok", 5], "number": 7,
                "sla_due_at": "2030-01-01T00:00:00Z", "colour": "red", "description": 12
            }),
        )
        .await
        .problem(422, "validation-failed");
    let expected = [
        ("/subject", "too_long"),
        ("/status", "invalid_choice"),
        ("/priority", "invalid_choice"),
        ("/contact_id", "invalid_format"),
        ("/tags/1", "invalid_type"),
        ("/number", "read_only"),
        ("/sla_due_at", "read_only"),
        ("/colour", "unknown_field"),
        ("/description", "invalid_type"),
    ];
    for (pointer, code) in expected {
        assert_eq!(code_at(&p, pointer), code, "{pointer}: {p}");
    }
    assert_eq!(
        sorted(pointers(&p)),
        sorted(expected.iter().map(|(p, _)| (*p).to_owned()).collect())
    );

    for body in [
        json!({}),
        json!({"subject": "   "}),
        json!({"subject": null}),
    ] {
        let p = app
            .post(CASES, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), ["/subject"], "{body}");
        assert_eq!(code_at(&p, "/subject"), "required", "{body}");
    }

    // References: a deleted contact, another workspace's company and a stranger as assignee are
    // each answered like a missing one, all at once.
    let p = app
        .post(
            CASES,
            json!({
                "subject": "Refs", "contact_id": gone, "company_id": their_company,
                "assignee_id": other.user_id.to_string()
            }),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&p)),
        ["/assignee_id", "/company_id", "/contact_id"]
    );
    for pointer in ["/assignee_id", "/company_id", "/contact_id"] {
        assert_eq!(code_at(&p, pointer), "not_found", "{p}");
    }
    assert!(
        !p.to_string().contains("Theirs"),
        "nothing of the other workspace shows: {p}"
    );
    before.assert_unchanged(&app, "an invalid case").await;

    // The refused writes took no number.
    assert_eq!(
        create(&app, json!({"subject": "First for real"})).await["number"],
        1
    );
}

async fn patch_honours_if_match_and_refuses_bad_patches_without_changes(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"subject": "Slow site"})).await);
    let res = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"status": "open", "tags": ["web"]}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let current = res.json();
    let rows = CaseRows::count(&app).await;

    let p = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .problem(412, "precondition-failed");
    assert_eq!(p["current_version"], 2);
    for (patch, pointer, code) in [
        (json!({"subject": null}), "/subject", "required"),
        (json!({"status": "solved"}), "/status", "invalid_choice"),
        (
            json!({"resolved_at": "2026-01-01T00:00:00Z"}),
            "/resolved_at",
            "read_only",
        ),
        (json!({"sla_breached": false}), "/sla_breached", "read_only"),
        (
            json!({"contact_id": uuid::Uuid::now_v7().to_string()}),
            "/contact_id",
            "not_found",
        ),
        (
            json!({"assignee_id": uuid::Uuid::now_v7().to_string()}),
            "/assignee_id",
            "not_found",
        ),
    ] {
        let p = app
            .patch(&at(&id), patch.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{patch}");
        assert_eq!(code_at(&p, pointer), code, "{patch}");
    }
    assert_eq!(
        get_ok(&app, &at(&id)).await,
        current,
        "refused patches change nothing"
    );
    rows.assert_unchanged(&app, "a refused patch").await;

    // Restating the case changes nothing, not even the version.
    let same = app
        .patch(
            &at(&id),
            json!({"status": "open", "subject": " Slow site "}),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text());
    assert_eq!(same.header("etag"), Some("\"2\""));
    assert_eq!(same.json(), current);
}

// ---------------------------------------------------------------------------------------------
// Delete and restore
// ---------------------------------------------------------------------------------------------

async fn a_deleted_case_leaves_get_and_lists_until_restored_as_it_was(b: Backend) {
    let app = TestApp::new(b).await;
    let c = create(
        &app,
        json!({"subject": "Broken link", "priority": "high", "status": "open"}),
    )
    .await;
    let id = id_of(&c);
    let keep = id_of(&create(&app, json!({"subject": "Other"})).await);
    let p = app
        .request(Method::DELETE, &at(&id))
        .header("if-match", "\"9\"")
        .send()
        .await
        .problem(412, "precondition-failed");
    assert_eq!(p["current_version"], 1);
    assert_eq!(app.delete(&at(&id)).await.status, StatusCode::NO_CONTENT);
    app.get(&at(&id)).await.problem(404, "not-found");
    assert_eq!(ids(&get_ok(&app, CASES).await), std::slice::from_ref(&keep));
    assert_eq!(
        filter_ids(&app, CASES, r#"priority eq "high""#).await,
        Vec::<String>::new()
    );
    app.patch(&at(&id), json!({"status": "closed"}))
        .await
        .problem(404, "not-found");

    let res = app.post(&format!("{}/restore", at(&id)), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let back = res.json();
    assert_eq!(back["version"], 3);
    for same in [
        "number",
        "subject",
        "status",
        "priority",
        "sla_due_at",
        "first_response_at",
        "created_at",
    ] {
        assert_eq!(back[same], c[same], "{same}");
    }
    assert_eq!(get_ok(&app, &at(&id)).await, back);
    assert_eq!(filter_ids(&app, CASES, r#"priority eq "high""#).await, [id]);
}

// ---------------------------------------------------------------------------------------------
// Lists: filters, sorts, pages
// ---------------------------------------------------------------------------------------------

async fn lists_filter_on_every_listed_case_field(b: Backend) {
    let app = TestApp::new(b).await;
    let ada = id_of(&app.create_contact(json!({"first_name": "Ada"})).await);
    let acme = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let agent = app.member(Role::Member).await;
    let a = id_of(
        &create(
            &app,
            json!({"subject": "Café machine broken", "priority": "urgent", "contact_id": ada,
            "company_id": acme, "assignee_id": agent.user_id.to_string(), "tags": ["Hardware"]}),
        )
        .await,
    );
    let b2 = id_of(&create(&app, json!({"subject": "Invoice copy", "priority": "low", "status": "pending", "contact_id": ada})).await);
    let c = id_of(
        &create(
            &app,
            json!({"subject": "New laptop", "status": "closed", "company_id": acme}),
        )
        .await,
    );
    let d = id_of(&create(&app, json!({"subject": "Password", "priority": "high"})).await);
    let app = &app;
    let q = move |e: String| async move { sorted(filter_ids(app, CASES, &e).await) };
    let s = |v: &[&String]| sorted(v.iter().map(|x| (*x).clone()).collect());

    assert_eq!(q(r#"subject contains "CAFÉ""#.into()).await, s(&[&a]));
    assert_eq!(q(r#"subject starts_with "in""#.into()).await, s(&[&b2]));
    assert_eq!(
        q(r#"status in ("new", "pending")"#.into()).await,
        s(&[&a, &b2, &d])
    );
    assert_eq!(q(r#"status ne "closed""#.into()).await, s(&[&a, &b2, &d]));
    assert_eq!(
        q(r#"priority eq "urgent" or priority eq "low""#.into()).await,
        s(&[&a, &b2])
    );
    assert_eq!(q(format!(r#"contact_id eq "{ada}""#)).await, s(&[&a, &b2]));
    assert_eq!(q(format!(r#"company_id eq "{acme}""#)).await, s(&[&a, &c]));
    assert_eq!(q("company_id is_null".into()).await, s(&[&b2, &d]));
    assert_eq!(
        q(format!(r#"assignee_id eq "{}""#, agent.user_id)).await,
        s(&[&a])
    );
    assert_eq!(q("assignee_id is_null".into()).await, s(&[&b2, &c, &d]));
    assert_eq!(q("number gte 3".into()).await, s(&[&c, &d]));
    assert_eq!(q("number in (1, 4)".into()).await, s(&[&a, &d]));
    assert_eq!(q(r#"tags contains "hardware""#.into()).await, s(&[&a]));
    assert_eq!(q("tags is_null".into()).await, s(&[&b2, &c, &d]));
    assert_eq!(q(r#"sla_due_at lt "+5h""#.into()).await, s(&[&a]));
    assert_eq!(q(r#"sla_due_at gt "+2d""#.into()).await, s(&[&b2]));
    assert_eq!(q("first_response_at is_null".into()).await, s(&[&a, &d]));
    assert_eq!(q(r#"resolved_at gte "-1h""#.into()).await, s(&[&c]));
    assert_eq!(
        q(r#"created_at gte "-1d" and updated_at lte "+1m""#.into()).await,
        s(&[&a, &b2, &c, &d])
    );
    assert_eq!(
        q(r#"created_at lt "2000-01-01""#.into()).await,
        Vec::<String>::new()
    );
    for (bad, words) in [
        (
            r#"priority eq "asap""#,
            "is one of low, normal, high, urgent",
        ),
        (
            r#"status eq "done""#,
            "is one of new, open, pending, resolved, closed",
        ),
        ("number gt \"many\"", "takes a number"),
        (r#"owner_id eq "x""#, "unknown field 'owner_id'"),
    ] {
        let p = app
            .get(&format!("{CASES}?filter={}", enc(bad)))
            .await
            .problem(400, "invalid-filter");
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains(words)),
            "{bad}: {p}"
        );
    }
}

async fn lists_sort_by_number_priority_deadline_and_times_and_page_through_once(b: Backend) {
    let app = TestApp::new(b).await;
    let mut made = Vec::new();
    for (subject, priority) in [
        ("A", "normal"),
        ("B", "urgent"),
        ("C", "low"),
        ("D", "high"),
        ("E", "urgent"),
        ("F", "normal"),
        ("G", "low"),
    ] {
        made.push(id_of(
            &create(&app, json!({"subject": subject, "priority": priority})).await,
        ));
    }
    let by = |sort: &str| format!("{CASES}?sort={}", enc(sort));
    assert_eq!(ids(&get_ok(&app, &by("number")).await), made);
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(ids(&get_ok(&app, &by("-number")).await), newest_first);
    assert_eq!(
        ids(&get_ok(&app, CASES).await),
        newest_first,
        "newest first by default"
    );
    let urgency: Vec<String> = get_ok(&app, &by("-priority,number")).await["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["subject"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        urgency,
        ["B", "E", "D", "A", "F", "C", "G"],
        "urgent first, not alphabetical"
    );
    let calm: Vec<String> = get_ok(&app, &by("priority,-number")).await["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["subject"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(calm, ["G", "C", "F", "A", "D", "E", "B"]);
    let due: Vec<String> = get_ok(&app, &by("sla_due_at")).await["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["subject"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        &due[..3],
        ["B", "E", "D"],
        "the soonest deadlines first: {due:?}"
    );
    assert_eq!(&due[5..], ["C", "G"], "{due:?}");
    assert_eq!(ids(&get_ok(&app, &by("created_at")).await).len(), 7);
    assert_eq!(ids(&get_ok(&app, &by("-updated_at")).await).len(), 7);

    // Paging by priority visits every case once, in the same order as one page.
    let all = ids(&get_ok(&app, &by("-priority")).await);
    let mut url = format!("{}&limit=3&include_total=true", by("-priority"));
    let mut seen = Vec::new();
    for _ in 0..5 {
        let res = app.get(&url).await;
        assert_eq!(res.status, StatusCode::OK, "{url}: {}", res.text());
        let page = res.json();
        assert_eq!(page["total"], 7);
        seen.extend(ids(&page));
        match next_link(&res) {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(seen, all);

    for sort in ["subject", "status", "resolved_at", "sla_breached"] {
        let p = app.get(&by(sort)).await.problem(400, "invalid-parameter");
        assert_eq!(p["parameter"], "sort", "{sort}");
    }
    // POST /cases/search takes the same parameters.
    let res = app
        .post(&format!("{CASES}/search"), json!({"filter": r#"priority eq "urgent""#, "sort": ["number"], "fields": ["id", "number"]}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        res.json()["data"],
        json!([{"id": made[1], "number": 2}, {"id": made[4], "number": 5}])
    );
}

// ---------------------------------------------------------------------------------------------
// Record scopes follow the assignee
// ---------------------------------------------------------------------------------------------

async fn an_own_scope_role_reaches_the_cases_assigned_to_it(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .request(Method::PUT, "/api/v1/roles/agent")
        .json(&json!({"objects": {"cases": ["read", "create", "update"]}, "record_scope": "own"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let agent = app.member(Role::Member).await;
    let res = app
        .patch(
            &format!("/api/v1/members/{}", agent.user_id),
            json!({"role": "agent"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let unassigned = id_of(&create(&app, json!({"subject": "Nobody's"})).await);
    let assigned = id_of(
        &create(
            &app,
            json!({"subject": "Agent's", "assignee_id": agent.user_id.to_string()}),
        )
        .await,
    );

    let res = as_user(
        &app,
        &agent,
        Method::POST,
        CASES,
        Some(json!({"subject": "Taken myself"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let own = res.json();
    assert_eq!(
        own["assignee_id"],
        json!(agent.user_id.to_string()),
        "assigned to its creator"
    );
    let list = as_user(
        &app,
        &agent,
        Method::GET,
        &format!("{CASES}?sort=number"),
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(ids(&list.json()), [assigned.clone(), id_of(&own)]);
    as_user(&app, &agent, Method::GET, &at(&unassigned), None)
        .await
        .problem(404, "not-found");
    let p = as_user(
        &app,
        &agent,
        Method::PATCH,
        &at(&assigned),
        Some(json!({"assignee_id": app.owner.user_id.to_string()})),
    )
    .await
    .problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/assignee_id"), "out_of_reach");
    as_user(&app, &agent, Method::DELETE, &at(&assigned), None)
        .await
        .problem(403, "forbidden");
}

both_backends!(
    create_numbers_cases_and_sets_defaults_and_the_deadline,
    numbers_are_per_workspace_never_reused_and_taken_race_free,
    sla_hours_come_from_configuration_and_a_priority_change_counts_from_creation,
    a_priority_raised_on_an_old_case_is_due_in_the_past_and_breached,
    status_changes_set_the_first_response_and_set_and_clear_resolved_at,
    a_case_created_solved_was_answered_and_resolved_when_created,
    the_breached_filter_finds_overdue_open_cases_and_late_resolutions,
    every_bad_field_and_reference_is_listed_and_nothing_is_written,
    patch_honours_if_match_and_refuses_bad_patches_without_changes,
    a_deleted_case_leaves_get_and_lists_until_restored_as_it_was,
    lists_filter_on_every_listed_case_field,
    lists_sort_by_number_priority_deadline_and_times_and_page_through_once,
    an_own_scope_role_reaches_the_cases_assigned_to_it,
);
