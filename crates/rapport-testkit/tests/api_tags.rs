//! The tag vocabulary through the HTTP API, on SQLite and PostgreSQL: it fills as records are
//! written, counts usage per object, and renames (merging onto an existing tag), recolours and
//! removes a tag on every record of every object at once; bad changes, members and other
//! workspaces change nothing.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{code_at, enc, filter_ids, get_ok, id_of, next_link, pointers, sorted};
use http::{Method, StatusCode};
use rapport_domain::objects::{Contact, ContactDraft};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, TestUser, both_backends};
use serde_json::{Value, json};

const TAGS: &str = "/api/v1/tags";

fn tag_at(name: &str) -> String {
    format!("{TAGS}/{}", enc(name))
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

/// The vocabulary as `(name, color, total)`.
async fn vocabulary(app: &TestApp) -> Vec<(String, Value, i64)> {
    let body = get_ok(app, &format!("{TAGS}?limit=200")).await;
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().expect("name").to_owned(),
                t["color"].clone(),
                t["total"].as_i64().expect("total"),
            )
        })
        .collect()
}

/// The tag named `name` (any case) as the list shows it.
async fn tag(app: &TestApp, name: &str) -> Option<Value> {
    let body = get_ok(app, &format!("{TAGS}?limit=200")).await;
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|t| t["name"].as_str().map(str::to_lowercase) == Some(name.to_lowercase()))
        .cloned()
}

/// One record of each tagged object, all holding `tags`; returns `(collection, id)`.
async fn one_of_each(app: &TestApp, tags: Value) -> Vec<(&'static str, String)> {
    let pipeline = post_ok(
        app,
        "/api/v1/pipelines",
        json!({"name": "Sales", "stages": [{"name": "New"}]}),
    )
    .await;
    let mut out = Vec::new();
    for (collection, body) in [
        ("/api/v1/contacts", json!({"first_name": "Ana"})),
        ("/api/v1/companies", json!({"name": "Acme"})),
        (
            "/api/v1/deals",
            json!({"name": "Big", "pipeline_id": id_of(&pipeline)}),
        ),
        ("/api/v1/leads", json!({"last_name": "Lead"})),
        ("/api/v1/tasks", json!({"title": "Call"})),
        ("/api/v1/cases", json!({"subject": "Broken"})),
    ] {
        let mut body = body;
        body["tags"] = tags.clone();
        out.push((collection, id_of(&post_ok(app, collection, body).await)));
    }
    out
}

async fn the_vocabulary_fills_on_write_and_counts_usage_per_object(b: Backend) {
    let app = TestApp::new(b).await;
    assert!(vocabulary(&app).await.is_empty());
    one_of_each(&app, json!(["VIP", "beta"])).await;
    let ana = id_of(
        &app.create_contact(json!({"first_name": "Bo", "tags": ["vip", "Été"]}))
            .await,
    );
    let res = app
        .patch(
            &format!("/api/v1/contacts/{ana}"),
            json!({"tags": ["vip", "été", "new"]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let gone = id_of(
        &app.create_contact(json!({"first_name": "Old", "tags": ["ghost"]}))
            .await,
    );
    app.delete(&format!("/api/v1/contacts/{gone}")).await;

    // Name order ignoring case; the first spelling seen wins; deleted records are not counted.
    assert_eq!(
        vocabulary(&app).await,
        vec![
            ("beta".to_owned(), Value::Null, 6),
            ("ghost".to_owned(), Value::Null, 0),
            ("new".to_owned(), Value::Null, 1),
            ("VIP".to_owned(), Value::Null, 7),
            ("Été".to_owned(), Value::Null, 1),
        ]
    );
    let vip = tag(&app, "vip").await.expect("vip");
    assert_eq!(
        vip["usage"],
        json!({"contacts": 2, "companies": 1, "deals": 1, "leads": 1, "tasks": 1, "cases": 1, "projects": 0})
    );
    assert!(vip["created_at"].as_str().is_some_and(|t| t.ends_with('Z')));

    // Pages follow the cursor, with a Link header.
    let first = app.get(&format!("{TAGS}?limit=2")).await;
    assert_eq!(first.status, StatusCode::OK);
    let names = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|t| t["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let page = first.json();
    assert_eq!(names(&page), ["beta", "ghost"]);
    let next = next_link(&first).expect("a next page");
    let second = get_ok(&app, &next).await;
    assert_eq!(names(&second), ["new", "VIP"]);
    app.get(&format!("{TAGS}?limit=0"))
        .await
        .problem(400, "invalid-parameter");
    app.get(&format!("{TAGS}?cursor=!!!"))
        .await
        .problem(400, "invalid-parameter");
}

async fn a_rename_reaches_every_record_of_every_object(b: Backend) {
    let app = TestApp::new(b).await;
    let tagged = one_of_each(&app, json!(["beta", "vip"])).await;
    let shouted = id_of(
        &app.create_contact(json!({"first_name": "Cy", "tags": ["VIP"]}))
            .await,
    );
    let binned = id_of(
        &app.create_contact(json!({"first_name": "Di", "tags": ["Vip"]}))
            .await,
    );
    app.delete(&format!("/api/v1/contacts/{binned}")).await;
    let untagged = id_of(
        &app.create_contact(json!({"first_name": "Ed", "tags": ["beta"]}))
            .await,
    );
    let audit_before = app.count_rows("audit_log").await;

    let res = app
        .patch(
            &tag_at("VIP"),
            json!({"name": "Key account", "color": "#AABBCC"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let renamed = res.json();
    assert_eq!(renamed["name"], "Key account");
    assert_eq!(renamed["color"], "#aabbcc");
    assert_eq!(renamed["total"], 7);
    assert!(tag(&app, "vip").await.is_none(), "the old name is gone");

    for (collection, id) in &tagged {
        let r = get_ok(&app, &format!("{collection}/{id}")).await;
        assert_eq!(
            r["tags"],
            json!(["beta", "Key account"]),
            "{collection}: {r}"
        );
        assert_eq!(r["version"], 2, "{collection}: its version moved");
        // The filter finds it under the new name, never under the old one.
        assert!(
            filter_ids(&app, collection, r#"tags contains "key account""#)
                .await
                .contains(id),
            "{collection}"
        );
        assert!(
            filter_ids(&app, collection, r#"tags contains "vip""#)
                .await
                .is_empty(),
            "{collection}"
        );
    }
    let contacts = filter_ids(&app, "/api/v1/contacts", r#"tags contains "Key account""#).await;
    assert_eq!(
        sorted(contacts),
        sorted(vec![tagged[0].1.clone(), shouted.clone()])
    );
    // A deleted record is renamed too: restored, it holds the new name.
    let res = app
        .post(&format!("/api/v1/contacts/{binned}/restore"), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["tags"], json!(["Key account"]));
    // A record without the tag is untouched.
    assert_eq!(
        get_ok(&app, &format!("/api/v1/contacts/{untagged}")).await["version"],
        1
    );
    // One audit entry for the whole rename (the restore above wrote its own).
    assert_eq!(app.count_rows("audit_log").await, audit_before + 2);
    let audit = get_ok(&app, "/api/v1/audit?action=tags.rename").await;
    let details = &audit["data"][0]["details"];
    assert_eq!(details["from"], "vip");
    assert_eq!(details["to"], "Key account");
    assert_eq!(details["records"]["contacts"], 3);
    assert_eq!(details["records"]["deals"], 1);

    // A change of case only respells every record; a colour alone touches no record.
    let res = app
        .patch(&tag_at("key account"), json!({"name": "KEY ACCOUNT"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let task = &tagged[4];
    let t = get_ok(&app, &format!("{}/{}", task.0, task.1)).await;
    assert_eq!(t["tags"], json!(["beta", "KEY ACCOUNT"]));
    assert_eq!(t["version"], 3);
    let res = app
        .patch(&tag_at("KEY ACCOUNT"), json!({"color": null}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["color"], Value::Null);
    assert_eq!(
        get_ok(&app, &format!("{}/{}", task.0, task.1)).await["version"],
        3
    );
}

async fn renaming_onto_an_existing_tag_merges_the_two(b: Backend) {
    let app = TestApp::new(b).await;
    let both = id_of(
        &app.create_contact(json!({"first_name": "A", "tags": ["vip", "gold"]}))
            .await,
    );
    let vip = id_of(
        &app.create_contact(json!({"first_name": "B", "tags": ["VIP"]}))
            .await,
    );
    let gold = id_of(
        &app.create_company(json!({"name": "C", "tags": ["Gold"]}))
            .await,
    );
    let res = app
        .patch(&tag_at("gold"), json!({"color": "#ffd700"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    let res = app.patch(&tag_at("vip"), json!({"name": "GOLD"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let merged = res.json();
    assert_eq!(
        merged["name"], "gold",
        "the existing tag's spelling and colour stay"
    );
    assert_eq!(merged["color"], "#ffd700");
    assert_eq!(merged["total"], 3);
    assert_eq!(
        vocabulary(&app).await,
        vec![("gold".to_owned(), json!("#ffd700"), 3)]
    );
    let tags_of = |v: Value| v["tags"].clone();
    assert_eq!(
        tags_of(get_ok(&app, &format!("/api/v1/contacts/{both}")).await),
        json!(["gold"]),
        "held once"
    );
    assert_eq!(
        tags_of(get_ok(&app, &format!("/api/v1/contacts/{vip}")).await),
        json!(["gold"])
    );
    let untouched = get_ok(&app, &format!("/api/v1/companies/{gold}")).await;
    assert_eq!(untouched["tags"], json!(["Gold"]));
    assert_eq!(untouched["version"], 1);
    let audit = get_ok(&app, "/api/v1/audit?action=tags.rename").await;
    assert_eq!(audit["data"][0]["details"]["merged"], true);
}

async fn deleting_a_tag_removes_it_from_every_record(b: Backend) {
    let app = TestApp::new(b).await;
    let tagged = one_of_each(&app, json!(["vip", "beta"])).await;
    let res = app.delete(&tag_at("VIP")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    for (collection, id) in &tagged {
        let r = get_ok(&app, &format!("{collection}/{id}")).await;
        assert_eq!(r["tags"], json!(["beta"]), "{collection}");
        assert_eq!(r["version"], 2, "{collection}");
    }
    assert_eq!(
        vocabulary(&app).await,
        vec![("beta".to_owned(), Value::Null, 6)]
    );
    app.delete(&tag_at("vip")).await.problem(404, "not-found");
    let audit = get_ok(&app, "/api/v1/audit?action=tags.delete").await;
    assert_eq!(audit["data"][0]["details"]["records"]["leads"], 1);
}

async fn bad_changes_and_callers_without_the_right_change_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let tagged = one_of_each(&app, json!(["vip"])).await;
    let watched: Vec<String> = tagged
        .iter()
        .map(|(c, id)| format!("{c}/{id}"))
        .chain([TAGS.to_owned()])
        .collect();
    let snapshot = || async {
        let mut out = Vec::new();
        for p in &watched {
            out.push(app.get(p).await.text());
        }
        for table in ["contacts", "companies", "deals", "tags", "search_docs"] {
            out.push(format!("{table}: {}", app.count_rows(table).await));
        }
        out
    };
    let before = snapshot().await;
    let long = "x".repeat(65);
    for (body, pointer, code) in [
        (json!({"name": "a,b"}), "/name", "invalid_format"),
        (json!({"name": "   "}), "/name", "invalid_format"),
        (json!({"name": long}), "/name", "too_long"),
        (json!({"name": 7}), "/name", "invalid_type"),
        (json!({"name": null}), "/name", "required"),
        (json!({"color": "red"}), "/color", "invalid_format"),
        (json!({"colour": "#aabbcc"}), "/colour", "unknown_field"),
    ] {
        let p = app
            .patch(&tag_at("vip"), body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
        assert_eq!(code_at(&p, pointer), code, "{body}");
    }
    app.patch(&tag_at("unknown"), json!({"name": "x"}))
        .await
        .problem(404, "not-found");
    app.patch(&tag_at("a,b"), json!({"name": "x"}))
        .await
        .problem(404, "not-found");
    // Members and viewers read the vocabulary but do not change it.
    for role in [Role::Member, Role::Viewer] {
        let who = app.member(role).await;
        let res = as_user(&app, &who, Method::GET, TAGS, None).await;
        assert_eq!(res.status, StatusCode::OK);
        as_user(
            &app,
            &who,
            Method::PATCH,
            &tag_at("vip"),
            Some(json!({"name": "mine"})),
        )
        .await
        .problem(403, "forbidden");
        as_user(&app, &who, Method::DELETE, &tag_at("vip"), None)
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(snapshot().await, before);
    // A manager may.
    let manager = app.member(Role::Manager).await;
    let res = as_user(
        &app,
        &manager,
        Method::PATCH,
        &tag_at("vip"),
        Some(json!({"name": "customer"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

async fn another_workspace_s_tag_is_untouched(b: Backend) {
    let app = TestApp::new(b).await;
    let ours = id_of(
        &app.create_contact(json!({"first_name": "Ours", "tags": ["vip"]}))
            .await,
    );
    let intruder = app.other_workspace().await;
    let res = as_user(
        &app,
        &intruder,
        Method::POST,
        "/api/v1/contacts",
        Some(json!({"first_name": "Theirs", "tags": ["VIP"]})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let theirs = id_of(&res.json());

    let res = app.patch(&tag_at("vip"), json!({"name": "Gold"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["total"], 1, "only our record counts");
    assert_eq!(
        get_ok(&app, &format!("/api/v1/contacts/{ours}")).await["tags"],
        json!(["Gold"])
    );
    let their_contact = as_user(
        &app,
        &intruder,
        Method::GET,
        &format!("/api/v1/contacts/{theirs}"),
        None,
    )
    .await
    .json();
    assert_eq!(their_contact["tags"], json!(["VIP"]));
    assert_eq!(their_contact["version"], 1);
    let their_tags = as_user(&app, &intruder, Method::GET, TAGS, None)
        .await
        .json();
    assert_eq!(their_tags["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(their_tags["data"][0]["name"], "VIP");
    // Nor can they rename or remove ours: theirs is the only "gold" they could name.
    as_user(&app, &intruder, Method::DELETE, &tag_at("gold"), None)
        .await
        .problem(404, "not-found");
    assert!(tag(&app, "gold").await.is_some());
}

async fn a_rename_pages_through_a_large_workspace(b: Backend) {
    let app = TestApp::new(b).await;
    let ctx = rapport_app::Ctx::system(app.owner.workspace_id);
    // More records than one page of the sweep (200), written in one go.
    let drafts: Vec<ContactDraft> = (0..450)
        .map(|i| {
            ContactDraft::parse(
                json!({"first_name": format!("P{i:03}"), "tags": ["bulk", "keep"]}),
                None,
            )
            .expect("draft")
        })
        .collect();
    rapport_app::records::create_many::<Contact>(&app.app, &ctx, drafts)
        .await
        .expect("create");
    let res = app.patch(&tag_at("bulk"), json!({"name": "mass"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["total"], 450);
    let count = |filter: &'static str| {
        let app = &app;
        async move {
            get_ok(
                app,
                &format!(
                    "/api/v1/contacts?limit=1&include_total=true&filter={}",
                    enc(filter)
                ),
            )
            .await["total"]
                .clone()
        }
    };
    assert_eq!(count(r#"tags contains "mass""#).await, 450);
    assert_eq!(count(r#"tags contains "bulk""#).await, 0);
    assert_eq!(
        count(r#"updated_at gte "-1d" and tags contains "keep""#).await,
        450
    );
}

async fn an_upgrade_collects_existing_tags_and_company_match_keys(b: Backend) {
    let app = TestApp::new(b).await;
    let db = &app.app.db;
    rapport_store::migrate::down(db, 14).await.expect("down");
    let ws = app.owner.workspace_id.0;
    let id = |u: uuid::Uuid| match b {
        Backend::Sqlite => format!("X'{}'", u.simple()),
        Backend::Postgres => format!("'{u}'"),
    };
    let at = "'2026-01-01T00:00:00.000Z'";
    let acme = uuid::Uuid::now_v7();
    let shop = uuid::Uuid::now_v7();
    for (company, name, domain, tags) in [
        (acme, "Acme Corp", "acme.com", r#"["Partner"]"#),
        (shop, "ACME", "shop.acme.com", r#"["partner", "Retail"]"#),
    ] {
        app.execute(&format!(
            "INSERT INTO companies (workspace_id, id, name, domain, tags, created_at, updated_at) \
             VALUES ({}, {}, '{name}', '{domain}', '{tags}', {at}, {at})",
            id(ws),
            id(company)
        ))
        .await;
    }
    app.execute(&format!(
        "INSERT INTO contacts (workspace_id, id, first_name, tags, created_at, updated_at, deleted_at) \
         VALUES ({}, {}, 'Old', '[\"Été\"]', {at}, {at}, {at})",
        id(ws),
        id(uuid::Uuid::now_v7())
    ))
    .await;
    let applied = rapport_store::migrate::up(db, None).await.expect("up");
    let latest = rapport_store::migrate::latest_version(db.backend());
    assert_eq!(applied, (15..=latest).collect::<Vec<_>>());
    assert_eq!(
        vocabulary(&app).await,
        vec![
            ("Partner".to_owned(), Value::Null, 2),
            ("Retail".to_owned(), Value::Null, 1),
            ("Été".to_owned(), Value::Null, 0),
        ]
    );
    let found = get_ok(&app, &format!("/api/v1/companies/{acme}/duplicates")).await;
    assert_eq!(found["data"][0]["record"]["id"], shop.to_string());
    let reasons: Vec<&str> = found["data"][0]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert_eq!(reasons, ["same_domain", "same_name"]);
}

both_backends!(
    a_rename_pages_through_a_large_workspace,
    an_upgrade_collects_existing_tags_and_company_match_keys,
    the_vocabulary_fills_on_write_and_counts_usage_per_object,
    a_rename_reaches_every_record_of_every_object,
    renaming_onto_an_existing_tag_merges_the_two,
    deleting_a_tag_removes_it_from_every_record,
    bad_changes_and_callers_without_the_right_change_nothing,
    another_workspace_s_tag_is_untouched,
);
