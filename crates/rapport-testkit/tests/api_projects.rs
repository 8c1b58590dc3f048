//! Projects through the HTTP API, on SQLite and PostgreSQL: milestones in order with ids that
//! survive edits, progress and `completed_at` derived by the server, the idempotent "complete a
//! milestone" route, the JSON and CSV export, filters and sorts on the listed fields ("open
//! milestones due this week" as one filter), soft delete and restore, and bad input answered
//! with every pointer and nothing written.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{code_at, enc, filter_ids, get_ok, id_of, ids, pointers, sorted};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

const PROJECTS: &str = "/api/v1/projects";

fn at(id: &str) -> String {
    format!("{PROJECTS}/{id}")
}

fn day(offset: i64) -> String {
    (Utc::now() + Duration::days(offset))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

async fn create(app: &TestApp, body: Value) -> Value {
    let res = app.post(PROJECTS, body.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{body}: {}", res.text());
    res.json()
}

/// Row counts of every table a project write touches.
async fn rows(app: &TestApp) -> [i64; 4] {
    [
        app.count_rows("projects").await,
        app.count_rows("project_milestones").await,
        app.count_rows("search_docs").await,
        app.count_rows("audit_log").await,
    ]
}

fn milestone_ids(p: &Value) -> Vec<String> {
    p["milestones"]
        .as_array()
        .unwrap_or_else(|| panic!("no milestones: {p}"))
        .iter()
        .map(id_of)
        .collect()
}

fn titles(p: &Value) -> Vec<String> {
    p["milestones"]
        .as_array()
        .unwrap_or_else(|| panic!("no milestones: {p}"))
        .iter()
        .map(|m| m["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A company and a deal of the test workspace, for references.
async fn company_and_deal(app: &TestApp) -> (String, String) {
    let company = id_of(&app.create_company(json!({ "name": "Initech" })).await);
    let pipeline = app
        .post(
            "/api/v1/pipelines",
            json!({ "name": "Sales", "stages": [{ "name": "Won", "kind": "won" }] }),
        )
        .await
        .json();
    let deal = app
        .post(
            "/api/v1/deals",
            json!({ "name": "Rollout", "pipeline_id": id_of(&pipeline), "company_id": company }),
        )
        .await;
    assert_eq!(deal.status, StatusCode::CREATED, "{}", deal.text());
    (company, id_of(&deal.json()))
}

async fn a_project_keeps_its_milestones_in_order_with_derived_fields(b: Backend) {
    let app = TestApp::new(b).await;
    let (company, deal) = company_and_deal(&app).await;
    let res = app
        .post(
            PROJECTS,
            json!({
                "name": " Rollout ", "company_id": company, "deal_id": deal,
                "starts_on": "2026-01-05", "ends_on": "2026-03-31",
                "description": "Install and\r\ntrain", "tags": ["onboarding"],
                "milestones": [
                    {"title": "Kick-off", "due_on": "2026-01-05", "done_at": "2026-01-05T10:00:00+01:00"},
                    {"title": "Pilot", "due_on": "2026-02-01"},
                    {"title": "Go-live", "due_on": "2026-03-31"}
                ]
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let p = res.json();
    let id = id_of(&p);
    assert_eq!(res.header("location"), Some(at(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(p["name"], "Rollout");
    assert_eq!(p["status"], "planned");
    assert_eq!(p["company_id"], company);
    assert_eq!(p["deal_id"], deal);
    // Created without an owner, it is its creator's.
    assert_eq!(p["owner_id"], app.owner.user_id.to_string());
    assert_eq!(p["description"], "Install and\ntrain");
    assert_eq!(titles(&p), ["Kick-off", "Pilot", "Go-live"]);
    assert_eq!(p["milestones"][0]["done_at"], "2026-01-05T09:00:00.000Z");
    assert_eq!(p["milestones"][1]["done_at"], Value::Null);
    assert_eq!(p["milestones"][2]["due_on"], "2026-03-31");
    let mids = milestone_ids(&p);
    assert_eq!(sorted(mids.clone()).len(), 3);
    assert!(mids.iter().all(|m| uuid::Uuid::parse_str(m).is_ok()));
    // One of three done, rounded down.
    assert_eq!(p["progress"], 33);
    assert_eq!(p["completed_at"], Value::Null);
    assert_eq!(get_ok(&app, &at(&id)).await, p);
    assert_eq!(app.count_rows("project_milestones").await, 3);

    // A project without milestones is at 0 %.
    let empty = create(&app, json!({ "name": "Empty" })).await;
    assert_eq!(empty["progress"], 0);
    assert_eq!(empty["milestones"], json!([]));
}

async fn milestone_ids_survive_edits_and_the_server_derives_progress_and_completion(b: Backend) {
    let app = TestApp::new(b).await;
    let p = create(
        &app,
        json!({ "name": "Rollout", "milestones": [
            {"title": "A", "due_on": "2026-01-01"},
            {"title": "B", "due_on": "2026-02-01"},
            {"title": "C", "due_on": "2026-03-01"}
        ]}),
    )
    .await;
    let id = id_of(&p);
    let m = milestone_ids(&p);

    // Reorder, rename, re-date, drop B and add D in one merge patch at the current version.
    let res = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({ "milestones": [
            {"id": m[2], "title": "C (moved)", "due_on": "2026-01-15"},
            {"id": m[0], "title": "A", "due_on": "2026-01-01", "done_at": "2026-01-02T08:00:00Z"},
            {"title": "D", "due_on": "2026-04-01"}
        ]}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let p = res.json();
    assert_eq!(res.header("etag"), Some("\"2\""));
    let after = milestone_ids(&p);
    assert_eq!(after[0], m[2], "C kept its id");
    assert_eq!(after[1], m[0], "A kept its id");
    assert!(!m.contains(&after[2]), "D is new");
    assert_eq!(titles(&p), ["C (moved)", "A", "D"]);
    assert_eq!(p["progress"], 33);
    assert_eq!(
        app.count_rows("project_milestones").await,
        3,
        "B's row left"
    );
    // The side table follows: B is no longer a milestone of the project.
    assert!(
        filter_ids(&app, PROJECTS, &format!("milestones.id eq \"{}\"", m[1]))
            .await
            .is_empty()
    );
    assert_eq!(
        filter_ids(&app, PROJECTS, &format!("milestones.id eq \"{}\"", m[2])).await,
        [id.as_str()]
    );

    // A stale If-Match changes nothing.
    let before = app.get(&at(&id)).await.text();
    let res = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({ "name": "Stale" }))
        .send()
        .await;
    res.problem(412, "precondition-failed");
    assert_eq!(app.get(&at(&id)).await.text(), before);

    // Completing the project stamps completed_at, which stays while it stays completed.
    let res = app.patch(&at(&id), json!({ "status": "completed" })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let done = res.json();
    let completed_at = done["completed_at"].clone();
    assert!(completed_at.is_string(), "{done}");
    assert_eq!(done["completed_at"], done["updated_at"]);
    let renamed = app
        .patch(&at(&id), json!({ "name": "Renamed" }))
        .await
        .json();
    assert_eq!(renamed["completed_at"], completed_at);
    // Reopening clears it.
    let reopened = app
        .patch(&at(&id), json!({ "status": "active" }))
        .await
        .json();
    assert_eq!(reopened["completed_at"], Value::Null);
    // Server-derived fields cannot be written.
    let res = app
        .patch(&at(&id), json!({ "progress": 100, "completed_at": null }))
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(code_at(&problem, "/progress"), "read_only");
}

async fn completing_a_milestone_sets_done_at_once(b: Backend) {
    let app = TestApp::new(b).await;
    let p = create(
        &app,
        json!({ "name": "Rollout", "milestones": [
            {"title": "A", "due_on": "2026-01-01"},
            {"title": "B", "due_on": "2026-02-01"}
        ]}),
    )
    .await;
    let id = id_of(&p);
    let m = milestone_ids(&p);
    let complete = |mid: &str| format!("{PROJECTS}/{id}/milestones/{mid}/complete");

    let before_call = Utc::now() - Duration::seconds(1);
    let res = app.request(Method::POST, &complete(&m[1])).send().await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let first = res.json();
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(first["version"], 2);
    assert_eq!(first["progress"], 50);
    let done_at = first["milestones"][1]["done_at"].clone();
    let stamped = chrono::DateTime::parse_from_rfc3339(done_at.as_str().expect("done_at"))
        .expect("timestamp");
    assert!(stamped >= before_call, "{done_at}");
    assert_eq!(first["milestones"][0]["done_at"], Value::Null);

    // Again: nothing changes, not even the version.
    let res = app.request(Method::POST, &complete(&m[1])).send().await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let second = res.json();
    assert_eq!(second, first);
    assert_eq!(res.header("etag"), Some("\"2\""));

    // With If-Match: a stale version is refused.
    let res = app
        .request(Method::POST, &complete(&m[0]))
        .header("if-match", "\"1\"")
        .send()
        .await;
    res.problem(412, "precondition-failed");
    let res = app
        .request(Method::POST, &complete(&m[0]))
        .header("if-match", "\"2\"")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["progress"], 100);

    // Unknown milestone, unknown project, malformed id: 404.
    let unknown = uuid::Uuid::now_v7().to_string();
    app.request(Method::POST, &complete(&unknown))
        .send()
        .await
        .problem(404, "not-found");
    app.request(
        Method::POST,
        &format!("{PROJECTS}/{unknown}/milestones/{}/complete", m[0]),
    )
    .send()
    .await
    .problem(404, "not-found");
    app.request(Method::POST, &complete("nope"))
        .send()
        .await
        .problem(404, "not-found");
    // The project's timeline shows each change, newest first.
    let timeline = get_ok(&app, &format!("{PROJECTS}/{id}/timeline")).await;
    let actions: Vec<&str> = timeline["data"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["projects.update", "projects.update", "projects.create"],
        "{timeline}"
    );
    // A viewer may not.
    let viewer = app.member(Role::Viewer).await;
    app.request(Method::POST, &complete(&m[0]))
        .bearer(&viewer.token)
        .send()
        .await
        .problem(403, "forbidden");
}

/// Parses RFC 4180 CSV (quoted fields with doubled quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        row.is_empty() && field.is_empty(),
        "the last line ends with CRLF"
    );
    rows
}

async fn a_project_exports_as_csv_and_json(b: Backend) {
    let app = TestApp::new(b).await;
    let (company, _) = company_and_deal(&app).await;
    let p = create(
        &app,
        json!({
            "name": "Rollout, \"phase 2\"", "company_id": company, "status": "active",
            "ends_on": "2026-03-31", "tags": ["vip", "eu"], "description": "two\nlines",
            "milestones": [
                {"title": "=HYPERLINK(\"x\")", "due_on": "2026-01-05", "done_at": "2026-01-05T10:00:00Z"},
                {"title": "Go-live", "due_on": "2026-03-31"}
            ]
        }),
    )
    .await;
    let id = id_of(&p);
    let m = milestone_ids(&p);

    let res = app.get(&format!("{}/export?format=csv", at(&id))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        res.header("content-disposition"),
        Some(format!("attachment; filename=\"project-{id}.csv\"").as_str())
    );
    let rows = parse_csv(&res.text());
    assert_eq!(
        rows.len(),
        3,
        "a header and one row per milestone: {rows:?}"
    );
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))
    };
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[col("project_id")], id);
        assert_eq!(row[col("project_name")], "Rollout, \"phase 2\"");
        assert_eq!(row[col("status")], "active");
        assert_eq!(row[col("company_id")], company);
        assert_eq!(row[col("ends_on")], "2026-03-31");
        assert_eq!(row[col("starts_on")], "");
        assert_eq!(row[col("progress")], "50");
        assert_eq!(row[col("tags")], "vip; eu");
        assert_eq!(row[col("description")], "two\nlines");
        assert_eq!(row[col("milestone_position")], i.to_string());
        assert_eq!(row[col("milestone_id")], m[i]);
    }
    // A cell a spreadsheet would run as a formula is defused.
    assert_eq!(rows[1][col("milestone_title")], "'=HYPERLINK(\"x\")");
    assert_eq!(
        rows[1][col("milestone_done_at")],
        "2026-01-05T10:00:00.000Z"
    );
    assert_eq!(rows[2][col("milestone_title")], "Go-live");
    assert_eq!(rows[2][col("milestone_due_on")], "2026-03-31");
    assert_eq!(rows[2][col("milestone_done_at")], "");

    // JSON: the project with its milestones, as GET shows it.
    let res = app.get(&format!("{}/export?format=json", at(&id))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.header("content-disposition"),
        Some(format!("attachment; filename=\"project-{id}.json\"").as_str())
    );
    assert_eq!(res.json(), get_ok(&app, &at(&id)).await);
    assert_eq!(
        app.get(&format!("{}/export", at(&id))).await.json(),
        res.json()
    );

    // A project without milestones still has its row.
    let bare = create(&app, json!({ "name": "Bare" })).await;
    let rows = parse_csv(
        &app.get(&format!("{}/export?format=csv", at(&id_of(&bare))))
            .await
            .text(),
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].len(), rows[0].len());
    assert_eq!(rows[1][1], "Bare");

    let res = app.get(&format!("{}/export?format=xlsx", at(&id))).await;
    let problem = res.problem(400, "invalid-parameter");
    assert_eq!(problem["parameter"], "format");
    app.get(&format!("{PROJECTS}/{}/export", uuid::Uuid::now_v7()))
        .await
        .problem(404, "not-found");
}

async fn bad_input_names_every_field_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let (company, deal) = company_and_deal(&app).await;
    let before = rows(&app).await;

    let res = app
        .post(
            PROJECTS,
            json!({
                "status": "done", "starts_on": "2026-05-01", "ends_on": "2026-04-30",
                "company_id": "acme", "progress": 10, "colour": "red",
                "milestones": [{"title": " ", "due_on": "31/12/2026"}, {"title": "No date"}, "x"]
            }),
        )
        .await;
    let problem = res.problem(422, "validation-failed");
    let mut got = pointers(&problem);
    got.sort();
    assert_eq!(
        got,
        [
            "/colour",
            "/company_id",
            "/ends_on",
            "/milestones/0/due_on",
            "/milestones/0/title",
            "/milestones/1/due_on",
            "/milestones/2",
            "/name",
            "/progress",
            "/status",
        ],
        "{problem}"
    );
    assert_eq!(code_at(&problem, "/ends_on"), "before_start");
    assert_eq!(code_at(&problem, "/colour"), "unknown_field");
    assert_eq!(rows(&app).await, before, "nothing was written");

    // At most 200 milestones.
    let many: Vec<Value> = (0..201)
        .map(|i| json!({"title": format!("M{i}"), "due_on": "2026-01-01"}))
        .collect();
    let problem = app
        .post(PROJECTS, json!({ "name": "Huge", "milestones": many }))
        .await
        .problem(422, "validation-failed");
    assert_eq!(code_at(&problem, "/milestones"), "too_many");

    // References of another workspace (or none at all) answer like missing ones.
    let other = app.other_workspace().await;
    let theirs = app
        .request(Method::POST, "/api/v1/companies")
        .bearer(&other.token)
        .json(&json!({ "name": "Theirs" }))
        .send()
        .await
        .json();
    let before = rows(&app).await;
    let res = app
        .post(
            PROJECTS,
            json!({
                "name": "Rollout", "company_id": id_of(&theirs),
                "deal_id": uuid::Uuid::now_v7().to_string(), "owner_id": other.user_id.to_string()
            }),
        )
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(
        pointers(&problem),
        ["/company_id", "/deal_id", "/owner_id"],
        "{problem}"
    );
    assert_eq!(code_at(&problem, "/deal_id"), "not_found");
    assert_eq!(rows(&app).await, before, "nothing was written");

    // A milestone id of another project is refused where it is written.
    let first = create(
        &app,
        json!({ "name": "First", "company_id": company, "deal_id": deal,
                "milestones": [{"title": "A", "due_on": "2026-01-01"}] }),
    )
    .await;
    let stolen = milestone_ids(&first)[0].clone();
    let before = rows(&app).await;
    let res = app
        .post(
            PROJECTS,
            json!({ "name": "Second", "milestones": [
                {"title": "Mine", "due_on": "2026-01-01"},
                {"id": stolen, "title": "Theirs", "due_on": "2026-01-01"}
            ]}),
        )
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(
        code_at(&problem, "/milestones/1/id"),
        "foreign_milestone",
        "{problem}"
    );
    assert_eq!(rows(&app).await, before, "nothing was written");
    assert_eq!(get_ok(&app, &at(&id_of(&first))).await, first);
}

async fn lists_filter_and_sort_on_the_listed_fields(b: Backend) {
    let app = TestApp::new(b).await;
    let (company, deal) = company_and_deal(&app).await;
    let colleague = app.member(Role::Member).await;
    // Due this week (today), open.
    let due_now = create(
        &app,
        json!({ "name": "Bravo", "status": "active", "company_id": company, "deal_id": deal,
                "ends_on": "2026-06-30", "tags": ["vip"],
                "milestones": [{"title": "Now", "due_on": day(0)}, {"title": "Later", "due_on": day(60)}] }),
    )
    .await;
    // Due this week too, but already done; plus one open far away.
    let done_now = create(
        &app,
        json!({ "name": "Alpha", "owner_id": colleague.user_id.to_string(), "ends_on": "2026-03-31",
                "milestones": [
                    {"title": "Now", "due_on": day(0), "done_at": "2026-01-01T00:00:00Z"},
                    {"title": "Later", "due_on": day(60)}
                ] }),
    )
    .await;
    // One overdue and one far ahead, open: no single milestone is due this week.
    let straddles = create(
        &app,
        json!({ "name": "Charlie", "status": "on_hold",
                "milestones": [{"title": "Late", "due_on": day(-30)}, {"title": "Ahead", "due_on": day(30)}] }),
    )
    .await;
    let bare = create(&app, json!({ "name": "Delta", "status": "completed" })).await;
    let [a, b_, c, d] = [&done_now, &due_now, &straddles, &bare].map(id_of);

    let f = |expr: &'static str| filter_ids(&app, PROJECTS, expr);
    assert_eq!(
        f(r#"open_milestones.due_on in_period "this_week""#).await,
        [b_.as_str()]
    );
    assert_eq!(
        sorted(f(r#"milestones.due_on in_period "this_week""#).await),
        sorted(vec![a.clone(), b_.clone()])
    );
    assert_eq!(
        sorted(f(r#"open_milestones.due_on lt "today""#).await),
        [c.as_str()]
    );
    assert_eq!(f("milestones.id is_null true").await, [d.as_str()]);
    assert_eq!(f(r#"status eq "on_hold""#).await, [c.as_str()]);
    assert_eq!(
        sorted(f(r#"status in ("active", "completed")"#).await),
        sorted(vec![b_.clone(), d.clone()])
    );
    assert_eq!(
        filter_ids(&app, PROJECTS, &format!("company_id eq \"{company}\"")).await,
        [b_.as_str()]
    );
    assert_eq!(
        filter_ids(&app, PROJECTS, &format!("deal_id eq \"{deal}\"")).await,
        [b_.as_str()]
    );
    assert_eq!(
        filter_ids(
            &app,
            PROJECTS,
            &format!("owner_id eq \"{}\"", colleague.user_id)
        )
        .await,
        [a.as_str()]
    );
    assert_eq!(f(r#"tags contains "VIP""#).await, [b_.as_str()]);
    assert_eq!(f(r#"ends_on lt "2026-04-01""#).await, [a.as_str()]);
    assert_eq!(f("progress gte 50").await, [a.as_str()]);
    // A plain date column in a period: its days, compared as dates.
    let this_year = Utc::now().date_naive().year().to_string();
    let mut ending_this_year: Vec<String> = [(&a, "2026-03-31"), (&b_, "2026-06-30")]
        .into_iter()
        .filter(|(_, end)| end.starts_with(&this_year))
        .map(|(id, _)| id.clone())
        .collect();
    ending_this_year.sort();
    assert_eq!(
        sorted(f(r#"ends_on in_period "this_year""#).await),
        ending_this_year
    );
    assert_eq!(
        f("completed_at is_null false").await,
        [d.as_str()],
        "Delta was created completed"
    );

    let app = &app;
    let sort = |s: &'static str| async move {
        ids(&get_ok(app, &format!("{PROJECTS}?sort={}", enc(s))).await)
    };
    assert_eq!(
        sort("name").await,
        [a.clone(), b_.clone(), c.clone(), d.clone()]
    );
    // Projects without an end date come last.
    let by_end = sort("ends_on,name").await;
    assert_eq!(by_end, [a.clone(), b_.clone(), c.clone(), d.clone()]);
    assert_eq!(sort("-progress,name").await[0], a);
    assert_eq!(
        sort("-created_at").await,
        [d.clone(), c.clone(), a.clone(), b_.clone()]
    );

    // Pages of one follow the cursor through the sort on a nullable field.
    let mut seen = Vec::new();
    let mut next = Some(format!("{PROJECTS}?sort=ends_on&limit=1"));
    while let Some(path) = next {
        let res = app.get(&path).await;
        let page = res.json();
        seen.extend(ids(&page));
        next = page["next_cursor"]
            .as_str()
            .map(|c| format!("{PROJECTS}?sort=ends_on&limit=1&cursor={c}"));
    }
    assert_eq!(seen, [a.clone(), b_.clone(), c.clone(), d.clone()]);

    let res = app.get(&format!("{PROJECTS}?sort=description")).await;
    res.problem(400, "invalid-parameter");
    let res = app
        .get(&format!(
            "{PROJECTS}?filter={}",
            enc(r#"milestones.due_on in_period "someday""#)
        ))
        .await;
    res.problem(400, "invalid-filter");
}

async fn delete_and_restore(b: Backend) {
    let app = TestApp::new(b).await;
    let p = create(
        &app,
        json!({ "name": "Rollout", "milestones": [{"title": "A", "due_on": day(0)}] }),
    )
    .await;
    let id = id_of(&p);
    let res = app
        .request(Method::DELETE, &at(&id))
        .header("if-match", "\"7\"")
        .send()
        .await;
    res.problem(412, "precondition-failed");
    let res = app.delete(&at(&id)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    app.get(&at(&id)).await.problem(404, "not-found");
    assert!(ids(&get_ok(&app, PROJECTS).await).is_empty());
    assert!(
        filter_ids(&app, PROJECTS, r#"milestones.due_on in_period "this_week""#)
            .await
            .is_empty()
    );
    let res = app
        .request(Method::POST, &format!("{}/restore", at(&id)))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let restored = res.json();
    assert_eq!(restored["version"], 3);
    assert_eq!(restored["milestones"], p["milestones"]);
    assert_eq!(ids(&get_ok(&app, PROJECTS).await), [id]);
}

both_backends!(
    a_project_keeps_its_milestones_in_order_with_derived_fields,
    milestone_ids_survive_edits_and_the_server_derives_progress_and_completion,
    completing_a_milestone_sets_done_at_once,
    a_project_exports_as_csv_and_json,
    bad_input_names_every_field_and_writes_nothing,
    lists_filter_and_sort_on_the_listed_fields,
    delete_and_restore,
);
