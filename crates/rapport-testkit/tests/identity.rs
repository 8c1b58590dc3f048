//! Identity and access through the real router on both databases: passwords, login throttling,
//! sessions (fixation, idle and absolute expiry, logout, disable), CSRF, API tokens and scopes,
//! roles, members, first-run setup and invitations.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use http::{Method, StatusCode};
use rapport_app::Ctx;
use rapport_app::identity::passwords;
use rapport_app::identity::users::{self, NewUser, Placement, Workspace};
use rapport_domain::ids::UserId;
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};

const PASSWORD: &str = "plum tree under the old bridge";

/// Creates a user with a password in the test workspace.
async fn password_user(app: &TestApp, email: &str, role: Role) -> UserId {
    users::create(
        &app.app,
        &Ctx::system(app.owner.workspace_id),
        &NewUser {
            email: email.into(),
            password: PASSWORD.into(),
            display_name: None,
        },
        &Placement {
            workspace: Workspace::Existing(app.owner.workspace_id),
            role: role.as_str().into(),
        },
    )
    .await
    .expect("user")
    .user_id
}

async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.request(Method::POST, "/api/v1/auth/login")
        .anonymous()
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
}

/// `name=value` of the session cookie a response sets.
fn set_cookie(res: &TestResponse) -> String {
    let raw = res.header("set-cookie").expect("set-cookie");
    raw.split(';').next().expect("cookie pair").to_owned()
}

/// A logged-in browser: its cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn browser(app: &TestApp, email: &str) -> Browser {
    let res = login(app, email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "login: {}", res.text());
    Browser {
        cookie: set_cookie(&res),
        csrf: res.json()["csrf_token"]
            .as_str()
            .expect("csrf_token")
            .to_owned(),
    }
}

impl Browser {
    async fn send(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<Value>,
        csrf: bool,
    ) -> TestResponse {
        let mut req = app
            .request(method, path)
            .anonymous()
            .header("cookie", &self.cookie);
        if csrf {
            req = req.header("x-csrf-token", &self.csrf);
        }
        match body {
            Some(b) => req.json(&b).send().await,
            None => req.send().await,
        }
    }

    async fn get(&self, app: &TestApp, path: &str) -> TestResponse {
        self.send(app, Method::GET, path, None, false).await
    }
}

async fn passwords_are_argon2id_with_the_asvs_parameters(b: Backend) {
    let app = TestApp::new(b).await;
    let id = password_user(&app, "ann@example.com", Role::Member).await;
    let user = rapport_store::users::find(&app.app.db, id)
        .await
        .expect("find")
        .expect("user");
    let phc = user.password_hash.expect("hash stored");
    assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
    assert_eq!(passwords::params_of(&phc), Some((19456, 2, 1)));
    assert!(!phc.contains(PASSWORD));
}

async fn weak_passwords_and_bad_addresses_are_refused_with_every_reason(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .post(
            "/api/v1/invitations",
            json!({ "role": "member", "email": "new@example.com" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let token = res.json()["token"].as_str().expect("token").to_owned();
    for (password, why) in [("short one", "12"), ("1qaz2wsx3edc", "common")] {
        let res = app
            .request(Method::POST, "/api/v1/invitations/accept")
            .anonymous()
            .json(&json!({ "token": token, "email": "not an address", "password": password }))
            .send()
            .await;
        let p = res.problem(422, "validation-failed");
        let pointers: Vec<&str> = p["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["pointer"].as_str())
            .collect();
        assert_eq!(pointers, ["/email", "/password"], "{p}");
        assert!(p.to_string().contains(why), "{p}");
    }
    // The refused attempts did not use the invitation up.
    let res = app
        .request(Method::POST, "/api/v1/invitations/accept")
        .anonymous()
        .json(&json!({ "token": token, "email": "new@example.com", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
}

async fn a_failed_login_does_not_say_whether_the_account_exists(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    let wrong = login(&app, "ann@example.com", "not the password at all").await;
    let unknown = login(&app, "nobody@example.com", "not the password at all").await;
    let mut a = wrong.problem(401, "unauthenticated");
    let mut b2 = unknown.problem(401, "unauthenticated");
    for p in [&mut a, &mut b2] {
        p.as_object_mut().expect("object").remove("request_id");
    }
    assert_eq!(
        a, b2,
        "same body for a wrong password and an unknown account"
    );
    assert_eq!(
        wrong.header("www-authenticate"),
        unknown.header("www-authenticate")
    );
    assert!(wrong.header("set-cookie").is_none());
    // Both failures were recorded: the known account's in its workspace, the other instance-wide.
    let audit = app.get("/api/v1/audit?action=auth.login_failed").await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text());
    assert_eq!(audit.json()["data"].as_array().expect("data").len(), 1);
}

async fn repeated_failures_are_throttled_per_account_with_retry_after(b: Backend) {
    let app = TestApp::with_config(b, |c| c.auth.login_free_attempts = 2).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    for _ in 0..2 {
        login(&app, "ann@example.com", "wrong wrong wrong")
            .await
            .problem(401, "unauthenticated");
    }
    // The third failure starts the wait; from then on even the right password waits.
    login(&app, "ann@example.com", "wrong wrong wrong")
        .await
        .problem(401, "unauthenticated");
    let res = login(&app, "ann@example.com", PASSWORD).await;
    res.problem(429, "too-many-requests");
    let wait: u64 = res
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!(wait >= 1, "{wait}");
    // An unknown account is throttled the same way (nothing tells them apart).
    for _ in 0..3 {
        login(&app, "ghost@example.com", "wrong wrong wrong").await;
    }
    login(&app, "ghost@example.com", "wrong wrong wrong")
        .await
        .problem(429, "too-many-requests");
}

async fn login_sets_a_fresh_httponly_session_cookie(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    // A cookie planted before login (session fixation) is not adopted.
    let res = app
        .request(Method::POST, "/api/v1/auth/login")
        .anonymous()
        .header("cookie", "rapport_session=planted-by-attacker")
        .json(&json!({ "email": "ann@example.com", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let raw = res.header("set-cookie").expect("set-cookie").to_owned();
    assert!(raw.starts_with("rapport_session="), "{raw}");
    assert!(raw.contains("HttpOnly"), "{raw}");
    assert!(raw.contains("SameSite=Lax"), "{raw}");
    assert!(raw.contains("Path=/"), "{raw}");
    let first = set_cookie(&res);
    assert_ne!(first, "rapport_session=planted-by-attacker");
    let value = first.split_once('=').expect("pair").1;
    assert!(value.len() >= 43, "at least 256 bits: {value}");
    let body = res.json();
    assert_eq!(body["role"], "member");
    assert_eq!(body["via"], "session");
    // A second login gets another id.
    let again = browser(&app, "ann@example.com").await;
    assert_ne!(again.cookie, first);
    // The session works; the planted value does not.
    let planted = app
        .request(Method::GET, "/api/v1/contacts")
        .anonymous()
        .header("cookie", "rapport_session=planted-by-attacker")
        .send()
        .await;
    planted.problem(401, "unauthenticated");
    let ok = again.get(&app, "/api/v1/auth/session").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["csrf_token"], json!(again.csrf));
}

async fn over_tls_the_cookie_is_host_prefixed_and_secure(b: Backend) {
    let app = TestApp::with_config(b, |c| c.server.trust_proxy_tls = true).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    let res = login(&app, "ann@example.com", PASSWORD).await;
    let raw = res.header("set-cookie").expect("set-cookie").to_owned();
    assert!(raw.starts_with("__Host-rapport_session="), "{raw}");
    assert!(raw.contains("Secure"), "{raw}");
    assert!(raw.contains("HttpOnly"), "{raw}");
    // The plain name is not accepted over TLS.
    let value = set_cookie(&res).split_once('=').expect("pair").1.to_owned();
    let plain = app
        .request(Method::GET, "/api/v1/contacts")
        .anonymous()
        .header("cookie", &format!("rapport_session={value}"))
        .send()
        .await;
    plain.problem(401, "unauthenticated");
}

async fn sessions_end_when_idle_when_too_old_and_at_logout(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    let idle = browser(&app, "ann@example.com").await;
    let old = browser(&app, "ann@example.com").await;
    let out = browser(&app, "ann@example.com").await;
    let ts = |minutes: i64| {
        let t = chrono::Utc::now() - chrono::TimeDelta::minutes(minutes);
        match b {
            Backend::Sqlite => format!("'{}'", t.format("%Y-%m-%d %H:%M:%S%.f+00:00")),
            Backend::Postgres => format!("'{}'::timestamptz", t.to_rfc3339()),
        }
    };
    let hash =
        |c: &Browser| rapport_app::identity::secret_hash(c.cookie.split_once('=').expect("pair").1);
    app.execute(&format!(
        "UPDATE sessions SET last_seen_at = {} WHERE id_hash = '{}'",
        ts(31),
        hash(&idle)
    ))
    .await;
    app.execute(&format!(
        "UPDATE sessions SET expires_at = {} WHERE id_hash = '{}'",
        ts(1),
        hash(&old)
    ))
    .await;
    idle.get(&app, "/api/v1/contacts")
        .await
        .problem(401, "unauthenticated");
    old.get(&app, "/api/v1/contacts")
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        out.get(&app, "/api/v1/contacts").await.status,
        StatusCode::OK
    );
    let res = out
        .send(&app, Method::POST, "/api/v1/auth/logout", None, true)
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert!(
        res.header("set-cookie")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "the cookie is cleared"
    );
    out.get(&app, "/api/v1/contacts")
        .await
        .problem(401, "unauthenticated");
}

async fn logging_out_everywhere_ends_every_session_of_the_user(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    password_user(&app, "bob@example.com", Role::Member).await;
    let laptop = browser(&app, "ann@example.com").await;
    let phone = browser(&app, "ann@example.com").await;
    let bob = browser(&app, "bob@example.com").await;
    let res = laptop
        .send(
            &app,
            Method::POST,
            "/api/v1/auth/logout-everywhere",
            None,
            true,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["sessions_ended"], 2);
    phone
        .get(&app, "/api/v1/contacts")
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        bob.get(&app, "/api/v1/contacts").await.status,
        StatusCode::OK
    );
}

async fn disabling_a_user_ends_their_sessions_and_tokens_on_the_next_request(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    let session = browser(&app, "ann@example.com").await;
    let res = session
        .send(
            &app,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({ "name": "script", "scopes": ["read"] })),
            true,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let token = res.json()["secret"].as_str().expect("secret").to_owned();
    assert!(token.starts_with("rpt_"));
    let with_token = app.request(Method::GET, "/api/v1/contacts").bearer(&token);
    assert_eq!(with_token.send().await.status, StatusCode::OK);

    let done = users::disable(
        &app.app,
        &Ctx::system(app.owner.workspace_id),
        "ann@example.com",
    )
    .await
    .expect("disable");
    assert!(done);
    session
        .get(&app, "/api/v1/contacts")
        .await
        .problem(401, "unauthenticated");
    app.request(Method::GET, "/api/v1/contacts")
        .bearer(&token)
        .send()
        .await
        .problem(401, "unauthenticated");
    login(&app, "ann@example.com", PASSWORD)
        .await
        .problem(401, "unauthenticated");
}

async fn cookie_writes_need_the_csrf_token_and_our_origin(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    let s = browser(&app, "ann@example.com").await;
    let body = json!({ "first_name": "Ada" });
    let before = app.count_rows("contacts").await;
    s.send(
        &app,
        Method::POST,
        "/api/v1/contacts",
        Some(body.clone()),
        false,
    )
    .await
    .problem(403, "csrf-rejected");
    let forged = app
        .request(Method::POST, "/api/v1/contacts")
        .anonymous()
        .header("cookie", &s.cookie)
        .header("x-csrf-token", "guessed")
        .json(&body)
        .send()
        .await;
    forged.problem(403, "csrf-rejected");
    let cross_site = app
        .request(Method::POST, "/api/v1/contacts")
        .anonymous()
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("host", "crm.example.com")
        .header("origin", "https://evil.example.net")
        .json(&body)
        .send()
        .await;
    cross_site.problem(403, "csrf-rejected");
    assert_eq!(app.count_rows("contacts").await, before, "nothing written");
    let same_site = app
        .request(Method::POST, "/api/v1/contacts")
        .anonymous()
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("host", "crm.example.com")
        .header("origin", "http://crm.example.com")
        .json(&body)
        .send()
        .await;
    assert_eq!(
        same_site.status,
        StatusCode::CREATED,
        "{}",
        same_site.text()
    );
    // Safe methods need no token.
    assert_eq!(s.get(&app, "/api/v1/contacts").await.status, StatusCode::OK);
}

async fn token_scopes_limit_what_a_token_can_do(b: Backend) {
    let app = TestApp::new(b).await;
    let read = app.token_with("read").await;
    let contacts_only = app.token_with("contacts:read,contacts:write").await;
    let get = |t: &str, path: &str| app.request(Method::GET, path).bearer(t).send();
    assert_eq!(get(&read, "/api/v1/contacts").await.status, StatusCode::OK);
    let res = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&read)
        .json(&json!({ "first_name": "Ada" }))
        .send()
        .await;
    let p = res.problem(403, "forbidden");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("scope")),
        "{p}"
    );
    assert_eq!(
        get(&contacts_only, "/api/v1/contacts").await.status,
        StatusCode::OK
    );
    get(&contacts_only, "/api/v1/companies")
        .await
        .problem(403, "forbidden");
    let res = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&contacts_only)
        .json(&json!({ "first_name": "Ada" }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    // Without the admin scope a token cannot list or mint tokens.
    get(&read, "/api/v1/tokens").await.problem(403, "forbidden");
    // Nobody grants a scope they lack: an admin-scoped token of a viewer still cannot write.
    let viewer = app.member(Role::Viewer).await;
    let res = app
        .request(Method::POST, "/api/v1/tokens")
        .bearer(&viewer.token)
        .json(&json!({ "name": "x", "scopes": ["read"] }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let viewer_read = res.json()["secret"].as_str().expect("secret").to_owned();
    let res = app
        .request(Method::POST, "/api/v1/tokens")
        .bearer(&viewer_read)
        .json(&json!({ "name": "y", "scopes": ["write"] }))
        .send()
        .await;
    res.problem(403, "forbidden");
}

async fn tokens_are_shown_once_listed_without_secret_and_revocable(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .post(
            "/api/v1/tokens",
            json!({ "name": "ci", "scopes": ["read", "write"], "expires_in": "30d" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let created = res.json();
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(secret.len(), 4 + 43, "rpt_ + 256 bits: {secret}");
    assert_eq!(created["scopes"], json!(["read", "write"]));
    assert!(created["expires_at"].is_string());
    let list = app.get("/api/v1/tokens").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.text().contains(&secret), "the secret is never listed");
    assert!(list.text().contains(&id));
    // Stored hashed: the row is found by the secret's digest, never by the secret itself.
    let db = &app.app.db;
    let by_secret = rapport_store::tokens::find_by_hash(db, &secret).await;
    assert!(by_secret.expect("query").is_none());
    let digest = rapport_app::identity::secret_hash(&secret);
    let by_digest = rapport_store::tokens::find_by_hash(db, &digest).await;
    assert!(by_digest.expect("query").is_some());
    let ok = app
        .request(Method::GET, "/api/v1/contacts")
        .bearer(&secret)
        .send()
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let res = app.delete(&format!("/api/v1/tokens/{id}")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    app.request(Method::GET, "/api/v1/contacts")
        .bearer(&secret)
        .send()
        .await
        .problem(401, "unauthenticated");
    // Revoking someone else's (or an unknown) token is a 404.
    let other = app.member(Role::Admin).await;
    let res = app
        .request(Method::DELETE, &format!("/api/v1/tokens/{id}"))
        .bearer(&other.token)
        .send()
        .await;
    res.problem(404, "not-found");
    // Bad bodies: unknown scope, bad lifetime.
    app.post(
        "/api/v1/tokens",
        json!({ "name": "x", "scopes": ["superuser"] }),
    )
    .await
    .problem(422, "validation-failed");
    app.post(
        "/api/v1/tokens",
        json!({ "name": "x", "scopes": ["read"], "expires_in": "soon" }),
    )
    .await
    .problem(422, "validation-failed");
}

async fn expired_unknown_and_url_tokens_are_refused(b: Backend) {
    let app = TestApp::new(b).await;
    let t = app.token_with("read").await;
    let hash = rapport_app::identity::secret_hash(&t);
    let past = match b {
        Backend::Sqlite => "'2020-01-01 00:00:00+00:00'".to_owned(),
        Backend::Postgres => "'2020-01-01T00:00:00Z'::timestamptz".to_owned(),
    };
    app.execute(&format!(
        "UPDATE api_tokens SET expires_at = {past} WHERE token_hash = '{hash}'"
    ))
    .await;
    for bad in [t.as_str(), "rpt_unknown", "not-even-a-token"] {
        app.request(Method::GET, "/api/v1/contacts")
            .bearer(bad)
            .send()
            .await
            .problem(401, "unauthenticated");
    }
    let res = app
        .request(
            Method::GET,
            &format!("/api/v1/contacts?access_token={}", app.owner.token),
        )
        .anonymous()
        .send()
        .await;
    res.problem(400, "credentials-in-url");
    let res = app
        .request(Method::GET, "/api/v1/contacts")
        .anonymous()
        .send()
        .await;
    res.problem(401, "unauthenticated");
    assert_eq!(
        res.header("www-authenticate"),
        Some("Bearer realm=\"rapport\"")
    );
}

async fn roles_decide_and_denials_are_audited(b: Backend) {
    let app = TestApp::new(b).await;
    let viewer = app.member(Role::Viewer).await;
    let member = app.member(Role::Member).await;
    let post = |token: String| {
        let app = &app;
        async move {
            app.request(Method::POST, "/api/v1/contacts")
                .bearer(&token)
                .json(&json!({ "first_name": "Ada" }))
                .send()
                .await
        }
    };
    let before = app.count_rows("contacts").await;
    let p = post(viewer.token.clone()).await.problem(403, "forbidden");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("viewer")),
        "{p}"
    );
    assert_eq!(app.count_rows("contacts").await, before);
    assert_eq!(post(member.token.clone()).await.status, StatusCode::CREATED);
    app.request(Method::GET, "/api/v1/audit")
        .bearer(&member.token)
        .send()
        .await
        .problem(403, "forbidden");
    let denied = app.get("/api/v1/audit?action=access.denied").await;
    assert_eq!(denied.status, StatusCode::OK, "{}", denied.text());
    let entries = denied.json()["data"].as_array().expect("data").clone();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let actors: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["actor_id"].as_str())
        .collect();
    assert!(actors.contains(&viewer.user_id.to_string().as_str()));
    assert_eq!(entries[1]["details"]["resource"], "contacts");
    assert_eq!(entries[1]["actor_kind"], "token");
}

async fn members_roles_change_within_limits_and_removal_ends_access(b: Backend) {
    let app = TestApp::new(b).await;
    let admin = app.member(Role::Admin).await;
    let member = app.member(Role::Member).await;
    let list = app.get("/api/v1/members").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["data"].as_array().expect("data").len(), 3);
    // An admin cannot make an owner, nor touch the owner.
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/v1/members/{}", member.user_id),
        )
        .bearer(&admin.token)
        .json(&json!({ "role": "owner" }))
        .send()
        .await;
    res.problem(403, "forbidden");
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/members/{}", app.owner.user_id),
        )
        .bearer(&admin.token)
        .send()
        .await;
    res.problem(403, "forbidden");
    // The last owner stays.
    let res = app
        .patch(
            &format!("/api/v1/members/{}", app.owner.user_id),
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(res.problem(409, "conflict")["code"], "last_owner");
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/v1/members/{}", member.user_id),
        )
        .bearer(&admin.token)
        .json(&json!({ "role": "viewer" }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["role"], "viewer");
    // The new role applies to the member's existing token at once.
    app.request(Method::POST, "/api/v1/contacts")
        .bearer(&member.token)
        .json(&json!({ "first_name": "Ada" }))
        .send()
        .await
        .problem(403, "forbidden");
    let res = app
        .delete(&format!("/api/v1/members/{}", member.user_id))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    app.request(Method::GET, "/api/v1/contacts")
        .bearer(&member.token)
        .send()
        .await
        .problem(401, "unauthenticated");
    app.patch(
        &format!("/api/v1/members/{}", member.user_id),
        json!({ "role": "boss" }),
    )
    .await
    .problem(422, "validation-failed");
    let changes = app.get("/api/v1/audit?action=members.").await;
    let actions: Vec<String> = changes.json()["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(actions, ["members.remove", "members.role_change"]);
}

async fn first_run_setup_link_creates_the_owner_once(b: Backend) {
    let app = TestApp::without_users(b).await;
    let secret = rapport_app::identity::setup::setup_link_if_needed(&app.app)
        .await
        .expect("link")
        .expect("no users yet, so a link");
    let body = json!({
        "token": secret, "email": "founder@example.com", "password": PASSWORD,
        "workspace": "Acme",
    });
    let bad = app
        .request(Method::POST, "/api/v1/setup")
        .anonymous()
        .json(&json!({ "token": "guess", "email": "x@example.com", "password": PASSWORD, "workspace": "Acme" }))
        .send()
        .await;
    bad.problem(401, "unauthenticated");
    let res = app
        .request(Method::POST, "/api/v1/setup")
        .anonymous()
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let again = app
        .request(Method::POST, "/api/v1/setup")
        .anonymous()
        .json(&body)
        .send()
        .await;
    again.problem(401, "unauthenticated");
    assert!(
        rapport_app::identity::setup::setup_link_if_needed(&app.app)
            .await
            .expect("link")
            .is_none(),
        "no new link once an account exists"
    );
    let s = browser(&app, "founder@example.com").await;
    let me = s.get(&app, "/api/v1/auth/session").await;
    assert_eq!(me.json()["role"], "owner");
}

async fn invitations_are_single_use_bound_to_their_address_and_rank(b: Backend) {
    let app = TestApp::new(b).await;
    let member = app.member(Role::Member).await;
    let admin = app.member(Role::Admin).await;
    app.request(Method::POST, "/api/v1/invitations")
        .bearer(&member.token)
        .json(&json!({ "role": "viewer" }))
        .send()
        .await
        .problem(403, "forbidden");
    app.request(Method::POST, "/api/v1/invitations")
        .bearer(&admin.token)
        .json(&json!({ "role": "owner" }))
        .send()
        .await
        .problem(403, "forbidden");
    let res = app
        .post(
            "/api/v1/invitations",
            json!({ "role": "manager", "email": "Carol@Example.com" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let token = res.json()["token"].as_str().expect("token").to_owned();
    let accept = |email: &str| {
        app.request(Method::POST, "/api/v1/invitations/accept")
            .anonymous()
            .json(&json!({ "token": token, "email": email, "password": PASSWORD }))
            .send()
    };
    accept("mallory@example.com")
        .await
        .problem(403, "forbidden");
    let res = accept("carol@example.com").await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(
        res.json()["workspace_id"],
        json!(app.owner.workspace_id.to_string())
    );
    accept("carol@example.com")
        .await
        .problem(401, "unauthenticated");
    let s = browser(&app, "carol@example.com").await;
    assert_eq!(
        s.get(&app, "/api/v1/auth/session").await.json()["role"],
        "manager"
    );
}

async fn changing_the_password_needs_the_current_one_and_ends_sessions(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    let s = browser(&app, "ann@example.com").await;
    let wrong = s
        .send(
            &app,
            Method::POST,
            "/api/v1/auth/password",
            Some(json!({ "current_password": "nope nope nope", "new_password": "a brand new long secret" })),
            true,
        )
        .await;
    wrong.problem(403, "forbidden");
    let ok = s
        .send(
            &app,
            Method::POST,
            "/api/v1/auth/password",
            Some(
                json!({ "current_password": PASSWORD, "new_password": "a brand new long secret" }),
            ),
            true,
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text());
    s.get(&app, "/api/v1/contacts")
        .await
        .problem(401, "unauthenticated");
    login(&app, "ann@example.com", PASSWORD)
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        login(&app, "ann@example.com", "a brand new long secret")
            .await
            .status,
        StatusCode::OK
    );
}

async fn metrics_take_the_static_token_or_an_admin_token_only(b: Backend) {
    let secret = "m".repeat(40);
    let configured = secret.clone();
    let app = TestApp::with_config(b, move |c| {
        c.auth.metrics_token = Some(rapport_app::secret::SecretString::new(configured));
    })
    .await;
    let scrape = |token: Option<String>| {
        let mut req = app.request(Method::GET, "/metrics").anonymous();
        if let Some(t) = &token {
            req = req.bearer(t);
        }
        req.send()
    };
    let res = scrape(Some(secret.clone())).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(res.text().contains("process_uptime_seconds"));
    scrape(Some("m".repeat(39)))
        .await
        .problem(401, "unauthenticated");
    scrape(None).await.problem(401, "unauthenticated");
    let member = app.member(Role::Member).await;
    scrape(Some(member.token)).await.problem(403, "forbidden");
    assert_eq!(
        scrape(Some(app.owner.token.clone())).await.status,
        StatusCode::OK
    );
}

async fn a_secret_shown_once_is_never_kept_for_idempotent_replay(b: Backend) {
    let app = TestApp::new(b).await;
    let create = || {
        app.request(Method::POST, "/api/v1/tokens")
            .header("idempotency-key", "token-1")
            .json(&json!({ "name": "ci", "scopes": ["read"] }))
            .send()
    };
    let first = create().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let second = create().await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text());
    assert!(second.header("idempotent-replayed").is_none());
    assert_ne!(first.json()["secret"], second.json()["secret"]);
    assert_eq!(app.count_rows("idempotency_keys").await, 0);
}

/// The code an authenticator app with `secret` shows at `unix` seconds.
fn totp_code(secret: &str, unix: i64) -> String {
    let t = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("base32"))
        .with_account_name("test")
        .build()
        .expect("totp");
    t.generate(u64::try_from(unix).expect("positive"))
        .to_string()
}

/// Sets up TOTP for a logged-in browser; returns the secret, the recovery codes and the time
/// whose code confirmed it.
async fn enrol(app: &TestApp, s: &Browser) -> (String, Vec<String>, i64) {
    let res = s
        .send(
            app,
            Method::POST,
            "/api/v1/auth/mfa/totp",
            Some(json!({ "current_password": PASSWORD })),
            true,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    let secret = body["secret"].as_str().expect("secret").to_owned();
    assert!(
        body["otpauth_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("otpauth://totp/") && u.contains(&secret)),
        "{body}"
    );
    let now = chrono::Utc::now().timestamp();
    let res = s
        .send(
            app,
            Method::POST,
            "/api/v1/auth/mfa/totp/confirm",
            Some(json!({ "code": totp_code(&secret, now) })),
            true,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let codes: Vec<String> = res.json()["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    (secret, codes, now)
}

async fn login_with_code(app: &TestApp, email: &str, code: Option<&str>) -> TestResponse {
    app.request(Method::POST, "/api/v1/auth/login")
        .anonymous()
        .json(&json!({ "email": email, "password": PASSWORD, "code": code }))
        .send()
        .await
}

async fn totp_codes_work_once_and_recovery_codes_stand_in(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "ann@example.com", Role::Member).await;
    let s = browser(&app, "ann@example.com").await;
    // Setting up needs the current password.
    s.send(
        &app,
        Method::POST,
        "/api/v1/auth/mfa/totp",
        Some(json!({ "current_password": "not my password" })),
        true,
    )
    .await
    .problem(403, "forbidden");
    // A wrong first code confirms nothing.
    let res = s
        .send(
            &app,
            Method::POST,
            "/api/v1/auth/mfa/totp",
            Some(json!({ "current_password": PASSWORD })),
            true,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    s.send(
        &app,
        Method::POST,
        "/api/v1/auth/mfa/totp/confirm",
        Some(json!({ "code": "000000" })),
        true,
    )
    .await
    .problem(422, "validation-failed");
    assert_eq!(
        login(&app, "ann@example.com", PASSWORD).await.status,
        StatusCode::OK
    );

    let (secret, recovery, now) = enrol(&app, &s).await;
    assert_eq!(recovery.len(), 10);
    // The password alone is no longer enough, and says so only to whoever knows it.
    login(&app, "ann@example.com", PASSWORD)
        .await
        .problem(401, "mfa-required");
    login_with_code(&app, "ann@example.com", Some("123456"))
        .await
        .problem(401, "unauthenticated");
    // The code used to confirm is spent: replaying it fails, even within its 30 s.
    login_with_code(&app, "ann@example.com", Some(&totp_code(&secret, now)))
        .await
        .problem(401, "unauthenticated");
    // The next step's code (one step of clock skew) works once.
    let next = totp_code(&secret, now + 30);
    let ok = login_with_code(&app, "ann@example.com", Some(&next)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    login_with_code(&app, "ann@example.com", Some(&next))
        .await
        .problem(401, "unauthenticated");
    // A recovery code works once, however it is typed.
    let typed = recovery[0].to_uppercase();
    let ok = login_with_code(&app, "ann@example.com", Some(&typed)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    login_with_code(&app, "ann@example.com", Some(&recovery[0]))
        .await
        .problem(401, "unauthenticated");
    let events = app.get("/api/v1/audit?action=mfa.").await.json();
    assert_eq!(events["data"][0]["action"], "mfa.totp_enable");
    // Removing it needs the password again; then the password alone works.
    let s2 = Browser {
        cookie: set_cookie(&ok),
        csrf: ok.json()["csrf_token"].as_str().expect("csrf").to_owned(),
    };
    let res = s2
        .send(
            &app,
            Method::POST,
            "/api/v1/auth/mfa/totp/disable",
            Some(json!({ "current_password": PASSWORD })),
            true,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    assert_eq!(
        login(&app, "ann@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn a_workspace_can_require_a_second_factor_of_every_member(b: Backend) {
    let app = TestApp::new(b).await;
    password_user(&app, "admin@example.com", Role::Admin).await;
    let admin = browser(&app, "admin@example.com").await;
    let require = |s: &Browser, on: bool| {
        let app = &app;
        let s = Browser {
            cookie: s.cookie.clone(),
            csrf: s.csrf.clone(),
        };
        async move {
            s.send(
                app,
                Method::PATCH,
                "/api/v1/settings",
                Some(json!({ "require_mfa": on })),
                true,
            )
            .await
        }
    };
    let res = require(&admin, true).await;
    assert_eq!(res.problem(409, "conflict")["code"], "mfa_not_enabled");
    enrol(&app, &admin).await;
    let res = require(&admin, true).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // The owner's token has no second factor behind it either: it is held back too.
    app.get("/api/v1/settings")
        .await
        .problem(403, "mfa-not-set-up");
    assert_eq!(
        admin.get(&app, "/api/v1/settings").await.json()["require_mfa"],
        true
    );
    // A member without a second factor can only set one up.
    let member = app.member(Role::Member).await;
    app.request(Method::GET, "/api/v1/contacts")
        .bearer(&member.token)
        .send()
        .await
        .problem(403, "mfa-not-set-up");
    let me = app
        .request(Method::GET, "/api/v1/auth/session")
        .bearer(&member.token)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    assert_eq!(me.json()["mfa_setup_required"], true);
    password_user(&app, "bob@example.com", Role::Member).await;
    let bob = browser(&app, "bob@example.com").await;
    bob.get(&app, "/api/v1/contacts")
        .await
        .problem(403, "mfa-not-set-up");
    enrol(&app, &bob).await;
    assert_eq!(
        bob.get(&app, "/api/v1/contacts").await.status,
        StatusCode::OK
    );
    // Members cannot change the setting; the change is audited.
    let res = require(&bob, false).await;
    res.problem(403, "forbidden");
    let events = admin
        .get(&app, "/api/v1/audit?action=settings.update")
        .await
        .json();
    assert_eq!(events["data"][0]["details"]["require_mfa"]["after"], true);
}

async fn the_setup_link_opens_a_self_contained_page(b: Backend) {
    let app = TestApp::without_users(b).await;
    let page = app.request(Method::GET, "/setup").anonymous().send().await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    let csp = page
        .header("content-security-policy")
        .expect("CSP")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text();
    assert!(
        html.contains("<script src=\"/assets/setup.js\"></script>"),
        "{html}"
    );
    assert!(html.contains("for=\"password\"") && html.contains("autocomplete=\"new-password\""));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no other host"
    );
    let script = app
        .request(Method::GET, "/assets/setup.js")
        .anonymous()
        .send()
        .await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/javascript"))
    );
    let js = script.text();
    // The token is read from the fragment and posted to the setup endpoint.
    assert!(
        js.contains("window.location.hash") && js.contains("/api/v1/setup"),
        "{js}"
    );
}

both_backends!(
    passwords_are_argon2id_with_the_asvs_parameters,
    weak_passwords_and_bad_addresses_are_refused_with_every_reason,
    a_failed_login_does_not_say_whether_the_account_exists,
    repeated_failures_are_throttled_per_account_with_retry_after,
    login_sets_a_fresh_httponly_session_cookie,
    over_tls_the_cookie_is_host_prefixed_and_secure,
    sessions_end_when_idle_when_too_old_and_at_logout,
    logging_out_everywhere_ends_every_session_of_the_user,
    disabling_a_user_ends_their_sessions_and_tokens_on_the_next_request,
    cookie_writes_need_the_csrf_token_and_our_origin,
    token_scopes_limit_what_a_token_can_do,
    tokens_are_shown_once_listed_without_secret_and_revocable,
    expired_unknown_and_url_tokens_are_refused,
    roles_decide_and_denials_are_audited,
    members_roles_change_within_limits_and_removal_ends_access,
    first_run_setup_link_creates_the_owner_once,
    invitations_are_single_use_bound_to_their_address_and_rank,
    changing_the_password_needs_the_current_one_and_ends_sessions,
    metrics_take_the_static_token_or_an_admin_token_only,
    a_secret_shown_once_is_never_kept_for_idempotent_replay,
    the_setup_link_opens_a_self_contained_page,
    totp_codes_work_once_and_recovery_codes_stand_in,
    a_workspace_can_require_a_second_factor_of_every_member,
);
