//! Campaigns through the HTTP API, on SQLite and PostgreSQL: the campaign record (money, dates,
//! validation, lists), its members (an idempotent all-or-nothing upsert with per-item pointers,
//! counts by status, lists, removal, members of deleted or foreign records) with their audit
//! entries, and the deals it influenced.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{code_at, enc, filter_ids, get_ok, id_of, ids, next_link, pointers, sorted};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_store::audit::{self, AuditQuery, Entry};
use rapport_testkit::{Backend, TestApp, TestResponse, TestUser, both_backends};
use serde_json::{Value, json};
use uuid::Uuid;

const CAMPAIGNS: &str = "/api/v1/campaigns";

fn at(id: &str) -> String {
    format!("{CAMPAIGNS}/{id}")
}

fn members_of(id: &str) -> String {
    format!("{CAMPAIGNS}/{id}/members")
}

fn deals_of(id: &str) -> String {
    format!("{CAMPAIGNS}/{id}/deals")
}

async fn create(app: &TestApp, body: Value) -> Value {
    let res = app.post(CAMPAIGNS, body).await;
    assert_eq!(
        res.status,
        StatusCode::CREATED,
        "create campaign: {}",
        res.text()
    );
    res.json()
}

async fn contacts(app: &TestApp, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for name in names {
        out.push(id_of(
            &app.create_contact(json!({ "first_name": name })).await,
        ));
    }
    out
}

fn member(id: &str, status: Option<&str>) -> Value {
    match status {
        Some(s) => json!({"type": "contacts", "id": id, "status": s}),
        None => json!({"type": "contacts", "id": id}),
    }
}

/// `POST /campaigns/{id}/members`, asserting 200.
async fn put_members(app: &TestApp, campaign: &str, members: Vec<Value>) -> Value {
    let res = app
        .post(&members_of(campaign), json!({ "members": members }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "put members: {}", res.text());
    res.json()
}

fn counts(targeted: i64, responded: i64, converted: i64) -> Value {
    json!({"targeted": targeted, "responded": responded, "converted": converted})
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

/// The workspace's audit entries with `action`, oldest first.
async fn entries(app: &TestApp, action: &str) -> Vec<Entry> {
    let q = AuditQuery {
        action: Some(action.to_owned()),
        limit: 1000,
        ..AuditQuery::default()
    };
    let mut all = audit::list(&app.app.db, app.owner.workspace_id, &q)
        .await
        .expect("audit list");
    all.reverse();
    all
}

fn details(e: &Entry) -> Value {
    serde_json::from_str(&e.details).expect("details are JSON")
}

/// Row counts of every table a member write touches.
#[derive(Debug, PartialEq, Eq)]
struct MemberRows([i64; 3]);

impl MemberRows {
    async fn count(app: &TestApp) -> MemberRows {
        MemberRows([
            app.count_rows("campaign_members").await,
            app.count_rows("campaigns").await,
            app.count_rows("audit_log").await,
        ])
    }
}

/// An id as an SQL literal for the test's database.
fn sql_id(b: Backend, id: Uuid) -> String {
    match b {
        Backend::Sqlite => format!("X'{}'", id.simple()),
        Backend::Postgres => format!("'{id}'::uuid"),
    }
}

/// A deal written straight into the database (the deals API is not on this branch), with the
/// pipeline and stage it needs; returns its id.
async fn insert_deal(app: &TestApp, ws: Uuid, name: &str) -> Uuid {
    let b = app.backend;
    let (pipeline, stage, deal) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let now = match b {
        Backend::Sqlite => "'2026-01-05T10:00:00+00:00'".to_owned(),
        Backend::Postgres => "'2026-01-05T10:00:00Z'::timestamptz".to_owned(),
    };
    let ws = sql_id(b, ws);
    app.execute(&format!(
        "INSERT INTO pipelines (workspace_id, id, name, created_at, updated_at) VALUES ({ws}, {}, 'Sales', {now}, {now})",
        sql_id(b, pipeline)
    ))
    .await;
    app.execute(&format!(
        "INSERT INTO pipeline_stages (workspace_id, id, pipeline_id, position, name, probability, kind) VALUES ({ws}, {}, {}, 0, 'Lead in', 10, 'open')",
        sql_id(b, stage),
        sql_id(b, pipeline)
    ))
    .await;
    app.execute(&format!(
        "INSERT INTO deals (workspace_id, id, name, pipeline_id, stage_id, stage_kind, created_at, updated_at) VALUES ({ws}, {}, '{name}', {}, {}, 'open', {now}, {now})",
        sql_id(b, deal),
        sql_id(b, pipeline),
        sql_id(b, stage)
    ))
    .await;
    deal
}

// ---------------------------------------------------------------------------------------------
// The campaign record
// ---------------------------------------------------------------------------------------------

async fn a_campaign_is_created_read_patched_and_listed_with_money_dates_and_counts(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .post(
            CAMPAIGNS,
            json!({
                "name": " Spring webinar ", "kind": "webinar",
                "budget": {"amount": "2500.5", "currency": "eur"},
                "starts_on": "2026-04-01", "ends_on": "2026-04-30",
                "owner_id": app.owner.user_id.to_string(),
                "description": "Product tour\r\nand Q&A"
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"1\""));
    let c = res.json();
    let id = id_of(&c);
    assert_eq!(res.header("location"), Some(at(&id).as_str()));
    assert_eq!(c["name"], "Spring webinar");
    assert_eq!(c["status"], "planned", "planned by default");
    assert_eq!(c["budget"], json!({"amount": "2500.50", "currency": "EUR"}));
    assert_eq!(
        (c["starts_on"].clone(), c["ends_on"].clone()),
        (json!("2026-04-01"), json!("2026-04-30"))
    );
    assert_eq!(c["description"], "Product tour\nand Q&A");
    assert_eq!(c["member_counts"], counts(0, 0, 0));
    assert_eq!(get_ok(&app, &at(&id)).await, c);

    let res = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"status": "active", "ends_on": null}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let active = res.json();
    assert_eq!(
        (active["status"].clone(), active["ends_on"].clone()),
        (json!("active"), Value::Null)
    );
    app.request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"status": "completed"}))
        .send()
        .await
        .problem(412, "precondition-failed");

    let fair = id_of(
        &create(
            &app,
            json!({"name": "Trade fair", "kind": "event", "starts_on": "2025-10-01",
        "budget": {"amount": "40000", "currency": "EUR"}}),
        )
        .await,
    );
    let ads = id_of(
        &create(
            &app,
            json!({"name": "Search ads", "kind": "ads", "status": "completed"}),
        )
        .await,
    );
    let app = &app;
    let q = move |e: &'static str| async move { sorted(filter_ids(app, CAMPAIGNS, e).await) };
    assert_eq!(q(r#"kind eq "event""#).await, vec![fair.clone()]);
    assert_eq!(
        q(r#"status in ("active", "completed")"#).await,
        sorted(vec![id.clone(), ads.clone()])
    );
    assert_eq!(
        q("budget.amount gte 2500.50").await,
        sorted(vec![id.clone(), fair.clone()])
    );
    assert_eq!(
        q(r#"budget.currency eq "eur" and budget.amount lt 3000"#).await,
        vec![id.clone()]
    );
    assert_eq!(q("budget.amount is_null").await, vec![ads.clone()]);
    assert_eq!(q(r#"starts_on gte "2026-01-01""#).await, vec![id.clone()]);
    assert_eq!(q("starts_on is_null").await, vec![ads.clone()]);
    assert_eq!(
        q("ends_on is_null").await,
        sorted(vec![id.clone(), fair.clone(), ads.clone()])
    );
    assert_eq!(q(r#"name starts_with "SEARCH""#).await, vec![ads.clone()]);
    assert_eq!(q(r#"name contains "AIR""#).await, vec![fair.clone()]);
    // A campaign created without an owner belongs to its creator.
    let owner = format!(r#"owner_id eq "{}""#, app.owner.user_id);
    assert_eq!(
        sorted(filter_ids(app, CAMPAIGNS, &owner).await),
        sorted(vec![id.clone(), fair.clone(), ads.clone()])
    );
    assert_eq!(
        ids(&get_ok(app, &format!("{CAMPAIGNS}?sort=name")).await),
        [ads.clone(), id.clone(), fair.clone()]
    );
    let p = app
        .get(&format!("{CAMPAIGNS}?sort=starts_on"))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "sort");

    assert_eq!(app.delete(&at(&ads)).await.status, StatusCode::NO_CONTENT);
    app.get(&at(&ads)).await.problem(404, "not-found");
    assert_eq!(
        ids(&get_ok(app, &format!("{CAMPAIGNS}?sort=name")).await),
        [id.clone(), fair.clone()]
    );
    let res = app.post(&format!("{}/restore", at(&ads)), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["member_counts"], counts(0, 0, 0));
}

async fn bad_dates_and_fields_are_refused_with_their_pointers_and_nothing_written(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(
        &create(
            &app,
            json!({"name": "Launch", "starts_on": "2026-06-01", "ends_on": "2026-06-30"}),
        )
        .await,
    );
    let stranger = app.other_workspace().await;
    let before = MemberRows::count(&app).await;
    let p = app
        .post(
            CAMPAIGNS,
            json!({
                "kind": "tv", "status": "running", "budget": {"amount": 10.5, "currency": "EUR"},
                "starts_on": "2026-05-02", "ends_on": "2026-05-01", "member_counts": {"targeted": 3},
                "colour": "red"
            }),
        )
        .await
        .problem(422, "validation-failed");
    let expected = [
        ("/name", "required"),
        ("/kind", "invalid_choice"),
        ("/status", "invalid_choice"),
        ("/budget", "invalid_money"),
        ("/ends_on", "before_start"),
        ("/member_counts", "read_only"),
        ("/colour", "unknown_field"),
    ];
    for (pointer, code) in expected {
        assert_eq!(code_at(&p, pointer), code, "{pointer}: {p}");
    }
    assert_eq!(
        sorted(pointers(&p)),
        sorted(expected.iter().map(|(p, _)| (*p).to_owned()).collect())
    );
    for (body, pointer, code) in [
        (
            json!({"name": "X", "starts_on": "01/06/2026"}),
            "/starts_on",
            "invalid_format",
        ),
        (
            json!({"name": "X", "ends_on": "2026-02-30"}),
            "/ends_on",
            "invalid_format",
        ),
        (
            json!({"name": "X", "owner_id": stranger.user_id.to_string()}),
            "/owner_id",
            "not_found",
        ),
    ] {
        let p = app
            .post(CAMPAIGNS, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
        assert_eq!(code_at(&p, pointer), code, "{body}");
    }
    // A patch that moves one end past the other is refused at the end date, both ways.
    for patch in [
        json!({"starts_on": "2026-07-01"}),
        json!({"ends_on": "2026-05-31"}),
    ] {
        let p = app
            .patch(&at(&id), patch.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), ["/ends_on"], "{patch}");
    }
    // One day is a valid campaign.
    let res = app.patch(&at(&id), json!({"ends_on": "2026-06-01"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let mut after = MemberRows::count(&app).await;
    // The accepted patch wrote one audit entry; nothing else changed.
    after.0[2] -= 1;
    assert_eq!(after, before);
}

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

async fn the_members_upsert_is_idempotent_and_the_counts_follow(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Newsletter", "kind": "email"})).await);
    let people = contacts(&app, &["Ada", "Grace", "Edsger", "Barbara"]).await;
    let first: Vec<Value> = people[..3].iter().map(|p| member(p, None)).collect();

    let out = put_members(&app, &id, first.clone()).await;
    assert_eq!(
        (
            out["created"].clone(),
            out["updated"].clone(),
            out["unchanged"].clone()
        ),
        (json!(3), json!(0), json!(0))
    );
    assert_eq!(out["member_counts"], counts(3, 0, 0));
    assert_eq!(
        out["version"], 2,
        "the counts are part of the campaign: its version moves"
    );
    let listed: Vec<(String, String)> = out["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| {
            (
                id_of(m),
                m["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        people[..3]
            .iter()
            .map(|p| (p.clone(), "targeted".to_owned()))
            .collect::<Vec<_>>()
    );
    let campaign = app.get(&at(&id)).await;
    assert_eq!(campaign.header("etag"), Some("\"2\""));
    assert_eq!(campaign.json()["member_counts"], counts(3, 0, 0));

    // The same call again changes nothing, not even the version; so does a replay by key.
    let again = put_members(&app, &id, first.clone()).await;
    assert_eq!(
        (again["created"].clone(), again["unchanged"].clone()),
        (json!(0), json!(3))
    );
    assert_eq!(again["version"], 2);
    assert_eq!(again["data"], out["data"]);
    for replayed in [None, Some("true")] {
        let res = app
            .request(Method::POST, &members_of(&id))
            .header("idempotency-key", "members-1")
            .json(&json!({ "members": first }))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(res.header("idempotent-replayed"), replayed);
        assert_eq!(res.json()["version"], 2);
    }

    // Statuses move; a member sent without one keeps its own.
    let out = put_members(
        &app,
        &id,
        vec![
            member(&people[0], Some("responded")),
            member(&people[1], Some("converted")),
            member(&people[2], None),
            member(&people[3], Some("responded")),
        ],
    )
    .await;
    assert_eq!(
        (
            out["created"].clone(),
            out["updated"].clone(),
            out["unchanged"].clone()
        ),
        (json!(1), json!(2), json!(1))
    );
    assert_eq!(out["member_counts"], counts(1, 2, 1));
    assert_eq!(out["version"], 3);
    let out = put_members(&app, &id, people.iter().map(|p| member(p, None)).collect()).await;
    assert_eq!(out["unchanged"], 4, "adding the list again demotes nobody");
    assert_eq!(out["member_counts"], counts(1, 2, 1));

    // Reads of the campaign, one or many, show the counts.
    let other = id_of(&create(&app, json!({"name": "Empty"})).await);
    let page = get_ok(&app, &format!("{CAMPAIGNS}?sort=name")).await;
    let shown: Vec<(String, Value)> = page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| (id_of(c), c["member_counts"].clone()))
        .collect();
    assert_eq!(
        shown,
        [(other, counts(0, 0, 0)), (id.clone(), counts(1, 2, 1))]
    );
    let renamed = app.patch(&at(&id), json!({"name": "Newsletter #2"})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
    assert_eq!(
        renamed.json()["member_counts"],
        counts(1, 2, 1),
        "a patch answers with the counts"
    );
}

async fn concurrent_upserts_of_the_same_members_add_them_once(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Rush"})).await);
    let people = contacts(&app, &["A", "B", "C"]).await;
    let body =
        json!({"members": people.iter().map(|p| member(p, Some("responded"))).collect::<Vec<_>>()});
    let router = app.authed_router();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let router = router.clone();
            let (path, body) = (members_of(&id), body.to_string());
            tokio::spawn(async move {
                use tower::ServiceExt;
                let req = http::Request::post(path)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(body))
                    .expect("request");
                let res = router.oneshot(req).await.expect("router");
                let status = res.status();
                let bytes = http_body_util::BodyExt::collect(res.into_body())
                    .await
                    .expect("body")
                    .to_bytes();
                (
                    status,
                    serde_json::from_slice::<Value>(&bytes).expect("json"),
                )
            })
        })
        .collect();
    let mut created = Vec::new();
    for t in tasks {
        let (status, out) = t.await.expect("task");
        assert_eq!(status, StatusCode::OK, "{out}");
        created.push(out["created"].as_i64().expect("created"));
    }
    created.sort_unstable();
    assert_eq!(
        created,
        [0, 0, 0, 0, 0, 3],
        "one call adds them, the others find them"
    );
    let campaign = get_ok(&app, &at(&id)).await;
    assert_eq!(
        (
            campaign["version"].clone(),
            campaign["member_counts"].clone()
        ),
        (json!(2), counts(0, 3, 0))
    );
    assert_eq!(app.count_rows("campaign_members").await, 3);
    assert_eq!(entries(&app, "campaigns.members.put").await.len(), 1);
}

async fn the_member_list_pages_and_filters_by_status_and_type(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Roadshow", "kind": "event"})).await);
    let people = contacts(&app, &["A", "B", "C", "D", "E"]).await;
    let statuses = [
        "targeted",
        "responded",
        "responded",
        "converted",
        "targeted",
    ];
    put_members(
        &app,
        &id,
        people
            .iter()
            .zip(statuses)
            .map(|(p, s)| member(p, Some(s)))
            .collect(),
    )
    .await;
    let base = members_of(&id);
    let filtered = |f: &str| format!("{base}?filter={}", enc(f));
    assert_eq!(
        sorted(ids(
            &get_ok(&app, &filtered(r#"status eq "responded""#)).await
        )),
        sorted(vec![people[1].clone(), people[2].clone()])
    );
    assert_eq!(
        ids(&get_ok(&app, &filtered(r#"type eq "leads""#)).await),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&get_ok(
            &app,
            &filtered(r#"type eq "contacts" and status ne "targeted""#)
        )
        .await)
        .len(),
        3
    );
    assert_eq!(
        ids(&get_ok(&app, &filtered(&format!(r#"id eq "{}""#, people[3]))).await),
        [people[3].clone()]
    );
    let one = get_ok(&app, &format!("{base}?fields=id,status&limit=1")).await;
    assert_eq!(
        one["data"],
        json!([{"id": people[0], "status": "targeted"}])
    );

    let mut url = format!("{base}?limit=2&include_total=true");
    let mut seen = Vec::new();
    for _ in 0..5 {
        let res = app.get(&url).await;
        assert_eq!(res.status, StatusCode::OK, "{url}: {}", res.text());
        let page = res.json();
        assert_eq!(page["total"], 5);
        for m in page["data"].as_array().expect("data") {
            assert_eq!(m["type"], "contacts");
            assert!(
                m["added_at"].is_string() && m["updated_at"].is_string(),
                "{m}"
            );
        }
        seen.extend(ids(&page));
        match next_link(&res) {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(seen, people, "every member once, in the order they joined");
    assert_eq!(
        ids(&get_ok(&app, &format!("{base}?sort=-added_at")).await).len(),
        5
    );
    for (query, parameter) in [
        ("sort=status", "sort"),
        ("fields=name", "fields"),
        ("limit=0", "limit"),
    ] {
        let p = app
            .get(&format!("{base}?{query}"))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(p["parameter"], parameter, "{query}");
    }
    let p = app
        .get(&filtered(r#"status eq "won""#))
        .await
        .problem(400, "invalid-filter");
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("targeted, responded, converted")),
        "{p}"
    );
    app.get(&members_of(&Uuid::now_v7().to_string()))
        .await
        .problem(404, "not-found");
}

async fn members_of_another_workspace_or_missing_records_are_refused_item_by_item(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Launch"})).await);
    let ours = contacts(&app, &["Ours", "Gone"]).await;
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{}", ours[1]))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let intruder = app.other_workspace().await;
    let theirs = as_user(
        &app,
        &intruder,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({"first_name": "Theirs"})),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text());
    let theirs = id_of(&theirs.json());
    let before = MemberRows::count(&app).await;

    let p = app
        .post(
            &members_of(&id),
            json!({"members": [
                member(&ours[0], Some("responded")),
                member(&theirs, None),
                member(&Uuid::now_v7().to_string(), None),
                member(&ours[1], None),
                {"type": "leads", "id": Uuid::now_v7().to_string()},
            ]}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(
        pointers(&p),
        [
            "/members/1/id",
            "/members/2/id",
            "/members/3/id",
            "/members/4/id"
        ]
    );
    for pointer in [
        "/members/1/id",
        "/members/2/id",
        "/members/3/id",
        "/members/4/id",
    ] {
        assert_eq!(code_at(&p, pointer), "not_found", "{p}");
    }
    assert!(!p.to_string().contains("Theirs"), "{p}");
    assert_eq!(
        MemberRows::count(&app).await,
        before,
        "a refused call writes nothing"
    );
    let campaign = get_ok(&app, &at(&id)).await;
    assert_eq!(
        (
            campaign["version"].clone(),
            campaign["member_counts"].clone()
        ),
        (json!(1), counts(0, 0, 0))
    );

    // The intruder cannot reach our campaign's members at all.
    for (method, path, body) in [
        (Method::GET, members_of(&id), None),
        (
            Method::POST,
            members_of(&id),
            Some(json!({"members": [member(&theirs, None)]})),
        ),
        (
            Method::DELETE,
            format!("{}/contacts/{}", members_of(&id), ours[0]),
            None,
        ),
    ] {
        as_user(&app, &intruder, method.clone(), &path, body)
            .await
            .problem(404, "not-found");
    }
}

async fn a_members_call_is_bounded_and_every_bad_item_is_listed(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Ads"})).await);
    let people = contacts(&app, &["A"]).await;
    let before = MemberRows::count(&app).await;
    let many: Vec<Value> = (0..1001)
        .map(|_| member(&Uuid::now_v7().to_string(), None))
        .collect();
    let p = app
        .post(&members_of(&id), json!({ "members": many }))
        .await
        .problem(422, "validation-failed");
    assert_eq!(
        (pointers(&p), code_at(&p, "/members")),
        (vec!["/members".to_owned()], "too_many".to_owned())
    );
    for body in [json!({}), json!({"members": []}), json!({"members": "all"})] {
        let p = app
            .post(&members_of(&id), body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), ["/members"], "{body}");
    }
    let p = app
        .post(
            &members_of(&id),
            json!({"members": [
                member(&people[0], None),
                member(&people[0], Some("responded")),
                {"type": "companies", "id": people[0]},
                {"type": "contacts", "id": "nope", "status": "won"},
                {"type": "contacts"},
            ], "dry_run": true}),
        )
        .await
        .problem(422, "validation-failed");
    let expected = [
        ("/dry_run", "unknown_field"),
        ("/members/1/id", "duplicate"),
        ("/members/2/type", "invalid_choice"),
        ("/members/3/id", "invalid_format"),
        ("/members/3/status", "invalid_choice"),
        ("/members/4/id", "required"),
    ];
    for (pointer, code) in expected {
        assert_eq!(code_at(&p, pointer), code, "{pointer}: {p}");
    }
    assert_eq!(pointers(&p).len(), expected.len(), "{p}");
    assert_eq!(
        MemberRows::count(&app).await,
        before,
        "a refused call writes nothing"
    );
    // A thousand is fine.
    let mut thousand: Vec<Value> = (0..999)
        .map(|_| member(&Uuid::now_v7().to_string(), None))
        .collect();
    thousand.push(member(&people[0], None));
    let p = app
        .post(&members_of(&id), json!({ "members": thousand }))
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p).len(), 999, "each unknown id is named");
    assert!(!pointers(&p).contains(&"/members/999/id".to_owned()));
}

async fn a_member_whose_contact_is_deleted_leaves_counts_and_lists_until_restored(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Webinar"})).await);
    let people = contacts(&app, &["Stays", "Leaves"]).await;
    put_members(
        &app,
        &id,
        vec![
            member(&people[0], Some("responded")),
            member(&people[1], Some("converted")),
        ],
    )
    .await;
    let contact = format!("/api/v1/contacts/{}", people[1]);
    assert_eq!(app.delete(&contact).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get_ok(&app, &at(&id)).await["member_counts"],
        counts(0, 1, 0)
    );
    assert_eq!(
        ids(&get_ok(&app, &members_of(&id)).await),
        [people[0].clone()]
    );
    // It cannot be changed while deleted, nor re-added.
    let p = app
        .post(
            &members_of(&id),
            json!({"members": [member(&people[1], Some("targeted"))]}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/members/0/id"]);
    let res = app.post(&format!("{contact}/restore"), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        get_ok(&app, &at(&id)).await["member_counts"],
        counts(0, 1, 1)
    );
    assert_eq!(ids(&get_ok(&app, &members_of(&id)).await), people);
}

async fn a_removed_member_leaves_and_comes_back_as_a_new_one(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Social push", "kind": "social"})).await);
    let people = contacts(&app, &["A", "B"]).await;
    put_members(
        &app,
        &id,
        vec![
            member(&people[0], Some("converted")),
            member(&people[1], None),
        ],
    )
    .await;
    let path = format!("{}/contacts/{}", members_of(&id), people[0]);
    let res = app.request(Method::DELETE, &path).send().await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    let campaign = get_ok(&app, &at(&id)).await;
    assert_eq!(
        (
            campaign["version"].clone(),
            campaign["member_counts"].clone()
        ),
        (json!(3), counts(1, 0, 0))
    );
    assert_eq!(
        ids(&get_ok(&app, &members_of(&id)).await),
        [people[1].clone()]
    );
    app.delete(&path).await.problem(404, "not-found");
    app.delete(&format!("{}/leads/{}", members_of(&id), people[1]))
        .await
        .problem(404, "not-found");
    app.delete(&format!("{}/companies/{}", members_of(&id), people[1]))
        .await
        .problem(404, "not-found");
    app.delete(&format!("{}/contacts/nope", members_of(&id)))
        .await
        .problem(404, "not-found");

    let out = put_members(&app, &id, vec![member(&people[0], None)]).await;
    assert_eq!(
        out["created"], 1,
        "a removed member comes back as a new one"
    );
    assert_eq!(out["data"][0]["status"], "targeted");
    assert_eq!(out["member_counts"], counts(2, 0, 0));
    assert_eq!(
        app.count_rows("campaign_members").await,
        2,
        "through its old row"
    );
}

async fn member_changes_are_audited_on_the_campaign(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Audited"})).await);
    let people = contacts(&app, &["A", "B"]).await;
    put_members(&app, &id, vec![member(&people[0], None)]).await;
    put_members(
        &app,
        &id,
        vec![
            member(&people[0], Some("responded")),
            member(&people[1], None),
        ],
    )
    .await;
    put_members(
        &app,
        &id,
        vec![member(&people[0], None), member(&people[1], None)],
    )
    .await;
    let res = app
        .delete(&format!("{}/contacts/{}", members_of(&id), people[1]))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);

    let puts = entries(&app, "campaigns.members.put").await;
    assert_eq!(puts.len(), 2, "an unchanged resend records nothing");
    for e in &puts {
        assert_eq!(e.object_type.as_deref(), Some("campaigns"));
        assert_eq!(e.object_id.as_deref(), Some(id.as_str()));
        assert_eq!(e.actor_id, Some(app.owner.user_id.to_string()));
    }
    assert_eq!(
        details(&puts[0])["changes"],
        json!([{"type": "contacts", "id": people[0], "status": "targeted", "previous": null}])
    );
    let second = details(&puts[1]);
    assert_eq!(
        (
            second["created"].clone(),
            second["updated"].clone(),
            second["version"].clone()
        ),
        (json!(1), json!(1), json!(3))
    );
    assert_eq!(
        second["changes"],
        json!([
            {"type": "contacts", "id": people[0], "status": "responded", "previous": "targeted"},
            {"type": "contacts", "id": people[1], "status": "targeted", "previous": null}
        ])
    );
    let removes = entries(&app, "campaigns.members.remove").await;
    assert_eq!(removes.len(), 1);
    assert_eq!(details(&removes[0])["id"], json!(people[1]));
    assert_eq!(details(&removes[0])["version"], 4);
    // The log still verifies.
    assert!(matches!(
        rapport_app::audit::verify(&app.app, app.owner.workspace_id)
            .await
            .expect("verify"),
        rapport_store::audit::Verdict::Intact { .. }
    ));
}

async fn scoped_roles_and_viewers_reach_members_only_as_far_as_the_campaign(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .request(Method::PUT, "/api/v1/roles/marketer")
        .json(&json!({"objects": {"campaigns": ["read", "create", "update"], "contacts": ["read"]}, "record_scope": "own"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let marketer = app.member(Role::Member).await;
    let res = app
        .patch(
            &format!("/api/v1/members/{}", marketer.user_id),
            json!({"role": "marketer"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let people = contacts(&app, &["A"]).await;
    let not_theirs = id_of(&create(&app, json!({"name": "Owner's"})).await);
    let res = as_user(
        &app,
        &marketer,
        Method::POST,
        CAMPAIGNS,
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let mine = id_of(&res.json());
    let res = as_user(
        &app,
        &marketer,
        Method::POST,
        &members_of(&mine),
        Some(json!({"members": [member(&people[0], None)]})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    as_user(
        &app,
        &marketer,
        Method::POST,
        &members_of(&not_theirs),
        Some(json!({"members": [member(&people[0], None)]})),
    )
    .await
    .problem(404, "not-found");
    as_user(&app, &marketer, Method::GET, &members_of(&not_theirs), None)
        .await
        .problem(404, "not-found");
    // Leads are not theirs to name.
    as_user(
        &app,
        &marketer,
        Method::POST,
        &members_of(&mine),
        Some(json!({"members": [{"type": "leads", "id": people[0]}]})),
    )
    .await
    .problem(403, "forbidden");
    let viewer = app.member(Role::Viewer).await;
    let res = as_user(&app, &viewer, Method::GET, &members_of(&mine), None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    as_user(
        &app,
        &viewer,
        Method::POST,
        &members_of(&mine),
        Some(json!({"members": [member(&people[0], Some("converted"))]})),
    )
    .await
    .problem(403, "forbidden");
    assert_eq!(
        get_ok(&app, &at(&mine)).await["member_counts"],
        counts(1, 0, 0)
    );
}

async fn a_deleted_campaign_takes_its_members_along_until_restored(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Paused"})).await);
    let people = contacts(&app, &["A"]).await;
    put_members(&app, &id, vec![member(&people[0], Some("responded"))]).await;
    assert_eq!(app.delete(&at(&id)).await.status, StatusCode::NO_CONTENT);
    app.get(&members_of(&id)).await.problem(404, "not-found");
    app.post(
        &members_of(&id),
        json!({"members": [member(&people[0], None)]}),
    )
    .await
    .problem(404, "not-found");
    app.get(&deals_of(&id)).await.problem(404, "not-found");
    let res = app.post(&format!("{}/restore", at(&id)), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["member_counts"], counts(0, 1, 0));
    assert_eq!(ids(&get_ok(&app, &members_of(&id)).await), people);
}

// ---------------------------------------------------------------------------------------------
// Influenced deals
// ---------------------------------------------------------------------------------------------

async fn influenced_deals_link_once_and_hide_deleted_or_foreign_deals(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"name": "Fair"})).await);
    let ws = app.owner.workspace_id.0;
    let big = insert_deal(&app, ws, "Big one").await;
    let small = insert_deal(&app, ws, "Small one").await;
    let stranger = app.other_workspace().await;
    let foreign = insert_deal(&app, stranger.workspace_id.0, "Theirs").await;

    let link = |deal: Uuid| format!("{}/{deal}", deals_of(&id));
    let res = app.request(Method::PUT, &link(big)).send().await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let first = res.json();
    assert_eq!(first["deal_id"], json!(big.to_string()));
    let res = app.request(Method::PUT, &link(big)).send().await;
    assert_eq!(res.status, StatusCode::OK, "already linked: {}", res.text());
    assert_eq!(res.json(), first, "the link keeps its time");
    let res = app.request(Method::PUT, &link(small)).send().await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    for missing in [foreign, Uuid::now_v7()] {
        app.request(Method::PUT, &link(missing))
            .send()
            .await
            .problem(404, "not-found");
    }
    app.request(Method::PUT, &format!("{}/nope", deals_of(&id)))
        .send()
        .await
        .problem(404, "not-found");
    let listed: Vec<Value> = get_ok(&app, &deals_of(&id)).await["data"]
        .as_array()
        .expect("data")
        .clone();
    assert_eq!(
        listed
            .iter()
            .map(|d| d["deal_id"].clone())
            .collect::<Vec<_>>(),
        [json!(big.to_string()), json!(small.to_string())]
    );
    let page = get_ok(&app, &format!("{}?limit=1&fields=deal_id", deals_of(&id))).await;
    assert_eq!(page["data"], json!([{"deal_id": big.to_string()}]));
    assert!(page["next_cursor"].is_string());

    // A deleted deal leaves the list and cannot be linked.
    app.execute(&format!(
        "UPDATE deals SET deleted_at = updated_at WHERE id = {}",
        sql_id(b, small)
    ))
    .await;
    let listed = get_ok(&app, &deals_of(&id)).await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    app.request(Method::PUT, &link(small))
        .send()
        .await
        .problem(404, "not-found");

    assert_eq!(app.delete(&link(big)).await.status, StatusCode::NO_CONTENT);
    app.delete(&link(big)).await.problem(404, "not-found");
    assert_eq!(get_ok(&app, &deals_of(&id)).await["data"], json!([]));
    let res = app.request(Method::PUT, &link(big)).send().await;
    assert_eq!(
        res.status,
        StatusCode::CREATED,
        "linked again: {}",
        res.text()
    );
    assert_eq!(app.count_rows("campaign_deals").await, 2);

    let links = entries(&app, "campaigns.deals.").await;
    let actions: Vec<(&str, Value)> = links
        .iter()
        .map(|e| (e.action.as_str(), details(e)["deal_id"].clone()))
        .collect();
    assert_eq!(
        actions,
        [
            ("campaigns.deals.link", json!(big.to_string())),
            ("campaigns.deals.link", json!(small.to_string())),
            ("campaigns.deals.unlink", json!(big.to_string())),
            ("campaigns.deals.link", json!(big.to_string())),
        ]
    );
    // The intruder cannot see or change our links.
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let path = if method == Method::GET {
            deals_of(&id)
        } else {
            link(big)
        };
        as_user(&app, &stranger, method, &path, None)
            .await
            .problem(404, "not-found");
    }
}

both_backends!(
    a_campaign_is_created_read_patched_and_listed_with_money_dates_and_counts,
    bad_dates_and_fields_are_refused_with_their_pointers_and_nothing_written,
    the_members_upsert_is_idempotent_and_the_counts_follow,
    concurrent_upserts_of_the_same_members_add_them_once,
    the_member_list_pages_and_filters_by_status_and_type,
    members_of_another_workspace_or_missing_records_are_refused_item_by_item,
    a_members_call_is_bounded_and_every_bad_item_is_listed,
    a_member_whose_contact_is_deleted_leaves_counts_and_lists_until_restored,
    a_removed_member_leaves_and_comes_back_as_a_new_one,
    member_changes_are_audited_on_the_campaign,
    scoped_roles_and_viewers_reach_members_only_as_far_as_the_campaign,
    a_deleted_campaign_takes_its_members_along_until_restored,
    influenced_deals_link_once_and_hide_deleted_or_foreign_deals,
);
