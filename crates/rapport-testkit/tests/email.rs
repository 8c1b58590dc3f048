//! Outgoing e-mail against a real SMTP server on loopback (aiosmtpd), on both databases:
//! invitations, password resets and address changes arrive with working links, the outbox keeps
//! messages through an SMTP outage and a restart and sends each once, a refused address is not
//! retried, the server authenticates with a password file, and without `[email]` the links go to
//! whoever made them.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use std::time::Duration;

use http::{Method, StatusCode};
use rapport_app::Ctx;
use rapport_app::config::{Config, TlsMode};
use rapport_app::identity::users::{self, NewUser, Placement, Workspace};
use rapport_store::outbox;
use rapport_testkit::smtp::{Mail, SmtpServer, free_port};
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};

const PASSWORD: &str = "plum tree under the old bridge";
const NEW_PASSWORD: &str = "a lantern by the quiet harbour";

fn send_to(port: u16) -> impl FnOnce(&mut Config) {
    move |c| {
        c.email.host = Some("127.0.0.1".into());
        c.email.port = Some(port);
        c.email.tls = TlsMode::None;
        c.email.from = "Acme CRM <crm@acme.example>".into();
        c.email.retry_seconds = 1;
        c.email.poll_ms = 50;
        c.email.timeout_seconds = 5;
        c.server.public_url = "https://crm.acme.example".into();
    }
}

async fn password_user(app: &TestApp, email: &str) {
    users::create(
        &app.app,
        &Ctx::system(app.owner.workspace_id),
        &NewUser {
            email: email.into(),
            password: PASSWORD.into(),
            display_name: Some("Ann Walker".into()),
        },
        &Placement {
            workspace: Workspace::Existing(app.owner.workspace_id),
            role: "member".into(),
        },
    )
    .await
    .expect("user");
}

async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.request(Method::POST, "/api/v1/auth/login")
        .anonymous()
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
}

/// A session: its cookie and CSRF token.
async fn session(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let res = login(app, email, password).await;
    assert_eq!(res.status, StatusCode::OK, "login: {}", res.text());
    let cookie = res
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned();
    let csrf = res.json()["csrf_token"].as_str().expect("csrf").to_owned();
    (cookie, csrf)
}

async fn post(app: &TestApp, path: &str, body: Value) -> TestResponse {
    app.request(Method::POST, path)
        .anonymous()
        .json(&body)
        .send()
        .await
}

/// The message is a plain-text and HTML pair, with nothing loaded from elsewhere.
/// Asks for a password reset for `email`, as the "forgot password" form does.
async fn ask_reset(app: &TestApp, email: &str) -> TestResponse {
    post(
        app,
        "/api/v1/auth/password-reset",
        json!({ "email": email }),
    )
    .await
}

fn assert_well_formed(m: &Mail, to: &str) {
    assert_eq!(m.rcpt_to, vec![to.to_owned()]);
    assert_eq!(m.mail_from, "crm@acme.example");
    assert_eq!(m.from, "Acme CRM <crm@acme.example>");
    assert_eq!(m.content_type, "multipart/alternative");
    let html = m.html.as_deref().expect("an HTML part");
    assert!(!html.contains("<img") && !html.contains("src="), "{html}");
    assert!(m.message_id.ends_with("@acme.example>"), "{}", m.message_id);
}

/// The page a link opens is served, under a CSP without inline code.
async fn assert_page(app: &TestApp, url: &str) {
    let path = url
        .strip_prefix("https://crm.acme.example")
        .and_then(|p| p.split('#').next())
        .expect("a link to this server's public address");
    let page = app.request(Method::GET, path).anonymous().send().await;
    assert_eq!(page.status, StatusCode::OK, "{path}");
    let csp = page.header("content-security-policy").expect("csp");
    assert!(
        !csp.contains("unsafe-inline") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(page.text().contains("/assets/onetime.js"));
}

async fn an_invitation_arrives_and_its_link_makes_the_account(b: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::with_config(b, send_to(smtp.port)).await;
    let _sender = app.start_email_sender();
    let res = app
        .request(Method::POST, "/api/v1/invitations")
        .json(&json!({ "role": "member", "email": "Nina@Example.com" }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let body = res.json();
    assert_eq!(body["emailed"], true);
    assert!(
        body["token"].is_null() && body["accept_url"].is_null(),
        "{body}"
    );
    let mail = smtp.wait_for(1).await.remove(0);
    assert_well_formed(&mail, "nina@example.com");
    assert!(
        mail.subject.contains("invites you to Test"),
        "{}",
        mail.subject
    );
    let (url, token) = mail.link();
    assert!(url.starts_with("https://crm.acme.example/accept-invitation#token="));
    assert!(mail.html.as_deref().expect("html").contains(&url));
    assert_page(&app, &url).await;
    let accepted = post(
        &app,
        "/api/v1/invitations/accept",
        json!({ "token": token, "email": "nina@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text());
    assert_eq!(
        login(&app, "nina@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    // Sent, and its bodies (which held the link) are gone from the outbox.
    let sent = outbox::recent(&app.app.db, 10).await.expect("outbox");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, "sent");
    assert_eq!(sent[0].attempts, 1);
    assert!(!sent[0].has_body, "{:?}", sent[0]);
}

async fn a_password_reset_arrives_works_once_and_ends_every_session(b: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::with_config(b, send_to(smtp.port)).await;
    let _sender = app.start_email_sender();
    password_user(&app, "ann@example.com").await;
    let (cookie, _) = session(&app, "ann@example.com", PASSWORD).await;

    let known = ask_reset(&app, "ANN@example.com").await;
    let unknown = ask_reset(&app, "nobody@example.com").await;
    assert_eq!(known.status, StatusCode::ACCEPTED, "{}", known.text());
    assert_eq!(
        (unknown.status, unknown.json()),
        (known.status, known.json())
    );
    let mail = smtp.wait_for(1).await.remove(0);
    assert_well_formed(&mail, "ann@example.com");
    assert!(mail.text().contains("30 minutes"), "{}", mail.text());
    let (url, token) = mail.link();
    assert!(url.starts_with("https://crm.acme.example/reset-password#token="));
    assert_page(&app, &url).await;

    let weak = post(
        &app,
        "/api/v1/auth/password-reset/complete",
        json!({ "token": token, "password": "short" }),
    )
    .await;
    assert_eq!(
        weak.problem(422, "validation-failed")["errors"][0]["pointer"],
        "/password"
    );
    let done = post(
        &app,
        "/api/v1/auth/password-reset/complete",
        json!({ "token": token, "password": NEW_PASSWORD }),
    )
    .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text());
    // Single use; the old session and the old password are finished.
    post(
        &app,
        "/api/v1/auth/password-reset/complete",
        json!({ "token": token, "password": "yet another long passphrase" }),
    )
    .await
    .problem(401, "unauthenticated");
    app.request(Method::GET, "/api/v1/contacts")
        .anonymous()
        .header("cookie", &cookie)
        .send()
        .await
        .problem(401, "unauthenticated");
    login(&app, "ann@example.com", PASSWORD)
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        login(&app, "ann@example.com", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
    // The account is told, and nothing ever went to the unknown address.
    let all = smtp.wait_for(2).await;
    assert_eq!(all.len(), 2);
    assert_well_formed(&all[1], "ann@example.com");
    assert!(
        all[1].subject.contains("password was changed"),
        "{}",
        all[1].subject
    );
    assert!(all.iter().all(|m| m.rcpt_to != ["nobody@example.com"]));
}

async fn a_new_address_is_confirmed_from_that_address(b: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::with_config(b, send_to(smtp.port)).await;
    let _sender = app.start_email_sender();
    password_user(&app, "ann@example.com").await;
    let (cookie, csrf) = session(&app, "ann@example.com", PASSWORD).await;
    let ask = |body: Value| {
        app.request(Method::POST, "/api/v1/auth/email-change")
            .anonymous()
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
    };
    ask(json!({ "current_password": "not the password", "new_email": "ann@new.example" }))
        .await
        .problem(403, "forbidden");
    let taken =
        ask(json!({ "current_password": PASSWORD, "new_email": "owner@example.com" })).await;
    assert_eq!(taken.problem(409, "conflict")["code"], "email_taken");
    let asked = ask(json!({ "current_password": PASSWORD, "new_email": "ann@new.example" })).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text());
    // Nothing changes until the link is used.
    assert_eq!(
        login(&app, "ann@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    let mail = smtp.wait_for(1).await.remove(0);
    assert_well_formed(&mail, "ann@new.example");
    let (url, token) = mail.link();
    assert!(url.starts_with("https://crm.acme.example/confirm-email#token="));
    assert_page(&app, &url).await;
    let confirmed = post(
        &app,
        "/api/v1/auth/email-change/confirm",
        json!({ "token": token }),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    assert_eq!(confirmed.json()["email"], "ann@new.example");
    post(
        &app,
        "/api/v1/auth/email-change/confirm",
        json!({ "token": token }),
    )
    .await
    .problem(401, "unauthenticated");
    login(&app, "ann@example.com", PASSWORD)
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        login(&app, "ann@new.example", PASSWORD).await.status,
        StatusCode::OK
    );
    let notice = smtp.wait_for(2).await.remove(1);
    assert_well_formed(&notice, "ann@example.com");
    assert!(notice.text().contains("ann@new.example"));
}

async fn queued_mail_outlives_an_smtp_outage_and_a_restart_and_goes_once(b: Backend) {
    let port = free_port();
    let app = TestApp::with_config(b, send_to(port)).await;
    let sender = app.start_email_sender();
    let res = app
        .request(Method::POST, "/api/v1/invitations")
        .json(&json!({ "role": "viewer", "email": "vic@example.com" }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    // Nothing listens: attempts fail and the message waits in the outbox.
    let mut waited = 0;
    let row = loop {
        let rows = outbox::recent(&app.app.db, 10).await.expect("outbox");
        if rows[0].attempts >= 2 {
            break rows[0].clone();
        }
        waited += 1;
        assert!(waited < 200, "no retry recorded: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(row.status, "queued");
    assert!(row.last_error.is_some() && row.has_body, "{row:?}");
    // The instance stops; another starts on the same database once the server is back.
    drop(sender);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let smtp = SmtpServer::start_on(port, None);
    let restarted = rapport_app::App::connect(app.app.config.as_ref().clone())
        .await
        .expect("second instance");
    // Two senders compete for the message; the lease lets only one of them have it.
    let stop = tokio_util::sync::CancellationToken::new();
    for _ in 0..2 {
        tokio::spawn(rapport_app::email::sender::run(
            restarted.clone(),
            stop.clone(),
        ));
    }
    let mail = smtp.wait_for(1).await.remove(0);
    assert_well_formed(&mail, "vic@example.com");
    // Marked sent once handed over: no second copy however long the senders run.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.cancel();
    assert_eq!(smtp.messages().len(), 1);
    let rows = outbox::recent(&app.app.db, 10).await.expect("outbox");
    assert_eq!((rows.len(), rows[0].status.as_str()), (1, "sent"));
}

async fn a_refused_address_fails_at_once_and_the_rest_still_goes(b: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::with_config(b, send_to(smtp.port)).await;
    let _sender = app.start_email_sender();
    for email in ["bounce@example.com", "ok@example.com"] {
        let res = app
            .request(Method::POST, "/api/v1/invitations")
            .json(&json!({ "role": "viewer", "email": email }))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    }
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.rcpt_to, ["ok@example.com"]);
    let rows = outbox::recent(&app.app.db, 10).await.expect("outbox");
    let bounced = rows
        .iter()
        .find(|r| r.recipient == "bounce@example.com")
        .expect("row");
    assert_eq!((bounced.status.as_str(), bounced.attempts), ("failed", 1));
    assert!(
        bounced
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("550")),
        "{bounced:?}"
    );
}

async fn the_smtp_password_is_read_from_its_file(b: Backend) {
    let port = free_port();
    let smtp = SmtpServer::start_on(port, Some(("rapport", "s3cret-smtp")));
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("smtp_password");
    std::fs::write(&file, "s3cret-smtp\n").expect("write");
    let app = TestApp::with_config(b, |c| {
        send_to(port)(c);
        c.email.user = Some("rapport".into());
        c.email.password_file = Some(file.clone());
    })
    .await;
    let _sender = app.start_email_sender();
    let res = app
        .request(Method::POST, "/api/v1/invitations")
        .json(&json!({ "role": "viewer", "email": "pat@example.com" }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let mail = smtp.wait_for(1).await.remove(0);
    assert!(mail.authenticated, "{mail:?}");
}

async fn without_email_settings_links_go_to_whoever_made_them(b: Backend) {
    let app = TestApp::new(b).await;
    let res = app
        .request(Method::POST, "/api/v1/invitations")
        .json(&json!({ "role": "member", "email": "nina@example.com" }))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let body = res.json();
    assert_eq!(body["emailed"], false);
    let token = body["token"].as_str().expect("token shown");
    assert_eq!(
        body["accept_url"],
        format!("http://localhost:8080/accept-invitation#token={token}")
    );
    let reset = ask_reset(&app, "owner@example.com").await;
    assert_eq!(
        reset.problem(409, "conflict")["code"],
        "email_not_configured"
    );
    assert!(
        outbox::recent(&app.app.db, 10)
            .await
            .expect("outbox")
            .is_empty()
    );
    // The operator's way: a link printed for them to pass on.
    let link = rapport_app::identity::recovery::reset_link(
        &app.app,
        &Ctx::system(rapport_store::audit::INSTANCE),
        "owner@example.com",
    )
    .await
    .expect("link")
    .expect("the account exists");
    let url = link.url.expect("shown, not sent");
    let token = url.split("#token=").nth(1).expect("token");
    let done = post(
        &app,
        "/api/v1/auth/password-reset/complete",
        json!({ "token": token, "password": NEW_PASSWORD }),
    )
    .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text());
    assert_eq!(
        login(&app, "owner@example.com", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn a_reset_ends_pending_address_changes_and_skips_sso_accounts(b: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::with_config(b, send_to(smtp.port)).await;
    let _sender = app.start_email_sender();
    password_user(&app, "ann@example.com").await;
    // An account without a password (SSO) gets nothing, with the same answer.
    let mut tx = app.app.db.begin().await.expect("tx");
    let sso = rapport_domain::ids::UserId::new();
    rapport_store::users::insert(
        &mut tx,
        sso,
        "sso@example.com",
        "Sam",
        None,
        chrono::Utc::now(),
    )
    .await
    .expect("sso user");
    tx.commit().await.expect("commit");
    let known = ask_reset(&app, "ann@example.com").await;
    let sso_answer = ask_reset(&app, "sso@example.com").await;
    assert_eq!(
        (sso_answer.status, sso_answer.json()),
        (known.status, known.json())
    );
    let reset = smtp.wait_for(1).await.remove(0);
    assert_eq!(reset.rcpt_to, ["ann@example.com"]);

    // Someone holding Ann's session asks to move the account to their own address...
    let (cookie, csrf) = session(&app, "ann@example.com", PASSWORD).await;
    let ask = |to: &str| {
        app.request(Method::POST, "/api/v1/auth/email-change")
            .anonymous()
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&json!({ "current_password": PASSWORD, "new_email": to }))
            .send()
    };
    assert_eq!(ask("thief@evil.example").await.status, StatusCode::ACCEPTED);
    let change = smtp.wait_for(2).await.remove(1);
    assert_eq!(change.rcpt_to, ["thief@evil.example"]);
    // ...and at most three times an hour: each one mails an address of their choosing.
    for n in 2..=3 {
        let to = format!("other{n}@evil.example");
        assert_eq!(ask(&to).await.status, StatusCode::ACCEPTED);
    }
    let refused = ask("other4@evil.example").await;
    refused.problem(429, "too-many-requests");
    assert!(refused.header("retry-after").is_some());

    // Ann resets her password: the pending change links stop working.
    let (_, token) = reset.link();
    let done = post(
        &app,
        "/api/v1/auth/password-reset/complete",
        json!({ "token": token, "password": NEW_PASSWORD }),
    )
    .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text());
    let (_, change_token) = change.link();
    post(
        &app,
        "/api/v1/auth/email-change/confirm",
        json!({ "token": change_token }),
    )
    .await
    .problem(401, "unauthenticated");
    assert_eq!(
        login(&app, "ann@example.com", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
    // A made-up link is refused before any password is hashed; the answer is the same.
    post(
        &app,
        "/api/v1/auth/password-reset/complete",
        json!({ "token": "made-up", "password": "whatever long enough phrase" }),
    )
    .await
    .problem(401, "unauthenticated");
}

both_backends!(
    an_invitation_arrives_and_its_link_makes_the_account,
    a_password_reset_arrives_works_once_and_ends_every_session,
    a_reset_ends_pending_address_changes_and_skips_sso_accounts,
    a_new_address_is_confirmed_from_that_address,
    queued_mail_outlives_an_smtp_outage_and_a_restart_and_goes_once,
    a_refused_address_fails_at_once_and_the_rest_still_goes,
    the_smtp_password_is_read_from_its_file,
    without_email_settings_links_go_to_whoever_made_them,
);

#[test]
fn bad_email_settings_are_reported_together() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("rapport.toml");
    std::fs::write(
        &path,
        "[email]\nhost = \"smtp.example.com\"\nfrom = \"not an address\"\nuser = \"u\"\npassword_file = \"/nonexistent/pw\"\nmax_attempts = 0\n",
    )
    .expect("write");
    let sources = rapport_app::config::Sources {
        file: Some(path),
        env: Vec::new(),
    };
    let problems = rapport_app::config::load(&sources).expect_err("refused");
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    for key in ["email.from", "email.password_file", "email.max_attempts"] {
        assert!(keys.contains(&key), "{key} not in {keys:?}");
    }
}
