//! Cursor pagination under concurrent writes: a client paging through a list sees every live
//! record that existed when it started exactly once, and no record twice, while other clients
//! insert and delete records that sort among the ones it is reading.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::{Value, json};
use tower::ServiceExt;

const STABLE: usize = 300;
const PAGE: usize = 17;
/// The concurrent writer stops after this many operations or this long, whichever comes first.
const MAX_CHURN_OPS: usize = 1500;
const MAX_CHURN_TIME: Duration = Duration::from_secs(60);

const SURNAMES: &[&str] = &[
    "Abbott", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Silva",
    "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Young", "Zhang",
];

/// Varied last names: repeated ones (ties broken by id), suffixed ones, and some contacts with none.
fn stable_last_name(i: usize) -> Option<String> {
    if i.is_multiple_of(29) {
        return None;
    }
    let base = SURNAMES[i % SURNAMES.len()];
    Some(match i % 3 {
        0 => base.to_owned(),
        1 => format!("{base}b"),
        _ => format!("{base}n"),
    })
}

/// Last names of the other client's contacts: equal to stable ones or sorting right between them.
fn churn_last_name(k: usize) -> String {
    let base = SURNAMES[(k * 7) % SURNAMES.len()];
    match k % 4 {
        0 => base.to_owned(),
        1 => format!("{base}a"),
        2 => format!("{base}c"),
        _ => format!("{base}z"),
    }
}

async fn call(router: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let res = router.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn create(router: &Router, body: Value) -> String {
    let req = Request::post("/api/v1/contacts")
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&body).expect("json")))
        .expect("request");
    let (status, v) = call(router, req).await;
    assert_eq!(status, StatusCode::CREATED, "create: {v}");
    v["id"].as_str().expect("id").to_owned()
}

async fn delete(router: &Router, id: &str) {
    let req = Request::delete(format!("/api/v1/contacts/{id}"))
        .body(Body::empty())
        .expect("request");
    let (status, v) = call(router, req).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "delete: {v}");
}

/// What the other client did.
struct Churn {
    created: Vec<String>,
    deleted: HashSet<String>,
}

/// The other client: creates contacts and deletes some of its own, until told to stop.
fn start_churn(
    router: Router,
    ops: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Churn> {
    tokio::spawn(async move {
        let start = Instant::now();
        let mut churn = Churn {
            created: Vec::new(),
            deleted: HashSet::new(),
        };
        let mut live: Vec<String> = Vec::new();
        let mut k = 0;
        while !stop.load(Ordering::SeqCst)
            && ops.load(Ordering::SeqCst) < MAX_CHURN_OPS
            && start.elapsed() < MAX_CHURN_TIME
        {
            let id = create(
                &router,
                json!({"first_name": format!("Churn {k}"), "last_name": churn_last_name(k)}),
            )
            .await;
            churn.created.push(id.clone());
            live.push(id);
            ops.fetch_add(1, Ordering::SeqCst);
            if k % 2 == 1 {
                // Delete the oldest still-live one: it may sit before or after the reader's cursor.
                let victim = live.remove(0);
                delete(&router, &victim).await;
                churn.deleted.insert(victim);
                ops.fetch_add(1, Ordering::SeqCst);
            }
            k += 1;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        churn
    })
}

/// One record as a page shows it.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    last_name: String,
    created_at: String,
}

/// Pages through `/api/v1/contacts` with `query`; with `writer`, after each page waits until the
/// other client has written again, so every page boundary has concurrent writes around it.
/// Returns the records in order, the page count and how many page boundaries saw writes.
async fn page_through(
    app: &TestApp,
    query: &str,
    writer: Option<&AtomicUsize>,
) -> (Vec<Seen>, usize, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let (mut pages, mut interleaved) = (0, 0);
    loop {
        let mut url = format!("/api/v1/contacts?limit={PAGE}{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let res = app.get(&url).await;
        assert_eq!(res.status, StatusCode::OK, "{url}: {}", res.text());
        let body = res.json();
        let data = body["data"].as_array().expect("data");
        assert!(data.len() <= PAGE, "a page holds at most limit records");
        for r in data {
            out.push(Seen {
                id: r["id"].as_str().expect("id").to_owned(),
                last_name: r["last_name"].as_str().unwrap_or("").to_owned(),
                created_at: r["created_at"].as_str().expect("created_at").to_owned(),
            });
        }
        pages += 1;
        assert!(pages < 200, "paging does not end");
        match body["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(data.len(), PAGE, "only the last page is short");
                let link = res.header("link").expect("a next page has a Link header");
                assert!(
                    link.contains(&format!("cursor={next}")) && link.ends_with("rel=\"next\""),
                    "Link: {link}"
                );
                cursor = Some(next.to_owned());
            }
            None => {
                assert!(
                    res.header("link").is_none(),
                    "the last page has no next link"
                );
                break;
            }
        }
        let Some(ops) = writer else { continue };
        let before = ops.load(Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(5);
        while ops.load(Ordering::SeqCst) < before + 2 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        if ops.load(Ordering::SeqCst) >= before + 2 {
            interleaved += 1;
        }
    }
    (out, pages, interleaved)
}

fn assert_each_stable_once(seen: &[Seen], stable: &HashSet<String>, what: &str) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for s in seen {
        *counts.entry(s.id.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    assert!(
        twice.is_empty(),
        "{what}: ids seen more than once: {twice:?}"
    );
    let missing: Vec<_> = stable
        .iter()
        .filter(|id| !counts.contains_key(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: {} stable ids never seen: {missing:?}",
        missing.len()
    );
}

async fn create_stable(app: &TestApp) -> HashSet<String> {
    let mut ids = HashSet::new();
    for i in 0..STABLE {
        let mut body = json!({"first_name": format!("Stable {i}")});
        if let Some(last) = stable_last_name(i) {
            body["last_name"] = json!(last);
        }
        ids.insert(create(&app.authed_router(), body).await);
    }
    ids
}

/// Pages with `query` while another client writes; checks the pass, then a quiet pass.
async fn paginate_while_others_write(b: Backend, query: &str, check_order: fn(&[Seen])) {
    let app = TestApp::new(b).await;
    let stable = create_stable(&app).await;
    assert_eq!(stable.len(), STABLE);

    let ops = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let churn = start_churn(app.authed_router(), ops.clone(), stop.clone());

    let (seen, pages, interleaved) = page_through(&app, query, Some(&ops)).await;
    stop.store(true, Ordering::SeqCst);
    let churn = tokio::time::timeout(Duration::from_secs(30), churn)
        .await
        .expect("writer stops")
        .expect("writer ran");

    assert!(pages >= STABLE / PAGE, "{pages} pages");
    assert!(
        interleaved + 1 >= pages,
        "the other client wrote between pages ({interleaved} of {pages})"
    );
    assert!(
        !churn.created.is_empty() && !churn.deleted.is_empty(),
        "the other client inserted and deleted"
    );
    assert_each_stable_once(&seen, &stable, query);
    let known: HashSet<&str> = stable
        .iter()
        .chain(&churn.created)
        .map(String::as_str)
        .collect();
    assert!(
        seen.iter().all(|s| known.contains(s.id.as_str())),
        "only records that exist were listed"
    );
    check_order(&seen);

    // Quiet again: the list is exactly the stable records plus the other client's live ones.
    let (after, _, _) = page_through(&app, query, None).await;
    let expected: HashSet<&str> = stable
        .iter()
        .chain(
            churn
                .created
                .iter()
                .filter(|id| !churn.deleted.contains(*id)),
        )
        .map(String::as_str)
        .collect();
    let got: HashSet<&str> = after.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(got.len(), after.len(), "no duplicates when quiet");
    assert_eq!(
        got, expected,
        "deleted records left the list, created ones joined it"
    );
    check_order(&after);
}

fn newest_first(seen: &[Seen]) {
    for w in seen.windows(2) {
        assert!(
            w[0].created_at >= w[1].created_at,
            "default sort is -created_at: {w:?}"
        );
    }
}

fn by_last_name_then_id(seen: &[Seen]) {
    for w in seen.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert!(
            (&a.last_name, &a.id) < (&b.last_name, &b.id),
            "sort=last_name, ties by id: {w:?}"
        );
    }
}

fn by_last_name_descending_then_oldest(seen: &[Seen]) {
    for w in seen.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert!(a.last_name >= b.last_name, "sort=-last_name first: {w:?}");
        if a.last_name == b.last_name {
            assert!(
                a.created_at <= b.created_at,
                "then created_at ascending: {w:?}"
            );
        }
    }
}

async fn cursor_pagination_by_default_sort_returns_every_live_record_exactly_once_during_concurrent_writes(
    b: Backend,
) {
    paginate_while_others_write(b, "", newest_first).await;
}

async fn cursor_pagination_by_last_name_returns_every_live_record_exactly_once_during_concurrent_writes(
    b: Backend,
) {
    paginate_while_others_write(b, "&sort=last_name", by_last_name_then_id).await;
}

/// Mixed directions take the keyset path that is not a single row-value comparison.
async fn cursor_pagination_with_mixed_sort_directions_returns_every_live_record_exactly_once_during_concurrent_writes(
    b: Backend,
) {
    paginate_while_others_write(
        b,
        "&sort=-last_name,created_at",
        by_last_name_descending_then_oldest,
    )
    .await;
}

both_backends!(
    cursor_pagination_by_default_sort_returns_every_live_record_exactly_once_during_concurrent_writes,
    cursor_pagination_by_last_name_returns_every_live_record_exactly_once_during_concurrent_writes,
    cursor_pagination_with_mixed_sort_directions_returns_every_live_record_exactly_once_during_concurrent_writes,
);
