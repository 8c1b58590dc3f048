//! Helpers shared by the API tests: query encoding, list reading, search, and a snapshot of the
//! tables a failing request must leave untouched.

#![allow(
    dead_code,
    reason = "each test file uses a different subset of these helpers"
)]

use http::StatusCode;
use rapport_testkit::{TestApp, TestResponse};
use serde_json::Value;

/// Percent-encodes a query-string value (RFC 3986 unreserved characters stay as they are).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `GET {base}?filter=<encoded expr>`, asserting 200; returns the ids of the page.
pub async fn filter_ids(app: &TestApp, base: &str, expr: &str) -> Vec<String> {
    let res = app
        .get(&format!("{base}?limit=200&filter={}", enc(expr)))
        .await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "filter {expr:?}: {}",
        res.text()
    );
    ids(&res.json())
}

/// `GET path`, asserting 200; returns the JSON body.
pub async fn get_ok(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status, StatusCode::OK, "GET {path}: {}", res.text());
    res.json()
}

/// The `id`s of a list envelope's `data`, in order.
pub fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data array: {page}"))
        .iter()
        .map(id_of)
        .collect()
}

/// A record's id.
pub fn id_of(record: &Value) -> String {
    record["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {record}"))
        .to_owned()
}

/// Sorted copy, to compare sets of ids.
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The target of `Link: <...>; rel="next"`, if any.
pub fn next_link(res: &TestResponse) -> Option<String> {
    let link = res.header("link")?;
    assert!(link.ends_with("; rel=\"next\""), "Link header: {link}");
    let start = link.find('<')? + 1;
    let end = link.find('>')?;
    Some(link[start..end].to_owned())
}

/// `GET /api/v1/search?q=...` (optionally `types`), asserting 200; returns `(type, id)` pairs.
pub async fn search(app: &TestApp, q: &str, types: Option<&str>) -> Vec<(String, String)> {
    let mut path = format!("/api/v1/search?q={}", enc(q));
    if let Some(t) = types {
        path.push_str(&format!("&types={}", enc(t)));
    }
    let body = get_ok(app, &path).await;
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data array: {body}"))
        .iter()
        .map(|hit| {
            let kind = hit["type"]
                .as_str()
                .unwrap_or_else(|| panic!("no type: {hit}"))
                .to_owned();
            (kind, id_of(&hit["record"]))
        })
        .collect()
}

/// Ids found by a search, whatever their type.
pub async fn search_ids(app: &TestApp, q: &str) -> Vec<String> {
    search(app, q, None)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect()
}

/// Row counts of every table a contact or company write touches.
#[derive(Debug, PartialEq, Eq)]
pub struct Rows {
    contacts: i64,
    companies: i64,
    search_docs: i64,
    contact_channels: i64,
}

impl Rows {
    /// Counts now.
    pub async fn count(app: &TestApp) -> Rows {
        Rows {
            contacts: app.count_rows("contacts").await,
            companies: app.count_rows("companies").await,
            search_docs: app.count_rows("search_docs").await,
            contact_channels: app.count_rows("contact_channels").await,
        }
    }

    /// Asserts that nothing was written since `self` was counted.
    pub async fn assert_unchanged(&self, app: &TestApp, what: &str) {
        let now = Rows::count(app).await;
        assert_eq!(&now, self, "{what} must write nothing");
    }
}

/// The pointers of a validation problem's `errors`.
pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array: {problem}"))
        .iter()
        .map(|e| e["pointer"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The code of the error at `pointer`, panicking when there is none.
pub fn code_at(problem: &Value, pointer: &str) -> String {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["pointer"] == pointer)
        .and_then(|e| e["code"].as_str())
        .unwrap_or_else(|| panic!("no error at {pointer}: {problem}"))
        .to_owned()
}

/// A short pause so consecutive writes get distinct millisecond timestamps.
pub async fn tick() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}
