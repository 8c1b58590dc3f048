//! The real binary as operators run it: start with no setup, survive kill -9 without losing an
//! acknowledged write, drain on SIGTERM, refuse bad configuration, migrate up and down.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rapport_testkit::{Backend, TestDb, both_backends};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");

/// A running `rapport serve`.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Every line the server logged so far.
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the server on `url` (port chosen by the OS) and waits for its "listening" line.
    fn start(url: &str, cwd: &Path) -> Server {
        Self::start_with(url, cwd, &[])
    }

    /// Starts the server with extra environment variables.
    fn start_with(url: &str, cwd: &Path, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .arg("serve")
            .current_dir(cwd)
            .envs(env.iter().copied())
            .env("RAPPORT_DATABASE__URL", url)
            .env("RAPPORT_DATABASE__AUTO_MIGRATE", "true")
            .env("RAPPORT_SERVER__LISTEN", "127.0.0.1:0")
            .env("RAPPORT_LOG__FORMAT", "json")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rapport");
        let log = Arc::default();
        let addr = wait_for_listening(&mut child, Arc::clone(&log));
        Server { child, addr, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "server did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads the JSON log until the "listening" line; keeps draining stdout afterwards so the server
/// never blocks on a full pipe.
fn wait_for_listening(child: &mut Child, log: Arc<Mutex<Vec<String>>>) -> SocketAddr {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            log.lock().expect("log lock").push(line.clone());
            if !sent
                && let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["message"] == "listening"
            {
                let _ = tx.send(v["local"].as_str().unwrap_or_default().to_owned());
                sent = true;
            }
        }
    });
    let local = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("server did not report listening within 30 s");
    local.parse().expect("listening address")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// A client that sends `token` on every request.
fn client_as(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .default_headers(headers)
        .build()
        .expect("client")
}

/// Creates an owner of workspace `Test` and returns an all-scope token, as an operator would:
/// `rapport user create` then `rapport token create` (the token alone on stdout).
fn provision(url: &str, cwd: &Path) -> String {
    let password = cwd.join("owner-password");
    std::fs::write(&password, "plum tree under the old bridge\n").expect("password file");
    let env = [
        ("RAPPORT_DATABASE__URL", url),
        ("RAPPORT_DATABASE__AUTO_MIGRATE", "true"),
    ];
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "owner@example.com",
            "--password-file",
            password.to_str().expect("utf-8 path"),
            "--workspace",
            "Test",
            "--role",
            "owner",
        ],
        &env,
        cwd,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &[
            "token",
            "create",
            "--email",
            "owner@example.com",
            "--workspace",
            "Test",
            "--scopes",
            "read,write,admin",
        ],
        &env,
        cwd,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let token = stdout.trim_end_matches('\n');
    assert!(
        token.starts_with("rpt_") && !token.contains(char::is_whitespace),
        "{stdout:?}"
    );
    token.to_owned()
}

async fn acknowledged_creates_survive_kill_9(b: Backend) {
    let db = TestDb::new(b).await;
    let dir = tempfile::tempdir().expect("tmp");
    let token = provision(&db.url, dir.path());
    let server = Server::start(&db.url, dir.path());
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..6 {
        let (url, acked, http) = (
            server.url("/api/v1/contacts"),
            acked.clone(),
            client_as(&token),
        );
        writers.push(tokio::spawn(async move {
            for i in 0..5_000 {
                let body = json!({"first_name": format!("W{w}"), "last_name": format!("N{i}")});
                match http.post(&url).json(&body).send().await {
                    Ok(res) if res.status() == 201 => {
                        let v: Value = match res.json().await {
                            Ok(v) => v,
                            Err(_) => break,
                        };
                        acked
                            .lock()
                            .expect("lock")
                            .push(v["id"].as_str().expect("id").to_owned());
                    }
                    _ => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut server = server;
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reap");
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= 20,
        "too few writes before the kill to prove anything: {}",
        acked.len()
    );
    drop(server);

    let restarted = Server::start(&db.url, dir.path());
    let http = client_as(&token);
    let mut missing = Vec::new();
    for id in &acked {
        let res = http
            .get(restarted.url(&format!("/api/v1/contacts/{id}")))
            .send()
            .await
            .expect("get");
        if res.status() != 200 {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged creates lost: {missing:?}",
        missing.len(),
        acked.len()
    );
}

async fn sigterm_finishes_in_flight_requests_and_refuses_new_ones(b: Backend) {
    let db = TestDb::new(b).await;
    let dir = tempfile::tempdir().expect("tmp");
    let token = provision(&db.url, dir.path());
    let mut server = Server::start(&db.url, dir.path());
    let body = json!({"first_name": "Inflight"}).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut conn = TcpStream::connect(server.addr).expect("connect");
    write!(
        conn,
        "POST /api/v1/contacts HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .expect("send head");
    conn.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));

    server.signal("-TERM");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        TcpStream::connect(server.addr).is_err(),
        "a new connection was accepted after SIGTERM"
    );

    conn.write_all(tail.as_bytes()).expect("send tail");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("read answer");
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "in-flight request did not complete: {answer}"
    );
    assert!(answer.contains("Inflight"));

    let status = server.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM");
}

both_backends!(
    acknowledged_creates_survive_kill_9,
    sigterm_finishes_in_flight_requests_and_refuses_new_ones
);

#[tokio::test]
async fn serve_needs_no_setup_and_is_ready_within_two_seconds() {
    let dir = tempfile::tempdir().expect("tmp");
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("RAPPORT_SERVER__LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start");
    let addr = wait_for_listening(&mut child, Arc::default());
    let res = client()
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .expect("readyz");
    let elapsed = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(res.status(), 200);
    assert!(
        dir.path().join("data/rapport.db").exists(),
        "default SQLite file ./data/rapport.db"
    );
    // Generous bound for a loaded CI machine: the contract is "within 2 s of the build".
    assert!(elapsed < Duration::from_secs(2), "ready after {elapsed:?}");
}

#[tokio::test]
async fn bodies_are_logged_only_when_log_bodies_is_on() {
    let dir = tempfile::tempdir().expect("tmp");
    for (setting, expected) in [("false", false), ("true", true)] {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("bodies-{setting}.db")).display()
        );
        let token = provision(&url, dir.path());
        let server = Server::start_with(&url, dir.path(), &[("RAPPORT_LOG__LOG_BODIES", setting)]);
        let res = client_as(&token)
            .post(server.url("/api/v1/contacts"))
            .json(&json!({"first_name": "Bodylogged"}))
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201);
        std::thread::sleep(Duration::from_millis(300));
        let log = server.log.lock().expect("log").clone();
        let logged = log
            .iter()
            .filter(|l| l.contains("rapport::bodies") && l.contains("Bodylogged"))
            .count();
        assert_eq!(
            logged >= 2,
            expected,
            "log_bodies={setting}: {logged} body lines"
        );
        assert!(
            log.iter()
                .any(|l| l.contains("\"route\":\"/api/v1/contacts\"")
                    && l.contains("\"status\":201")),
            "the access log line is there either way"
        );
    }
}

fn run(args: &[&str], env: &[(&str, &str)], cwd: &Path) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(cwd).env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run rapport")
}

#[test]
fn bad_configuration_lists_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        &["serve"],
        &[
            ("RAPPORT_SERVER__LISTEN", "nowhere"),
            ("RAPPORT_LOG__FORMAT", "xml"),
            ("RAPPORT_DATABASE__URL", "mysql://x"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("log.format"), "{err}");
    let out = run(
        &["config", "check"],
        &[
            ("RAPPORT_SERVER__LISTEN", "nowhere"),
            ("RAPPORT_DATABASE__URL", "mysql://x"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("server.listen") && err.contains("database.url"),
        "{err}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was started");
}

#[test]
fn production_refuses_insecure_settings_and_says_how_to_fix_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        &["serve"],
        &[
            ("RAPPORT_ENV", "production"),
            ("RAPPORT_SERVER__LISTEN", "0.0.0.0:0"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("security.secret_key") && err.contains("RAPPORT_SECURITY__SECRET_KEY_FILE"),
        "{err}"
    );
    assert!(
        err.contains("server.listen") && err.contains("trust_proxy_tls"),
        "{err}"
    );
}

#[test]
fn config_check_prints_the_effective_configuration_with_secrets_redacted() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = dir.path().join("key");
    std::fs::write(&key, "s".repeat(48)).expect("write key");
    let out = run(
        &["config", "check"],
        &[
            (
                "RAPPORT_DATABASE__URL",
                "postgres://rapport:hunter2@db.internal/rapport",
            ),
            (
                "RAPPORT_SECURITY__SECRET_KEY_FILE",
                key.to_str().expect("utf8"),
            ),
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("postgres://rapport:[redacted]@db.internal/rapport"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains(&"s".repeat(48)),
        "{text}"
    );
    let out = run(&["config", "default"], &[], dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("[server]"));
}

#[tokio::test]
async fn postgres_without_auto_migrate_refuses_an_unmigrated_schema_and_names_the_command() {
    let db = TestDb::new(Backend::Postgres).await;
    let dir = tempfile::tempdir().expect("tmp");
    let env = [
        ("RAPPORT_DATABASE__URL", db.url.as_str()),
        ("RAPPORT_SERVER__LISTEN", "127.0.0.1:0"),
    ];
    let out = run(&["serve"], &env, dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rapport migrate up"), "{err}");

    let out = run(&["migrate", "up"], &env, dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 1"));
    let out = run(&["migrate", "status"], &env, dir.path());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("applied"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&["migrate", "down", "--to", "0"], &env, dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["migrate", "status"], &env, dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("pending"));
    let out = run(&["migrate", "up"], &env, dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "migrations re-apply after down: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn seed_writes_companies_and_contacts_that_the_api_lists() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        &[
            "seed",
            "--companies",
            "20",
            "--contacts",
            "300",
            "--batch",
            "100",
            "--seed",
            "7",
            "--workspace",
            "Test",
        ],
        &[],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("sqlite://{}", dir.path().join("data/rapport.db").display());
    let token = provision(&url, dir.path());
    let server = Server::start(&url, dir.path());
    let http = client_as(&token);
    for (path, expected) in [
        ("/api/v1/contacts?include_total=true", 300),
        ("/api/v1/companies?include_total=true", 20),
    ] {
        let v: Value = http
            .get(server.url(path))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        assert_eq!(v["total"], expected, "{path}");
    }
    let v: Value = http
        .get(server.url("/api/v1/contacts?limit=1&filter=company_id%20is_null%20false"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(
        v["data"].as_array().map(Vec::len),
        Some(1),
        "seeded contacts work at companies"
    );
}

/// GETs `path` and returns its JSON, failing on any other status than 200.
async fn get_json(http: &reqwest::Client, server: &Server, path: &str) -> Value {
    let res = http.get(server.url(path)).send().await.expect("get");
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn timestamp(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| panic!("not a timestamp: {v}"))
}

async fn seed_fills_every_object_with_a_past(b: Backend) {
    let db = TestDb::new(b).await;
    let dir = tempfile::tempdir().expect("tmp");
    let env = [
        ("RAPPORT_DATABASE__URL", db.url.as_str()),
        ("RAPPORT_DATABASE__AUTO_MIGRATE", "true"),
    ];
    let out = run(
        &[
            "seed",
            "--contacts",
            "200",
            "--companies",
            "20",
            "--pipelines",
            "3",
            "--deals",
            "60",
            "--activities",
            "300",
            "--tasks",
            "40",
            "--cases",
            "20",
            "--leads",
            "30",
            "--batch",
            "25",
            "--seed",
            "7",
            "--workspace",
            "Test",
        ],
        &env,
        dir.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("rows/s"), "the seed reports its pace: {err}");
    let token = provision(&db.url, dir.path());
    let server = Server::start(&db.url, dir.path());
    let http = client_as(&token);
    for (object, expected) in [
        ("companies", 20),
        ("contacts", 200),
        // The three seeded and the default pipeline every new workspace starts with.
        ("pipelines", 4),
        ("deals", 60),
        ("activities", 300),
        ("tasks", 40),
        ("cases", 20),
        ("leads", 30),
    ] {
        let v = get_json(
            &http,
            &server,
            &format!("/api/v1/{object}?include_total=true"),
        )
        .await;
        assert_eq!(v["total"], expected, "{object}");
    }
    // Every record belongs to a member: the seed made a team for the empty workspace.
    let members = get_json(&http, &server, "/api/v1/members").await;
    let ids: Vec<&str> = members["data"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["user_id"].as_str())
        .collect();
    assert!(ids.len() >= 5, "{members}");
    for (object, field) in [
        ("contacts", "owner_id"),
        ("deals", "owner_id"),
        ("tasks", "assignee_id"),
    ] {
        let v = get_json(&http, &server, &format!("/api/v1/{object}?limit=100")).await;
        for r in v["data"].as_array().expect("data") {
            let who = r[field].as_str().unwrap_or_default();
            assert!(ids.contains(&who), "{object} {field} {who} is not a member");
        }
    }
    let now = chrono::Utc::now();

    // Deals: open, won and lost; closed ones closed over the last year, after they were
    // created, with a stage history that ends when they closed.
    let mut closed = Vec::new();
    for kind in ["open", "won", "lost"] {
        let v = get_json(
            &http,
            &server,
            &format!("/api/v1/deals?limit=100&filter=stage_kind%20eq%20%22{kind}%22"),
        )
        .await;
        let data = v["data"].as_array().expect("data");
        assert!(!data.is_empty(), "some {kind} deals");
        if kind != "open" {
            closed.extend(data.iter().cloned());
        }
    }
    let closed_at: Vec<_> = closed.iter().map(|d| timestamp(&d["closed_at"])).collect();
    assert!(
        closed_at
            .iter()
            .all(|t| *t <= now && now - *t <= chrono::Duration::days(366)),
        "closed within the last year: {closed_at:?}"
    );
    assert!(
        closed_at
            .iter()
            .any(|t| now - *t > chrono::Duration::days(120))
            && closed_at
                .iter()
                .any(|t| now - *t < chrono::Duration::days(120)),
        "spread over the year, not all at seeding time: {closed_at:?}"
    );
    let deal = &closed[0];
    assert!(timestamp(&deal["created_at"]) < timestamp(&deal["closed_at"]));
    let id = deal["id"].as_str().expect("id");
    let history = get_json(&http, &server, &format!("/api/v1/deals/{id}/stage-history")).await;
    let moves = history["data"].as_array().expect("moves");
    assert!(
        moves.len() >= 2,
        "created in a first stage, then moved: {history}"
    );
    assert_eq!(
        timestamp(&moves[0]["moved_at"]),
        timestamp(&deal["created_at"])
    );
    assert_eq!(
        moves.last().map(|m| timestamp(&m["moved_at"])),
        Some(timestamp(&deal["closed_at"]))
    );
    assert_eq!(
        moves.last().map(|m| &m["to_stage_id"]),
        Some(&deal["stage_id"])
    );

    // Activities reached deals (their last activity), and happened in the last 18 months.
    let v = get_json(
        &http,
        &server,
        "/api/v1/deals?limit=1&include_total=true&filter=last_activity_at%20is_null%20false",
    )
    .await;
    assert!(v["total"].as_i64().is_some_and(|n| n > 0), "{v}");
    let v = get_json(
        &http,
        &server,
        "/api/v1/activities?limit=100&sort=created_at",
    )
    .await;
    let oldest = timestamp(&v["data"][0]["occurred_at"]);
    assert!(
        now - oldest <= chrono::Duration::days(549) && now - oldest > chrono::Duration::days(90)
    );

    // Done tasks were completed after they were created; resolved cases have a resolution.
    let v = get_json(
        &http,
        &server,
        "/api/v1/tasks?limit=1&filter=status%20eq%20%22done%22",
    )
    .await;
    let task = &v["data"][0];
    assert!(
        timestamp(&task["completed_at"]) >= timestamp(&task["created_at"]),
        "{task}"
    );
    let v = get_json(
        &http,
        &server,
        "/api/v1/cases?limit=1&filter=status%20eq%20%22resolved%22",
    )
    .await;
    let case = &v["data"][0];
    assert!(
        timestamp(&case["resolved_at"]) > timestamp(&case["created_at"]),
        "{case}"
    );

    // The reports have something to show.
    let v = get_json(
        &http,
        &server,
        "/api/v1/reports/won-lost?period=last_90_days",
    )
    .await;
    let in_report =
        v["won"]["count"].as_i64().unwrap_or(-1) + v["lost"]["count"].as_i64().unwrap_or(-1);
    assert!(
        (0..=i64::try_from(closed.len()).expect("count")).contains(&in_report),
        "{v}"
    );
    let v = get_json(
        &http,
        &server,
        "/api/v1/reports/activities?period=last_30_days",
    )
    .await;
    assert!(v["count"].as_i64().is_some_and(|n| n > 0), "{v}");
    let pipeline = deal["pipeline_id"].as_str().expect("pipeline");
    let v = get_json(
        &http,
        &server,
        &format!("/api/v1/reports/pipeline?pipeline_id={pipeline}"),
    )
    .await;
    assert!(v.is_object(), "{v}");
}

both_backends!(seed_fills_every_object_with_a_past);

#[test]
fn version_names_the_commit() {
    let out = run(&["version"], &[], Path::new("."));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("rapport 0.1.0 ("), "{text}");
}

#[tokio::test]
async fn first_start_prints_a_setup_token_that_creates_the_owner() {
    let dir = tempfile::tempdir().expect("tmp");
    let (server, link) = serve_until_setup_link(dir.path());
    let addr = server.addr;
    let token = link
        .split_once("#token=")
        .map(|(_, t)| t.to_owned())
        .expect("token in the link");
    assert!(!token.contains(' '), "{token}");
    let http = client();
    let res = http
        .post(format!("http://{addr}/api/v1/setup"))
        .json(&json!({
            "token": token, "email": "founder@example.com",
            "password": "plum tree under the old bridge", "workspace": "Acme",
        }))
        .send()
        .await
        .expect("setup");
    assert_eq!(res.status(), 201);
    let res = http
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({ "email": "founder@example.com", "password": "plum tree under the old bridge" }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
}

/// What a command prints: its result on stdout, at most one line per problem on stderr, never
/// a JSON log line.
#[test]
fn the_cli_speaks_to_people() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("people.db").display());
    let env = [
        ("RAPPORT_DATABASE__URL", url.as_str()),
        ("RAPPORT_DATABASE__AUTO_MIGRATE", "true"),
    ];
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();

    // --help: every command on one line of its own.
    let out = run(&["--help"], &env, dir.path());
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let names: Vec<&str> = commands
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for name in [
        "serve", "migrate", "config", "seed", "user", "token", "audit", "version",
    ] {
        assert!(names.contains(&name), "{name} missing from --help:\n{help}");
    }
    assert!(
        commands.iter().all(|l| l.split_whitespace().count() >= 2),
        "each command has its one-line description beside it:\n{help}"
    );

    let token = provision(&url, dir.path());
    assert!(token.starts_with("rpt_"));
    for args in [
        &["migrate", "status"][..],
        &["user", "list"],
        &["token", "list", "--email", "owner@example.com"],
    ] {
        let out = run(args, &env, dir.path());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("{\""), "{args:?} logs JSON on stderr: {err}");
    }

    let out = run(&["migrate", "status"], &env, dir.path());
    let status = text(&out.stdout);
    assert!(status.starts_with("VERSION"), "{status}");
    assert!(status.contains("0001     core"), "{status}");
    assert!(
        status.trim_end().ends_with(&format!(
            "the schema is current, at version {}",
            rapport_store::migrate::latest_version(rapport_store::Backend::Sqlite)
        )),
        "{status}"
    );
    assert!(!status.contains("Current {"), "no debug output: {status}");

    let out = run(&["user", "list"], &env, dir.path());
    let users = text(&out.stdout);
    assert!(users.starts_with("EMAIL"), "{users}");
    assert!(users.contains("owner@example.com"), "{users}");
    assert!(users.contains("Test (owner)"), "{users}");

    let out = run(
        &["token", "list", "--email", "owner@example.com"],
        &env,
        dir.path(),
    );
    let listed = text(&out.stdout);
    let row = listed
        .lines()
        .find(|l| l.contains("active"))
        .unwrap_or_else(|| panic!("an active token: {listed}"));
    assert!(
        !listed.contains(&token),
        "secrets are never shown again: {listed}"
    );
    let id = row.split_whitespace().next().expect("id").to_owned();
    let out = run(
        &[
            "token",
            "revoke",
            "--email",
            "owner@example.com",
            "--id",
            &id,
        ],
        &env,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(
        &["token", "list", "--email", "owner@example.com"],
        &env,
        dir.path(),
    );
    assert!(
        text(&out.stdout).contains("revoked"),
        "{}",
        text(&out.stdout)
    );

    // Without [email], a reset link is printed alone on stdout for the operator to hand over,
    // and `config check` says that no e-mail goes out.
    let out = run(
        &["user", "reset-password", "--email", "owner@example.com"],
        &env,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let link = text(&out.stdout);
    assert!(
        link.trim()
            .starts_with("http://localhost:8080/reset-password#token=")
            && link.lines().count() == 1,
        "{link}"
    );
    assert!(
        text(&out.stderr).contains("sends no e-mail"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["config", "check"], &env, dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("no [email] settings"),
        "{}",
        text(&out.stderr)
    );

    // A failure is one line on stderr, said once.
    let out = run(
        &[
            "token",
            "revoke",
            "--email",
            "owner@example.com",
            "--id",
            &id,
        ],
        &env,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("rapport: owner@example.com has no live token"),
        "{err}"
    );
}

#[tokio::test]
async fn cli_users_tokens_and_audit_verify_work_from_the_shell() {
    let dir = tempfile::tempdir().expect("tmp");
    let db_path = dir.path().join("cli.db");
    let url = format!("sqlite://{}", db_path.display());
    let token = provision(&url, dir.path());
    let env = [
        ("RAPPORT_DATABASE__URL", url.as_str()),
        ("RAPPORT_DATABASE__AUTO_MIGRATE", "true"),
    ];
    // Bad input is refused with a reason and creates nothing.
    std::fs::write(dir.path().join("weak"), "password\n").expect("file");
    for (role, complaint) in [("boss", "--role boss"), ("member", "password")] {
        let args = [
            "user",
            "create",
            "--email",
            "weak@example.com",
            "--password-file",
            "weak",
            "--workspace",
            "Test",
            "--role",
            role,
        ];
        let out = run(&args, &env, dir.path());
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains(complaint));
    }

    let server = Server::start(&url, dir.path());
    let http = client_as(&token);
    let res = http
        .post(server.url("/api/v1/contacts"))
        .json(&json!({ "first_name": "Ada", "emails": [{"address": "ada@example.com"}] }))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    drop(server);

    let out = run(&["audit", "verify"], &env, dir.path());
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("intact"), "{report}");

    // Someone edits an entry behind the application's back: verify names it.
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("sqlite");
    sqlx::query("UPDATE audit_log SET details = '{}' WHERE action = 'contacts.create'")
        .execute(&mut conn)
        .await
        .expect("tamper");
    let out = run(&["audit", "verify"], &env, dir.path());
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("BROKEN at entry"), "{report}");

    // Disabling the owner ends their token at once.
    let out = run(
        &["user", "disable", "--email", "owner@example.com"],
        &env,
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = Server::start(&url, dir.path());
    let res = http
        .get(server.url("/api/v1/contacts"))
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 401);
    let out = run(
        &["user", "disable", "--email", "nobody@example.com"],
        &env,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
}

/// Moves every audit entry `days` into the past, recomputing the hashes and the tips: what an
/// operator with write access could do (and the reason checkpoints are signed).
async fn age_audit_log(url: &str, days: i64) {
    use rapport_store::audit::{Entry, GENESIS, NewEntry, entry_hash};
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
        .await
        .expect("sqlite");
    let rows: Vec<Entry> = sqlx::query_as(
        "SELECT workspace_id, seq, at, actor_kind, actor_id, action, object_type, object_id, \
         request_id, client_request_id, ip, user_agent, details, prev_hash, hash FROM audit_log ORDER BY workspace_id, seq",
    )
    .fetch_all(&mut conn)
    .await
    .expect("entries");
    let mut prev = GENESIS.to_owned();
    let mut chain = None;
    for row in rows {
        if chain != Some(row.workspace_id) {
            prev = GENESIS.to_owned();
            chain = Some(row.workspace_id);
        }
        let fields = NewEntry {
            at: row.at - chrono::TimeDelta::days(days),
            actor_kind: row.actor_kind,
            actor_id: row.actor_id,
            action: row.action,
            object_type: row.object_type,
            object_id: row.object_id,
            request_id: row.request_id,
            client_request_id: row.client_request_id,
            ip: row.ip,
            user_agent: row.user_agent,
            details: row.details,
        };
        let hash = entry_hash(row.workspace_id, row.seq, &fields, &prev);
        sqlx::query(
            "UPDATE audit_log SET at = ?, prev_hash = ?, hash = ? WHERE workspace_id = ? AND seq = ?",
        )
        .bind(fields.at)
        .bind(&prev)
        .bind(&hash)
        .bind(row.workspace_id)
        .bind(row.seq)
        .execute(&mut conn)
        .await
        .expect("age");
        sqlx::query("UPDATE audit_heads SET hash = ? WHERE workspace_id = ? AND seq = ?")
            .bind(&hash)
            .bind(row.workspace_id)
            .bind(row.seq)
            .execute(&mut conn)
            .await
            .expect("tip");
        prev = hash;
    }
}

#[tokio::test]
async fn cli_audit_prune_needs_a_key_and_leaves_a_chain_that_verifies() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}", dir.path().join("prune.db").display());
    provision(&url, dir.path());
    let keyless = [
        ("RAPPORT_DATABASE__URL", url.as_str()),
        ("RAPPORT_DATABASE__AUTO_MIGRATE", "true"),
    ];
    let key = "k".repeat(40);
    let keyed = [
        ("RAPPORT_DATABASE__URL", url.as_str()),
        ("RAPPORT_DATABASE__AUTO_MIGRATE", "true"),
        ("RAPPORT_SECURITY__SECRET_KEY", key.as_str()),
    ];

    let out = run(&["audit", "prune"], &keyless, dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("security.secret_key"), "{err}");
    let out = run(
        &["audit", "prune", "--older-than-days", "0"],
        &keyed,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "at least one day");

    // Nothing is old yet.
    let out = run(&["audit", "prune"], &keyed, dir.path());
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains(": 0 entries pruned"), "{report}");

    age_audit_log(&url, 500).await;
    let out = run(
        &["audit", "prune", "--older-than-days", "400"],
        &keyed,
        dir.path(),
    );
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains("entries pruned (through entry"),
        "the newest entry stays, the rest goes: {report}"
    );

    let out = run(&["audit", "verify"], &keyed, dir.path());
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("intact (1 entries after entry"), "{report}");
    let out = run(&["audit", "verify"], &keyless, dir.path());
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("UNAUTHENTICATED"), "{report}");
    let out = run(
        &["audit", "verify"],
        &[
            ("RAPPORT_DATABASE__URL", url.as_str()),
            ("RAPPORT_SECURITY__SECRET_KEY", &"x".repeat(40)),
        ],
        dir.path(),
    );
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "another key: {report}");
    assert!(report.contains("BROKEN at the checkpoint"), "{report}");
}

/// Starts `serve` on a fresh SQLite file; returns the child, its address and the setup link it
/// printed.
fn serve_until_setup_link(dir: &Path) -> (Server, String) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("RAPPORT_SERVER__LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let addr = wait_for_listening(&mut child, Arc::default());
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let line = line.trim();
            if line.starts_with("http://127.0.0.1:") && line.contains("/setup#token=") {
                let _ = tx.send(line.to_owned());
            }
        }
    });
    let link = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a setup link on stderr");
    // Owned by a Server, the process is stopped even when an assertion fails.
    let server = Server {
        child,
        addr,
        log: Arc::default(),
    };
    (server, link)
}

#[tokio::test]
async fn the_setup_and_reset_links_work_in_a_real_browser() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").exists()
            && Path::new("/usr/bin/chromium").exists(),
        "run `npm ci` in tests/e2e and install Debian's chromium (the CI script does both)"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let (server, link) = serve_until_setup_link(dir.path());
    let addr = server.addr;
    let password = "plum tree under the old bridge";
    let out = Command::new("node")
        .arg("setup.mjs")
        .arg(&link)
        .arg("founder@example.com")
        .arg(password)
        .current_dir(&e2e)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "browser: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The account the page created logs in; the link does not work twice.
    let http = client();
    let res = http
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({ "email": "founder@example.com", "password": password }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    let again = Command::new("node")
        .arg("setup.mjs")
        .arg(&link)
        .arg("second@example.com")
        .arg(password)
        .current_dir(&e2e)
        .output()
        .expect("node");
    assert!(!again.status.success(), "a used link must fail");

    // The operator prints a reset link; the page it opens sets a new password in the browser.
    let out = Command::new(BIN)
        .args(["user", "reset-password", "--email", "founder@example.com"])
        .current_dir(dir.path())
        .env_clear()
        .output()
        .expect("reset-password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let reset = printed.replace("http://localhost:8080", &format!("http://{addr}"));
    assert!(reset.contains("/reset-password#token="), "{printed}");
    let new_password = "a lantern by the quiet harbour";
    let out = Command::new("node")
        .arg("reset-password.mjs")
        .arg(&reset)
        .arg(new_password)
        .current_dir(&e2e)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "browser: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let res = http
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({ "email": "founder@example.com", "password": new_password }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
}
