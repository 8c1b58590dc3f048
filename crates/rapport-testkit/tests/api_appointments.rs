//! Appointments through the HTTP API, on SQLite and PostgreSQL: creation with the creator as
//! owner, validation (time zone, end after start, every pointer), attendees and linked records
//! that must exist in the workspace, side rows kept in step with patches, calendar ranges at
//! their edges, filters and sorts, and the per-member iCalendar feed (content parsed back line
//! by line, tokens replaced, revoked, closed when the member leaves).

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use common::{code_at, enc, filter_ids, get_ok, id_of, ids, next_link, pointers, sorted};
use http::{Method, StatusCode};
use rapport_domain::policy::Role;
use rapport_testkit::{Backend, TestApp, TestResponse, both_backends};
use serde_json::{Value, json};

const APPOINTMENTS: &str = "/api/v1/appointments";
const TOKEN: &str = "/api/v1/calendar/token";

fn at(id: &str) -> String {
    format!("{APPOINTMENTS}/{id}")
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn meeting(title: &str, starts: &str, ends: &str) -> Value {
    json!({"title": title, "starts_at": starts, "ends_at": ends, "time_zone": "Europe/Paris"})
}

async fn create(app: &TestApp, body: Value) -> String {
    let res = app.post(APPOINTMENTS, body.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{body}: {}", res.text());
    id_of(&res.json())
}

/// Row counts of every table an appointment write touches.
async fn rows(app: &TestApp) -> [i64; 5] {
    [
        app.count_rows("appointments").await,
        app.count_rows("appointment_attendees").await,
        app.count_rows("appointment_links").await,
        app.count_rows("search_docs").await,
        app.count_rows("audit_log").await,
    ]
}

// ---------------------------------------------------------------------------------------------
// Create, validation, references
// ---------------------------------------------------------------------------------------------

async fn an_appointment_is_created_with_its_attendees_links_and_the_creator_as_owner(b: Backend) {
    let app = TestApp::new(b).await;
    let colleague = app.member(Role::Member).await;
    let ana = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let acme = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let res = app
        .post(
            APPOINTMENTS,
            json!({
                "title": "Kick-off", "starts_at": "2026-11-23T09:00:00+01:00",
                "ends_at": "2026-11-23T10:30:00+01:00", "time_zone": "Europe/Paris",
                "location": "Room 4", "video_url": "HTTPS://Meet.Example.com/kick-off",
                "attendees": {"contacts": [ana, ana], "users": [colleague.user_id.to_string()]},
                "records": [{"type": "companies", "id": acme}],
                "description": "Agenda:\n1. Scope"
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let a = res.json();
    let id = id_of(&a);
    assert_eq!(res.header("location"), Some(at(&id).as_str()));
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(a["starts_at"], "2026-11-23T08:00:00.000Z");
    assert_eq!(a["ends_at"], "2026-11-23T09:30:00.000Z");
    assert_eq!(a["time_zone"], "Europe/Paris");
    assert_eq!(a["video_url"], "https://meet.example.com/kick-off");
    assert_eq!(
        a["attendees"],
        json!({"contacts": [ana], "users": [colleague.user_id.to_string()]})
    );
    assert_eq!(a["records"], json!([{"type": "companies", "id": acme}]));
    assert_eq!(a["owner_id"], app.owner.user_id.to_string());
    assert_eq!(get_ok(&app, &at(&id)).await, a);
    // Side rows: one per attendee and per link.
    assert_eq!(app.count_rows("appointment_attendees").await, 2);
    assert_eq!(app.count_rows("appointment_links").await, 1);
}

async fn bad_fields_are_listed_with_their_pointers_and_nothing_is_written(b: Backend) {
    let app = TestApp::new(b).await;
    create(
        &app,
        meeting("Existing", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z"),
    )
    .await;
    let before = rows(&app).await;
    let p = app
        .post(
            APPOINTMENTS,
            json!({
                "time_zone": "Europe/Pariss", "video_url": "ftp://files.example.com/x",
                "location": "a\nb", "attendees": {"contacts": ["nope"], "teams": []},
                "records": [{"type": "planets", "id": uuid::Uuid::now_v7().to_string()}],
                "version": 3
            }),
        )
        .await
        .problem(422, "validation-failed");
    let expected = [
        ("/title", "required"),
        ("/starts_at", "required"),
        ("/ends_at", "required"),
        ("/time_zone", "unknown_code"),
        ("/video_url", "invalid_format"),
        ("/location", "invalid_format"),
        ("/attendees/contacts/0", "invalid_format"),
        ("/attendees/teams", "unknown_field"),
        ("/records/0/type", "invalid_choice"),
        ("/version", "read_only"),
    ];
    for (pointer, code) in expected {
        assert_eq!(code_at(&p, pointer), code, "{pointer}: {p}");
    }
    assert_eq!(
        sorted(pointers(&p)),
        sorted(expected.iter().map(|(p, _)| (*p).to_owned()).collect())
    );
    let ok = meeting("Review", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z");
    let with = |key: &str, v: Value| {
        let mut body = ok.clone();
        body[key] = v;
        body
    };
    for (body, pointer, code) in [
        (
            with("ends_at", json!("2026-11-23T08:59:59Z")),
            "/ends_at",
            "before_start",
        ),
        (
            with("ends_at", json!("2026-11-23T10:00:00+01:00")),
            "/ends_at",
            "before_start",
        ),
        (
            with("time_zone", json!("CET+1")),
            "/time_zone",
            "unknown_code",
        ),
        (
            with("time_zone", json!("paris")),
            "/time_zone",
            "unknown_code",
        ),
        (with("time_zone", json!(null)), "/time_zone", "required"),
        (
            with("starts_at", json!("23/11/2026 09:00")),
            "/starts_at",
            "invalid_format",
        ),
        (
            with("video_url", json!("javascript:alert(1)")),
            "/video_url",
            "invalid_format",
        ),
        (
            with("attendees", json!({"users": "all"})),
            "/attendees/users",
            "invalid_type",
        ),
        (
            with("records", json!([{"type": "deals"}])),
            "/records/0/id",
            "required",
        ),
    ] {
        let p = app
            .post(APPOINTMENTS, body.clone())
            .await
            .problem(422, "validation-failed");
        assert_eq!(pointers(&p), [pointer], "{body}");
        assert_eq!(code_at(&p, pointer), code, "{body}");
    }
    assert_eq!(
        rows(&app).await,
        before,
        "invalid appointments write nothing"
    );
}

async fn attendees_links_and_owner_must_belong_to_this_workspace(b: Backend) {
    let app = TestApp::new(b).await;
    let intruder = app.other_workspace().await;
    let theirs = app
        .request(Method::POST, "/api/v1/contacts")
        .bearer(&intruder.token)
        .json(&json!({"first_name": "Mallory"}))
        .send()
        .await
        .json();
    let their_contact = id_of(&theirs);
    let ana = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let before = rows(&app).await;
    let nobody = uuid::Uuid::now_v7().to_string();
    let mut body = meeting("Kick-off", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z");
    body["attendees"] = json!({
        "contacts": [ana, their_contact],
        "users": [app.owner.user_id.to_string(), intruder.user_id.to_string()]
    });
    body["records"] = json!([
        {"type": "contacts", "id": ana},
        {"type": "contacts", "id": their_contact},
        {"type": "companies", "id": nobody}
    ]);
    body["owner_id"] = json!(intruder.user_id.to_string());
    let p = app
        .post(APPOINTMENTS, body)
        .await
        .problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&p)),
        [
            "/attendees/contacts/1",
            "/attendees/users/1",
            "/owner_id",
            "/records/1/id",
            "/records/2/id"
        ]
    );
    for pointer in pointers(&p) {
        assert_eq!(code_at(&p, &pointer), "not_found", "{pointer}");
    }
    assert_eq!(
        rows(&app).await,
        before,
        "refused appointments write nothing"
    );
}

async fn a_meeting_outlives_its_attendees_but_cannot_invite_missing_ones(b: Backend) {
    let app = TestApp::new(b).await;
    let colleague = app.member(Role::Member).await;
    let ana = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let bo = id_of(&app.create_contact(json!({"first_name": "Bo"})).await);
    let mut body = meeting("Review", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z");
    body["attendees"] = json!({"contacts": [ana], "users": [colleague.user_id.to_string()]});
    body["records"] = json!([{"type": "contacts", "id": ana}]);
    let id = create(&app, body).await;
    app.delete(&format!("/api/v1/contacts/{ana}")).await;
    app.delete(&format!("/api/v1/members/{}", colleague.user_id))
        .await;
    // Notes can still be written on the past meeting, and another attendee added.
    let res = app
        .patch(
            &at(&id),
            json!({"description": "Went well", "attendees": {"contacts": [ana, bo]}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Nobody missing can be newly invited.
    let nobody = uuid::Uuid::now_v7().to_string();
    let p = app
        .patch(
            &at(&id),
            json!({"attendees": {"contacts": [bo, ana, nobody]}}),
        )
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/attendees/contacts/2"]);
    let mut body = meeting("Follow-up", "2026-11-24T09:00:00Z", "2026-11-24T10:00:00Z");
    body["attendees"] = json!({"contacts": [ana], "users": [colleague.user_id.to_string()]});
    let p = app
        .post(APPOINTMENTS, body)
        .await
        .problem(422, "validation-failed");
    assert_eq!(
        sorted(pointers(&p)),
        ["/attendees/contacts/0", "/attendees/users/0"]
    );
}

// ---------------------------------------------------------------------------------------------
// Patches, side rows, delete and restore
// ---------------------------------------------------------------------------------------------

async fn patches_replace_attendees_and_keep_the_end_after_the_start(b: Backend) {
    let app = TestApp::new(b).await;
    let ana = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let bo = id_of(&app.create_contact(json!({"first_name": "Bo"})).await);
    let mut body = meeting("Demo", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z");
    body["attendees"] = json!({"contacts": [ana]});
    let id = create(&app, body).await;
    let by_ana = format!(r#"attendees.contacts eq "{ana}""#);
    let by_bo = format!(r#"attendees.contacts eq "{bo}""#);
    assert_eq!(filter_ids(&app, APPOINTMENTS, &by_ana).await, [id.as_str()]);

    let res = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"attendees": {"contacts": [bo]}, "location": "Lyon"}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.header("etag"), Some("\"2\""));
    let current = res.json();
    assert!(filter_ids(&app, APPOINTMENTS, &by_ana).await.is_empty());
    assert_eq!(filter_ids(&app, APPOINTMENTS, &by_bo).await, [id.as_str()]);
    assert_eq!(app.count_rows("appointment_attendees").await, 1);

    let before = rows(&app).await;
    let p = app
        .request(Method::PATCH, &at(&id))
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Stale"}))
        .send()
        .await
        .problem(412, "precondition-failed");
    assert_eq!(p["current_version"], 2);
    // Moving the start past the end is refused at the end, where the conflict shows.
    let p = app
        .patch(&at(&id), json!({"starts_at": "2026-11-23T11:00:00Z"}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/ends_at"]);
    let p = app
        .patch(&at(&id), json!({"time_zone": "Nowhere/Land"}))
        .await
        .problem(422, "validation-failed");
    assert_eq!(pointers(&p), ["/time_zone"]);
    assert_eq!(get_ok(&app, &at(&id)).await, current);
    assert_eq!(rows(&app).await, before, "refused patches write nothing");

    // Delete and restore: the appointment leaves the lists, then comes back with its attendees.
    let res = app.delete(&at(&id)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    app.get(&at(&id)).await.problem(404, "not-found");
    assert!(filter_ids(&app, APPOINTMENTS, &by_bo).await.is_empty());
    let res = app.post(&format!("{}/restore", at(&id)), json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["attendees"]["contacts"], json!([bo]));
    assert_eq!(filter_ids(&app, APPOINTMENTS, &by_bo).await, [id.as_str()]);
}

// ---------------------------------------------------------------------------------------------
// Calendar ranges
// ---------------------------------------------------------------------------------------------

async fn range(app: &TestApp, from: &str, to: &str, extra: &str) -> TestResponse {
    app.get(&format!(
        "{APPOINTMENTS}?from={}&to={}{extra}",
        enc(from),
        enc(to)
    ))
    .await
}

async fn range_ids(app: &TestApp, from: &str, to: &str) -> Vec<String> {
    let res = range(app, from, to, "").await;
    assert_eq!(res.status, StatusCode::OK, "{from}..{to}: {}", res.text());
    ids(&res.json())
}

async fn ranges_list_overlapping_appointments_and_leave_touching_ones_out(b: Backend) {
    let app = TestApp::new(b).await;
    let nine = create(
        &app,
        meeting("Nine", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z"),
    )
    .await;
    let ten = create(
        &app,
        meeting("Ten", "2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z"),
    )
    .await;
    let eleven = create(
        &app,
        meeting("Eleven", "2026-11-23T11:00:00Z", "2026-11-23T12:00:00Z"),
    )
    .await;
    let all_day = create(
        &app,
        meeting("All day", "2026-11-23T08:00:00Z", "2026-11-23T13:00:00Z"),
    )
    .await;
    let tomorrow = create(
        &app,
        meeting("Tomorrow", "2026-11-24T09:00:00Z", "2026-11-24T10:00:00Z"),
    )
    .await;

    // [10:00, 11:00): "Nine" ends as it starts and "Eleven" starts as it ends: both out.
    assert_eq!(
        range_ids(&app, "2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z").await,
        [all_day.clone(), ten.clone()]
    );
    // One millisecond before 10:00 catches "Nine" too.
    assert_eq!(
        range_ids(&app, "2026-11-23T09:59:59.999Z", "2026-11-23T10:00:00Z").await,
        [all_day.clone(), nine.clone()]
    );
    // Offsets are honoured: 12:00+01:00 is 11:00Z.
    assert_eq!(
        range_ids(
            &app,
            "2026-11-23T11:00:00+01:00",
            "2026-11-23T12:00:00+01:00"
        )
        .await,
        [all_day.clone(), ten.clone()]
    );
    // A whole day, soonest first; the next day's meeting is out.
    assert_eq!(
        range_ids(&app, "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z").await,
        [all_day.clone(), nine.clone(), ten.clone(), eleven.clone()]
    );
    assert_eq!(
        range_ids(&app, "2026-11-24T09:59:59Z", "2026-11-25T00:00:00Z").await,
        [tomorrow.as_str()]
    );
    // The list's filter, sort and pages apply within the range.
    let res = range(
        &app,
        "2026-11-23T00:00:00Z",
        "2026-11-24T00:00:00Z",
        &format!("&filter={}&sort=-starts_at", enc(r#"title ne "Ten""#)),
    )
    .await;
    assert_eq!(
        ids(&res.json()),
        [eleven.clone(), nine.clone(), all_day.clone()]
    );
    let mut res = range(
        &app,
        "2026-11-23T00:00:00Z",
        "2026-11-25T00:00:00Z",
        "&limit=2",
    )
    .await;
    let mut seen = Vec::new();
    loop {
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        seen.extend(ids(&res.json()));
        match next_link(&res) {
            Some(next) => {
                assert!(next.contains("from=") && next.contains("to="), "{next}");
                res = app.get(&next).await;
            }
            None => break,
        }
        assert!(seen.len() <= 5, "pagination does not end");
    }
    assert_eq!(seen, [all_day, nine, ten, eleven, tomorrow]);
}

async fn bad_ranges_are_refused_naming_the_parameter(b: Backend) {
    let app = TestApp::new(b).await;
    create(
        &app,
        meeting("Nine", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z"),
    )
    .await;
    for (query, parameter, words) in [
        ("from=2026-11-23T00:00:00Z", "to", "both"),
        ("to=2026-11-23T00:00:00Z", "from", "both"),
        (
            "from=2026-11-23T00:00:00Z&to=2026-11-23T00:00:00Z",
            "to",
            "after",
        ),
        (
            "from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z",
            "to",
            "after",
        ),
        (
            "from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z",
            "to",
            "366 days",
        ),
        ("from=soon&to=2026-11-23T00:00:00Z", "from", "invalid date"),
        ("from=2026-11-23T00:00:00Z&to=2026-13-01", "to", ""),
        (
            "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z&until=x",
            "",
            "",
        ),
    ] {
        let res = app
            .get(&format!("{APPOINTMENTS}?{}", query.replace('+', "%2B")))
            .await;
        let p = res.problem(400, "invalid-parameter");
        if !parameter.is_empty() {
            assert_eq!(p["parameter"], parameter, "{query}: {p}");
        }
        assert!(
            p["detail"].as_str().unwrap_or_default().contains(words),
            "{query}: {p}"
        );
    }
    // Exactly 366 days is fine.
    let res = range(&app, "2026-01-01T00:00:00Z", "2027-01-02T00:00:00Z", "").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

// ---------------------------------------------------------------------------------------------
// Filters and sorts
// ---------------------------------------------------------------------------------------------

async fn filters_find_appointments_by_attendee_link_owner_and_time(b: Backend) {
    let app = TestApp::new(b).await;
    let colleague = app.member(Role::Member).await;
    let ana = id_of(&app.create_contact(json!({"first_name": "Ana"})).await);
    let acme = id_of(&app.create_company(json!({"name": "Acme"})).await);
    let mut first = meeting("Alpha", "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z");
    first["attendees"] = json!({"contacts": [ana], "users": [app.owner.user_id.to_string()]});
    first["records"] = json!([{"type": "companies", "id": acme}]);
    let a = create(&app, first).await;
    let mut second = meeting("Bravo", "2026-11-22T09:00:00Z", "2026-11-22T12:00:00Z");
    second["owner_id"] = json!(colleague.user_id.to_string());
    second["attendees"] = json!({"users": [colleague.user_id.to_string()]});
    second["time_zone"] = json!("America/New_York");
    let bravo = create(&app, second).await;
    let mut third = meeting("Charlie", "2026-11-24T09:00:00Z", "2026-11-24T09:30:00Z");
    third["owner_id"] = json!(colleague.user_id.to_string());
    third["records"] = json!([{"type": "contacts", "id": ana}]);
    let c = create(&app, third).await;
    let cases: Vec<(String, Vec<&String>)> = vec![
        (format!(r#"attendees.contacts eq "{ana}""#), vec![&a]),
        (r#"attendees.users eq "me""#.into(), vec![&a]),
        (r#"attendees.users ne "me""#.into(), vec![&bravo, &c]),
        ("attendees.users is_null".into(), vec![&c]),
        ("attendees.contacts is_null false".into(), vec![&a]),
        (
            format!(r#"attendees.users in ("me", "{}")"#, colleague.user_id),
            vec![&a, &bravo],
        ),
        (r#"records.type eq "companies""#.into(), vec![&a]),
        (format!(r#"records.id eq "{ana}""#), vec![&c]),
        ("records.type is_null".into(), vec![&bravo]),
        (r#"owner_id eq "me""#.into(), vec![&a]),
        (
            r#"owner_id eq "me" or attendees.users eq "me""#.into(),
            vec![&a],
        ),
        (r#"time_zone eq "America/New_York""#.into(), vec![&bravo]),
        (
            r#"starts_at gte "2026-11-23T00:00:00Z""#.into(),
            vec![&a, &c],
        ),
        (
            r#"ends_at lte "2026-11-23T10:00:00Z""#.into(),
            vec![&a, &bravo],
        ),
        (r#"title starts_with "ch""#.into(), vec![&c]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            sorted(filter_ids(&app, APPOINTMENTS, &filter).await),
            sorted(expected.into_iter().cloned().collect()),
            "{filter}"
        );
    }
    // Soonest first by default; other sorts on request.
    assert_eq!(
        ids(&get_ok(&app, APPOINTMENTS).await),
        [bravo.clone(), a.clone(), c.clone()]
    );
    assert_eq!(
        ids(&get_ok(&app, &format!("{APPOINTMENTS}?sort=-ends_at")).await),
        [c.clone(), a.clone(), bravo.clone()]
    );
    assert_eq!(
        ids(&get_ok(&app, &format!("{APPOINTMENTS}?sort=title")).await),
        [a, bravo, c]
    );
    let p = app
        .get(&format!("{APPOINTMENTS}?sort=time_zone"))
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(p["parameter"], "sort");
}

// ---------------------------------------------------------------------------------------------
// Calendar feed
// ---------------------------------------------------------------------------------------------

/// Reads a feed as RFC 5545 says: CRLF lines of at most 75 octets, continuation lines starting
/// with a space; returns each VEVENT as property name -> raw value.
fn events(text: &str) -> Vec<BTreeMap<String, String>> {
    assert!(text.ends_with("\r\n"), "ends with CRLF");
    let physical: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    for line in &physical {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let mut lines: Vec<String> = Vec::new();
    for line in physical {
        match line.strip_prefix(' ') {
            Some(rest) => lines
                .last_mut()
                .unwrap_or_else(|| panic!("continuation first: {line:?}"))
                .push_str(rest),
            None => lines.push(line.to_owned()),
        }
    }
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.iter().any(|l| l == "VERSION:2.0"));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    let mut out = Vec::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    for line in lines {
        match line.as_str() {
            "BEGIN:VEVENT" => current = Some(BTreeMap::new()),
            "END:VEVENT" => out.push(
                current
                    .take()
                    .unwrap_or_else(|| panic!("END without BEGIN")),
            ),
            _ => {
                if let Some(event) = current.as_mut() {
                    let (name, value) = line
                        .split_once(':')
                        .unwrap_or_else(|| panic!("no colon: {line:?}"));
                    event.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }
    out
}

/// Undoes RFC 5545 TEXT escaping.
fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn feed_path(url: &str) -> String {
    let start = url
        .find("/calendar/")
        .unwrap_or_else(|| panic!("feed url {url}"));
    url[start..].to_owned()
}

async fn new_feed(app: &TestApp, token: &str) -> String {
    let res = app.request(Method::POST, TOKEN).bearer(token).send().await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    let secret = body["token"].as_str().unwrap_or_default().to_owned();
    assert!(secret.starts_with("rcal_"), "{body}");
    let url = body["url"].as_str().unwrap_or_default().to_owned();
    assert!(url.ends_with(&format!("/calendar/{secret}.ics")), "{body}");
    feed_path(&url)
}

async fn the_feed_serves_my_appointments_as_icalendar_until_revoked(b: Backend) {
    let app = TestApp::new(b).await;
    let colleague = app.member(Role::Member).await;
    let now = Utc::now();
    let hours = |h: i64| ts(now + TimeDelta::hours(h));
    let mut owned = meeting("Kick-off, part 1; the plan", &hours(24), &hours(26));
    owned["location"] = json!("Room 4, floor 2");
    owned["video_url"] = json!("https://meet.example.com/kick-off");
    let long_notes = format!("Agenda:\n1. Scope\n2. {}", "Budget é老 ".repeat(30));
    owned["description"] = json!(long_notes);
    let owned = create(&app, owned).await;
    // The colleague's meeting I attend is in my feed; the one I do not attend is not.
    let mut attended = meeting("Their review", &hours(48), &hours(49));
    attended["owner_id"] = json!(colleague.user_id.to_string());
    attended["attendees"] = json!({"users": [app.owner.user_id.to_string()]});
    let attended = create(&app, attended).await;
    let mut not_mine = meeting("Their 1:1", &hours(50), &hours(51));
    not_mine["owner_id"] = json!(colleague.user_id.to_string());
    let not_mine = create(&app, not_mine).await;
    // The window: 30 days back, 365 ahead.
    let recent = create(
        &app,
        meeting("Last week", &hours(-24 * 7), &hours(-24 * 7 + 1)),
    )
    .await;
    create(
        &app,
        meeting("Long ago", &hours(-24 * 40), &hours(-24 * 40 + 1)),
    )
    .await;
    create(
        &app,
        meeting("Far ahead", &hours(24 * 400), &hours(24 * 400 + 1)),
    )
    .await;
    let deleted = create(&app, meeting("Cancelled", &hours(30), &hours(31))).await;
    app.delete(&at(&deleted)).await;

    let path = new_feed(&app, &app.owner.token).await;
    let res = app.request(Method::GET, &path).anonymous().send().await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        res.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    assert!(
        res.header("cache-control")
            .is_some_and(|c| c.contains("no-store")),
        "personal data is not cached"
    );
    let text = res.text();
    let found = events(&text);
    let uids: Vec<&str> = found.iter().map(|e| e["UID"].as_str()).collect();
    assert_eq!(
        uids,
        [recent.as_str(), owned.as_str(), attended.as_str()],
        "mine and attended, in the window, earliest first"
    );
    assert!(!text.contains(&not_mine));

    let stored = get_ok(&app, &at(&owned)).await;
    let e = found
        .iter()
        .find(|e| e["UID"] == owned)
        .unwrap_or_else(|| panic!("{owned} in {text}"));
    let utc = |v: &Value| {
        DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default())
            .map(|t| t.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string())
            .unwrap_or_default()
    };
    assert_eq!(e["DTSTART"], utc(&stored["starts_at"]));
    assert_eq!(e["DTEND"], utc(&stored["ends_at"]));
    assert!(e["DTSTART"].ends_with('Z'));
    assert_eq!(e["SUMMARY"], "Kick-off\\, part 1\\; the plan");
    assert_eq!(unescape(&e["SUMMARY"]), "Kick-off, part 1; the plan");
    assert_eq!(unescape(&e["LOCATION"]), "Room 4, floor 2");
    assert_eq!(e["URL"], "https://meet.example.com/kick-off");
    assert_eq!(unescape(&e["DESCRIPTION"]), long_notes.trim_end());
    assert!(e.contains_key("DTSTAMP"));
    assert!(
        text.contains("\r\n "),
        "the long description is folded over several lines"
    );

    // The colleague's own feed shows theirs: the 1:1 they own and the review they own.
    let theirs = new_feed(&app, &colleague.token).await;
    let res = app.request(Method::GET, &theirs).anonymous().send().await;
    let their_uids: Vec<String> = events(&res.text())
        .into_iter()
        .map(|e| e["UID"].clone())
        .collect();
    assert_eq!(their_uids, [attended.clone(), not_mine.clone()]);

    // A new token replaces the old one; revoking closes the feed; unknown ones are 404.
    let replaced = new_feed(&app, &app.owner.token).await;
    assert_ne!(replaced, path);
    app.request(Method::GET, &path)
        .anonymous()
        .send()
        .await
        .problem(404, "not-found");
    let res = app.request(Method::GET, &replaced).anonymous().send().await;
    assert_eq!(res.status, StatusCode::OK);
    let res = app.delete(TOKEN).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    app.request(Method::GET, &replaced)
        .anonymous()
        .send()
        .await
        .problem(404, "not-found");
    app.delete(TOKEN).await.problem(404, "not-found");
    for bad in [
        "/calendar/rcal_unknown.ics".to_owned(),
        replaced.trim_end_matches(".ics").to_owned(),
        format!("{}.txt", replaced.trim_end_matches(".ics")),
        "/calendar/.ics".to_owned(),
    ] {
        app.request(Method::GET, &bad)
            .anonymous()
            .send()
            .await
            .problem(404, "not-found");
    }

    // A member who leaves the workspace loses their feed.
    let res = app
        .delete(&format!("/api/v1/members/{}", colleague.user_id))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    app.request(Method::GET, &theirs)
        .anonymous()
        .send()
        .await
        .problem(404, "not-found");
}

async fn feed_tokens_need_a_caller_and_are_stored_hashed(b: Backend) {
    let app = TestApp::new(b).await;
    app.request(Method::POST, TOKEN)
        .anonymous()
        .send()
        .await
        .problem(401, "unauthenticated");
    // A read-only token may not mint a credential (like API tokens).
    let read_only = app.token_with("read").await;
    app.request(Method::POST, TOKEN)
        .bearer(&read_only)
        .send()
        .await
        .problem(403, "forbidden");
    let path = new_feed(&app, &app.owner.token).await;
    let secret = path
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics")
        .to_owned();
    assert_eq!(app.count_rows("calendar_feeds").await, 1);
    app.execute(&format!(
        "DELETE FROM calendar_feeds WHERE token_hash = '{secret}'"
    ))
    .await;
    assert_eq!(
        app.count_rows("calendar_feeds").await,
        1,
        "only the digest is stored, never the secret"
    );
}

both_backends!(
    an_appointment_is_created_with_its_attendees_links_and_the_creator_as_owner,
    bad_fields_are_listed_with_their_pointers_and_nothing_is_written,
    attendees_links_and_owner_must_belong_to_this_workspace,
    a_meeting_outlives_its_attendees_but_cannot_invite_missing_ones,
    patches_replace_attendees_and_keep_the_end_after_the_start,
    ranges_list_overlapping_appointments_and_leave_touching_ones_out,
    bad_ranges_are_refused_naming_the_parameter,
    filters_find_appointments_by_attendee_link_owner_and_time,
    the_feed_serves_my_appointments_as_icalendar_until_revoked,
    feed_tokens_need_a_caller_and_are_stored_hashed,
);
