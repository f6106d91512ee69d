//! `POST /auth/logout` against DynamoDB Local.

use logout::handle;
use serde_json::json;
use shared::ExposeSecret;
use shared::auth::{RefreshToken, refresh_session};
use shared::domain::FromJsonField;
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn logout_with(app: &TestApp, token: &str) -> TestResponse {
    let event =
        ApiEvent::new("POST /auth/logout", "/auth/logout").json(&json!({"refreshToken": token}));
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

fn token(text: &str) -> RefreshToken {
    RefreshToken::from_json(json!(text)).unwrap()
}

#[tokio::test]
async fn logout_revokes_the_family_and_answers_204() {
    let app = TestApp::spawn().await;
    let user = app.user("Ada", "ada@example.com").await;
    let pair = app.session(&user).await;

    let response = logout_with(&app, &pair.refresh_token).await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_null());
    assert!(response.header("content-type").is_none());
    assert!(response.header("x-request-id").is_some());

    let refreshed = refresh_session(&app.direct, &token(&pair.refresh_token)).await;
    assert_eq!(refreshed.unwrap_err().code(), "INVALID_REFRESH_TOKEN");
    let again = logout_with(&app, &pair.refresh_token).await;
    assert_eq!((again.status, again.code()), (401, "INVALID_REFRESH_TOKEN"));
}

#[tokio::test]
async fn logout_with_a_used_token_is_refused_and_revokes_the_family() {
    let app = TestApp::spawn().await;
    let user = app.user("Ada", "ada@example.com").await;
    let a = app.session(&user).await.refresh_token;
    let b = refresh_session(&app.direct, &token(&a))
        .await
        .unwrap()
        .refresh_token;

    let response = logout_with(&app, &a).await;
    assert_eq!(
        (response.status, response.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );
    assert!(
        refresh_session(&app.direct, &token(b.expose_secret()))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn logout_leaves_other_sessions_alone() {
    let app = TestApp::spawn().await;
    let user = app.user("Ada", "ada@example.com").await;
    let phone = app.session(&user).await.refresh_token;
    let laptop = app.session(&user).await.refresh_token;
    assert_eq!(logout_with(&app, &phone).await.status, 204);
    assert!(refresh_session(&app.direct, &token(&laptop)).await.is_ok());
}

#[tokio::test]
async fn an_access_token_is_not_a_refresh_token() {
    let app = TestApp::spawn().await;
    let user = app.user("Ada", "ada@example.com").await;
    let response = logout_with(&app, &app.token(&user)).await;
    assert_eq!(
        (response.status, response.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );
    let empty = serve(
        ApiEvent::new("POST /auth/logout", "/auth/logout")
            .json(&json!({}))
            .build(),
        |req| handle(&app.app, req),
    )
    .await;
    assert_eq!(TestResponse::from(empty).code(), "VALIDATION_FAILED");
}
