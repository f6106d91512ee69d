//! `GET /products/{id}` against DynamoDB Local.

use serde_json::json;
use shared::domain::ProductId;
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn read(app: &TestApp, id: &str) -> TestResponse {
    let event = ApiEvent::new("GET /products/{id}", &format!("/products/{id}"));
    serve(event.build(), |req| get_product::handle(&app.app, req))
        .await
        .into()
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
    assert_eq!(keys, ["createdAt", "id", "name", "priceCents", "stock"]);
    assert_eq!(
        (
            data["name"].as_str(),
            data["priceCents"].as_u64(),
            data["stock"].as_u64()
        ),
        (Some("Green tea"), Some(450), Some(12))
    );
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
