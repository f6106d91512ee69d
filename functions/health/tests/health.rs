//! `GET /health`: against DynamoDB Local, an unreachable endpoint and one that never answers.

use std::time::{Duration, Instant};

use shared::App;
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse, test_config};

async fn check(app: &App) -> (TestResponse, Duration) {
    let started = Instant::now();
    let response = serve(ApiEvent::new("GET /health", "/health").build(), |req| {
        health::handle(app, req)
    })
    .await;
    (response.into(), started.elapsed())
}

#[tokio::test]
async fn ok_when_the_table_answers() {
    let app = TestApp::spawn().await;
    let (response, _) = check(&app.app).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body,
        serde_json::json!({"status": "success", "data": {"status": "ok", "dynamodb": "ok"}})
    );
}

#[tokio::test]
async fn unavailable_when_the_table_does_not_exist() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap();
    let app = App::build(test_config("no-such-table", Some(&endpoint))).await;
    let (response, _) = check(&app).await;
    assert_eq!(
        (response.status, response.code()),
        (503, "SERVICE_UNAVAILABLE")
    );
}

#[tokio::test]
async fn unavailable_quickly_when_dynamodb_is_down() {
    // Nothing listens on this port: connections are refused, as with DynamoDB Local stopped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = App::build(test_config(
        "app",
        Some(&format!("http://127.0.0.1:{port}")),
    ))
    .await;
    let (response, elapsed) = check(&app).await;
    assert_eq!(
        (response.status, response.code()),
        (503, "SERVICE_UNAVAILABLE")
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
}

#[tokio::test]
async fn unavailable_in_time_when_dynamodb_hangs() {
    // Accepts connections and never answers: only a timeout can end the call.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = App::build(test_config(
        "app",
        Some(&format!("http://127.0.0.1:{port}")),
    ))
    .await;
    let (response, elapsed) = check(&app).await;
    assert_eq!(
        (response.status, response.code()),
        (503, "SERVICE_UNAVAILABLE")
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    drop(listener);
}
