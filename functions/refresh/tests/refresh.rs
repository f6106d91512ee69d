//! `POST /auth/refresh` against DynamoDB Local: rotation, reuse detection, concurrency.

use futures::future::join_all;
use refresh::handle;
use serde_json::json;
use shared::ExposeSecret;
use shared::domain::{FamilyId, unix_now};
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

const ROUTE: &str = "POST /auth/refresh";

async fn refresh_with(app: &TestApp, token: &str) -> TestResponse {
    let event = ApiEvent::new(ROUTE, "/auth/refresh").json(&json!({"refreshToken": token}));
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

/// A logged-in user's first refresh token, as login makes it.
async fn logged_in(app: &TestApp) -> (shared::domain::User, String) {
    let user = app.user("Ada", "ada@example.com").await;
    let pair = app.session(&user).await;
    (user, pair.refresh_token)
}

#[tokio::test]
async fn a_refresh_rotates_both_tokens() {
    let app = TestApp::spawn().await;
    let (user, a) = logged_in(&app).await;
    let response = refresh_with(&app, &a).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    let data = &response.body["data"];
    let mut keys: Vec<_> = data.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["accessToken", "expiresIn", "refreshToken", "tokenType"]
    );
    assert_eq!(data["tokenType"], "Bearer");
    let b = data["refreshToken"].as_str().unwrap();
    assert_ne!(b, a);
    let access = app
        .app
        .tokens
        .verify_access(data["accessToken"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(access.sub, user.id.to_string());
    // B works in its turn.
    assert_eq!(refresh_with(&app, b).await.status, 200);
}

#[tokio::test]
async fn replaying_a_used_token_revokes_the_family() {
    let app = TestApp::spawn().await;
    let (_, a) = logged_in(&app).await;
    let b = refresh_with(&app, &a).await.body["data"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let replay = refresh_with(&app, &a).await;
    assert_eq!(
        (replay.status, replay.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );
    // The newest token of the family fails from then on.
    let newest = refresh_with(&app, &b).await;
    assert_eq!(
        (newest.status, newest.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );
}

#[tokio::test]
async fn ten_concurrent_refreshes_of_one_token_give_exactly_one_200() {
    let app = TestApp::spawn().await;
    let (_, a) = logged_in(&app).await;
    let responses = join_all((0..10).map(|_| refresh_with(&app, &a))).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        responses
            .iter()
            .filter(|r| r.status != 200)
            .all(|r| r.code() == "INVALID_REFRESH_TOKEN")
    );
}

#[tokio::test]
async fn another_login_is_another_family() {
    let app = TestApp::spawn().await;
    let (user, a) = logged_in(&app).await;
    let other = app.session(&user).await.refresh_token;
    refresh_with(&app, &a).await;
    refresh_with(&app, &a).await; // reuse: revokes a's family only
    assert_eq!(refresh_with(&app, &other).await.status, 200);
}

#[tokio::test]
async fn access_tokens_garbage_and_foreign_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (user, _) = logged_in(&app).await;
    let access = app.token(&user);
    for token in [access.as_str(), "garbage", "a.b.c"] {
        let response = refresh_with(&app, token).await;
        assert_eq!(
            (response.status, response.code()),
            (401, "INVALID_REFRESH_TOKEN"),
            "{token}"
        );
    }
    // Validly signed, but for a family that was never stored.
    let (orphan, _) = app
        .app
        .tokens
        .issue_refresh(&user.id.to_string(), &FamilyId::new().to_string(), 1)
        .await
        .unwrap();
    assert_eq!(
        refresh_with(&app, orphan.token.expose_secret())
            .await
            .code(),
        "INVALID_REFRESH_TOKEN"
    );
}

#[tokio::test]
async fn an_expired_family_is_treated_as_absent_before_ttl_removes_it() {
    let app = TestApp::spawn().await;
    let user = app.user("Ada", "ada@example.com").await;
    // The token itself is still valid; its stored family expired a minute ago.
    let expired = app
        .refresh_token_in_family_expiring(&user, unix_now() - 60)
        .await;
    let response = refresh_with(&app, &expired).await;
    assert_eq!(
        (response.status, response.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );
    // The same with a live family passes, so the expiry is what refused it.
    let live = app
        .refresh_token_in_family_expiring(&user, unix_now() + 60)
        .await;
    assert_eq!(refresh_with(&app, &live).await.status, 200);
}

#[tokio::test]
async fn a_missing_or_invalid_field_is_a_validation_error() {
    let app = TestApp::spawn().await;
    for body in [
        json!({}),
        json!({"refreshToken": 5}),
        json!({"refreshToken": "x", "extra": 1}),
    ] {
        let event = ApiEvent::new(ROUTE, "/auth/refresh").json(&body);
        let response: TestResponse = serve(event.build(), |req| handle(&app.app, req))
            .await
            .into();
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn roles_are_read_again_at_refresh() {
    let app = TestApp::spawn().await;
    let (user, a) = logged_in(&app).await;
    app.direct
        .store
        .set_roles(
            &user.id,
            &[shared::domain::Role::User, shared::domain::Role::Admin],
        )
        .await
        .unwrap();
    let response = refresh_with(&app, &a).await;
    let access = app
        .app
        .tokens
        .verify_access(response.body["data"]["accessToken"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        access.roles,
        [shared::domain::Role::User, shared::domain::Role::Admin]
    );
}
