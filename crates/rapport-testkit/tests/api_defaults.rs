//! What a team gets without asking, through the HTTP API on SQLite and PostgreSQL: records owned
//! by their creator, `"me"` in writes, owners checked as members on every object, the default
//! sales pipeline of a new workspace, stage kinds and probabilities inferred, a warning for an
//! address another contact already has, and deals sorted by amount and close date.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{code_at, get_ok, id_of, ids, pointers};
use http::StatusCode;
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

/// Every object with an owner (or an assignee) and a body that creates one, given the ids
/// some of them need.
fn owned_objects(company: &str, pipeline: &str) -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("contacts", "owner_id", json!({"first_name": "Ana"})),
        ("companies", "owner_id", json!({"name": "Acme"})),
        (
            "deals",
            "owner_id",
            json!({"name": "Big one", "pipeline_id": pipeline}),
        ),
        ("leads", "owner_id", json!({"last_name": "Lovelace"})),
        (
            "activities",
            "owner_id",
            json!({"kind": "note", "body": "hello", "links": [{"type": "companies", "id": company}]}),
        ),
        (
            "appointments",
            "owner_id",
            json!({"title": "Demo", "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T11:00:00Z", "time_zone": "Europe/Paris"}),
        ),
        ("campaigns", "owner_id", json!({"name": "Spring"})),
        ("projects", "owner_id", json!({"name": "Rollout"})),
        ("tasks", "assignee_id", json!({"title": "Call back"})),
        ("cases", "assignee_id", json!({"subject": "Broken"})),
    ]
}

async fn default_pipeline(app: &TestApp) -> Value {
    let page = get_ok(app, "/api/v1/pipelines").await;
    let all = page["data"].as_array().expect("pipelines").clone();
    assert_eq!(all.len(), 1, "a new workspace has one pipeline: {page}");
    all[0].clone()
}

async fn records_belong_to_their_creator_and_owners_must_be_members(b: Backend) {
    let app = TestApp::new(b).await;
    let me = app.owner.user_id.to_string();
    let company = id_of(&app.create_company(json!({"name": "Linked"})).await);
    let pipeline = id_of(&default_pipeline(&app).await);
    let teammate = app.member(Role::Member).await;
    let intruder = app.other_workspace().await;
    let contact = id_of(
        &app.create_contact(json!({"first_name": "Not a user"}))
            .await,
    );
    for (object, field, body) in owned_objects(&company, &pipeline) {
        let path = format!("/api/v1/{object}");
        // Left out: the creator's (cases stay unassigned: a queue takes them).
        let res = app.post(&path, body.clone()).await;
        assert_eq!(res.status, StatusCode::CREATED, "{object}: {}", res.text());
        let created = res.json();
        let expected = if object == "cases" {
            Value::Null
        } else {
            json!(me)
        };
        assert_eq!(created[field], expected, "{object} {field}");
        // "me" stands for the caller, in a create and in a patch.
        let mut with_me = body.clone();
        with_me[field] = json!("me");
        let res = app.post(&path, with_me).await;
        assert_eq!(res.status, StatusCode::CREATED, "{object}: {}", res.text());
        assert_eq!(res.json()[field], json!(me), "{object} {field} me");
        // A teammate is accepted; "me" in a patch gives it back to the caller.
        let res = app
            .patch(
                &format!("{path}/{}", id_of(&created)),
                json!({ field: teammate.user_id.to_string() }),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{object}: {}", res.text());
        assert_eq!(res.json()[field], json!(teammate.user_id.to_string()));
        let res = app
            .patch(
                &format!("{path}/{}", id_of(&created)),
                json!({ field: "me" }),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{object}: {}", res.text());
        assert_eq!(res.json()[field], json!(me));
        // Another workspace's user, a contact's id and a non-id are refused, naming the field.
        let before = app.count_rows(object).await;
        for bad in [
            json!(intruder.user_id.to_string()),
            json!(contact.clone()),
            json!("nobody"),
        ] {
            let mut body = body.clone();
            body[field] = bad.clone();
            let res = app.post(&path, body).await;
            let problem = res.problem(422, "validation-failed");
            assert!(
                pointers(&problem).contains(&format!("/{field}")),
                "{object} {field} = {bad}: {problem}"
            );
        }
        assert_eq!(
            app.count_rows(object).await,
            before,
            "{object}: nothing written"
        );
    }
}

async fn a_bad_email_and_an_unknown_company_are_reported_together(b: Backend) {
    let app = TestApp::new(b).await;
    let intruder = app.other_workspace().await;
    let theirs = app
        .request(http::Method::POST, "/api/v1/companies")
        .bearer(&intruder.token)
        .json(&json!({"name": "Theirs"}))
        .send()
        .await
        .json();
    let before = app.count_rows("contacts").await;
    for body in [
        json!({"first_name": "Ana", "emails": [{"address": "not-an-email"}], "company_id": id_of(&theirs)}),
        // Without its only name, the rest does not stand alone: the reference is still named.
        json!({"emails": [{"address": "not-an-email"}], "company_id": id_of(&theirs)}),
    ] {
        let problem = app
            .post("/api/v1/contacts", body)
            .await
            .problem(422, "validation-failed");
        let mut found = pointers(&problem);
        found.sort();
        assert_eq!(found, ["/company_id", "/emails/0/address"], "{problem}");
        assert_eq!(code_at(&problem, "/company_id"), "not_found");
    }
    assert_eq!(app.count_rows("contacts").await, before);
}

async fn a_new_workspace_starts_with_a_sales_pipeline_that_can_change(b: Backend) {
    let app = TestApp::new(b).await;
    let p = default_pipeline(&app).await;
    assert_eq!(p["name"], "Sales");
    let stages: Vec<(String, i64, String)> = p["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("name").to_owned(),
                s["probability"].as_i64().expect("probability"),
                s["kind"].as_str().expect("kind").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, i64, String)> = [
        ("Qualification", 10, "open"),
        ("Proposal", 40, "open"),
        ("Negotiation", 70, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]
    .into_iter()
    .map(|(n, p, k)| (n.to_owned(), p, k.to_owned()))
    .collect();
    assert_eq!(stages, expected);
    // A deal can go into it at once, in its first stage.
    let deal = app
        .post(
            "/api/v1/deals",
            json!({"name": "First", "pipeline_id": id_of(&p)}),
        )
        .await;
    assert_eq!(deal.status, StatusCode::CREATED, "{}", deal.text());
    assert_eq!(deal.json()["stage_id"], p["stages"][0]["id"]);
    let at = format!("/api/v1/pipelines/{}", id_of(&p));
    let res = app.patch(&at, json!({"name": "New business"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["name"], "New business");
    // Removed once it holds no deal.
    let res = app
        .delete(&format!("/api/v1/deals/{}", id_of(&deal.json())))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    let res = app.delete(&at).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    let page = get_ok(&app, "/api/v1/pipelines").await;
    assert_eq!(ids(&page), Vec::<String>::new());
    // Another workspace gets its own.
    let intruder = app.other_workspace().await;
    let theirs = app
        .request(http::Method::GET, "/api/v1/pipelines")
        .bearer(&intruder.token)
        .send()
        .await
        .json();
    assert_eq!(theirs["data"][0]["name"], "Sales");
}

async fn stages_without_kind_or_probability_get_them_from_name_and_place(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .post(
            "/api/v1/pipelines",
            json!({"name": "Renewals", "stages": [
                {"name": "Contacted"}, {"name": "Quoted", "probability": 60}, {"name": "Agreed"},
                {"name": "Closed won"}, {"name": "Closed lost"}
            ]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let p = res.json();
    let got: Vec<(i64, &str)> = p["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            (
                s["probability"].as_i64().expect("p"),
                s["kind"].as_str().expect("k"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (25, "open"),
            (60, "open"),
            (75, "open"),
            (100, "won"),
            (0, "lost")
        ]
    );
    let before = app.count_rows("pipelines").await;
    let problem = app
        .post(
            "/api/v1/pipelines",
            json!({"name": "Odd", "stages": [{"name": "Start"}, {"name": "Won", "kind": "open"}]}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/stages/1/kind"]);
    assert_eq!(code_at(&problem, "/stages/1/kind"), "kind_mismatch");
    assert_eq!(app.count_rows("pipelines").await, before);
}

async fn a_shared_address_is_accepted_with_a_warning_and_found_as_a_duplicate(b: Backend) {
    let app = TestApp::new(b).await;
    let first = app
        .create_contact(json!({"first_name": "Ana", "emails": [{"address": "desk@example.com"}]}))
        .await;
    assert!(first.get("warnings").is_none(), "{first}");
    let res = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Bruno", "emails": [
                {"address": "bruno@example.com"}, {"address": "DESK@example.com"}
            ]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let second = res.json();
    assert_eq!(
        second["warnings"],
        json!([{
            "pointer": "/emails/1/address",
            "code": "shared_email",
            "message": second["warnings"][0]["message"],
            "existing_id": id_of(&first),
        }])
    );
    // Stored records carry no warnings; a patch that brings no new address warns of nothing.
    let read = get_ok(&app, &format!("/api/v1/contacts/{}", id_of(&second))).await;
    assert!(read.get("warnings").is_none(), "{read}");
    let res = app
        .patch(
            &format!("/api/v1/contacts/{}", id_of(&second)),
            json!({"title": "Reception"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.json().get("warnings").is_none());
    // A patch adding the address to a third contact warns.
    let third = app.create_contact(json!({"first_name": "Carla"})).await;
    let res = app
        .patch(
            &format!("/api/v1/contacts/{}", id_of(&third)),
            json!({"emails": [{"address": "desk@example.com"}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["warnings"][0]["code"], "shared_email");
    let dups = get_ok(
        &app,
        &format!("/api/v1/contacts/{}/duplicates", id_of(&first)),
    )
    .await;
    let text = dups.to_string();
    assert!(text.contains(&id_of(&second)), "{dups}");
    assert!(text.contains(&id_of(&third)), "{dups}");
}

async fn deals_sort_by_amount_and_expected_close_date_across_pages(b: Backend) {
    let app = TestApp::new(b).await;
    let pipeline = id_of(&default_pipeline(&app).await);
    let mut made = Vec::new();
    for (name, amount, close) in [
        ("a", Some("500.00"), Some("2027-03-01")),
        ("b", None, Some("2027-01-15")),
        ("c", Some("12000.00"), None),
        ("d", Some("75.50"), Some("2026-12-24")),
        ("e", None, None),
    ] {
        let mut body = json!({"name": name, "pipeline_id": pipeline});
        if let Some(a) = amount {
            body["amount"] = json!({"amount": a, "currency": "EUR"});
        }
        if let Some(c) = close {
            body["expected_close_date"] = json!(c);
        }
        let res = app.post("/api/v1/deals", body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        made.push((name, id_of(&res.json())));
    }
    let names = |ids: Vec<String>| -> Vec<&str> {
        ids.iter()
            .map(|id| made.iter().find(|(_, i)| i == id).expect("made").0)
            .collect()
    };
    // Two per page, so the cursor crosses deals with and without values.
    let all = |sort: &'static str| {
        let app = &app;
        async move {
            let mut out = Vec::new();
            let mut next = Some(format!("/api/v1/deals?limit=2&sort={sort}"));
            while let Some(path) = next {
                let res = app.get(&path).await;
                assert_eq!(res.status, StatusCode::OK, "{sort}: {}", res.text());
                out.extend(ids(&res.json()));
                next = common::next_link(&res);
            }
            out
        }
    };
    let by_amount = names(all("-amount").await);
    assert_eq!(&by_amount[..3], ["c", "a", "d"], "largest first");
    let mut rest = by_amount[3..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, ["b", "e"], "deals without an amount come last");
    let by_close = names(all("expected_close_date").await);
    assert_eq!(&by_close[..3], ["d", "b", "a"], "soonest first");
    let mut rest = by_close[3..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, ["c", "e"], "deals without a date come last");
}

both_backends!(
    records_belong_to_their_creator_and_owners_must_be_members,
    a_bad_email_and_an_unknown_company_are_reported_together,
    a_new_workspace_starts_with_a_sales_pipeline_that_can_change,
    stages_without_kind_or_probability_get_them_from_name_and_place,
    a_shared_address_is_accepted_with_a_warning_and_found_as_a_duplicate,
    deals_sort_by_amount_and_expected_close_date_across_pages,
);
