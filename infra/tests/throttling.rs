//! DynamoDB throttling under a running app, injected on the wire (`TestApp::throttle`): a read
//! route, a write route, the order transaction (create and cancel) and login's failure counters
//! answer 503 `SERVICE_UNAVAILABLE` with `Retry-After` while DynamoDB refuses, leave nothing
//! half-written, and work again when it stops; a throttle that clears within the SDK's own
//! retries (3 attempts, shared/src/store/client.rs) never reaches the client.

use std::collections::HashMap;

use serde_json::json;
use shared::domain::{Order, Product, User};
use shared::http::serve;
use shared::store::attrs::{TYPE, item_type};
use shared::test_support::{ApiEvent, Refusal, TEST_PASSWORD, TestApp, TestResponse, Times};

/// Both ways DynamoDB refuses a single call.
const REFUSALS: [Refusal; 2] = [Refusal::Throttling, Refusal::ProvisionedThroughputExceeded];
/// The SDK's attempts per call, each refused.
const ATTEMPTS: usize = 3;

struct Shop {
    test: TestApp,
    ada: User,
    admin: User,
    tea: Product,
    order: Order,
}

impl Shop {
    async fn new() -> Self {
        let test = TestApp::spawn().await;
        let ada = test.user("Ada", "ada@example.com").await;
        let admin = test.admin("root@example.com").await;
        let tea = test.product("Tea", 450, 100).await;
        let order = test.order(&ada, &tea, 2).await;
        Self {
            test,
            ada,
            admin,
            tea,
            order,
        }
    }

    async fn get_product(&self) -> TestResponse {
        let event = ApiEvent::new("GET /products/{id}", &format!("/products/{}", self.tea.id));
        serve(event.build(), |r| get_product::handle(&self.test.app, r))
            .await
            .into()
    }

    async fn restock(&self) -> TestResponse {
        let event = ApiEvent::new(
            "PATCH /products/{id}",
            &format!("/products/{}", self.tea.id),
        )
        .bearer(&self.test.token(&self.admin))
        .json(&json!({"stockDelta": 10}));
        serve(event.build(), |r| update_product::handle(&self.test.app, r))
            .await
            .into()
    }

    async fn create_order(&self, key: &str) -> TestResponse {
        let line = json!({"productId": self.tea.id.to_string(), "quantity": 3});
        let event = ApiEvent::new("POST /orders", "/orders")
            .bearer(&self.test.token(&self.ada))
            .header("Idempotency-Key", key)
            .json(&json!({"items": [line]}));
        serve(event.build(), |r| create_order::handle(&self.test.app, r))
            .await
            .into()
    }

    async fn cancel_order(&self) -> TestResponse {
        let path = format!("/orders/{}/cancel", self.order.id);
        let event =
            ApiEvent::new("POST /orders/{id}/cancel", &path).bearer(&self.test.token(&self.ada));
        serve(event.build(), |r| cancel_order::handle(&self.test.app, r))
            .await
            .into()
    }

    async fn login(&self, password: &str) -> TestResponse {
        let body = json!({"email": "ada@example.com", "password": password});
        let event = ApiEvent::new("POST /auth/login", "/auth/login")
            .source_ip("198.51.100.7")
            .json(&body);
        serve(event.build(), |r| login::handle(&self.test.app, r))
            .await
            .into()
    }

    /// The table's items of `kind`.
    async fn count(&self, kind: &str) -> usize {
        let items = self.test.all_items().await;
        items
            .iter()
            .filter(|item| {
                item.get(TYPE)
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some(kind)
            })
            .count()
    }

    /// Stock, orders and claims as they must be: the setup's order and `restocked` units added.
    async fn assert_whole(&self, restocked: i64) {
        let initial = HashMap::from([(self.tea.id, 100)]);
        let restocks = HashMap::from([(self.tea.id, restocked)]);
        let violations = self
            .test
            .invariant_violations_with_restocks(&initial, &restocks)
            .await;
        assert!(violations.is_empty(), "{violations:#?}");
    }
}

fn assert_unavailable(response: &TestResponse, what: &str) {
    assert_eq!(
        (response.status, response.code()),
        (503, "SERVICE_UNAVAILABLE"),
        "{what}: {}",
        response.body
    );
    assert_eq!(response.header("retry-after"), Some("1"), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_route_throttled_answers_503_and_serves_again_when_it_clears() {
    let shop = Shop::new().await;
    for refusal in REFUSALS {
        shop.test
            .throttle
            .refuse("GetItem", refusal, Times::UntilCleared);
        assert_unavailable(&shop.get_product().await, &format!("{refusal:?}"));
        shop.test.throttle.clear();
        assert_eq!(shop.get_product().await.status, 200);
    }
    assert_eq!(
        shop.test.throttle.refused().len(),
        2 * ATTEMPTS,
        "the SDK retried each"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_route_throttled_answers_503_and_changes_nothing() {
    let shop = Shop::new().await;
    for refusal in REFUSALS {
        shop.test
            .throttle
            .refuse("UpdateItem", refusal, Times::UntilCleared);
        assert_unavailable(&shop.restock().await, &format!("{refusal:?}"));
        shop.test.throttle.clear();
        shop.assert_whole(0).await;
    }
    assert_eq!(shop.restock().await.status, 200);
    shop.assert_whole(10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_throttled_answers_503_places_nothing_and_its_retry_places_it_once() {
    let shop = Shop::new().await;
    let refusals = [
        Refusal::Throttling,
        Refusal::ProvisionedThroughputExceeded,
        Refusal::TransactionThrottled,
    ];
    for refusal in refusals {
        shop.test
            .throttle
            .refuse("TransactWriteItems", refusal, Times::UntilCleared);
        assert_unavailable(&shop.create_order("order-1").await, &format!("{refusal:?}"));
        shop.test.throttle.clear();
        assert_eq!(
            shop.count(item_type::ORDER).await,
            1,
            "{refusal:?}: only the setup's order"
        );
        assert_eq!(shop.count(item_type::IDEMPOTENCY).await, 0, "{refusal:?}");
        shop.assert_whole(0).await;
    }
    // The client retries with its key, as Retry-After tells it to: placed once.
    let placed = shop.create_order("order-1").await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(shop.create_order("order-1").await.body, placed.body);
    assert_eq!(shop.count(item_type::ORDER).await, 2);
    shop.assert_whole(0).await;
    assert_eq!(shop.test.stock_of(&shop.tea.id).await, 100 - 2 - 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_throttled_answers_503_restocks_nothing_and_cancels_when_it_clears() {
    let shop = Shop::new().await;
    for refusal in [Refusal::Throttling, Refusal::TransactionThrottled] {
        shop.test
            .throttle
            .refuse("TransactWriteItems", refusal, Times::UntilCleared);
        assert_unavailable(&shop.cancel_order().await, &format!("{refusal:?}"));
        shop.test.throttle.clear();
        assert_eq!(
            shop.test.stock_of(&shop.tea.id).await,
            98,
            "{refusal:?}: nothing restocked"
        );
        shop.assert_whole(0).await;
    }
    let cancelled = shop.cancel_order().await;
    assert_eq!(
        (cancelled.status, cancelled.body["data"]["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(shop.test.stock_of(&shop.tea.id).await, 100);
    shop.assert_whole(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttle_that_clears_within_the_sdks_retries_is_invisible() {
    let shop = Shop::new().await;
    shop.test.throttle.refuse(
        "GetItem",
        Refusal::ProvisionedThroughputExceeded,
        Times::Next(ATTEMPTS as u32 - 1),
    );
    assert_eq!(shop.get_product().await.status, 200);
    shop.test.throttle.refuse(
        "TransactWriteItems",
        Refusal::Throttling,
        Times::Next(ATTEMPTS as u32 - 1),
    );
    let placed = shop.create_order("order-2").await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(shop.test.throttle.refused().len(), 2 * (ATTEMPTS - 1));
    assert_eq!(shop.count(item_type::ORDER).await, 2);
    shop.assert_whole(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_its_failure_counters_throttled_fails_closed() {
    let shop = Shop::new().await;
    // The counters cannot be read: no login, the right password included.
    shop.test
        .throttle
        .refuse("BatchGetItem", Refusal::Throttling, Times::UntilCleared);
    assert_unavailable(&shop.login(TEST_PASSWORD).await, "counters unread");
    shop.test.throttle.clear();
    assert_eq!(
        shop.count(item_type::SESSION).await,
        0,
        "no session started"
    );

    // A failure that cannot be counted is a 503, not a 401: the client learns nothing more,
    // and tries again later, when it is counted.
    shop.test.throttle.refuse(
        "UpdateItem",
        Refusal::ProvisionedThroughputExceeded,
        Times::UntilCleared,
    );
    assert_unavailable(&shop.login("not the password").await, "failure uncounted");
    shop.test.throttle.clear();
    assert_eq!(shop.count(item_type::LOGIN_FAILURES).await, 0);

    // One counter's write refused once: the SDK's retry counts it; both counters say 1.
    shop.test
        .throttle
        .refuse("UpdateItem", Refusal::Throttling, Times::Next(1));
    assert_eq!(shop.login("not the password").await.status, 401);
    let counts: Vec<String> = shop
        .test
        .all_items()
        .await
        .iter()
        .filter(|item| {
            item.get(TYPE)
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
                == Some(item_type::LOGIN_FAILURES)
        })
        .map(|item| item["count"].as_n().unwrap().clone())
        .collect();
    assert_eq!(counts, ["1", "1"]);
    assert_eq!(shop.login(TEST_PASSWORD).await.status, 200);
}
