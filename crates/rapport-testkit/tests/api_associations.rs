//! Associations and `expand=` through the HTTP API, on SQLite and PostgreSQL: labelled links
//! seen from both ends, only between records of the workspace, audited on the record they are
//! made from, and embedded one level deep on request.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{get_ok, id_of};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

async fn deal(app: &TestApp, company: Option<&Value>) -> Value {
    let p = app
        .post(
            "/api/v1/pipelines",
            json!({"name": "Sales", "stages": [{"name": "Open"}]}),
        )
        .await
        .json();
    let mut body = json!({"name": "Big deal", "pipeline_id": id_of(&p)});
    if let Some(c) = company {
        body["company_id"] = json!(id_of(c));
    }
    let res = app.post("/api/v1/deals", body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

async fn a_labelled_association_is_seen_from_both_ends(b: Backend) {
    let app = TestApp::new(b).await;
    let ana = app.create_contact(json!({"first_name": "Ana"})).await;
    let bo = app.create_contact(json!({"first_name": "Bo"})).await;
    let d = deal(&app, None).await;
    let path = format!(
        "/api/v1/deals/{}/associations/contacts/{}",
        id_of(&d),
        id_of(&ana)
    );
    let res = app
        .request(Method::PUT, &path)
        .json(&json!({"label": "decision_maker"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["label"], "decision_maker");
    let res = app
        .request(Method::PUT, &path)
        .json(&json!({"label": "champion"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "relabelled: {}", res.text());
    let res = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/deals/{}/associations/contacts/{}",
                id_of(&d),
                id_of(&bo)
            ),
        )
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let of_deal = get_ok(
        &app,
        &format!("/api/v1/deals/{}/associations/contacts", id_of(&d)),
    )
    .await;
    assert_eq!(of_deal["data"].as_array().map(Vec::len), Some(2));
    // From the contact's side, the same association with the same label.
    let of_ana = get_ok(
        &app,
        &format!("/api/v1/contacts/{}/associations", id_of(&ana)),
    )
    .await;
    assert_eq!(of_ana["data"][0]["type"], "deals", "{of_ana}");
    assert_eq!(of_ana["data"][0]["id"], json!(id_of(&d)));
    assert_eq!(of_ana["data"][0]["label"], "champion");
    assert_eq!(get_ok(&app, &path).await["label"], "champion");
    // The change is on the deal's timeline.
    let timeline = get_ok(&app, &format!("/api/v1/deals/{}/timeline", id_of(&d))).await;
    assert!(
        timeline["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|e| e["action"] == "associations.put"),
        "{timeline}"
    );
    // Removing it removes both ends.
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    app.get(&path).await.problem(404, "not-found");
    app.delete(&path).await.problem(404, "not-found");
    let of_ana = get_ok(
        &app,
        &format!("/api/v1/contacts/{}/associations", id_of(&ana)),
    )
    .await;
    assert_eq!(of_ana["data"], json!([]));
}

async fn expand_embeds_references_and_associations_one_level(b: Backend) {
    let app = TestApp::new(b).await;
    let acme = app.create_company(json!({"name": "Acme"})).await;
    let ana = app
        .create_contact(json!({"first_name": "Ana", "company_id": id_of(&acme)}))
        .await;
    let d = deal(&app, Some(&acme)).await;
    let res = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/deals/{}/associations/contacts/{}",
                id_of(&d),
                id_of(&ana)
            ),
        )
        .json(&json!({"label": "buyer"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let res = app
        .get(&format!(
            "/api/v1/deals/{}?expand=company,contacts,pipeline",
            id_of(&d)
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        res.header("etag"),
        None,
        "embedded records change on their own"
    );
    let body = res.json();
    assert_eq!(body["name"], "Big deal");
    assert_eq!(body["expanded"]["company"]["name"], "Acme");
    assert_eq!(body["expanded"]["pipeline"]["name"], "Sales");
    assert_eq!(body["expanded"]["contacts"][0]["first_name"], "Ana");
    assert_eq!(
        body["expanded"]["contacts"][0]["association_label"],
        "buyer"
    );
    let contact = get_ok(
        &app,
        &format!("/api/v1/contacts/{}?expand=company,deals", id_of(&ana)),
    )
    .await;
    assert_eq!(contact["expanded"]["company"]["name"], "Acme");
    assert_eq!(contact["expanded"]["deals"][0]["name"], "Big deal");
    // Nothing to follow is null, not an error; an unknown name is.
    let lone = app.create_contact(json!({"first_name": "Lone"})).await;
    let c = get_ok(
        &app,
        &format!("/api/v1/contacts/{}?expand=company", id_of(&lone)),
    )
    .await;
    assert_eq!(c["expanded"]["company"], Value::Null);
    let p = app
        .get(&format!("/api/v1/contacts/{}?expand=planets", id_of(&lone)))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "expand");
}

async fn associations_stay_inside_the_workspace_and_need_update_rights(b: Backend) {
    let app = TestApp::new(b).await;
    let ana = app.create_contact(json!({"first_name": "Ana"})).await;
    let acme = app.create_company(json!({"name": "Acme"})).await;
    let intruder = app.other_workspace().await;
    let theirs = app
        .request(Method::POST, "/api/v1/companies")
        .bearer(&intruder.token)
        .json(&json!({"name": "Elsewhere"}))
        .send()
        .await
        .json();
    let before = app.count_rows("associations").await;
    // Our contact with their company, and their company with our contact: both not found.
    app.request(
        Method::PUT,
        &format!(
            "/api/v1/contacts/{}/associations/companies/{}",
            id_of(&ana),
            id_of(&theirs)
        ),
    )
    .json(&json!({}))
    .send()
    .await
    .problem(404, "not-found");
    app.request(
        Method::PUT,
        &format!(
            "/api/v1/companies/{}/associations/contacts/{}",
            id_of(&theirs),
            id_of(&ana)
        ),
    )
    .bearer(&intruder.token)
    .json(&json!({}))
    .send()
    .await
    .problem(404, "not-found");
    // Bad bodies and objects.
    let path = format!(
        "/api/v1/contacts/{}/associations/companies/{}",
        id_of(&ana),
        id_of(&acme)
    );
    let p = app
        .request(Method::PUT, &path)
        .json(&json!({"label": 7, "weight": 2}))
        .send()
        .await
        .problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/weight");
    let unknown = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/contacts/{}/associations/planets/{}",
                id_of(&ana),
                id_of(&acme)
            ),
        )
        .json(&json!({}))
        .send()
        .await
        .problem(404, "not-found");
    // The answer says which objects take associations.
    let detail = unknown["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("'planets'") && detail.contains("companies"),
        "{detail}"
    );
    app.request(
        Method::PUT,
        &format!(
            "/api/v1/contacts/{}/associations/contacts/{}",
            id_of(&ana),
            id_of(&ana)
        ),
    )
    .json(&json!({}))
    .send()
    .await
    .problem(422, "validation-failed");
    let viewer = app.member(Role::Viewer).await;
    app.request(Method::PUT, &path)
        .bearer(&viewer.token)
        .json(&json!({}))
        .send()
        .await
        .problem(403, "forbidden");
    assert_eq!(app.count_rows("associations").await, before);
}

both_backends!(
    a_labelled_association_is_seen_from_both_ends,
    expand_embeds_references_and_associations_one_level,
    associations_stay_inside_the_workspace_and_need_update_rights,
);
