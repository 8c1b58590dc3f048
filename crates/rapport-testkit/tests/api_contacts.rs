//! Contacts through the HTTP API, on SQLite and PostgreSQL: create and read, validation that lists
//! every bad field and writes nothing, merge patches with ETags, soft delete and restore, lists
//! (sort, pagination, projection, totals), filters, `POST /contacts/search` and global search.

mod common;

use common::{
    Rows, code_at, enc, filter_ids, get_ok, id_of, ids, next_link, pointers, search, search_ids,
    sorted, tick,
};
use http::{Method, StatusCode};
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

const CONTACTS: &str = "/api/v1/contacts";

fn at(id: &str) -> String {
    format!("{CONTACTS}/{id}")
}

/// A contact with every kind of field filled in.
fn ana() -> Value {
    json!({
        "first_name": "Anastasia", "last_name": "Lima",
        "emails": [{"address": "ana@example.com", "label": "work"}],
        "phones": [{"number": "+33 6 12 34 56 78", "label": "mobile"}],
        "title": "CEO",
        "address": {"street": "1 rue de la Paix", "city": "Lyon", "country": "FR"},
        "lifecycle_stage": "lead",
        "tags": ["vip"],
        "notes": "met at the fair"
    })
}

/// Sends `PATCH` with an `If-Match` header.
async fn patch_if_match(
    app: &TestApp,
    id: &str,
    etag: &str,
    body: &Value,
) -> rapport_testkit::TestResponse {
    app.request(Method::PATCH, &at(id))
        .header("if-match", etag)
        .json(body)
        .send()
        .await
}

// ---------------------------------------------------------------------------------------------
// Create and read
// ---------------------------------------------------------------------------------------------

async fn create_answers_201_with_location_etag_and_normalised_fields(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .post(
            CONTACTS,
            json!({
                "first_name": "  Ana ", "last_name": "Lima",
                "emails": [{"address": "Ana.Lima@Example.COM", "label": "work"}, {"address": "ana@home.io"}],
                "phones": [{"number": "+33 6 12 34 56 78", "label": "mobile"}],
                "address": {"city": "Lyon", "country": "fr"},
                "lifecycle_stage": "Lead",
                "tags": ["vip", "VIP", " beta "]
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let c = res.json();
    let id = id_of(&c);
    let uuid = uuid::Uuid::parse_str(&id).unwrap_or_else(|e| panic!("id {id} is not a UUID: {e}"));
    assert_eq!(uuid.get_version_num(), 7, "ids are UUIDv7");
    assert_eq!(res.header("location"), Some(at(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(c["version"], 1);
    assert_eq!(c["first_name"], "Ana", "names are trimmed");
    assert_eq!(
        c["emails"],
        json!([
            {"address": "Ana.Lima@example.com", "label": "work", "primary": true},
            {"address": "ana@home.io", "label": null, "primary": false}
        ]),
        "domain lower-cased, local part kept, first address primary when none is marked"
    );
    assert_eq!(
        c["phones"],
        json!([{"number": "+33612345678", "label": "mobile"}])
    );
    assert_eq!(c["address"]["city"], "Lyon");
    assert_eq!(c["address"]["country"], "FR");
    assert_eq!(c["lifecycle_stage"], "lead");
    assert_eq!(
        c["tags"],
        json!(["vip", "beta"]),
        "tags trimmed and de-duplicated ignoring case"
    );
    let created = c["created_at"].as_str().unwrap_or_default();
    assert_eq!(
        created.len(),
        "2026-11-22T10:15:30.123Z".len(),
        "RFC 3339 with milliseconds: {created}"
    );
    assert!(created.ends_with('Z'), "UTC: {created}");
    assert_eq!(c["updated_at"], c["created_at"]);

    // The Location leads to the same record, with its ETag.
    let got = app.get(&at(&id)).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("etag"), Some("\"1\""));
    assert_eq!(got.json(), c);
    assert_eq!(
        app.count_rows("contact_channels").await,
        3,
        "two emails and a phone are indexed"
    );
}

async fn an_email_marked_primary_stays_the_only_primary(b: Backend) {
    let app = TestApp::new(b).await;
    let c = app
        .create_contact(
            json!({"emails": [{"address": "a@x.io"}, {"address": "b@x.io", "primary": true}]}),
        )
        .await;
    assert_eq!(c["emails"][0]["primary"], false);
    assert_eq!(c["emails"][1]["primary"], true);
    assert_eq!(c["first_name"], Value::Null);
}

async fn get_of_an_unknown_or_malformed_id_is_404_not_found(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_contact(ana()).await;
    let unknown = app
        .get(&at(&uuid::Uuid::now_v7().to_string()))
        .await
        .problem(404, "not-found");
    let malformed = app.get(&at("not-a-uuid")).await.problem(404, "not-found");
    assert_eq!(malformed["instance"], at("not-a-uuid"));
    assert_eq!(
        unknown["detail"], malformed["detail"],
        "a malformed id reads like a missing one"
    );
    app.get(&at("123")).await.problem(404, "not-found");
}

// ---------------------------------------------------------------------------------------------
// Validation: every bad field listed, nothing written
// ---------------------------------------------------------------------------------------------

async fn a_body_with_many_bad_fields_lists_every_one_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_contact(ana()).await;
    let before = Rows::count(&app).await;
    let p = app
        .post(
            CONTACTS,
            json!({
                "first_name": 3,
                "emails": [{"address": "nope"}],
                "phones": [{"number": "12"}],
                "company_id": "zzz",
                "lifecycle_stage": "king",
                "nickname": "A",
                "id": "x",
                "address": {"country": "ZZ", "planet": "Mars"},
                "tags": ["ok", 5]
            }),
        )
        .await
        .problem(422, "validation-failed");
    let expected = [
        ("/first_name", "invalid_type"),
        ("/emails/0/address", "invalid_format"),
        ("/phones/0/number", "invalid_format"),
        ("/company_id", "invalid_format"),
        ("/lifecycle_stage", "invalid_format"),
        ("/nickname", "unknown_field"),
        ("/id", "read_only"),
        ("/address/country", "unknown_code"),
        ("/address/planet", "unknown_field"),
        ("/tags/1", "invalid_type"),
    ];
    for (pointer, code) in expected {
        assert_eq!(code_at(&p, pointer), code, "code at {pointer}");
    }
    assert_eq!(
        sorted(pointers(&p)),
        sorted(expected.iter().map(|(p, _)| (*p).to_owned()).collect())
    );
    assert_eq!(p["detail"], "10 fields are invalid");
    for e in p["errors"].as_array().into_iter().flatten() {
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "every error explains itself: {e}"
        );
    }
    before.assert_unchanged(&app, "an invalid create").await;
}

async fn two_primary_emails_are_refused(b: Backend) {
    let app = TestApp::new(b).await;
    let before = Rows::count(&app).await;
    let p = app
        .post(
            CONTACTS,
            json!({"first_name": "Ana", "emails": [
                {"address": "a@x.io", "primary": true}, {"address": "b@x.io", "primary": true}
            ]}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/emails"]);
    assert_eq!(code_at(&p, "/emails"), "multiple_primary");
    before.assert_unchanged(&app, "two primaries").await;
}

async fn a_contact_without_name_or_email_is_refused_as_required(b: Backend) {
    let app = TestApp::new(b).await;
    let before = Rows::count(&app).await;
    for body in [
        json!({"title": "CEO", "phones": [{"number": "+33612345678"}]}),
        json!({}),
        json!({"first_name": "   "}),
    ] {
        let p = app
            .post(CONTACTS, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), ["/first_name"], "{body}");
        assert_eq!(code_at(&p, "/first_name"), "required");
    }
    before.assert_unchanged(&app, "an empty contact").await;
}

async fn a_company_id_naming_no_live_company_is_422_at_company_id(b: Backend) {
    let app = TestApp::new(b).await;
    let gone = app.create_company(json!({"name": "Gone Ltd"})).await;
    let gone_id = id_of(&gone);
    assert_eq!(
        app.delete(&format!("/api/v1/companies/{gone_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let before = Rows::count(&app).await;
    for company_id in [uuid::Uuid::now_v7().to_string(), gone_id] {
        let p = app
            .post(CONTACTS, json!({"first_name": "Ana", "emails": [{"address": "ana@x.io"}], "company_id": company_id}))
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), ["/company_id"]);
        assert_eq!(code_at(&p, "/company_id"), "not_found");
    }
    before
        .assert_unchanged(&app, "a contact of a missing company")
        .await;
}

async fn bodies_that_are_not_json_objects_are_refused_and_write_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let before = Rows::count(&app).await;
    let p = app
        .post(CONTACTS, json!([{"first_name": "Ana"}]))
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/"]);
    app.request(Method::POST, CONTACTS)
        .header("content-type", "application/json")
        .body("{\"first_name\": ")
        .send()
        .await
        .problem(400, "malformed-json");
    app.request(Method::POST, CONTACTS)
        .header("content-type", "text/plain")
        .body("{\"first_name\": \"Ana\"}")
        .send()
        .await
        .problem(415, "unsupported-media-type");
    before
        .assert_unchanged(&app, "a body that is not a JSON object")
        .await;
}

// ---------------------------------------------------------------------------------------------
// PATCH: JSON merge patch, versions and If-Match
// ---------------------------------------------------------------------------------------------

async fn patch_changes_only_the_given_fields_and_bumps_the_version(b: Backend) {
    let app = TestApp::new(b).await;
    let before = app.create_contact(ana()).await;
    let id = id_of(&before);
    tick().await;
    let res = app
        .patch(&at(&id), json!({"title": "CTO", "tags": ["vip", "board"]}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let after = res.json();
    assert_eq!(after["version"], 2);
    assert_eq!(after["title"], "CTO");
    assert_eq!(after["tags"], json!(["vip", "board"]));
    assert!(
        after["updated_at"].as_str() > before["updated_at"].as_str(),
        "updated_at moves on"
    );
    assert_eq!(after["created_at"], before["created_at"]);
    for untouched in [
        "first_name",
        "last_name",
        "emails",
        "phones",
        "address",
        "lifecycle_stage",
        "notes",
        "company_id",
    ] {
        assert_eq!(
            after[untouched], before[untouched],
            "{untouched} is not in the patch"
        );
    }
    let got = app.get(&at(&id)).await;
    assert_eq!(got.header("etag"), Some("\"2\""));
    assert_eq!(got.json(), after);
}

async fn patch_null_clears_a_field(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    let after = app
        .patch(
            &at(&id),
            json!({"title": null, "lifecycle_stage": null, "phones": null}),
        )
        .await
        .json();
    assert_eq!(after["title"], Value::Null);
    assert_eq!(after["lifecycle_stage"], Value::Null);
    assert_eq!(after["phones"], json!([]));
    assert_eq!(after["first_name"], "Anastasia");
    assert_eq!(after["version"], 2);
    // A cleared phone no longer matches a phone filter.
    assert!(
        filter_ids(&app, CONTACTS, r#"phone eq "+33612345678""#)
            .await
            .is_empty()
    );
    assert!(
        filter_ids(&app, CONTACTS, "title is_null")
            .await
            .contains(&id)
    );
}

async fn patch_merges_the_nested_address(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    let a = app
        .patch(
            &at(&id),
            json!({"address": {"city": "Paris", "postal_code": "75001"}}),
        )
        .await
        .json();
    assert_eq!(
        a["address"],
        json!({"street": "1 rue de la Paix", "city": "Paris", "region": null, "postal_code": "75001", "country": "FR"})
    );
    let a = app
        .patch(&at(&id), json!({"address": {"street": null}}))
        .await
        .json();
    assert_eq!(a["address"]["street"], Value::Null);
    assert_eq!(a["address"]["city"], "Paris");
    let a = app.patch(&at(&id), json!({"address": null})).await.json();
    assert_eq!(a["address"], Value::Null);
    assert_eq!(a["version"], 4);
}

async fn patch_with_an_unknown_read_only_or_invalid_field_is_422_and_changes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let before = app.create_contact(ana()).await;
    let id = id_of(&before);
    let rows = Rows::count(&app).await;
    let cases = [
        (json!({"nickname": "Ana"}), "/nickname", "unknown_field"),
        (json!({"version": 7}), "/version", "read_only"),
        (
            json!({"emails": [{"address": "nope"}]}),
            "/emails/0/address",
            "invalid_format",
        ),
        (
            json!({"first_name": null, "last_name": null, "emails": null}),
            "/first_name",
            "required",
        ),
        (
            json!({"company_id": uuid::Uuid::now_v7().to_string()}),
            "/company_id",
            "not_found",
        ),
    ];
    for (patch, pointer, code) in cases {
        let p = app
            .patch(&at(&id), patch.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{patch}");
        assert_eq!(code_at(&p, pointer), code);
    }
    let p = app
        .patch(&at(&id), json!(["not", "an", "object"]))
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/"]);
    let got = app.get(&at(&id)).await;
    assert_eq!(got.header("etag"), Some("\"1\""));
    assert_eq!(got.json(), before);
    rows.assert_unchanged(&app, "an invalid patch").await;
}

async fn patch_that_changes_nothing_keeps_the_version(b: Backend) {
    let app = TestApp::new(b).await;
    let before = app.create_contact(ana()).await;
    let id = id_of(&before);
    tick().await;
    for patch in [
        json!({}),
        json!({"first_name": "Anastasia"}),
        json!({"first_name": " Anastasia ", "address": {"country": "fr"}}),
    ] {
        let res = app.patch(&at(&id), patch.clone()).await;
        assert_eq!(res.status, StatusCode::OK, "{patch}: {}", res.text());
        assert_eq!(res.header("etag"), Some("\"1\""), "{patch}");
        assert_eq!(res.json(), before, "{patch}");
    }
}

async fn patch_with_the_current_if_match_applies(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    let res = patch_if_match(&app, &id, "\"1\"", &json!({"title": "CTO"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let res = patch_if_match(&app, &id, "W/\"2\"", &json!({"title": "CFO"})).await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "a weak tag of the current version matches: {}",
        res.text()
    );
    assert_eq!(res.json()["version"], 3);
}

async fn patch_with_a_stale_if_match_is_412_and_changes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    let current = app.patch(&at(&id), json!({"title": "CTO"})).await.json();
    let p = patch_if_match(&app, &id, "\"1\"", &json!({"title": "Intern"}))
        .await
        .problem(412, "precondition-failed");
    assert_eq!(p["current_version"], 2);
    patch_if_match(&app, &id, "\"abc\"", &json!({"title": "Intern"}))
        .await
        .problem(412, "precondition-failed");
    let got = app.get(&at(&id)).await;
    assert_eq!(got.header("etag"), Some("\"2\""));
    assert_eq!(got.json(), current);
}

async fn patch_with_if_match_star_applies_to_any_version(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    app.patch(&at(&id), json!({"title": "CTO"})).await;
    let res = patch_if_match(&app, &id, "*", &json!({"title": "CFO"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["title"], "CFO");
    assert_eq!(res.header("etag"), Some("\"3\""));
}

async fn patch_accepts_the_merge_patch_content_type(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    let res = app
        .request(Method::PATCH, &at(&id))
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"title": "Head of Sales", "address": {"city": "Nice"}}"#)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let c = res.json();
    assert_eq!(c["title"], "Head of Sales");
    assert_eq!(c["address"]["city"], "Nice");
    assert_eq!(c["address"]["street"], "1 rue de la Paix");
    app.request(Method::PATCH, &at(&id))
        .header("content-type", "text/plain")
        .body(r#"{"title": "x"}"#)
        .send()
        .await
        .problem(415, "unsupported-media-type");
}

async fn patch_of_an_unknown_contact_is_404(b: Backend) {
    let app = TestApp::new(b).await;
    app.patch(
        &at(&uuid::Uuid::now_v7().to_string()),
        json!({"title": "x"}),
    )
    .await
    .problem(404, "not-found");
    app.patch(&at("nope"), json!({"title": "x"}))
        .await
        .problem(404, "not-found");
}

// ---------------------------------------------------------------------------------------------
// Conditional GET
// ---------------------------------------------------------------------------------------------

async fn get_with_the_current_etag_is_304_and_an_old_one_is_200(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    let res = app
        .request(Method::GET, &at(&id))
        .header("if-none-match", "\"1\"")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert!(res.body.is_empty(), "304 has no body: {}", res.text());

    app.patch(&at(&id), json!({"title": "CTO"})).await;
    let res = app
        .request(Method::GET, &at(&id))
        .header("if-none-match", "\"1\"")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(res.json()["title"], "CTO");

    let res = app
        .request(Method::GET, &at(&id))
        .header("if-none-match", "\"7\", W/\"2\"")
        .send()
        .await;
    assert_eq!(
        res.status,
        StatusCode::NOT_MODIFIED,
        "any listed tag that is current matches"
    );
}

// ---------------------------------------------------------------------------------------------
// DELETE and restore
// ---------------------------------------------------------------------------------------------

async fn a_deleted_contact_leaves_get_lists_filters_and_search(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    let other = id_of(
        &app.create_contact(
            json!({"first_name": "Boris", "emails": [{"address": "boris@example.com"}]}),
        )
        .await,
    );
    assert_eq!(search_ids(&app, "anastasia").await, vec![id.clone()]);

    let res = app.delete(&at(&id)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert!(res.body.is_empty());

    app.get(&at(&id)).await.problem(404, "not-found");
    assert_eq!(ids(&get_ok(&app, CONTACTS).await), vec![other.clone()]);
    assert!(
        filter_ids(&app, CONTACTS, r#"email eq "ana@example.com""#)
            .await
            .is_empty()
    );
    assert!(search_ids(&app, "anastasia").await.is_empty());
    assert!(
        search_ids(&app, "example").await.iter().all(|i| *i != id),
        "not found by its email either"
    );
    app.patch(&at(&id), json!({"title": "x"}))
        .await
        .problem(404, "not-found");
    app.delete(&at(&id)).await.problem(404, "not-found");
    let page = get_ok(&app, &format!("{CONTACTS}?include_total=true")).await;
    assert_eq!(page["total"], 1);
}

async fn delete_with_a_stale_if_match_is_412_and_keeps_the_contact(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    app.patch(&at(&id), json!({"title": "CTO"})).await;
    let p = app
        .request(Method::DELETE, &at(&id))
        .header("if-match", "\"1\"")
        .send()
        .await
        .problem(412, "precondition-failed");
    assert_eq!(p["current_version"], 2);
    assert_eq!(app.get(&at(&id)).await.status, StatusCode::OK);
    assert_eq!(search_ids(&app, "anastasia").await, vec![id.clone()]);
    let res = app
        .request(Method::DELETE, &at(&id))
        .header("if-match", "\"2\"")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
}

async fn restore_brings_a_deleted_contact_back_with_a_new_version(b: Backend) {
    let app = TestApp::new(b).await;
    let created = app.create_contact(ana()).await;
    let id = id_of(&created);
    assert_eq!(app.delete(&at(&id)).await.status, StatusCode::NO_CONTENT);

    let res = app.post(&format!("{}/restore", at(&id)), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        res.header("etag"),
        Some("\"3\""),
        "delete and restore each bump the version"
    );
    let restored = res.json();
    assert_eq!(restored["version"], 3);
    for field in [
        "first_name",
        "emails",
        "phones",
        "address",
        "tags",
        "created_at",
    ] {
        assert_eq!(
            restored[field], created[field],
            "{field} survives delete and restore"
        );
    }
    assert_eq!(get_ok(&app, &at(&id)).await, restored);
    assert_eq!(ids(&get_ok(&app, CONTACTS).await), vec![id.clone()]);
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"email eq "ana@example.com""#).await,
        vec![id.clone()]
    );
    assert_eq!(search_ids(&app, "anastasia").await, vec![id.clone()]);

    // Restoring a live contact changes nothing; an unknown one is 404.
    let again = app.post(&format!("{}/restore", at(&id)), json!({})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["version"], 3);
    app.post(
        &format!("{}/restore", at(&uuid::Uuid::now_v7().to_string())),
        json!({}),
    )
    .await
    .problem(404, "not-found");
}

// ---------------------------------------------------------------------------------------------
// Lists: order, limit, pagination, sort, fields, totals
// ---------------------------------------------------------------------------------------------

/// Creates contacts named by `last_names` (first name "P<i>"), oldest first; returns their ids.
async fn people(app: &TestApp, last_names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, last) in last_names.iter().enumerate() {
        tick().await;
        out.push(id_of(
            &app.create_contact(json!({"first_name": format!("P{i}"), "last_name": last}))
                .await,
        ));
    }
    out
}

async fn the_list_is_newest_first_by_default(b: Backend) {
    let app = TestApp::new(b).await;
    let mut created = people(&app, &["Adams", "Brown", "Clark", "Davis"]).await;
    let res = app.get(CONTACTS).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("link"), None, "a single page has no next link");
    let page = res.json();
    created.reverse();
    assert_eq!(ids(&page), created);
    assert_eq!(page["next_cursor"], Value::Null);
    assert!(
        page.get("total").is_none(),
        "lists never count unless asked"
    );
}

async fn limit_must_be_a_whole_number_from_1_to_200(b: Backend) {
    let app = TestApp::new(b).await;
    people(&app, &["Adams", "Brown"]).await;
    for bad in ["0", "201", "abc", "-1", "1.5", ""] {
        let p = app
            .get(&format!("{CONTACTS}?limit={bad}"))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(p["parameter"], "limit", "limit={bad}");
    }
    assert_eq!(
        ids(&get_ok(&app, &format!("{CONTACTS}?limit=1")).await).len(),
        1
    );
    assert_eq!(
        ids(&get_ok(&app, &format!("{CONTACTS}?limit=200")).await).len(),
        2
    );
}

async fn pagination_follows_the_link_header_through_every_record_once(b: Backend) {
    let app = TestApp::new(b).await;
    let mut tagged = Vec::new();
    for i in 0..7 {
        tagged.push(id_of(
            &app.create_contact(json!({"first_name": format!("T{i}"), "tags": ["page"]}))
                .await,
        ));
        if i % 3 == 0 {
            app.create_contact(json!({"first_name": format!("U{i}")}))
                .await;
        }
    }
    tagged.reverse();
    let mut url = format!(
        "{CONTACTS}?limit=3&filter={}",
        enc(r#"tags contains "page""#)
    );
    let mut seen: Vec<String> = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let res = app.get(&url).await;
        assert_eq!(res.status, StatusCode::OK, "{url}: {}", res.text());
        let page = res.json();
        sizes.push(ids(&page).len());
        seen.extend(ids(&page));
        match next_link(&res) {
            Some(next) => {
                let cursor = page["next_cursor"]
                    .as_str()
                    .unwrap_or_else(|| panic!("Link without next_cursor: {page}"));
                assert!(next.starts_with(&format!("{CONTACTS}?")), "{next}");
                assert!(
                    next.ends_with(&format!("cursor={cursor}")),
                    "the link carries next_cursor: {next}"
                );
                assert!(
                    next.contains("limit=3"),
                    "the link keeps the other parameters: {next}"
                );
                url = next;
            }
            None => {
                assert_eq!(
                    page["next_cursor"],
                    Value::Null,
                    "no Link header only on the last page"
                );
                break;
            }
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, tagged, "each record exactly once, newest first");
}

async fn sort_by_last_name_orders_both_ways_and_pages_through_ties(b: Backend) {
    let app = TestApp::new(b).await;
    let created = people(&app, &["Moreau", "Blanc", "Dubois", "Blanc", "Arnaud"]).await;
    let last = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["last_name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let asc = get_ok(&app, &format!("{CONTACTS}?sort=last_name")).await;
    assert_eq!(last(&asc), ["Arnaud", "Blanc", "Blanc", "Dubois", "Moreau"]);
    let desc = get_ok(&app, &format!("{CONTACTS}?sort=-last_name")).await;
    assert_eq!(
        last(&desc),
        ["Moreau", "Dubois", "Blanc", "Blanc", "Arnaud"]
    );

    // Two at a time, the same order and every record once, ties included.
    let mut url = format!("{CONTACTS}?sort=last_name&limit=2");
    let mut seen = Vec::new();
    for _ in 0..5 {
        let res = app.get(&url).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        seen.extend(ids(&res.json()));
        match next_link(&res) {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(seen, ids(&asc));
    assert_eq!(sorted(seen), sorted(created));
}

async fn sort_by_updated_at_descending_then_last_name(b: Backend) {
    let app = TestApp::new(b).await;
    let created = people(&app, &["Adams", "Brown", "Clark", "Davis"]).await;
    for i in [2, 0] {
        tick().await;
        app.patch(&at(&created[i]), json!({"title": "touched"}))
            .await;
    }
    let expected = vec![
        created[0].clone(),
        created[2].clone(),
        created[3].clone(),
        created[1].clone(),
    ];
    let page = get_ok(
        &app,
        &format!("{CONTACTS}?sort={}", enc("-updated_at,last_name")),
    )
    .await;
    assert_eq!(ids(&page), expected);
    // The same order one record per page (mixed directions in the cursor).
    let mut url = format!("{CONTACTS}?limit=1&sort={}", enc("-updated_at,last_name"));
    let mut seen = Vec::new();
    for _ in 0..6 {
        let res = app.get(&url).await;
        seen.extend(ids(&res.json()));
        match next_link(&res) {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

async fn sort_on_an_unsortable_or_unknown_field_is_400_parameter_sort(b: Backend) {
    let app = TestApp::new(b).await;
    for bad in [
        "title",
        "nickname",
        "-",
        "last_name,last_name",
        "phone",
        "first_name,last_name,created_at,updated_at",
    ] {
        let p = app
            .get(&format!("{CONTACTS}?sort={}", enc(bad)))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(p["parameter"], "sort", "sort={bad}");
    }
    let p = app
        .get(&format!("{CONTACTS}?sort=title"))
        .await
        .problem(400, "invalid-parameter");
    assert!(
        p["detail"].as_str().unwrap_or("").contains("last_name"),
        "names the sortable fields: {p}"
    );
}

async fn a_cursor_only_works_with_its_own_sort(b: Backend) {
    let app = TestApp::new(b).await;
    people(&app, &["Adams", "Brown", "Clark"]).await;
    let page = get_ok(&app, &format!("{CONTACTS}?limit=1")).await;
    let cursor = page["next_cursor"]
        .as_str()
        .unwrap_or_else(|| panic!("a next cursor: {page}"))
        .to_owned();
    let p = app
        .get(&format!(
            "{CONTACTS}?limit=1&sort=last_name&cursor={cursor}"
        ))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "cursor");
    for garbage in [
        "!!!",
        "bm9wZQ",
        "eyJzIjoiLWNyZWF0ZWRfYXQiLCJ2IjpbXSwiaWQiOiIwIn0",
    ] {
        let p = app
            .get(&format!("{CONTACTS}?cursor={}", enc(garbage)))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(p["parameter"], "cursor", "cursor={garbage}");
    }
    let ok = app
        .get(&format!("{CONTACTS}?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "the same sort accepts it: {}",
        ok.text()
    );
}

async fn fields_returns_only_the_requested_keys(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_contact(ana()).await);
    let page = get_ok(&app, &format!("{CONTACTS}?fields=id,first_name")).await;
    assert_eq!(page["data"], json!([{"id": id, "first_name": "Anastasia"}]));
    let one = get_ok(&app, &format!("{}?fields=id,version", at(&id))).await;
    assert_eq!(one, json!({"id": id, "version": 1}));
    for bad in ["id,nickname", "email"] {
        let p = app
            .get(&format!("{CONTACTS}?fields={bad}"))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(p["parameter"], "fields", "fields={bad}");
    }
    app.get(&format!("{}?fields=nickname", at(&id)))
        .await
        .problem(400, "invalid-parameter");
}

async fn include_total_counts_every_matching_record(b: Backend) {
    let app = TestApp::new(b).await;
    for i in 0..5 {
        let stage = if i < 2 { "customer" } else { "lead" };
        app.create_contact(json!({"first_name": format!("C{i}"), "lifecycle_stage": stage}))
            .await;
    }
    let page = get_ok(&app, &format!("{CONTACTS}?limit=2&include_total=true")).await;
    assert_eq!(page["total"], 5);
    assert_eq!(ids(&page).len(), 2);
    let url = format!(
        "{CONTACTS}?limit=1&include_total=true&filter={}",
        enc(r#"lifecycle_stage eq "customer""#)
    );
    assert_eq!(get_ok(&app, &url).await["total"], 2);
    let page = get_ok(&app, &format!("{CONTACTS}?include_total=false")).await;
    assert!(page.get("total").is_none(), "{page}");
}

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

async fn email_filter_matches_any_address_of_a_contact_ignoring_case(b: Backend) {
    let app = TestApp::new(b).await;
    let ana = id_of(
        &app.create_contact(json!({"first_name": "Ana", "emails": [
            {"address": "ana@example.com"}, {"address": "Ana.Work@Corp.io"}
        ]}))
        .await,
    );
    let bob = id_of(
        &app.create_contact(
            json!({"first_name": "Bob", "emails": [{"address": "bob@example.com"}]}),
        )
        .await,
    );
    let nobody = id_of(&app.create_contact(json!({"first_name": "Nobody"})).await);
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"email eq "ana@example.com""#).await,
        vec![ana.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"email eq "ANA.WORK@corp.IO""#).await,
        vec![ana.clone()],
        "a secondary address, any case"
    );
    assert_eq!(
        sorted(
            filter_ids(
                &app,
                CONTACTS,
                r#"email in ("bob@example.com", "ana.work@corp.io")"#
            )
            .await
        ),
        sorted(vec![ana.clone(), bob.clone()])
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"email starts_with "BOB@""#).await,
        vec![bob.clone()]
    );
    assert_eq!(filter_ids(&app, CONTACTS, "email is_null").await, [nobody]);
    assert!(
        filter_ids(&app, CONTACTS, r#"email eq "ana@""#)
            .await
            .is_empty()
    );
}

async fn phone_filter_matches_the_e164_form_whatever_the_spacing(b: Backend) {
    let app = TestApp::new(b).await;
    let ana = id_of(&app.create_contact(ana()).await);
    let other = id_of(&app.create_contact(json!({"first_name": "Boris", "phones": [{"number": "+1 415 555 0132"}, {"number": "+33 6 99 88 77 66"}]})).await);
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"phone eq "+33 6 12 34 56 78""#).await,
        vec![ana.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"phone eq "+33612345678""#).await,
        vec![ana.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"phone eq "+33 6 99 88 77 66""#).await,
        vec![other.clone()],
        "any of the numbers"
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"phone starts_with "+1 415""#).await,
        [other]
    );
}

async fn lifecycle_stage_in_a_list(b: Backend) {
    let app = TestApp::new(b).await;
    let lead = id_of(
        &app.create_contact(json!({"first_name": "L", "lifecycle_stage": "lead"}))
            .await,
    );
    let customer = id_of(
        &app.create_contact(json!({"first_name": "C", "lifecycle_stage": "customer"}))
            .await,
    );
    app.create_contact(json!({"first_name": "O", "lifecycle_stage": "opportunity"}))
        .await;
    app.create_contact(json!({"first_name": "N"})).await;
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"lifecycle_stage in ("lead", "customer")"#).await),
        sorted(vec![lead.clone(), customer])
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"lifecycle_stage eq "lead""#).await,
        [lead]
    );
}

async fn text_filters_starts_with_and_contains_ignore_case(b: Backend) {
    let app = TestApp::new(b).await;
    let anastasia = id_of(
        &app.create_contact(json!({"first_name": "Anastasia", "last_name": "Lima"}))
            .await,
    );
    let anabelle = id_of(
        &app.create_contact(json!({"first_name": "anabelle", "last_name": "Climent"}))
            .await,
    );
    let boris = id_of(
        &app.create_contact(json!({"first_name": "Boris", "last_name": "Kalimov"}))
            .await,
    );
    let percent = id_of(
        &app.create_contact(json!({"first_name": "Zed", "last_name": "100%_sure"}))
            .await,
    );
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"first_name starts_with "Ana""#).await),
        sorted(vec![anastasia.clone(), anabelle.clone()])
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"first_name starts_with "ANAS""#).await,
        vec![anastasia.clone()]
    );
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"last_name contains "LIM""#).await),
        sorted(vec![anastasia, anabelle, boris])
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"last_name contains "%_""#).await,
        [percent],
        "wildcards are literal"
    );
}

async fn text_filters_ignore_case_for_accented_letters_too(b: Backend) {
    // Rapport's users write French and German names; "ignore case" must hold beyond ASCII.
    let app = TestApp::new(b).await;
    let elodie = id_of(
        &app.create_contact(
            json!({"first_name": "Élodie", "last_name": "Müller", "tags": ["Été"]}),
        )
        .await,
    );
    app.create_contact(json!({"first_name": "Eloise", "last_name": "Martin"}))
        .await;
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"first_name eq "Élodie""#).await,
        vec![elodie.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"first_name starts_with "Élo""#).await,
        vec![elodie.clone()],
        "the exact stored prefix"
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"first_name starts_with "élo""#).await,
        vec![elodie.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"last_name contains "MÜL""#).await,
        vec![elodie.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"tags contains "Été""#).await,
        [elodie]
    );
}

async fn ne_includes_records_where_the_field_is_empty(b: Backend) {
    let app = TestApp::new(b).await;
    let ceo = id_of(
        &app.create_contact(json!({"first_name": "Ana", "title": "CEO"}))
            .await,
    );
    let cto = id_of(
        &app.create_contact(json!({"first_name": "Bob", "title": "CTO"}))
            .await,
    );
    let untitled = id_of(
        &app.create_contact(json!({"emails": [{"address": "x@y.io"}]}))
            .await,
    );
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"title ne "CEO""#).await),
        sorted(vec![cto.clone(), untitled.clone()])
    );
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"first_name ne "Ana""#).await),
        sorted(vec![cto, untitled])
    );
    assert!(
        !filter_ids(&app, CONTACTS, r#"title ne "CEO""#)
            .await
            .contains(&ceo)
    );
}

async fn not_eq_also_includes_records_where_the_field_is_empty(b: Backend) {
    // `not (x eq v)` reads as "x is not v", so it should select what `x ne v` selects.
    let app = TestApp::new(b).await;
    app.create_contact(json!({"first_name": "Ana", "title": "CEO", "lifecycle_stage": "lead"}))
        .await;
    let cto = id_of(
        &app.create_contact(
            json!({"first_name": "Bob", "title": "CTO", "lifecycle_stage": "customer"}),
        )
        .await,
    );
    let untitled = id_of(&app.create_contact(json!({"first_name": "Cy"})).await);
    let ne = sorted(filter_ids(&app, CONTACTS, r#"title ne "CEO""#).await);
    assert_eq!(ne, sorted(vec![cto.clone(), untitled.clone()]));
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"not (title eq "CEO")"#).await),
        ne
    );
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"not lifecycle_stage eq "lead""#).await),
        sorted(vec![cto, untitled])
    );
}

async fn address_filters_on_city_and_country_code_in_any_case(b: Backend) {
    let app = TestApp::new(b).await;
    let lyon = id_of(&app.create_contact(ana()).await);
    let berlin = id_of(
        &app.create_contact(
            json!({"first_name": "Hans", "address": {"city": "Berlin", "country": "de"}}),
        )
        .await,
    );
    app.create_contact(json!({"first_name": "Homeless"})).await;
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"address.city eq "Lyon""#).await,
        vec![lyon.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"address.country eq "fr""#).await,
        vec![lyon.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, r#"address.country eq "DE""#).await,
        vec![berlin.clone()]
    );
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"address.country in ("FR", "de")"#).await),
        sorted(vec![lyon, berlin])
    );
}

async fn tags_contains_tests_membership_ignoring_case(b: Backend) {
    let app = TestApp::new(b).await;
    let vip = id_of(
        &app.create_contact(json!({"first_name": "Ana", "tags": ["VIP", "beta"]}))
            .await,
    );
    let vip2 = id_of(
        &app.create_contact(json!({"first_name": "Bob", "tags": ["vip"]}))
            .await,
    );
    app.create_contact(json!({"first_name": "Cy", "tags": ["vipish"]}))
        .await;
    let untagged = id_of(&app.create_contact(json!({"first_name": "Di"})).await);
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"tags contains "vip""#).await),
        sorted(vec![vip.clone(), vip2.clone()])
    );
    // Combined with other conditions, before and after (placeholders stay in step).
    assert_eq!(
        filter_ids(
            &app,
            CONTACTS,
            r#"tags contains "vip" and first_name eq "Bob""#
        )
        .await,
        vec![vip2.clone()]
    );
    assert_eq!(
        filter_ids(
            &app,
            CONTACTS,
            r#"first_name eq "Ana" and tags contains "Vip""#
        )
        .await,
        vec![vip.clone()]
    );
    assert_eq!(
        filter_ids(
            &app,
            CONTACTS,
            r#"first_name starts_with "A" and tags contains "beta" and last_name is_null"#
        )
        .await,
        [vip]
    );
    assert_eq!(filter_ids(&app, CONTACTS, "tags is_null").await, [untagged]);
}

async fn created_at_takes_relative_and_absolute_dates_and_periods(b: Backend) {
    let app = TestApp::new(b).await;
    let first = id_of(&app.create_contact(json!({"first_name": "First"})).await);
    tick().await;
    let second = app.create_contact(json!({"first_name": "Second"})).await;
    let second_id = id_of(&second);
    let all = sorted(vec![first.clone(), second_id.clone()]);
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"created_at gte "-1d""#).await),
        all
    );
    assert!(
        filter_ids(&app, CONTACTS, r#"created_at lt "2000-01-01""#)
            .await
            .is_empty()
    );
    assert!(
        filter_ids(&app, CONTACTS, r#"created_at gt "+1h""#)
            .await
            .is_empty()
    );
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, r#"created_at in_period "today""#).await),
        all
    );
    assert!(
        filter_ids(&app, CONTACTS, r#"created_at in_period "yesterday""#)
            .await
            .is_empty()
    );
    let exact = second["created_at"].as_str().unwrap_or_default();
    assert_eq!(
        filter_ids(&app, CONTACTS, &format!(r#"created_at gte "{exact}""#)).await,
        vec![second_id.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, &format!(r#"created_at lt "{exact}""#)).await,
        [first]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, &format!(r#"created_at eq "{exact}""#)).await,
        [second_id]
    );
}

async fn company_id_filter_finds_the_people_of_a_company(b: Backend) {
    let app = TestApp::new(b).await;
    let acme = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let globex = id_of(&app.create_company(json!({"name": "Globex"})).await);
    let a = id_of(
        &app.create_contact(json!({"first_name": "A", "company_id": acme}))
            .await,
    );
    let b2 = id_of(
        &app.create_contact(json!({"first_name": "B", "company_id": acme}))
            .await,
    );
    let g = id_of(
        &app.create_contact(json!({"first_name": "G", "company_id": globex}))
            .await,
    );
    let free = id_of(&app.create_contact(json!({"first_name": "F"})).await);
    assert_eq!(
        sorted(filter_ids(&app, CONTACTS, &format!(r#"company_id eq "{acme}""#)).await),
        sorted(vec![a, b2])
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, &format!(r#"company_id eq "{globex}""#)).await,
        [g]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, "company_id is_null").await,
        [free]
    );
    let p = app
        .get(&format!(
            "{CONTACTS}?filter={}",
            enc(r#"company_id eq "acme""#)
        ))
        .await
        .problem(400, "invalid-filter");
    assert_eq!(p["column"], 15);
}

async fn title_is_null_and_is_null_false(b: Backend) {
    let app = TestApp::new(b).await;
    let titled = id_of(
        &app.create_contact(json!({"first_name": "A", "title": "CEO"}))
            .await,
    );
    let untitled = id_of(&app.create_contact(json!({"first_name": "B"})).await);
    assert_eq!(
        filter_ids(&app, CONTACTS, "title is_null").await,
        vec![untitled.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, "title is_null true").await,
        vec![untitled.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, "title is_null false").await,
        vec![titled.clone()]
    );
    assert_eq!(
        filter_ids(&app, CONTACTS, "title eq null").await,
        [untitled]
    );
    assert_eq!(filter_ids(&app, CONTACTS, "title ne null").await, [titled]);
}

async fn and_or_not_with_parentheses_combine_conditions(b: Backend) {
    let app = TestApp::new(b).await;
    let lead_lyon = id_of(
        &app.create_contact(
            json!({"first_name": "A", "lifecycle_stage": "lead", "address": {"city": "Lyon"}}),
        )
        .await,
    );
    let lead_paris = id_of(
        &app.create_contact(
            json!({"first_name": "B", "lifecycle_stage": "lead", "address": {"city": "Paris"}}),
        )
        .await,
    );
    let cust_lyon = id_of(
        &app.create_contact(
            json!({"first_name": "C", "lifecycle_stage": "customer", "address": {"city": "Lyon"}}),
        )
        .await,
    );
    let cust_paris = id_of(
        &app.create_contact(
            json!({"first_name": "D", "lifecycle_stage": "customer", "address": {"city": "Paris"}}),
        )
        .await,
    );
    let app = &app;
    let f = move |e: &'static str| filter_ids(app, CONTACTS, e);
    assert_eq!(
        f(r#"lifecycle_stage eq "lead" and address.city eq "Lyon""#).await,
        vec![lead_lyon.clone()]
    );
    assert_eq!(
        sorted(f(r#"lifecycle_stage eq "lead" or address.city eq "Lyon""#).await),
        sorted(vec![
            lead_lyon.clone(),
            lead_paris.clone(),
            cust_lyon.clone()
        ])
    );
    // and binds tighter than or; parentheses change that.
    assert_eq!(
        sorted(
            f(r#"first_name eq "D" or lifecycle_stage eq "lead" and address.city eq "Lyon""#).await
        ),
        sorted(vec![cust_paris.clone(), lead_lyon.clone()])
    );
    assert_eq!(
        f(r#"(first_name eq "D" or lifecycle_stage eq "lead") and address.city eq "Lyon""#).await,
        vec![lead_lyon.clone()]
    );
    assert_eq!(
        sorted(f(r#"not (lifecycle_stage eq "lead" and address.city eq "Lyon")"#).await),
        sorted(vec![lead_paris, cust_lyon, cust_paris.clone()])
    );
    assert_eq!(
        f(r#"not (lifecycle_stage eq "lead" or address.city eq "Lyon")"#).await,
        [cust_paris]
    );
}

async fn bad_filters_are_400_invalid_filter_naming_the_exact_position(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_contact(ana()).await;
    // (filter, byte offset, column, words the detail contains)
    let cases: [(&str, usize, usize, &str); 9] = [
        ("first_name eq", 13, 14, "expected a value after 'eq'"),
        (r#"nickname eq "x""#, 0, 1, "unknown field 'nickname'"),
        (
            r#"first_name eq "a" and tags eq "x""#,
            22,
            23,
            "'tags' does not support 'eq'",
        ),
        (r#"lifecycle_stage eq "king""#, 19, 20, "king"),
        (r#"last_name eq "Lima"#, 13, 14, "unterminated string"),
        (
            r#"first_name eq "é" and x eq 1"#,
            23,
            23,
            "unknown field 'x'",
        ),
        (r#"created_at gte "soon""#, 15, 16, ""),
        (r#"title = "CEO""#, 6, 7, "operators are words"),
        (r#"email eq "a@b.io" or"#, 20, 21, ""),
    ];
    for (filter, position, column, words) in cases {
        let p = app
            .get(&format!("{CONTACTS}?filter={}", enc(filter)))
            .await
            .problem(400, "invalid-filter");
        assert_eq!(p["parameter"], "filter", "{filter}");
        assert_eq!(
            (p["position"].clone(), p["column"].clone()),
            (json!(position), json!(column)),
            "{filter}: {p}"
        );
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(words), "{filter}: {detail}");
        assert!(
            detail.contains(&format!("column {column}")),
            "the detail names the column: {detail}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// POST /contacts/search
// ---------------------------------------------------------------------------------------------

async fn post_search_takes_the_list_parameters_as_json(b: Backend) {
    let app = TestApp::new(b).await;
    let created = people(&app, &["Moreau", "Blanc", "Dubois", "Arnaud"]).await;
    tick().await;
    app.patch(&at(&created[0]), json!({"tags": ["x"]})).await;
    let filter = r#"last_name ne "Moreau""#;
    let body = json!({"filter": filter, "sort": ["last_name"], "limit": 2, "fields": ["id", "last_name"], "include_total": true});
    let res = app.post(&format!("{CONTACTS}/search"), body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let first = res.json();
    assert_eq!(
        first["data"],
        json!([{"id": created[3], "last_name": "Arnaud"}, {"id": created[1], "last_name": "Blanc"}])
    );
    assert_eq!(first["total"], 3);
    let cursor = first["next_cursor"]
        .as_str()
        .unwrap_or_else(|| panic!("next cursor: {first}"))
        .to_owned();
    let second = app
        .post(
            &format!("{CONTACTS}/search"),
            json!({"filter": filter, "sort": ["last_name"], "limit": 2, "cursor": cursor}),
        )
        .await
        .json();
    assert_eq!(ids(&second), [created[2].clone()]);
    assert_eq!(second["next_cursor"], Value::Null);
    // The GET list with the same parameters answers the same records.
    let get = get_ok(
        &app,
        &format!("{CONTACTS}?sort=last_name&filter={}", enc(filter)),
    )
    .await;
    let mut both = ids(&first);
    both.extend(ids(&second));
    assert_eq!(ids(&get), both);
    // Multi-key sort as an array, and an empty body lists everything newest first.
    let multi = app
        .post(
            &format!("{CONTACTS}/search"),
            json!({"sort": ["-updated_at", "last_name"]}),
        )
        .await
        .json();
    assert_eq!(
        ids(&multi)[0],
        created[0],
        "the patched contact was updated last"
    );
    let mut newest_first = created.clone();
    newest_first.reverse();
    assert_eq!(
        ids(&app
            .post(&format!("{CONTACTS}/search"), json!({}))
            .await
            .json()),
        newest_first
    );
}

async fn post_search_refuses_unknown_members_and_bad_parameters(b: Backend) {
    let app = TestApp::new(b).await;
    people(&app, &["Adams"]).await;
    let search = format!("{CONTACTS}/search");
    app.post(&search, json!({"filter": "", "order": "last_name"}))
        .await
        .problem(422, "validation-failed");
    app.post(&search, json!({"limit": "ten"}))
        .await
        .problem(422, "validation-failed");
    let p = app
        .post(&search, json!({"filter": "first_name eq"}))
        .await
        .problem(400, "invalid-filter");
    assert_eq!(p["column"], 14);
    let p = app
        .post(&search, json!({"limit": 0}))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "limit");
    let p = app
        .post(&search, json!({"sort": ["title"]}))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "sort");
    let p = app
        .post(&search, json!({"fields": ["nickname"]}))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "fields");
    let p = app
        .post(&search, json!({"cursor": "garbage"}))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "cursor");
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/search
// ---------------------------------------------------------------------------------------------

async fn search_finds_contacts_by_name_prefix_email_part_and_phone_digits(b: Backend) {
    let app = TestApp::new(b).await;
    let ana = id_of(&app.create_contact(ana()).await);
    let boris = id_of(
        &app.create_contact(json!({"first_name": "Boris", "last_name": "Petrov", "emails": [{"address": "bp@globex.org"}], "phones": [{"number": "+1 415 555 0132"}]}))
            .await,
    );
    assert_eq!(
        search_ids(&app, "ana").await,
        vec![ana.clone()],
        "a prefix of the first name"
    );
    assert_eq!(
        search_ids(&app, "Anastasia Lima").await,
        vec![ana.clone()],
        "every word must match"
    );
    assert_eq!(
        search_ids(&app, "lim").await,
        vec![ana.clone()],
        "a prefix of the last name"
    );
    assert_eq!(
        search_ids(&app, "globex").await,
        vec![boris.clone()],
        "the domain of an email"
    );
    assert_eq!(
        search_ids(&app, "bp@globex.org").await,
        vec![boris.clone()],
        "a whole email address"
    );
    assert_eq!(
        search_ids(&app, "+33 6 12").await,
        vec![ana.clone()],
        "the start of a phone number"
    );
    assert_eq!(search_ids(&app, "+1 (415) 555").await, vec![boris.clone()]);
    let hits = search(&app, "petrov", None).await;
    assert_eq!(hits, [("contact".to_owned(), boris)]);
    let body = get_ok(&app, &format!("/api/v1/search?q={}", enc("anastasia"))).await;
    assert_eq!(body["data"][0]["record"]["first_name"], "Anastasia");
    assert!(body["data"][0]["score"].is_number(), "{body}");
    assert!(search_ids(&app, "zzzzqqq").await.is_empty());
}

async fn a_renamed_contact_is_found_by_its_new_name_only(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(
        &app.create_contact(json!({"first_name": "Zebulon", "last_name": "Quartz"}))
            .await,
    );
    assert_eq!(search_ids(&app, "zebulon").await, vec![id.clone()]);
    let res = app.patch(&at(&id), json!({"first_name": "Yannick"})).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(search_ids(&app, "yannick").await, vec![id.clone()]);
    assert!(
        search_ids(&app, "zebulon").await.is_empty(),
        "the old name is no longer indexed"
    );
    assert_eq!(search_ids(&app, "yannick quartz").await, [id]);
    assert_eq!(
        app.count_rows_where("search_docs", "object_type = 'contact'")
            .await,
        1,
        "one document per record"
    );
}

async fn search_refuses_unknown_types_and_limits(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_contact(ana()).await;
    let p = app
        .get("/api/v1/search?q=ana&types=planets")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "types");
    let p = app
        .get("/api/v1/search?q=ana&limit=0")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "limit");
    app.get("/api/v1/search")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(search(&app, "ana", Some("contacts")).await.len(), 1);
    assert!(search(&app, "ana", Some("companies")).await.is_empty());
}

async fn search_ranks_whole_names_then_name_prefixes_then_the_rest_newest_first(b: Backend) {
    let app = TestApp::new(b).await;
    let make = async |first: &str, last: &str, email: &str| {
        id_of(
            &app.create_contact(json!({
                "first_name": first, "last_name": last, "emails": [{"address": email}]
            }))
            .await,
        )
    };
    let old_ana = make("Ana", "Lima", "ana.lima@acme.example").await;
    let anabel = make("Anabel", "Costa", "anabel@acme.example").await;
    let by_mail = make("Zed", "Quinn", "ana@quinn.example").await;
    let new_ana = make("Ana", "Moreau", "am@moreau.example").await;
    // Whole name words first (newest first), then names starting so, then e-mail parts.
    assert_eq!(
        search_ids(&app, "ana").await,
        [
            new_ana.clone(),
            old_ana.clone(),
            anabel.clone(),
            by_mail.clone()
        ]
    );
    // The last word is the one still being typed; the others are whole.
    assert_eq!(search_ids(&app, "ana lim").await, vec![old_ana.clone()]);
    assert!(search_ids(&app, "an lima").await.is_empty());
    // One letter: every name word with that initial.
    assert_eq!(
        search_ids(&app, "a").await,
        [new_ana.clone(), anabel.clone(), old_ana.clone()]
    );
    // A complete address matches its own words whole, wherever they are.
    assert_eq!(search_ids(&app, "ana@quinn.example").await, [by_mail]);
    assert_eq!(
        search_ids(&app, "ana.lima@acme.example").await,
        vec![old_ana.clone()]
    );
    // Words, not strings: `ana`, `acme` and `example` are all in Ana Lima's address.
    assert_eq!(search_ids(&app, "ana@acme.example").await, [old_ana]);
}

both_backends!(
    create_answers_201_with_location_etag_and_normalised_fields,
    an_email_marked_primary_stays_the_only_primary,
    get_of_an_unknown_or_malformed_id_is_404_not_found,
    a_body_with_many_bad_fields_lists_every_one_and_writes_nothing,
    two_primary_emails_are_refused,
    a_contact_without_name_or_email_is_refused_as_required,
    a_company_id_naming_no_live_company_is_422_at_company_id,
    bodies_that_are_not_json_objects_are_refused_and_write_nothing,
    patch_changes_only_the_given_fields_and_bumps_the_version,
    patch_null_clears_a_field,
    patch_merges_the_nested_address,
    patch_with_an_unknown_read_only_or_invalid_field_is_422_and_changes_nothing,
    patch_that_changes_nothing_keeps_the_version,
    patch_with_the_current_if_match_applies,
    patch_with_a_stale_if_match_is_412_and_changes_nothing,
    patch_with_if_match_star_applies_to_any_version,
    patch_accepts_the_merge_patch_content_type,
    patch_of_an_unknown_contact_is_404,
    get_with_the_current_etag_is_304_and_an_old_one_is_200,
    a_deleted_contact_leaves_get_lists_filters_and_search,
    delete_with_a_stale_if_match_is_412_and_keeps_the_contact,
    restore_brings_a_deleted_contact_back_with_a_new_version,
    the_list_is_newest_first_by_default,
    limit_must_be_a_whole_number_from_1_to_200,
    pagination_follows_the_link_header_through_every_record_once,
    sort_by_last_name_orders_both_ways_and_pages_through_ties,
    sort_by_updated_at_descending_then_last_name,
    sort_on_an_unsortable_or_unknown_field_is_400_parameter_sort,
    a_cursor_only_works_with_its_own_sort,
    fields_returns_only_the_requested_keys,
    include_total_counts_every_matching_record,
    email_filter_matches_any_address_of_a_contact_ignoring_case,
    phone_filter_matches_the_e164_form_whatever_the_spacing,
    lifecycle_stage_in_a_list,
    text_filters_starts_with_and_contains_ignore_case,
    ne_includes_records_where_the_field_is_empty,
    address_filters_on_city_and_country_code_in_any_case,
    tags_contains_tests_membership_ignoring_case,
    created_at_takes_relative_and_absolute_dates_and_periods,
    company_id_filter_finds_the_people_of_a_company,
    title_is_null_and_is_null_false,
    and_or_not_with_parentheses_combine_conditions,
    bad_filters_are_400_invalid_filter_naming_the_exact_position,
    post_search_takes_the_list_parameters_as_json,
    post_search_refuses_unknown_members_and_bad_parameters,
    search_finds_contacts_by_name_prefix_email_part_and_phone_digits,
    search_ranks_whole_names_then_name_prefixes_then_the_rest_newest_first,
    a_renamed_contact_is_found_by_its_new_name_only,
    search_refuses_unknown_types_and_limits,
);

both_backends!(not_eq_also_includes_records_where_the_field_is_empty);

both_backends!(text_filters_ignore_case_for_accented_letters_too);
