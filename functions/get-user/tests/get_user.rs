//! `GET /users/{id}` against DynamoDB Local, through real API Gateway v2 events.

use get_user::handle;
use shared::ExposeSecret;
use shared::domain::UserId;
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

const ROUTE: &str = "GET /users/{id}";

async fn get(app: &TestApp, id: &str, token: Option<&str>) -> TestResponse {
    let mut event = ApiEvent::new(ROUTE, &format!("/users/{id}"));
    if let Some(token) = token {
        event = event.bearer(token);
    }
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

#[tokio::test]
async fn a_user_reads_themself() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let response = get(&app, &ada.id.to_string(), Some(&app.token(&ada))).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.body["status"], "success");
    assert_eq!(response.body["data"]["id"], ada.id.to_string());
    assert_eq!(response.body["data"]["email"], "ada@example.com");
    assert!(response.body["data"].get("passwordHash").is_none());
}

#[tokio::test]
async fn another_user_is_forbidden_and_an_admin_is_allowed() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    let admin = app.admin("root@example.com").await;

    let by_bob = get(&app, &ada.id.to_string(), Some(&app.token(&bob))).await;
    assert_eq!((by_bob.status, by_bob.code()), (403, "FORBIDDEN"));
    // Whether the id exists is not revealed to a non-admin.
    let probe = get(&app, &UserId::new().to_string(), Some(&app.token(&bob))).await;
    assert_eq!(probe.status, 403);
    let garbage = get(&app, "not-an-id", Some(&app.token(&bob))).await;
    assert_eq!(garbage.status, 403);

    let by_admin = get(&app, &ada.id.to_string(), Some(&app.token(&admin))).await;
    assert_eq!(by_admin.status, 200);
    assert_eq!(by_admin.body["data"]["name"], "Ada");
    assert_eq!(
        get(&app, &admin.id.to_string(), Some(&app.token(&admin)))
            .await
            .body["data"]["roles"],
        serde_json::json!(["user", "admin"])
    );
}

#[tokio::test]
async fn absent_users_are_404_for_an_admin() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    for id in [UserId::new().to_string(), "not-an-id".to_owned()] {
        let response = get(&app, &id, Some(&app.token(&admin))).await;
        assert_eq!(
            (response.status, response.code()),
            (404, "NOT_FOUND"),
            "{id}"
        );
    }
}

#[tokio::test]
async fn a_token_for_a_deleted_or_never_stored_user_reads_nothing() {
    let app = TestApp::spawn().await;
    let ghost = shared::domain::UserRecord::new(
        shared::domain::UserName::parse("Ghost").unwrap(),
        shared::domain::Email::parse("ghost@example.com").unwrap(),
        shared::domain::PasswordHash::from_phc(String::new()),
    )
    .user;
    let response = get(&app, &ghost.id.to_string(), Some(&app.token(&ghost))).await;
    assert_eq!((response.status, response.code()), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn missing_malformed_or_foreign_tokens_are_401() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let id = ada.id.to_string();
    // Signed with a key that is not ours, under our key's id.
    let mut impostor = shared::auth::AccessKey::generate();
    impostor.kid = app.keys.access.current.kid.clone();
    let forged = app.app.tokens.access_token_signed_with(&impostor, &ada);
    let (refresh, _) = app
        .app
        .tokens
        .issue_refresh(&id, &shared::domain::FamilyId::new().to_string(), 1)
        .await
        .unwrap();

    for token in [
        None,
        Some("garbage"),
        Some(forged.as_str()),
        Some(refresh.token.expose_secret()),
    ] {
        let response = get(&app, &id, token).await;
        assert_eq!(
            (response.status, response.code()),
            (401, "UNAUTHENTICATED"),
            "{token:?}"
        );
    }
    let basic: TestResponse = serve(
        ApiEvent::new(ROUTE, &format!("/users/{id}"))
            .header("authorization", "Basic YWRhOnB3")
            .build(),
        |req| handle(&app.app, req),
    )
    .await
    .into();
    assert_eq!(basic.status, 401);
}

async fn get_if_none_match(app: &TestApp, id: &str, token: &str, tag: &str) -> TestResponse {
    let event = ApiEvent::new(ROUTE, &format!("/users/{id}"))
        .bearer(token)
        .header("if-none-match", tag);
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

#[tokio::test]
async fn a_strong_etag_304_when_it_matches_and_an_edit_moves_it() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    let id = ada.id.to_string();
    let token = app.token(&ada);

    let first = get(&app, &id, Some(&token)).await;
    assert_eq!(first.header("etag"), Some("\"v1\""));
    let unchanged = get_if_none_match(&app, &id, &token, "\"v1\"").await;
    assert_eq!(unchanged.status, 304);
    assert_eq!(unchanged.body, serde_json::Value::Null, "no body");
    assert_eq!(unchanged.header("etag"), Some("\"v1\""));
    assert_eq!(unchanged.header("cache-control"), Some("no-store"));
    assert_eq!(unchanged.header("x-content-type-options"), Some("nosniff"));
    assert!(unchanged.header("x-request-id").is_some());
    assert!(unchanged.header("strict-transport-security").is_some());
    // Not allowed to read it, not allowed to learn it is unchanged.
    let probe = get_if_none_match(&app, &id, &app.token(&bob), "*").await;
    assert_eq!(probe.status, 403);

    let current = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    let mut next = current.clone();
    next.user.name = shared::domain::UserName::parse("Ada King").unwrap();
    next.version += 1;
    app.direct
        .store
        .update_user(&shared::store::UserUpdate { current, next })
        .await
        .unwrap();
    let after = get_if_none_match(&app, &id, &token, "\"v1\"").await;
    assert_eq!(after.status, 200, "the edit changed the representation");
    assert_eq!(after.header("etag"), Some("\"v2\""));
    assert_eq!(after.body["data"]["name"], "Ada King");
    assert_eq!(
        get_if_none_match(&app, &id, &token, "\"v2\"").await.status,
        304
    );
}
