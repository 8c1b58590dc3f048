//! Test support: a [`TestApp`] on a fresh SQLite file or a fresh PostgreSQL database, driven
//! in-process through the real router, and [`both_backends!`] to run a test on each database.
//!
//! PostgreSQL comes from `RAPPORT_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); each test gets its own database, dropped afterwards.

#![expect(
    clippy::expect_used,
    reason = "test support: a failed setup must fail the test loudly"
)]

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use rapport_app::App;
use rapport_app::config::{self, Config, Sources};
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::policy::Role;
use rapport_http::{AppState, BuildInfo};
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;

pub mod smtp;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A database created on the local PostgreSQL server.
    Postgres,
}

/// Generates `mod NAME { sqlite, postgres }` tests calling `async fn NAME(backend: Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// The PostgreSQL server tests use.
pub fn postgres_admin_url() -> String {
    std::env::var("RAPPORT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh, empty database of either kind; removed when dropped.
pub struct TestDb {
    /// `sqlite://...` or `postgres://...`.
    pub url: String,
    /// The SQLite file, when SQLite.
    pub path: Option<PathBuf>,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    /// Creates the database.
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let path = dir.path().join("rapport.db");
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    path: Some(path),
                    pg_name: None,
                    _dir: dir,
                }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("rapport_test_{}", uuid::Uuid::now_v7().simple());
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL at {admin} is needed for the tests: {e}")
                    });
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let base = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(b, _)| b)
                    .to_owned();
                TestDb {
                    url: format!("{base}/{name}"),
                    path: None,
                    pg_name: Some(name),
                    _dir: dir,
                }
            }
        }
    }
}

impl TestDb {
    /// Where the test app keeps document files (inside the test's temporary folder).
    pub fn documents_dir(&self) -> PathBuf {
        self._dir.path().join("documents")
    }

    /// Where the test app keeps CSV imports (inside the test's temporary folder).
    pub fn imports_dir(&self) -> PathBuf {
        self._dir.path().join("imports")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop cannot await: a short-lived runtime on its own thread removes the database.
        let admin = postgres_admin_url();
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            });
        })
        .join();
    }
}

/// The configuration a test app starts from: defaults, with the test database.
pub fn test_config(url: &str) -> Config {
    let mut c = config::load(&Sources::default()).expect("default configuration is valid");
    c.database.url = config::SecretUrl(url.to_owned());
    c.database.auto_migrate = Some(true);
    c.database.max_connections = 4;
    c
}

/// Keeps an in-process import runner or e-mail sender going; dropping it stops it.
#[derive(Debug)]
pub struct RunnerGuard(tokio_util::sync::CancellationToken);

impl Drop for RunnerGuard {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// A user made for a test: their ids and an API token with every scope their role allows.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// The user.
    pub user_id: UserId,
    /// Their workspace.
    pub workspace_id: WorkspaceId,
    /// Their address.
    pub email: String,
    /// `rpt_...` with read, write and admin scopes.
    pub token: String,
}

/// The application under test, in-process. Requests carry the owner's token unless told
/// otherwise ([`TestRequest::anonymous`], [`TestRequest::bearer`]).
pub struct TestApp {
    /// The router, as the server runs it.
    pub router: Router,
    /// Direct access for assertions on stored state.
    pub app: App,
    /// Which database.
    pub backend: Backend,
    /// The database (kept alive for the test).
    pub db: TestDb,
    /// The owner of the test workspace, whose token requests carry by default.
    pub owner: TestUser,
}

impl TestApp {
    /// A new app on a fresh database.
    pub async fn new(backend: Backend) -> TestApp {
        Self::with_config(backend, |_| {}).await
    }

    /// A new app on a fresh database with configuration changes.
    pub async fn with_config(backend: Backend, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut app = Self::bare(backend, change).await;
        app.owner = make_user(&app.app, "Test", Role::Owner, "owner@example.com").await;
        app
    }

    /// A new app with no account at all (first-run tests); `owner` is a placeholder whose token
    /// authenticates nobody.
    pub async fn without_users(backend: Backend) -> TestApp {
        Self::bare(backend, |_| {}).await
    }

    async fn bare(backend: Backend, change: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new(backend).await;
        let mut config = test_config(&db.url);
        // Document files go to the test's own folder, on either backend.
        config.documents.dir = Some(db.documents_dir());
        config.imports.dir = Some(db.imports_dir());
        change(&mut config);
        let app = App::connect(config).await.expect("connect");
        app.prepare().await.expect("prepare");
        let state = AppState::new(
            app.clone(),
            BuildInfo {
                version: "test".into(),
                commit: "test".into(),
            },
        );
        TestApp {
            router: rapport_http::build(state),
            app,
            backend,
            db,
            owner: TestUser {
                user_id: UserId::new(),
                workspace_id: WorkspaceId::new(),
                email: String::new(),
                token: "rpt_none".into(),
            },
        }
    }

    /// Starts the import runner in-process, as `serve` does; it stops when the guard drops.
    pub fn start_import_runner(&self) -> RunnerGuard {
        let stop = tokio_util::sync::CancellationToken::new();
        tokio::spawn(rapport_app::imports::runner::run(
            self.app.clone(),
            stop.clone(),
        ));
        RunnerGuard(stop)
    }

    /// Starts the e-mail sender in-process, as `serve` does; it stops when the guard drops.
    pub fn start_email_sender(&self) -> RunnerGuard {
        let stop = tokio_util::sync::CancellationToken::new();
        tokio::spawn(rapport_app::email::sender::run(
            self.app.clone(),
            stop.clone(),
        ));
        RunnerGuard(stop)
    }

    /// Another user in the test workspace with `role`, and their all-scope token.
    pub async fn member(&self, role: Role) -> TestUser {
        let email = format!("{}-{}@example.com", role, uuid::Uuid::now_v7().simple());
        make_user(&self.app, "Test", role, &email).await
    }

    /// The owner of a second workspace (tenant isolation tests).
    pub async fn other_workspace(&self) -> TestUser {
        let email = format!("other-{}@example.com", uuid::Uuid::now_v7().simple());
        make_user(&self.app, "Other", Role::Owner, &email).await
    }

    /// A token of the owner with only `scopes` (e.g. `read` or `contacts:read`).
    pub async fn token_with(&self, scopes: &str) -> String {
        issue_token(&self.app, &self.owner, scopes).await
    }

    /// The router with the owner's token added to every request (for tests that build raw
    /// requests or drive the router from several tasks).
    pub fn authed_router(&self) -> Router {
        let value = http::HeaderValue::from_str(&format!("Bearer {}", self.owner.token))
            .expect("header value");
        self.router
            .clone()
            .layer(tower_http::set_header::SetRequestHeaderLayer::overriding(
                http::header::AUTHORIZATION,
                value,
            ))
    }

    /// Sends a request through the router.
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("infallible router");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        let is_problem = headers
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
        if is_problem {
            assert_plain_words(&String::from_utf8_lossy(&body));
        }
        let is_json = headers
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        if is_json && let Ok(value) = serde_json::from_slice::<Value>(&body) {
            assert_millisecond_timestamps(&value);
        }
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// Starts a request, authenticated as the owner.
    pub fn request(&self, method: Method, path: &str) -> TestRequest<'_> {
        TestRequest {
            app: self,
            builder: Request::builder().method(method).uri(path),
            body: Body::empty(),
            bearer: Some(self.owner.token.clone()),
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path).send().await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.request(Method::POST, path).json(&body).send().await
    }

    /// `PATCH path` with a JSON merge patch.
    pub async fn patch(&self, path: &str, body: Value) -> TestResponse {
        self.request(Method::PATCH, path).json(&body).send().await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> TestResponse {
        self.request(Method::DELETE, path).send().await
    }

    /// Creates a contact, asserting 201; returns its JSON.
    pub async fn create_contact(&self, body: Value) -> Value {
        let res = self.post("/api/v1/contacts", body).await;
        assert_eq!(
            res.status,
            StatusCode::CREATED,
            "create contact: {}",
            res.text()
        );
        res.json()
    }

    /// Creates a company, asserting 201; returns its JSON.
    pub async fn create_company(&self, body: Value) -> Value {
        let res = self.post("/api/v1/companies", body).await;
        assert_eq!(
            res.status,
            StatusCode::CREATED,
            "create company: {}",
            res.text()
        );
        res.json()
    }

    /// Runs a raw SQL statement, bypassing the application (ageing a session, tampering with
    /// the audit log): what an attacker or the clock would do.
    pub async fn execute(&self, sql: &str) {
        let sql = sql.to_owned();
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.db.url)
                    .await
                    .expect("sqlite");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut c)
                    .await
                    .expect("execute");
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.db.url).await.expect("pg");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut c)
                    .await
                    .expect("execute");
            }
        }
    }

    /// The query plan the database chooses for `sql` (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN`
    /// with sequential scans discouraged on PostgreSQL, whose planner prefers them on tiny
    /// tables), one line per step: what tests read to tell an index is used.
    pub async fn plan(&self, sql: &str) -> String {
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.db.url)
                    .await
                    .expect("sqlite");
                let rows: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                        .fetch_all(&mut c)
                        .await
                        .expect("plan");
                rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.db.url).await.expect("pg");
                sqlx::query("SET enable_seqscan = off")
                    .execute(&mut c)
                    .await
                    .expect("set");
                let rows: Vec<(String,)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
                        .fetch_all(&mut c)
                        .await
                        .expect("plan");
                rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
            }
        }
    }

    /// Counts a table's rows that meet a SQL condition (all workspaces, deleted included).
    pub async fn count_rows_where(&self, table: &str, condition: &str) -> i64 {
        self.count_rows(&format!("{table} WHERE {condition}")).await
    }

    /// Counts rows of a table (all workspaces, deleted included); `table` may carry its own
    /// `WHERE`.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.db.url)
                    .await
                    .expect("sqlite");
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut c)
                    .await
                    .expect("count")
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.db.url).await.expect("pg");
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut c)
                    .await
                    .expect("count")
            }
        }
    }
}

/// Creates (or joins) workspace `ws` as `email` with `role`, without a password (hashing is
/// slow and only login tests need one), and issues an all-scope token.
async fn make_user(app: &App, ws: &str, role: Role, email: &str) -> TestUser {
    let workspace_id = rapport_app::identity::users::workspace_named(app, ws)
        .await
        .expect("workspace");
    let user_id = UserId::new();
    let mut tx = app.db.begin().await.expect("begin");
    rapport_store::users::insert(&mut tx, user_id, email, email, None, chrono::Utc::now())
        .await
        .expect("user");
    rapport_store::users::put_membership(&mut tx, workspace_id, user_id, role.as_str())
        .await
        .expect("membership");
    tx.commit().await.expect("commit");
    let mut user = TestUser {
        user_id,
        workspace_id,
        email: email.to_owned(),
        token: String::new(),
    };
    user.token = issue_token(app, &user, "read,write,admin").await;
    user
}

/// A token for `user` with `scopes`.
async fn issue_token(app: &App, user: &TestUser, scopes: &str) -> String {
    let ctx = rapport_app::Ctx::system(user.workspace_id);
    let req = rapport_app::identity::tokens::TokenRequest {
        name: "test".into(),
        scopes: scopes.into(),
        expires_in: None,
    };
    rapport_app::identity::tokens::issue(app, &ctx, user.user_id, user.workspace_id, &req)
        .await
        .expect("token")
        .secret
}

/// A request being built.
pub struct TestRequest<'a> {
    app: &'a TestApp,
    builder: http::request::Builder,
    body: Body,
    bearer: Option<String>,
}

impl TestRequest<'_> {
    /// Sends no credentials.
    pub fn anonymous(mut self) -> Self {
        self.bearer = None;
        self
    }

    /// Authenticates with this token instead of the owner's.
    pub fn bearer(mut self, token: &str) -> Self {
        self.bearer = Some(token.to_owned());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(mut self, v: &Value) -> Self {
        self.builder = self.builder.header("content-type", "application/json");
        self.body = Body::from(serde_json::to_vec(v).expect("json"));
        self
    }

    /// A raw body (no content type is added).
    pub fn body(mut self, bytes: impl Into<Bytes>) -> Self {
        self.body = Body::from(bytes.into());
        self
    }

    /// Sends it.
    pub async fn send(self) -> TestResponse {
        let mut builder = self.builder;
        if let Some(token) = &self.bearer {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let req = builder.body(self.body).expect("request");
        self.app.send(req).await
    }
}

/// What Rust and serde say that a person should never read in a problem: every problem body
/// any API test receives is checked, so the whole suite collects them.
pub const RUST_ISMS: &[&str] = &[
    "invalid type:",
    "invalid value:",
    "expected struct",
    "expected a sequence",
    "expected a map",
    "Failed to deserialize",
    "missing field `",
    "unknown field `",
    "duplicate field `",
    "UUID parsing failed",
    "MoneyWire",
    "serde",
    "u32",
    "u64",
    "i64",
    "Option<",
    "Vec<",
    "::",
];

/// Panics when a problem body carries Rust's or serde's wording.
pub fn assert_plain_words(problem: &str) {
    for rust in RUST_ISMS {
        assert!(
            !problem.contains(rust),
            "a problem detail speaks Rust ({rust:?}): {problem}"
        );
    }
}

/// Panics when a JSON answer holds a timestamp not written as the API promises
/// (`2026-11-22T10:15:30.123Z`: UTC, milliseconds): every answer any API test receives is
/// checked.
pub fn assert_millisecond_timestamps(value: &Value) {
    match value {
        Value::String(s) => {
            let b = s.as_bytes();
            let looks_like_instant = b.len() >= 19
                && b[4] == b'-'
                && b[7] == b'-'
                && b[10] == b'T'
                && b[13] == b':'
                && b[16] == b':'
                && b[..4].iter().all(u8::is_ascii_digit);
            if looks_like_instant {
                let millis = b.len() == 24
                    && b[19] == b'.'
                    && b[20..23].iter().all(u8::is_ascii_digit)
                    && b[23] == b'Z';
                assert!(millis, "a timestamp without milliseconds in UTC: {s}");
            }
        }
        Value::Array(items) => items.iter().for_each(assert_millisecond_timestamps),
        Value::Object(map) => map.values().for_each(assert_millisecond_timestamps),
        _ => {}
    }
}

/// A response, fully read.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl TestResponse {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and that the body is a problem of `slug`; returns the problem.
    pub fn problem(&self, status: u16, slug: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "status; body: {}",
            self.text()
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "content type"
        );
        let p = self.json();
        assert_eq!(p["type"], format!("/problems/{slug}"), "problem type: {p}");
        assert_eq!(p["status"], status, "problem status: {p}");
        assert!(
            p["request_id"].as_str().is_some_and(|s| !s.is_empty()),
            "request_id: {p}"
        );
        assert!(p["instance"].as_str().is_some(), "instance: {p}");
        p
    }
}
