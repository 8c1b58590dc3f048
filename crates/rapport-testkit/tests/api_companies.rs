//! Companies through the HTTP API, on SQLite and PostgreSQL: create and read with normalised
//! domains and money, validation, the one-live-company-per-domain rule (create, patch, restore),
//! merge patches with ETags, soft delete and restore, lists, filters and search.

mod common;

use common::{
    Rows, code_at, enc, filter_ids, get_ok, id_of, ids, next_link, pointers, search, search_ids,
    sorted, tick,
};
use http::{Method, StatusCode};
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};

const COMPANIES: &str = "/api/v1/companies";

fn at(id: &str) -> String {
    format!("{COMPANIES}/{id}")
}

fn acme() -> Value {
    json!({
        "name": "Acme Corporation",
        "domain": "https://WWW.Acme.com/x",
        "industry": "Manufacturing",
        "employee_count": 120,
        "annual_revenue": {"amount": "1250000.5", "currency": "eur"},
        "address": {"city": "Lyon", "country": "fr"},
        "tags": ["key-account", "KEY-ACCOUNT"]
    })
}

async fn restore(app: &TestApp, id: &str) -> TestResponse {
    app.post(&format!("{}/restore", at(id)), json!({})).await
}

// ---------------------------------------------------------------------------------------------
// Create and read
// ---------------------------------------------------------------------------------------------

async fn create_answers_201_with_location_etag_and_normalised_domain_and_money(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app.post(COMPANIES, acme()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let c = res.json();
    let id = id_of(&c);
    assert_eq!(res.header("location"), Some(at(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(c["version"], 1);
    assert_eq!(c["name"], "Acme Corporation");
    assert_eq!(
        c["domain"], "acme.com",
        "scheme, www., path and case are dropped"
    );
    assert_eq!(
        c["annual_revenue"],
        json!({"amount": "1250000.50", "currency": "EUR"}),
        "money is a decimal string with the currency's minor units"
    );
    assert_eq!(c["employee_count"], 120);
    assert_eq!(c["address"]["country"], "FR");
    assert_eq!(c["tags"], json!(["key-account"]));
    let got = app.get(&at(&id)).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("etag"), Some("\"1\""));
    assert_eq!(got.json(), c);
}

async fn get_of_an_unknown_or_malformed_id_is_404_not_found(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_company(acme()).await;
    app.get(&at(&uuid::Uuid::now_v7().to_string()))
        .await
        .problem(404, "not-found");
    app.get(&at("acme")).await.problem(404, "not-found");
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

async fn a_company_without_a_name_is_refused_and_nothing_is_written(b: Backend) {
    let app = TestApp::new(b).await;
    app.create_company(acme()).await;
    let before = Rows::count(&app).await;
    for (body, code) in [
        (json!({"domain": "globex.com"}), "required"),
        (json!({"name": "   "}), "required"),
        (json!({"name": null}), "required"),
        (json!({"name": 5}), "invalid_type"),
    ] {
        let p = app
            .post(COMPANIES, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), ["/name"], "{body}");
        assert_eq!(code_at(&p, "/name"), code, "{body}");
    }
    before
        .assert_unchanged(&app, "a company without a name")
        .await;
}

async fn float_revenue_negative_employees_and_other_bad_fields_are_listed_together(b: Backend) {
    let app = TestApp::new(b).await;
    let before = Rows::count(&app).await;
    let p = app
        .post(
            COMPANIES,
            json!({
                "name": "Acme",
                "annual_revenue": {"amount": 12.5, "currency": "EUR"},
                "employee_count": -1,
                "domain": "not a domain",
                "nickname": "ACME",
                "id": "x",
                "address": {"country": "France"}
            }),
        )
        .await
        .problem(422, "validation-failed");
    let expected = [
        ("/annual_revenue", "invalid_money"),
        ("/employee_count", "out_of_range"),
        ("/domain", "invalid_format"),
        ("/nickname", "unknown_field"),
        ("/id", "read_only"),
        ("/address/country", "invalid_format"),
    ];
    for (pointer, code) in expected {
        assert_eq!(code_at(&p, pointer), code, "code at {pointer}");
    }
    assert_eq!(
        sorted(pointers(&p)),
        sorted(expected.iter().map(|(p, _)| (*p).to_owned()).collect())
    );
    let money = p["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["pointer"] == "/annual_revenue")
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(
        money.contains("decimal string"),
        "says how to send money: {money}"
    );
    assert!(
        !money.contains("line 1"),
        "no parser positions leak: {money}"
    );

    for (body, pointer, code) in [
        (
            json!({"name": "A", "annual_revenue": {"amount": "12.345", "currency": "EUR"}}),
            "/annual_revenue",
            "invalid_money",
        ),
        (
            json!({"name": "A", "annual_revenue": {"amount": "12", "currency": "EURO"}}),
            "/annual_revenue",
            "invalid_money",
        ),
        (
            json!({"name": "A", "annual_revenue": "12 EUR"}),
            "/annual_revenue",
            "invalid_money",
        ),
        (
            json!({"name": "A", "employee_count": 1.5}),
            "/employee_count",
            "invalid_type",
        ),
        (
            json!({"name": "A", "employee_count": "12"}),
            "/employee_count",
            "invalid_type",
        ),
    ] {
        let p = app
            .post(COMPANIES, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
        assert_eq!(code_at(&p, pointer), code, "{body}");
    }
    before.assert_unchanged(&app, "an invalid company").await;
}

// ---------------------------------------------------------------------------------------------
// One live company per domain
// ---------------------------------------------------------------------------------------------

async fn a_second_live_company_with_the_same_domain_is_409_naming_the_first(b: Backend) {
    let app = TestApp::new(b).await;
    let first = id_of(&app.create_company(acme()).await);
    let before = Rows::count(&app).await;
    for domain in ["acme.com", "http://ACME.com/contact", "www.acme.com."] {
        let p = app
            .post(COMPANIES, json!({"name": "Acme Copy", "domain": domain}))
            .await
            .problem(409, "conflict");
        assert_eq!(p["existing_id"], first, "{domain}");
        assert_eq!(p["code"], "domain_taken");
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(&first),
            "the detail names the company: {detail}"
        );
        assert!(detail.contains("acme.com"), "{detail}");
    }
    before.assert_unchanged(&app, "a duplicate domain").await;

    // Moving another company onto the domain is refused the same way and changes nothing.
    let other = app
        .create_company(json!({"name": "Globex", "domain": "globex.com"}))
        .await;
    let other_id = id_of(&other);
    let p = app
        .patch(&at(&other_id), json!({"domain": "ACME.com"}))
        .await
        .problem(409, "conflict");
    assert_eq!(p["existing_id"], first);
    assert_eq!(get_ok(&app, &at(&other_id)).await, other);
    // Keeping one's own domain is no conflict.
    let res = app
        .patch(
            &at(&first),
            json!({"domain": "www.acme.com", "industry": "Rockets"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["domain"], "acme.com");
}

async fn the_domain_of_a_deleted_company_can_be_reused(b: Backend) {
    let app = TestApp::new(b).await;
    let first = id_of(&app.create_company(acme()).await);
    assert_eq!(app.delete(&at(&first)).await.status, StatusCode::NO_CONTENT);
    let second = app
        .create_company(json!({"name": "Acme Reborn", "domain": "acme.com"}))
        .await;
    assert_eq!(second["domain"], "acme.com");
    assert_ne!(id_of(&second), first);
    // Companies without a domain never conflict.
    app.create_company(json!({"name": "No Web 1"})).await;
    app.create_company(json!({"name": "No Web 2"})).await;
}

async fn restoring_a_company_whose_domain_was_taken_meanwhile_is_409(b: Backend) {
    let app = TestApp::new(b).await;
    let first = id_of(&app.create_company(acme()).await);
    assert_eq!(app.delete(&at(&first)).await.status, StatusCode::NO_CONTENT);
    let taker = id_of(
        &app.create_company(json!({"name": "Acme Reborn", "domain": "acme.com"}))
            .await,
    );
    let p = restore(&app, &first).await.problem(409, "conflict");
    assert_eq!(p["existing_id"], taker);
    assert!(
        p["detail"].as_str().unwrap_or_default().contains(&taker),
        "{p}"
    );
    app.get(&at(&first)).await.problem(404, "not-found");
    assert_eq!(ids(&get_ok(&app, COMPANIES).await), vec![taker.clone()]);
    assert_eq!(search_ids(&app, "corporation").await, Vec::<String>::new());

    // Once the domain is free again, the restore goes through.
    assert_eq!(app.delete(&at(&taker)).await.status, StatusCode::NO_CONTENT);
    let res = restore(&app, &first).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["version"], 3);
}

// ---------------------------------------------------------------------------------------------
// PATCH and conditional requests
// ---------------------------------------------------------------------------------------------

async fn patch_merges_money_and_address_and_bumps_the_version(b: Backend) {
    let app = TestApp::new(b).await;
    let before = app.create_company(acme()).await;
    let id = id_of(&before);
    tick().await;
    let res = app
        .patch(
            &at(&id),
            json!({"annual_revenue": {"amount": "2000"}, "address": {"city": "Paris"}, "industry": null}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let after = res.json();
    assert_eq!(after["version"], 2);
    assert_eq!(
        after["annual_revenue"],
        json!({"amount": "2000.00", "currency": "EUR"})
    );
    assert_eq!(after["address"]["city"], "Paris");
    assert_eq!(after["address"]["country"], "FR");
    assert_eq!(after["industry"], Value::Null);
    for untouched in ["name", "domain", "employee_count", "tags", "created_at"] {
        assert_eq!(after[untouched], before[untouched], "{untouched}");
    }
    assert!(after["updated_at"].as_str() > before["updated_at"].as_str());
    assert_eq!(get_ok(&app, &at(&id)).await, after);
}

async fn patch_refuses_bad_fields_and_changes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let before = app.create_company(acme()).await;
    let id = id_of(&before);
    let rows = Rows::count(&app).await;
    for (patch, pointer, code) in [
        (json!({"nickname": "A"}), "/nickname", "unknown_field"),
        (json!({"name": null}), "/name", "required"),
        (
            json!({"employee_count": -5}),
            "/employee_count",
            "out_of_range",
        ),
        (
            json!({"annual_revenue": {"amount": 99.5}}),
            "/annual_revenue",
            "invalid_money",
        ),
        (
            json!({"created_at": "2020-01-01T00:00:00.000Z"}),
            "/created_at",
            "read_only",
        ),
    ] {
        let p = app
            .patch(&at(&id), patch.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{patch}");
        assert_eq!(code_at(&p, pointer), code, "{patch}");
    }
    let got = app.get(&at(&id)).await;
    assert_eq!(got.header("etag"), Some("\"1\""));
    assert_eq!(got.json(), before);
    rows.assert_unchanged(&app, "an invalid patch").await;
}

async fn patch_that_only_restates_the_company_keeps_the_version(b: Backend) {
    let app = TestApp::new(b).await;
    let before = app.create_company(acme()).await;
    let id = id_of(&before);
    for patch in [
        json!({"domain": "HTTP://www.ACME.com/"}),
        json!({"annual_revenue": {"amount": "1250000.50", "currency": "EUR"}}),
        json!({"name": " Acme Corporation "}),
    ] {
        let res = app.patch(&at(&id), patch.clone()).await;
        assert_eq!(res.status, StatusCode::OK, "{patch}: {}", res.text());
        assert_eq!(res.header("etag"), Some("\"1\""), "{patch}");
        assert_eq!(res.json(), before, "{patch}");
    }
}

async fn patch_honours_if_match_current_stale_and_star(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_company(acme()).await);
    let res = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"employee_count": 130}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let current = res.json();

    let p = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"employee_count": 1}))
        .send()
        .await
        .problem(412, "precondition-failed");
    assert_eq!(p["current_version"], 2);
    assert_eq!(
        get_ok(&app, &at(&id)).await,
        current,
        "a stale patch changes nothing"
    );

    let res = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"employee_count": 140}"#)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["employee_count"], 140);
    assert_eq!(res.header("etag"), Some("\"3\""));
}

async fn get_with_the_current_etag_is_304_and_an_old_one_is_200(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_company(acme()).await);
    let res = app
        .request(Method::GET, &at(&id))
        .header("if-none-match", "\"1\"")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert!(res.body.is_empty());
    app.patch(&at(&id), json!({"industry": "Rockets"})).await;
    let res = app
        .request(Method::GET, &at(&id))
        .header("if-none-match", "\"1\"")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(res.json()["industry"], "Rockets");
}

// ---------------------------------------------------------------------------------------------
// DELETE and restore
// ---------------------------------------------------------------------------------------------

async fn a_deleted_company_leaves_get_lists_and_search_until_restored(b: Backend) {
    let app = TestApp::new(b).await;
    let created = app.create_company(acme()).await;
    let id = id_of(&created);
    let globex = id_of(
        &app.create_company(json!({"name": "Globex", "domain": "globex.com"}))
            .await,
    );
    app.patch(&at(&id), json!({"industry": "Rockets"})).await;

    let p = app
        .request(Method::DELETE, &at(&id))
        .header("if-match", "\"1\"")
        .send()
        .await
        .problem(412, "precondition-failed");
    assert_eq!(p["current_version"], 2);
    assert_eq!(app.get(&at(&id)).await.status, StatusCode::OK);

    let res = app
        .request(Method::DELETE, &at(&id))
        .header("if-match", "\"2\"")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    app.get(&at(&id)).await.problem(404, "not-found");
    assert_eq!(ids(&get_ok(&app, COMPANIES).await), vec![globex.clone()]);
    assert!(search_ids(&app, "acme").await.is_empty());
    assert!(
        filter_ids(&app, COMPANIES, r#"domain eq "acme.com""#)
            .await
            .is_empty()
    );
    app.delete(&at(&id)).await.problem(404, "not-found");

    let res = restore(&app, &id).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"4\""));
    let back = res.json();
    assert_eq!(back["version"], 4);
    assert_eq!(back["domain"], "acme.com");
    assert_eq!(back["industry"], "Rockets");
    assert_eq!(
        sorted(ids(&get_ok(&app, COMPANIES).await)),
        sorted(vec![id.clone(), globex])
    );
    assert_eq!(search_ids(&app, "acme").await, vec![id.clone()]);
    assert_eq!(
        filter_ids(&app, COMPANIES, r#"domain eq "acme.com""#).await,
        [id]
    );
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

/// Creates companies with these names, oldest first; returns their ids.
async fn companies(app: &TestApp, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for name in names {
        tick().await;
        out.push(id_of(&app.create_company(json!({"name": name})).await));
    }
    out
}

async fn lists_sort_newest_first_by_name_or_by_update(b: Backend) {
    let app = TestApp::new(b).await;
    let created = companies(&app, &["Globex", "Acme", "Initech", "Hooli"]).await;
    let mut newest_first = created.clone();
    newest_first.reverse();
    assert_eq!(ids(&get_ok(&app, COMPANIES).await), newest_first);
    let by_name = get_ok(&app, &format!("{COMPANIES}?sort=name")).await;
    assert_eq!(
        ids(&by_name),
        [&created[1], &created[0], &created[3], &created[2]].map(String::clone)
    );
    let by_name_desc = get_ok(&app, &format!("{COMPANIES}?sort=-name")).await;
    assert_eq!(
        ids(&by_name_desc),
        [&created[2], &created[3], &created[0], &created[1]].map(String::clone)
    );
    tick().await;
    app.patch(&at(&created[0]), json!({"industry": "Energy"}))
        .await;
    let by_update = get_ok(
        &app,
        &format!("{COMPANIES}?sort={}", enc("-updated_at,name")),
    )
    .await;
    assert_eq!(
        ids(&by_update),
        [&created[0], &created[3], &created[2], &created[1]].map(String::clone)
    );
}

async fn pagination_follows_the_link_header_through_every_company_once(b: Backend) {
    let app = TestApp::new(b).await;
    let names = ["Delta", "Alpha", "Echo", "Bravo", "Charlie", "Alpha"];
    let created = companies(&app, &names).await;
    let all_by_name = ids(&get_ok(&app, &format!("{COMPANIES}?sort=name")).await);
    let mut url = format!("{COMPANIES}?sort=name&limit=4&include_total=true");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let res = app.get(&url).await;
        assert_eq!(res.status, StatusCode::OK, "{url}: {}", res.text());
        let page = res.json();
        assert_eq!(page["total"], 6, "the total counts every page's records");
        seen.extend(ids(&page));
        pages += 1;
        match next_link(&res) {
            Some(next) => url = next,
            None => break,
        }
        assert!(pages < 5, "pagination does not end");
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, all_by_name);
    assert_eq!(sorted(seen), sorted(created));
}

async fn list_parameters_are_checked(b: Backend) {
    let app = TestApp::new(b).await;
    companies(&app, &["Acme", "Globex"]).await;
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("sort=domain", "sort"),
        ("sort=first_name", "sort"),
        ("fields=id,first_name", "fields"),
        ("cursor=nope", "cursor"),
    ] {
        let p = app
            .get(&format!("{COMPANIES}?{query}"))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(p["parameter"], parameter, "{query}");
    }
    let page = get_ok(&app, &format!("{COMPANIES}?limit=1")).await;
    let cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
    let p = app
        .get(&format!("{COMPANIES}?limit=1&sort=name&cursor={cursor}"))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "cursor");
    let page = get_ok(&app, &format!("{COMPANIES}?fields=id,name&sort=name")).await;
    let keys: Vec<Vec<&str>> = page["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let mut k: Vec<&str> = r
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.as_str())
                .collect();
            k.sort_unstable();
            k
        })
        .collect();
    assert_eq!(keys, [vec!["id", "name"], vec!["id", "name"]]);
    assert_eq!(page["data"][0]["name"], "Acme");
}

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

async fn filters_on_revenue_employees_domain_and_more(b: Backend) {
    let app = TestApp::new(b).await;
    let small = id_of(
        &app.create_company(
            json!({"name": "Small", "domain": "small.io", "employee_count": 3,
            "annual_revenue": {"amount": "999.99", "currency": "EUR"}, "tags": ["Startup"],
            "address": {"city": "Lyon", "country": "FR"}}),
        )
        .await,
    );
    let exact = id_of(
        &app.create_company(json!({"name": "Exact", "employee_count": 10,
            "annual_revenue": {"amount": "1000", "currency": "USD"}}))
            .await,
    );
    let big = id_of(
        &app.create_company(json!({"name": "Big Corp", "domain": "big.com", "employee_count": 5000,
            "annual_revenue": {"amount": "5000000.5", "currency": "EUR"}, "address": {"country": "DE"}}))
            .await,
    );
    let bare = id_of(&app.create_company(json!({"name": "Bare"})).await);
    let app = &app;
    let q = move |e: &'static str| async move { sorted(filter_ids(app, COMPANIES, e).await) };

    assert_eq!(
        q("annual_revenue.amount gte 1000").await,
        sorted(vec![exact.clone(), big.clone()])
    );
    assert_eq!(
        q(r#"annual_revenue.amount lt "1000.00""#).await,
        vec![small.clone()]
    );
    assert_eq!(
        q("annual_revenue.amount eq 5000000.50").await,
        vec![big.clone()]
    );
    assert_eq!(
        q(r#"annual_revenue.currency eq "EUR""#).await,
        sorted(vec![small.clone(), big.clone()])
    );
    assert_eq!(
        q(r#"annual_revenue.currency eq "eur""#).await,
        sorted(vec![small.clone(), big.clone()])
    );
    assert_eq!(q("annual_revenue.amount is_null").await, vec![bare.clone()]);
    assert_eq!(q("employee_count lt 10").await, vec![small.clone()]);
    assert_eq!(
        q("employee_count lte 10").await,
        sorted(vec![small.clone(), exact.clone()])
    );
    assert_eq!(
        q("employee_count in (3, 5000)").await,
        sorted(vec![small.clone(), big.clone()])
    );
    assert_eq!(q(r#"domain eq "big.com""#).await, vec![big.clone()]);
    assert_eq!(
        q("domain is_null").await,
        sorted(vec![exact.clone(), bare.clone()])
    );
    assert_eq!(
        q(r#"domain ne "big.com""#).await,
        sorted(vec![small.clone(), exact.clone(), bare.clone()])
    );
    assert_eq!(q(r#"name contains "CORP""#).await, vec![big.clone()]);
    assert_eq!(q(r#"tags contains "startup""#).await, vec![small.clone()]);
    assert_eq!(q(r#"address.country eq "de""#).await, vec![big.clone()]);
    assert_eq!(
        q(r#"employee_count gte 10 and (address.country eq "DE" or annual_revenue.currency eq "USD")"#)
            .await,
        sorted(vec![exact.clone(), big.clone()])
    );
    assert_eq!(
        q(r#"not (employee_count gt 5) and name ne "Bare""#).await,
        [small]
    );
    assert_eq!(q(r#"created_at gte "-1d""#).await.len(), 4);
    assert!(q(r#"created_at lt "2000-01-01""#).await.is_empty());
}

async fn domain_filter_accepts_the_domain_as_people_write_it(b: Backend) {
    // Domains are stored normalised; a filter value in another case should find them.
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_company(acme()).await);
    assert_eq!(
        filter_ids(&app, COMPANIES, r#"domain eq "Acme.COM""#).await,
        [id]
    );
}

async fn bad_company_filters_name_the_exact_position(b: Backend) {
    let app = TestApp::new(b).await;
    let cases: [(&str, usize, usize, &str); 5] = [
        (r#"employee_count gt "many""#, 18, 19, "takes a number"),
        (r#"first_name eq "Ana""#, 0, 1, "unknown field 'first_name'"),
        ("annual_revenue.amount gte 1.23456", 26, 27, ""),
        (r#"annual_revenue.currency eq "EURO""#, 27, 28, ""),
        (
            r#"name eq "Acme" and employee_count contains 3"#,
            19,
            20,
            "does not support 'contains'",
        ),
    ];
    for (filter, position, column, words) in cases {
        let p = app
            .get(&format!("{COMPANIES}?filter={}", enc(filter)))
            .await
            .problem(400, "invalid-filter");
        assert_eq!(
            (p["position"].clone(), p["column"].clone()),
            (json!(position), json!(column)),
            "{filter}: {p}"
        );
        assert!(
            p["detail"].as_str().unwrap_or_default().contains(words),
            "{filter}: {p}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// POST /companies/search
// ---------------------------------------------------------------------------------------------

async fn post_search_pages_like_the_get_list(b: Backend) {
    let app = TestApp::new(b).await;
    let created = companies(&app, &["Delta", "Alpha", "Charlie", "Bravo"]).await;
    let search_url = format!("{COMPANIES}/search");
    let first = app
        .post(&search_url, json!({"filter": r#"name ne "Delta""#, "sort": ["-name"], "limit": 2, "fields": ["id", "name"]}))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let first = first.json();
    assert_eq!(
        first["data"],
        json!([{"id": created[2], "name": "Charlie"}, {"id": created[3], "name": "Bravo"}])
    );
    let cursor = first["next_cursor"].as_str().unwrap_or_default();
    let second = app
        .post(&search_url, json!({"filter": r#"name ne "Delta""#, "sort": ["-name"], "limit": 2, "cursor": cursor}))
        .await
        .json();
    assert_eq!(ids(&second), [created[1].clone()]);
    assert_eq!(second["next_cursor"], Value::Null);
    app.post(&search_url, json!({"filters": "name eq \"x\""}))
        .await
        .problem(422, "validation-failed");
    let p = app
        .post(&search_url, json!({"filter": "name eq"}))
        .await
        .problem(400, "invalid-filter");
    assert_eq!(p["column"], 8);
}

// ---------------------------------------------------------------------------------------------
// GET /api/v1/search
// ---------------------------------------------------------------------------------------------

async fn search_finds_companies_by_name_and_domain_and_types_restrict(b: Backend) {
    let app = TestApp::new(b).await;
    let acme = id_of(&app.create_company(acme()).await);
    let person = id_of(
        &app.create_contact(
            json!({"first_name": "Wile", "emails": [{"address": "wile@acme.com"}]}),
        )
        .await,
    );
    assert_eq!(
        search_ids(&app, "corpor").await,
        vec![acme.clone()],
        "a name prefix"
    );
    assert_eq!(
        search_ids(&app, "acme corporation").await,
        vec![acme.clone()]
    );
    let both = search(&app, "acme", None).await;
    assert_eq!(
        sorted(both.iter().map(|(_, id)| id.clone()).collect()),
        sorted(vec![acme.clone(), person.clone()]),
        "the company by its name and domain, the contact by its email"
    );
    assert!(
        both.contains(&("company".to_owned(), acme.clone())),
        "{both:?}"
    );
    assert!(
        both.contains(&("contact".to_owned(), person.clone())),
        "{both:?}"
    );
    assert_eq!(
        search(&app, "acme", Some("companies")).await,
        [("company".to_owned(), acme.clone())]
    );
    assert_eq!(
        search(&app, "acme", Some("contacts")).await,
        [("contact".to_owned(), person)]
    );
    assert_eq!(search_ids(&app, "acme.com").await.len(), 2);
    let g = id_of(
        &app.create_company(json!({"name": "Globex", "domain": "globex-industries.com"}))
            .await,
    );
    assert_eq!(
        search_ids(&app, "globex-industries.com").await,
        vec![g.clone()],
        "by domain"
    );
    assert_eq!(search_ids(&app, "industries").await, [g]);
    let p = app
        .get("/api/v1/search?q=acme&types=companies,planets")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "types");
}

async fn a_renamed_company_is_found_by_its_new_name_only(b: Backend) {
    let app = TestApp::new(b).await;
    let id = id_of(&app.create_company(json!({"name": "Zephyr Dynamics"})).await);
    assert_eq!(search_ids(&app, "zephyr").await, vec![id.clone()]);
    let res = app
        .patch(
            &at(&id),
            json!({"name": "Quokka Labs", "domain": "quokka.dev"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(search_ids(&app, "quokka").await, vec![id.clone()]);
    assert!(search_ids(&app, "zephyr").await.is_empty());
    assert_eq!(search_ids(&app, "quokka.dev").await, [id]);
}

both_backends!(
    create_answers_201_with_location_etag_and_normalised_domain_and_money,
    get_of_an_unknown_or_malformed_id_is_404_not_found,
    a_company_without_a_name_is_refused_and_nothing_is_written,
    float_revenue_negative_employees_and_other_bad_fields_are_listed_together,
    a_second_live_company_with_the_same_domain_is_409_naming_the_first,
    the_domain_of_a_deleted_company_can_be_reused,
    restoring_a_company_whose_domain_was_taken_meanwhile_is_409,
    patch_merges_money_and_address_and_bumps_the_version,
    patch_refuses_bad_fields_and_changes_nothing,
    patch_that_only_restates_the_company_keeps_the_version,
    patch_honours_if_match_current_stale_and_star,
    get_with_the_current_etag_is_304_and_an_old_one_is_200,
    a_deleted_company_leaves_get_lists_and_search_until_restored,
    lists_sort_newest_first_by_name_or_by_update,
    pagination_follows_the_link_header_through_every_company_once,
    list_parameters_are_checked,
    filters_on_revenue_employees_domain_and_more,
    bad_company_filters_name_the_exact_position,
    post_search_pages_like_the_get_list,
    search_finds_companies_by_name_and_domain_and_types_restrict,
    a_renamed_company_is_found_by_its_new_name_only,
);

both_backends!(domain_filter_accepts_the_domain_as_people_write_it);
