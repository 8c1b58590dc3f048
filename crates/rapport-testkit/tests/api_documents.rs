//! Documents through the HTTP API, on SQLite and PostgreSQL: an upload streamed to a
//! content-addressed file and downloaded back byte for byte, the type sniffed from the bytes,
//! the size limit (413, nothing left behind), the record it is attached to checked in the
//! workspace, every download audited, lists by record, rename, soft delete and restore, and
//! idempotent uploads.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

mod common;

use std::path::{Path, PathBuf};

use common::{code_at, enc, filter_ids, get_ok, id_of, pointers};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const DOCUMENTS: &str = "/api/v1/documents";

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
];

fn at(id: &str) -> String {
    format!("{DOCUMENTS}/{id}")
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn upload_path(record_type: &str, record_id: &str, name: &str) -> String {
    format!(
        "{DOCUMENTS}?record_type={record_type}&record_id={record_id}&name={}",
        enc(name)
    )
}

async fn upload(
    app: &TestApp,
    record_type: &str,
    record_id: &str,
    name: &str,
    bytes: &[u8],
) -> TestResponse {
    app.request(Method::POST, &upload_path(record_type, record_id, name))
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
}

async fn uploaded(
    app: &TestApp,
    record_type: &str,
    record_id: &str,
    name: &str,
    bytes: &[u8],
) -> Value {
    let res = upload(app, record_type, record_id, name, bytes).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

/// Every file under the documents folder (temporary ones included).
fn files(app: &TestApp) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.db.documents_dir(), &mut out);
    out.sort();
    out
}

fn file_of(app: &TestApp, sha: &str) -> PathBuf {
    app.db
        .documents_dir()
        .join(app.owner.workspace_id.to_string())
        .join(sha)
}

async fn contact(app: &TestApp) -> String {
    id_of(&app.create_contact(json!({ "first_name": "Ana" })).await)
}

async fn downloads_audited(app: &TestApp, id: &str) -> usize {
    let page = get_ok(
        app,
        &format!("/api/v1/audit?action=documents.download&object_id={id}"),
    )
    .await;
    page["data"].as_array().map_or(0, Vec::len)
}

async fn an_upload_downloads_back_byte_for_byte(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = contact(&app).await;
    // Several download chunks' worth of every byte value.
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let res = upload(&app, "contacts", &contact, "Offre été \"v2\".bin", &bytes).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let d = res.json();
    let id = id_of(&d);
    assert_eq!(res.header("location"), Some(at(&id).as_str()));
    assert_eq!(d["record"], json!({ "type": "contacts", "id": contact }));
    assert_eq!(d["name"], "Offre été v2.bin");
    assert_eq!(d["size"], bytes.len());
    assert_eq!(d["sha256"], sha256(&bytes));
    assert_eq!(d["content_type"], "application/octet-stream");
    assert_eq!(d["uploaded_by"], app.owner.user_id.to_string());
    assert_eq!(d["version"], 1);
    assert_eq!(get_ok(&app, &at(&id)).await, d);
    // Content-addressed: the file is named by its hash, and holds the bytes.
    assert_eq!(files(&app), [file_of(&app, &sha256(&bytes))]);
    assert_eq!(
        std::fs::read(file_of(&app, &sha256(&bytes))).expect("file"),
        bytes
    );

    assert_eq!(downloads_audited(&app, &id).await, 0);
    let res = app.get(&format!("{}/content", at(&id))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body.as_ref(), bytes.as_slice(), "the same bytes");
    assert_eq!(sha256(&res.body), sha256(&bytes));
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert_eq!(
        res.header("content-length"),
        Some(bytes.len().to_string().as_str())
    );
    assert_eq!(
        res.header("content-disposition"),
        Some(
            "attachment; filename=\"Offre _t_ v2.bin\"; filename*=UTF-8''Offre%20%C3%A9t%C3%A9%20v2.bin"
        )
    );
    assert_eq!(
        res.header("etag"),
        Some(format!("\"{}\"", sha256(&bytes)).as_str())
    );
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    // Every download is recorded.
    assert_eq!(downloads_audited(&app, &id).await, 1);
    app.get(&format!("{}/content", at(&id))).await;
    assert_eq!(downloads_audited(&app, &id).await, 2);
    let entry = get_ok(&app, "/api/v1/audit?action=documents.download&limit=1").await;
    assert_eq!(entry["data"][0]["object_type"], "documents");
    assert_eq!(entry["data"][0]["details"]["sha256"], sha256(&bytes));

    // An empty file is a file too.
    let empty = uploaded(&app, "contacts", &contact, "empty.txt", b"").await;
    assert_eq!(empty["size"], 0);
    let res = app.get(&format!("{}/content", at(&id_of(&empty)))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.is_empty());
}

async fn the_type_comes_from_the_bytes_not_the_client(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = contact(&app).await;
    let res = app
        .request(Method::POST, &upload_path("contacts", &contact, "x.txt"))
        .header("content-type", "text/plain")
        .body(PNG.to_vec())
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let png = res.json();
    assert_eq!(png["content_type"], "image/png");
    assert_eq!(png["name"], "x.txt");
    let res = app.get(&format!("{}/content", at(&id_of(&png)))).await;
    assert_eq!(res.header("content-type"), Some("image/png"));
    assert_eq!(res.body.as_ref(), PNG);

    let text = uploaded(
        &app,
        "contacts",
        &contact,
        "notes.png",
        "Ça va ?\n".as_bytes(),
    )
    .await;
    assert_eq!(text["content_type"], "text/plain; charset=utf-8");
    let pdf = uploaded(&app, "contacts", &contact, "offer", b"%PDF-1.7\n...").await;
    assert_eq!(pdf["content_type"], "application/pdf");
    // Names lose their folders and what could fool a reader.
    let sneaky = uploaded(&app, "contacts", &contact, "../../etc/pass\u{202E}wd", b"x").await;
    assert_eq!(sneaky["name"], "passwd");
}

async fn too_large_answers_413_and_leaves_nothing(b: Backend) {
    let app = TestApp::with_config(b, |c| c.documents.max_bytes = 1024).await;
    let contact = contact(&app).await;
    let rows = app.count_rows("documents").await;
    let audit = app.count_rows("audit_log").await;

    // Found while streaming (no length announced).
    let res = upload(&app, "contacts", &contact, "big.bin", &[7u8; 1025]).await;
    let problem = res.problem(413, "payload-too-large");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1024")),
        "{problem}"
    );
    // Announced by Content-Length: refused before reading.
    let res = app
        .request(Method::POST, &upload_path("contacts", &contact, "big.bin"))
        .header("content-length", "5000")
        .body(vec![7u8; 5000])
        .send()
        .await;
    res.problem(413, "payload-too-large");
    assert_eq!(app.count_rows("documents").await, rows);
    assert_eq!(app.count_rows("audit_log").await, audit);
    assert!(files(&app).is_empty(), "no file left: {:?}", files(&app));

    // Exactly the limit is fine, and larger than server.max_body_bytes needs no more than this.
    let ok = uploaded(&app, "contacts", &contact, "fits.bin", &[7u8; 1024]).await;
    assert_eq!(ok["size"], 1024);
    let big = TestApp::with_config(b, |c| c.server.max_body_bytes = 1024).await;
    let contact = id_of(&big.create_contact(json!({ "first_name": "Bo" })).await);
    let bytes = vec![1u8; 64 * 1024];
    let d = uploaded(&big, "contacts", &contact, "over-body-limit.bin", &bytes).await;
    assert_eq!(d["size"], bytes.len());
}

async fn the_record_must_exist_in_the_workspace(b: Backend) {
    let app = TestApp::new(b).await;
    let other = app.other_workspace().await;
    let theirs = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&other.token)
        .json(&json!({ "first_name": "Mallory" }))
        .send()
        .await
        .json();
    let before = (
        app.count_rows("documents").await,
        app.count_rows("audit_log").await,
    );

    let problem = upload(&app, "contacts", &id_of(&theirs), "x.txt", b"hello")
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/record_id"]);
    assert_eq!(code_at(&problem, "/record_id"), "not_found");
    let problem = upload(
        &app,
        "deals",
        &uuid::Uuid::now_v7().to_string(),
        "x.txt",
        b"x",
    )
    .await
    .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/record_id"]);
    let problem = upload(&app, "invoices", "nope", "..", b"x")
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/record_type", "/record_id", "/name"]);
    let problem = app
        .request(Method::POST, DOCUMENTS)
        .body(b"x".to_vec())
        .send()
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/record_type", "/record_id", "/name"]);
    assert_eq!(
        (
            app.count_rows("documents").await,
            app.count_rows("audit_log").await
        ),
        before
    );
    assert!(files(&app).is_empty());

    // Projects take documents too; a viewer may not upload.
    let project = app
        .post("/api/v1/projects", json!({ "name": "Rollout" }))
        .await
        .json();
    uploaded(&app, "projects", &id_of(&project), "plan.txt", b"plan").await;
    let viewer = app.member(Role::Viewer).await;
    app.request(
        Method::POST,
        &upload_path("projects", &id_of(&project), "plan.txt"),
    )
    .bearer(&viewer.token)
    .body(b"plan".to_vec())
    .send()
    .await
    .problem(403, "forbidden");
    // Nor may another workspace read ours: 404 like a missing document.
    let ours = filter_ids(&app, DOCUMENTS, "size gte 0").await;
    let res = app
        .request(Method::GET, &format!("{}/content", at(&ours[0])))
        .bearer(&other.token)
        .send()
        .await;
    res.problem(404, "not-found");
}

async fn documents_list_by_record_rename_delete_and_restore(b: Backend) {
    let app = TestApp::new(b).await;
    let first = contact(&app).await;
    let second = contact(&app).await;
    let a = uploaded(&app, "contacts", &first, "a.txt", b"same bytes").await;
    let b_ = uploaded(&app, "contacts", &second, "b.txt", b"same bytes").await;
    let c = uploaded(&app, "contacts", &first, "c.txt", b"other bytes").await;
    // The same content is one file.
    assert_eq!(a["sha256"], b_["sha256"]);
    assert_eq!(files(&app).len(), 2);

    let mut of_first = filter_ids(&app, DOCUMENTS, &format!("record.id eq \"{first}\"")).await;
    of_first.sort();
    let mut expected = vec![id_of(&a), id_of(&c)];
    expected.sort();
    assert_eq!(of_first, expected);
    assert_eq!(
        filter_ids(
            &app,
            DOCUMENTS,
            &format!("record.type eq \"contacts\" and record.id eq \"{second}\"")
        )
        .await,
        [id_of(&b_)]
    );
    let by_name = get_ok(&app, &format!("{DOCUMENTS}?sort=-name")).await;
    assert_eq!(common::ids(&by_name), [id_of(&c), id_of(&b_), id_of(&a)]);

    // Rename: the name is sanitised; the record and the uploader cannot change.
    let res = app
        .request(Method::PATCH, &at(&id_of(&a)))
        .header("if-match", "\"1\"")
        .json(&json!({ "name": "folder/renamed.txt" }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["name"], "renamed.txt");
    assert_eq!(res.json()["sha256"], a["sha256"]);
    let problem = app
        .patch(
            &at(&id_of(&a)),
            json!({ "record": { "type": "contacts", "id": second }, "uploaded_by": null }),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&problem), ["/record", "/uploaded_by"]);
    let problem = app
        .patch(&at(&id_of(&a)), json!({ "size": 1 }))
        .await
        .problem(422, "validation-failed");
    assert_eq!(code_at(&problem, "/size"), "read_only");

    // Delete: gone from reads, the file stays (b uses it, and a restore needs it).
    let res = app.delete(&at(&id_of(&a))).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    app.get(&at(&id_of(&a))).await.problem(404, "not-found");
    app.get(&format!("{}/content", at(&id_of(&a))))
        .await
        .problem(404, "not-found");
    assert!(
        !filter_ids(&app, DOCUMENTS, &format!("record.id eq \"{first}\""))
            .await
            .contains(&id_of(&a))
    );
    assert_eq!(files(&app).len(), 2);
    let res = app
        .request(Method::POST, &format!("{}/restore", at(&id_of(&a))))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = app.get(&format!("{}/content", at(&id_of(&a)))).await;
    assert_eq!(res.body.as_ref(), b"same bytes");

    let unknown = uuid::Uuid::now_v7();
    app.get(&at(&unknown.to_string()))
        .await
        .problem(404, "not-found");
    app.get(&format!("{}/content", at(&unknown.to_string())))
        .await
        .problem(404, "not-found");
    app.get(&format!("{DOCUMENTS}/nope/content"))
        .await
        .problem(404, "not-found");
}

async fn an_upload_with_an_idempotency_key_runs_once(b: Backend) {
    let app = TestApp::new(b).await;
    let contact = contact(&app).await;
    let send = |bytes: &'static [u8]| {
        app.request(Method::POST, &upload_path("contacts", &contact, "once.txt"))
            .header("idempotency-key", "upload-1")
            .body(bytes.to_vec())
            .send()
    };
    let first = send(b"once").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let again = send(b"once").await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first.json());
    assert_eq!(app.count_rows("documents").await, 1);
    send(b"twice").await.problem(422, "idempotency-key-reused");
    assert_eq!(app.count_rows("documents").await, 1);
}

/// A role that reaches only its own records sees the documents it uploaded, not others'.
async fn a_scoped_role_reaches_the_documents_it_uploaded(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .request(Method::PUT, "/api/v1/roles/filer")
        .json(&json!({
            "objects": { "contacts": ["read"], "documents": ["read", "create", "update"] },
            "record_scope": "own",
        }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let rep = app.member(Role::Member).await;
    let res = app
        .patch(
            &format!("/api/v1/members/{}", rep.user_id),
            json!({ "role": "filer" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let contact = contact(&app).await;
    let owners = uploaded(&app, "contacts", &contact, "owner.txt", b"owner's").await;
    let res = app
        .request(Method::POST, &upload_path("contacts", &contact, "rep.txt"))
        .bearer(&rep.token)
        .body(b"rep's".to_vec())
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let reps = res.json();
    assert_eq!(reps["uploaded_by"], rep.user_id.to_string());

    let as_rep = |path: String| app.request(Method::GET, &path).bearer(&rep.token).send();
    let list = as_rep(format!(
        "{DOCUMENTS}?filter={}",
        enc(&format!("record.id eq \"{contact}\""))
    ))
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(common::ids(&list.json()), [id_of(&reps)]);
    as_rep(format!("{}/content", at(&id_of(&owners))))
        .await
        .problem(404, "not-found");
    let res = as_rep(format!("{}/content", at(&id_of(&reps)))).await;
    assert_eq!(res.body.as_ref(), b"rep's");
    // The owner reaches both.
    assert_eq!(
        filter_ids(&app, DOCUMENTS, &format!("record.id eq \"{contact}\""))
            .await
            .len(),
        2
    );
}

both_backends!(
    a_scoped_role_reaches_the_documents_it_uploaded,
    an_upload_downloads_back_byte_for_byte,
    the_type_comes_from_the_bytes_not_the_client,
    too_large_answers_413_and_leaves_nothing,
    the_record_must_exist_in_the_workspace,
    documents_list_by_record_rename_delete_and_restore,
    an_upload_with_an_idempotency_key_runs_once,
);
