//! Passkeys through the API on both databases, with a software authenticator
//! (webauthn-authenticator-rs' SoftPasskey) answering the server's real WebAuthn challenges:
//! registration after re-authentication, login without a password, several passkeys per user,
//! rename and removal, and answers that must not verify.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use http::{Method, StatusCode};
use rapport_app::Ctx;
use rapport_app::identity::users::{self, NewUser, Placement, Workspace};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url,
};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

const PASSWORD: &str = "plum tree under the old bridge";
const EMAIL: &str = "ann@example.com";

fn origin() -> Url {
    // `server.public_url`'s default: the relying party is `localhost`.
    Url::parse("http://localhost:8080").expect("url")
}

async fn user(app: &TestApp) {
    users::create(
        &app.app,
        &Ctx::system(app.owner.workspace_id),
        &NewUser {
            email: EMAIL.into(),
            password: PASSWORD.into(),
            display_name: Some("Ann".into()),
        },
        &Placement {
            workspace: Workspace::Existing(app.owner.workspace_id),
            role: Role::Member.as_str().into(),
        },
    )
    .await
    .expect("user");
}

/// A logged-in browser: (cookie, csrf token).
async fn session(app: &TestApp) -> (String, String) {
    let res = app
        .request(Method::POST, "/api/v1/auth/login")
        .anonymous()
        .json(&json!({ "email": EMAIL, "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    cookie_and_csrf(&res)
}

fn cookie_and_csrf(res: &TestResponse) -> (String, String) {
    let cookie = res
        .header("set-cookie")
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let csrf = res.json()["csrf_token"].as_str().expect("csrf").to_owned();
    (cookie, csrf)
}

async fn as_session(
    app: &TestApp,
    s: &(String, String),
    method: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    let req = app
        .request(method, path)
        .anonymous()
        .header("cookie", &s.0)
        .header("x-csrf-token", &s.1);
    match body {
        Some(b) => req.json(&b).send().await,
        None => req.send().await,
    }
}

/// Registers `key` under `name`; returns the passkey's id.
async fn register(
    app: &TestApp,
    s: &(String, String),
    key: &mut SoftPasskey,
    name: &str,
) -> String {
    let res = as_session(
        app,
        s,
        Method::POST,
        "/api/v1/auth/passkeys/register/start",
        Some(json!({ "current_password": PASSWORD, "name": name })),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let started = res.json();
    let options: CreationChallengeResponse =
        serde_json::from_value(started["options"].clone()).expect("creation options");
    let answer = key
        .do_registration(origin(), options)
        .expect("authenticator");
    let res = as_session(
        app,
        s,
        Method::POST,
        "/api/v1/auth/passkeys/register/finish",
        Some(json!({ "ceremony_id": started["ceremony_id"], "credential": answer })),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let body = res.json();
    assert_eq!(body["name"], name);
    body["id"].as_str().expect("id").to_owned()
}

/// Starts a passkey login and lets `key` answer; returns the finish response.
async fn passkey_login(app: &TestApp, key: &mut SoftPasskey) -> TestResponse {
    let res = app
        .request(Method::POST, "/api/v1/auth/passkeys/login/start")
        .anonymous()
        .json(&json!({ "email": EMAIL }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let started = res.json();
    let options: RequestChallengeResponse =
        serde_json::from_value(started["options"].clone()).expect("request options");
    let answer = key
        .do_authentication(origin(), options)
        .expect("authenticator");
    app.request(Method::POST, "/api/v1/auth/passkeys/login/finish")
        .anonymous()
        .json(&json!({ "ceremony_id": started["ceremony_id"], "credential": answer }))
        .send()
        .await
}

async fn a_registered_passkey_logs_in_without_a_password(b: Backend) {
    let app = TestApp::new(b).await;
    user(&app).await;
    let s = session(&app).await;
    // Registration needs the current password.
    as_session(
        &app,
        &s,
        Method::POST,
        "/api/v1/auth/passkeys/register/start",
        Some(json!({ "current_password": "wrong wrong wrong", "name": "laptop" })),
    )
    .await
    .problem(403, "forbidden");
    let mut laptop = SoftPasskey::new(true);
    register(&app, &s, &mut laptop, "laptop").await;

    let res = passkey_login(&app, &mut laptop).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["role"], "member");
    let fresh = cookie_and_csrf(&res);
    assert_ne!(fresh.0, s.0, "a new session id");
    let list = as_session(&app, &fresh, Method::GET, "/api/v1/auth/passkeys", None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let data = list.json()["data"].as_array().expect("data").clone();
    assert_eq!(data.len(), 1);
    assert!(data[0]["last_used_at"].is_string(), "{data:?}");
    // Both the registration and the login are audited.
    let audit = app
        .get("/api/v1/audit?action=passkeys.register")
        .await
        .json();
    assert_eq!(audit["data"].as_array().map(Vec::len), Some(1));
    let logins = app.get("/api/v1/audit?action=auth.login").await.json();
    assert_eq!(logins["data"][0]["details"]["method"], "passkey");
    // A passkey counts as a second factor where the workspace requires one.
    let mut tx = app.app.db.begin().await.expect("begin");
    rapport_store::mfa::set_required(&mut tx, app.owner.workspace_id, true)
        .await
        .expect("require");
    tx.commit().await.expect("commit");
    let res = as_session(&app, &fresh, Method::GET, "/api/v1/contacts", None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    app.get("/api/v1/contacts")
        .await
        .problem(403, "mfa-not-set-up");
}

async fn several_passkeys_can_be_named_renamed_and_removed(b: Backend) {
    let app = TestApp::new(b).await;
    user(&app).await;
    let s = session(&app).await;
    let mut laptop = SoftPasskey::new(true);
    let mut phone = SoftPasskey::new(true);
    let laptop_id = register(&app, &s, &mut laptop, "laptop").await;
    register(&app, &s, &mut phone, "phone").await;
    // Someone else (the workspace owner's token) cannot touch Ann's passkey: it is not theirs.
    app.patch(
        &format!("/api/v1/auth/passkeys/{laptop_id}"),
        json!({ "name": "mine now" }),
    )
    .await
    .problem(404, "not-found");
    let res = as_session(
        &app,
        &s,
        Method::PATCH,
        &format!("/api/v1/auth/passkeys/{laptop_id}"),
        Some(json!({ "name": "old laptop" })),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    as_session(
        &app,
        &s,
        Method::PATCH,
        &format!("/api/v1/auth/passkeys/{laptop_id}"),
        Some(json!({ "name": "  " })),
    )
    .await
    .problem(422, "validation-failed");
    let names: Vec<String> = as_session(&app, &s, Method::GET, "/api/v1/auth/passkeys", None)
        .await
        .json()["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, ["old laptop", "phone"]);
    // Removing needs the password; another user's passkey id is a 404.
    let remove = |password: &'static str, id: String| {
        let app = &app;
        let s = s.clone();
        async move {
            as_session(
                app,
                &s,
                Method::POST,
                &format!("/api/v1/auth/passkeys/{id}/remove"),
                Some(json!({ "current_password": password })),
            )
            .await
        }
    };
    remove("wrong wrong wrong", laptop_id.clone())
        .await
        .problem(403, "forbidden");
    let res = remove(PASSWORD, laptop_id.clone()).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    remove(PASSWORD, laptop_id.clone())
        .await
        .problem(404, "not-found");
    // The removed passkey no longer logs in; the other one does.
    let start = app
        .request(Method::POST, "/api/v1/auth/passkeys/login/start")
        .anonymous()
        .json(&json!({ "email": EMAIL }))
        .send()
        .await
        .json();
    let options: RequestChallengeResponse =
        serde_json::from_value(start["options"].clone()).expect("options");
    assert!(
        laptop.do_authentication(origin(), options).is_err(),
        "the challenge no longer lists the removed passkey"
    );
    assert_eq!(passkey_login(&app, &mut phone).await.status, StatusCode::OK);
}

async fn forged_replayed_and_unknown_answers_are_refused(b: Backend) {
    let app = TestApp::new(b).await;
    user(&app).await;
    // No passkey yet, or no such account: the same 401.
    for email in [EMAIL, "nobody@example.com"] {
        app.request(Method::POST, "/api/v1/auth/passkeys/login/start")
            .anonymous()
            .json(&json!({ "email": email }))
            .send()
            .await
            .problem(401, "unauthenticated");
    }
    let s = session(&app).await;
    let mut key = SoftPasskey::new(true);
    register(&app, &s, &mut key, "laptop").await;

    // An answer to one challenge does not finish another ceremony.
    let first = app
        .request(Method::POST, "/api/v1/auth/passkeys/login/start")
        .anonymous()
        .json(&json!({ "email": EMAIL }))
        .send()
        .await
        .json();
    let second = app
        .request(Method::POST, "/api/v1/auth/passkeys/login/start")
        .anonymous()
        .json(&json!({ "email": EMAIL }))
        .send()
        .await
        .json();
    let options: RequestChallengeResponse =
        serde_json::from_value(first["options"].clone()).expect("options");
    let answer = key
        .do_authentication(origin(), options)
        .expect("authenticator");
    let res = app
        .request(Method::POST, "/api/v1/auth/passkeys/login/finish")
        .anonymous()
        .json(&json!({ "ceremony_id": second["ceremony_id"], "credential": answer }))
        .send()
        .await;
    res.problem(401, "unauthenticated");
    assert!(res.header("set-cookie").is_none());
    // A tampered signature does not verify.
    let mut forged = serde_json::to_value(&answer).expect("json");
    let sig = forged["response"]["signature"]
        .as_str()
        .expect("signature")
        .to_owned();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    forged["response"]["signature"] = json!(format!("{flipped}{}", &sig[1..]));
    let res = app
        .request(Method::POST, "/api/v1/auth/passkeys/login/finish")
        .anonymous()
        .json(&json!({ "ceremony_id": first["ceremony_id"], "credential": forged }))
        .send()
        .await;
    res.problem(401, "unauthenticated");
    // The ceremony was used up by that attempt: the genuine answer cannot be replayed into it.
    let res = app
        .request(Method::POST, "/api/v1/auth/passkeys/login/finish")
        .anonymous()
        .json(&json!({ "ceremony_id": first["ceremony_id"], "credential": answer }))
        .send()
        .await;
    res.problem(401, "unauthenticated");
    // A malformed credential is a 422 naming it.
    let res = app
        .request(Method::POST, "/api/v1/auth/passkeys/login/finish")
        .anonymous()
        .json(&json!({ "ceremony_id": "x", "credential": { "id": 1 } }))
        .send()
        .await;
    let p = res.problem(422, "validation-failed");
    assert_eq!(p["errors"][0]["pointer"], "/credential");
}

both_backends!(
    a_registered_passkey_logs_in_without_a_password,
    several_passkeys_can_be_named_renamed_and_removed,
    forged_replayed_and_unknown_answers_are_refused,
);
