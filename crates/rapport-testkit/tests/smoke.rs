//! The testkit itself: both backends start, migrate and answer.

use rapport_testkit::{Backend, TestApp, both_backends};
use serde_json::json;

async fn an_app_starts_and_creates_a_contact(b: Backend) {
    let app = TestApp::new(b).await;
    let c = app.create_contact(json!({"first_name": "Ana"})).await;
    assert_eq!(c["first_name"], "Ana");
    assert_eq!(app.count_rows("contacts").await, 1);
}

both_backends!(an_app_starts_and_creates_a_contact);
