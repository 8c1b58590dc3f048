//! Custom fields through the HTTP API, on SQLite and PostgreSQL: definitions are validated and
//! keep what stored values depend on; values are validated like built-in fields (types, options,
//! required, unique, references) with nothing written on a refusal; lists filter and sort on
//! `custom.<key>` (empty values last, across pages); filterable fields are indexed (on PostgreSQL
//! concurrently, after the definition commits); deleting a field erases its values; other
//! workspaces see none of it.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{code_at, enc, filter_ids, get_ok, id_of, ids, pointers, sorted};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

const FIELDS: &str = "/api/v1/custom-fields";

async fn define(app: &TestApp, body: Value) -> Value {
    let res = app.post(FIELDS, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

async fn contact(app: &TestApp, name: &str, custom: Value) -> String {
    let res = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": name, "custom": custom}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    id_of(&res.json())
}

/// Every page of a list, following cursors, as ids.
async fn all_pages(app: &TestApp, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut url = path.to_owned();
    loop {
        let page = get_ok(app, &url).await;
        out.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("{path}&cursor={}", enc(c)),
            None => return out,
        }
    }
}

async fn a_definition_is_validated_and_its_fixed_parts_cannot_change(b: Backend) {
    let app = TestApp::with_config(b, |c| c.crm.max_custom_fields = 2).await;
    let res = app
        .post(
            FIELDS,
            json!({"object": "pipelines", "key": "Bad Key", "label": "", "type": "select",
                "unique": true, "target": "contacts", "colour": "red"}),
        )
        .await;
    let p = res.problem(422, "validation-failed");
    let mut got = pointers(&p);
    got.sort();
    assert_eq!(
        got,
        [
            "/colour", "/key", "/label", "/object", "/options", "/target", "/unique"
        ],
        "{p}"
    );
    assert_eq!(code_at(&p, "/colour"), "unknown_field");
    assert_eq!(app.count_rows("custom_fields").await, 0);

    let tier = define(
        &app,
        json!({"object": "contacts", "key": "tier", "label": "Tier", "type": "select",
            "options": ["gold", "silver"]}),
    )
    .await;
    assert_eq!(tier["type"], "select");
    assert_eq!(tier["required"], false);
    let at = format!("{FIELDS}/{}", id_of(&tier));
    // What stored values depend on is fixed; the rest changes.
    let res = app
        .patch(
            &at,
            json!({"key": "level", "type": "multi_select", "object": "deals"}),
        )
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/key"), "immutable");
    assert_eq!(code_at(&p, "/type"), "immutable");
    assert_eq!(code_at(&p, "/object"), "immutable");
    let res = app
        .patch(
            &at,
            json!({"label": "Customer tier", "options": ["gold", "silver", "bronze"]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["options"], json!(["gold", "silver", "bronze"]));
    // One key per object.
    let res = app
        .post(
            FIELDS,
            json!({"object": "contacts", "key": "tier", "label": "Again", "type": "text"}),
        )
        .await;
    let p = res.problem(409, "conflict");
    assert!(
        p["detail"].as_str().expect("detail").contains("tier"),
        "{p}"
    );
    // The same key on another object is another field.
    define(
        &app,
        json!({"object": "deals", "key": "tier", "label": "Tier", "type": "text"}),
    )
    .await;
    // The configured maximum per object.
    define(
        &app,
        json!({"object": "contacts", "key": "seats", "label": "Seats", "type": "number"}),
    )
    .await;
    let res = app
        .post(
            FIELDS,
            json!({"object": "contacts", "key": "third", "label": "Third", "type": "text"}),
        )
        .await;
    let p = res.problem(409, "conflict");
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .contains("crm.max_custom_fields"),
        "{p}"
    );
    assert_eq!(app.count_rows("custom_fields").await, 3);
    // Lists filter like every object's.
    let got = filter_ids(&app, FIELDS, r#"object eq "contacts""#).await;
    assert_eq!(got.len(), 2);
    // Only managers and above define fields; members read them.
    let member = app.member(Role::Member).await;
    let res = app
        .request(Method::POST, FIELDS)
        .bearer(&member.token)
        .json(&json!({"object": "contacts", "key": "x", "label": "X", "type": "text"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text());
    let res = app
        .request(Method::GET, FIELDS)
        .bearer(&member.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

async fn values_are_validated_like_built_in_fields(b: Backend) {
    let app = TestApp::new(b).await;
    define(
        &app,
        json!({"object": "contacts", "key": "tier", "label": "Tier", "type": "select",
            "options": ["gold", "silver"], "required": true}),
    )
    .await;
    for (key, kind) in [
        ("seats", "number"),
        ("renews_on", "date"),
        ("signed_at", "datetime"),
        ("vip", "boolean"),
        ("site", "url"),
        ("billing_email", "email"),
        ("hotline", "phone"),
        ("csm", "user"),
        ("notes_long", "long_text"),
        ("budget", "money"),
    ] {
        define(
            &app,
            json!({"object": "contacts", "key": key, "label": key, "type": kind}),
        )
        .await;
    }
    define(
        &app,
        json!({"object": "contacts", "key": "areas", "label": "Areas", "type": "multi_select",
            "options": ["sales", "support", "billing"]}),
    )
    .await;
    define(
        &app,
        json!({"object": "contacts", "key": "partner", "label": "Partner", "type": "record",
            "target": "companies"}),
    )
    .await;
    let company = app.create_company(json!({"name": "Acme"})).await;
    let member = app.member(Role::Member).await;

    // Every value canonical, as built-in fields are.
    let res = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Ana", "custom": {
                "tier": "gold", "seats": 12, "renews_on": "2027-01-31",
                "signed_at": "2026-11-02T10:00:00+01:00", "vip": true,
                "site": "https://Example.com/x", "billing_email": "Billing@Example.COM",
                "hotline": "+33 6 12 34 56 78", "csm": member.user_id.to_string(),
                "budget": {"amount": "1200.5", "currency": "eur"},
                "areas": ["support", "sales", "support"], "partner": company["id"],
                "notes_long": null,
            }}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let ana = res.json();
    let custom = &ana["custom"];
    assert_eq!(custom["signed_at"], "2026-11-02T09:00:00.000Z");
    assert_eq!(custom["billing_email"], "billing@example.com");
    assert_eq!(custom["hotline"], "+33612345678");
    assert_eq!(
        custom["budget"],
        json!({"amount": "1200.50", "currency": "EUR"})
    );
    assert_eq!(custom["areas"], json!(["sales", "support"]));
    assert!(custom.get("notes_long").is_none(), "{custom}");
    // Read back as written.
    let again = get_ok(&app, &format!("/api/v1/contacts/{}", id_of(&ana))).await;
    assert_eq!(&again["custom"], custom);

    // Every bad value named at once, and nothing written.
    let before = app.count_rows("contacts").await;
    let res = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Bad", "custom": {
                "tier": "platinum", "seats": "12", "renews_on": "31/01/2027", "vip": "yes",
                "site": "not a url", "billing_email": "nope", "hotline": "12",
                "csm": "0190c7a6-0000-7000-8000-000000000001", "areas": ["sales", "hr"],
                "partner": "0190c7a6-0000-7000-8000-000000000002", "shoe_size": 42,
                "budget": {"amount": 12.5, "currency": "EUR"},
            }}),
        )
        .await;
    let p = res.problem(422, "validation-failed");
    let mut got = pointers(&p);
    got.sort();
    assert_eq!(
        got,
        [
            "/custom/areas/1",
            "/custom/billing_email",
            "/custom/budget",
            "/custom/hotline",
            "/custom/renews_on",
            "/custom/seats",
            "/custom/shoe_size",
            "/custom/site",
            "/custom/tier",
            "/custom/vip",
        ],
        "{p}"
    );
    assert_eq!(code_at(&p, "/custom/tier"), "invalid_choice");
    assert_eq!(code_at(&p, "/custom/shoe_size"), "unknown_field");
    // References are checked once the values themselves are right.
    let res = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Bad", "custom": {"tier": "gold",
                "csm": "0190c7a6-0000-7000-8000-000000000001",
                "partner": "0190c7a6-0000-7000-8000-000000000002"}}),
        )
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/custom/csm"), "not_found");
    assert_eq!(code_at(&p, "/custom/partner"), "not_found");
    // Required.
    let res = app
        .post("/api/v1/contacts", json!({"first_name": "NoTier"}))
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/custom/tier"), "required");
    let res = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "NotAnObject", "custom": ["gold"]}),
        )
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/custom"), "invalid_type");
    assert_eq!(app.count_rows("contacts").await, before);

    // A merge patch reaches into `custom`: null removes one value, the others stay.
    let at = format!("/api/v1/contacts/{}", id_of(&ana));
    let res = app
        .patch(&at, json!({"custom": {"vip": null, "seats": 13.5}}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let patched = res.json();
    assert!(patched["custom"].get("vip").is_none());
    assert_eq!(patched["custom"]["seats"], 13.5);
    assert_eq!(patched["custom"]["tier"], "gold");
    assert_eq!(patched["version"], 2);
    // A required value cannot be removed.
    let res = app.patch(&at, json!({"custom": {"tier": null}})).await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/custom/tier"), "required");
    // A patch that changes nothing keeps the version.
    let res = app.patch(&at, json!({"custom": {"seats": 13.5}})).await;
    assert_eq!(res.json()["version"], 2);
    // The audit trail records custom values like any field.
    let audit = get_ok(&app, &format!("/api/v1/audit?object_id={}", id_of(&ana))).await;
    assert!(audit.to_string().contains("seats"), "{audit}");
}

async fn unique_values_are_refused_with_the_holder(b: Backend) {
    let app = TestApp::new(b).await;
    define(
        &app,
        json!({"object": "contacts", "key": "erp_id", "label": "ERP id", "type": "text",
            "unique": true}),
    )
    .await;
    let code = define(
        &app,
        json!({"object": "contacts", "key": "code", "label": "Code", "type": "text"}),
    )
    .await;
    let ana = contact(&app, "Ana", json!({"erp_id": "C-1", "code": "x"})).await;
    let before = app.count_rows("contacts").await;
    let res = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Bob", "custom": {"erp_id": "C-1"}}),
        )
        .await;
    let p = res.problem(409, "conflict");
    assert_eq!(p["existing_id"], ana, "{p}");
    assert_eq!(app.count_rows("contacts").await, before);
    let bob = contact(&app, "Bob", json!({"erp_id": "C-2", "code": "x"})).await;
    let res = app
        .patch(
            &format!("/api/v1/contacts/{bob}"),
            json!({"custom": {"erp_id": "C-1"}}),
        )
        .await;
    res.problem(409, "conflict");
    // Re-saving one's own value is no conflict.
    let res = app
        .patch(
            &format!("/api/v1/contacts/{ana}"),
            json!({"first_name": "Ana Maria", "custom": {"erp_id": "C-1"}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // A deleted record's value is free again.
    let res = app.delete(&format!("/api/v1/contacts/{ana}")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    contact(&app, "Cleo", json!({"erp_id": "C-1"})).await;
    // A field is made unique only when no two live records share a value.
    contact(&app, "Eve", json!({"code": "x"})).await;
    let res = app
        .patch(
            &format!("{FIELDS}/{}", id_of(&code)),
            json!({"unique": true}),
        )
        .await;
    res.problem(409, "conflict");
    // Another workspace may use the same value.
    let other = app.other_workspace().await;
    let res = app
        .request(Method::POST, FIELDS)
        .bearer(&other.token)
        .json(
            &json!({"object": "contacts", "key": "erp_id", "label": "ERP", "type": "text",
            "unique": true}),
        )
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let res = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&other.token)
        .json(&json!({"first_name": "Dan", "custom": {"erp_id": "C-1"}}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

/// Asserts which contacts a filter finds.
async fn check(app: &TestApp, expr: &str, want: &[&String]) {
    let got = sorted(filter_ids(app, "/api/v1/contacts", expr).await);
    let want = sorted(want.iter().map(|s| (*s).clone()).collect());
    assert_eq!(got, want, "{expr}");
}

async fn lists_filter_and_sort_on_custom_fields(b: Backend) {
    let app = TestApp::new(b).await;
    for (key, kind, extra) in [
        ("seats", "number", json!({})),
        ("tier", "select", json!({"options": ["gold", "silver"]})),
        ("renews_on", "date", json!({})),
        ("signed_at", "datetime", json!({})),
        ("budget", "money", json!({})),
        ("vip", "boolean", json!({})),
        (
            "areas",
            "multi_select",
            json!({"options": ["sales", "support"]}),
        ),
        ("nick", "text", json!({})),
    ] {
        let mut body = json!({"object": "contacts", "key": key, "label": key, "type": kind,
            "filterable": true});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        define(&app, body).await;
    }
    let a = contact(
        &app,
        "A",
        json!({"seats": 5, "tier": "gold", "renews_on": "2027-01-10",
            "signed_at": "2026-01-01T00:00:00Z", "budget": {"amount": "9.99", "currency": "EUR"},
            "vip": true, "areas": ["sales"], "nick": "Alpha"}),
    )
    .await;
    let b2 = contact(
        &app,
        "B",
        json!({"seats": 40.5, "tier": "silver", "renews_on": "2027-03-01",
            "signed_at": "2026-06-01T12:00:00Z", "budget": {"amount": "100", "currency": "EUR"},
            "vip": false, "areas": ["sales", "support"], "nick": "bravo"}),
    )
    .await;
    let c = contact(&app, "C", json!({"seats": 12, "nick": "Charlie"})).await;
    let d = contact(&app, "D", json!({})).await;
    let e = contact(&app, "E", json!({"seats": 12})).await;
    let base = "/api/v1/contacts";
    check(&app, "custom.seats gt 10", &[&b2, &c, &e]).await;
    check(&app, "custom.seats lte 5", &[&a]).await;
    check(&app, "custom.seats in (5, 40.5)", &[&a, &b2]).await;
    check(&app, "custom.seats is_null true", &[&d]).await;
    check(&app, r#"custom.tier eq "gold""#, &[&a]).await;
    check(&app, r#"custom.tier ne "gold""#, &[&b2, &c, &d, &e]).await;
    check(&app, r#"custom.renews_on gte "2027-02-01""#, &[&b2]).await;
    check(
        &app,
        r#"custom.signed_at lt "2026-03-01T00:00:00+00:00""#,
        &[&a],
    )
    .await;
    check(
        &app,
        r#"custom.signed_at in_period "this_year""#,
        &[&a, &b2],
    )
    .await;
    check(&app, "custom.budget gt 10", &[&b2]).await;
    check(&app, "custom.vip eq true", &[&a]).await;
    check(&app, "custom.vip eq false", &[&b2]).await;
    check(&app, r#"custom.areas contains "support""#, &[&b2]).await;
    check(&app, "custom.areas is_null true", &[&c, &d, &e]).await;
    check(&app, r#"custom.nick contains "RAV""#, &[&b2]).await;
    check(&app, r#"custom.nick starts_with "ch""#, &[&c]).await;
    check(
        &app,
        r#"custom.seats gte 12 and not (custom.nick eq "bravo")"#,
        &[&c, &e],
    )
    .await;

    // Sorted on a custom field, one record per page: empty values come last either way, and
    // ties follow the id.
    let (ce_asc, ce_desc) = if c < e {
        (vec![&c, &e], vec![&e, &c])
    } else {
        (vec![&e, &c], vec![&c, &e])
    };
    let asc = all_pages(&app, &format!("{base}?sort=custom.seats&limit=1")).await;
    let mut want: Vec<String> = vec![a.clone()];
    want.extend(ce_asc.into_iter().cloned());
    want.extend([b2.clone(), d.clone()]);
    assert_eq!(asc, want);
    let desc = all_pages(&app, &format!("{base}?sort=-custom.seats&limit=2")).await;
    let mut want: Vec<String> = vec![b2.clone()];
    want.extend(ce_desc.into_iter().cloned());
    want.extend([a.clone(), d.clone()]);
    assert_eq!(desc, want);
    let by_text = all_pages(
        &app,
        &format!("{base}?sort=custom.nick,-created_at&limit=2"),
    )
    .await;
    assert_eq!(&by_text[..3], [a.clone(), c.clone(), b2.clone()]);
    assert_eq!(by_text.len(), 5);

    // Bad filters and sorts name the problem.
    let res = app
        .get(&format!("{base}?filter={}", enc(r#"custom.nope eq "x""#)))
        .await;
    let p = res.problem(400, "invalid-filter");
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .contains("custom.seats"),
        "{p}"
    );
    let res = app
        .get(&format!(
            "{base}?filter={}",
            enc(r#"custom.tier eq "bronze""#)
        ))
        .await;
    res.problem(400, "invalid-filter");
    let res = app
        .get(&format!(
            "{base}?filter={}",
            enc(r#"custom.seats gt "many""#)
        ))
        .await;
    res.problem(400, "invalid-filter");
    let res = app.get(&format!("{base}?sort=custom.areas")).await;
    res.problem(400, "invalid-parameter");
    // Exports take the same filters.
    let res = app
        .get(&format!(
            "{base}/export?format=jsonl&filter={}",
            enc(r#"custom.tier eq "silver""#)
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.text().lines().count(), 1);
    assert!(res.text().contains("\"tier\":\"silver\""));
    // In CSV each custom field is a column named as imports map it back.
    let res = app
        .get(&format!(
            "{base}/export?format=csv&filter={}",
            enc(r#"custom.tier eq "silver""#)
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let mut rdr = csv::Reader::from_reader(res.body.as_ref());
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let row = rdr.records().next().expect("a row").expect("csv");
    let at = |name: &str| {
        let i = header.iter().position(|h| h == name).expect(name);
        row[i].to_owned()
    };
    assert!(!header.contains(&"custom".to_owned()), "{header:?}");
    assert_eq!(at("custom.tier"), "silver");
    assert_eq!(at("custom.seats"), "40.5");
    assert_eq!(at("custom.budget"), "100.00 EUR");
    assert_eq!(at("custom.areas"), "sales; support");
}

async fn filterable_fields_are_indexed_and_deleting_a_field_erases_it(b: Backend) {
    let app = TestApp::new(b).await;
    let tier = define(
        &app,
        json!({"object": "contacts", "key": "tier", "label": "Tier", "type": "text",
            "filterable": true}),
    )
    .await;
    let plain = define(
        &app,
        json!({"object": "contacts", "key": "plain", "label": "Plain", "type": "text"}),
    )
    .await;
    let ana = contact(&app, "Ana", json!({"tier": "gold", "plain": "p"})).await;
    let index_count = |name: &'static str| {
        let app = &app;
        async move {
            match app.backend {
                Backend::Sqlite => {
                    app.count_rows(&format!(
                        "sqlite_master WHERE type = 'index' AND name = '{name}'"
                    ))
                    .await
                }
                Backend::Postgres => {
                    app.count_rows(&format!("pg_indexes WHERE indexname = '{name}'"))
                        .await
                }
            }
        }
    };
    assert_eq!(index_count("custom_contacts_tier").await, 1);
    assert_eq!(index_count("custom_contacts_plain").await, 0);
    if matches!(b, Backend::Postgres) {
        // Built concurrently once the definition committed, and valid.
        let valid =
            "pg_index WHERE indexrelid = to_regclass('custom_contacts_tier') AND indisvalid";
        assert_eq!(app.count_rows(valid).await, 1);
        // An index that an interrupted build left invalid is built again when the field is
        // saved.
        app.execute(
            "UPDATE pg_index SET indisvalid = false \
             WHERE indexrelid = to_regclass('custom_contacts_tier')",
        )
        .await;
        assert_eq!(app.count_rows(valid).await, 0);
        let res = app
            .patch(
                &format!("{FIELDS}/{}", id_of(&tier)),
                json!({"label": "Tier level"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert_eq!(app.count_rows(valid).await, 1);
    }
    // The filter's expression is the index's, so the database uses it.
    let ws = app.owner.workspace_id.0;
    let sql = match b {
        Backend::Sqlite => format!(
            "SELECT id FROM contacts AS t WHERE t.workspace_id = X'{}' AND t.deleted_at IS NULL \
             AND json_extract(\"t\".\"custom\", '$.tier') = 'gold'",
            ws.simple()
        ),
        Backend::Postgres => format!(
            "SELECT id FROM contacts AS t WHERE t.workspace_id = '{ws}' AND t.deleted_at IS NULL \
             AND ((\"t\".\"custom\"::jsonb ->> 'tier') COLLATE \"C\") = 'gold'"
        ),
    };
    let plan = app.plan(&sql).await;
    assert!(plan.contains("custom_contacts_tier"), "{plan}");
    // Not filterable any more: the index goes (no other workspace uses the key).
    let res = app
        .patch(
            &format!("{FIELDS}/{}", id_of(&tier)),
            json!({"filterable": false}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(index_count("custom_contacts_tier").await, 0);
    // Filtering still works, unindexed; sorting needs the index.
    let got = filter_ids(&app, "/api/v1/contacts", r#"custom.tier eq "gold""#).await;
    assert_eq!(got, [ana.as_str()]);
    let res = app.get("/api/v1/contacts?sort=custom.tier").await;
    res.problem(400, "invalid-parameter");

    // Deleting a field erases its values; its key can then take another type.
    let res = app.delete(&format!("{FIELDS}/{}", id_of(&plain))).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    let record = get_ok(&app, &format!("/api/v1/contacts/{ana}")).await;
    assert_eq!(record["custom"], json!({"tier": "gold"}));
    let res = app
        .patch(
            &format!("/api/v1/contacts/{ana}"),
            json!({"custom": {"plain": "back"}}),
        )
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/custom/plain"), "unknown_field");
    let renewed = define(
        &app,
        json!({"object": "contacts", "key": "plain", "label": "Plain", "type": "number",
            "filterable": true}),
    )
    .await;
    let res = app
        .patch(
            &format!("/api/v1/contacts/{ana}"),
            json!({"custom": {"plain": 7}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let got = filter_ids(&app, "/api/v1/contacts", "custom.plain gt 6").await;
    assert_eq!(got, [ana.as_str()]);
    // Deleting a filterable field drops its index too.
    assert_eq!(index_count("custom_contacts_plain").await, 1);
    let res = app.delete(&format!("{FIELDS}/{}", id_of(&renewed))).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(index_count("custom_contacts_plain").await, 0);
    // Restoring it brings the index back, not the values.
    let res = app
        .post(&format!("{FIELDS}/{}/restore", id_of(&renewed)), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(index_count("custom_contacts_plain").await, 1);
    let record = get_ok(&app, &format!("/api/v1/contacts/{ana}")).await;
    assert!(record["custom"].get("plain").is_none(), "{record}");
}

async fn every_customer_object_takes_custom_fields(b: Backend) {
    let app = TestApp::new(b).await;
    define(
        &app,
        json!({"object": "tasks", "key": "effort", "label": "Effort", "type": "number",
            "filterable": true}),
    )
    .await;
    define(
        &app,
        json!({"object": "companies", "key": "segment", "label": "Segment", "type": "select",
            "options": ["smb", "enterprise"], "required": true}),
    )
    .await;
    let res = app
        .post(
            "/api/v1/tasks",
            json!({"title": "Call", "custom": {"effort": 3}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let task = id_of(&res.json());
    let got = filter_ids(&app, "/api/v1/tasks", "custom.effort eq 3").await;
    assert_eq!(got, [task]);
    // A field of another object is unknown here.
    let res = app
        .post(
            "/api/v1/tasks",
            json!({"title": "x", "custom": {"segment": "smb"}}),
        )
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/custom/segment"), "unknown_field");
    // Batch writes check custom values item by item.
    let res = app
        .post(
            "/api/v1/companies/batch",
            json!({"create": [
                {"name": "Ok", "custom": {"segment": "smb"}},
                {"name": "Missing segment"},
            ]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let results = res.json();
    assert_eq!(results["data"][0]["status"], 201, "{results}");
    assert_eq!(results["data"][1]["status"], 422, "{results}");
    assert_eq!(
        results["data"][1]["problem"]["errors"][0]["pointer"],
        "/create/1/custom/segment"
    );
    // Objects that are configuration take none.
    let res = app
        .post(
            "/api/v1/pipelines",
            json!({"name": "P", "stages": [{"name": "New", "kind": "open"}],
                "custom": {"x": 1}}),
        )
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/custom"), "unknown_field");
}

async fn another_workspace_sees_none_of_it(b: Backend) {
    let app = TestApp::new(b).await;
    let tier = define(
        &app,
        json!({"object": "contacts", "key": "tier", "label": "Tier", "type": "text"}),
    )
    .await;
    let other = app.other_workspace().await;
    let res = app
        .request(Method::GET, FIELDS)
        .bearer(&other.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(ids(&res.json()).is_empty());
    let res = app
        .request(Method::GET, &format!("{FIELDS}/{}", id_of(&tier)))
        .bearer(&other.token)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Their contacts know no such field.
    let res = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&other.token)
        .json(&json!({"first_name": "Eve", "custom": {"tier": "x"}}))
        .send()
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(code_at(&p, "/custom/tier"), "unknown_field");
    let res = app
        .request(
            Method::GET,
            &format!("/api/v1/contacts?filter={}", enc(r#"custom.tier eq "x""#)),
        )
        .bearer(&other.token)
        .send()
        .await;
    res.problem(400, "invalid-filter");
}

both_backends!(
    a_definition_is_validated_and_its_fixed_parts_cannot_change,
    values_are_validated_like_built_in_fields,
    unique_values_are_refused_with_the_holder,
    lists_filter_and_sort_on_custom_fields,
    filterable_fields_are_indexed_and_deleting_a_field_erases_it,
    every_customer_object_takes_custom_fields,
    another_workspace_sees_none_of_it,
);
