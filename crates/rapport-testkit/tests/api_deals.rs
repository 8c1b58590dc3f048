//! Pipelines and deals through the HTTP API, on SQLite and PostgreSQL: stages that keep their ids,
//! what a deal's stage decides (probability, closed_at, rotting, board place), the stage history,
//! board moves, removing a stage that holds deals, and every bad input answered precisely with
//! nothing written.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{code_at, enc, filter_ids, get_ok, id_of, ids, pointers, sorted};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

const PIPELINES: &str = "/api/v1/pipelines";
const DEALS: &str = "/api/v1/deals";

/// A sales pipeline: Qualify (20 %), Propose (60 %), Won, Lost; rotting after 14 days.
async fn sales(app: &TestApp) -> Value {
    let res = app
        .post(
            PIPELINES,
            json!({
                "name": "Sales", "rotting_days": 14,
                "stages": [
                    {"name": "Qualify", "probability": 20},
                    {"name": "Propose", "probability": 60},
                    {"name": "Won", "kind": "won"},
                    {"name": "Lost", "kind": "lost"}
                ]
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

fn stage(pipeline: &Value, i: usize) -> String {
    pipeline["stages"][i]["id"]
        .as_str()
        .expect("stage id")
        .to_owned()
}

async fn deal(app: &TestApp, pipeline: &Value, extra: Value) -> Value {
    let mut body = json!({"name": "Deal", "pipeline_id": id_of(pipeline)});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let res = app.post(DEALS, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

fn at(id: &str) -> String {
    format!("{DEALS}/{id}")
}

async fn history(app: &TestApp, id: &str) -> Vec<Value> {
    get_ok(app, &format!("{}/stage-history", at(id))).await["data"]
        .as_array()
        .expect("history")
        .clone()
}

async fn counts(app: &TestApp) -> [i64; 4] {
    [
        app.count_rows("pipelines").await,
        app.count_rows("pipeline_stages").await,
        app.count_rows("deals").await,
        app.count_rows("deal_stage_moves").await,
    ]
}

async fn a_pipeline_keeps_its_stages_in_order_with_ids_and_default_probabilities(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let names: Vec<&str> = p["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Qualify", "Propose", "Won", "Lost"]);
    let probabilities: Vec<i64> = p["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["probability"].as_i64().expect("probability"))
        .collect();
    assert_eq!(probabilities, [20, 60, 100, 0]);
    assert_eq!(get_ok(&app, &format!("{PIPELINES}/{}", id_of(&p))).await, p);

    // Rename and reorder by sending the ids back: the ids stay, deals follow.
    let d = deal(&app, &p, json!({})).await;
    let mut stages = p["stages"].as_array().expect("stages").clone();
    stages.swap(0, 1);
    stages[1]["name"] = json!("Qualified");
    let res = app
        .patch(
            &format!("{PIPELINES}/{}", id_of(&p)),
            json!({"stages": stages}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let p2 = res.json();
    assert_eq!(stage(&p2, 1), stage(&p, 0));
    assert_eq!(p2["stages"][1]["name"], "Qualified");
    let d2 = get_ok(&app, &at(&id_of(&d))).await;
    assert_eq!(d2["stage_id"], json!(stage(&p, 0)));
}

async fn a_new_deal_takes_the_first_stage_and_its_probability_and_starts_its_history(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let d = deal(
        &app,
        &p,
        json!({"amount": {"amount": "12000", "currency": "eur"}, "expected_close_date": "2026-12-31"}),
    )
    .await;
    assert_eq!(d["stage_id"], json!(stage(&p, 0)));
    assert_eq!(d["stage_kind"], "open");
    assert_eq!(d["probability"], 20);
    assert_eq!(d["closed_at"], Value::Null);
    assert_eq!(d["rotting"], false);
    assert_eq!(
        d["amount"],
        json!({"amount": "12000.00", "currency": "EUR"})
    );
    assert_eq!(d["expected_close_date"], "2026-12-31");
    // Rots 14 days after it entered its stage.
    let entered = chrono::DateTime::parse_from_rfc3339(d["stage_entered_at"].as_str().expect("t"))
        .expect("time");
    let rots = chrono::DateTime::parse_from_rfc3339(d["rots_at"].as_str().expect("t")).expect("t");
    assert_eq!(rots - entered, chrono::Duration::days(14));
    let h = history(&app, &id_of(&d)).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["from_stage_id"], Value::Null);
    assert_eq!(h[0]["to_stage_name"], "Qualify");
    assert_eq!(h[0]["actor"], json!(format!("user:{}", app.owner.user_id)));
}

async fn winning_sets_closed_at_and_probability_and_reopening_clears_them(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let d = deal(&app, &p, json!({})).await;
    let id = id_of(&d);
    let res = app
        .patch(
            &at(&id),
            json!({"stage_id": stage(&p, 2), "close_reason": "Best price"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let won = res.json();
    assert_eq!(won["stage_kind"], "won");
    assert_eq!(won["probability"], 100);
    assert!(won["closed_at"].is_string(), "{won}");
    assert_eq!(won["rots_at"], Value::Null, "a closed deal does not rot");
    // Back to an open stage with a probability of the caller's choosing.
    let res = app
        .patch(
            &at(&id),
            json!({"stage_id": stage(&p, 1), "probability": 35}),
        )
        .await;
    let open = res.json();
    assert_eq!(open["closed_at"], Value::Null, "{open}");
    assert_eq!(
        open["probability"], 35,
        "a probability sent with the move wins"
    );
    assert_eq!(open["stage_kind"], "open");
    let h = history(&app, &id).await;
    let path: Vec<&str> = h
        .iter()
        .map(|m| m["to_stage_name"].as_str().expect("name"))
        .collect();
    assert_eq!(path, ["Qualify", "Won", "Propose"]);
    assert_eq!(h[2]["from_stage_name"], "Won");
    // Filters on what the stage decided.
    let lost = deal(&app, &p, json!({"stage_id": stage(&p, 3)})).await;
    assert_eq!(lost["probability"], 0);
    assert_eq!(
        filter_ids(&app, DEALS, "stage_kind eq \"lost\"").await,
        [id_of(&lost)]
    );
    assert_eq!(
        filter_ids(&app, DEALS, "closed_at is_null false")
            .await
            .len(),
        1
    );
}

async fn board_moves_place_deals_in_order_and_record_the_stage_change(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let q = stage(&p, 0);
    let mut made = Vec::new();
    for name in ["A", "B", "C"] {
        made.push(id_of(&deal(&app, &p, json!({"name": name})).await));
    }
    let column = |stage: String| {
        let app = &app;
        async move {
            let expr = enc(&format!("stage_id eq \"{stage}\""));
            ids(&get_ok(app, &format!("{DEALS}?filter={expr}&sort=board_rank")).await)
        }
    };
    assert_eq!(column(q.clone()).await, made);
    // C to the top.
    let res = app
        .post(
            &format!("{}/move", at(&made[2])),
            json!({"stage_id": q, "position": 0}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""), "a reorder is a change");
    assert_eq!(
        column(q.clone()).await,
        [made[2].clone(), made[0].clone(), made[1].clone()]
    );
    // A into Propose, under an existing card there.
    let other = id_of(&deal(&app, &p, json!({"name": "D", "stage_id": stage(&p, 1)})).await);
    let res = app
        .post(
            &format!("{}/move", at(&made[0])),
            json!({"stage_id": stage(&p, 1), "position": 1}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["probability"], 60);
    assert_eq!(column(stage(&p, 1)).await, [other, made[0].clone()]);
    assert_eq!(history(&app, &made[0]).await.len(), 2);
    // Many moves to the same place exhaust the gaps and renumber the column; order holds.
    for _ in 0..12 {
        let res = app
            .post(
                &format!("{}/move", at(&made[1])),
                json!({"stage_id": q, "position": 1}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let res = app
            .post(
                &format!("{}/move", at(&made[2])),
                json!({"stage_id": q, "position": 1}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    }
    assert_eq!(column(q.clone()).await, [made[1].clone(), made[2].clone()]);
    // Bad moves: another pipeline's stage, no stage, a negative position.
    let other_pipeline = sales(&app).await;
    let before = counts(&app).await;
    let res = app
        .post(
            &format!("{}/move", at(&made[1])),
            json!({"stage_id": stage(&other_pipeline, 0)}),
        )
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/stage_id"]);
    let res = app
        .post(&format!("{}/move", at(&made[1])), json!({"position": -1}))
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(sorted(pointers(&problem)), ["/position", "/stage_id"]);
    app.post(
        &format!("{}/move", at(&uuid::Uuid::now_v7().to_string())),
        json!({"stage_id": q}),
    )
    .await
    .problem(404, "not-found");
    assert_eq!(counts(&app).await, before, "refused moves write nothing");
}

async fn bad_deals_are_refused_with_every_field_named_and_nothing_written(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let other = sales(&app).await;
    let intruder = app.other_workspace().await;
    let theirs = app
        .request(Method::POST, "/api/v1/companies")
        .bearer(&intruder.token)
        .json(&json!({"name": "Elsewhere"}))
        .send()
        .await
        .json();
    let before = counts(&app).await;
    let res = app
        .post(
            DEALS,
            json!({
                "pipeline_id": id_of(&p), "stage_id": stage(&other, 0),
                "company_id": id_of(&theirs), "probability": 120,
                "amount": {"amount": 10.5, "currency": "EUR"},
                "expected_close_date": "31/12/2026", "closed_at": "2026-01-01T00:00:00Z"
            }),
        )
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&problem)),
        [
            "/amount",
            "/closed_at",
            "/company_id",
            "/expected_close_date",
            "/name",
            "/probability"
        ],
        "every problem at once, the other workspace's company included"
    );
    let res = app
        .post(
            DEALS,
            json!({"name": "X", "pipeline_id": id_of(&p), "stage_id": stage(&other, 0),
                   "company_id": id_of(&theirs), "owner_id": intruder.user_id.to_string()}),
        )
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&problem)),
        ["/company_id", "/owner_id", "/stage_id"]
    );
    assert_eq!(code_at(&problem, "/company_id"), "not_found");
    let res = app
        .post(
            DEALS,
            json!({"name": "X", "pipeline_id": uuid::Uuid::now_v7().to_string()}),
        )
        .await;
    assert_eq!(
        pointers(&res.problem(422, "validation-failed")),
        ["/pipeline_id"]
    );
    // The intruder cannot put a deal in our pipeline either.
    let res = app
        .request(Method::POST, DEALS)
        .bearer(&intruder.token)
        .json(&json!({"name": "X", "pipeline_id": id_of(&p)}))
        .send()
        .await;
    assert_eq!(
        pointers(&res.problem(422, "validation-failed")),
        ["/pipeline_id"]
    );
    assert_eq!(counts(&app).await, before);
}

async fn bad_pipelines_are_refused_and_members_only_read_them(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let before = counts(&app).await;
    let res = app
        .post(
            PIPELINES,
            json!({"name": "Copy", "stages": [{"id": stage(&p, 0), "name": "Stolen"}]}),
        )
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/stages/0/id"]);
    assert_eq!(code_at(&problem, "/stages/0/id"), "foreign_stage");
    let res = app
        .post(
            PIPELINES,
            json!({"stages": [{"name": "A", "kind": "maybe"}, {"name": "a"}], "rotting_days": 0}),
        )
        .await;
    let problem = res.problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&problem)),
        ["/name", "/rotting_days", "/stages/0/kind", "/stages/1/name"]
    );
    let member = app.member(Role::Member).await;
    let res = app
        .request(Method::POST, PIPELINES)
        .bearer(&member.token)
        .json(&json!({"name": "Mine", "stages": [{"name": "A"}]}))
        .send()
        .await;
    res.problem(403, "forbidden");
    let res = app
        .request(Method::GET, &format!("{PIPELINES}/{}", id_of(&p)))
        .bearer(&member.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(counts(&app).await, before);
    let manager = app.member(Role::Manager).await;
    let res = app
        .request(Method::POST, PIPELINES)
        .bearer(&manager.token)
        .json(&json!({"name": "Renewals", "stages": [{"name": "Due"}]}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

async fn a_stage_with_deals_is_removed_only_by_moving_them(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let pid = id_of(&p);
    let d = id_of(&deal(&app, &p, json!({})).await);
    let gone = id_of(&deal(&app, &p, json!({"name": "Deleted one"})).await);
    assert_eq!(app.delete(&at(&gone)).await.status, StatusCode::NO_CONTENT);
    let before = counts(&app).await;
    // Leaving the stage out of a patch is refused while it holds a deal.
    let kept: Vec<Value> = p["stages"].as_array().expect("stages")[1..].to_vec();
    let res = app
        .patch(&format!("{PIPELINES}/{pid}"), json!({"stages": kept}))
        .await;
    let problem = res.problem(409, "conflict");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("/stages/{stage_id}/remove")),
        "{problem}"
    );
    let remove = format!("{PIPELINES}/{pid}/stages/{}/remove", stage(&p, 0));
    let problem = app
        .post(&remove, json!({}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(code_at(&problem, "/move_to"), "required");
    let problem = app
        .post(&remove, json!({"move_to": stage(&p, 0)}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/move_to"]);
    assert_eq!(counts(&app).await, before, "refused removals write nothing");
    // With a target, the deal moves (and says so in its history) and the stage goes.
    let res = app.post(&remove, json!({"move_to": stage(&p, 1)})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let p2 = res.json();
    assert_eq!(p2["stages"].as_array().map(Vec::len), Some(3));
    let moved = get_ok(&app, &at(&d)).await;
    assert_eq!(moved["stage_id"], json!(stage(&p, 1)));
    assert_eq!(moved["probability"], 60);
    let h = history(&app, &d).await;
    assert_eq!(h.len(), 2);
    assert_eq!(
        h[1]["from_stage_name"], "Qualify",
        "removed stages keep their names"
    );
    // The deleted deal followed too, so it can come back.
    let res = app.post(&format!("{}/restore", at(&gone)), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["stage_id"], json!(stage(&p, 1)));
}

async fn a_pipeline_with_deals_cannot_be_deleted(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let d = id_of(&deal(&app, &p, json!({})).await);
    let path = format!("{PIPELINES}/{}", id_of(&p));
    app.delete(&path).await.problem(409, "conflict");
    assert_eq!(get_ok(&app, &path).await["version"], 1);
    assert_eq!(app.delete(&at(&d)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
}

async fn a_stage_that_becomes_won_closes_its_deals_and_rotting_follows_the_pipeline(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let d = id_of(&deal(&app, &p, json!({})).await);
    let mut stages = p["stages"].as_array().expect("stages").clone();
    stages[0]["kind"] = json!("won");
    let res = app
        .patch(
            &format!("{PIPELINES}/{}", id_of(&p)),
            json!({"stages": stages}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let closed = get_ok(&app, &at(&d)).await;
    assert_eq!(closed["stage_kind"], "won");
    assert!(closed["closed_at"].is_string(), "{closed}");
    assert_eq!(closed["version"], 2);

    // An open deal quiet for longer than the pipeline allows is rotting, and filterable.
    let fresh = id_of(&deal(&app, &p, json!({"stage_id": stage(&p, 1)})).await);
    let stale = id_of(&deal(&app, &p, json!({"stage_id": stage(&p, 1)})).await);
    app.execute(&format!(
        "UPDATE deals SET rots_at = '2020-01-01T00:00:00+00:00' WHERE id = {}",
        uuid_literal(b, &stale)
    ))
    .await;
    assert_eq!(get_ok(&app, &at(&stale)).await["rotting"], true);
    assert_eq!(get_ok(&app, &at(&fresh)).await["rotting"], false);
    assert_eq!(filter_ids(&app, DEALS, "rots_at lt \"now\"").await, [stale]);
    // A pipeline without rotting_days stops tracking it.
    let res = app
        .patch(
            &format!("{PIPELINES}/{}", id_of(&p)),
            json!({"rotting_days": null}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(get_ok(&app, &at(&fresh)).await["rots_at"], Value::Null);
}

async fn deals_and_leads_are_found_by_the_global_search(b: Backend) {
    let app = TestApp::new(b).await;
    let p = sales(&app).await;
    let d = deal(&app, &p, json!({"name": "Zeppelin renewal"})).await;
    let lead = app
        .post("/api/v1/leads", json!({"last_name": "Zeppelinova"}))
        .await
        .json();
    let hits = get_ok(&app, &format!("/api/v1/search?q={}", enc("zeppelin"))).await;
    let found: Vec<(String, String)> = hits["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|h| {
            (
                h["type"].as_str().expect("type").to_owned(),
                id_of(&h["record"]),
            )
        })
        .collect();
    assert!(found.contains(&("deal".to_owned(), id_of(&d))), "{found:?}");
    assert!(
        found.contains(&("lead".to_owned(), id_of(&lead))),
        "{found:?}"
    );
    let only = get_ok(&app, "/api/v1/search?q=zeppelin&types=deals").await;
    assert_eq!(only["data"].as_array().map(Vec::len), Some(1));
    app.get("/api/v1/search?q=zeppelin&types=planets")
        .await
        .problem(400, "invalid-parameter");
}

/// A UUID as a SQL literal for the backend (SQLite stores them as 16-byte blobs).
fn uuid_literal(b: Backend, id: &str) -> String {
    match b {
        Backend::Sqlite => format!("X'{}'", id.replace('-', "")),
        Backend::Postgres => format!("'{id}'"),
    }
}

/// The board: each column's count, sum and weighted sum, its deals in board order and a cursor
/// per column.
async fn the_board_shows_every_column_with_totals_and_its_own_cursor(b: Backend) {
    let app = TestApp::new(b).await;
    let page = get_ok(&app, PIPELINES).await;
    let p = page["data"][0].clone();
    let pid = id_of(&p);
    let first = p["stages"][0]["id"].as_str().expect("stage").to_owned();
    let second = p["stages"][1]["id"].as_str().expect("stage").to_owned();
    let mut made = Vec::new();
    for (name, amount, stage) in [
        ("a", "100.00", &first),
        ("b", "200.00", &first),
        ("c", "300.00", &first),
        ("d", "1000.00", &second),
    ] {
        let res = app
            .post(
                DEALS,
                json!({"name": name, "pipeline_id": pid, "stage_id": stage,
                       "amount": {"amount": amount, "currency": "EUR"}}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        made.push(id_of(&res.json()));
    }
    let board = get_ok(&app, &format!("{PIPELINES}/{pid}/board?limit=2")).await;
    let columns = board["stages"].as_array().expect("stages");
    let names: Vec<&str> = columns.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names,
        ["Qualification", "Proposal", "Negotiation", "Won", "Lost"]
    );
    let q = &columns[0];
    assert_eq!(q["count"], 3);
    assert_eq!(
        q["amounts"],
        json!([{"amount": "600.00", "currency": "EUR"}])
    );
    assert_eq!(
        q["weighted"],
        json!([{"amount": "60.00", "currency": "EUR"}])
    );
    let shown = ids(&json!({"data": q["deals"]}));
    assert_eq!(shown.len(), 2);
    let cursor = q["next_cursor"]
        .as_str()
        .expect("more in the column")
        .to_owned();
    assert_eq!(columns[1]["count"], 1);
    assert_eq!(
        columns[1]["weighted"],
        json!([{"amount": "400.00", "currency": "EUR"}])
    );
    assert_eq!(columns[1]["next_cursor"], Value::Null);
    assert_eq!(columns[3]["count"], 0);
    assert_eq!(columns[3]["deals"], json!([]));
    // The column's next page, on its own.
    let more = get_ok(
        &app,
        &format!(
            "{PIPELINES}/{pid}/board?limit=2&stage_id={first}&cursor={}",
            enc(&cursor)
        ),
    )
    .await;
    let column = &more["stages"][0];
    let rest = ids(&json!({"data": column["deals"]}));
    assert_eq!(rest.len(), 1);
    let mut all: Vec<String> = shown.into_iter().chain(rest).collect();
    all.sort();
    let mut expected = made[..3].to_vec();
    expected.sort();
    assert_eq!(all, expected, "every deal of the column once");
    assert_eq!(column["next_cursor"], Value::Null);
    assert_eq!(
        more["stages"][1]["deals"],
        Value::Null,
        "other columns are left out"
    );
    // Bad parameters name themselves.
    for (query, parameter) in [
        (format!("cursor={}", enc(&cursor)), "cursor"),
        (format!("stage_id={}", uuid::Uuid::now_v7()), "stage_id"),
        ("stage_id=nope".to_owned(), "stage_id"),
        ("limit=0".to_owned(), "limit"),
    ] {
        let res = app.get(&format!("{PIPELINES}/{pid}/board?{query}")).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            res.text()
        );
        assert!(res.text().contains(parameter), "{query}: {}", res.text());
    }
    let res = app
        .get(&format!("{PIPELINES}/{}/board", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

both_backends!(
    the_board_shows_every_column_with_totals_and_its_own_cursor,
    a_pipeline_keeps_its_stages_in_order_with_ids_and_default_probabilities,
    a_new_deal_takes_the_first_stage_and_its_probability_and_starts_its_history,
    winning_sets_closed_at_and_probability_and_reopening_clears_them,
    board_moves_place_deals_in_order_and_record_the_stage_change,
    bad_deals_are_refused_with_every_field_named_and_nothing_written,
    bad_pipelines_are_refused_and_members_only_read_them,
    a_stage_with_deals_is_removed_only_by_moving_them,
    a_pipeline_with_deals_cannot_be_deleted,
    a_stage_that_becomes_won_closes_its_deals_and_rotting_follows_the_pipeline,
    deals_and_leads_are_found_by_the_global_search,
);
