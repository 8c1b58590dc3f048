//! Activities and timelines through the HTTP API, on SQLite and PostgreSQL: each kind with its
//! own fields, links to records of the workspace only, what an activity does to the deals and
//! leads it concerns, and a record's timeline (activities, tasks, stage moves, changes) newest first
//! with cursor pagination.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use std::collections::BTreeSet;

use common::{code_at, filter_ids, get_ok, id_of, pointers, sorted};
use http::{Method, StatusCode};
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

const ACTIVITIES: &str = "/api/v1/activities";

async fn log(app: &TestApp, body: Value) -> Value {
    let res = app.post(ACTIVITIES, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

async fn pipeline(app: &TestApp) -> Value {
    app.post(
        "/api/v1/pipelines",
        json!({"name": "Sales", "rotting_days": 7,
               "stages": [{"name": "Open"}, {"name": "Won", "kind": "won"}]}),
    )
    .await
    .json()
}

fn link(kind: &str, record: &Value) -> Value {
    json!({"type": kind, "id": id_of(record)})
}

async fn counts(app: &TestApp) -> [i64; 3] {
    [
        app.count_rows("activities").await,
        app.count_rows("activity_links").await,
        app.count_rows("search_docs").await,
    ]
}

async fn each_kind_keeps_its_own_fields(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = app.create_contact(json!({"first_name": "Ana"})).await;
    let call = log(
        &app,
        json!({"kind": "call", "direction": "outbound", "duration_seconds": 340,
               "outcome": "connected", "body": "Discussed pricing",
               "links": [link("contacts", &contact)]}),
    )
    .await;
    assert_eq!(call["duration_seconds"], 340);
    assert_eq!(call["links"], json!([link("contacts", &contact)]));
    let email = log(
        &app,
        json!({"kind": "email", "subject": "Proposal", "from": "Me@Example.com",
               "to": ["ana@example.com"], "body": "Hello Ana,\nhere it is.",
               "links": [link("contacts", &contact)]}),
    )
    .await;
    assert_eq!(email["from"], "me@example.com");
    assert_eq!(email["body"], "Hello Ana,\nhere it is.");
    let meeting = log(
        &app,
        json!({"kind": "meeting", "subject": "Demo", "occurred_at": "2026-11-20T09:00:00Z",
               "ends_at": "2026-11-20T10:00:00Z", "attendees": ["ana@example.com"],
               "links": [link("contacts", &contact)]}),
    )
    .await;
    assert_eq!(meeting["occurred_at"], "2026-11-20T09:00:00.000Z");
    assert_eq!(
        filter_ids(&app, ACTIVITIES, "kind eq \"call\"").await,
        [id_of(&call)]
    );
    let newest_first: Vec<String> = get_ok(&app, &format!("{ACTIVITIES}?sort=-occurred_at")).await
        ["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(newest_first.last(), Some(&id_of(&meeting)));
    // The kind is for life.
    let problem = app
        .patch(
            &format!("{ACTIVITIES}/{}", id_of(&call)),
            json!({"kind": "note", "direction": null, "duration_seconds": null, "outcome": null}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(code_at(&problem, "/kind"), "immutable");
}

async fn bad_activities_are_refused_with_every_field_named_and_nothing_written(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = app.create_contact(json!({"first_name": "Ana"})).await;
    let intruder = app.other_workspace().await;
    let theirs = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&intruder.token)
        .json(&json!({"first_name": "Theirs"}))
        .send()
        .await
        .json();
    let before = counts(&app).await;
    let problem = app
        .post(
            ACTIVITIES,
            json!({"kind": "note", "duration_seconds": 5, "to": ["x@example.com"],
                   "links": [link("contacts", &contact), {"type": "planets", "id": id_of(&contact)}]}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&problem)),
        ["/duration_seconds", "/links/1/type", "/to"]
    );
    let problem = app
        .post(
            ACTIVITIES,
            json!({"kind": "meeting", "occurred_at": "2026-11-20T10:00:00Z",
                   "ends_at": "2026-11-20T09:00:00Z", "attendees": ["not an address"],
                   "links": []}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&problem)),
        ["/attendees/0", "/ends_at", "/links"]
    );
    // A record of another workspace, or a missing one, is named by its pointer.
    let problem = app
        .post(
            ACTIVITIES,
            json!({"kind": "note", "links": [link("contacts", &contact), link("contacts", &theirs),
                   {"type": "deals", "id": uuid::Uuid::now_v7().to_string()}]}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/links/1/id", "/links/2/id"]);
    assert_eq!(counts(&app).await, before);
}

async fn an_activity_moves_a_deals_rotting_clock_and_a_leads_score(b: Backend) {
    let app = TestApp::new(b).await;
    let p = pipeline(&app).await;
    let deal = app
        .post(
            "/api/v1/deals",
            json!({"name": "Renewal", "pipeline_id": id_of(&p)}),
        )
        .await
        .json();
    let deal_path = format!("/api/v1/deals/{}", id_of(&deal));
    let lead = app
        .post("/api/v1/leads", json!({"last_name": "Hopper"}))
        .await
        .json();
    assert_eq!(lead["score"], 0);
    log(
        &app,
        json!({"kind": "call", "occurred_at": "2099-01-01T00:00:00Z",
               "links": [link("deals", &deal), link("leads", &lead)]}),
    )
    .await;
    let d = get_ok(&app, &deal_path).await;
    assert_eq!(d["last_activity_at"], "2099-01-01T00:00:00.000Z");
    assert_eq!(
        d["rots_at"], "2099-01-08T00:00:00.000Z",
        "7 days after the last activity"
    );
    // Default rules: 5 points per activity in the last 30 days (the future one counts).
    let l = get_ok(&app, &format!("/api/v1/leads/{}", id_of(&lead))).await;
    assert_eq!(l["score"], 5);
    // An older activity does not move the clock back.
    log(
        &app,
        json!({"kind": "note", "occurred_at": "2026-01-01T00:00:00Z", "links": [link("deals", &deal)]}),
    )
    .await;
    assert_eq!(
        get_ok(&app, &deal_path).await["last_activity_at"],
        "2099-01-01T00:00:00.000Z"
    );
}

async fn a_timeline_merges_activities_stage_moves_and_changes_newest_first(b: Backend) {
    let app = TestApp::new(b).await;
    let p = pipeline(&app).await;
    let deal = app
        .post(
            "/api/v1/deals",
            json!({"name": "Renewal", "pipeline_id": id_of(&p)}),
        )
        .await
        .json();
    let deal_path = format!("/api/v1/deals/{}", id_of(&deal));
    let note = log(
        &app,
        json!({"kind": "note", "body": "Kick-off", "links": [link("deals", &deal)]}),
    )
    .await;
    let res = app
        .patch(&deal_path, json!({"stage_id": p["stages"][1]["id"]}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let task = app
        .post(
            "/api/v1/tasks",
            json!({"title": "Send the contract", "record": link("deals", &deal)}),
        )
        .await;
    assert_eq!(task.status, StatusCode::CREATED, "{}", task.text());
    let gone = log(
        &app,
        json!({"kind": "note", "body": "Typo", "links": [link("deals", &deal)]}),
    )
    .await;
    assert_eq!(
        app.delete(&format!("{ACTIVITIES}/{}", id_of(&gone)))
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let all = get_ok(&app, &format!("{deal_path}/timeline")).await;
    let entries = all["data"].as_array().expect("data");
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    // A deleted activity leaves the timeline; everything else is there once.
    assert!(
        !entries.iter().any(|e| e["id"] == json!(id_of(&gone))),
        "{all}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "activity").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "stage_move").count(),
        2,
        "{kinds:?}"
    );
    // Created, then moved: an activity's effect on the deal (its rotting clock) is not a change
    // anyone made to it.
    assert_eq!(
        kinds.iter().filter(|k| **k == "change").count(),
        2,
        "{kinds:?}"
    );
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["at"].as_str().expect("at"))
        .collect();
    let mut newest_first = times.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(times, newest_first, "newest first");
    let activity = entries
        .iter()
        .find(|e| e["type"] == "activity")
        .expect("activity");
    assert_eq!(activity["activity"]["body"], "Kick-off");
    assert_eq!(activity["id"], json!(id_of(&note)));
    let win = entries
        .iter()
        .find(|e| e["type"] == "change" && e["action"] == "deals.update")
        .expect("the stage change");
    assert!(win["details"]["changes"].get("stage_id").is_some(), "{win}");

    // Pages of two give the same entries in the same order, each once.
    let mut paged = Vec::new();
    let mut path = format!("{deal_path}/timeline?limit=2");
    for _ in 0..20 {
        let res = app.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let page = res.json();
        paged.extend(page["data"].as_array().expect("data").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("{deal_path}/timeline?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(&paged, entries);
    let distinct: BTreeSet<String> = paged
        .iter()
        .map(|e| format!("{}:{}", e["type"], e["id"]))
        .collect();
    assert_eq!(distinct.len(), paged.len());
    // Bad parameters and unknown records.
    app.get(&format!("{deal_path}/timeline?cursor=garbage"))
        .await
        .problem(400, "invalid-parameter");
    app.get(&format!("/api/v1/deals/{}/timeline", uuid::Uuid::now_v7()))
        .await
        .problem(404, "not-found");
    // A contact's timeline holds what concerns it, and nothing of the deal's.
    let contact = app.create_contact(json!({"first_name": "Ana"})).await;
    log(
        &app,
        json!({"kind": "note", "links": [link("contacts", &contact)]}),
    )
    .await;
    let timeline = get_ok(
        &app,
        &format!("/api/v1/contacts/{}/timeline", id_of(&contact)),
    )
    .await;
    let kinds: Vec<&str> = timeline["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(kinds, ["activity", "change"]);
}

async fn a_company_timeline_rolls_up_its_contacts_and_deals_and_search_finds_activities(
    b: Backend,
) {
    let app = TestApp::new(b).await;
    let p = pipeline(&app).await;
    let acme = app
        .post("/api/v1/companies", json!({"name": "Acme"}))
        .await
        .json();
    let ana = app
        .create_contact(json!({"first_name": "Ana", "company_id": id_of(&acme)}))
        .await;
    let outsider = app.create_contact(json!({"first_name": "Otto"})).await;
    let deal = app
        .post(
            "/api/v1/deals",
            json!({"name": "Renewal", "pipeline_id": id_of(&p), "company_id": id_of(&acme)}),
        )
        .await
        .json();
    let call = log(
        &app,
        json!({"kind": "call", "subject": "Pricing call", "body": "Discussed the zephyrine plan",
               "links": [link("contacts", &ana)]}),
    )
    .await;
    // Linked to the company and to its contact: shown once.
    let both = log(
        &app,
        json!({"kind": "note", "body": "Met both",
               "links": [link("companies", &acme), link("contacts", &ana)]}),
    )
    .await;
    let on_deal = log(
        &app,
        json!({"kind": "note", "body": "Deal note", "links": [link("deals", &deal)]}),
    )
    .await;
    let elsewhere = log(
        &app,
        json!({"kind": "note", "body": "Not Acme", "links": [link("contacts", &outsider)]}),
    )
    .await;
    let moved = app
        .patch(
            &format!("/api/v1/deals/{}", id_of(&deal)),
            json!({"stage_id": p["stages"][1]["id"]}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    let task = app
        .post(
            "/api/v1/tasks",
            json!({"title": "Call Ana back", "record": link("contacts", &ana)}),
        )
        .await;
    assert_eq!(task.status, StatusCode::CREATED, "{}", task.text());

    let path = format!("/api/v1/companies/{}/timeline", id_of(&acme));
    let all = get_ok(&app, &path).await;
    let entries = all["data"].as_array().expect("data");
    let activities: Vec<&Value> = entries
        .iter()
        .filter(|e| e["type"] == "activity")
        .map(|e| &e["id"])
        .collect();
    assert_eq!(
        sorted(
            activities
                .iter()
                .map(|v| v.as_str().expect("id").to_owned())
                .collect()
        ),
        sorted(vec![id_of(&call), id_of(&both), id_of(&on_deal)]),
        "{all}"
    );
    assert!(!entries.iter().any(|e| e["id"] == json!(id_of(&elsewhere))));
    assert!(entries.iter().any(|e| e["type"] == "task"), "{all}");
    let stage_moves: Vec<&Value> = entries
        .iter()
        .filter(|e| e["type"] == "stage_move")
        .collect();
    assert_eq!(stage_moves.len(), 2, "{all}");
    assert!(
        stage_moves
            .iter()
            .all(|m| m["deal_id"] == json!(id_of(&deal)))
    );
    // Changes stay the company's own: its creation only.
    let changes: Vec<&Value> = entries.iter().filter(|e| e["type"] == "change").collect();
    assert_eq!(changes.len(), 1, "{all}");
    // Pages of one give the same entries, each once.
    let mut paged = Vec::new();
    let mut next = format!("{path}?limit=1");
    for _ in 0..30 {
        let page = get_ok(&app, &next).await;
        paged.extend(page["data"].as_array().expect("data").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => next = format!("{path}?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(&paged, entries);

    // Search finds activities by subject and by body.
    let found = get_ok(&app, "/api/v1/search?q=zephyrine").await;
    assert_eq!(found["data"][0]["type"], "activity", "{found}");
    assert_eq!(found["data"][0]["record"]["id"], json!(id_of(&call)));
    let by_subject = get_ok(&app, "/api/v1/search?q=pricing&types=activities").await;
    assert_eq!(
        by_subject["data"].as_array().map(Vec::len),
        Some(1),
        "{by_subject}"
    );
}

both_backends!(
    each_kind_keeps_its_own_fields,
    bad_activities_are_refused_with_every_field_named_and_nothing_written,
    an_activity_moves_a_deals_rotting_clock_and_a_leads_score,
    a_timeline_merges_activities_stage_moves_and_changes_newest_first,
    a_company_timeline_rolls_up_its_contacts_and_deals_and_search_finds_activities,
);
