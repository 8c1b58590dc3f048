//! Access over every route, generated from the OpenAPI document: each route has an entry in the
//! matrix below (a new route without one fails), every built-in role gets the answer its entry
//! says, anonymous callers reach only public routes, and a caller from another workspace using
//! this workspace's ids gets 404 with nothing changed and nothing leaked.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use std::collections::BTreeSet;

use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, TestUser, both_backends};
use serde_json::{Value, json};

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Allowed {
    /// Anyone, without credentials.
    Public,
    /// This role and every more powerful one.
    AtLeast(Role),
    /// Browser sessions only: every token caller is refused.
    SessionOnly,
}

use Allowed::{AtLeast, Public, SessionOnly};
use Role::{Admin, Manager, Member, Viewer};

/// Every route and who may call it. A route missing here fails the test.
const MATRIX: &[(&str, &str, Allowed)] = &[
    ("get", "/api/v1/contacts", AtLeast(Viewer)),
    ("post", "/api/v1/contacts", AtLeast(Member)),
    ("get", "/api/v1/contacts/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/contacts/{id}", AtLeast(Member)),
    ("delete", "/api/v1/contacts/{id}", AtLeast(Member)),
    ("post", "/api/v1/contacts/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/contacts/search", AtLeast(Viewer)),
    ("get", "/api/v1/companies", AtLeast(Viewer)),
    ("post", "/api/v1/companies", AtLeast(Member)),
    ("get", "/api/v1/companies/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/companies/{id}", AtLeast(Member)),
    ("delete", "/api/v1/companies/{id}", AtLeast(Member)),
    ("post", "/api/v1/companies/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/companies/search", AtLeast(Viewer)),
    ("get", "/api/v1/contacts/{id}/duplicates", AtLeast(Viewer)),
    ("post", "/api/v1/contacts/{id}/merge", AtLeast(Manager)),
    ("get", "/api/v1/companies/{id}/duplicates", AtLeast(Viewer)),
    ("post", "/api/v1/companies/{id}/merge", AtLeast(Manager)),
    // The tag vocabulary is shared configuration: everyone reads it, managers change it.
    ("get", "/api/v1/tags", AtLeast(Viewer)),
    ("patch", "/api/v1/tags/{name}", AtLeast(Manager)),
    ("delete", "/api/v1/tags/{name}", AtLeast(Manager)),
    ("get", "/api/v1/pipelines", AtLeast(Viewer)),
    ("post", "/api/v1/pipelines", AtLeast(Manager)),
    ("get", "/api/v1/pipelines/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/pipelines/{id}", AtLeast(Manager)),
    ("delete", "/api/v1/pipelines/{id}", AtLeast(Manager)),
    ("post", "/api/v1/pipelines/{id}/restore", AtLeast(Manager)),
    ("post", "/api/v1/pipelines/search", AtLeast(Viewer)),
    ("get", "/api/v1/custom-fields", AtLeast(Viewer)),
    ("post", "/api/v1/custom-fields", AtLeast(Manager)),
    ("get", "/api/v1/custom-fields/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/custom-fields/{id}", AtLeast(Manager)),
    ("delete", "/api/v1/custom-fields/{id}", AtLeast(Manager)),
    (
        "post",
        "/api/v1/custom-fields/{id}/restore",
        AtLeast(Manager),
    ),
    ("post", "/api/v1/custom-fields/search", AtLeast(Viewer)),
    ("get", "/api/v1/custom-fields/export", AtLeast(Manager)),
    ("post", "/api/v1/custom-fields/batch", AtLeast(Viewer)),
    (
        "post",
        "/api/v1/pipelines/{id}/stages/{stage_id}/remove",
        AtLeast(Manager),
    ),
    ("get", "/api/v1/pipelines/{id}/board", AtLeast(Viewer)),
    ("get", "/api/v1/deals", AtLeast(Viewer)),
    ("post", "/api/v1/deals", AtLeast(Member)),
    ("get", "/api/v1/deals/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/deals/{id}", AtLeast(Member)),
    ("delete", "/api/v1/deals/{id}", AtLeast(Member)),
    ("post", "/api/v1/deals/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/deals/search", AtLeast(Viewer)),
    ("post", "/api/v1/deals/{id}/move", AtLeast(Member)),
    ("get", "/api/v1/deals/{id}/stage-history", AtLeast(Viewer)),
    ("get", "/api/v1/leads", AtLeast(Viewer)),
    ("post", "/api/v1/leads", AtLeast(Member)),
    ("get", "/api/v1/leads/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/leads/{id}", AtLeast(Member)),
    ("delete", "/api/v1/leads/{id}", AtLeast(Member)),
    ("post", "/api/v1/leads/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/leads/search", AtLeast(Viewer)),
    ("post", "/api/v1/leads/{id}/convert", AtLeast(Member)),
    ("get", "/api/v1/activities", AtLeast(Viewer)),
    ("post", "/api/v1/activities", AtLeast(Member)),
    ("get", "/api/v1/activities/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/activities/{id}", AtLeast(Member)),
    ("delete", "/api/v1/activities/{id}", AtLeast(Member)),
    ("post", "/api/v1/activities/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/activities/search", AtLeast(Viewer)),
    ("get", "/api/v1/contacts/{id}/timeline", AtLeast(Viewer)),
    ("get", "/api/v1/companies/{id}/timeline", AtLeast(Viewer)),
    ("get", "/api/v1/deals/{id}/timeline", AtLeast(Viewer)),
    ("get", "/api/v1/leads/{id}/timeline", AtLeast(Viewer)),
    ("get", "/api/v1/projects/{id}/timeline", AtLeast(Viewer)),
    ("get", "/api/v1/reports/pipeline", AtLeast(Viewer)),
    ("get", "/api/v1/reports/won-lost", AtLeast(Viewer)),
    ("get", "/api/v1/reports/activities", AtLeast(Viewer)),
    ("get", "/api/v1/tasks", AtLeast(Viewer)),
    ("post", "/api/v1/tasks", AtLeast(Member)),
    ("get", "/api/v1/tasks/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/tasks/{id}", AtLeast(Member)),
    ("delete", "/api/v1/tasks/{id}", AtLeast(Member)),
    ("post", "/api/v1/tasks/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/tasks/search", AtLeast(Viewer)),
    ("get", "/api/v1/appointments", AtLeast(Viewer)),
    ("post", "/api/v1/appointments", AtLeast(Member)),
    ("get", "/api/v1/appointments/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/appointments/{id}", AtLeast(Member)),
    ("delete", "/api/v1/appointments/{id}", AtLeast(Member)),
    ("post", "/api/v1/appointments/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/appointments/search", AtLeast(Viewer)),
    ("get", "/api/v1/projects", AtLeast(Viewer)),
    ("post", "/api/v1/projects", AtLeast(Member)),
    ("get", "/api/v1/projects/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/projects/{id}", AtLeast(Member)),
    ("delete", "/api/v1/projects/{id}", AtLeast(Member)),
    ("post", "/api/v1/projects/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/projects/search", AtLeast(Viewer)),
    (
        "post",
        "/api/v1/projects/{id}/milestones/{milestone_id}/complete",
        AtLeast(Member),
    ),
    ("get", "/api/v1/projects/{id}/export", AtLeast(Viewer)),
    ("get", "/api/v1/documents", AtLeast(Viewer)),
    ("post", "/api/v1/documents", AtLeast(Member)),
    ("get", "/api/v1/documents/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/documents/{id}", AtLeast(Member)),
    ("delete", "/api/v1/documents/{id}", AtLeast(Member)),
    ("post", "/api/v1/documents/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/documents/search", AtLeast(Viewer)),
    ("get", "/api/v1/documents/{id}/content", AtLeast(Viewer)),
    ("get", "/api/v1/imports", AtLeast(Manager)),
    ("post", "/api/v1/imports", AtLeast(Manager)),
    ("get", "/api/v1/imports/{id}", AtLeast(Manager)),
    ("post", "/api/v1/imports/{id}/start", AtLeast(Manager)),
    ("post", "/api/v1/imports/{id}/cancel", AtLeast(Manager)),
    ("get", "/api/v1/imports/{id}/errors", AtLeast(Manager)),
    // A member's own feed token, like their API tokens.
    ("post", "/api/v1/calendar/token", AtLeast(Viewer)),
    ("delete", "/api/v1/calendar/token", AtLeast(Viewer)),
    // The feed itself: the token in the address is the credential (`{feed}` is `<token>.ics`).
    ("get", "/calendar/{feed}", Public),
    ("get", "/api/v1/cases", AtLeast(Viewer)),
    ("post", "/api/v1/cases", AtLeast(Member)),
    ("get", "/api/v1/cases/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/cases/{id}", AtLeast(Member)),
    ("delete", "/api/v1/cases/{id}", AtLeast(Member)),
    ("post", "/api/v1/cases/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/cases/search", AtLeast(Viewer)),
    ("get", "/api/v1/campaigns", AtLeast(Viewer)),
    ("post", "/api/v1/campaigns", AtLeast(Member)),
    ("get", "/api/v1/campaigns/{id}", AtLeast(Viewer)),
    ("patch", "/api/v1/campaigns/{id}", AtLeast(Member)),
    ("delete", "/api/v1/campaigns/{id}", AtLeast(Member)),
    ("post", "/api/v1/campaigns/{id}/restore", AtLeast(Member)),
    ("post", "/api/v1/campaigns/search", AtLeast(Viewer)),
    ("get", "/api/v1/campaigns/{id}/members", AtLeast(Viewer)),
    ("post", "/api/v1/campaigns/{id}/members", AtLeast(Member)),
    (
        "delete",
        "/api/v1/campaigns/{id}/members/{type}/{member_id}",
        AtLeast(Member),
    ),
    ("get", "/api/v1/campaigns/{id}/deals", AtLeast(Viewer)),
    (
        "put",
        "/api/v1/campaigns/{id}/deals/{deal_id}",
        AtLeast(Member),
    ),
    (
        "delete",
        "/api/v1/campaigns/{id}/deals/{deal_id}",
        AtLeast(Member),
    ),
    ("get", "/api/v1/contacts/export", AtLeast(Manager)),
    ("get", "/api/v1/companies/export", AtLeast(Manager)),
    ("get", "/api/v1/pipelines/export", AtLeast(Manager)),
    ("get", "/api/v1/deals/export", AtLeast(Manager)),
    ("get", "/api/v1/leads/export", AtLeast(Manager)),
    ("get", "/api/v1/activities/export", AtLeast(Manager)),
    ("get", "/api/v1/tasks/export", AtLeast(Manager)),
    ("get", "/api/v1/appointments/export", AtLeast(Manager)),
    ("get", "/api/v1/cases/export", AtLeast(Manager)),
    ("get", "/api/v1/campaigns/export", AtLeast(Manager)),
    ("get", "/api/v1/projects/export", AtLeast(Manager)),
    ("post", "/api/v1/contacts/batch", AtLeast(Viewer)),
    ("post", "/api/v1/companies/batch", AtLeast(Viewer)),
    ("post", "/api/v1/pipelines/batch", AtLeast(Viewer)),
    ("post", "/api/v1/deals/batch", AtLeast(Viewer)),
    ("post", "/api/v1/leads/batch", AtLeast(Viewer)),
    ("post", "/api/v1/activities/batch", AtLeast(Viewer)),
    ("post", "/api/v1/tasks/batch", AtLeast(Viewer)),
    ("post", "/api/v1/appointments/batch", AtLeast(Viewer)),
    ("post", "/api/v1/cases/batch", AtLeast(Viewer)),
    ("post", "/api/v1/campaigns/batch", AtLeast(Viewer)),
    ("post", "/api/v1/projects/batch", AtLeast(Viewer)),
    ("get", "/api/v1/contacts/{id}/associations", AtLeast(Viewer)),
    (
        "get",
        "/api/v1/contacts/{id}/associations/{other_object}",
        AtLeast(Viewer),
    ),
    (
        "get",
        "/api/v1/contacts/{id}/associations/{other_object}/{other_id}",
        AtLeast(Viewer),
    ),
    (
        "put",
        "/api/v1/contacts/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    (
        "delete",
        "/api/v1/contacts/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    (
        "get",
        "/api/v1/companies/{id}/associations",
        AtLeast(Viewer),
    ),
    (
        "get",
        "/api/v1/companies/{id}/associations/{other_object}",
        AtLeast(Viewer),
    ),
    (
        "get",
        "/api/v1/companies/{id}/associations/{other_object}/{other_id}",
        AtLeast(Viewer),
    ),
    (
        "put",
        "/api/v1/companies/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    (
        "delete",
        "/api/v1/companies/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    ("get", "/api/v1/deals/{id}/associations", AtLeast(Viewer)),
    (
        "get",
        "/api/v1/deals/{id}/associations/{other_object}",
        AtLeast(Viewer),
    ),
    (
        "get",
        "/api/v1/deals/{id}/associations/{other_object}/{other_id}",
        AtLeast(Viewer),
    ),
    (
        "put",
        "/api/v1/deals/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    (
        "delete",
        "/api/v1/deals/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    ("get", "/api/v1/leads/{id}/associations", AtLeast(Viewer)),
    (
        "get",
        "/api/v1/leads/{id}/associations/{other_object}",
        AtLeast(Viewer),
    ),
    (
        "get",
        "/api/v1/leads/{id}/associations/{other_object}/{other_id}",
        AtLeast(Viewer),
    ),
    (
        "put",
        "/api/v1/leads/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    (
        "delete",
        "/api/v1/leads/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    ("get", "/api/v1/cases/{id}/associations", AtLeast(Viewer)),
    (
        "get",
        "/api/v1/cases/{id}/associations/{other_object}",
        AtLeast(Viewer),
    ),
    (
        "get",
        "/api/v1/cases/{id}/associations/{other_object}/{other_id}",
        AtLeast(Viewer),
    ),
    (
        "put",
        "/api/v1/cases/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    (
        "delete",
        "/api/v1/cases/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    ("get", "/api/v1/projects/{id}/associations", AtLeast(Viewer)),
    (
        "get",
        "/api/v1/projects/{id}/associations/{other_object}",
        AtLeast(Viewer),
    ),
    (
        "get",
        "/api/v1/projects/{id}/associations/{other_object}/{other_id}",
        AtLeast(Viewer),
    ),
    (
        "put",
        "/api/v1/projects/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    (
        "delete",
        "/api/v1/projects/{id}/associations/{other_object}/{other_id}",
        AtLeast(Member),
    ),
    ("get", "/api/v1/schema", AtLeast(Viewer)),
    ("get", "/api/v1/search", AtLeast(Viewer)),
    ("post", "/api/v1/auth/login", Public),
    ("post", "/api/v1/auth/logout", AtLeast(Viewer)),
    ("post", "/api/v1/auth/logout-everywhere", AtLeast(Viewer)),
    ("get", "/api/v1/auth/session", AtLeast(Viewer)),
    ("post", "/api/v1/auth/password", SessionOnly),
    ("post", "/api/v1/auth/mfa/totp", SessionOnly),
    ("post", "/api/v1/auth/mfa/totp/confirm", AtLeast(Viewer)),
    ("post", "/api/v1/auth/mfa/totp/disable", SessionOnly),
    ("get", "/api/v1/settings", AtLeast(Viewer)),
    ("post", "/api/v1/auth/passkeys/register/start", SessionOnly),
    (
        "post",
        "/api/v1/auth/passkeys/register/finish",
        AtLeast(Viewer),
    ),
    ("get", "/api/v1/auth/passkeys", AtLeast(Viewer)),
    ("patch", "/api/v1/auth/passkeys/{id}", AtLeast(Viewer)),
    ("post", "/api/v1/auth/passkeys/{id}/remove", SessionOnly),
    ("post", "/api/v1/auth/passkeys/login/start", Public),
    ("post", "/api/v1/auth/passkeys/login/finish", Public),
    ("get", "/api/v1/roles", AtLeast(Viewer)),
    ("put", "/api/v1/roles/{name}", AtLeast(Admin)),
    ("delete", "/api/v1/roles/{name}", AtLeast(Admin)),
    ("get", "/api/v1/teams", AtLeast(Viewer)),
    ("post", "/api/v1/teams", AtLeast(Admin)),
    ("delete", "/api/v1/teams/{id}", AtLeast(Admin)),
    (
        "put",
        "/api/v1/teams/{id}/members/{user_id}",
        AtLeast(Admin),
    ),
    (
        "delete",
        "/api/v1/teams/{id}/members/{user_id}",
        AtLeast(Admin),
    ),
    ("get", "/api/v1/auth/oidc/{provider}/start", Public),
    ("get", "/api/v1/auth/oidc/{provider}/callback", Public),
    ("patch", "/api/v1/settings", AtLeast(Admin)),
    ("post", "/api/v1/setup", Public),
    ("post", "/api/v1/invitations", AtLeast(Admin)),
    ("post", "/api/v1/invitations/accept", Public),
    ("post", "/api/v1/auth/password-reset", Public),
    ("post", "/api/v1/auth/password-reset/complete", Public),
    ("post", "/api/v1/auth/email-change", SessionOnly),
    ("post", "/api/v1/auth/email-change/confirm", Public),
    ("get", "/api/v1/tokens", AtLeast(Viewer)),
    ("post", "/api/v1/tokens", AtLeast(Viewer)),
    ("delete", "/api/v1/tokens/{id}", AtLeast(Viewer)),
    ("get", "/api/v1/members", AtLeast(Viewer)),
    ("patch", "/api/v1/members/{user_id}", AtLeast(Admin)),
    ("delete", "/api/v1/members/{user_id}", AtLeast(Admin)),
    ("get", "/api/v1/audit", AtLeast(Admin)),
    ("get", "/api/v1/audit/export", AtLeast(Admin)),
    ("get", "/livez", Public),
    ("get", "/readyz", Public),
    ("get", "/healthz", Public),
    ("get", "/metrics", AtLeast(Admin)),
    ("get", "/problems/{type}", Public),
];

/// A body that passes parsing, so the answer shows the authorisation decision, not a 422.
fn body_for(method: &str, path: &str) -> Option<Value> {
    Some(match (method, path) {
        ("post", p) if p.ends_with("/search") && p != "/api/v1/search" => json!({}),
        // A batch authorises each item: a well-formed empty-handed one reaches that check.
        ("put", p) if p.contains("/associations/") => json!({ "label": "matrix" }),
        ("post", p) if p.ends_with("/batch") => {
            json!({ "delete": [uuid::Uuid::now_v7().to_string()] })
        }
        ("post", "/api/v1/contacts") => json!({ "first_name": "Matrix" }),
        ("post", "/api/v1/companies") => json!({ "name": "Matrix Ltd" }),
        ("post", "/api/v1/pipelines") => json!({ "name": "Matrix", "stages": [{ "name": "A" }] }),
        // A fresh key each time: a second role's create must not meet the first one's key.
        ("post", "/api/v1/custom-fields") => json!({
            "object": "contacts", "key": format!("m{}", uuid::Uuid::now_v7().simple()),
            "label": "Matrix", "type": "text"
        }),
        ("post", "/api/v1/deals") => {
            json!({ "name": "Matrix", "pipeline_id": uuid::Uuid::now_v7().to_string() })
        }
        ("post", "/api/v1/deals/{id}/move") => {
            json!({ "stage_id": uuid::Uuid::now_v7().to_string() })
        }
        ("post", "/api/v1/pipelines/{id}/stages/{stage_id}/remove") => json!({}),
        ("post", "/api/v1/leads") => json!({ "last_name": "Matrix" }),
        ("post", "/api/v1/activities") => json!({ "kind": "note" }),
        ("post", "/api/v1/leads/{id}/convert") => json!({}),
        ("post", "/api/v1/contacts/{id}/merge" | "/api/v1/companies/{id}/merge") => {
            json!({ "other_id": uuid::Uuid::now_v7().to_string() })
        }
        ("patch", "/api/v1/tags/{name}") => json!({ "name": "renamed" }),
        ("post", "/api/v1/tasks") => json!({ "title": "Matrix task" }),
        ("patch", "/api/v1/tasks/{id}") => json!({ "title": "Changed" }),
        ("post", "/api/v1/appointments") => json!({
            "title": "Matrix meeting", "starts_at": "2026-11-23T09:00:00Z",
            "ends_at": "2026-11-23T10:00:00Z", "time_zone": "Europe/Paris",
        }),
        ("patch", "/api/v1/appointments/{id}") => json!({ "title": "Changed" }),
        ("post", "/api/v1/cases") => json!({ "subject": "Matrix case" }),
        ("post", "/api/v1/campaigns") => json!({ "name": "Matrix campaign" }),
        ("post", "/api/v1/campaigns/{id}/members") => json!({
            "members": [{ "type": "contacts", "id": "0190c7a6-0000-7000-8000-000000000001" }]
        }),
        ("post", "/api/v1/projects") => json!({ "name": "Matrix project" }),
        ("patch", "/api/v1/projects/{id}") => json!({ "name": "Changed" }),
        ("patch", "/api/v1/documents/{id}") => json!({ "name": "changed.txt" }),
        ("post", "/api/v1/imports/{id}/start") => json!({ "mapping": { "Email": "emails" } }),
        ("patch", _) if path.starts_with("/api/v1/members") => json!({ "role": "viewer" }),
        ("patch", "/api/v1/settings") => json!({ "require_mfa": false }),
        ("patch", "/api/v1/auth/passkeys/{id}") => json!({ "name": "renamed" }),
        ("post", "/api/v1/auth/passkeys/register/start") => {
            json!({ "current_password": "x", "name": "key" })
        }
        ("post", "/api/v1/auth/passkeys/{id}/remove") => json!({ "current_password": "x" }),
        (
            "post",
            "/api/v1/auth/passkeys/register/finish" | "/api/v1/auth/passkeys/login/finish",
        ) => {
            json!({ "ceremony_id": "unknown", "credential": {} })
        }
        ("post", "/api/v1/auth/passkeys/login/start") => json!({ "email": "x@example.com" }),
        ("put", "/api/v1/roles/{name}") => json!({ "objects": { "contacts": ["read"] } }),
        ("post", "/api/v1/teams") => json!({ "name": "Matrix team" }),
        ("post", "/api/v1/auth/mfa/totp" | "/api/v1/auth/mfa/totp/disable") => {
            json!({ "current_password": "x" })
        }
        ("post", "/api/v1/auth/mfa/totp/confirm") => json!({ "code": "123456" }),
        ("patch", _) => json!({ "first_name": "Changed" }),
        ("post", "/api/v1/auth/login") => {
            json!({ "email": "nobody@example.com", "password": "wrong wrong wrong" })
        }
        ("post", "/api/v1/auth/password") => {
            json!({ "current_password": "x", "new_password": "y" })
        }
        ("post", "/api/v1/setup") => json!({
            "token": "unknown", "email": "x@example.com",
            "password": "plum tree under the old bridge", "workspace": "X",
        }),
        ("post", "/api/v1/invitations") => json!({ "role": "viewer" }),
        ("post", "/api/v1/invitations/accept") => json!({
            "token": "unknown", "email": "x@example.com",
            "password": "plum tree under the old bridge",
        }),
        ("post", "/api/v1/tokens") => json!({ "name": "matrix", "scopes": ["read"] }),
        ("post", "/api/v1/auth/password-reset") => json!({ "email": "x@example.com" }),
        ("post", "/api/v1/auth/password-reset/complete") => {
            json!({ "token": "unknown", "password": "plum tree under the old bridge" })
        }
        ("post", "/api/v1/auth/email-change") => {
            json!({ "current_password": "x", "new_email": "y@example.com" })
        }
        ("post", "/api/v1/auth/email-change/confirm") => json!({ "token": "unknown" }),
        _ => return None,
    })
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.insert((method.clone(), path.clone()));
            }
        }
    }
    out
}

async fn send(
    app: &TestApp,
    method: &str,
    template: &str,
    path: &str,
    token: Option<&str>,
) -> TestResponse {
    let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
    let mut req = app.request(m, path);
    req = match token {
        Some(t) => req.bearer(t),
        None => req.anonymous(),
    };
    match body_for(method, template) {
        Some(b) => req.json(&b).send().await,
        None => req.send().await,
    }
}

/// Whether the answer is the one every route gives a caller without valid credentials (a
/// public route may still answer 401 for a wrong password or a dead link, with its own detail).
fn wants_credentials(res: &TestResponse) -> bool {
    let generic = match rapport_app::identity::unauthenticated() {
        rapport_app::AppError::Unauthenticated(detail) => detail,
        other => panic!("unexpected {other:?}"),
    };
    res.status == StatusCode::UNAUTHORIZED
        && serde_json::from_slice::<Value>(&res.body)
            .is_ok_and(|p| p["detail"].as_str() == Some(generic.as_str()))
}

fn fill(template: &str, id: &str, user: &str, member: &str) -> String {
    template
        // A campaign member is named by its object and id.
        .replace("/members/{type}/", "/members/contacts/")
        .replace("{member_id}", member)
        .replace("{other_object}", "contacts")
        .replace("{other_id}", member)
        .replace("{deal_id}", member)
        .replace("{id}", id)
        .replace("{user_id}", user)
        .replace("{stage_id}", id)
        .replace("{milestone_id}", id)
        .replace("{type}", "not-found")
        .replace("{name}", "matrix-role")
}

async fn every_route_answers_each_role_as_the_matrix_says(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = app.get("/api/openapi.json").await.json();
    let routes = documented(&doc);
    let listed: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = routes.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without a matrix entry: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&routes).collect();
    assert!(stale.is_empty(), "matrix entries for no route: {stale:?}");

    let mut callers: Vec<(Role, TestUser)> = vec![(Role::Owner, app.owner.clone())];
    for role in [Role::Admin, Role::Manager, Role::Member, Role::Viewer] {
        callers.push((role, app.member(role).await));
    }
    let victim = app.member(Role::Viewer).await;
    let mut wrong = Vec::new();
    for (method, template, allowed) in MATRIX {
        let path = fill(
            template,
            &uuid::Uuid::now_v7().to_string(),
            &victim.user_id.to_string(),
            &uuid::Uuid::now_v7().to_string(),
        );
        let anonymous = send(&app, method, template, &path, None).await;
        let anonymous_ok =
            !wants_credentials(&anonymous) && anonymous.status != StatusCode::FORBIDDEN;
        if anonymous_ok != matches!(allowed, Public) {
            wrong.push(format!(
                "{method} {template} anonymous: {} {}",
                anonymous.status,
                anonymous.text()
            ));
        }
        if !matches!(allowed, Public) && anonymous.status == StatusCode::UNAUTHORIZED {
            anonymous.problem(401, "unauthenticated");
        }
        for (role, caller) in &callers {
            let res = send(&app, method, template, &path, Some(&caller.token)).await;
            let expect_ok = match allowed {
                Public => true,
                AtLeast(least) => role <= least,
                SessionOnly => false,
            };
            let got_ok = !wants_credentials(&res) && res.status != StatusCode::FORBIDDEN;
            if got_ok != expect_ok || (!expect_ok && res.status != StatusCode::FORBIDDEN) {
                wrong.push(format!(
                    "{method} {template} as {role}: {} {}",
                    res.status,
                    res.text()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "unexpected answers:\n{}",
        wrong.join("\n")
    );
}

async fn another_workspace_gets_404_for_every_id_and_sees_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let company = app.create_company(json!({ "name": "Initech" })).await;
    let company_id = company["id"].as_str().expect("id").to_owned();
    let contact = app
        .create_contact(
            json!({ "first_name": "Peter", "company_id": company_id, "tags": [OUR_TAG] }),
        )
        .await;
    let contact_id = contact["id"].as_str().expect("id").to_owned();
    let pipeline = app
        .post(
            "/api/v1/pipelines",
            json!({ "name": "Sales", "stages": [{ "name": "A" }, { "name": "B" }] }),
        )
        .await
        .json();
    let pipeline_id = pipeline["id"].as_str().expect("id").to_owned();
    let stage_id = pipeline["stages"][0]["id"]
        .as_str()
        .expect("stage")
        .to_owned();
    let deal = app
        .post(
            "/api/v1/deals",
            json!({ "name": "Big", "pipeline_id": pipeline_id, "company_id": company_id }),
        )
        .await
        .json();
    let deal_id = deal["id"].as_str().expect("id").to_owned();
    let lead = app
        .post(
            "/api/v1/leads",
            json!({ "last_name": "Lead", "company_name": "Prospect" }),
        )
        .await
        .json();
    let lead_id = lead["id"].as_str().expect("id").to_owned();
    let activity = app
        .post(
            "/api/v1/activities",
            json!({ "kind": "note", "body": "Met at the fair",
                    "links": [{ "type": "deals", "id": deal_id }, { "type": "contacts", "id": contact_id }] }),
        )
        .await
        .json();
    let activity_id = activity["id"].as_str().expect("id").to_owned();
    let deal_before = app.get(&format!("/api/v1/deals/{deal_id}")).await.text();
    let task = app
        .post(
            "/api/v1/tasks",
            json!({ "title": "Call Peter", "record": { "type": "contacts", "id": contact_id } }),
        )
        .await
        .json();
    let task_id = task["id"].as_str().expect("task id").to_owned();
    let appointment = app
        .post(
            "/api/v1/appointments",
            json!({
                "title": "Meet Peter", "starts_at": "2026-11-23T09:00:00Z",
                "ends_at": "2026-11-23T10:00:00Z", "time_zone": "Europe/Paris",
                "attendees": { "contacts": [contact_id] },
            }),
        )
        .await
        .json();
    let appointment_id = appointment["id"]
        .as_str()
        .expect("appointment id")
        .to_owned();
    let case = app
        .post(
            "/api/v1/cases",
            json!({ "subject": "Jammed", "contact_id": contact_id }),
        )
        .await
        .json();
    let case_id = case["id"].as_str().expect("case id").to_owned();
    let campaign = app
        .post("/api/v1/campaigns", json!({ "name": "Launch" }))
        .await
        .json();
    let campaign_id = campaign["id"].as_str().expect("campaign id").to_owned();
    let res = app
        .post(
            &format!("/api/v1/campaigns/{campaign_id}/members"),
            json!({ "members": [{ "type": "contacts", "id": contact_id }] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let project = app
        .post(
            "/api/v1/projects",
            json!({ "name": "Rollout", "company_id": company_id, "deal_id": deal_id,
                    "milestones": [{ "title": "Kick-off", "due_on": "2026-01-05" }] }),
        )
        .await
        .json();
    let project_id = project["id"].as_str().expect("project id").to_owned();
    let milestone_id = project["milestones"][0]["id"]
        .as_str()
        .expect("milestone id")
        .to_owned();
    let document = app
        .request(
            Method::POST,
            &format!("/api/v1/documents?record_type=projects&record_id={project_id}&name=plan.txt"),
        )
        .body(b"the plan".to_vec())
        .send()
        .await
        .json();
    let document_id = document["id"].as_str().expect("document id").to_owned();
    let import = app
        .request(Method::POST, "/api/v1/imports?object=contacts")
        .body(b"Email\nana@example.com\n".to_vec())
        .send()
        .await
        .json();
    let import_id = import["id"].as_str().expect("import id").to_owned();
    let import_before = app
        .get(&format!("/api/v1/imports/{import_id}"))
        .await
        .text();
    let project_before = app
        .get(&format!("/api/v1/projects/{project_id}"))
        .await
        .text();
    let document_before = app
        .get(&format!("/api/v1/documents/{document_id}"))
        .await
        .text();
    let field = app
        .post(
            "/api/v1/custom-fields",
            json!({ "object": "contacts", "key": "tier", "label": "Tier", "type": "text" }),
        )
        .await
        .json();
    let field_id = field["id"].as_str().expect("custom field id").to_owned();
    let colleague = app.member(Role::Member).await;
    let tokens = app.get("/api/v1/tokens").await.json();
    let token_id = tokens["data"][0]["id"]
        .as_str()
        .expect("token id")
        .to_owned();
    let ours = [
        contact_id.clone(),
        company_id.clone(),
        task_id.clone(),
        appointment_id.clone(),
        colleague.user_id.to_string(),
        app.owner.user_id.to_string(),
        token_id.clone(),
        case_id.clone(),
        campaign_id.clone(),
        app.owner.workspace_id.to_string(),
        pipeline_id.clone(),
        stage_id.clone(),
        deal_id.clone(),
        lead_id.clone(),
        activity_id.clone(),
        project_id.clone(),
        milestone_id.clone(),
        document_id.clone(),
        OUR_TAG.to_owned(),
        import_id.clone(),
        field_id.clone(),
    ];
    let tasks_before = app.get(&format!("/api/v1/tasks/{task_id}")).await.text();
    let appointment_before = app
        .get(&format!("/api/v1/appointments/{appointment_id}"))
        .await
        .text();
    // What the owner sees of everything an intruder might touch.
    let watched = [
        format!("/api/v1/contacts/{contact_id}"),
        format!("/api/v1/companies/{company_id}"),
        format!("/api/v1/cases/{case_id}"),
        format!("/api/v1/campaigns/{campaign_id}"),
        format!("/api/v1/campaigns/{campaign_id}/members"),
        format!("/api/v1/campaigns/{campaign_id}/deals"),
        "/api/v1/members".to_owned(),
        "/api/v1/tags".to_owned(),
        format!("/api/v1/custom-fields/{field_id}"),
    ];
    let before = snapshot(&app, &watched).await;

    let intruder = app.other_workspace().await;
    let doc = app.get("/api/openapi.json").await.json();
    let mut wrong = Vec::new();
    for (method, template) in documented(&doc) {
        let id = if template.starts_with("/api/v1/companies") {
            company_id.as_str()
        } else if template.starts_with("/api/v1/tasks") {
            task_id.as_str()
        } else if template.starts_with("/api/v1/appointments") {
            appointment_id.as_str()
        } else if template.starts_with("/api/v1/tokens") {
            token_id.as_str()
        } else if template.starts_with("/api/v1/pipelines") {
            pipeline_id.as_str()
        } else if template.starts_with("/api/v1/deals") {
            deal_id.as_str()
        } else if template.starts_with("/api/v1/leads") {
            lead_id.as_str()
        } else if template.starts_with("/api/v1/activities") {
            activity_id.as_str()
        } else if template.starts_with("/api/v1/cases") {
            case_id.as_str()
        } else if template.starts_with("/api/v1/campaigns") {
            campaign_id.as_str()
        } else if template.starts_with("/api/v1/projects") {
            project_id.as_str()
        } else if template.starts_with("/api/v1/documents") {
            document_id.as_str()
        } else if template.starts_with("/api/v1/imports") {
            import_id.as_str()
        } else if template.starts_with("/api/v1/custom-fields") {
            field_id.as_str()
        } else {
            contact_id.as_str()
        };
        // A tag is named, not numbered: our tag's name stands in for an id.
        let path = fill(
            &template
                .replace("{stage_id}", &stage_id)
                .replace("{milestone_id}", &milestone_id)
                .replace("/tags/{name}", &format!("/tags/{OUR_TAG}")),
            id,
            &colleague.user_id.to_string(),
            &contact_id,
        );
        let res = send(&app, &method, &template, &path, Some(&intruder.token)).await;
        // The problem's `instance` echoes the requested path; everything else must not name us.
        let text = match serde_json::from_slice::<Value>(&res.body) {
            Ok(Value::Object(mut m)) => {
                m.remove("instance");
                Value::Object(m).to_string()
            }
            _ => res.text(),
        };
        let names_an_id = template.contains("{id}")
            || template.contains("{user_id}")
            || template.starts_with("/api/v1/tags/");
        // Session-only routes refuse any token before looking at the id.
        let session_only = MATRIX
            .iter()
            .any(|(m, p, a)| *m == method && *p == template && matches!(a, SessionOnly));
        let expected = if session_only {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NOT_FOUND
        };
        if names_an_id && res.status != expected {
            wrong.push(format!("{method} {template}: {} {text}", res.status));
        }
        if let Some(leak) = ours.iter().find(|o| text.contains(o.as_str())) {
            wrong.push(format!("{method} {template} leaks {leak}: {text}"));
        }
    }
    // Ids inside bodies: a contact in the other workspace cannot point at our company.
    let res = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&intruder.token)
        .json(&json!({ "first_name": "Mallory", "company_id": company_id }))
        .send()
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/company_id", "{p}");
    // Nor a deal at our pipeline and company.
    let res = app
        .request(Method::POST, "/api/v1/deals")
        .bearer(&intruder.token)
        .json(&json!({ "name": "Mallory", "pipeline_id": pipeline_id, "company_id": company_id }))
        .send()
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/pipeline_id", "{p}");
    assert_eq!(p["errors"][1]["pointer"], "/company_id", "{p}");
    let deal_after = app.get(&format!("/api/v1/deals/{deal_id}")).await.text();
    assert_eq!(
        deal_after, deal_before,
        "the intruder changed nothing of our deal"
    );
    // Nor log an activity on our deal.
    let res = app
        .request(Method::POST, "/api/v1/activities")
        .bearer(&intruder.token)
        .json(&json!({ "kind": "note", "links": [{ "type": "deals", "id": deal_id }] }))
        .send()
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/links/0/id", "{p}");
    let ours_lead = app.get(&format!("/api/v1/leads/{lead_id}")).await.json();
    assert_eq!(ours_lead["converted_at"], Value::Null, "{ours_lead}");
    assert!(
        wrong.is_empty(),
        "cross-workspace answers:\n{}",
        wrong.join("\n")
    );
    // Nothing of ours changed (the intruder's own writes went to its own workspace).
    assert_eq!(
        app.get(&format!("/api/v1/tasks/{task_id}")).await.text(),
        tasks_before
    );
    assert_eq!(
        app.get(&format!("/api/v1/appointments/{appointment_id}"))
            .await
            .text(),
        appointment_before
    );
    assert_eq!(snapshot(&app, &watched).await, before);
    // Nor attach a document to our project, nor reference it from theirs.
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/documents?record_type=projects&record_id={project_id}&name=x.txt"),
        )
        .bearer(&intruder.token)
        .body(b"x".to_vec())
        .send()
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/record_id", "{p}");
    let res = app
        .request(Method::POST, "/api/v1/projects")
        .bearer(&intruder.token)
        .json(
            &json!({ "name": "Mallory", "deal_id": deal_id, "milestones": [
            { "id": milestone_id, "title": "Stolen", "due_on": "2026-01-01" }
        ] }),
        )
        .send()
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/deal_id", "{p}");
    assert_eq!(
        app.get(&format!("/api/v1/projects/{project_id}"))
            .await
            .text(),
        project_before
    );
    assert_eq!(
        app.get(&format!("/api/v1/documents/{document_id}"))
            .await
            .text(),
        document_before
    );
    // The intruder could neither start nor cancel our import.
    assert_eq!(
        app.get(&format!("/api/v1/imports/{import_id}"))
            .await
            .text(),
        import_before
    );
    let ours_now = app.get("/api/v1/contacts").await.json();
    assert_eq!(ours_now["data"].as_array().map(Vec::len), Some(1));
}

/// A tag only our workspace's records carry.
const OUR_TAG: &str = "peter-key-account";

/// What the owner sees at each of `paths`.
async fn snapshot(app: &TestApp, paths: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        out.push(app.get(path).await.text());
    }
    out
}

both_backends!(
    every_route_answers_each_role_as_the_matrix_says,
    another_workspace_gets_404_for_every_id_and_sees_nothing,
);
