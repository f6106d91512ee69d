//! `GET /products` against DynamoDB Local: the catalogue, newest first, by signed cursor;
//! archived products absent; public and revalidated.

use list_products::handle;
use shared::domain::{OrderId, Product, Timestamp};
use shared::http::serve;
use shared::pagination::CursorList;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn list(app: &TestApp, query: &str) -> TestResponse {
    let event = ApiEvent::new("GET /products", &format!("/products{query}"));
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

/// `count` products, oldest first.
async fn products(app: &TestApp, count: usize) -> Vec<Product> {
    let mut made = Vec::new();
    for i in 0..count {
        made.push(app.product(&format!("Tea {i}"), 100 + i as u64, 10).await);
    }
    made
}

fn ids(response: &TestResponse) -> Vec<String> {
    response.body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {:?}", response.body))
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page from `query` on, following `nextCursor`, and what they listed.
async fn every_page(app: &TestApp, limit: u32) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut query = format!("?limit={limit}");
    let mut pages = 0;
    loop {
        let page = list(app, &query).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        assert_eq!(page.body["pagination"]["limit"], limit);
        assert!(ids(&page).len() <= limit as usize);
        pages += 1;
        seen.extend(ids(&page));
        match page.body["pagination"]["nextCursor"].as_str() {
            Some(cursor) => query = format!("?limit={limit}&cursor={cursor}"),
            None => return (seen, pages),
        }
    }
}

async fn archive(app: &TestApp, product: &Product) {
    app.direct
        .store
        .archive_product(&product.id, Timestamp::now())
        .await
        .unwrap();
}

#[tokio::test]
async fn pages_through_the_catalogue_newest_first_each_once_without_the_archived() {
    let app = TestApp::spawn().await;
    let made = products(&app, 13).await;
    for archived in [&made[0], &made[5], &made[12]] {
        archive(&app, archived).await;
    }
    let on_sale: Vec<String> = made
        .iter()
        .enumerate()
        .filter(|(i, _)| ![0, 5, 12].contains(i))
        .rev()
        .map(|(_, p)| p.id.to_string())
        .collect();
    for limit in [1, 2, 3, 100] {
        let (seen, pages) = every_page(&app, limit).await;
        assert_eq!(seen, on_sale, "limit {limit}: each once, newest first");
        assert_eq!(
            pages,
            on_sale.len().div_ceil(limit as usize),
            "limit {limit}"
        );
    }
}

#[tokio::test]
async fn a_page_shows_each_product_as_it_is_now() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let made = products(&app, 2).await;
    app.order(&ada, &made[1], 4).await;
    let page = list(&app, "").await;
    assert_eq!(page.body["data"][0]["id"], made[1].id.to_string());
    assert_eq!(page.body["data"][0]["stock"], 6);
    let stored = app.direct.store.find_product(&made[1].id).await.unwrap();
    assert_eq!(page.body["data"][0], serde_json::json!(stored.unwrap()));
    let mut keys: Vec<_> = page.body["data"][1]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "createdAt",
            "id",
            "name",
            "priceCents",
            "stock",
            "updatedAt"
        ]
    );
}

#[tokio::test]
async fn a_product_archived_between_pages_is_skipped_not_repeated() {
    let app = TestApp::spawn().await;
    let made = products(&app, 6).await;
    let first = list(&app, "?limit=2").await;
    assert_eq!(
        ids(&first),
        [made[5].id.to_string(), made[4].id.to_string()]
    );
    // The product the cursor points after, and the next one, leave the catalogue.
    archive(&app, &made[4]).await;
    archive(&app, &made[3]).await;
    let cursor = first.body["pagination"]["nextCursor"].as_str().unwrap();
    let second = list(&app, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(second.status, 200, "{:?}", second.body);
    assert_eq!(
        ids(&second),
        [made[2].id.to_string(), made[1].id.to_string()]
    );
}

#[tokio::test]
async fn defaults_to_twenty_and_says_when_there_is_no_more() {
    let app = TestApp::spawn().await;
    let empty = list(&app, "").await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body["data"], serde_json::json!([]));
    assert!(empty.body["pagination"]["nextCursor"].is_null());

    products(&app, 21).await;
    let first = list(&app, "").await;
    assert_eq!(ids(&first).len(), 20);
    assert_eq!(first.body["pagination"]["limit"], 20);
    let cursor = first.body["pagination"]["nextCursor"].as_str().unwrap();
    let second = list(&app, &format!("?cursor={cursor}")).await;
    assert_eq!(ids(&second).len(), 1);
    assert!(second.body["pagination"]["nextCursor"].is_null());
}

#[tokio::test]
async fn public_and_revalidated_with_or_without_a_token() {
    let app = TestApp::spawn().await;
    products(&app, 1).await;
    let anonymous = list(&app, "").await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.header("cache-control"), Some("no-cache"));
    let ada = app.user("Ada", "ada@example.com").await;
    let event = ApiEvent::new("GET /products", "/products").bearer(&app.token(&ada));
    let signed_in: TestResponse = serve(event.build(), |req| handle(&app.app, req))
        .await
        .into();
    assert_eq!(signed_in.body["data"], anonymous.body["data"]);
}

#[tokio::test]
async fn tampered_or_foreign_cursors_and_bad_limits_are_validation_errors() {
    let app = TestApp::spawn().await;
    let made = products(&app, 3).await;
    let page = list(&app, "?limit=1").await;
    let cursor = page.body["pagination"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    // Cursors this API signed, but for other lists: a user's orders, the user directory.
    let cursors = app.direct.tokens.cursor_key().await.unwrap();
    let ada = app.user("Ada", "ada@example.com").await;
    let orders_cursor = cursors.encode(&ada.id, &OrderId::new());
    let product_as_order = cursors.encode_in(CursorList::OrdersOf(&ada.id), &made[1].id);
    let users_cursor = cursors.encode_in(CursorList::UsersFor(&ada.id), &made[1].id);
    let own = cursors.encode_in(CursorList::Catalogue, &made[1].id);
    assert_eq!(list(&app, &format!("?cursor={own}")).await.status, 200);

    for bad in [
        tampered,
        orders_cursor,
        product_as_order,
        users_cursor,
        "garbage".to_owned(),
    ] {
        let response = list(&app, &format!("?cursor={bad}")).await;
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{bad}"
        );
        assert_eq!(response.error_fields(), ["cursor"]);
    }
    for limit in ["0", "101", "ten", "-1", "2.5"] {
        let response = list(&app, &format!("?limit={limit}")).await;
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{limit}"
        );
        assert_eq!(response.error_fields(), ["limit"], "{limit}");
    }
    assert_eq!(list(&app, "?limit=100").await.status, 200);
}
