//! `GET /orders` against DynamoDB Local: the caller's orders, newest first, by cursor.

use list_orders::handle;
use shared::domain::{Order, User};
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn list(app: &TestApp, user: &User, query: &str) -> TestResponse {
    let event = ApiEvent::new("GET /orders", &format!("/orders{query}")).bearer(&app.token(user));
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

/// `count` one-line orders for `user`, oldest first.
async fn orders(app: &TestApp, user: &User, count: usize) -> Vec<Order> {
    let product = app.product("Tea", 450, 1000).await;
    let mut placed = Vec::new();
    for _ in 0..count {
        let order = app.order(user, &product, 1).await;
        placed.push(order);
    }
    placed
}

fn ids(response: &TestResponse) -> Vec<String> {
    response.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_through_every_order_once_newest_first() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    let placed = orders(&app, &ada, 25).await;
    orders(&app, &bob, 3).await;

    let mut seen = Vec::new();
    let mut query = "?limit=10".to_owned();
    let mut pages = 0;
    loop {
        let page = list(&app, &ada, &query).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        assert_eq!(page.body["pagination"]["limit"], 10);
        pages += 1;
        seen.extend(ids(&page));
        match page.body["pagination"]["nextCursor"].as_str() {
            Some(cursor) => query = format!("?limit=10&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let newest_first: Vec<String> = placed.iter().rev().map(|o| o.id.to_string()).collect();
    assert_eq!(
        seen, newest_first,
        "all 25 exactly once, newest first, none of Bob's"
    );
}

#[tokio::test]
async fn defaults_to_twenty_and_says_when_there_is_no_more() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    orders(&app, &ada, 21).await;
    let first = list(&app, &ada, "").await;
    assert_eq!(ids(&first).len(), 20);
    assert_eq!(first.body["pagination"]["limit"], 20);
    let cursor = first.body["pagination"]["nextCursor"].as_str().unwrap();
    let second = list(&app, &ada, &format!("?cursor={cursor}")).await;
    assert_eq!(ids(&second).len(), 1);
    assert!(second.body["pagination"]["nextCursor"].is_null());

    let nobody = app.user("Nobody", "nobody@example.com").await;
    let empty = list(&app, &nobody, "").await;
    assert_eq!(empty.body["data"], serde_json::json!([]));
    assert!(empty.body["pagination"]["nextCursor"].is_null());
}

#[tokio::test]
async fn tampered_or_foreign_cursors_and_bad_limits_are_validation_errors() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    orders(&app, &ada, 3).await;
    let page = list(&app, &ada, "?limit=1").await;
    let cursor = page.body["pagination"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut tampered = cursor.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (user, query) in [
        (&ada, format!("?cursor={tampered}")),
        (&bob, format!("?cursor={cursor}")),
        (&ada, "?cursor=garbage".to_owned()),
    ] {
        let response = list(&app, user, &query).await;
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{query}"
        );
        assert_eq!(response.error_fields(), ["cursor"]);
    }
    for limit in ["0", "101", "ten", "-1", "2.5"] {
        let response = list(&app, &ada, &format!("?limit={limit}")).await;
        assert_eq!(response.error_fields(), ["limit"], "{limit}");
    }
    assert_eq!(list(&app, &ada, "?limit=100").await.status, 200);
}

#[tokio::test]
async fn needs_a_token() {
    let app = TestApp::spawn().await;
    let response: TestResponse = serve(ApiEvent::new("GET /orders", "/orders").build(), |req| {
        handle(&app.app, req)
    })
    .await
    .into();
    assert_eq!((response.status, response.code()), (401, "UNAUTHENTICATED"));
}
