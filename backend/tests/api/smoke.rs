//! The shortest path through the system: health, sign-in, a list.
use crate::{db_tests, helpers::TestApp};

db_tests!(signs_in_and_lists_departments);

async fn signs_in_and_lists_departments(app: TestApp) {
    let health = app.call(reqwest::Method::GET, "/health", None, None).await;
    assert_eq!(
        (health.status, health.body["status"].as_str()),
        (200, Some("ok"))
    );
    let ready = app.call(reqwest::Method::GET, "/ready", None, None).await;
    assert_eq!(ready.body["status"], "ready");

    let token = app.admin().await;
    let created = app
        .post(
            "/api/v1/departments",
            &token,
            serde_json::json!({"code": "INT", "name": "内科"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let list = app.get("/api/v1/departments", &token).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["name"], "内科");
}
