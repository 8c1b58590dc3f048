//! Tasks through the HTTP API, on SQLite and PostgreSQL: defaults (open, normal, assigned to the
//! creator), validation with every pointer, references to members and records (another
//! workspace's contact answers like a missing one), `completed_at` following the status, merge
//! patches with ETags, soft delete and restore, filters and sorts on every listed field, and
//! "my open tasks due this week" as one filter expression.

mod common;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use common::{code_at, enc, filter_ids, get_ok, id_of, ids, next_link, pointers, sorted};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

const TASKS: &str = "/api/v1/tasks";

fn at(id: &str) -> String {
    format!("{TASKS}/{id}")
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("no time: {v}")))
        .unwrap_or_else(|e| panic!("{v}: {e}"))
        .with_timezone(&Utc)
}

async fn create(app: &TestApp, body: Value) -> Value {
    let res = app.post(TASKS, body.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{body}: {}", res.text());
    res.json()
}

/// Row counts of every table a task write touches.
async fn rows(app: &TestApp) -> [i64; 3] {
    [
        app.count_rows("tasks").await,
        app.count_rows("search_docs").await,
        app.count_rows("audit_log").await,
    ]
}

// ---------------------------------------------------------------------------------------------
// Create and read
// ---------------------------------------------------------------------------------------------

async fn a_new_task_is_open_normal_and_assigned_to_its_creator(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .post(
            TASKS,
            json!({"title": " Call Ana back ", "description": "About the\r\nrenewal",
                   "due_at": "2026-11-23T09:00:00+01:00", "tags": ["phone", "PHONE"]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let t = res.json();
    let id = id_of(&t);
    assert_eq!(res.header("location"), Some(at(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(t["title"], "Call Ana back");
    assert_eq!(t["description"], "About the\nrenewal");
    assert_eq!(t["due_at"], "2026-11-23T08:00:00.000Z");
    assert_eq!(t["priority"], "normal");
    assert_eq!(t["status"], "open");
    assert_eq!(t["assignee_id"], app.owner.user_id.to_string());
    assert_eq!(t["record"], Value::Null);
    assert_eq!(t["completed_at"], Value::Null);
    assert_eq!(t["tags"], json!(["phone"]));
    assert_eq!(t["version"], 1);
    assert_eq!(get_ok(&app, &at(&id)).await, t);
    // A date as a person types it: due by the end of that day.
    let by_day = app.patch(&at(&id), json!({"due_at": "2026-12-07"})).await;
    assert_eq!(by_day.status, StatusCode::OK, "{}", by_day.text());
    assert_eq!(by_day.json()["due_at"], "2026-12-07T23:59:59.999Z");

    // An explicit assignee (a member) is kept.
    let colleague = app.member(Role::Member).await;
    let t = create(
        &app,
        json!({"title": "Prepare quote", "assignee_id": colleague.user_id.to_string(),
               "priority": "high"}),
    )
    .await;
    assert_eq!(t["assignee_id"], colleague.user_id.to_string());
    assert_eq!(t["priority"], "high");
}

async fn a_task_links_to_a_contact_or_a_company_of_the_workspace(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let company = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let t1 = create(
        &app,
        json!({"title": "Call Ana", "record": {"type": "contacts", "id": contact}}),
    )
    .await;
    assert_eq!(t1["record"], json!({"type": "contacts", "id": contact}));
    let t2 = create(
        &app,
        json!({"title": "Visit Acme", "record": {"type": "companies", "id": company}}),
    )
    .await;
    // The link can be changed and removed.
    let res = app
        .patch(
            &at(&id_of(&t2)),
            json!({"record": {"type": "contacts", "id": contact}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["record"]["type"], "contacts");
    let res = app.patch(&at(&id_of(&t2)), json!({"record": null})).await;
    assert_eq!(res.json()["record"], Value::Null);
    assert_eq!(
        filter_ids(&app, TASKS, &format!(r#"record.id eq "{contact}""#)).await,
        [id_of(&t1)]
    );
}

// ---------------------------------------------------------------------------------------------
// Validation and references
// ---------------------------------------------------------------------------------------------

async fn every_bad_field_is_listed_with_its_pointer_and_nothing_is_written(b: Backend) {
    let app = TestApp::new(b).await;
    create(&app, json!({"title": "Existing"})).await;
    let before = rows(&app).await;
    let p = app
        .post(
            TASKS,
            json!({
                "priority": "urgent", "status": "finished", "due_at": "tomorrow",
                "record": {"type": "planets", "id": "x"}, "completed_at": "2026-01-01T00:00:00Z",
                "assignee_id": 12, "nickname": "x", "tags": ["ok", 5], "description": 3
            }),
        )
        .await
        .problem(422, "validation-failed");
    let expected = [
        ("/title", "required"),
        ("/priority", "invalid_choice"),
        ("/status", "invalid_choice"),
        ("/due_at", "invalid_format"),
        ("/record/type", "invalid_choice"),
        ("/record/id", "invalid_format"),
        ("/completed_at", "read_only"),
        ("/assignee_id", "invalid_type"),
        ("/nickname", "unknown_field"),
        ("/tags/1", "invalid_type"),
        ("/description", "invalid_type"),
    ];
    for (pointer, code) in expected {
        assert_eq!(code_at(&p, pointer), code, "{pointer}: {p}");
    }
    assert_eq!(
        sorted(pointers(&p)),
        sorted(expected.iter().map(|(p, _)| (*p).to_owned()).collect())
    );
    for (body, pointer, code) in [
        (json!({"title": "  "}), "/title", "required"),
        (json!({"title": "x".repeat(201)}), "/title", "too_long"),
        (
            json!({"title": "A", "record": {"type": "contacts"}}),
            "/record/id",
            "required",
        ),
        (
            json!({"title": "A", "record": "contacts/1"}),
            "/record",
            "invalid_type",
        ),
    ] {
        let p = app
            .post(TASKS, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
        assert_eq!(code_at(&p, pointer), code, "{body}");
    }
    assert_eq!(rows(&app).await, before, "invalid tasks write nothing");
}

async fn references_must_be_members_and_live_records_of_this_workspace(b: Backend) {
    let app = TestApp::new(b).await;
    let intruder = app.other_workspace().await;
    let theirs = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&intruder.token)
        .json(&json!({"first_name": "Mallory"}))
        .send()
        .await
        .json();
    let their_contact = id_of(&theirs);
    let gone = id_of(&app.create_contact(json!({"first_name": "Gone"})).await);
    app.delete(&format!("/api/v1/contacts/{gone}")).await;
    let before = rows(&app).await;
    let nobody = uuid::Uuid::now_v7().to_string();
    for (body, pointer) in [
        (
            json!({"title": "A", "record": {"type": "contacts", "id": their_contact}}),
            "/record/id",
        ),
        (
            json!({"title": "A", "record": {"type": "contacts", "id": gone}}),
            "/record/id",
        ),
        (
            json!({"title": "A", "record": {"type": "deals", "id": nobody}}),
            "/record/id",
        ),
        (
            json!({"title": "A", "assignee_id": intruder.user_id.to_string()}),
            "/assignee_id",
        ),
        (json!({"title": "A", "assignee_id": nobody}), "/assignee_id"),
    ] {
        let p = app
            .post(TASKS, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
        assert_eq!(code_at(&p, pointer), "not_found", "{body}");
        assert!(
            !p.to_string().contains(&their_contact) || pointer != "/record/id",
            "the problem does not echo the other workspace's record: {p}"
        );
    }
    // Both at once are listed together.
    let p = app
        .post(
            TASKS,
            json!({"title": "A", "record": {"type": "companies", "id": nobody},
                   "assignee_id": nobody}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(sorted(pointers(&p)), ["/assignee_id", "/record/id"]);
    assert_eq!(rows(&app).await, before, "refused tasks write nothing");
    // The other workspace's own task cannot point at our contact either.
    let ours = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let p = app
        .request(Method::POST, TASKS)
        .bearer(&intruder.token)
        .json(&json!({"title": "Steal", "record": {"type": "contacts", "id": ours}}))
        .send()
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/record/id"]);
}

async fn a_task_outlives_its_contact_and_assignee_but_cannot_take_on_missing_ones(b: Backend) {
    let app = TestApp::new(b).await;
    let colleague = app.member(Role::Member).await;
    let ana = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let t = create(
        &app,
        json!({"title": "Call Ana", "record": {"type": "contacts", "id": ana},
               "assignee_id": colleague.user_id.to_string()}),
    )
    .await;
    let id = id_of(&t);
    app.delete(&format!("/api/v1/contacts/{ana}")).await;
    let res = app
        .delete(&format!("/api/v1/members/{}", colleague.user_id))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    // What it already pointed at does not block closing it.
    let res = app.patch(&at(&id), json!({"status": "done"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // But a new task, or a new link, cannot point at them.
    let p = app
        .post(
            TASKS,
            json!({"title": "Again", "record": {"type": "contacts", "id": ana},
                   "assignee_id": colleague.user_id.to_string()}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(sorted(pointers(&p)), ["/assignee_id", "/record/id"]);
    let other = id_of(&create(&app, json!({"title": "Other"})).await);
    let p = app
        .patch(
            &at(&other),
            json!({"record": {"type": "contacts", "id": ana}}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/record/id"]);
}

// ---------------------------------------------------------------------------------------------
// Derived fields, patches, delete and restore
// ---------------------------------------------------------------------------------------------

async fn completed_at_is_set_when_done_and_cleared_when_reopened(b: Backend) {
    let app = TestApp::new(b).await;
    let t = create(&app, json!({"title": "Send quote"})).await;
    let id = id_of(&t);
    let res = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"status": "done"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let done = res.json();
    assert_eq!(done["status"], "done");
    assert_eq!(
        done["completed_at"], done["updated_at"],
        "completed when the change was made"
    );
    assert!(time(&done["completed_at"]) >= time(&t["created_at"]));

    // Other changes keep the completion time; so does restating "done".
    let res = app
        .patch(
            &at(&id),
            json!({"title": "Send the quote", "status": "done"}),
        )
        .await;
    let renamed = res.json();
    assert_eq!(renamed["version"], 3);
    assert_eq!(renamed["completed_at"], done["completed_at"]);

    // The server sets it: a client may not.
    let p = app
        .patch(&at(&id), json!({"completed_at": "2020-01-01T00:00:00Z"}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/completed_at"), "read_only");

    // Reopening clears it; cancelling leaves it empty.
    let reopened = app.patch(&at(&id), json!({"status": "open"})).await.json();
    assert_eq!(reopened["completed_at"], Value::Null);
    let cancelled = app
        .patch(&at(&id), json!({"status": "cancelled"}))
        .await
        .json();
    assert_eq!(cancelled["completed_at"], Value::Null);
    let again = app.patch(&at(&id), json!({"status": "done"})).await.json();
    assert!(time(&again["completed_at"]) >= time(&done["completed_at"]));
    assert_eq!(again["completed_at"], again["updated_at"]);

    // A task created done is completed at creation.
    let born_done = create(&app, json!({"title": "Logged", "status": "done"})).await;
    assert_eq!(born_done["completed_at"], born_done["created_at"]);

    // Filters see it.
    assert_eq!(
        sorted(filter_ids(&app, TASKS, "completed_at is_null false").await),
        sorted(vec![id.clone(), id_of(&born_done)])
    );
    assert_eq!(
        filter_ids(
            &app,
            TASKS,
            r#"completed_at gte "-1d" and status eq "done""#
        )
        .await
        .len(),
        2
    );
}

async fn patches_honour_if_match_and_a_stale_one_changes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"title": "Draft agenda"})).await);
    let current = app.patch(&at(&id), json!({"priority": "low"})).await.json();
    assert_eq!(current["version"], 2);
    let before = rows(&app).await;
    let p = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"status": "done"}))
        .send()
        .await
        .problem(412, "precondition-failed");
    assert_eq!(p["current_version"], 2);
    assert_eq!(get_ok(&app, &at(&id)).await, current);
    assert_eq!(rows(&app).await, before);
    // A patch that restates the task keeps its version.
    let res = app
        .patch(
            &at(&id),
            json!({"priority": "low", "title": " Draft agenda "}),
        )
        .await;
    assert_eq!(res.header("etag"), Some("\"2\""));
    // Bad patches are refused with their pointer and change nothing.
    for (patch, pointer, code) in [
        (json!({"title": null}), "/title", "required"),
        (json!({"status": "closed"}), "/status", "invalid_choice"),
        (json!({"due_at": "23/11/2026"}), "/due_at", "invalid_format"),
    ] {
        let p = app
            .patch(&at(&id), patch.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{patch}");
        assert_eq!(code_at(&p, pointer), code, "{patch}");
    }
    assert_eq!(get_ok(&app, &at(&id)).await, current);
    let res = app
        .request(Method::GET, &at(&id))
        .header("if-none-match", "\"2\"")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
}

async fn a_deleted_task_leaves_lists_until_restored(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&create(&app, json!({"title": "Old task", "priority": "high"})).await);
    let other = id_of(&create(&app, json!({"title": "Other"})).await);
    let res = app.delete(&at(&id)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    app.get(&at(&id)).await.problem(404, "not-found");
    assert_eq!(ids(&get_ok(&app, TASKS).await), [other.as_str()]);
    assert!(
        filter_ids(&app, TASKS, r#"priority eq "high""#)
            .await
            .is_empty()
    );
    let res = app.post(&format!("{}/restore", at(&id)), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["version"], 3);
    assert_eq!(
        filter_ids(&app, TASKS, r#"priority eq "high""#).await,
        [id.as_str()]
    );
    assert_eq!(
        sorted(ids(&get_ok(&app, TASKS).await)),
        sorted(vec![id, other])
    );
}

// ---------------------------------------------------------------------------------------------
// Filters and sorts
// ---------------------------------------------------------------------------------------------

async fn filters_cover_every_listed_field(b: Backend) {
    let app = TestApp::new(b).await;
    let colleague = app.member(Role::Member).await;
    let contact = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let company = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let a = id_of(
        &create(
            &app,
            json!({"title": "Call Ana", "due_at": "2026-03-01T10:00:00Z", "priority": "high",
                   "record": {"type": "contacts", "id": contact}}),
        )
        .await,
    );
    let b_ = id_of(
        &create(
            &app,
            json!({"title": "Visit Acme", "due_at": "2026-04-01T10:00:00Z", "priority": "low",
                   "record": {"type": "companies", "id": company},
                   "assignee_id": colleague.user_id.to_string(), "status": "done"}),
        )
        .await,
    );
    let c = id_of(&create(&app, json!({"title": "Read the news"})).await);
    let me = app.owner.user_id;
    let cases: Vec<(String, Vec<&String>)> = vec![
        (r#"title eq "Call Ana""#.into(), vec![&a]),
        (r#"title contains "acme""#.into(), vec![&b_]),
        (r#"title starts_with "re""#.into(), vec![&c]),
        (r#"due_at lt "2026-03-15T00:00:00Z""#.into(), vec![&a]),
        (r#"due_at gte "2026-03-15T00:00:00Z""#.into(), vec![&b_]),
        ("due_at is_null".into(), vec![&c]),
        (r#"priority eq "high""#.into(), vec![&a]),
        (r#"priority in ("low", "normal")"#.into(), vec![&b_, &c]),
        (r#"status eq "done""#.into(), vec![&b_]),
        (r#"status ne "done""#.into(), vec![&a, &c]),
        (format!(r#"assignee_id eq "{me}""#), vec![&a, &c]),
        (r#"assignee_id eq "me""#.into(), vec![&a, &c]),
        (
            format!(r#"assignee_id eq "{}""#, colleague.user_id),
            vec![&b_],
        ),
        (r#"record.type eq "companies""#.into(), vec![&b_]),
        (r#"record.type is_null"#.into(), vec![&c]),
        (format!(r#"record.id eq "{contact}""#), vec![&a]),
        ("completed_at is_null false".into(), vec![&b_]),
        (r#"created_at gte "-1d""#.into(), vec![&a, &b_, &c]),
        (r#"updated_at lt "-1d""#.into(), vec![]),
        (
            r#"not (priority eq "high") and due_at is_null false"#.into(),
            vec![&b_],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            sorted(filter_ids(&app, TASKS, &filter).await),
            sorted(expected.into_iter().cloned().collect()),
            "{filter}"
        );
    }
    for (filter, column, words) in [
        (r#"priority eq "urgent""#, 13, "one of low, normal, high"),
        (r#"assignee_id eq "mee""#, 16, "or \"me\""),
        (r#"record.type eq "planets""#, 16, "one of contacts"),
        (r#"description eq "x""#, 1, "unknown field"),
    ] {
        let p = app
            .get(&format!("{TASKS}?filter={}", enc(filter)))
            .await
            .problem(400, "invalid-filter");
        assert_eq!(p["column"], column, "{filter}: {p}");
        assert!(
            p["detail"].as_str().unwrap_or_default().contains(words),
            "{filter}: {p}"
        );
    }
}

async fn sorts_by_due_date_priority_title_and_time_and_pages_once(b: Backend) {
    let app = TestApp::new(b).await;
    let specs = [
        ("Bravo", Some("2026-05-01T09:00:00Z"), "low"),
        ("alpha", None, "high"),
        ("Charlie", Some("2026-04-01T09:00:00Z"), "normal"),
        ("Delta", Some("2026-06-01T09:00:00Z"), "high"),
        ("Echo", None, "low"),
    ];
    let mut made = Vec::new();
    for (title, due, priority) in specs {
        made.push(id_of(
            &create(
                &app,
                json!({"title": title, "due_at": due, "priority": priority}),
            )
            .await,
        ));
    }
    let ordered = |sort: &str| {
        let app = &app;
        let sort = sort.to_owned();
        async move { ids(&get_ok(app, &format!("{TASKS}?sort={}", enc(&sort))).await) }
    };
    // Due date first, tasks without one last; then by id (creation order) among equals.
    assert_eq!(
        ordered("due_at").await,
        [&made[2], &made[0], &made[3], &made[1], &made[4]].map(String::clone)
    );
    assert_eq!(
        ordered("-due_at").await,
        [&made[4], &made[1], &made[3], &made[0], &made[2]].map(String::clone)
    );
    // Priority by urgency, not by name; ties by due date.
    assert_eq!(
        ordered("-priority,due_at").await,
        [&made[3], &made[1], &made[2], &made[0], &made[4]].map(String::clone)
    );
    assert_eq!(
        ordered("priority,due_at").await,
        [&made[0], &made[4], &made[2], &made[3], &made[1]].map(String::clone)
    );
    // Titles compare bytewise on both databases (upper case first).
    assert_eq!(
        ordered("title").await,
        [&made[0], &made[2], &made[3], &made[4], &made[1]].map(String::clone)
    );
    assert_eq!(ordered("created_at").await, made);
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(ordered("-created_at").await, newest_first);
    let changed = app
        .patch(&at(&made[2]), json!({"priority": "high"}))
        .await
        .json();
    let by_update = get_ok(&app, &format!("{TASKS}?sort=-updated_at")).await;
    let stamps: Vec<DateTime<Utc>> = by_update["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| time(&t["updated_at"]))
        .collect();
    assert_eq!(stamps.len(), made.len());
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "{stamps:?}");
    // The changed task is the latest (another may share its millisecond).
    assert_eq!(stamps[0], time(&changed["updated_at"]));

    // Paging by due date (through the stand-in for "no due date") visits every task once.
    for sort in ["due_at", "-due_at", "-priority,title"] {
        let all = ordered(sort).await;
        let mut url = format!("{TASKS}?sort={}&limit=2", enc(sort));
        let mut seen = Vec::new();
        loop {
            let res = app.get(&url).await;
            assert_eq!(res.status, StatusCode::OK, "{url}: {}", res.text());
            seen.extend(ids(&res.json()));
            match next_link(&res) {
                Some(next) => url = next,
                None => break,
            }
            assert!(seen.len() <= made.len(), "{sort}: pagination does not end");
        }
        assert_eq!(seen, all, "{sort}");
    }
    for sort in ["status", "assignee_id", "completed_at", "description"] {
        let p = app
            .get(&format!("{TASKS}?sort={sort}"))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(p["parameter"], "sort", "{sort}");
    }
}

// ---------------------------------------------------------------------------------------------
// "My open tasks due this week"
// ---------------------------------------------------------------------------------------------

async fn my_open_tasks_due_this_week_is_one_filter_expression(b: Backend) {
    let app = TestApp::new(b).await;
    let colleague = app.member(Role::Member).await;
    // Now is always in this week, and a week later always in the next one.
    let now = Utc::now();
    let this_week = ts(now);
    let next_week = ts(now + TimeDelta::days(7));
    let mine = id_of(&create(&app, json!({"title": "Mine", "due_at": this_week})).await);
    let theirs_body = json!({"title": "Theirs", "due_at": this_week,
                             "assignee_id": colleague.user_id.to_string()});
    let theirs = id_of(&create(&app, theirs_body).await);
    create(
        &app,
        json!({"title": "Mine, done", "due_at": this_week, "status": "done"}),
    )
    .await;
    create(
        &app,
        json!({"title": "Mine, cancelled", "due_at": this_week, "status": "cancelled"}),
    )
    .await;
    create(
        &app,
        json!({"title": "Mine, next week", "due_at": next_week}),
    )
    .await;
    create(&app, json!({"title": "Mine, someday"})).await;

    let filter = r#"assignee_id eq "me" and status eq "open" and due_at in_period "this_week""#;
    assert_eq!(filter_ids(&app, TASKS, filter).await, [mine.as_str()]);
    // The same words from the colleague mean the colleague.
    let res = app
        .request(Method::GET, &format!("{TASKS}?filter={}", enc(filter)))
        .bearer(&colleague.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(ids(&res.json()), [theirs]);
    // And through POST /search.
    let res = app
        .post(&format!("{TASKS}/search"), json!({"filter": filter}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(ids(&res.json()), [mine]);
}

both_backends!(
    a_new_task_is_open_normal_and_assigned_to_its_creator,
    a_task_links_to_a_contact_or_a_company_of_the_workspace,
    every_bad_field_is_listed_with_its_pointer_and_nothing_is_written,
    references_must_be_members_and_live_records_of_this_workspace,
    a_task_outlives_its_contact_and_assignee_but_cannot_take_on_missing_ones,
    completed_at_is_set_when_done_and_cleared_when_reopened,
    patches_honour_if_match_and_a_stale_one_changes_nothing,
    a_deleted_task_leaves_lists_until_restored,
    filters_cover_every_listed_field,
    sorts_by_due_date_priority_title_and_time_and_pages_once,
    my_open_tasks_due_this_week_is_one_filter_expression,
);
