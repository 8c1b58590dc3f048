//! The store on its own, on both databases: migrations round trip, keyset pagination in every sort
//! direction, optimistic versions, the search index kept in step, idempotency claims.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use chrono::Duration;
use rapport_domain::ids::{ContactId, WorkspaceId};
use rapport_domain::objects::{Contact, ContactDraft, time};
use rapport_domain::query::parse_sort;
use rapport_domain::schema::CONTACTS;
use rapport_store::contacts::ContactRow;
use rapport_store::idempotency::{self, Claim, StoredResponse};
use rapport_store::list::ListParams;
use rapport_store::migrate::{self, SchemaState};
use rapport_store::records;
use rapport_store::{Db, DbConfig, StoreError, search, workspaces};
use rapport_testkit::{Backend, TestDb, both_backends};
use serde_json::json;

const WS: WorkspaceId = WorkspaceId(uuid::Uuid::from_u128(1));

async fn create_workspace(db: &Db, id: WorkspaceId, name: &str) {
    let mut tx = db.begin().await.expect("begin");
    workspaces::create(&mut tx, id, name)
        .await
        .expect("workspace");
    tx.commit().await.expect("commit");
}

async fn open(b: Backend) -> (TestDb, Db) {
    let tdb = TestDb::new(b).await;
    let db = Db::connect(&DbConfig::new(tdb.url.clone()))
        .await
        .expect("connect");
    migrate::up(&db, None).await.expect("migrate");
    create_workspace(&db, WS, "Default").await;
    (tdb, db)
}

fn contact(first: &str, last: &str) -> Contact {
    let fields =
        ContactDraft::parse(json!({"first_name": first, "last_name": last}), None).expect("draft");
    let now = time::now_millis();
    Contact {
        id: ContactId::new(),
        fields,
        created_at: now,
        updated_at: now,
        version: 1,
        warnings: Vec::new(),
    }
}

async fn insert(db: &Db, c: &Contact) {
    let mut tx = db.begin().await.expect("begin");
    records::insert::<ContactRow>(&mut tx, WS, c)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
}

async fn migrations_go_down_and_up_again(b: Backend) {
    let (_t, db) = open(b).await;
    let latest = migrate::latest_version(db.backend());
    assert!(latest >= 27, "{latest}");
    assert_eq!(
        migrate::state(&db).await.expect("state"),
        SchemaState::Current { version: latest }
    );
    migrate::down(&db, 0).await.expect("down");
    assert!(matches!(
        migrate::state(&db).await.expect("state"),
        SchemaState::Pending { applied: 0, .. }
    ));
    assert_eq!(
        migrate::up(&db, None).await.expect("up"),
        (1..=latest).collect::<Vec<_>>()
    );
    assert_eq!(
        migrate::state(&db).await.expect("state"),
        SchemaState::Current { version: latest }
    );
}

async fn keyset_pages_cover_every_row_once_in_every_direction(b: Backend) {
    let (_t, db) = open(b).await;
    // Repeated last names make the id tie-breaker matter.
    for i in 0..53 {
        insert(
            &db,
            &contact(&format!("F{i:02}"), ["Abe", "Bo", "Cy", "Bo"][i % 4]),
        )
        .await;
    }
    for sort in [
        "-created_at",
        "last_name",
        "-last_name",
        "last_name,-first_name",
        "-updated_at,first_name",
    ] {
        let keys = parse_sort(sort, &CONTACTS).expect("sort");
        let (mut seen, mut cursor, mut previous) =
            (Vec::new(), None::<String>, None::<(String, String)>);
        loop {
            let page = records::list::<ContactRow>(
                &db,
                WS,
                ListParams {
                    filter: None,
                    sort: &keys,
                    limit: 7,
                    cursor: cursor.as_deref(),
                    include_total: false,
                },
            )
            .await
            .expect("page");
            for c in &page.items {
                let key = (
                    c.fields.last_name.clone().unwrap_or_default(),
                    c.fields.first_name.clone().unwrap_or_default(),
                );
                if sort == "last_name"
                    && let Some(p) = &previous
                {
                    assert!(p.0 <= key.0, "{sort}: {p:?} before {key:?}");
                }
                previous = Some(key);
                seen.push(c.id);
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            (seen.len(), unique.len()),
            (53, 53),
            "{sort}: every row exactly once"
        );
    }
}

async fn a_stale_version_changes_nothing(b: Backend) {
    let (_t, db) = open(b).await;
    let c = contact("Ana", "Lima");
    insert(&db, &c).await;
    let mut renamed = c.clone();
    renamed.fields.first_name = Some("Anna".into());
    renamed.version = 2;
    let mut tx = db.begin().await.expect("begin");
    assert!(matches!(
        records::update::<ContactRow>(&mut tx, WS, &renamed, 5).await,
        Err(StoreError::VersionMismatch)
    ));
    drop(tx);
    let stored = records::find::<ContactRow>(&db, WS, c.id.0)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(
        (stored.fields.first_name.as_deref(), stored.version),
        (Some("Ana"), 1)
    );
}

async fn search_follows_writes_and_deletes_in_the_same_transaction(b: Backend) {
    let (_t, db) = open(b).await;
    let c = contact("Anastasia", "Volkova");
    insert(&db, &c).await;
    let hits = search::query(&db, WS, "anas", &[search::CONTACT], 10)
        .await
        .expect("search");
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![c.id.0]);

    // A rolled-back rename leaves the index as it was.
    let mut renamed = c.clone();
    renamed.fields.first_name = Some("Natalia".into());
    renamed.version = 2;
    let mut tx = db.begin().await.expect("begin");
    records::update::<ContactRow>(&mut tx, WS, &renamed, 1)
        .await
        .expect("update");
    drop(tx);
    assert!(
        search::query(&db, WS, "natalia", &[search::CONTACT], 10)
            .await
            .expect("search")
            .is_empty()
    );

    let mut tx = db.begin().await.expect("begin");
    let now = time::now_millis();
    records::set_deleted::<ContactRow>(&mut tx, WS, &c, Some(now), now, 1)
        .await
        .expect("delete");
    tx.commit().await.expect("commit");
    assert!(
        search::query(&db, WS, "anas", &[search::CONTACT], 10)
            .await
            .expect("search")
            .is_empty()
    );
    // Another workspace never sees this one's documents.
    let other = WorkspaceId::new();
    assert!(
        search::query(&db, other, "volkova", &[search::CONTACT], 10)
            .await
            .expect("search")
            .is_empty()
    );
}

async fn idempotency_claims_run_replay_refuse_and_take_over(b: Backend) {
    let (_t, db) = open(b).await;
    let lease = Duration::seconds(30);
    assert_eq!(
        idempotency::claim(&db, WS, "k1", "h1", lease)
            .await
            .expect("claim"),
        Claim::Run
    );
    assert_eq!(
        idempotency::claim(&db, WS, "k1", "h1", lease)
            .await
            .expect("claim"),
        Claim::InFlight
    );
    assert_eq!(
        idempotency::claim(&db, WS, "k1", "other", lease)
            .await
            .expect("claim"),
        Claim::Mismatch
    );
    let stored = StoredResponse {
        status: 201,
        headers: "{\"etag\":\"\\\"1\\\"\"}".into(),
        body: b"{\"id\":1}".to_vec(),
    };
    idempotency::complete(&db, WS, "k1", &stored)
        .await
        .expect("complete");
    assert_eq!(
        idempotency::claim(&db, WS, "k1", "h1", lease)
            .await
            .expect("claim"),
        Claim::Replay(stored)
    );

    // A holder that died: its lease has passed, the next request runs.
    assert_eq!(
        idempotency::claim(&db, WS, "k2", "h", Duration::milliseconds(-1))
            .await
            .expect("claim"),
        Claim::Run
    );
    assert_eq!(
        idempotency::claim(&db, WS, "k2", "h", lease)
            .await
            .expect("claim"),
        Claim::Run
    );

    // Released keys can be used again; keys are per workspace.
    idempotency::release(&db, WS, "k2").await.expect("release");
    assert_eq!(
        idempotency::claim(&db, WS, "k2", "new", lease)
            .await
            .expect("claim"),
        Claim::Run
    );
    let other = WorkspaceId::new();
    create_workspace(&db, other, "Other").await;
    assert_eq!(
        idempotency::claim(&db, other, "k1", "different", lease)
            .await
            .expect("claim"),
        Claim::Run
    );
}

/// Two transactions locking the same rows in opposite orders: PostgreSQL breaks the deadlock by
/// rolling one back, and the store reports it as a retryable `Unavailable`, not as a bug.
#[tokio::test]
async fn a_deadlock_is_reported_as_retryable() {
    let (_tdb, db) = open(Backend::Postgres).await;
    let (a, b) = (contact("Ann", "A"), contact("Bob", "B"));
    insert(&db, &a).await;
    insert(&db, &b).await;
    let mut first = db.begin().await.expect("begin");
    let mut second = db.begin().await.expect("begin");
    assert!(
        records::lock_live::<ContactRow>(&mut first, WS, a.id.0)
            .await
            .expect("lock a")
    );
    assert!(
        records::lock_live::<ContactRow>(&mut second, WS, b.id.0)
            .await
            .expect("lock b")
    );
    let crossing = tokio::spawn(async move {
        let r = records::lock_live::<ContactRow>(&mut first, WS, b.id.0).await;
        (r, first)
    });
    // Give the first transaction time to wait on b, so the second one closes the cycle.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let here = records::lock_live::<ContactRow>(&mut second, WS, a.id.0).await;
    drop(second);
    let (there, first) = crossing.await.expect("join");
    drop(first);
    let failed: Vec<StoreError> = [here, there].into_iter().filter_map(Result::err).collect();
    assert_eq!(
        failed.len(),
        1,
        "exactly one side is rolled back: {failed:?}"
    );
    assert!(
        matches!(&failed[0], StoreError::Unavailable(m) if m.contains("deadlock")),
        "{:?}",
        failed[0]
    );
}

/// A database that fills up while the server runs: the statistics are found stale once a
/// table has outgrown them, and a refresh brings them up to date, on every connection.
async fn statistics_follow_a_database_that_grows(b: Backend) {
    use sqlx::Connection;
    let (t, db) = open(b).await;
    db.refresh_statistics().await.expect("refresh while empty");
    assert!(
        !db.statistics_are_stale().await.expect("sizes"),
        "an empty database has nothing to plan for"
    );
    let mut tx = db.begin().await.expect("begin");
    for i in 0..1200 {
        records::insert::<ContactRow>(&mut tx, WS, &contact(&format!("F{i}"), "Grown"))
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    // PostgreSQL counts changes for its statistics views a moment after the commit.
    let mut stale = false;
    for _ in 0..50 {
        stale = db.statistics_are_stale().await.expect("sizes");
        if stale {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(stale, "1,200 contacts against statistics of none");
    db.refresh_statistics().await.expect("refresh");
    assert!(!db.statistics_are_stale().await.expect("sizes"));
    // Read on a connection of its own, as any reader would.
    let n: i64 = match b {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&t.url)
                .await
                .expect("sqlite");
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'contacts'")
                .fetch_one(&mut c)
                .await
                .expect("stats")
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&t.url).await.expect("pg");
            sqlx::query_scalar("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'contacts'")
                .fetch_one(&mut c)
                .await
                .expect("stats")
        }
    };
    assert!(n > 0, "the planner has statistics of contacts now");
}

both_backends!(
    statistics_follow_a_database_that_grows,
    migrations_go_down_and_up_again,
    keyset_pages_cover_every_row_once_in_every_direction,
    a_stale_version_changes_nothing,
    search_follows_writes_and_deletes_in_the_same_transaction,
    idempotency_claims_run_replay_refuse_and_take_over,
);
