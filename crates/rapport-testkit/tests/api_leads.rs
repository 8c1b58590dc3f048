//! Leads through the HTTP API, on SQLite and PostgreSQL: validation, the score from the
//! configured rules (recomputed on change), filters, and conversion into a contact, a company and
//! a deal in one transaction (a second conversion answers 409 naming the result; a failed one
//! writes nothing).

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use common::{code_at, filter_ids, get_ok, id_of, pointers, sorted};
use http::{Method, StatusCode};
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};

const LEADS: &str = "/api/v1/leads";

fn at(id: &str) -> String {
    format!("{LEADS}/{id}")
}

async fn lead(app: &TestApp, body: Value) -> Value {
    let res = app.post(LEADS, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

async fn counts(app: &TestApp) -> [i64; 5] {
    [
        app.count_rows("leads").await,
        app.count_rows("contacts").await,
        app.count_rows("companies").await,
        app.count_rows("deals").await,
        // Each workspace's default pipeline has a document of its own.
        app.count_rows_where("search_docs", "object_type <> 'pipeline'")
            .await,
    ]
}

async fn a_lead_is_scored_by_the_rules_and_rescored_on_change(b: Backend) {
    let app = TestApp::new(b).await;
    let l = lead(
        &app,
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.com",
               "company_name": "Analytical Engines", "source": "referral"}),
    )
    .await;
    // Default rules: email 20 + company 15 + referral 25.
    assert_eq!(l["score"], 60);
    assert_eq!(l["status"], "new");
    assert_eq!(l["email"], "ada@example.com");
    let res = app
        .patch(
            &at(&id_of(&l)),
            json!({"phone": "+33612345678", "source": "web"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["score"], 20 + 15 + 10 + 10);
    // Score is the server's: it cannot be written.
    let problem = app
        .patch(&at(&id_of(&l)), json!({"score": 100}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(code_at(&problem, "/score"), "read_only");
    // Filters and sorts on what leads are worked by.
    let cold = lead(&app, json!({"last_name": "Cold", "source": "import"})).await;
    assert_eq!(filter_ids(&app, LEADS, "score gte 30").await, [id_of(&l)]);
    assert_eq!(
        filter_ids(&app, LEADS, "source eq \"import\"").await,
        [id_of(&cold)]
    );
    assert_eq!(
        filter_ids(&app, LEADS, "email eq \"ada@example.com\"").await,
        [id_of(&l)]
    );
    let sorted_by_score: Vec<String> = get_ok(&app, &format!("{LEADS}?sort=-score")).await["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(sorted_by_score, [id_of(&l), id_of(&cold)]);
}

async fn scoring_rules_come_from_configuration(b: Backend) {
    let app = TestApp::with_config(b, |c| {
        c.crm.lead_scoring.source_points.insert("event".into(), 50);
        c.crm.lead_scoring.field_points.insert("title".into(), 30);
    })
    .await;
    let l = lead(
        &app,
        json!({"last_name": "Hopper", "title": "Rear Admiral", "source": "event"}),
    )
    .await;
    assert_eq!(l["score"], 80);
}

async fn bad_leads_are_refused_with_every_field_named_and_nothing_written(b: Backend) {
    let app = TestApp::new(b).await;
    let before = counts(&app).await;
    let problem = app
        .post(
            LEADS,
            json!({"email": "not an address", "phone": "12", "source": "fax",
                   "status": "disqualified", "converted_at": "2026-01-01T00:00:00Z"}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&problem)),
        [
            "/converted_at",
            "/disqualified_reason",
            "/email",
            "/phone",
            "/source"
        ]
    );
    let problem = app
        .post(LEADS, json!({"title": "Nobody"}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(code_at(&problem, "/last_name"), "required");
    let intruder = app.other_workspace().await;
    let problem = app
        .post(
            LEADS,
            json!({"last_name": "X", "owner_id": intruder.user_id.to_string()}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/owner_id"]);
    assert_eq!(counts(&app).await, before);
    // Disqualifying needs a reason, and the reason goes when the lead is requalified.
    let l = lead(&app, json!({"last_name": "Maybe"})).await;
    let res = app
        .patch(
            &at(&id_of(&l)),
            json!({"status": "disqualified", "disqualified_reason": "No budget"}),
        )
        .await;
    assert_eq!(res.json()["disqualified_reason"], "No budget");
    let res = app
        .patch(&at(&id_of(&l)), json!({"status": "contacted"}))
        .await;
    assert_eq!(res.json()["disqualified_reason"], Value::Null);
}

async fn converting_creates_contact_company_and_deal_once(b: Backend) {
    let app = TestApp::new(b).await;
    let pipeline = app
        .post(
            "/api/v1/pipelines",
            json!({"name": "Sales", "stages": [{"name": "New", "probability": 10}]}),
        )
        .await
        .json();
    let l = lead(
        &app,
        json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.example",
               "phone": "+14155550100", "company_name": "US Navy", "title": "Admiral"}),
    )
    .await;
    let convert = format!("{}/convert", at(&id_of(&l)));
    let res = app
        .post(
            &convert,
            json!({"deal": {"pipeline_id": id_of(&pipeline), "amount": {"amount": "5000", "currency": "USD"}}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let converted = res.json();
    assert!(converted["converted_at"].is_string(), "{converted}");
    assert_eq!(converted["status"], "qualified");
    let contact_id = converted["converted_contact_id"].as_str().expect("contact");
    let company_id = converted["converted_company_id"].as_str().expect("company");
    let deal_id = converted["converted_deal_id"].as_str().expect("deal");
    let contact = get_ok(&app, &format!("/api/v1/contacts/{contact_id}")).await;
    assert_eq!(contact["last_name"], "Hopper");
    assert_eq!(contact["emails"][0]["address"], "grace@navy.example");
    assert_eq!(contact["company_id"], json!(company_id));
    let company = get_ok(&app, &format!("/api/v1/companies/{company_id}")).await;
    assert_eq!(company["name"], "US Navy");
    let deal = get_ok(&app, &format!("/api/v1/deals/{deal_id}")).await;
    assert_eq!(deal["name"], "US Navy");
    assert_eq!(deal["company_id"], json!(company_id));
    assert_eq!(deal["probability"], 10);
    // A second conversion names what the lead became and writes nothing.
    let before = counts(&app).await;
    let problem = app.post(&convert, json!({})).await.problem(409, "conflict");
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.contains(contact_id) && detail.contains(deal_id),
        "{detail}"
    );
    assert_eq!(counts(&app).await, before);
}

async fn a_failed_conversion_writes_nothing_and_names_the_nested_field(b: Backend) {
    let app = TestApp::new(b).await;
    let l = lead(
        &app,
        json!({"last_name": "Turing", "company_name": "Bletchley"}),
    )
    .await;
    let convert = format!("{}/convert", at(&id_of(&l)));
    let intruder = app.other_workspace().await;
    let theirs = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&intruder.token)
        .json(&json!({"first_name": "Theirs"}))
        .send()
        .await
        .json();
    let before = counts(&app).await;
    // The company would be created before the deal fails: all of it rolls back.
    let problem = app
        .post(
            &convert,
            json!({"deal": {"pipeline_id": uuid::Uuid::now_v7().to_string(), "probability": 300}}),
        )
        .await
        .problem(422, "validation-failed");
    // The unknown pipeline is named with the bad probability, in one answer.
    assert_eq!(
        pointers(&problem),
        ["/deal/probability", "/deal/pipeline_id"]
    );
    let problem = app
        .post(
            &convert,
            json!({"deal": {"pipeline_id": uuid::Uuid::now_v7().to_string()}}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/deal/pipeline_id"]);
    let problem = app
        .post(
            &convert,
            json!({"contact_id": uuid::Uuid::now_v7().to_string(), "deal": 3}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/deal"]);
    let problem = app
        .post(&convert, json!({"contact_id": id_of(&theirs)}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/contact_id"]);
    assert_eq!(counts(&app).await, before);
    assert_eq!(
        get_ok(&app, &at(&id_of(&l))).await["converted_at"],
        Value::Null
    );
    // Linking an existing contact and company creates neither.
    let contact = app.create_contact(json!({"first_name": "Alan"})).await;
    let company = app.create_company(json!({"name": "GCHQ"})).await;
    let res = app
        .post(
            &convert,
            json!({"contact_id": id_of(&contact), "company_id": id_of(&company)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let converted = res.json();
    assert_eq!(converted["converted_contact_id"], json!(id_of(&contact)));
    assert_eq!(converted["converted_company_id"], json!(id_of(&company)));
    assert_eq!(converted["converted_deal_id"], Value::Null);
    assert_eq!(app.count_rows("companies").await, before[2] + 1);
}

both_backends!(
    a_lead_is_scored_by_the_rules_and_rescored_on_change,
    scoring_rules_come_from_configuration,
    bad_leads_are_refused_with_every_field_named_and_nothing_written,
    converting_creates_contact_company_and_deal_once,
    a_failed_conversion_writes_nothing_and_names_the_nested_field,
);
