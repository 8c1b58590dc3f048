//! Custom roles, teams and record scopes through the API on both databases: per-object actions,
//! personal fields hidden (absent from answers, refused in filters, sorts, writes and search),
//! records reached by owner (own, team, all), and the rules for managing roles and teams.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, TestUser, both_backends};
use serde_json::{Value, json};

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

async fn define(app: &TestApp, name: &str, body: Value) {
    let res = app
        .request(Method::PUT, &format!("/api/v1/roles/{name}"))
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

async fn give(app: &TestApp, who: &TestUser, role: &str) {
    let res = app
        .patch(
            &format!("/api/v1/members/{}", who.user_id),
            json!({ "role": role }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["role"], role);
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

async fn a_custom_role_limits_actions_hides_personal_fields_and_reaches_own_records(b: Backend) {
    let app = TestApp::new(b).await;
    define(
        &app,
        "sales-rep",
        json!({
            "objects": { "contacts": ["read", "create", "update"], "companies": ["read"] },
            "pii_read": false,
            "record_scope": "own",
        }),
    )
    .await;
    let rep = app.member(Role::Member).await;
    give(&app, &rep, "sales-rep").await;
    let theirs = app
        .create_contact(
            json!({ "first_name": "Other", "emails": [{ "address": "other@example.com" }] }),
        )
        .await;
    let theirs_id = theirs["id"].as_str().expect("id").to_owned();

    // Creating: owned by the rep by default, personal fields absent from the answer.
    let res = as_user(
        &app,
        &rep,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({ "first_name": "Mine" })),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let mine = res.json();
    let mine_id = mine["id"].as_str().expect("id").to_owned();
    assert_eq!(mine["owner_id"], json!(rep.user_id.to_string()));
    assert!(
        mine.get("emails").is_none() && mine.get("notes").is_none(),
        "{mine}"
    );
    // Writing personal fields or handing the record to someone else is refused.
    as_user(
        &app,
        &rep,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({ "first_name": "X", "emails": [{ "address": "x@example.com" }] })),
    )
    .await
    .problem(403, "forbidden");
    let p = as_user(
        &app,
        &rep,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({ "first_name": "X", "owner_id": app.owner.user_id.to_string() })),
    )
    .await
    .problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/owner_id");

    // Reading: only their own records; others' answer as missing.
    let list = as_user(&app, &rep, Method::GET, "/api/v1/contacts", None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(ids(&list.json()), vec![mine_id.clone()]);
    as_user(
        &app,
        &rep,
        Method::GET,
        &format!("/api/v1/contacts/{theirs_id}"),
        None,
    )
    .await
    .problem(404, "not-found");
    as_user(
        &app,
        &rep,
        Method::PATCH,
        &format!("/api/v1/contacts/{theirs_id}"),
        Some(json!({ "title": "x" })),
    )
    .await
    .problem(404, "not-found");
    // A stale If-Match on someone else's record still answers 404, not 412.
    let res = app
        .request(Method::PATCH, &format!("/api/v1/contacts/{theirs_id}"))
        .bearer(&rep.token)
        .header("if-match", "\"999\"")
        .json(&json!({ "title": "x" }))
        .send()
        .await;
    res.problem(404, "not-found");
    // Erasing personal fields with null is writing them.
    as_user(
        &app,
        &rep,
        Method::PATCH,
        &format!("/api/v1/contacts/{mine_id}"),
        Some(json!({ "emails": null })),
    )
    .await
    .problem(403, "forbidden");
    let res = as_user(
        &app,
        &rep,
        Method::PATCH,
        &format!("/api/v1/contacts/{mine_id}"),
        Some(json!({ "title": "Buyer" })),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Personal fields cannot be filtered or sorted on either.
    as_user(
        &app,
        &rep,
        Method::GET,
        "/api/v1/contacts?filter=email%20eq%20%22other@example.com%22",
        None,
    )
    .await
    .problem(403, "forbidden");
    as_user(&app, &rep, Method::GET, "/api/v1/contacts?sort=email", None)
        .await
        .problem(403, "forbidden");
    // Actions the role lacks.
    as_user(
        &app,
        &rep,
        Method::DELETE,
        &format!("/api/v1/contacts/{mine_id}"),
        None,
    )
    .await
    .problem(403, "forbidden");
    as_user(
        &app,
        &rep,
        Method::POST,
        "/api/v1/companies",
        Some(json!({ "name": "Acme" })),
    )
    .await
    .problem(403, "forbidden");
    // Search leaves contacts out (it matches e-mail addresses and phones).
    as_user(
        &app,
        &rep,
        Method::GET,
        "/api/v1/search?q=other&types=contacts",
        None,
    )
    .await
    .problem(403, "forbidden");
    let found = as_user(&app, &rep, Method::GET, "/api/v1/search?q=other", None).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    assert_eq!(found.json()["data"], json!([]));
    // The session names the role; the owner still sees everything, personal fields included.
    let me = as_user(&app, &rep, Method::GET, "/api/v1/auth/session", None).await;
    assert_eq!(me.json()["role"], "sales-rep");
    // Invitations can carry a custom role.
    let inv = app
        .post("/api/v1/invitations", json!({ "role": "sales-rep" }))
        .await;
    assert_eq!(inv.status, StatusCode::CREATED, "{}", inv.text());
    let res = app
        .request(Method::POST, "/api/v1/invitations/accept")
        .anonymous()
        .json(&json!({
            "token": inv.json()["token"], "email": "new-rep@example.com",
            "password": "plum tree under the old bridge",
        }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let members = app.get("/api/v1/members").await.json();
    let roles: Vec<&str> = members["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|m| m["email"] == "new-rep@example.com")
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, ["sales-rep"]);
    app.post("/api/v1/invitations", json!({ "role": "no-such-role" }))
        .await
        .problem(422, "validation-failed");
    let all = app.get("/api/v1/contacts").await.json();
    assert_eq!(all["data"].as_array().map(Vec::len), Some(2));
    assert!(
        app.get(&format!("/api/v1/contacts/{theirs_id}"))
            .await
            .json()["emails"]
            .is_array()
    );
}

async fn a_team_scope_reaches_the_records_of_teammates(b: Backend) {
    let app = TestApp::new(b).await;
    define(
        &app,
        "team-lead",
        json!({ "objects": { "contacts": ["read", "update"] }, "pii_read": true, "record_scope": "team" }),
    )
    .await;
    let lead = app.member(Role::Member).await;
    let mate = app.member(Role::Member).await;
    let stranger = app.member(Role::Member).await;
    give(&app, &lead, "team-lead").await;
    let res = app.post("/api/v1/teams", json!({ "name": "North" })).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let team = res.json()["id"].as_str().expect("id").to_owned();
    for who in [&lead, &mate] {
        let res = app
            .request(
                Method::PUT,
                &format!("/api/v1/teams/{team}/members/{}", who.user_id),
            )
            .send()
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    }
    let owned_by = |who: &TestUser, name: &str| json!({ "first_name": name, "owner_id": who.user_id.to_string(), "emails": [{ "address": format!("{name}@example.com") }] });
    let mates = app.create_contact(owned_by(&mate, "mates")).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let strangers = app.create_contact(owned_by(&stranger, "strangers")).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let list = as_user(&app, &lead, Method::GET, "/api/v1/contacts", None)
        .await
        .json();
    assert_eq!(ids(&list), vec![mates.clone()]);
    // This role sees personal fields.
    assert_eq!(list["data"][0]["emails"][0]["address"], "mates@example.com");
    as_user(
        &app,
        &lead,
        Method::GET,
        &format!("/api/v1/contacts/{strangers}"),
        None,
    )
    .await
    .problem(404, "not-found");
    // Leaving the team takes the reach away on the next request.
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/teams/{team}/members/{}", mate.user_id),
        )
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    as_user(
        &app,
        &lead,
        Method::GET,
        &format!("/api/v1/contacts/{mates}"),
        None,
    )
    .await
    .problem(404, "not-found");
    let teams = app.get("/api/v1/teams").await.json();
    assert_eq!(
        teams["data"][0]["members"],
        json!([lead.user_id.to_string()])
    );
}

async fn roles_and_teams_are_managed_by_admins_within_rules(b: Backend) {
    let app = TestApp::new(b).await;
    let member = app.member(Role::Member).await;
    // Every problem of a definition is named.
    let res = app
        .request(Method::PUT, "/api/v1/roles/viewer")
        .json(&json!({ "objects": { "spaceships": ["read"], "contacts": ["fly"] }, "record_scope": "galaxy" }))
        .send()
        .await;
    let p = res.problem(422, "validation-failed");
    let pointers: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    assert_eq!(
        pointers,
        [
            "/name",
            "/objects/contacts/0",
            "/objects/spaceships",
            "/record_scope"
        ]
    );
    // Members cannot define roles or teams.
    as_user(
        &app,
        &member,
        Method::PUT,
        "/api/v1/roles/x",
        Some(json!({ "objects": {} })),
    )
    .await
    .problem(403, "forbidden");
    as_user(
        &app,
        &member,
        Method::POST,
        "/api/v1/teams",
        Some(json!({ "name": "T" })),
    )
    .await
    .problem(403, "forbidden");
    // An unknown role cannot be given; a held role cannot be deleted.
    app.patch(
        &format!("/api/v1/members/{}", member.user_id),
        json!({ "role": "nope" }),
    )
    .await
    .problem(422, "validation-failed");
    define(
        &app,
        "reader",
        json!({ "objects": { "contacts": ["read"] } }),
    )
    .await;
    give(&app, &member, "reader").await;
    let p = app
        .delete("/api/v1/roles/reader")
        .await
        .problem(409, "conflict");
    assert_eq!(p["code"], "role_in_use");
    give(&app, &member, "viewer").await;
    assert_eq!(
        app.delete("/api/v1/roles/reader").await.status,
        StatusCode::NO_CONTENT
    );
    app.delete("/api/v1/roles/reader")
        .await
        .problem(404, "not-found");
    // Team names are unique; strangers cannot be added.
    assert_eq!(
        app.post("/api/v1/teams", json!({ "name": "South" }))
            .await
            .status,
        StatusCode::CREATED
    );
    let p = app
        .post("/api/v1/teams", json!({ "name": "South" }))
        .await
        .problem(409, "conflict");
    assert_eq!(p["code"], "team_exists");
    let team = app.get("/api/v1/teams").await.json()["data"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let outsider = app.other_workspace().await;
    app.request(
        Method::PUT,
        &format!("/api/v1/teams/{team}/members/{}", outsider.user_id),
    )
    .send()
    .await
    .problem(422, "validation-failed");
    let events = app.get("/api/v1/audit?action=roles.").await.json();
    let actions: Vec<&str> = events["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["roles.delete", "roles.put"]);
}

both_backends!(
    a_custom_role_limits_actions_hides_personal_fields_and_reaches_own_records,
    a_team_scope_reaches_the_records_of_teammates,
    roles_and_teams_are_managed_by_admins_within_rules,
);
