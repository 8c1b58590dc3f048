//! The audit log through the API on both databases: what a change records (actor, request,
//! client, field-level diff with personal values masked), and verification catching an edited,
//! a deleted, a reordered entry and a removed tail.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use http::{Method, StatusCode};
use rapport_store::audit::{self, AuditQuery, Entry, Verdict};
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::json;

/// The workspace's entries, oldest first.
async fn entries(app: &TestApp) -> Vec<Entry> {
    let q = AuditQuery {
        limit: 1000,
        ..AuditQuery::default()
    };
    let mut all = audit::list(&app.app.db, app.owner.workspace_id, &q)
        .await
        .expect("list");
    all.reverse();
    all
}

/// Asserts verification stops at entry `seq`.
async fn assert_broken_at(app: &TestApp, seq: i64) {
    let v = verdict(app).await;
    assert!(
        matches!(v, Verdict::Broken { seq: s, .. } if s == seq),
        "{v:?}"
    );
}

async fn verdict(app: &TestApp) -> Verdict {
    audit::verify(&app.app.db, app.owner.workspace_id)
        .await
        .expect("verify")
}

/// An app whose workspace chain has a handful of entries.
async fn with_history(b: Backend) -> TestApp {
    let app = TestApp::new(b).await;
    for name in ["Ada", "Grace", "Edsger"] {
        app.create_contact(json!({ "first_name": name })).await;
    }
    assert!(matches!(verdict(&app).await, Verdict::Intact { .. }));
    app
}

async fn a_change_records_who_what_where_and_a_masked_diff(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .request(Method::POST, "/api/v1/contacts")
        .header("user-agent", "audit-test/1.0")
        .header("x-request-id", "req-audit-1")
        .json(&json!({
            "first_name": "Ada", "last_name": "Byron",
            "emails": [{ "address": "ada@example.com" }], "notes": "private note",
        }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let id = res.json()["id"].as_str().expect("id").to_owned();
    let res = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({ "last_name": "Lovelace", "emails": [{ "address": "ada@lovelace.org" }] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let res = app
        .request(Method::POST, &format!("/api/v1/contacts/{id}/restore"))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    let res = app.get(&format!("/api/v1/audit?object_id={id}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let data = res.json()["data"].as_array().expect("data").clone();
    let actions: Vec<&str> = data.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "contacts.restore",
            "contacts.delete",
            "contacts.update",
            "contacts.create"
        ]
    );
    let created = &data[3];
    assert_eq!(created["actor_kind"], "token");
    assert_eq!(created["actor_id"], json!(app.owner.user_id.to_string()));
    assert_eq!(created["request_id"], "req-audit-1");
    assert_eq!(created["user_agent"], "audit-test/1.0");
    assert_eq!(created["object_type"], "contacts");
    assert!(created["details"]["token_id"].is_string());
    let fields = &created["details"]["fields"];
    assert_eq!(fields["first_name"], "Ada");
    assert_eq!(fields["emails"], rapport_app::audit::MASK);
    assert_eq!(fields["notes"], rapport_app::audit::MASK);
    let changes = &data[2]["details"]["changes"];
    assert_eq!(
        changes["last_name"],
        json!({ "before": "Byron", "after": "Lovelace" })
    );
    assert_eq!(
        changes["emails"],
        json!({ "before": rapport_app::audit::MASK, "after": rapport_app::audit::MASK })
    );
    assert!(
        changes.get("first_name").is_none(),
        "unchanged fields are not listed"
    );
    assert!(
        !res.text().contains("ada@"),
        "no personal value in the log: {}",
        res.text()
    );
    // Entries chain: each names its predecessor's hash.
    for pair in data.windows(2) {
        assert_eq!(pair[0]["prev_hash"], pair[1]["hash"]);
    }
    // Filters and paging.
    let page = app
        .get("/api/v1/audit?action=contacts.&limit=2")
        .await
        .json();
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
    let next = app
        .get(&format!(
            "/api/v1/audit?action=contacts.&limit=2&cursor={cursor}"
        ))
        .await
        .json();
    assert_eq!(next["data"][1]["action"], "contacts.create");
    app.get("/api/v1/audit?limit=0")
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/audit?cursor=abc")
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/audit?from=yesterday")
        .await
        .problem(400, "invalid-parameter");
    assert!(matches!(verdict(&app).await, Verdict::Intact { entries } if entries >= 5));
}

async fn a_refused_write_leaves_no_entry(b: Backend) {
    let app = TestApp::new(b).await;
    let before = entries(&app).await.len();
    app.post(
        "/api/v1/contacts",
        json!({ "emails": [{ "address": "nope" }] }),
    )
    .await
    .problem(422, "validation-failed");
    assert_eq!(entries(&app).await.len(), before);
}

async fn verify_names_an_edited_entry(b: Backend) {
    let app = with_history(b).await;
    let e = entries(&app).await;
    let target = &e[1];
    app.execute(&format!(
        "UPDATE audit_log SET details = '{{\"fields\":{{\"first_name\":\"Mallory\"}}}}' WHERE hash = '{}'",
        target.hash
    ))
    .await;
    assert_broken_at(&app, target.seq).await;
}

async fn verify_names_a_deleted_entry(b: Backend) {
    let app = with_history(b).await;
    let e = entries(&app).await;
    let target = &e[1];
    app.execute(&format!(
        "DELETE FROM audit_log WHERE hash = '{}'",
        target.hash
    ))
    .await;
    assert_broken_at(&app, target.seq).await;
}

async fn verify_names_a_reordered_entry(b: Backend) {
    let app = with_history(b).await;
    let e = entries(&app).await;
    let (a, c) = (&e[1], &e[2]);
    app.execute(&format!(
        "UPDATE audit_log SET seq = -1 WHERE hash = '{}'",
        a.hash
    ))
    .await;
    app.execute(&format!(
        "UPDATE audit_log SET seq = {} WHERE hash = '{}'",
        a.seq, c.hash
    ))
    .await;
    app.execute(&format!(
        "UPDATE audit_log SET seq = {} WHERE hash = '{}'",
        c.seq, a.hash
    ))
    .await;
    assert_broken_at(&app, a.seq).await;
}

async fn verify_notices_a_removed_tail(b: Backend) {
    let app = with_history(b).await;
    let e = entries(&app).await;
    let last = e.last().expect("entries");
    app.execute(&format!(
        "DELETE FROM audit_log WHERE hash = '{}'",
        last.hash
    ))
    .await;
    let v = verdict(&app).await;
    assert!(matches!(v, Verdict::Broken { .. }), "{v:?}");
    let report: Vec<(rapport_domain::ids::WorkspaceId, Verdict)> =
        rapport_app::audit::verify_all(&app.app.db)
            .await
            .expect("all");
    assert!(
        report
            .iter()
            .any(|(ws, v)| *ws == app.owner.workspace_id && matches!(v, Verdict::Broken { .. }))
    );
}

both_backends!(
    a_change_records_who_what_where_and_a_masked_diff,
    a_refused_write_leaves_no_entry,
    verify_names_an_edited_entry,
    verify_names_a_deleted_entry,
    verify_names_a_reordered_entry,
    verify_notices_a_removed_tail,
);
