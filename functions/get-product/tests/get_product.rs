//! `GET /products/{id}` against DynamoDB Local: the product, its `ETag`, 304, and 404 once
//! archived.

use serde_json::json;
use shared::domain::{Product, ProductId, ProductPatch, StockDelta, Timestamp};
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn read(app: &TestApp, id: &str) -> TestResponse {
    read_with(app, id, None).await
}

async fn read_with(app: &TestApp, id: &str, if_none_match: Option<&str>) -> TestResponse {
    let mut event = ApiEvent::new("GET /products/{id}", &format!("/products/{id}"));
    if let Some(tags) = if_none_match {
        event = event.header("If-None-Match", tags);
    }
    serve(event.build(), |req| get_product::handle(&app.app, req))
        .await
        .into()
}

fn etag(response: &TestResponse) -> String {
    response
        .header("etag")
        .unwrap_or_else(|| panic!("no ETag: {:?}", response.headers))
        .to_owned()
}

#[tokio::test]
async fn anyone_reads_a_product() {
    let app = TestApp::spawn().await;
    let tea = app.product("Green tea", 450, 12).await;
    let response = read(&app, &tea.id.to_string()).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.body["status"], "success");
    let data = &response.body["data"];
    assert_eq!(*data, json!(tea));
    let mut keys: Vec<_> = data.as_object().unwrap().keys().cloned().collect();
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
    assert_eq!(
        (
            data["name"].as_str(),
            data["priceCents"].as_u64(),
            data["stock"].as_u64()
        ),
        (Some("Green tea"), Some(450), Some(12))
    );
    assert_eq!(data["updatedAt"], data["createdAt"], "never written since");
    // Public, but revalidated by caches on every use.
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    assert_eq!(etag(&response), "\"v1\"");
}

#[tokio::test]
async fn a_matching_if_none_match_is_304_without_a_body() {
    let app = TestApp::spawn().await;
    let tea = app.product("Green tea", 450, 12).await;
    let id = tea.id.to_string();
    let first = read(&app, &id).await;
    let tag = etag(&first);
    for matching in [
        tag.clone(),
        format!("W/{tag}"),
        format!("\"v9\", {tag}"),
        "*".into(),
    ] {
        let again = read_with(&app, &id, Some(&matching)).await;
        assert_eq!(again.status, 304, "{matching}");
        assert_eq!(again.body, serde_json::Value::Null);
        assert_eq!(again.header("etag"), Some(tag.as_str()));
        assert_eq!(again.header("cache-control"), Some("no-cache"));
        assert!(again.header("x-request-id").is_some());
        assert!(again.header("content-type").is_none());
    }
    let stale = read_with(&app, &id, Some("\"v0\"")).await;
    assert_eq!(stale.status, 200);
    assert_eq!(stale.body["data"], json!(tea));
}

#[tokio::test]
async fn a_sale_changes_the_etag_and_the_stock_shown() {
    let app = TestApp::spawn().await;
    let tea = app.product("Green tea", 450, 12).await;
    let buyer = app.user("Ada", "ada@example.com").await;
    let id = tea.id.to_string();
    let before = etag(&read(&app, &id).await);
    app.order(&buyer, &tea, 2).await;
    let after = read_with(&app, &id, Some(&before)).await;
    assert_eq!(after.status, 200, "the old tag no longer matches");
    assert_ne!(etag(&after), before);
    assert_eq!(etag(&after), "\"v2\"");
    assert_eq!(after.body["data"]["stock"], 10);
    let sold_at = after.body["data"]["updatedAt"].as_str().unwrap();
    assert!(sold_at >= after.body["data"]["createdAt"].as_str().unwrap());
}

#[tokio::test]
async fn a_restock_or_an_edit_changes_the_etag() {
    let app = TestApp::spawn().await;
    let tea = app.product("Green tea", 450, 12).await;
    let id = tea.id.to_string();
    let mut tags = vec![etag(&read(&app, &id).await)];
    for patch in [
        ProductPatch {
            name: None,
            price_cents: None,
            stock_delta: StockDelta::new(5),
        },
        ProductPatch {
            name: Some(shared::domain::ProductName::parse("Sencha").unwrap()),
            price_cents: None,
            stock_delta: None,
        },
    ] {
        app.direct
            .store
            .update_product(&tea.id, &patch, None, Timestamp::now())
            .await
            .unwrap();
        let response = read_with(&app, &id, Some(tags.last().unwrap())).await;
        assert_eq!(response.status, 200);
        tags.push(etag(&response));
    }
    assert_eq!(tags, ["\"v1\"", "\"v2\"", "\"v3\""]);
}

#[tokio::test]
async fn an_archived_product_is_404() {
    let app = TestApp::spawn().await;
    let tea = app.product("Green tea", 450, 12).await;
    app.direct
        .store
        .archive_product(&tea.id, Timestamp::now())
        .await
        .unwrap();
    let response = read(&app, &tea.id.to_string()).await;
    assert_eq!((response.status, response.code()), (404, "NOT_FOUND"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert!(response.header("etag").is_none());
}

#[tokio::test]
async fn a_product_stored_before_versions_reads_at_version_0() {
    let app = TestApp::spawn().await;
    let tea: Product = app.product("Green tea", 450, 12).await;
    let key = shared::store::keys::product(&tea.id);
    app.direct
        .store
        .client()
        .update_item()
        .table_name(&app.table)
        .set_key(Some(key.to_attributes()))
        .update_expression("REMOVE #version, #updatedAt")
        .expression_attribute_names("#version", shared::store::attrs::VERSION)
        .expression_attribute_names("#updatedAt", shared::store::attrs::UPDATED_AT)
        .send()
        .await
        .unwrap();
    let response = read(&app, &tea.id.to_string()).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(etag(&response), "\"v0\"");
    assert_eq!(response.body["data"]["updatedAt"], json!(tea.created_at));
    let cached = read_with(&app, &tea.id.to_string(), Some("\"v0\"")).await;
    assert_eq!(cached.status, 304);
}

#[tokio::test]
async fn unknown_products_are_404() {
    let app = TestApp::spawn().await;
    for id in [ProductId::new().to_string(), "nope".to_owned()] {
        let response = read(&app, &id).await;
        assert_eq!(
            (response.status, response.code()),
            (404, "NOT_FOUND"),
            "{id}"
        );
    }
}
