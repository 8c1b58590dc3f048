//! The HTTP conventions of API.md that every resource shares: problem responses for every error,
//! request ids and trace context, security headers, and `Idempotency-Key`.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use rapport_http::middleware::request_id::is_sane;
use rapport_http::problem::{self, Kind};
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};
use sqlx::Connection;
use tower::ServiceExt;

const CONTACTS: &str = "/api/v1/contacts";

/// What a request may have written: the rows a failed request must leave alone.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Written {
    contacts: i64,
    search_docs: i64,
    idempotency_keys: i64,
}

async fn written(app: &TestApp) -> Written {
    Written {
        contacts: app.count_rows("contacts").await,
        // The workspace's default pipeline has a document of its own.
        search_docs: app
            .count_rows_where("search_docs", "object_type <> 'pipeline'")
            .await,
        idempotency_keys: app.count_rows("idempotency_keys").await,
    }
}

/// Asserts a complete RFC 9457 problem of `kind` for `instance`; returns it.
fn assert_problem(res: &TestResponse, kind: Kind, instance: &str) -> Value {
    let p = res.problem(kind.status, kind.slug);
    assert_eq!(p["title"], kind.title, "title: {p}");
    assert!(
        p["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "detail: {p}"
    );
    assert_eq!(p["instance"], instance, "instance: {p}");
    assert_eq!(
        p["request_id"].as_str(),
        res.header("x-request-id"),
        "the problem's request_id is the response's X-Request-Id: {p}"
    );
    p
}

fn ana() -> Value {
    json!({"first_name": "Ana", "last_name": "Lopez", "emails": [{"address": "ana@example.com"}]})
}

/// A POST of raw bytes with optional content type.
async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<Bytes>,
) -> TestResponse {
    let mut req = app.request(Method::POST, path);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.body(body).send().await
}

async fn post_with_key(app: &TestApp, path: &str, key: &str, body: &Value) -> TestResponse {
    app.request(Method::POST, path)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
}

// ---------------------------------------------------------------------------------------------
// Every error is a problem, and writes nothing.

async fn an_unknown_route_answers_a_not_found_problem_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let before = written(&app).await;

    for path in [
        "/api/v1/nowhere",
        "/api/v2/contacts",
        "/definitely/not/here",
        "/api/v1/contacts/1/2/3",
    ] {
        let res = app.get(path).await;
        assert_problem(&res, problem::NOT_FOUND, path);
    }
    let res = app.post("/api/v1/nowhere", ana()).await;
    assert_problem(&res, problem::NOT_FOUND, "/api/v1/nowhere");

    assert_eq!(written(&app).await, before);
}

async fn a_method_the_resource_does_not_accept_answers_405_with_allow(b: Backend) {
    let app = TestApp::new(b).await;
    let before = written(&app).await;

    let res = app.request(Method::PUT, CONTACTS).json(&ana()).send().await;
    assert_problem(&res, problem::METHOD_NOT_ALLOWED, CONTACTS);
    let allow = res
        .header("allow")
        .expect("a 405 names the allowed methods (RFC 9110)");
    assert!(
        allow.contains("GET") && allow.contains("POST") && !allow.contains("PUT"),
        "Allow: {allow}"
    );

    let res = app.delete(CONTACTS).await;
    assert_problem(&res, problem::METHOD_NOT_ALLOWED, CONTACTS);

    let one = format!("{CONTACTS}/{}", uuid::Uuid::now_v7());
    let res = app.request(Method::PUT, &one).json(&ana()).send().await;
    assert_problem(&res, problem::METHOD_NOT_ALLOWED, &one);
    assert!(
        res.header("allow").is_some_and(|a| a.contains("PATCH")),
        "Allow on a record lists PATCH"
    );

    let res = app.post("/livez", json!({})).await;
    assert_problem(&res, problem::METHOD_NOT_ALLOWED, "/livez");

    assert_eq!(written(&app).await, before);
}

async fn a_body_over_the_limit_answers_413_and_writes_nothing(b: Backend) {
    let app = TestApp::with_config(b, |c| c.server.max_body_bytes = 2048).await;
    let big = json!({"first_name": "Ana", "notes": "x".repeat(4096)});
    assert!(serde_json::to_vec(&big).expect("json").len() > 4096);
    let before = written(&app).await;

    let res = app.post(CONTACTS, big.clone()).await;
    assert_problem(&res, problem::PAYLOAD_TOO_LARGE, CONTACTS);

    // With an Idempotency-Key the body is read by the idempotency layer first: same answer.
    let res = post_with_key(&app, CONTACTS, "too-big-1", &big).await;
    assert_problem(&res, problem::PAYLOAD_TOO_LARGE, CONTACTS);

    assert_eq!(
        written(&app).await,
        before,
        "a refused body writes nothing, not even a key"
    );

    // The limit is the limit: a body under it is served.
    let small = json!({"first_name": "Ana", "notes": "x".repeat(1500)});
    assert_eq!(app.post(CONTACTS, small).await.status, StatusCode::CREATED);
}

async fn a_body_that_is_not_declared_json_answers_415_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let body = serde_json::to_vec(&ana()).expect("json");
    let before = written(&app).await;

    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonp"),
    ] {
        let res = post_raw(&app, CONTACTS, ct, body.clone()).await;
        let p = assert_problem(&res, problem::UNSUPPORTED_MEDIA_TYPE, CONTACTS);
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("application/json")),
            "{ct:?}: {p}"
        );
    }
    assert_eq!(written(&app).await, before);

    // The same bytes with a JSON content type (parameters allowed) are accepted.
    let res = post_raw(
        &app,
        CONTACTS,
        Some("application/json; charset=utf-8"),
        body,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

async fn malformed_json_answers_400_naming_line_and_column_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let before = written(&app).await;

    let broken = "{\n  \"first_name\": \"Ana\",\n  \"last_name\": Lopez\n}";
    let res = post_raw(&app, CONTACTS, Some("application/json"), broken).await;
    let p = assert_problem(&res, problem::MALFORMED_JSON, CONTACTS);
    let detail = p["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("line 3") && detail.contains("column"),
        "detail names the position: {detail}"
    );

    let truncated = "{\"first_name\": \"Ana\"";
    let res = post_raw(&app, CONTACTS, Some("application/json"), truncated).await;
    let p = assert_problem(&res, problem::MALFORMED_JSON, CONTACTS);
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("line 1")),
        "{p}"
    );

    let res = post_raw(&app, CONTACTS, Some("application/json"), "").await;
    assert_problem(&res, problem::MALFORMED_JSON, CONTACTS);

    // A member named twice in one object: which one was meant is not ours to guess.
    let twice = "{\"first_name\": \"Ana\", \"tags\": [], \"first_name\": \"Eve\"}";
    let res = post_raw(&app, CONTACTS, Some("application/json"), twice).await;
    let p = assert_problem(&res, problem::MALFORMED_JSON, CONTACTS);
    let detail = p["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("'first_name' appears twice") && detail.contains("line 1"),
        "{detail}"
    );

    assert_eq!(written(&app).await, before);
}

async fn a_patch_naming_an_unknown_field_is_refused_even_with_null(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = app.post(CONTACTS, ana()).await.json();
    let path = format!("{CONTACTS}/{}", contact["id"].as_str().unwrap_or_default());
    let before = written(&app).await;
    let res = app.patch(&path, json!({"nickname": null})).await;
    let body = res.problem(422, "validation-failed");
    assert_eq!(body["errors"][0]["pointer"], "/nickname", "{body}");
    // A known field set to null is still erased, as RFC 7396 says.
    let res = app.patch(&path, json!({"last_name": null})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(res.json().get("last_name").is_none_or(Value::is_null));
    assert_eq!(
        written(&app).await.contacts,
        before.contacts,
        "still one contact"
    );
}

async fn names_with_invisible_or_direction_changing_characters_are_refused(b: Backend) {
    let app = TestApp::new(b).await;
    let before = written(&app).await;
    for name in [
        "Ana\u{202E}asil",
        "Ana\u{200B}",
        "\u{2066}Ana",
        "An\u{FEFF}a",
    ] {
        let res = app.post(CONTACTS, json!({"first_name": name})).await;
        let body = res.problem(422, "validation-failed");
        assert_eq!(body["errors"][0]["pointer"], "/first_name", "{body}");
        let res = app.post("/api/v1/companies", json!({"name": name})).await;
        res.problem(422, "validation-failed");
        let res = app
            .post(CONTACTS, json!({"first_name": "Ana", "tags": [name]}))
            .await;
        res.problem(422, "validation-failed");
    }
    assert_eq!(written(&app).await, before);
}

// ---------------------------------------------------------------------------------------------
// Request ids and trace context.

async fn a_sane_request_id_is_echoed_and_names_the_problem(b: Backend) {
    let app = TestApp::new(b).await;
    let id = "client-req_42.retry:1";

    let res = app
        .request(Method::GET, CONTACTS)
        .header("x-request-id", id)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("x-request-id"), Some(id));

    let res = app
        .request(Method::GET, "/api/v1/nowhere")
        .header("x-request-id", id)
        .send()
        .await;
    let p = assert_problem(&res, problem::NOT_FOUND, "/api/v1/nowhere");
    assert_eq!(p["request_id"], id);

    let longest = "r".repeat(128);
    let res = app
        .request(Method::GET, CONTACTS)
        .header("x-request-id", &longest)
        .send()
        .await;
    assert_eq!(
        res.header("x-request-id"),
        Some(longest.as_str()),
        "128 characters are still sane"
    );
}

async fn an_insane_or_missing_request_id_is_replaced_by_a_generated_one(b: Backend) {
    let app = TestApp::new(b).await;
    let too_long = "r".repeat(200);
    for bad in [
        "has spaces in it",
        too_long.as_str(),
        "semi;colon",
        "quote\"d",
    ] {
        let res = app
            .request(Method::GET, "/api/v1/nowhere")
            .header("x-request-id", bad)
            .send()
            .await;
        let got = res
            .header("x-request-id")
            .expect("always an X-Request-Id")
            .to_owned();
        assert_ne!(got, bad, "an insane id is not echoed");
        assert!(
            is_sane(&got) && uuid::Uuid::parse_str(&got).is_ok(),
            "generated id: {got}"
        );
        let p = assert_problem(&res, problem::NOT_FOUND, "/api/v1/nowhere");
        assert_eq!(p["request_id"], got.as_str());
    }

    let first = app.get(CONTACTS).await;
    let second = app.get(CONTACTS).await;
    let (a, b2) = (
        first.header("x-request-id").expect("generated"),
        second.header("x-request-id").expect("generated"),
    );
    assert!(
        uuid::Uuid::parse_str(a).is_ok(),
        "generated id is a UUID: {a}"
    );
    assert_ne!(a, b2, "each request gets its own id");
}

fn traceparent_parts(v: &str) -> (String, String, String, String) {
    let parts: Vec<&str> = v.split('-').collect();
    assert_eq!(parts.len(), 4, "traceparent: {v}");
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    assert!(
        parts[0] == "00" && hex(parts[1], 32) && hex(parts[2], 16) && hex(parts[3], 2),
        "traceparent: {v}"
    );
    assert!(
        parts[1].bytes().any(|b| b != b'0') && parts[2].bytes().any(|b| b != b'0'),
        "not all zero: {v}"
    );
    (
        parts[0].into(),
        parts[1].into(),
        parts[2].into(),
        parts[3].into(),
    )
}

async fn an_incoming_trace_is_continued_and_a_missing_one_is_started(b: Backend) {
    let app = TestApp::new(b).await;
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    let res = app
        .request(Method::GET, CONTACTS)
        .header("traceparent", incoming)
        .send()
        .await;
    let (_, trace, span, flags) =
        traceparent_parts(res.header("traceparent").expect("traceparent"));
    assert_eq!(
        trace, "4bf92f3577b34da6a3ce929d0e0e4736",
        "the caller's trace id is kept"
    );
    assert_ne!(span, "00f067aa0ba902b7", "this hop has its own span id");
    assert_eq!(flags, "01");

    // Errors continue the trace too.
    let res = app
        .request(Method::GET, "/api/v1/nowhere")
        .header("traceparent", incoming)
        .send()
        .await;
    let (_, trace, _, _) = traceparent_parts(res.header("traceparent").expect("traceparent"));
    assert_eq!(trace, "4bf92f3577b34da6a3ce929d0e0e4736");

    let res = app.get(CONTACTS).await;
    let (_, started, _, _) =
        traceparent_parts(res.header("traceparent").expect("a trace is started"));
    let res = app.get(CONTACTS).await;
    let (_, other, _, _) =
        traceparent_parts(res.header("traceparent").expect("a trace is started"));
    assert_ne!(started, other, "each untraced request starts its own trace");

    for invalid in [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "garbage",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    ] {
        let res = app
            .request(Method::GET, CONTACTS)
            .header("traceparent", invalid)
            .send()
            .await;
        let (_, trace, _, _) = traceparent_parts(res.header("traceparent").expect("traceparent"));
        assert!(
            !invalid.to_lowercase().contains(&trace),
            "an invalid traceparent is not continued: {invalid}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Security headers.

fn assert_security_headers(res: &TestResponse, what: &str) {
    assert_eq!(
        res.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    let referrer = res
        .header("referrer-policy")
        .unwrap_or_else(|| panic!("{what}: Referrer-Policy"));
    assert!(
        [
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin"
        ]
        .contains(&referrer),
        "{what}: Referrer-Policy {referrer}"
    );
    let csp = res
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: CSP"));
    assert!(
        csp.contains("default-src") && csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp}"
    );
}

fn assert_no_store(res: &TestResponse, what: &str) {
    let cc = res
        .header("cache-control")
        .unwrap_or_else(|| panic!("{what}: Cache-Control"));
    assert!(
        cc.split(',').any(|d| d.trim() == "no-store"),
        "{what}: Cache-Control {cc}"
    );
}

async fn api_responses_carry_security_headers_and_no_store_but_no_hsts_by_default(b: Backend) {
    let app = TestApp::new(b).await;
    let created = app.post(CONTACTS, ana()).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_str().expect("id").to_owned();

    let list = app.get(CONTACTS).await;
    let one = app.get(&format!("{CONTACTS}/{id}")).await;
    let missing = app
        .get(&format!("{CONTACTS}/{}", uuid::Uuid::now_v7()))
        .await;
    let search = app.get("/api/v1/search?q=ana").await;
    for (what, res) in [
        ("create", &created),
        ("list", &list),
        ("get", &one),
        ("404 problem", &missing),
        ("search", &search),
    ] {
        assert_security_headers(res, what);
        assert_no_store(res, what);
        assert!(
            res.header("strict-transport-security").is_none(),
            "{what}: no HSTS without TLS"
        );
    }
    assert_security_headers(&app.get("/livez").await, "livez");
}

async fn hsts_is_sent_when_a_tls_proxy_is_trusted(b: Backend) {
    let app = TestApp::with_config(b, |c| c.server.trust_proxy_tls = true).await;
    for path in [CONTACTS, "/api/v1/nowhere", "/livez", "/api/docs/"] {
        let res = app.get(path).await;
        let hsts = res
            .header("strict-transport-security")
            .unwrap_or_else(|| panic!("{path}: HSTS"));
        let max_age: u64 = hsts
            .split(';')
            .find_map(|d| d.trim().strip_prefix("max-age="))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{path}: max-age in {hsts}"));
        assert!(max_age >= 31_536_000, "{path}: at least a year: {hsts}");
    }
}

// ---------------------------------------------------------------------------------------------
// Idempotency-Key.

async fn the_same_key_and_body_replays_the_first_response_and_creates_one_contact(b: Backend) {
    let app = TestApp::new(b).await;

    let first = post_with_key(&app, CONTACTS, "create-ana-1", &ana()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    assert!(
        first.header("idempotent-replayed").is_none(),
        "the first answer is not a replay"
    );

    let again = post_with_key(&app, CONTACTS, "create-ana-1", &ana()).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "the same body bytes");
    assert_eq!(again.json()["id"], first.json()["id"]);
    for h in ["content-type", "location", "etag"] {
        assert_eq!(again.header(h), first.header(h), "replayed {h}");
    }
    assert_ne!(
        again.header("x-request-id"),
        first.header("x-request-id"),
        "a replay is still its own request"
    );

    assert_eq!(app.count_rows("contacts").await, 1);
    assert_eq!(app.count_rows("idempotency_keys").await, 1);
    assert_eq!(
        app.get(CONTACTS).await.json()["data"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

async fn the_same_key_with_another_body_or_address_answers_422_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let first = post_with_key(&app, CONTACTS, "key-1", &ana()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let before = written(&app).await;

    let other = json!({"first_name": "Bea"});
    let res = post_with_key(&app, CONTACTS, "key-1", &other).await;
    assert_problem(&res, problem::IDEMPOTENCY_KEY_REUSED, CONTACTS);

    // Same bytes, another address: another request.
    let res = post_with_key(&app, "/api/v1/companies", "key-1", &ana()).await;
    assert_problem(&res, problem::IDEMPOTENCY_KEY_REUSED, "/api/v1/companies");

    assert_eq!(written(&app).await, before);
    assert_eq!(app.count_rows("companies").await, 0);

    // The original request still replays.
    let again = post_with_key(&app, CONTACTS, "key-1", &ana()).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
}

/// The request hash the idempotency middleware stored for `key`.
async fn stored_request_hash(app: &TestApp, key: &str) -> String {
    match app.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.db.url)
                .await
                .expect("sqlite");
            sqlx::query_scalar("SELECT request_hash FROM idempotency_keys WHERE key = ?")
                .bind(key)
                .fetch_one(&mut c)
                .await
                .expect("hash")
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&app.db.url).await.expect("pg");
            sqlx::query_scalar("SELECT request_hash FROM idempotency_keys WHERE key = $1")
                .bind(key)
                .fetch_one(&mut c)
                .await
                .expect("hash")
        }
    }
}

async fn a_retry_while_the_first_request_is_in_flight_answers_409_then_gets_its_response(
    b: Backend,
) {
    let app = TestApp::new(b).await;
    let db = &app.app.db;
    let ws = app.owner.workspace_id;
    // Keys are stored under the user and the token that sent them.
    let token = rapport_store::tokens::find_by_hash(
        db,
        &rapport_app::identity::secret_hash(&app.owner.token),
    )
    .await
    .expect("token query")
    .expect("token");
    let key = |k: &str| format!("{}:{}:{k}", app.owner.user_id, token.id);
    // The middleware hashes method, path and body: learn the hash of this exact request from a
    // finished one under another key, then hold a claim on a fresh key as a running request would.
    let body = json!({"first_name": "Carla"});
    let probe = post_with_key(&app, CONTACTS, "probe", &body).await;
    assert_eq!(probe.status, StatusCode::CREATED);
    let hash = stored_request_hash(&app, &key("probe")).await;
    let claim = rapport_store::idempotency::claim(
        db,
        ws,
        &key("in-flight"),
        &hash,
        chrono::Duration::seconds(60),
    )
    .await
    .expect("claim");
    assert_eq!(claim, rapport_store::idempotency::Claim::Run);
    let before = written(&app).await;

    let res = post_with_key(&app, CONTACTS, "in-flight", &body).await;
    assert_problem(&res, problem::IDEMPOTENCY_IN_FLIGHT, CONTACTS);
    let retry: u64 = res
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!(retry >= 1);
    assert_eq!(written(&app).await, before, "a 409 runs nothing");

    // The first request finishes: the retry receives its response.
    let stored = rapport_store::idempotency::StoredResponse {
        status: 201,
        headers: r#"{"content-type":"application/json"}"#.into(),
        body: probe.body.to_vec(),
    };
    rapport_store::idempotency::complete(db, ws, &key("in-flight"), &stored)
        .await
        .expect("complete");
    let res = post_with_key(&app, CONTACTS, "in-flight", &body).await;
    assert_eq!(res.status, StatusCode::CREATED);
    assert_eq!(res.header("idempotent-replayed"), Some("true"));
    assert_eq!(res.body, probe.body);
    assert_eq!(app.count_rows("contacts").await, before.contacts);
}

async fn send_raw(router: Router, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let res = router.oneshot(req).await.expect("infallible");
    let (parts, body) = res.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.expect("body").to_bytes(),
    )
}

async fn concurrent_requests_with_one_key_create_one_contact_and_never_fail(b: Backend) {
    let app = TestApp::new(b).await;
    let rounds = 6;
    for round in 0..rounds {
        let key = format!("race-{round}");
        let body =
            serde_json::to_vec(&json!({"first_name": format!("Racer {round}")})).expect("json");
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let req = Request::post(CONTACTS)
                    .header("content-type", "application/json")
                    .header("idempotency-key", &key)
                    .body(Body::from(body.clone()))
                    .expect("request");
                tokio::spawn(send_raw(app.authed_router(), req))
            })
            .collect();
        let mut fresh = 0;
        for t in tasks {
            let (status, headers, body) = t.await.expect("task");
            let replayed = headers.get("idempotent-replayed").is_some();
            match status {
                StatusCode::CREATED if !replayed => fresh += 1,
                StatusCode::CREATED => {}
                StatusCode::CONFLICT => {
                    let p: Value = serde_json::from_slice(&body).expect("problem");
                    assert_eq!(p["type"], "/problems/idempotency-key-in-flight", "{p}");
                }
                other => panic!(
                    "round {round}: a duplicate keyed request answered {other}: {}",
                    String::from_utf8_lossy(&body)
                ),
            }
        }
        assert_eq!(fresh, 1, "round {round}: exactly one request ran");
    }
    assert_eq!(app.count_rows("contacts").await, rounds);
    assert_eq!(app.count_rows("idempotency_keys").await, rounds);
}

async fn a_failed_request_with_a_key_is_stored_and_replayed_and_writes_nothing_else(b: Backend) {
    let app = TestApp::new(b).await;
    let invalid = json!({"first_name": "Dora", "emails": [{"address": "not-an-email"}]});

    let first = post_with_key(&app, CONTACTS, "bad-1", &invalid).await;
    let p1 = assert_problem(&first, problem::VALIDATION_FAILED, CONTACTS);
    assert!(
        p1["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["pointer"] == "/emails/0/address")),
        "{p1}"
    );
    assert_eq!(
        written(&app).await,
        Written {
            contacts: 0,
            search_docs: 0,
            idempotency_keys: 1
        },
        "only the key's own record"
    );

    let again = post_with_key(&app, CONTACTS, "bad-1", &invalid).await;
    let p2 = assert_problem(&again, problem::VALIDATION_FAILED, CONTACTS);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    for member in ["type", "title", "status", "detail", "errors"] {
        assert_eq!(p2[member], p1[member], "replayed {member}");
    }
    assert_eq!(
        written(&app).await,
        Written {
            contacts: 0,
            search_docs: 0,
            idempotency_keys: 1
        }
    );
}

async fn an_invalid_key_answers_400_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let before = written(&app).await;
    let too_long = "k".repeat(300);
    for bad in ["", too_long.as_str(), "tab\there"] {
        let res = post_with_key(&app, CONTACTS, bad, &ana()).await;
        let p = assert_problem(&res, problem::INVALID_PARAMETER, CONTACTS);
        assert_eq!(p["parameter"], "Idempotency-Key", "{p}");
    }
    assert_eq!(written(&app).await, before);

    let longest = "k".repeat(255);
    let res = post_with_key(&app, CONTACTS, &longest, &ana()).await;
    assert_eq!(
        res.status,
        StatusCode::CREATED,
        "255 printable characters are a valid key"
    );
}

async fn a_malformed_id_in_any_path_answers_404_whatever_the_body_and_query(b: Backend) {
    let app = TestApp::new(b).await;
    let before = written(&app).await;
    let doc = app.get("/api/openapi.json").await.json();
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (template, item) in paths {
        let ids = template
            .split('/')
            .filter(|s| s.starts_with("{id") || s.ends_with("_id}"))
            .count();
        if ids == 0 {
            continue;
        }
        // Every id malformed; other parameters take a value that exists.
        let path: String = template
            .split('/')
            .map(|seg| match seg {
                "{id}" => "not-a-uuid",
                s if s.ends_with("_id}") => "not-a-uuid",
                "{other_object}" | "{type}" => "contacts",
                s if s.starts_with('{') => "x",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            // A query the route does not know and a body that is not JSON: either would be
            // refused with 400 or 415, but the id is read first.
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let res = app
                .request(m, &format!("{path}?bogus=1"))
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await;
            assert_eq!(
                res.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                res.text()
            );
            res.problem(404, "not-found");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} routes with ids");
    assert_eq!(written(&app).await, before);
}

both_backends!(
    a_malformed_id_in_any_path_answers_404_whatever_the_body_and_query,
    a_patch_naming_an_unknown_field_is_refused_even_with_null,
    names_with_invisible_or_direction_changing_characters_are_refused,
    an_unknown_route_answers_a_not_found_problem_and_writes_nothing,
    a_method_the_resource_does_not_accept_answers_405_with_allow,
    a_body_over_the_limit_answers_413_and_writes_nothing,
    a_body_that_is_not_declared_json_answers_415_and_writes_nothing,
    malformed_json_answers_400_naming_line_and_column_and_writes_nothing,
    a_sane_request_id_is_echoed_and_names_the_problem,
    an_insane_or_missing_request_id_is_replaced_by_a_generated_one,
    an_incoming_trace_is_continued_and_a_missing_one_is_started,
    api_responses_carry_security_headers_and_no_store_but_no_hsts_by_default,
    hsts_is_sent_when_a_tls_proxy_is_trusted,
    the_same_key_and_body_replays_the_first_response_and_creates_one_contact,
    the_same_key_with_another_body_or_address_answers_422_and_writes_nothing,
    a_retry_while_the_first_request_is_in_flight_answers_409_then_gets_its_response,
    concurrent_requests_with_one_key_create_one_contact_and_never_fail,
    a_failed_request_with_a_key_is_stored_and_replayed_and_writes_nothing_else,
    an_invalid_key_answers_400_and_writes_nothing,
);
