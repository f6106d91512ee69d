//! `GET /orders/{id}` against DynamoDB Local.

use get_order::handle;
use shared::domain::{Order, OrderId, User};
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
