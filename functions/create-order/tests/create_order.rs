//! `POST /orders` against DynamoDB Local: pricing, atomicity, the oversell race, idempotency.

use create_order::handle;
use futures::future::join_all;
use serde_json::{Value, json};
use shared::domain::{OrderId, Product, User};
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn order(app: &TestApp, user: &User, items: Value, key: Option<&str>) -> TestResponse {
    let mut event = ApiEvent::new("POST /orders", "/orders")
        .bearer(&app.token(user))
        .json(&json!({ "items": items }));
    if let Some(key) = key {
        event = event.header("Idempotency-Key", key);
    }
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

fn line(product: &Product, quantity: u64) -> Value {
    json!({"productId": product.id.to_string(), "quantity": quantity})
}

#[tokio::test]
async fn places_an_order_priced_from_the_stored_products() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let cup = app.product("Cup", 1299, 3).await;

    let response = order(&app, &ada, json!([line(&tea, 2), line(&cup, 3)]), None).await;
    assert_eq!(response.status, 201, "{:?}", response.body);
    let data = &response.body["data"];
    let id = data["id"].as_str().unwrap();
    assert_eq!(
        response.header("location"),
        Some(format!("/orders/{id}").as_str())
    );
    assert_eq!(data["userId"], ada.id.to_string());
    assert_eq!(data["status"], "placed");
    assert_eq!(
        data["items"][0],
        json!({"productId": tea.id.to_string(), "quantity": 2, "unitPriceCents": 450, "lineTotalCents": 900})
    );
    assert_eq!(data["items"][1]["lineTotalCents"], 3897);
    assert_eq!(data["totalCents"], 900 + 3897);
    assert_eq!(app.stock_of(&tea.id).await, 8);
    assert_eq!(app.stock_of(&cup.id).await, 0);
    let stored = app
        .direct
        .store
        .find_order(&OrderId::parse(id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.total_cents, 4797);
}

#[tokio::test]
async fn the_client_cannot_set_prices_or_unknown_fields() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let priced = json!([{"productId": tea.id.to_string(), "quantity": 1, "unitPriceCents": 1}]);
    let response = order(&app, &ada, priced, None).await;
    assert_eq!(
        (response.status, response.code()),
        (400, "VALIDATION_FAILED")
    );
    assert_eq!(response.error_fields(), ["items[0].unitPriceCents"]);

    let event = ApiEvent::new("POST /orders", "/orders")
        .bearer(&app.token(&ada))
        .json(&json!({"items": [line(&tea, 1)], "totalCents": 1}));
    let response: TestResponse = serve(event.build(), |req| handle(&app.app, req))
        .await
        .into();
    assert_eq!(response.error_fields(), ["totalCents"]);
    assert_eq!(app.stock_of(&tea.id).await, 10);
}

#[tokio::test]
async fn invalid_lines_are_refused_before_any_write() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let cases = [
        (json!([]), vec!["items"]),
        (json!([line(&tea, 0)]), vec!["items[0].quantity"]),
        (json!([line(&tea, 101)]), vec!["items[0].quantity"]),
        (
            json!([line(&tea, 1), line(&tea, 2)]),
            vec!["items[1].productId"],
        ),
        (json!("tea"), vec!["items"]),
        (
            json!((0..26).map(|_| line(&tea, 1)).collect::<Vec<_>>()),
            vec!["items"],
        ),
    ];
    for (items, fields) in cases {
        let response = order(&app, &ada, items.clone(), None).await;
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{items}"
        );
        assert_eq!(response.error_fields(), fields, "{items}");
    }
    assert_eq!(app.stock_of(&tea.id).await, 10);
}

#[tokio::test]
async fn unknown_products_are_named_and_nothing_is_sold() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let ghost = shared::domain::ProductId::new().to_string();
    let items = json!([line(&tea, 1), {"productId": ghost, "quantity": 1}, {"productId": "not-an-id", "quantity": 1}]);
    let response = order(&app, &ada, items, None).await;
    assert_eq!(
        (response.status, response.code()),
        (404, "PRODUCT_NOT_FOUND")
    );
    assert_eq!(
        response.error_fields(),
        ["items[1].productId", "items[2].productId"]
    );
    assert!(
        response.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&ghost)
    );
    assert_eq!(app.stock_of(&tea.id).await, 10);
}

#[tokio::test]
async fn a_short_line_cancels_every_line() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let cup = app.product("Cup", 1299, 1).await;
    let response = order(&app, &ada, json!([line(&tea, 5), line(&cup, 2)]), None).await;
    assert_eq!(
        (response.status, response.code()),
        (409, "INSUFFICIENT_STOCK")
    );
    assert_eq!(response.error_fields(), ["items[1].quantity"]);
    assert!(
        response.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&cup.id.to_string())
    );
    assert_eq!(
        app.stock_of(&tea.id).await,
        10,
        "the first line took nothing"
    );
    assert_eq!(app.stock_of(&cup.id).await, 1);
    let listed = app
        .direct
        .store
        .list_orders(&ada.id, 10, None)
        .await
        .unwrap()
        .0;
    assert!(listed.is_empty());
}

#[tokio::test]
async fn forty_buyers_for_ten_units_sell_exactly_ten() {
    let app = TestApp::spawn().await;
    let buyers: Vec<User> = join_all((0..8).map(|i| {
        let app = &app;
        async move {
            app.user(&format!("Buyer {i}"), &format!("buyer{i}@example.com"))
                .await
        }
    }))
    .await;
    let tea = app.product("Tea", 450, 10).await;
    let attempts = (0..40).map(|i| {
        order(
            &app,
            &buyers[i % buyers.len()],
            json!([line(&tea, 1)]),
            None,
        )
    });
    let responses = join_all(attempts).await;

    let placed = responses.iter().filter(|r| r.status == 201).count();
    let short = responses
        .iter()
        .filter(|r| r.status == 409 && r.code() == "INSUFFICIENT_STOCK")
        .count();
    assert_eq!(
        (placed, short),
        (10, 30),
        "{:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(app.stock_of(&tea.id).await, 0);
    let mut units = 0;
    for buyer in &buyers {
        let (orders, more) = app
            .direct
            .store
            .list_orders(&buyer.id, 100, None)
            .await
            .unwrap();
        assert!(!more);
        units += orders
            .iter()
            .flat_map(|o| &o.items)
            .map(|line| line.quantity.get())
            .sum::<u64>();
    }
    assert_eq!(units, 10);
}

#[tokio::test]
async fn the_same_key_and_body_return_the_first_order_and_sell_once() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let first = order(&app, &ada, json!([line(&tea, 2)]), Some("order-1")).await;
    let second = order(&app, &ada, json!([line(&tea, 2)]), Some("order-1")).await;
    assert_eq!((first.status, second.status), (201, 201));
    assert_eq!(first.body["data"], second.body["data"]);
    assert_eq!(app.stock_of(&tea.id).await, 8);

    let reused = order(&app, &ada, json!([line(&tea, 3)]), Some("order-1")).await;
    assert_eq!(
        (reused.status, reused.code()),
        (422, "IDEMPOTENCY_KEY_REUSED")
    );
    assert_eq!(app.stock_of(&tea.id).await, 8);

    // Keys belong to a user: the same key from someone else is a new order.
    let bob = app.user("Bob", "bob@example.com").await;
    let bobs = order(&app, &bob, json!([line(&tea, 2)]), Some("order-1")).await;
    assert_eq!(bobs.status, 201);
    assert_ne!(bobs.body["data"]["id"], first.body["data"]["id"]);
    assert_eq!(app.stock_of(&tea.id).await, 6);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_place_one_order() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let responses =
        join_all((0..6).map(|_| order(&app, &ada, json!([line(&tea, 1)]), Some("double-click"))))
            .await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert!(
        statuses.iter().all(|s| *s == 201),
        "{statuses:?} {:?}",
        responses.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let ids: std::collections::HashSet<_> = responses
        .iter()
        .map(|r| r.body["data"]["id"].clone())
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(app.stock_of(&tea.id).await, 9);
}

#[tokio::test]
async fn a_malformed_key_or_no_token_is_refused() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let bad_key = order(&app, &ada, json!([line(&tea, 1)]), Some("not a valid key!")).await;
    assert_eq!((bad_key.status, bad_key.code()), (400, "VALIDATION_FAILED"));
    assert_eq!(bad_key.error_fields(), ["Idempotency-Key"]);

    let anonymous =
        ApiEvent::new("POST /orders", "/orders").json(&json!({"items": [line(&tea, 1)]}));
    let response: TestResponse = serve(anonymous.build(), |req| handle(&app.app, req))
        .await
        .into();
    assert_eq!((response.status, response.code()), (401, "UNAUTHENTICATED"));
    assert_eq!(app.stock_of(&tea.id).await, 10);
}

/// An app whose DynamoDB calls pass a relay that runs `before_commit` (on a thread of its own,
/// against the table directly) just before each of the app's `TransactWriteItems` reaches
/// DynamoDB, i.e. after the order was priced and before it commits: the window a concurrent
/// admin write can fall into, made certain. `before_commit` gets the attempt number (1, 2, …).
async fn app_with_a_write_before_each_commit(
    app: &TestApp,
    before_commit: impl Fn(shared::App, u32) -> futures::future::BoxFuture<'static, ()>
    + Send
    + Sync
    + 'static,
) -> (shared::App, shared::test_support::Relay) {
    use std::sync::atomic::{AtomicU32, Ordering};
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap();
    let table = app.table.clone();
    let commits = AtomicU32::new(0);
    let before_commit = std::sync::Arc::new(before_commit);
    let upstream = endpoint.clone();
    let relay = shared::test_support::Relay::start(&upstream, move |request| {
        if request.header("x-amz-target") != Some("DynamoDB_20120810.TransactWriteItems") {
            return;
        }
        let attempt = commits.fetch_add(1, Ordering::SeqCst) + 1;
        let (endpoint, table, before_commit) =
            (endpoint.clone(), table.clone(), before_commit.clone());
        // The relay holds the transaction until this returns.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let admin =
                    shared::App::build(shared::test_support::test_config(&table, Some(&endpoint)))
                        .await;
                before_commit(admin, attempt).await;
            });
        })
        .join()
        .unwrap();
    })
    .await;
    let racing = shared::App::build(app.config_via(relay.endpoint())).await;
    (racing, relay)
}

async fn order_on(app: &TestApp, on: &shared::App, user: &User, items: Value) -> TestResponse {
    let event = ApiEvent::new("POST /orders", "/orders")
        .bearer(&app.token(user))
        .json(&json!({ "items": items }));
    serve(event.build(), |req| handle(on, req)).await.into()
}

fn reprice(cents: u64) -> shared::domain::ProductPatch {
    shared::domain::ProductPatch {
        name: None,
        price_cents: shared::domain::PriceCents::new(cents),
        stock_delta: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_price_changed_after_pricing_is_priced_again_never_sold_stale() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let cup = app.product("Cup", 1299, 10).await;
    let id = tea.id;
    let (racing, _relay) = app_with_a_write_before_each_commit(&app, move |admin, attempt| {
        Box::pin(async move {
            if attempt == 1 {
                admin
                    .store
                    .update_product(&id, &reprice(500), None, shared::domain::Timestamp::now())
                    .await
                    .unwrap();
            }
        })
    })
    .await;
    let response = order_on(&app, &racing, &ada, json!([line(&cup, 1), line(&tea, 2)])).await;
    assert_eq!(response.status, 201, "{:?}", response.body);
    let data = &response.body["data"];
    assert_eq!(
        data["items"][1]["unitPriceCents"], 500,
        "the price at commit"
    );
    assert_eq!(data["items"][0]["unitPriceCents"], 1299);
    assert_eq!(data["totalCents"], 1299 + 1000);
    assert_eq!(
        (app.stock_of(&tea.id).await, app.stock_of(&cup.id).await),
        (8, 9)
    );
    let listed = app
        .direct
        .store
        .list_orders(&ada.id, 10, None)
        .await
        .unwrap()
        .0;
    assert_eq!(listed.len(), 1, "the stale attempt wrote nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn prices_that_keep_changing_end_in_409_conflict_and_sell_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let id = tea.id;
    let (racing, _relay) = app_with_a_write_before_each_commit(&app, move |admin, attempt| {
        Box::pin(async move {
            let cents = 450 + u64::from(attempt);
            admin
                .store
                .update_product(&id, &reprice(cents), None, shared::domain::Timestamp::now())
                .await
                .unwrap();
        })
    })
    .await;
    let response = order_on(&app, &racing, &ada, json!([line(&tea, 1)])).await;
    assert_eq!((response.status, response.code()), (409, "CONFLICT"));
    assert_eq!(app.stock_of(&tea.id).await, 10);
    let version = app
        .direct
        .store
        .find_product_record(&tea.id)
        .await
        .unwrap()
        .unwrap()
        .product
        .version;
    assert_eq!(
        version,
        1 + 3,
        "priced three times, a price change before each commit"
    );
    let violations = app
        .invariant_violations(&std::collections::HashMap::from([(tea.id, 10)]))
        .await;
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_product_archived_after_pricing_is_product_not_found_and_nothing_is_sold() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let cup = app.product("Cup", 1299, 10).await;
    let id = cup.id;
    let (racing, _relay) = app_with_a_write_before_each_commit(&app, move |admin, _| {
        Box::pin(async move {
            admin
                .store
                .archive_product(&id, shared::domain::Timestamp::now())
                .await
                .unwrap();
        })
    })
    .await;
    let response = order_on(&app, &racing, &ada, json!([line(&tea, 1), line(&cup, 1)])).await;
    assert_eq!(
        (response.status, response.code()),
        (404, "PRODUCT_NOT_FOUND")
    );
    assert_eq!(response.error_fields(), ["items[1].productId"]);
    assert_eq!(
        (app.stock_of(&tea.id).await, app.stock_of(&cup.id).await),
        (10, 10)
    );
    // And once archived, pricing itself refuses it.
    let later = order(&app, &ada, json!([line(&cup, 1)]), None).await;
    assert_eq!((later.status, later.code()), (404, "PRODUCT_NOT_FOUND"));
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_taken_after_pricing_is_insufficient_stock_for_that_line() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let id = tea.id;
    let (racing, _relay) = app_with_a_write_before_each_commit(&app, move |admin, _| {
        Box::pin(async move {
            let write_off = shared::domain::ProductPatch {
                name: None,
                price_cents: None,
                stock_delta: shared::domain::StockDelta::new(-9),
            };
            admin
                .store
                .update_product(&id, &write_off, None, shared::domain::Timestamp::now())
                .await
                .unwrap();
        })
    })
    .await;
    let response = order_on(&app, &racing, &ada, json!([line(&tea, 2)])).await;
    assert_eq!(
        (response.status, response.code()),
        (409, "INSUFFICIENT_STOCK")
    );
    assert_eq!(response.error_fields(), ["items[0].quantity"]);
    assert_eq!(app.stock_of(&tea.id).await, 1);
}

#[tokio::test]
async fn every_sale_moves_the_product_version_and_updated_at() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let response = order(&app, &ada, json!([line(&tea, 2)]), None).await;
    assert_eq!(response.status, 201);
    let record = app
        .direct
        .store
        .find_product_record(&tea.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.product.version, 2);
    assert!(record.product.updated_at >= tea.created_at);
    assert_ne!(record.product.updated_at, tea.updated_at);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_priced_again_under_an_idempotency_key_is_placed_once_and_replayed() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let id = tea.id;
    let (racing, _relay) = app_with_a_write_before_each_commit(&app, move |admin, attempt| {
        Box::pin(async move {
            if attempt == 1 {
                admin
                    .store
                    .update_product(&id, &reprice(500), None, shared::domain::Timestamp::now())
                    .await
                    .unwrap();
            }
        })
    })
    .await;
    let first = keyed_order(&app, &racing, &ada, &tea).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["data"]["items"][0]["unitPriceCents"], 500);
    let replay = keyed_order(&app, &app.app, &ada, &tea).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.body["data"], first.body["data"]);
    assert_eq!(app.stock_of(&tea.id).await, 9);
}

async fn keyed_order(
    app: &TestApp,
    on: &shared::App,
    user: &User,
    product: &Product,
) -> TestResponse {
    let event = ApiEvent::new("POST /orders", "/orders")
        .bearer(&app.token(user))
        .header("Idempotency-Key", "checkout-1")
        .json(&json!({ "items": [line(product, 1)] }));
    serve(event.build(), |req| handle(on, req)).await.into()
}
