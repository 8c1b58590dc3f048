//! Operations endpoints: liveness, readiness (with a failing check), health, Prometheus metrics,
//! and the error registry pages.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use http::StatusCode;
use rapport_http::problem::ALL;
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::Value;

fn assert_json(res: &TestResponse, status: StatusCode) -> Value {
    assert_eq!(res.status, status, "{}", res.text());
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "JSON"
    );
    res.json()
}

async fn livez_answers_alive(b: Backend) {
    let app = TestApp::new(b).await;
    let body = assert_json(&app.get("/livez").await, StatusCode::OK);
    assert_eq!(body["status"], "alive");
}

async fn readyz_answers_ready_on_a_migrated_database(b: Backend) {
    let app = TestApp::new(b).await;
    let body = assert_json(&app.get("/readyz").await, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"status": "ready"}));
}

async fn readyz_answers_503_naming_the_migrations_check_while_migrations_are_pending(b: Backend) {
    let app = TestApp::new(b).await;
    rapport_store::migrate::down(&app.app.db, 0)
        .await
        .expect("revert migrations");

    let res = app.get("/readyz").await;
    let p = res.problem(503, "service-unavailable");
    let detail = p["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("migrations"),
        "the failing check is named: {detail}"
    );
    assert!(
        !detail.contains("database:"),
        "the database itself still answers: {detail}"
    );
    let retry: u64 = res
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!(retry >= 1);

    // Health tells the same story with detail; liveness does not depend on it.
    let health = assert_json(&app.get("/healthz").await, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health["status"], "degraded");
    let checks = health["checks"].as_array().expect("checks");
    let check = |name: &str| {
        checks
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} check"))
    };
    assert_eq!(check("migrations")["ok"], false);
    assert!(
        check("migrations")["error"]
            .as_str()
            .is_some_and(|e| e.contains("pending")),
        "{health}"
    );
    assert_eq!(check("database")["ok"], true);
    assert_eq!(
        app.get("/livez").await.status,
        StatusCode::OK,
        "alive even when not ready"
    );

    // Migrated again: ready again.
    rapport_store::migrate::up(&app.app.db, None)
        .await
        .expect("migrate up");
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
}

async fn healthz_reports_version_commit_uptime_and_each_check_with_its_latency(b: Backend) {
    let app = TestApp::new(b).await;
    let body = assert_json(&app.get("/healthz").await, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], "test");
    assert_eq!(body["commit"], "test");
    assert!(body["uptime_seconds"].is_u64(), "uptime_seconds: {body}");
    let checks = body["checks"].as_array().expect("checks");
    let names: Vec<&str> = checks.iter().filter_map(|c| c["name"].as_str()).collect();
    assert!(
        names.contains(&"database") && names.contains(&"migrations"),
        "{names:?}"
    );
    for c in checks {
        assert_eq!(c["ok"], true, "{c}");
        let latency = c["latency_ms"]
            .as_f64()
            .unwrap_or_else(|| panic!("latency_ms: {c}"));
        assert!((0.0..2000.0).contains(&latency), "{c}");
    }
}

/// The value of the first sample line named `name` whose labels include all of `labels`.
fn sample(metrics: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix('{')?;
        let (label_text, value) = rest.rsplit_once("} ")?;
        labels
            .iter()
            .all(|(k, v)| label_text.split(',').any(|l| l == format!("{k}=\"{v}\"")))
            .then(|| value.trim().parse().ok())?
    })
}

async fn metrics_count_requests_by_route_template_never_by_raw_path(b: Backend) {
    let app = TestApp::new(b).await;
    let id = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/api/v1/contacts").await.status, StatusCode::OK);
    let stray = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        app.get(&format!("/nowhere/{stray}")).await.status,
        StatusCode::NOT_FOUND
    );

    let res = app.get("/metrics").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/plain")),
        "Prometheus text format"
    );
    let text = res.text();

    let by_id = sample(
        &text,
        "http_requests_total",
        &[
            ("method", "GET"),
            ("route", "/api/v1/contacts/{id}"),
            ("status", "404"),
        ],
    );
    assert!(
        by_id.is_some_and(|n| n >= 1.0),
        "counted under the template:\n{text}"
    );
    let list = sample(
        &text,
        "http_requests_total",
        &[
            ("method", "GET"),
            ("route", "/api/v1/contacts"),
            ("status", "200"),
        ],
    );
    assert!(list.is_some_and(|n| n >= 1.0), "{text}");
    let unmatched = sample(
        &text,
        "http_requests_total",
        &[("route", "unmatched"), ("status", "404")],
    );
    assert!(
        unmatched.is_some_and(|n| n >= 1.0),
        "an unmatched path is labelled, not named:\n{text}"
    );
    assert!(
        !text.contains(&id) && !text.contains(&stray),
        "no raw ids in metric labels"
    );

    assert!(
        sample(
            &text,
            "http_request_duration_seconds_bucket",
            &[("route", "/api/v1/contacts/{id}"), ("le", "+Inf")]
        )
        .is_some_and(|n| n >= 1.0),
        "latency histogram by template:\n{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("db_pool_connections")),
        "pool gauge:\n{text}"
    );
}

async fn each_problem_type_has_an_html_page_in_the_registry(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app.get("/problems/validation-failed").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "HTML"
    );
    let html = res.text();
    assert!(
        html.contains("Validation failed") && html.contains("422"),
        "{html}"
    );
    assert!(res.header("content-security-policy").is_some());
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));

    for kind in ALL {
        let res = app.get(&format!("/problems/{}", kind.slug)).await;
        assert_eq!(res.status, StatusCode::OK, "/problems/{}", kind.slug);
        let html = res.text();
        assert!(
            html.contains(kind.title) && html.contains(&kind.status.to_string()),
            "{}: {html}",
            kind.slug
        );
    }
}

async fn an_unknown_problem_type_is_a_not_found_problem(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app.get("/problems/nope").await;
    let p = res.problem(404, "not-found");
    assert_eq!(p["instance"], "/problems/nope");
}

both_backends!(
    livez_answers_alive,
    readyz_answers_ready_on_a_migrated_database,
    readyz_answers_503_naming_the_migrations_check_while_migrations_are_pending,
    healthz_reports_version_commit_uptime_and_each_check_with_its_latency,
    metrics_count_requests_by_route_template_never_by_raw_path,
    each_problem_type_has_an_html_page_in_the_registry,
    an_unknown_problem_type_is_a_not_found_problem,
);
