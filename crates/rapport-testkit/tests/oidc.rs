//! Single sign-on against a real OpenID provider: panva's `oidc-provider` from npm, started on
//! loopback by `tests/oidc/provider.mjs` (run `npm ci` in tests/oidc first; `.ci/run` does).
//! The whole authorization code flow runs: Rapport's redirect, the provider's login and consent
//! (finished by the script for the `login_hint` account), the callback with code and state, the
//! code exchange with PKCE, ID token verification, and the session. Then what must fail: a
//! tampered state, a callback in another browser, an expired ID token, an unverified address.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use http::{Method, StatusCode};
use rapport_app::config::OidcProvider;
use rapport_app::secret::SecretString;
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};

/// Where Rapport says it lives (the default `server.public_url`).
const CALLBACK: &str = "http://localhost:8080/api/v1/auth/oidc/test/callback";

/// A running provider, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn script_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc")
}

/// Starts the provider; `clock_offset` shifts its clock (seconds) while it issues tokens.
fn provider(clock_offset: i64) -> Provider {
    let dir = script_dir();
    assert!(
        dir.join("node_modules/oidc-provider").exists(),
        "run `npm ci` in {} (the CI script does)",
        dir.display()
    );
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .current_dir(&dir)
        .env("REDIRECT_URI", CALLBACK)
        .env("TOKEN_CLOCK_OFFSET_SECONDS", clock_offset.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(issuer) = line.strip_prefix("READY ") {
                let _ = tx.send(issuer.to_owned());
            }
        }
    });
    let issuer = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the provider did not start");
    Provider { child, issuer }
}

async fn app_with(b: Backend, p: &Provider, workspace: Option<&str>, create: bool) -> TestApp {
    let issuer = p.issuer.clone();
    let workspace = workspace.map(str::to_owned);
    TestApp::with_config(b, move |c| {
        c.auth.oidc = vec![OidcProvider {
            name: "test".into(),
            issuer,
            client_id: "rapport".into(),
            client_secret: Some(SecretString::new("rapport-test-secret")),
            client_secret_file: None,
            workspace,
            role: "member".into(),
            create_users: create,
        }];
    })
    .await
}

/// A browser: the provider's cookies live in its jar; Rapport's cookie is carried by hand.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// The flow up to the provider's redirect back: (Rapport's flow cookie, callback path + query).
async fn through_provider(app: &TestApp, login_hint: &str) -> (String, String) {
    let res = app
        .request(Method::GET, "/api/v1/auth/oidc/test/start")
        .anonymous()
        .send()
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let flow_cookie = res
        .header("set-cookie")
        .expect("flow cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let authorize = res.header("location").expect("location").to_owned();
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    assert!(authorize.contains("nonce="), "{authorize}");
    let mut url = format!("{authorize}&login_hint={login_hint}");
    let http = browser();
    for _ in 0..10 {
        let res = http.get(&url).send().await.expect("provider");
        assert!(
            res.status().is_redirection(),
            "provider answered {}",
            res.status()
        );
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("location")
            .to_owned();
        if let Some(rest) = location.strip_prefix("http://localhost:8080") {
            return (flow_cookie, rest.to_owned());
        }
        url = reqwest::Url::parse(&url)
            .and_then(|base| base.join(&location))
            .expect("url")
            .to_string();
    }
    panic!("the provider never redirected back");
}

async fn callback(app: &TestApp, cookie: Option<&str>, path: &str) -> TestResponse {
    let mut req = app.request(Method::GET, path).anonymous();
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await
}

fn session_cookie(res: &TestResponse) -> Option<String> {
    res.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rapport_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

async fn a_verified_user_signs_in_and_is_created_just_in_time(b: Backend) {
    let p = provider(0);
    let app = app_with(b, &p, Some("Test"), true).await;
    let (cookie, path) = through_provider(&app, "carol@example.com").await;
    assert!(path.contains("code=") && path.contains("state="), "{path}");
    let res = callback(&app, Some(&cookie), &path).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    assert_eq!(res.header("location"), Some("/"));
    let session = session_cookie(&res).expect("a session cookie");
    let me = app
        .request(Method::GET, "/api/v1/auth/session")
        .anonymous()
        .header("cookie", &session)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    assert_eq!(me.json()["role"], "member");
    assert_eq!(
        me.json()["workspace_id"],
        serde_json::json!(app.owner.workspace_id.to_string())
    );
    // The same state cannot be used twice.
    callback(&app, Some(&cookie), &path)
        .await
        .problem(401, "unauthenticated");
    // A second sign-in finds the same account: no duplicate.
    let users_before = app.count_rows("users").await;
    let (cookie, path) = through_provider(&app, "carol@example.com").await;
    let res = callback(&app, Some(&cookie), &path).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    assert_eq!(app.count_rows("users").await, users_before);
    let audit = app.get("/api/v1/audit?action=users.create").await.json();
    assert_eq!(audit["data"][0]["details"]["via"], "oidc");
    let logins = app.get("/api/v1/audit?action=auth.login").await.json();
    assert_eq!(logins["data"][0]["details"]["method"], "oidc");
}

async fn a_tampered_state_or_another_browser_is_refused(b: Backend) {
    let p = provider(0);
    let app = app_with(b, &p, Some("Test"), true).await;
    let (cookie, path) = through_provider(&app, "dave@example.com").await;
    let tampered = path.replacen("state=", "state=x", 1);
    let res = callback(&app, Some(&cookie), &tampered).await;
    let problem = res.problem(401, "unauthenticated");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("state")),
        "{problem}"
    );
    assert!(session_cookie(&res).is_none());
    // Without the cookie of the browser that started it (login CSRF), the real state fails too.
    let res = callback(&app, None, &path).await;
    res.problem(401, "unauthenticated");
    assert!(session_cookie(&res).is_none());
    assert_eq!(app.count_rows("sessions").await, 0);
    // Both failures are in the instance's audit chain (no workspace is known before sign-in).
    let q = rapport_store::audit::AuditQuery {
        action: Some("auth.login_failed".into()),
        limit: 10,
        ..Default::default()
    };
    let failed = rapport_store::audit::list(&app.app.db, rapport_store::audit::INSTANCE, &q)
        .await
        .expect("audit");
    assert_eq!(failed.len(), 2);
    assert!(
        failed[0].details.contains("\"method\":\"oidc\""),
        "{}",
        failed[0].details
    );
    // Unknown providers are not found.
    app.request(Method::GET, "/api/v1/auth/oidc/nope/start")
        .anonymous()
        .send()
        .await
        .problem(404, "not-found");
}

async fn an_expired_id_token_is_refused(b: Backend) {
    // The provider issues ID tokens (valid 10 minutes) dated two hours ago: they arrive expired.
    let p = provider(-7200);
    let app = app_with(b, &p, Some("Test"), true).await;
    let (cookie, path) = through_provider(&app, "erin@example.com").await;
    let res = callback(&app, Some(&cookie), &path).await;
    let problem = res.problem(401, "unauthenticated");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("ID token")),
        "{problem}"
    );
    assert!(session_cookie(&res).is_none());
    assert_eq!(app.count_rows("sessions").await, 0);
}

async fn unverified_addresses_and_unknown_users_of_closed_providers_are_refused(b: Backend) {
    let p = provider(0);
    let app = app_with(b, &p, Some("Test"), true).await;
    let (cookie, path) = through_provider(&app, "unverified-frank@example.com").await;
    let res = callback(&app, Some(&cookie), &path).await;
    let problem = res.problem(401, "unauthenticated");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("verified")),
        "{problem}"
    );
    // A provider that does not create accounts signs in no stranger.
    let closed = app_with(b, &p, Some("Test"), false).await;
    let (cookie, path) = through_provider(&closed, "grace@example.com").await;
    callback(&closed, Some(&cookie), &path)
        .await
        .problem(401, "unauthenticated");
    assert_eq!(closed.count_rows("sessions").await, 0);
}

both_backends!(
    a_verified_user_signs_in_and_is_created_just_in_time,
    a_tampered_state_or_another_browser_is_refused,
    an_expired_id_token_is_refused,
    unverified_addresses_and_unknown_users_of_closed_providers_are_refused,
);
