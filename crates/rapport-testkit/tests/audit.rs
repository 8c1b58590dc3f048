//! The audit log through the API on both databases: what a change records (actor, request,
//! client, field-level diff with personal values masked), verification catching an edited,
//! a deleted, a reordered entry and a removed tail, the JSON Lines export, and retention pruning
//! with signed checkpoints.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use chrono::{TimeDelta, Utc};
use http::{Method, StatusCode};
use rapport_app::audit::{PruneError, Pruned};
use rapport_app::secret::SecretString;
use rapport_domain::policy::Role;
use rapport_store::audit::{self, AuditQuery, Checkpoint, Entry, NewEntry, Part, Verdict};
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};

/// The secret key of the apps that prune.
const KEY: &str = "an audit checkpoint key of at least 32 characters";

/// The workspace's entries, oldest first.
async fn entries(app: &TestApp) -> Vec<Entry> {
    let q = AuditQuery {
        limit: 100_000,
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
    rapport_app::audit::verify(&app.app, app.owner.workspace_id)
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
    // A caller that reuses its request id: the entries still name two requests.
    let res = app
        .request(Method::POST, &format!("/api/v1/contacts/{id}/restore"))
        .header("x-request-id", "req-audit-1")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("x-request-id"), Some("req-audit-1"), "echoed");

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
    // The caller's id is kept beside the server's own, which is unique to the request.
    assert_eq!(created["client_request_id"], "req-audit-1");
    let own = created["request_id"].as_str().expect("the server's id");
    assert!(uuid::Uuid::parse_str(own).is_ok(), "{own}");
    let restored = &data[0];
    assert_eq!(restored["client_request_id"], "req-audit-1");
    assert_ne!(restored["request_id"], created["request_id"]);
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
    assert!(matches!(verdict(&app).await, Verdict::Intact { entries, .. } if entries >= 5));
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
        rapport_app::audit::verify_all(&app.app).await.expect("all");
    assert!(
        report
            .iter()
            .any(|(ws, v)| *ws == app.owner.workspace_id && matches!(v, Verdict::Broken { .. }))
    );
}

/// The lines of a JSON Lines export.
fn lines(res: &TestResponse) -> Vec<Value> {
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("application/x-ndjson"));
    res.text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON entry"))
        .collect()
}

/// The `audit.export` entries of the owner's workspace, newest first.
async fn exports(app: &TestApp) -> Vec<Entry> {
    let q = AuditQuery {
        action: Some("audit.export".into()),
        limit: 100,
        ..AuditQuery::default()
    };
    audit::list(&app.app.db, app.owner.workspace_id, &q)
        .await
        .expect("list")
}

/// Appends `n` system entries to the owner's chain in one transaction.
async fn append_many(app: &TestApp, n: usize) {
    let mut tx = app.app.db.begin().await.expect("begin");
    for i in 0..n {
        let e = NewEntry {
            at: Utc::now(),
            actor_kind: "system".into(),
            actor_id: None,
            action: "tests.bulk".into(),
            object_type: Some("tests".into()),
            object_id: Some(i.to_string()),
            request_id: None,
            client_request_id: None,
            ip: None,
            user_agent: None,
            details: "{}".into(),
        };
        audit::append(&mut tx, app.owner.workspace_id, &e)
            .await
            .expect("append");
    }
    tx.commit().await.expect("commit");
}

async fn export_streams_every_entry_oldest_first_and_records_itself(b: Backend) {
    let app = with_history(b).await;
    // More than one batch of 1000, so the export pages.
    append_many(&app, 2100).await;
    let before = entries(&app).await;
    let all = lines(&app.get("/api/v1/audit/export").await);
    assert_eq!(
        all.len(),
        before.len() + 1,
        "every entry, then the export's own"
    );
    for (i, line) in all.iter().enumerate() {
        assert_eq!(line["seq"], json!(i + 1), "oldest first, none missing");
    }
    for pair in all.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    assert_eq!(all[0]["hash"], json!(before[0].hash));
    let ada = all
        .iter()
        .find(|e| e["action"] == "contacts.create")
        .expect("a contact");
    assert_eq!(ada["details"]["fields"]["first_name"], "Ada");
    let last = all.last().expect("lines");
    assert_eq!(last["action"], "audit.export");
    assert_eq!(last["actor_id"], json!(app.owner.user_id.to_string()));
    assert_eq!(last["details"]["filters"], json!({}));
    assert!(matches!(verdict(&app).await, Verdict::Intact { .. }));
}

async fn export_applies_the_list_filters_and_records_them(b: Backend) {
    let app = with_history(b).await;
    let contact = app.create_contact(json!({ "first_name": "Barbara" })).await;
    let id = contact["id"].as_str().expect("id").to_owned();
    app.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "last_name": "Liskov" }),
    )
    .await;
    let res = app
        .get(&format!(
            "/api/v1/audit/export?action=contacts.&object_type=contacts&object_id={id}&actor_id={}",
            app.owner.user_id
        ))
        .await;
    let got = lines(&res);
    let actions: Vec<&str> = got.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["contacts.create", "contacts.update"]);
    let recorded = &exports(&app).await[0];
    let details: Value = serde_json::from_str(&recorded.details).expect("details");
    assert_eq!(
        details["filters"],
        json!({
            "actor_id": app.owner.user_id.to_string(),
            "object_type": "contacts",
            "object_id": id,
            "action": "contacts.",
        })
    );
    // A time window with nothing in it is an empty export (still recorded).
    let empty = app
        .get("/api/v1/audit/export?from=2100-01-01T00:00:00Z")
        .await;
    assert!(lines(&empty).is_empty());
    let early = lines(
        &app.get("/api/v1/audit/export?to=2000-01-01T00:00:00Z")
            .await,
    );
    assert!(early.is_empty());
    assert_eq!(exports(&app).await.len(), 3);
    // The list's paging is not the export's; bad values are refused like the list's.
    app.get("/api/v1/audit/export?limit=10")
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/audit/export?cursor=5")
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/audit/export?from=yesterday")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(
        exports(&app).await.len(),
        3,
        "a refused export is not recorded"
    );
}

async fn export_is_for_owners_and_admins_with_the_admin_scope(b: Backend) {
    let app = with_history(b).await;
    let member = app.member(Role::Member).await;
    app.request(Method::GET, "/api/v1/audit/export")
        .bearer(&member.token)
        .send()
        .await
        .problem(403, "forbidden");
    let read_only = app.token_with("read").await;
    app.request(Method::GET, "/api/v1/audit/export")
        .bearer(&read_only)
        .send()
        .await
        .problem(403, "forbidden");
    assert!(exports(&app).await.is_empty(), "refusals export nothing");
    let denied: Vec<Entry> = entries(&app)
        .await
        .into_iter()
        .filter(|e| e.action == "access.denied")
        .collect();
    assert_eq!(denied.len(), 2, "both refusals are audited");
    assert!(denied.iter().all(|e| e.details.contains("export")));
    let admin = app.member(Role::Admin).await;
    let res = app
        .request(Method::GET, "/api/v1/audit/export")
        .bearer(&admin.token)
        .send()
        .await;
    assert!(!lines(&res).is_empty());
    app.request(Method::GET, "/api/v1/audit/export")
        .anonymous()
        .send()
        .await
        .problem(401, "unauthenticated");
}

/// An app with a secret key and some history.
async fn keyed(b: Backend) -> TestApp {
    let app = TestApp::with_config(b, |c| {
        c.security.secret_key = Some(SecretString::new(KEY));
        c.auth.audit_retention_days = 30;
    })
    .await;
    for name in ["Ada", "Grace", "Edsger"] {
        app.create_contact(json!({ "first_name": name })).await;
    }
    app
}

/// What pruning did to the owner's chain, with a cutoff a day ahead: everything but the newest
/// entry is "old" (ageing entries instead would break their hashes).
async fn prune_all(app: &TestApp) -> Pruned {
    let outcomes = rapport_app::audit::prune(&app.app, Utc::now() + TimeDelta::days(1))
        .await
        .expect("prune");
    outcomes
        .into_iter()
        .find(|(ws, _)| *ws == app.owner.workspace_id)
        .map(|(_, p)| p)
        .expect("the owner's chain")
}

async fn checkpoints(app: &TestApp) -> Vec<Checkpoint> {
    audit::checkpoints(&app.app.db, app.owner.workspace_id)
        .await
        .expect("checkpoints")
}

async fn pruning_keeps_the_newest_entry_and_leaves_a_signed_checkpoint(b: Backend) {
    let app = keyed(b).await;
    let before = entries(&app).await;
    let n = before.len() as i64;
    assert!(n >= 4, "{n}");
    // Nothing is 30 days old yet.
    let cutoff =
        rapport_app::audit::retention_cutoff(Utc::now(), app.app.config.auth.audit_retention_days);
    let outcomes = rapport_app::audit::prune(&app.app, cutoff)
        .await
        .expect("prune");
    assert!(
        outcomes.iter().all(|(_, p)| *p == Pruned::Nothing),
        "{outcomes:?}"
    );

    assert_eq!(
        prune_all(&app).await,
        Pruned::Removed {
            entries: u64::try_from(n - 1).expect("count"),
            through: n - 1
        }
    );
    let after = entries(&app).await;
    assert_eq!(after.len(), 1, "the tip stays");
    assert_eq!(after[0].seq, n);
    let cps = checkpoints(&app).await;
    assert_eq!(cps.len(), 1);
    assert_eq!(cps[0].seq, n - 1);
    assert_eq!(cps[0].hash, before[before.len() - 2].hash);
    assert_eq!(cps[0].entries, n - 1);
    assert_eq!(after[0].prev_hash, cps[0].hash);
    assert_eq!(
        verdict(&app).await,
        Verdict::Intact {
            entries: 1,
            pruned_through: Some(n - 1)
        }
    );
    // Only the tip is left: nothing more to prune.
    assert_eq!(prune_all(&app).await, Pruned::Nothing);

    // The chain goes on, prunes again, and still verifies from its latest checkpoint.
    app.create_contact(json!({ "first_name": "Frances" })).await;
    assert_eq!(
        prune_all(&app).await,
        Pruned::Removed {
            entries: 1,
            through: n
        }
    );
    assert_eq!(checkpoints(&app).await.len(), 2);
    assert!(
        matches!(verdict(&app).await, Verdict::Intact { entries: 1, pruned_through: Some(s) } if s == n),
        "{:?}",
        verdict(&app).await
    );
    // The export starts after the checkpoint and links to it.
    let exported = lines(&app.get("/api/v1/audit/export").await);
    assert_eq!(exported[0]["seq"], json!(n + 1));
    assert_eq!(
        exported[0]["prev_hash"],
        json!(checkpoints(&app).await[1].hash)
    );
    let report = rapport_app::audit::verify_all(&app.app).await.expect("all");
    assert!(
        report
            .iter()
            .all(|(_, v)| matches!(v, Verdict::Intact { .. })),
        "{report:?}"
    );
}

async fn pruning_needs_a_secret_key(b: Backend) {
    let app = with_history(b).await;
    let n = entries(&app).await.len();
    let err = rapport_app::audit::prune(&app.app, Utc::now() + TimeDelta::days(1))
        .await
        .expect_err("no key");
    assert!(matches!(err, PruneError::NoSecretKey), "{err:?}");
    assert!(err.to_string().contains("security.secret_key"), "{err}");
    assert_eq!(entries(&app).await.len(), n);
}

async fn pruning_leaves_a_broken_chain_as_it_is(b: Backend) {
    let app = keyed(b).await;
    let e = entries(&app).await;
    app.execute(&format!(
        "UPDATE audit_log SET details = '{{}}' WHERE hash = '{}'",
        e[1].hash
    ))
    .await;
    assert!(
        matches!(prune_all(&app).await, Pruned::Refused { seq, .. } if seq == e[1].seq),
        "a break is never pruned away"
    );
    assert_eq!(entries(&app).await.len(), e.len());
    assert!(checkpoints(&app).await.is_empty());
    assert_broken_at(&app, e[1].seq).await;
}

/// Asserts verification names the checkpoint after entry `seq`.
async fn assert_checkpoint_broken(app: &TestApp, seq: i64) {
    let v = verdict(app).await;
    assert!(
        matches!(v, Verdict::Broken { part: Part::Checkpoint, seq: s, .. } if s == seq),
        "{v:?}"
    );
}

async fn an_edited_or_forged_checkpoint_is_reported_broken(b: Backend) {
    let app = keyed(b).await;
    prune_all(&app).await;
    let cp = checkpoints(&app).await.pop().expect("checkpoint");
    let ws = app.owner.workspace_id;
    let row = |set: &str| {
        format!(
            "UPDATE audit_checkpoints SET {set} WHERE seq = {} AND hash = '{}'",
            cp.seq, cp.hash
        )
    };

    // Its count edited: the signature no longer matches.
    app.execute(&row("entries = 1")).await;
    assert_checkpoint_broken(&app, cp.seq).await;
    app.execute(&format!(
        "UPDATE audit_checkpoints SET entries = {} WHERE seq = {}",
        cp.entries, cp.seq
    ))
    .await;
    assert!(matches!(verdict(&app).await, Verdict::Intact { .. }));

    // Its signature replaced.
    app.execute(&row(&format!("signature = '{}'", "ab".repeat(32))))
        .await;
    assert_checkpoint_broken(&app, cp.seq).await;
    // Pruning refuses to build on it.
    app.create_contact(json!({ "first_name": "Mallory" })).await;
    assert!(matches!(prune_all(&app).await, Pruned::Refused { seq, .. } if seq == cp.seq));
    app.execute(&row(&format!("signature = '{}'", cp.signature)))
        .await;
    assert!(matches!(verdict(&app).await, Verdict::Intact { .. }));

    // Another key did not sign it.
    let other = SecretString::new("another key, also at least 32 characters long");
    let check = |c: &Checkpoint| rapport_app::audit::checkpoint_is_authentic(&other, c);
    let v = audit::verify(&app.app.db, ws, Some(&check))
        .await
        .expect("verify");
    assert!(
        matches!(
            v,
            Verdict::Broken {
                part: Part::Checkpoint,
                ..
            }
        ),
        "{v:?}"
    );

    // Entries removed behind a forged checkpoint (hash and seq moved on, signature made up).
    let e = entries(&app).await;
    app.execute(&format!(
        "DELETE FROM audit_log WHERE hash = '{}'",
        e[0].hash
    ))
    .await;
    app.execute(&row(&format!("seq = {}, hash = '{}'", e[0].seq, e[0].hash)))
        .await;
    assert_checkpoint_broken(&app, e[0].seq).await;

    // The checkpoint deleted: the first remaining entry's predecessors are missing.
    app.execute(&format!(
        "DELETE FROM audit_checkpoints WHERE seq = {}",
        e[0].seq
    ))
    .await;
    assert_broken_at(&app, 1).await;
}

async fn without_a_key_checkpoints_are_unauthenticated(b: Backend) {
    let app = keyed(b).await;
    prune_all(&app).await;
    let through = checkpoints(&app).await[0].seq;
    let mut config = (*app.app.config).clone();
    config.security.secret_key = None;
    let keyless = rapport_app::App::connect(config).await.expect("connect");
    let v = rapport_app::audit::verify(&keyless, app.owner.workspace_id)
        .await
        .expect("verify");
    assert_eq!(
        v,
        Verdict::Unauthenticated {
            entries: 1,
            pruned_through: through
        }
    );
    // A chain that was never pruned needs no key.
    let other = app.other_workspace().await;
    let v = rapport_app::audit::verify(&keyless, other.workspace_id)
        .await
        .expect("verify");
    assert!(
        matches!(
            v,
            Verdict::Intact {
                pruned_through: None,
                ..
            }
        ),
        "{v:?}"
    );
    keyless.db.close().await;
}

async fn an_entry_put_back_before_the_checkpoint_is_reported(b: Backend) {
    let app = keyed(b).await;
    let first = entries(&app).await[0].clone();
    prune_all(&app).await;
    let sql = |id: &str| {
        format!(
            "INSERT INTO audit_log (workspace_id, seq, at, actor_kind, action, details, prev_hash, hash) \
             SELECT workspace_id, 1, at, actor_kind, action, details, '{}', '{}' FROM audit_log WHERE hash = '{id}'",
            first.prev_hash, first.hash
        )
    };
    let tip = entries(&app).await[0].hash.clone();
    app.execute(&sql(&tip)).await;
    assert_broken_at(&app, 1).await;
}

both_backends!(
    export_streams_every_entry_oldest_first_and_records_itself,
    export_applies_the_list_filters_and_records_them,
    export_is_for_owners_and_admins_with_the_admin_scope,
    pruning_keeps_the_newest_entry_and_leaves_a_signed_checkpoint,
    pruning_needs_a_secret_key,
    pruning_leaves_a_broken_chain_as_it_is,
    an_edited_or_forged_checkpoint_is_reported_broken,
    without_a_key_checkpoints_are_unauthenticated,
    an_entry_put_back_before_the_checkpoint_is_reported,
    a_change_records_who_what_where_and_a_masked_diff,
    a_refused_write_leaves_no_entry,
    verify_names_an_edited_entry,
    verify_names_a_deleted_entry,
    verify_names_a_reordered_entry,
    verify_notices_a_removed_tail,
);
