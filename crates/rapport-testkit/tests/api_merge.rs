//! Duplicates and merges of contacts and companies through the HTTP API, on SQLite and
//! PostgreSQL: duplicates found by each reason (and never across workspaces or out of a role's
//! reach), a merge moving activities, tasks, appointments, cases, campaign memberships, lead
//! conversions, a company's contacts and deals, custom record-reference values, the merged
//! record redirecting to the survivor, field choices honoured, and every refused merge writing
//! nothing.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{code_at, enc, get_ok, id_of, ids, pointers, search_ids, sorted};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, TestUser, both_backends};
use serde_json::{Value, json};

const CONTACTS: &str = "/api/v1/contacts";
const COMPANIES: &str = "/api/v1/companies";

fn contact_at(id: &str) -> String {
    format!("{CONTACTS}/{id}")
}

fn company_at(id: &str) -> String {
    format!("{COMPANIES}/{id}")
}

async fn merge(app: &TestApp, base: &str, id: &str, body: Value) -> TestResponse {
    app.post(&format!("{base}/{id}/merge"), body).await
}

async fn merged_ok(app: &TestApp, base: &str, id: &str, body: Value) -> Value {
    let res = merge(app, base, id, body).await;
    assert_eq!(res.status, StatusCode::OK, "merge: {}", res.text());
    res.json()
}

/// `(id, reasons)` of a duplicate check, in rank order.
async fn duplicates(app: &TestApp, base: &str, id: &str) -> Vec<(String, Vec<String>)> {
    let body = get_ok(app, &format!("{base}/{id}/duplicates")).await;
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| {
            let reasons = d["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|r| r["reason"].as_str().expect("reason").to_owned())
                .collect();
            (id_of(&d["record"]), reasons)
        })
        .collect()
}

async fn post_ok(app: &TestApp, path: &str, body: Value) -> Value {
    let res = app.post(path, body).await;
    assert!(
        res.status == StatusCode::CREATED || res.status == StatusCode::OK,
        "POST {path}: {} {}",
        res.status,
        res.text()
    );
    res.json()
}

/// A one-stage pipeline for the deals a test needs; its id.
async fn sales_pipeline(app: &TestApp) -> String {
    let body = json!({"name": "Sales", "stages": [{"name": "New"}]});
    id_of(&post_ok(app, "/api/v1/pipelines", body).await)
}

/// A deal created in `pipeline` from `body`; its id.
async fn deal_in(app: &TestApp, pipeline: &str, mut body: Value) -> String {
    body["pipeline_id"] = json!(pipeline);
    id_of(&post_ok(app, "/api/v1/deals", body).await)
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

/// Row counts of every table a merge reads or writes (the audit log apart: a refusal by role
/// is recorded there).
async fn rows(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in [
        "contacts",
        "companies",
        "contact_channels",
        "search_docs",
        "activities",
        "activity_links",
        "tasks",
        "appointments",
        "appointment_attendees",
        "appointment_links",
        "cases",
        "deals",
        "campaigns",
        "campaign_members",
        "leads",
        "tags",
    ] {
        out.push((table, app.count_rows(table).await));
    }
    out
}

/// What a client sees of records a refused merge must leave exactly as they were.
async fn texts(app: &TestApp, paths: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for p in paths {
        out.push(app.get(p).await.text());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------------------------

async fn contact_duplicates_are_found_by_email_phone_and_similar_name_at_one_company(b: Backend) {
    let app = TestApp::new(b).await;
    let acme = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let initech = id_of(&app.create_company(json!({"name": "Initech"})).await);
    let ana = id_of(
        &app.create_contact(json!({
            "first_name": "Ana", "last_name": "Lima", "company_id": acme,
            "emails": [{"address": "ana@acme.com"}, {"address": "ana.lima@gmail.com"}],
            "phones": [{"number": "+33 6 12 34 56 78"}],
        }))
        .await,
    );
    let by_email = id_of(
        &app.create_contact(
            json!({"first_name": "A.", "emails": [{"address": "Ana.Lima@GMAIL.com"}]}),
        )
        .await,
    );
    let by_phone = id_of(
        &app.create_contact(
            json!({"last_name": "Unknown", "phones": [{"number": "+33612345678"}]}),
        )
        .await,
    );
    let typo = id_of(
        &app.create_contact(json!({"first_name": "Anna", "last_name": "Lima", "company_id": acme}))
            .await,
    );
    let accents = id_of(
        &app.create_contact(json!({"first_name": "ÁNA", "last_name": "lima", "company_id": acme}))
            .await,
    );
    // Same name elsewhere, another name at Acme, a deleted twin: none is a duplicate.
    let elsewhere = id_of(
        &app.create_contact(
            json!({"first_name": "Ana", "last_name": "Lima", "company_id": initech}),
        )
        .await,
    );
    app.create_contact(json!({"first_name": "Bob", "last_name": "Lima", "company_id": acme}))
        .await;
    let deleted = id_of(
        &app.create_contact(json!({"first_name": "Old", "emails": [{"address": "ana@acme.com"}]}))
            .await,
    );
    assert_eq!(
        app.delete(&contact_at(&deleted)).await.status,
        StatusCode::NO_CONTENT
    );
    // Another workspace's contact with the very same address is not ours to show.
    let intruder = app.other_workspace().await;
    let res = as_user(
        &app,
        &intruder,
        Method::POST,
        CONTACTS,
        Some(json!({"first_name": "Ana", "emails": [{"address": "ana@acme.com"}]})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED);

    let found = duplicates(&app, CONTACTS, &ana).await;
    assert_eq!(
        found[..2],
        [
            (by_email.clone(), vec!["same_email".to_owned()]),
            (by_phone.clone(), vec!["same_phone".to_owned()]),
        ],
        "ranked by weight: {found:?}"
    );
    // Equal weights rank the most recently changed first (ties within a millisecond by id).
    assert_eq!(
        sorted(found[2..].iter().map(|(id, _)| id.clone()).collect()),
        sorted(vec![accents.clone(), typo.clone()])
    );
    assert!(
        found[2..]
            .iter()
            .all(|(_, r)| r == &vec!["similar_name".to_owned()])
    );
    assert_eq!(found.len(), 4, "{found:?}");
    let body = get_ok(&app, &format!("{CONTACTS}/{ana}/duplicates")).await;
    assert_eq!(body["data"][0]["score"], 3);
    assert_eq!(
        body["data"][0]["reasons"][0]["value"], "ana.lima@gmail.com",
        "the shared address, lower-cased"
    );
    assert_eq!(body["data"][1]["reasons"][0]["value"], "+33612345678");
    assert_eq!(body["data"][0]["record"]["first_name"], "A.");

    // It works both ways, and a contact sharing nothing has no duplicates.
    assert_eq!(
        duplicates(&app, CONTACTS, &by_phone).await,
        vec![(ana.clone(), vec!["same_phone".to_owned()])]
    );
    assert!(
        duplicates(&app, CONTACTS, &elsewhere).await.is_empty(),
        "a namesake at another company is not a duplicate"
    );
    let loner = id_of(&app.create_contact(json!({"first_name": "Zed"})).await);
    assert!(duplicates(&app, CONTACTS, &loner).await.is_empty());

    // The other workspace sees neither our contact nor its duplicates.
    let res = as_user(
        &app,
        &intruder,
        Method::GET,
        &format!("{CONTACTS}/{ana}/duplicates"),
        None,
    )
    .await;
    res.problem(404, "not-found");
    app.get(&format!("{CONTACTS}/{}/duplicates", uuid::Uuid::now_v7()))
        .await
        .problem(404, "not-found");
}

async fn duplicates_only_show_records_the_caller_may_read(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .request(Method::PUT, "/api/v1/roles/own-reader")
        .json(&json!({
            "objects": {"contacts": ["read"], "companies": ["read"]},
            "pii_read": false, "record_scope": "own",
        }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let rep = app.member(Role::Member).await;
    let res = app
        .patch(
            &format!("/api/v1/members/{}", rep.user_id),
            json!({"role": "own-reader"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let mine = id_of(
        &app.create_contact(json!({
            "first_name": "Rep's", "owner_id": rep.user_id.to_string(),
            "emails": [{"address": "shared@example.com"}],
        }))
        .await,
    );
    let also_mine = id_of(
        &app.create_contact(json!({
            "first_name": "Also rep's", "owner_id": rep.user_id.to_string(),
            "emails": [{"address": "shared@example.com"}],
        }))
        .await,
    );
    let not_mine = id_of(
        &app.create_contact(json!({
            "first_name": "Owner's", "emails": [{"address": "SHARED@example.com"}],
        }))
        .await,
    );
    // The owner sees both duplicates, with the shared address.
    assert_eq!(
        sorted(
            duplicates(&app, CONTACTS, &mine)
                .await
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        ),
        sorted(vec![also_mine.clone(), not_mine.clone()])
    );
    // The rep sees only the one they reach, without the personal value or the personal fields.
    let res = as_user(
        &app,
        &rep,
        Method::GET,
        &format!("{CONTACTS}/{mine}/duplicates"),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let body = res.json();
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 1, "{body}");
    assert_eq!(id_of(&data[0]["record"]), also_mine);
    assert_eq!(data[0]["reasons"][0], json!({"reason": "same_email"}));
    assert!(data[0]["record"].get("emails").is_none(), "{body}");
    // A record out of reach has no duplicates to show: it is missing.
    as_user(
        &app,
        &rep,
        Method::GET,
        &format!("{CONTACTS}/{not_mine}/duplicates"),
        None,
    )
    .await
    .problem(404, "not-found");
}

async fn company_duplicates_are_found_by_domain_and_normalised_name(b: Backend) {
    let app = TestApp::new(b).await;
    let acme = id_of(
        &app.create_company(json!({"name": "Acme Corporation", "domain": "acme.com"}))
            .await,
    );
    let shop = id_of(
        &app.create_company(
            json!({"name": "Acme online store", "domain": "https://shop.acme.com"}),
        )
        .await,
    );
    let named = id_of(&app.create_company(json!({"name": "ACME, Inc."})).await);
    let french = id_of(
        &app.create_company(json!({"name": "Acmé France", "domain": "acme.fr"}))
            .await,
    );
    app.create_company(json!({"name": "Initech", "domain": "initech.com"}))
        .await;
    app.create_company(json!({"name": "Acme Rockets", "domain": "acmerockets.com"}))
        .await;
    let intruder = app.other_workspace().await;
    let res = as_user(
        &app,
        &intruder,
        Method::POST,
        COMPANIES,
        Some(json!({"name": "Acme", "domain": "shop2.acme.com"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED);

    let found = duplicates(&app, COMPANIES, &acme).await;
    assert_eq!(
        found,
        vec![
            (shop.clone(), vec!["same_domain".to_owned()]),
            (named.clone(), vec!["same_name".to_owned()]),
            (french.clone(), vec!["similar_domain".to_owned()]),
        ]
    );
    let body = get_ok(&app, &format!("{COMPANIES}/{acme}/duplicates")).await;
    assert_eq!(body["data"][0]["reasons"][0]["value"], "shop.acme.com");
    // The name alone links "ACME, Inc." back to Acme Corporation.
    assert_eq!(
        duplicates(&app, COMPANIES, &named).await,
        vec![(acme.clone(), vec!["same_name".to_owned()])]
    );
}

// ---------------------------------------------------------------------------------------------
// Merging contacts
// ---------------------------------------------------------------------------------------------

async fn a_contact_merge_moves_everything_and_the_merged_contact_redirects(b: Backend) {
    let app = TestApp::new(b).await;
    let survivor = app
        .create_contact(json!({
            "first_name": "Ana", "last_name": "Lima",
            "emails": [{"address": "ana@acme.com"}], "tags": ["VIP"],
        }))
        .await;
    let s = id_of(&survivor);
    let l = id_of(
        &app.create_contact(json!({
            "first_name": "Anna", "last_name": "Lima", "title": "CEO",
            "emails": [{"address": "anna@home.io"}, {"address": "ANA@acme.com"}],
            "phones": [{"number": "+33612345678"}], "tags": ["vip", "board"],
        }))
        .await,
    );
    // What points at the merged contact: activities (one also at the survivor), a task, an
    // appointment (attendee and link), a case, campaign memberships, a lead's conversion.
    let call = id_of(
        &post_ok(
            &app,
            "/api/v1/activities",
            json!({"kind": "call", "subject": "First call", "occurred_at": "2026-03-01T10:00:00Z",
                   "links": [{"type": "contacts", "id": l}]}),
        )
        .await,
    );
    let both = id_of(
        &post_ok(
            &app,
            "/api/v1/activities",
            json!({"kind": "note", "body": "Met both", "occurred_at": "2026-03-02T10:00:00Z",
                   "links": [{"type": "contacts", "id": s}, {"type": "contacts", "id": l}]}),
        )
        .await,
    );
    let task = id_of(
        &post_ok(
            &app,
            "/api/v1/tasks",
            json!({"title": "Call back", "record": {"type": "contacts", "id": l}}),
        )
        .await,
    );
    let meeting = id_of(
        &post_ok(
            &app,
            "/api/v1/appointments",
            json!({"title": "Demo", "starts_at": "2026-11-23T09:00:00Z", "ends_at": "2026-11-23T10:00:00Z",
                   "time_zone": "Europe/Paris", "attendees": {"contacts": [l, s]},
                   "records": [{"type": "contacts", "id": l}]}),
        )
        .await,
    );
    let case = id_of(
        &post_ok(
            &app,
            "/api/v1/cases",
            json!({"subject": "Broken", "contact_id": l}),
        )
        .await,
    );
    let lead = id_of(&post_ok(&app, "/api/v1/leads", json!({"last_name": "Lima"})).await);
    post_ok(
        &app,
        &format!("/api/v1/leads/{lead}/convert"),
        json!({"contact_id": l}),
    )
    .await;
    let launch = id_of(&post_ok(&app, "/api/v1/campaigns", json!({"name": "Launch"})).await);
    let webinar = id_of(&post_ok(&app, "/api/v1/campaigns", json!({"name": "Webinar"})).await);
    post_ok(
        &app,
        &format!("/api/v1/campaigns/{launch}/members"),
        json!({"members": [{"type": "contacts", "id": l, "status": "responded"}]}),
    )
    .await;
    post_ok(
        &app,
        &format!("/api/v1/campaigns/{webinar}/members"),
        json!({"members": [{"type": "contacts", "id": l, "status": "converted"},
                           {"type": "contacts", "id": s}]}),
    )
    .await;
    let webinar_version =
        get_ok(&app, &format!("/api/v1/campaigns/{webinar}")).await["version"].clone();

    let res = app
        .request(Method::POST, &format!("{CONTACTS}/{s}/merge"))
        .header("if-match", "\"1\"")
        .json(&json!({"other_id": l, "fields": {"first_name": "other"}}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let merged = res.json();
    assert_eq!(merged["id"], s.as_str());
    assert_eq!(merged["first_name"], "Anna", "chosen: the other's");
    assert_eq!(merged["last_name"], "Lima");
    assert_eq!(merged["title"], "CEO", "a blank is filled from the other");
    assert_eq!(
        merged["emails"],
        json!([
            {"address": "ana@acme.com", "label": null, "primary": true},
            {"address": "anna@home.io", "label": null, "primary": false},
        ]),
        "emails unioned without case duplicates; the survivor's primary stays"
    );
    assert_eq!(merged["phones"][0]["number"], "+33612345678");
    assert_eq!(merged["tags"], json!(["VIP", "board"]));
    assert_eq!(merged["version"], 2);

    // The merged contact's address redirects; it is gone from lists, search and restore.
    let gone = app.get(&contact_at(&l)).await;
    assert_eq!(
        gone.status,
        StatusCode::PERMANENT_REDIRECT,
        "{}",
        gone.text()
    );
    assert_eq!(gone.header("location"), Some(contact_at(&s).as_str()));
    assert_eq!(ids(&get_ok(&app, CONTACTS).await), vec![s.clone()]);
    assert!(!search_ids(&app, "anna").await.contains(&l));
    assert!(
        search_ids(&app, "anna").await.contains(&s),
        "the survivor's new name is found"
    );
    let p = app
        .post(&format!("{}/restore", contact_at(&l)), json!({}))
        .await
        .problem(409, "conflict");
    assert_eq!(p["code"], "merged");
    assert_eq!(p["existing_id"], s.as_str());
    app.patch(&contact_at(&l), json!({"title": "x"}))
        .await
        .problem(404, "not-found");
    app.get(&format!("{}/timeline", contact_at(&l)))
        .await
        .problem(404, "not-found");

    // Everything that pointed at it points at the survivor.
    let a = get_ok(&app, &format!("/api/v1/activities/{call}")).await;
    assert_eq!(a["links"], json!([{"type": "contacts", "id": s}]));
    assert_eq!(a["version"], 2);
    let a = get_ok(&app, &format!("/api/v1/activities/{both}")).await;
    assert_eq!(
        a["links"],
        json!([{"type": "contacts", "id": s}]),
        "linked once, not twice"
    );
    let t = get_ok(&app, &format!("/api/v1/tasks/{task}")).await;
    assert_eq!(t["record"], json!({"type": "contacts", "id": s}));
    let m = get_ok(&app, &format!("/api/v1/appointments/{meeting}")).await;
    assert_eq!(m["attendees"]["contacts"], json!([s]));
    assert_eq!(m["records"], json!([{"type": "contacts", "id": s}]));
    let c = get_ok(&app, &format!("/api/v1/cases/{case}")).await;
    assert_eq!(c["contact_id"], s.as_str());
    let converted = get_ok(&app, &format!("/api/v1/leads/{lead}")).await;
    assert_eq!(converted["converted_contact_id"], s.as_str());
    // Filters that read side rows follow too.
    let by_attendee = get_ok(
        &app,
        &format!(
            "/api/v1/appointments?filter={}",
            enc(&format!("attendees.contacts eq \"{s}\""))
        ),
    )
    .await;
    assert_eq!(ids(&by_attendee), vec![meeting.clone()]);
    let by_record = get_ok(
        &app,
        &format!(
            "/api/v1/tasks?filter={}",
            enc(&format!("record.id eq \"{s}\""))
        ),
    )
    .await;
    assert_eq!(ids(&by_record), vec![task.clone()]);

    // Campaigns: a membership moves; where both were members, one remains at the further status.
    let launch_members = get_ok(&app, &format!("/api/v1/campaigns/{launch}/members")).await;
    assert_eq!(ids(&launch_members), vec![s.clone()]);
    assert_eq!(launch_members["data"][0]["status"], "responded");
    let webinar_members = get_ok(&app, &format!("/api/v1/campaigns/{webinar}/members")).await;
    assert_eq!(ids(&webinar_members), vec![s.clone()]);
    assert_eq!(webinar_members["data"][0]["status"], "converted");
    let w = get_ok(&app, &format!("/api/v1/campaigns/{webinar}")).await;
    assert_eq!(
        w["member_counts"],
        json!({"targeted": 0, "responded": 0, "converted": 1})
    );
    assert_ne!(
        w["version"], webinar_version,
        "the campaign's counts changed"
    );

    // The survivor's timeline shows the merged contact's activities and tasks.
    let timeline = get_ok(&app, &format!("{}/timeline", contact_at(&s))).await;
    let shown: Vec<(String, String)> = timeline["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|e| e["type"] == "activity" || e["type"] == "task")
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("activity".to_owned(), call.clone()),
        ("activity".to_owned(), both.clone()),
        ("task".to_owned(), task.clone()),
    ] {
        assert!(shown.contains(&expected), "{expected:?} in {shown:?}");
    }

    // One audit entry says who merged what, with the choices.
    let audit = get_ok(&app, "/api/v1/audit?action=contacts.merge").await;
    let entries = audit["data"].as_array().expect("data");
    assert_eq!(entries.len(), 1, "{audit}");
    let details = &entries[0]["details"];
    assert_eq!(entries[0]["object_id"], s.as_str());
    assert_eq!(details["survivor_id"], s.as_str());
    assert_eq!(details["merged_id"], l.as_str());
    assert_eq!(details["choices"], json!({"first_name": "other"}));
    assert_eq!(details["fields"]["title"], "other");
    assert_eq!(details["fields"]["last_name"], "self");
    assert_eq!(details["moved"]["activities"], 2);
    assert_eq!(details["moved"]["campaign_members"], 2);
}

async fn field_choices_are_honoured(b: Backend) {
    let app = TestApp::new(b).await;
    let acme = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let s = id_of(
        &app.create_contact(json!({
            "first_name": "Ana", "last_name": "Lima", "title": "CTO", "notes": "keep me",
            "emails": [{"address": "ana@acme.com"}], "lifecycle_stage": "lead",
        }))
        .await,
    );
    let l = id_of(
        &app.create_contact(json!({
            "first_name": "Anna", "title": "CEO", "company_id": acme,
            "emails": [{"address": "anna@home.io"}], "lifecycle_stage": "customer",
        }))
        .await,
    );
    let merged = merged_ok(
        &app,
        CONTACTS,
        &s,
        json!({"other_id": l, "fields": {
            "title": "other", "last_name": "other", "company_id": "self",
            "lifecycle_stage": "other", "emails": "other",
        }}),
    )
    .await;
    assert_eq!(
        merged["first_name"], "Ana",
        "unnamed, the survivor's value stays"
    );
    assert_eq!(merged["title"], "CEO");
    assert_eq!(
        merged.get("last_name"),
        Some(&Value::Null),
        "taking the other's empty value empties it: {merged}"
    );
    assert_eq!(
        merged["company_id"],
        Value::Null,
        "\"self\" keeps even an empty value"
    );
    assert_eq!(merged["lifecycle_stage"], "customer");
    assert_eq!(merged["notes"], "keep me");
    assert_eq!(
        merged["emails"],
        json!([
            {"address": "anna@home.io", "label": null, "primary": true},
            {"address": "ana@acme.com", "label": null, "primary": false},
        ]),
        "\"other\" on a list puts the other's entries, and its primary, first"
    );
    let stored = get_ok(&app, &contact_at(&s)).await;
    assert_eq!(stored, merged);
}

async fn refused_merges_write_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let s = id_of(
        &app.create_contact(json!({"first_name": "Ana", "tags": ["a"]}))
            .await,
    );
    let l = id_of(
        &app.create_contact(json!({"first_name": "Anna", "tags": ["b"]}))
            .await,
    );
    let deleted = id_of(&app.create_contact(json!({"first_name": "Gone"})).await);
    app.delete(&contact_at(&deleted)).await;
    let absorbed = id_of(&app.create_contact(json!({"first_name": "Absorbed"})).await);
    let keeper = id_of(&app.create_contact(json!({"first_name": "Keeper"})).await);
    merged_ok(&app, CONTACTS, &keeper, json!({"other_id": absorbed})).await;
    post_ok(
        &app,
        "/api/v1/activities",
        json!({"kind": "note", "body": "x", "links": [{"type": "contacts", "id": l}]}),
    )
    .await;
    let intruder = app.other_workspace().await;
    let theirs = as_user(
        &app,
        &intruder,
        Method::POST,
        CONTACTS,
        Some(json!({"first_name": "Theirs"})),
    )
    .await
    .json();
    let company = id_of(&app.create_company(json!({"name": "Acme"})).await);

    let watched = vec![
        contact_at(&s),
        contact_at(&l),
        CONTACTS.to_owned(),
        "/api/v1/activities".to_owned(),
        "/api/v1/tags".to_owned(),
    ];
    let before_rows = rows(&app).await;
    let before_texts = texts(&app, &watched).await;
    let audit_before = app.count_rows("audit_log").await;

    let cases: Vec<(String, Value, &str, &str)> = vec![
        (
            s.clone(),
            json!({"other_id": s}),
            "/other_id",
            "same_record",
        ),
        (
            s.clone(),
            json!({"other_id": uuid::Uuid::now_v7().to_string()}),
            "/other_id",
            "not_found",
        ),
        (
            s.clone(),
            json!({"other_id": deleted}),
            "/other_id",
            "deleted",
        ),
        (
            s.clone(),
            json!({"other_id": absorbed}),
            "/other_id",
            "already_merged",
        ),
        (
            s.clone(),
            json!({"other_id": id_of(&theirs)}),
            "/other_id",
            "not_found",
        ),
        (
            s.clone(),
            json!({"other_id": company}),
            "/other_id",
            "not_found",
        ),
        (s.clone(), json!({}), "/other_id", "required"),
        (
            s.clone(),
            json!({"other_id": "nope"}),
            "/other_id",
            "invalid_format",
        ),
        (
            s.clone(),
            json!({"other_id": l, "fields": {"first_name": "theirs"}}),
            "/fields/first_name",
            "invalid_choice",
        ),
        (
            s.clone(),
            json!({"other_id": l, "fields": {"nickname": "other"}}),
            "/fields/nickname",
            "unknown_field",
        ),
    ];
    for (id, body, pointer, code) in &cases {
        let p = merge(&app, CONTACTS, id, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [*pointer], "{body}: {p}");
        assert_eq!(code_at(&p, pointer), *code, "{body}");
    }
    // A survivor that is missing, deleted, merged or another workspace's: 404.
    for id in [
        uuid::Uuid::now_v7().to_string(),
        deleted.clone(),
        absorbed.clone(),
        id_of(&theirs),
        "not-an-id".to_owned(),
    ] {
        merge(&app, CONTACTS, &id, json!({"other_id": l}))
            .await
            .problem(404, "not-found");
    }
    // A stale If-Match on the survivor: 412.
    let res = app
        .request(Method::POST, &format!("{CONTACTS}/{s}/merge"))
        .header("if-match", "\"7\"")
        .json(&json!({"other_id": l}))
        .send()
        .await;
    res.problem(412, "precondition-failed");
    // Another workspace cannot merge our contacts, nor ours into theirs.
    as_user(
        &app,
        &intruder,
        Method::POST,
        &format!("{CONTACTS}/{s}/merge"),
        Some(json!({"other_id": l})),
    )
    .await
    .problem(404, "not-found");
    let p = as_user(
        &app,
        &intruder,
        Method::POST,
        &format!("{CONTACTS}/{}/merge", id_of(&theirs)),
        Some(json!({"other_id": l})),
    )
    .await
    .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/other_id"]);
    assert_eq!(rows(&app).await, before_rows, "nothing was written");
    assert_eq!(texts(&app, &watched).await, before_texts);
    assert_eq!(app.count_rows("audit_log").await, audit_before);

    // Merging needs the merge action: members and viewers are refused (the refusal is audited).
    for role in [Role::Member, Role::Viewer] {
        let who = app.member(role).await;
        as_user(
            &app,
            &who,
            Method::POST,
            &format!("{CONTACTS}/{s}/merge"),
            Some(json!({"other_id": l})),
        )
        .await
        .problem(403, "forbidden");
    }
    assert_eq!(rows(&app).await, before_rows);
    assert_eq!(texts(&app, &watched).await, before_texts);
    // A manager may.
    let manager = app.member(Role::Manager).await;
    let res = as_user(
        &app,
        &manager,
        Method::POST,
        &format!("{CONTACTS}/{s}/merge"),
        Some(json!({"other_id": l})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

async fn a_merge_that_breaks_a_field_rule_names_the_choice_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let many = |prefix: &str| -> Vec<Value> {
        (0..12)
            .map(|i| json!({"address": format!("{prefix}{i}@example.com")}))
            .collect()
    };
    let s = id_of(
        &app.create_contact(json!({"first_name": "A", "emails": many("a")}))
            .await,
    );
    let l = id_of(
        &app.create_contact(json!({"first_name": "B", "emails": many("b")}))
            .await,
    );
    let before_rows = rows(&app).await;
    let before = texts(&app, &[contact_at(&s), contact_at(&l)]).await;
    let p = merge(&app, CONTACTS, &s, json!({"other_id": l}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/fields/emails"], "{p}");
    assert_eq!(code_at(&p, "/fields/emails"), "too_many");
    assert_eq!(rows(&app).await, before_rows);
    assert_eq!(texts(&app, &[contact_at(&s), contact_at(&l)]).await, before);
}

async fn merges_chain_and_redirect_to_the_last_survivor(b: Backend) {
    let app = TestApp::new(b).await;
    let a = id_of(&app.create_contact(json!({"first_name": "A"})).await);
    let bb = id_of(&app.create_contact(json!({"first_name": "B"})).await);
    let c = id_of(&app.create_contact(json!({"first_name": "C"})).await);
    merged_ok(&app, CONTACTS, &bb, json!({"other_id": a})).await;
    merged_ok(&app, CONTACTS, &c, json!({"other_id": bb})).await;
    for gone in [&a, &bb] {
        let res = app.get(&contact_at(gone)).await;
        assert_eq!(res.status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(res.header("location"), Some(contact_at(&c).as_str()));
    }
    // A caller who cannot read the tombstone learns nothing from it.
    let intruder = app.other_workspace().await;
    as_user(&app, &intruder, Method::GET, &contact_at(&a), None)
        .await
        .problem(404, "not-found");
}

async fn custom_record_references_follow_a_contact_merge(b: Backend) {
    let app = TestApp::new(b).await;
    // One field indexed (filterable), one read from the JSON: both are found.
    for (object, key, filterable) in [
        ("deals", "champion", true),
        ("contacts", "referred_by", false),
    ] {
        post_ok(
            &app,
            "/api/v1/custom-fields",
            json!({"object": object, "key": key, "label": key, "type": "record",
                "target": "contacts", "filterable": filterable}),
        )
        .await;
    }
    let s = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let l = id_of(&app.create_contact(json!({"first_name": "Anna"})).await);
    let other = id_of(&app.create_contact(json!({"first_name": "Bo"})).await);
    let friend = id_of(
        &app.create_contact(json!({"first_name": "Cy", "custom": {"referred_by": l}}))
            .await,
    );
    let bystander = id_of(
        &app.create_contact(json!({"first_name": "Di", "custom": {"referred_by": other}}))
            .await,
    );
    let pipeline = sales_pipeline(&app).await;
    let deal = deal_in(
        &app,
        &pipeline,
        json!({"name": "Big", "custom": {"champion": l}}),
    )
    .await;

    merged_ok(&app, CONTACTS, &s, json!({"other_id": l})).await;
    assert_eq!(
        get_ok(&app, &format!("/api/v1/deals/{deal}")).await["custom"]["champion"],
        s.as_str()
    );
    assert_eq!(
        get_ok(&app, &contact_at(&friend)).await["custom"]["referred_by"],
        s.as_str()
    );
    assert_eq!(
        get_ok(&app, &contact_at(&bystander)).await["custom"]["referred_by"],
        other.as_str(),
        "a value pointing elsewhere is left alone"
    );
    // The filter on the field now finds the deal by its survivor.
    let found = get_ok(
        &app,
        &format!(
            "/api/v1/deals?filter={}",
            enc(&format!("custom.champion eq \"{s}\""))
        ),
    )
    .await;
    assert_eq!(ids(&found), [deal.as_str()]);
    let audit = get_ok(&app, "/api/v1/audit?action=contacts.merge").await;
    let details = &audit["data"][0]["details"];
    assert_eq!(details["moved"]["deals"], 1);
    assert_eq!(details["moved"]["contacts"], 1);
}

async fn a_merge_that_would_share_a_unique_reference_is_refused(b: Backend) {
    let app = TestApp::new(b).await;
    post_ok(
        &app,
        "/api/v1/custom-fields",
        json!({"object": "deals", "key": "champion", "label": "Champion", "type": "record",
            "target": "contacts", "unique": true}),
    )
    .await;
    let s = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let l = id_of(&app.create_contact(json!({"first_name": "Anna"})).await);
    let pipeline = sales_pipeline(&app).await;
    let mut deals = Vec::new();
    for (name, champion) in [("Mine", &s), ("Theirs", &l)] {
        let body = json!({"name": name, "custom": {"champion": champion}});
        deals.push(deal_in(&app, &pipeline, body).await);
    }
    let before = rows(&app).await;
    let p = merge(&app, CONTACTS, &s, json!({"other_id": l}))
        .await
        .problem(409, "conflict");
    assert_eq!(p["code"], "duplicate_value", "{p}");
    assert_eq!(p["existing_id"], deals[0].as_str(), "{p}");
    assert_eq!(rows(&app).await, before);
    assert_eq!(get_ok(&app, &contact_at(&l)).await["first_name"], "Anna");
    assert_eq!(
        get_ok(&app, &format!("/api/v1/deals/{}", deals[1])).await["custom"]["champion"],
        l.as_str()
    );
}

async fn associations_follow_a_contact_merge(b: Backend) {
    let app = TestApp::new(b).await;
    let s = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let l = id_of(&app.create_contact(json!({"first_name": "Anna"})).await);
    let acme = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let pipeline = sales_pipeline(&app).await;
    let mut deals = Vec::new();
    for name in ["Only theirs", "Unlabelled mine", "Labelled mine"] {
        deals.push(deal_in(&app, &pipeline, json!({"name": name})).await);
    }
    let associate = |from: String, to: String, label: Option<&str>| {
        let app = &app;
        let body = label.map_or(json!({}), |l| json!({"label": l}));
        async move {
            let res = app
                .request(Method::PUT, &format!("{from}/associations/{to}"))
                .json(&body)
                .send()
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        }
    };
    let deal_at = |i: usize| format!("deals/{}", deals[i]);
    for i in 0..3 {
        associate(contact_at(&l), deal_at(i), Some("champion")).await;
    }
    associate(contact_at(&s), deal_at(1), None).await;
    associate(contact_at(&s), deal_at(2), Some("buyer")).await;
    associate(contact_at(&l), format!("companies/{acme}"), Some("advisor")).await;
    associate(contact_at(&l), format!("contacts/{s}"), Some("twin")).await;

    merged_ok(&app, CONTACTS, &s, json!({"other_id": l})).await;
    let mine = get_ok(&app, &format!("{}/associations", contact_at(&s))).await;
    let mut seen: Vec<(String, String, String)> = mine["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| {
            let text = |k: &str| a[k].as_str().expect("a string").to_owned();
            (text("type"), text("id"), text("label"))
        })
        .collect();
    seen.sort();
    let mut expected = [
        ("companies", &acme, "advisor"),
        ("deals", &deals[0], "champion"),
        ("deals", &deals[1], "champion"),
        ("deals", &deals[2], "buyer"),
    ]
    .map(|(t, id, label)| (t.to_owned(), id.clone(), label.to_owned()));
    expected.sort();
    assert_eq!(seen, expected, "{mine}");
    // Seen from the deal, too; nothing is left on the merged contact or between the two.
    let of_deal = get_ok(
        &app,
        &format!("/api/v1/deals/{}/associations/contacts", deals[0]),
    )
    .await;
    assert_eq!(ids(&of_deal), [s.as_str()], "{of_deal}");
    assert_eq!(app.count_rows("associations").await, 8);
    let audit = get_ok(&app, "/api/v1/audit?action=contacts.merge").await;
    assert_eq!(audit["data"][0]["details"]["moved"]["associations"], 5);
}

// ---------------------------------------------------------------------------------------------
// Merging companies
// ---------------------------------------------------------------------------------------------

async fn a_company_merge_moves_contacts_deals_cases_and_frees_the_domain(b: Backend) {
    let app = TestApp::new(b).await;
    let s = id_of(
        &app.create_company(json!({"name": "Acme", "industry": "Rockets"}))
            .await,
    );
    let l = id_of(
        &app.create_company(
            json!({"name": "ACME Inc.", "domain": "acme.com", "industry": "Toys",
                                   "tags": ["partner"]}),
        )
        .await,
    );
    let ana = id_of(
        &app.create_contact(json!({"first_name": "Ana", "company_id": l}))
            .await,
    );
    let pipeline = sales_pipeline(&app).await;
    let deal = deal_in(&app, &pipeline, json!({"name": "Big", "company_id": l})).await;
    let case = id_of(
        &post_ok(
            &app,
            "/api/v1/cases",
            json!({"subject": "Late", "company_id": l}),
        )
        .await,
    );
    let note = id_of(
        &post_ok(
            &app,
            "/api/v1/activities",
            json!({"kind": "note", "body": "x", "links": [{"type": "companies", "id": l}]}),
        )
        .await,
    );
    let lead = id_of(
        &post_ok(
            &app,
            "/api/v1/leads",
            json!({"last_name": "Lead", "company_name": "Acme leads"}),
        )
        .await,
    );
    post_ok(
        &app,
        &format!("/api/v1/leads/{lead}/convert"),
        json!({"contact_id": ana, "company_id": l}),
    )
    .await;
    assert!(
        duplicates(&app, COMPANIES, &s)
            .await
            .iter()
            .any(|(id, r)| *id == l && r == &vec!["same_name".to_owned()])
    );

    let merged = merged_ok(&app, COMPANIES, &s, json!({"other_id": l})).await;
    assert_eq!(
        merged["domain"], "acme.com",
        "the merged company's domain is free for the survivor"
    );
    assert_eq!(merged["industry"], "Rockets");
    assert_eq!(merged["tags"], json!(["partner"]));
    let gone = app.get(&company_at(&l)).await;
    assert_eq!(gone.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(gone.header("location"), Some(company_at(&s).as_str()));
    assert_eq!(
        get_ok(&app, &contact_at(&ana)).await["company_id"],
        s.as_str()
    );
    assert_eq!(
        get_ok(&app, &format!("/api/v1/deals/{deal}")).await["company_id"],
        s.as_str()
    );
    assert_eq!(
        get_ok(&app, &format!("/api/v1/cases/{case}")).await["company_id"],
        s.as_str()
    );
    assert_eq!(
        get_ok(&app, &format!("/api/v1/activities/{note}")).await["links"],
        json!([{"type": "companies", "id": s}])
    );
    assert_eq!(
        get_ok(&app, &format!("/api/v1/leads/{lead}")).await["converted_company_id"],
        s.as_str()
    );
    // A new company cannot take the domain: the survivor holds it.
    let p = app
        .post(COMPANIES, json!({"name": "Copycat", "domain": "acme.com"}))
        .await
        .problem(409, "conflict");
    assert_eq!(p["existing_id"], s.as_str());
    let audit = get_ok(&app, "/api/v1/audit?action=companies.merge").await;
    let details = &audit["data"][0]["details"];
    assert_eq!(details["moved"]["contacts"], 1);
    assert_eq!(details["moved"]["deals"], 1);
    assert_eq!(details["moved"]["leads"], 1);
}

both_backends!(
    contact_duplicates_are_found_by_email_phone_and_similar_name_at_one_company,
    duplicates_only_show_records_the_caller_may_read,
    company_duplicates_are_found_by_domain_and_normalised_name,
    a_contact_merge_moves_everything_and_the_merged_contact_redirects,
    field_choices_are_honoured,
    refused_merges_write_nothing,
    a_merge_that_breaks_a_field_rule_names_the_choice_and_writes_nothing,
    merges_chain_and_redirect_to_the_last_survivor,
    custom_record_references_follow_a_contact_merge,
    associations_follow_a_contact_merge,
    a_merge_that_would_share_a_unique_reference_is_refused,
    a_company_merge_moves_contacts_deals_cases_and_frees_the_domain,
);
