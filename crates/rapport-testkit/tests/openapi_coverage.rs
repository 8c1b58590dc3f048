//! The OpenAPI document is generated from the code: it must list every route the server answers,
//! every method it routes, and describe bodies and problems; the human docs are served from the
//! binary.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use std::collections::{BTreeMap, BTreeSet};

use http::{Method, StatusCode};
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The paths API.md promises.
const EXPECTED_PATHS: &[&str] = &[
    "/api/v1/contacts",
    "/api/v1/contacts/{id}",
    "/api/v1/contacts/{id}/restore",
    "/api/v1/contacts/search",
    "/api/v1/companies",
    "/api/v1/companies/{id}",
    "/api/v1/companies/{id}/restore",
    "/api/v1/companies/search",
    "/api/v1/contacts/{id}/duplicates",
    "/api/v1/contacts/{id}/merge",
    "/api/v1/companies/{id}/duplicates",
    "/api/v1/companies/{id}/merge",
    "/api/v1/tags",
    "/api/v1/tags/{name}",
    "/api/v1/custom-fields",
    "/api/v1/custom-fields/{id}",
    "/api/v1/custom-fields/{id}/restore",
    "/api/v1/custom-fields/search",
    "/api/v1/custom-fields/export",
    "/api/v1/custom-fields/batch",
    "/api/v1/tasks",
    "/api/v1/tasks/{id}",
    "/api/v1/tasks/{id}/restore",
    "/api/v1/tasks/search",
    "/api/v1/appointments",
    "/api/v1/appointments/{id}",
    "/api/v1/appointments/{id}/restore",
    "/api/v1/appointments/search",
    "/api/v1/projects",
    "/api/v1/projects/{id}",
    "/api/v1/projects/{id}/restore",
    "/api/v1/projects/search",
    "/api/v1/projects/{id}/milestones/{milestone_id}/complete",
    "/api/v1/projects/{id}/export",
    "/api/v1/documents",
    "/api/v1/documents/{id}",
    "/api/v1/documents/{id}/restore",
    "/api/v1/documents/search",
    "/api/v1/documents/{id}/content",
    "/api/v1/imports",
    "/api/v1/imports/{id}",
    "/api/v1/imports/{id}/start",
    "/api/v1/imports/{id}/cancel",
    "/api/v1/imports/{id}/errors",
    "/api/v1/calendar/token",
    "/calendar/{feed}",
    "/api/v1/cases",
    "/api/v1/cases/{id}",
    "/api/v1/cases/{id}/restore",
    "/api/v1/cases/search",
    "/api/v1/campaigns",
    "/api/v1/campaigns/{id}",
    "/api/v1/campaigns/{id}/restore",
    "/api/v1/campaigns/search",
    "/api/v1/campaigns/{id}/members",
    "/api/v1/campaigns/{id}/members/{type}/{member_id}",
    "/api/v1/campaigns/{id}/deals",
    "/api/v1/campaigns/{id}/deals/{deal_id}",
    "/api/v1/search",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-everywhere",
    "/api/v1/auth/session",
    "/api/v1/auth/password",
    "/api/v1/setup",
    "/api/v1/invitations",
    "/api/v1/invitations/accept",
    "/api/v1/auth/password-reset",
    "/api/v1/auth/password-reset/complete",
    "/api/v1/auth/email-change",
    "/api/v1/auth/email-change/confirm",
    "/api/v1/tokens",
    "/api/v1/tokens/{id}",
    "/api/v1/members",
    "/api/v1/members/{user_id}",
    "/api/v1/audit",
    "/api/v1/audit/export",
    "/api/v1/auth/mfa/totp",
    "/api/v1/auth/mfa/totp/confirm",
    "/api/v1/auth/mfa/totp/disable",
    "/api/v1/settings",
    "/api/v1/auth/passkeys",
    "/api/v1/auth/passkeys/{id}",
    "/api/v1/roles",
    "/api/v1/roles/{name}",
    "/api/v1/teams",
    "/api/v1/teams/{id}",
    "/api/v1/teams/{id}/members/{user_id}",
    "/api/v1/auth/oidc/{provider}/start",
    "/api/v1/auth/oidc/{provider}/callback",
    "/livez",
    "/readyz",
    "/healthz",
    "/metrics",
    "/problems/{type}",
];

/// Operations that take a JSON body.
const WITH_BODY: &[(&str, &str)] = &[
    (
        "put",
        "/api/v1/contacts/{id}/associations/{other_object}/{other_id}",
    ),
    (
        "put",
        "/api/v1/companies/{id}/associations/{other_object}/{other_id}",
    ),
    (
        "put",
        "/api/v1/deals/{id}/associations/{other_object}/{other_id}",
    ),
    (
        "put",
        "/api/v1/leads/{id}/associations/{other_object}/{other_id}",
    ),
    (
        "put",
        "/api/v1/cases/{id}/associations/{other_object}/{other_id}",
    ),
    (
        "put",
        "/api/v1/projects/{id}/associations/{other_object}/{other_id}",
    ),
    ("post", "/api/v1/contacts/batch"),
    ("post", "/api/v1/companies/batch"),
    ("post", "/api/v1/pipelines/batch"),
    ("post", "/api/v1/custom-fields/batch"),
    ("post", "/api/v1/deals/batch"),
    ("post", "/api/v1/leads/batch"),
    ("post", "/api/v1/activities/batch"),
    ("post", "/api/v1/tasks/batch"),
    ("post", "/api/v1/appointments/batch"),
    ("post", "/api/v1/cases/batch"),
    ("post", "/api/v1/campaigns/batch"),
    ("post", "/api/v1/projects/batch"),
    ("post", "/api/v1/contacts"),
    ("patch", "/api/v1/contacts/{id}"),
    ("post", "/api/v1/contacts/search"),
    ("post", "/api/v1/companies"),
    ("patch", "/api/v1/companies/{id}"),
    ("post", "/api/v1/companies/search"),
    ("post", "/api/v1/tasks"),
    ("patch", "/api/v1/tasks/{id}"),
    ("post", "/api/v1/tasks/search"),
    ("post", "/api/v1/appointments"),
    ("patch", "/api/v1/appointments/{id}"),
    ("post", "/api/v1/appointments/search"),
    ("post", "/api/v1/cases"),
    ("patch", "/api/v1/cases/{id}"),
    ("post", "/api/v1/cases/search"),
    ("post", "/api/v1/campaigns"),
    ("patch", "/api/v1/campaigns/{id}"),
    ("post", "/api/v1/campaigns/search"),
    ("post", "/api/v1/campaigns/{id}/members"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/password"),
    ("post", "/api/v1/setup"),
    ("post", "/api/v1/invitations"),
    ("post", "/api/v1/invitations/accept"),
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/complete"),
    ("post", "/api/v1/auth/email-change"),
    ("post", "/api/v1/auth/email-change/confirm"),
    ("post", "/api/v1/tokens"),
    ("patch", "/api/v1/members/{user_id}"),
    ("post", "/api/v1/auth/mfa/totp"),
    ("post", "/api/v1/auth/mfa/totp/confirm"),
    ("post", "/api/v1/auth/mfa/totp/disable"),
    ("patch", "/api/v1/settings"),
    ("post", "/api/v1/auth/passkeys/register/start"),
    ("post", "/api/v1/auth/passkeys/register/finish"),
    ("patch", "/api/v1/auth/passkeys/{id}"),
    ("post", "/api/v1/auth/passkeys/{id}/remove"),
    ("post", "/api/v1/auth/passkeys/login/start"),
    ("post", "/api/v1/auth/passkeys/login/finish"),
    ("put", "/api/v1/roles/{name}"),
    ("post", "/api/v1/teams"),
    ("post", "/api/v1/pipelines"),
    ("patch", "/api/v1/pipelines/{id}"),
    ("post", "/api/v1/pipelines/search"),
    ("post", "/api/v1/custom-fields"),
    ("patch", "/api/v1/custom-fields/{id}"),
    ("post", "/api/v1/custom-fields/search"),
    ("post", "/api/v1/deals"),
    ("patch", "/api/v1/deals/{id}"),
    ("post", "/api/v1/deals/search"),
    ("post", "/api/v1/leads"),
    ("patch", "/api/v1/leads/{id}"),
    ("post", "/api/v1/leads/search"),
    ("post", "/api/v1/activities"),
    ("patch", "/api/v1/activities/{id}"),
    ("post", "/api/v1/activities/search"),
    ("post", "/api/v1/pipelines/{id}/stages/{stage_id}/remove"),
    ("post", "/api/v1/deals/{id}/move"),
    ("post", "/api/v1/leads/{id}/convert"),
    ("post", "/api/v1/projects"),
    ("patch", "/api/v1/projects/{id}"),
    ("post", "/api/v1/projects/search"),
    // The raw file, not JSON.
    ("post", "/api/v1/documents"),
    ("patch", "/api/v1/documents/{id}"),
    ("post", "/api/v1/documents/search"),
    ("post", "/api/v1/contacts/{id}/merge"),
    ("post", "/api/v1/companies/{id}/merge"),
    ("patch", "/api/v1/tags/{name}"),
    // The raw CSV file, not JSON.
    ("post", "/api/v1/imports"),
    ("post", "/api/v1/imports/{id}/start"),
];

/// Routes that serve the documentation itself (not part of the API they document) and the
/// server-rendered pages.
const DOCS_ROUTES: &[&str] = &[
    "/setup",
    "/assets/setup.js",
    "/api/openapi.json",
    "/api/docs",
    "/api/docs/",
    "/api/docs/{*rest}",
];

async fn openapi(app: &TestApp) -> Value {
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    res.json()
}

/// path template -> documented methods (lower case).
fn documented(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("path item")
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()) || *k == "head" || *k == "options")
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// A concrete address for a template: a random id, an existing problem type.
fn fill(template: &str) -> String {
    template
        .replace("{id}", &uuid::Uuid::now_v7().to_string())
        .replace("{user_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{member_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{deal_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{other_object}", "contacts")
        .replace("{other_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{name}", "some-role")
        .replace("{type}", "not-found")
}

async fn send(app: &TestApp, method: &str, path: &str) -> TestResponse {
    let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
    let req = app.request(m, path);
    if method == "post" || method == "put" || method == "patch" {
        req.header("content-type", "application/json")
            .body("{}")
            .send()
            .await
    } else {
        req.send().await
    }
}

async fn the_document_is_openapi_3_1_and_lists_every_path_of_the_api(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = openapi(&app).await;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "OpenAPI {version}");
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        doc["info"]["version"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );

    let paths = documented(&doc);
    for expected in EXPECTED_PATHS {
        assert!(
            paths.contains_key(*expected),
            "{expected} is documented; paths: {:?}",
            paths.keys()
        );
    }
}

async fn every_operation_documents_its_responses_parameters_and_request_body(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = openapi(&app).await;
    let mut wrong_error_types = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let what = format!("{} {path}", method.to_uppercase());
            let responses = op["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{what}: responses"));
            assert!(!responses.is_empty(), "{what}: at least one response");
            // Browser flows (SSO) succeed with a redirect.
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('2') || s.starts_with('3')),
                "{what}: documents its success response"
            );
            for (status, r) in responses {
                // /healthz answers 503 with its health report, not a problem, by design.
                let is_error = status.starts_with('4') || status.starts_with('5');
                if is_error
                    && path != "/healthz"
                    && let Some(content) = r["content"].as_object()
                    && !content.contains_key("application/problem+json")
                {
                    wrong_error_types.push(format!(
                        "{what} {status}: {:?}",
                        content.keys().collect::<Vec<_>>()
                    ));
                }
            }

            // Every {param} of the template is a declared path parameter.
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    declared.contains(name),
                    "{what}: path parameter {name} is declared"
                );
            }

            let has_body = op
                .get("requestBody")
                .is_some_and(|rb| rb["content"].as_object().is_some_and(|c| !c.is_empty()));
            let takes_body = WITH_BODY.contains(&(method.as_str(), path.as_str()));
            assert_eq!(
                has_body, takes_body,
                "{what}: requestBody documented exactly when the operation takes a body"
            );
        }
    }
    assert!(
        wrong_error_types.is_empty(),
        "error responses are served as application/problem+json but documented as: {wrong_error_types:#?}"
    );
}

async fn every_operation_that_reads_a_json_body_documents_it(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = openapi(&app).await;
    for (path, methods) in documented(&doc) {
        for method in methods
            .iter()
            .filter(|m| *m != "get" && METHODS.contains(&m.as_str()))
        {
            // No content type at all: an operation that reads a JSON body refuses with 415.
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let res = app.request(m, &fill(&path)).body("x").send().await;
            if res.status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                assert!(
                    doc["paths"][&path][method].get("requestBody").is_some(),
                    "{} {path} reads a JSON body but documents no requestBody",
                    method.to_uppercase()
                );
            }
        }
    }
}

async fn the_problem_schema_is_documented(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = openapi(&app).await;
    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(problem.is_object(), "components.schemas.Problem");
    for member in [
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "request_id",
        "errors",
    ] {
        assert!(
            problem["properties"].get(member).is_some(),
            "Problem.{member}"
        );
    }
    let required: BTreeSet<&str> = problem["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for member in ["type", "title", "status", "detail"] {
        assert!(required.contains(member), "Problem.{member} is required");
    }
}

async fn both_credentials_are_declared_so_the_docs_page_can_send_a_token(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = openapi(&app).await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http", "{schemes}");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["type"], "apiKey");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "rapport_session");
    let global: Vec<&str> = doc["security"]
        .as_array()
        .expect("security")
        .iter()
        .filter_map(|r| r.as_object()?.keys().next().map(String::as_str))
        .collect();
    assert_eq!(global, ["bearer", "session"]);
    // The role list answers what its schema declares: `name` beside the definition.
    let named = &doc["components"]["schemas"]["NamedRole"];
    assert!(named["properties"].get("name").is_some(), "{named}");
    assert!(named.get("allOf").is_none(), "{named}");
}

/// The direction that matters: a route that answers but is not documented. Any method that is not
/// answered 405 on a documented path is routed, so it must be documented; and every documented
/// method must be routed.
async fn every_routed_method_on_a_documented_path_is_documented_and_vice_versa(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = openapi(&app).await;
    let mut undocumented = Vec::new();
    let mut unrouted = Vec::new();
    for (path, methods) in documented(&doc) {
        for method in METHODS {
            let res = send(&app, method, &fill(&path)).await;
            let routed = res.status != StatusCode::METHOD_NOT_ALLOWED;
            let listed = methods.contains(method);
            if routed && !listed {
                undocumented.push(format!(
                    "{} {path} answered {}",
                    method.to_uppercase(),
                    res.status
                ));
            }
            if listed && !routed {
                unrouted.push(format!("{} {path}", method.to_uppercase()));
            }
            if !routed {
                res.problem(405, "method-not-allowed");
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "routed but not documented: {undocumented:#?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but answered 405: {unrouted:#?}"
    );
}

/// Addresses API.md mentions or a client might guess: whatever route answers them (as the
/// metrics name it) must be a documented one.
async fn every_route_the_server_matches_is_documented(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = openapi(&app).await;
    let id = uuid::Uuid::now_v7();
    let probes = [
        "/api/v1/contacts/batch".to_owned(),
        "/api/v1/contacts/export".to_owned(),
        "/api/v1/companies/batch".to_owned(),
        "/api/v1/companies/export".to_owned(),
        "/api/v1/imports".to_owned(),
        format!("/api/v1/imports/{id}"),
        format!("/api/v1/contacts/{id}/associations/companies/{id}"),
        "/api/v1/deals".to_owned(),
        "/api/v1/tasks/batch".to_owned(),
        "/api/v1/appointments/export".to_owned(),
        "/api/v1/calendar".to_owned(),
        "/calendar".to_owned(),
        "/calendar/anything".to_owned(),
        "/api/v1".to_owned(),
        "/api".to_owned(),
        "/".to_owned(),
        "/contacts".to_owned(),
        "/deals/board".to_owned(),
        "/problems".to_owned(),
        "/health".to_owned(),
    ];
    for path in &probes {
        for method in METHODS {
            send(&app, method, path).await;
        }
    }
    let metrics = app.get("/metrics").await.text();
    let paths = documented(&doc);
    let routes: BTreeSet<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .filter_map(|l| l.split("route=\"").nth(1)?.split('"').next())
        .collect();
    assert!(
        routes.contains("unmatched"),
        "probes reached no route: {routes:?}"
    );
    let undocumented: Vec<&&str> = routes
        .iter()
        .filter(|r| **r != "unmatched" && !DOCS_ROUTES.contains(r) && !paths.contains_key(**r))
        .collect();
    assert!(
        undocumented.is_empty(),
        "routes that answered but are not documented: {undocumented:?}"
    );
}

fn assert_no_external_urls(text: &str, what: &str) {
    for scheme in ["http://", "https://", "//cdn", "//unpkg", "//fonts."] {
        assert!(
            !text.contains(scheme),
            "{what} refers to another host ({scheme}): {text}"
        );
    }
}

/// `href="..."` and `src="..."` values of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in html.split(attr).skip(1) {
            if let Some(v) = part.split('"').next() {
                out.push(v.to_owned());
            }
        }
    }
    out
}

async fn the_docs_page_is_served_from_the_binary_without_any_external_url(b: Backend) {
    let app = TestApp::new(b).await;

    let bare = app.get("/api/docs").await;
    if bare.status.is_redirection() {
        assert_eq!(
            bare.header("location"),
            Some("/api/docs/"),
            "/api/docs leads to the docs"
        );
    } else {
        assert_eq!(bare.status, StatusCode::OK);
        assert!(
            bare.header("content-type")
                .is_some_and(|c| c.starts_with("text/html"))
        );
    }

    let page = app.get("/api/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "HTML"
    );
    let html = page.text();
    assert!(html.contains("swagger"), "Swagger UI: {html}");
    assert_no_external_urls(&html, "the docs HTML");

    let refs = references(&html);
    assert!(
        refs.iter().any(|r| r.ends_with("swagger-initializer.js")),
        "an initializer: {refs:?}"
    );
    for r in &refs {
        let url = format!("/api/docs/{}", r.trim_start_matches("./"));
        let res = app.get(&url).await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "{url} is served from the binary"
        );
        assert!(!res.body.is_empty(), "{url} is not empty");
    }

    let init = app.get("/api/docs/swagger-initializer.js").await.text();
    assert!(
        init.contains("/api/openapi.json"),
        "the initializer loads our document: {init}"
    );
    assert_no_external_urls(&init, "the JS initializer");
}

/// Swagger UI's standalone layout shows a badge loaded from validator.swagger.io (sending it the
/// document's URL) unless `validatorUrl` is turned off in the initializer.
async fn the_docs_page_does_not_call_the_public_swagger_validator(b: Backend) {
    let app = TestApp::new(b).await;
    let bundle = app.get("/api/docs/swagger-ui-bundle.js").await.text();
    let init = app.get("/api/docs/swagger-initializer.js").await.text();
    if bundle.contains("https://validator.swagger.io") {
        let disabled = init.contains("\"validatorUrl\": \"none\"")
            || init.contains("\"validatorUrl\": null")
            || init.contains("validatorUrl: null")
            || init.contains("validatorUrl: \"none\"");
        assert!(
            disabled,
            "Swagger UI defaults to https://validator.swagger.io, and the initializer does not turn it off: {init}"
        );
    }
}

async fn operations_are_summarised_in_the_object_s_own_words(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = openapi(&app).await;
    let summary = |path: &str, method: &str| {
        doc["paths"][path][method]["summary"]
            .as_str()
            .map(str::to_owned)
    };
    assert_eq!(
        summary("/api/v1/contacts", "get").as_deref(),
        Some("List contacts")
    );
    assert_eq!(
        summary("/api/v1/companies", "post").as_deref(),
        Some("Create a company")
    );
    assert_eq!(
        summary("/api/v1/companies/{id}/restore", "post").as_deref(),
        Some("Restore a deleted company")
    );
    let ids: BTreeSet<String> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|ops| ops.values())
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();
    assert!(
        ids.contains("list_contacts") && ids.contains("update_company"),
        "operation ids: {ids:?}"
    );
}

both_backends!(
    both_credentials_are_declared_so_the_docs_page_can_send_a_token,
    operations_are_summarised_in_the_object_s_own_words,
    the_document_is_openapi_3_1_and_lists_every_path_of_the_api,
    every_operation_documents_its_responses_parameters_and_request_body,
    every_operation_that_reads_a_json_body_documents_it,
    the_problem_schema_is_documented,
    every_routed_method_on_a_documented_path_is_documented_and_vice_versa,
    every_route_the_server_matches_is_documented,
    the_docs_page_is_served_from_the_binary_without_any_external_url,
    the_docs_page_does_not_call_the_public_swagger_validator,
);
