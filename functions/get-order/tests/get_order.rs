//! `GET /orders/{id}` against DynamoDB Local.

use get_order::handle;
use shared::domain::{Order, OrderId, Timestamp, User};
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn get(app: &TestApp, id: &str, caller: Option<&User>) -> TestResponse {
    let mut event = ApiEvent::new("GET /orders/{id}", &format!("/orders/{id}"));
    if let Some(user) = caller {
        event = event.bearer(&app.token(user));
    }
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

async fn placed(app: &TestApp, owner: &User) -> Order {
    let product = app.product("Tea", 450, 10).await;
    app.order(owner, &product, 2).await
}

#[tokio::test]
async fn the_owner_and_admins_read_it_others_get_404() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    let admin = app.admin("root@example.com").await;
    let order = placed(&app, &ada).await;
    let id = order.id.to_string();

    let mine = get(&app, &id, Some(&ada)).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["data"], serde_json::to_value(&order).unwrap());
    assert_eq!(get(&app, &id, Some(&admin)).await.status, 200);

    let theirs = get(&app, &id, Some(&bob)).await;
    let absent = get(&app, &OrderId::new().to_string(), Some(&bob)).await;
    assert_eq!((theirs.status, theirs.code()), (404, "NOT_FOUND"));
    assert_eq!(
        theirs.body["message"], absent.body["message"],
        "indistinguishable from absent"
    );
    assert_eq!(get(&app, "garbage", Some(&ada)).await.status, 404);
    assert_eq!(get(&app, &id, None).await.status, 401);
}

async fn get_if_none_match(app: &TestApp, id: &str, caller: &User, tag: &str) -> TestResponse {
    let event = ApiEvent::new("GET /orders/{id}", &format!("/orders/{id}"))
        .bearer(&app.token(caller))
        .header("if-none-match", tag);
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

#[tokio::test]
async fn a_strong_etag_304_when_it_matches_and_a_cancel_moves_it() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    let order = placed(&app, &ada).await;
    let id = order.id.to_string();

    let first = get(&app, &id, Some(&ada)).await;
    assert_eq!(first.header("etag"), Some("\"v1\""));
    let unchanged = get_if_none_match(&app, &id, &ada, "\"v1\"").await;
    assert_eq!(unchanged.status, 304);
    assert_eq!(unchanged.body, serde_json::Value::Null, "no body");
    assert_eq!(unchanged.header("etag"), Some("\"v1\""));
    assert_eq!(unchanged.header("cache-control"), Some("no-store"));
    assert_eq!(unchanged.header("x-content-type-options"), Some("nosniff"));
    assert!(unchanged.header("x-request-id").is_some());
    assert!(unchanged.header("strict-transport-security").is_some());
    assert!(unchanged.header("content-type").is_none());
    // Someone else's order is 404 whatever the tag: a 304 would confirm the id.
    let theirs = get_if_none_match(&app, &id, &bob, "\"v1\"").await;
    assert_eq!(theirs.status, 404);

    app.direct
        .store
        .cancel_order(&order, Timestamp::now())
        .await
        .unwrap();
    let after = get_if_none_match(&app, &id, &ada, "\"v1\"").await;
    assert_eq!(after.status, 200, "the cancel changed the representation");
    assert_eq!(after.header("etag"), Some("\"v2\""));
    assert_eq!(after.body["data"]["status"], "cancelled");
    assert!(after.body["data"]["cancelledAt"].is_string());
    assert_eq!(
        get_if_none_match(&app, &id, &ada, "\"v2\"").await.status,
        304
    );
}
