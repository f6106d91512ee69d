//! `POST /orders/{id}/cancel` against DynamoDB Local.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use cancel_order::handle;
use futures::future::join_all;
use serde_json::Value;
use shared::App;
use shared::domain::{Order, OrderId, OrderStatus, Product, ProductId, Quantity, User};
use shared::http::serve;
use shared::store::{PlaceOrderError, attrs, keys};
use shared::test_support::{ApiEvent, Fault, FaultProxy, TestApp, TestResponse};

async fn cancel(app: &App, id: &str, caller: Option<&str>) -> TestResponse {
    let mut event = ApiEvent::new("POST /orders/{id}/cancel", &format!("/orders/{id}/cancel"));
    if let Some(token) = caller {
        event = event.bearer(token);
    }
    serve(event.build(), |req| handle(app, req)).await.into()
}

async fn cancel_as(app: &TestApp, order: &Order, caller: &User) -> TestResponse {
    cancel(&app.app, &order.id.to_string(), Some(&app.token(caller))).await
}

/// An order of `units` of each of `products`, placed as create-order places it.
async fn order_of(app: &TestApp, user: &User, products: &[&Product], units: u64) -> Order {
    let quantity = Quantity::new(units).unwrap();
    let order = Order::place(
        user.id,
        products.iter().map(|p| (p.id, quantity, p.price_cents)),
    );
    app.direct
        .store
        .place_order(&order, None)
        .await
        .unwrap_or_else(|e| panic!("order placed: {e:?}"));
    order
}

/// The product item as stored, archived or not (read by key, not through the product API).
async fn product_item(app: &TestApp, id: &ProductId) -> HashMap<String, AttributeValue> {
    app.direct
        .store
        .client()
        .get_item()
        .table_name(&app.table)
        .set_key(Some(keys::product(id).to_attributes()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the product item exists")
}

async fn stock(app: &TestApp, id: &ProductId) -> i64 {
    product_item(app, id).await[attrs::STOCK]
        .as_n()
        .unwrap()
        .parse()
        .unwrap()
}

async fn stored(app: &TestApp, order: &Order) -> Order {
    app.direct
        .store
        .find_order(&order.id)
        .await
        .unwrap()
        .expect("the order exists")
}

#[tokio::test]
async fn the_owner_cancels_a_placed_order_and_every_line_goes_back_to_stock() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let cake = app.product("Cake", 300, 7).await;
    let order = order_of(&app, &ada, &[&tea, &cake], 3).await;
    assert_eq!(
        (stock(&app, &tea.id).await, stock(&app, &cake.id).await),
        (7, 4)
    );

    let response = cancel_as(&app, &order, &ada).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    let data = &response.body["data"];
    assert_eq!(data["status"], "cancelled");
    let cancelled_at = data["cancelledAt"].as_str().expect("cancelledAt is set");
    let mut rest = data.clone();
    rest.as_object_mut().unwrap().remove("cancelledAt");
    rest["status"] = Value::from("placed");
    assert_eq!(
        rest,
        serde_json::to_value(&order).unwrap(),
        "nothing else changed"
    );
    assert_eq!(response.header("etag"), Some("\"v2\""));
    assert_eq!(response.header("cache-control"), Some("no-store"));

    assert_eq!(
        (stock(&app, &tea.id).await, stock(&app, &cake.id).await),
        (10, 7)
    );
    let now = stored(&app, &order).await;
    assert_eq!((now.status, now.version), (OrderStatus::Cancelled, 2));
    assert_eq!(
        serde_json::to_value(now.cancelled_at).unwrap(),
        Value::from(cancelled_at)
    );
    // A restock is a write of the product like any other.
    let tea_item = product_item(&app, &tea.id).await;
    assert_eq!(
        tea_item[attrs::UPDATED_AT].as_s().unwrap(),
        cancelled_at,
        "the product's updatedAt is the cancel's"
    );
}

#[tokio::test]
async fn a_second_cancel_is_409_and_restocks_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let order = order_of(&app, &ada, &[&tea], 4).await;
    assert_eq!(cancel_as(&app, &order, &ada).await.status, 200);
    let again = cancel_as(&app, &order, &ada).await;
    assert_eq!((again.status, again.code()), (409, "ORDER_NOT_CANCELLABLE"));
    assert_eq!(stock(&app, &tea.id).await, 10);
    assert_eq!(stored(&app, &order).await.version, 2);
}

#[tokio::test]
async fn ten_cancels_at_once_exactly_one_wins_and_stock_comes_back_once() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let admin = app.admin("root@example.com").await;
    let tea = app.product("Tea", 450, 50).await;
    let cake = app.product("Cake", 300, 50).await;
    let order = order_of(&app, &ada, &[&tea, &cake], 5).await;

    let responses = join_all((0..10).map(|n| {
        let caller = if n % 2 == 0 { &ada } else { &admin };
        cancel_as(&app, &order, caller)
    }))
    .await;
    let mut outcomes: Vec<(u16, String)> = responses
        .iter()
        .map(|r| (r.status, r.code().to_owned()))
        .collect();
    outcomes.sort();
    let mut expected = vec![(200, String::new())];
    expected.extend(vec![(409, "ORDER_NOT_CANCELLABLE".to_owned()); 9]);
    assert_eq!(outcomes, expected);
    assert_eq!(
        (stock(&app, &tea.id).await, stock(&app, &cake.id).await),
        (50, 50)
    );
    assert_eq!(stored(&app, &order).await.version, 2, "written once");
    let violations = app
        .invariant_violations(&HashMap::from([(tea.id, 50), (cake.id, 50)]))
        .await;
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test]
async fn a_cancel_racing_orders_on_the_same_product_restores_its_units_once() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    const INITIAL: i64 = 20;
    let tea = app.product("Tea", 450, INITIAL as u64).await;
    let first = order_of(&app, &ada, &[&tea], 5).await;

    // Six cancels of the first order and eight new orders of 3 units (24 > the 20 there can
    // ever be), all at once: how many orders succeed depends on the interleaving.
    let cancels = join_all((0..6).map(|_| cancel_as(&app, &first, &ada)));
    let orders = join_all((0..8).map(|_| async {
        let order = Order::place(
            bob.id,
            [(tea.id, Quantity::new(3).unwrap(), tea.price_cents)],
        );
        match app.direct.store.place_order(&order, None).await {
            Ok(()) => Some(order),
            Err(PlaceOrderError::Failed(e)) if e.code() == "INSUFFICIENT_STOCK" => None,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }));
    let (cancels, placed) = futures::join!(cancels, orders);

    let statuses: Vec<u16> = cancels.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        5,
        "{statuses:?}"
    );
    let sold: i64 = placed.iter().flatten().map(|_| 3).sum();
    assert!(sold <= INITIAL, "never more sold than there was");
    assert_eq!(
        stock(&app, &tea.id).await,
        INITIAL - sold,
        "initial - units of the orders still placed (the cancelled one's came back once)"
    );
    let violations = app
        .invariant_violations(&HashMap::from([(tea.id, INITIAL as u64)]))
        .await;
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test]
async fn an_archived_product_gets_its_units_back() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let order = order_of(&app, &ada, &[&tea], 4).await;
    // Archived as delete-product archives: archivedAt set, out of the catalogue.
    app.direct
        .store
        .client()
        .update_item()
        .table_name(&app.table)
        .set_key(Some(keys::product(&tea.id).to_attributes()))
        .update_expression("SET #archivedAt = :now REMOVE #gpk, #gsk")
        .expression_attribute_names("#archivedAt", attrs::ARCHIVED_AT)
        .expression_attribute_names("#gpk", attrs::GSI2_PK)
        .expression_attribute_names("#gsk", attrs::GSI2_SK)
        .expression_attribute_values(":now", AttributeValue::S("2026-11-26T00:00:00.000Z".into()))
        .send()
        .await
        .unwrap();

    let response = cancel_as(&app, &order, &ada).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    let item = product_item(&app, &tea.id).await;
    assert_eq!(item[attrs::STOCK].as_n().unwrap(), "10");
    assert!(item.contains_key(attrs::ARCHIVED_AT), "still archived");
}

#[tokio::test]
async fn another_users_order_is_404_admins_may_cancel_it() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    let admin = app.admin("root@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let order = order_of(&app, &ada, &[&tea], 2).await;

    let theirs = cancel_as(&app, &order, &bob).await;
    let absent = cancel(
        &app.app,
        &OrderId::new().to_string(),
        Some(&app.token(&bob)),
    )
    .await;
    assert_eq!((theirs.status, theirs.code()), (404, "NOT_FOUND"));
    assert_eq!(
        theirs.body["message"], absent.body["message"],
        "indistinguishable"
    );
    assert_eq!(stored(&app, &order).await.status, OrderStatus::Placed);
    assert_eq!(stock(&app, &tea.id).await, 8);
    let garbage = cancel(&app.app, "not-an-id", Some(&app.token(&ada))).await;
    assert_eq!((garbage.status, garbage.code()), (404, "NOT_FOUND"));

    let by_admin = cancel_as(&app, &order, &admin).await;
    assert_eq!(by_admin.status, 200, "{:?}", by_admin.body);
    assert_eq!(by_admin.body["data"]["userId"], ada.id.to_string());
    assert_eq!(stock(&app, &tea.id).await, 10);
}

#[tokio::test]
async fn needs_a_valid_token() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let order = order_of(&app, &ada, &[&tea], 2).await;
    let id = order.id.to_string();
    for token in [None, Some("garbage")] {
        let response = cancel(&app.app, &id, token).await;
        assert_eq!((response.status, response.code()), (401, "UNAUTHENTICATED"));
    }
    assert_eq!(stored(&app, &order).await.status, OrderStatus::Placed);
}

#[tokio::test]
async fn an_order_stored_before_versions_moves_from_v1_to_v2() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let order = order_of(&app, &ada, &[&tea], 2).await;
    app.direct
        .store
        .client()
        .update_item()
        .table_name(&app.table)
        .set_key(Some(keys::order(&order.id).to_attributes()))
        .update_expression("REMOVE #version")
        .expression_attribute_names("#version", attrs::VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(stored(&app, &order).await.version, 1);

    let response = cancel_as(&app, &order, &ada).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.header("etag"), Some("\"v2\""));
    assert_eq!(stored(&app, &order).await.version, 2, "the ETag moved");
}

#[tokio::test]
async fn dynamodb_unreachable_is_503_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let order = order_of(&app, &ada, &[&tea], 2).await;
    let proxy = FaultProxy::start(&std::env::var("DYNAMODB_ENDPOINT").unwrap()).await;
    let behind = App::build(app.config_via(proxy.endpoint())).await;
    let token = app.token(&ada);
    // A first call while DynamoDB answers, so the verification keys are cached.
    let warm = cancel(&behind, &OrderId::new().to_string(), Some(&token)).await;
    assert_eq!(warm.status, 404);

    proxy.set(Fault::Down);
    let response = cancel(&behind, &order.id.to_string(), Some(&token)).await;
    assert_eq!(
        (response.status, response.code()),
        (503, "SERVICE_UNAVAILABLE")
    );
    assert_eq!(stored(&app, &order).await.status, OrderStatus::Placed);
    assert_eq!(stock(&app, &tea.id).await, 8);
}
