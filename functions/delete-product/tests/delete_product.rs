//! `DELETE /products/{id}` against DynamoDB Local: archiving, what it leaves (placed orders)
//! and what it ends (reads, listing, sales), every status of the route, and orders racing it.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;
use shared::domain::{OrderId, ProductId, ProductRecord, User};
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};
use tokio::sync::Notify;

async fn archive_as(app: &TestApp, token: Option<&str>, id: &str) -> TestResponse {
    let mut event = ApiEvent::new("DELETE /products/{id}", &format!("/products/{id}"));
    if let Some(token) = token {
        event = event.bearer(token);
    }
    serve(event.build(), |req| delete_product::handle(&app.app, req))
        .await
        .into()
}

async fn archive(app: &TestApp, admin: &User, id: &ProductId) -> TestResponse {
    archive_as(app, Some(&app.token(admin)), &id.to_string()).await
}

/// An order of one unit through create-order, on the unrecorded app: the IAM recorded for this
/// crate is delete-product's alone.
async fn buy(app: &TestApp, buyer: &User, product: &ProductId) -> TestResponse {
    let event = ApiEvent::new("POST /orders", "/orders")
        .bearer(&app.token(buyer))
        .json(&json!({"items": [{"productId": product.to_string(), "quantity": 1}]}));
    serve(event.build(), |req| create_order::handle(&app.direct, req))
        .await
        .into()
}

async fn stored(app: &TestApp, id: &ProductId) -> ProductRecord {
    app.direct
        .store
        .find_product_record(id)
        .await
        .unwrap()
        .expect("the product is still stored")
}

#[tokio::test]
async fn an_archived_product_is_no_longer_read_listed_or_sold_but_its_orders_stay() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let cup = app.product("Cup", 1299, 5).await;
    let placed = app.order(&ada, &tea, 3).await;
    let before = app.direct.store.find_order(&placed.id).await.unwrap();

    let response = archive(&app, &admin, &tea.id).await;
    assert_eq!(response.status, 204, "{:?}", response.body);
    assert_eq!(response.body, serde_json::Value::Null);

    let record = stored(&app, &tea.id).await;
    let archived_at = record.archived_at.expect("archivedAt is set");
    assert_eq!(record.product.updated_at, archived_at);
    assert_eq!(record.product.version, 3, "created, sold, archived");
    assert_eq!(record.product.stock.get(), 7, "the stock is kept as it was");
    assert_eq!(app.direct.store.find_product(&tea.id).await.unwrap(), None);
    let listed = app.direct.store.list_products(100, None).await.unwrap();
    assert_eq!(
        listed.products.iter().map(|p| p.id).collect::<Vec<_>>(),
        [cup.id],
        "only the product on sale is listed"
    );

    let refused = buy(&app, &ada, &tea.id).await;
    assert_eq!((refused.status, refused.code()), (404, "PRODUCT_NOT_FOUND"));
    assert_eq!(refused.error_fields(), ["items[0].productId"]);
    assert_eq!(stored(&app, &tea.id).await, record, "nothing sold");
    assert_eq!(
        app.direct.store.find_order(&placed.id).await.unwrap(),
        before,
        "the order placed before is untouched"
    );
    let violations = app
        .invariant_violations(&HashMap::from([(tea.id, 10), (cup.id, 5)]))
        .await;
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test]
async fn archiving_twice_or_an_unknown_product_is_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    assert_eq!(archive(&app, &admin, &tea.id).await.status, 204);
    let archived = stored(&app, &tea.id).await;
    let again = archive(&app, &admin, &tea.id).await;
    assert_eq!((again.status, again.code()), (404, "NOT_FOUND"));
    assert_eq!(
        stored(&app, &tea.id).await,
        archived,
        "the first archive stands"
    );
    let token = app.token(&admin);
    for id in [ProductId::new().to_string(), "nope".to_owned()] {
        let response = archive_as(&app, Some(&token), &id).await;
        assert_eq!(
            (response.status, response.code()),
            (404, "NOT_FOUND"),
            "{id}"
        );
    }
}

#[tokio::test]
async fn only_admins_archive() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 450, 10).await;
    let id = tea.id.to_string();
    let forbidden = archive_as(&app, Some(&app.token(&ada)), &id).await;
    assert_eq!((forbidden.status, forbidden.code()), (403, "FORBIDDEN"));
    let anonymous = archive_as(&app, None, &id).await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (401, "UNAUTHENTICATED")
    );
    let record = stored(&app, &tea.id).await;
    assert!(record.on_sale());
    assert_eq!(record.product.version, 1);
}

/// Orders racing the archive commit before it or not at all. The archive stamps `archivedAt`
/// and `updatedAt` with one time; every sale sets `updatedAt` to a time of its own, taken
/// before it commits. So if the product's `updatedAt` still equals its `archivedAt` at the
/// end, the archive was the product's last write: every order that took stock committed
/// before it. The stock and the version then account for exactly the placed orders (each
/// placed order took its unit and moved the version once, before the archive; nothing else
/// did), and every refused order was refused as `PRODUCT_NOT_FOUND`.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn orders_racing_the_archive_commit_before_it_or_not_at_all() {
    let app = Arc::new(TestApp::spawn().await);
    let admin = app.admin("root@example.com").await;
    let mut buyers = Vec::new();
    for i in 0..8 {
        buyers.push(
            app.user(&format!("Buyer {i}"), &format!("buyer{i}@example.com"))
                .await,
        );
    }
    let initial = 1000;
    let tea = app.product("Tea", 450, initial).await;

    // The archive starts once the first order is placed, while the others are in flight.
    let first_sale = Arc::new(Notify::new());
    let orders: Vec<_> = (0..60)
        .map(|i| {
            let (app, buyer, first_sale) = (
                Arc::clone(&app),
                buyers[i % 8].clone(),
                Arc::clone(&first_sale),
            );
            tokio::spawn(async move {
                let response = buy(&app, &buyer, &tea.id).await;
                if response.status == 201 {
                    first_sale.notify_one();
                }
                response
            })
        })
        .collect();
    let archiving = {
        let (app, admin) = (Arc::clone(&app), admin.clone());
        tokio::spawn(async move {
            first_sale.notified().await;
            archive(&app, &admin, &tea.id).await
        })
    };
    let archived = archiving.await.unwrap();
    assert_eq!(archived.status, 204, "{:?}", archived.body);
    // And a few more after it: each of them is refused.
    let late: Vec<_> = (0..5).map(|i| buy(&app, &buyers[i], &tea.id)).collect();
    let late = futures::future::join_all(late).await;

    let mut placed = Vec::new();
    let mut refused = 0;
    for response in orders.into_iter() {
        let response = response.await.unwrap();
        match (response.status, response.code()) {
            (201, _) => placed.push(response.body["data"]["id"].as_str().unwrap().to_owned()),
            (404, "PRODUCT_NOT_FOUND") => refused += 1,
            other => panic!("order answered {other:?}: {:?}", response.body),
        }
    }
    for response in &late {
        assert_eq!(
            (response.status, response.code()),
            (404, "PRODUCT_NOT_FOUND")
        );
    }
    assert!(!placed.is_empty(), "the archive waited for a sale");

    let record = stored(&app, &tea.id).await;
    let archived_at = record.archived_at.expect("archived");
    assert_eq!(
        record.product.updated_at,
        archived_at,
        "a sale wrote the product after its archive ({} placed, {refused} refused)",
        placed.len()
    );
    let sold = placed.len() as u64;
    assert_eq!(record.product.stock.get(), initial - sold);
    assert_eq!(record.product.version, 1 + sold + 1);
    for id in &placed {
        let order = app
            .direct
            .store
            .find_order(&OrderId::parse(id).unwrap())
            .await
            .unwrap()
            .expect("a placed order is stored");
        assert_eq!(order.items[0].product_id, tea.id);
    }
    let violations = app
        .invariant_violations(&HashMap::from([(tea.id, initial)]))
        .await;
    assert!(violations.is_empty(), "{violations:#?}");
}
