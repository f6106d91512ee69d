//! `POST /products` against DynamoDB Local.

use serde_json::{Value, json};
use shared::domain::{ProductId, User};
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn create(app: &TestApp, caller: Option<&User>, body: Value) -> TestResponse {
    let mut event = ApiEvent::new("POST /products", "/products").json(&body);
    if let Some(user) = caller {
        event = event.bearer(&app.token(user));
    }
    serve(event.build(), |req| create_product::handle(&app.app, req))
        .await
        .into()
}

#[tokio::test]
async fn an_admin_creates_a_product() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let created = create(
        &app,
        Some(&admin),
        json!({"name": " Green tea ", "priceCents": 450, "stock": 12}),
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let data = &created.body["data"];
    let id = data["id"].as_str().unwrap();
    assert_eq!(
        created.header("location"),
        Some(format!("/products/{id}").as_str())
    );
    assert_eq!(data["name"], "Green tea");
    assert_eq!(data["priceCents"], 450);
    assert_eq!(data["stock"], 12);
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
    assert_eq!(data["updatedAt"], data["createdAt"]);

    let id = ProductId::parse(id).unwrap();
    let stored = app
        .direct
        .store
        .find_product(&id)
        .await
        .unwrap()
        .expect("the product is stored");
    assert_eq!(json!(stored), *data);
    assert_eq!(stored.version, 1, "its ETag starts at \"v1\"");
    // On sale from the start: listed in the catalogue.
    let listed = app.direct.store.list_products(10, None).await.unwrap();
    assert_eq!(listed.products, [stored]);
}

#[tokio::test]
async fn only_admins_create_products() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let body = json!({"name": "Tea", "priceCents": 450, "stock": 1});
    let forbidden = create(&app, Some(&ada), body.clone()).await;
    assert_eq!((forbidden.status, forbidden.code()), (403, "FORBIDDEN"));
    let anonymous = create(&app, None, body).await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (401, "UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn fields_follow_the_contract() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let cases = [
        (
            json!({"name": "", "priceCents": 1, "stock": 0}),
            vec!["name"],
        ),
        (
            json!({"name": "x".repeat(201), "priceCents": 1, "stock": 0}),
            vec!["name"],
        ),
        (
            json!({"name": "Tea", "priceCents": 0, "stock": 0}),
            vec!["priceCents"],
        ),
        (
            json!({"name": "Tea", "priceCents": 100_000_001, "stock": 0}),
            vec!["priceCents"],
        ),
        (
            json!({"name": "Tea", "priceCents": 4.5, "stock": 0}),
            vec!["priceCents"],
        ),
        (
            json!({"name": "Tea", "priceCents": "450", "stock": 0}),
            vec!["priceCents"],
        ),
        (
            json!({"name": "Tea", "priceCents": 1, "stock": -1}),
            vec!["stock"],
        ),
        (
            json!({"name": "Tea", "priceCents": 1, "stock": 1_000_001}),
            vec!["stock"],
        ),
        (
            json!({"name": "Tea", "priceCents": 1, "stock": 1, "id": "mine"}),
            vec!["id"],
        ),
        (json!({}), vec!["name", "priceCents", "stock"]),
    ];
    for (body, fields) in cases {
        let response = create(&app, Some(&admin), body.clone()).await;
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{body}"
        );
        assert_eq!(response.error_fields(), fields, "{body}");
    }
    let edge = create(
        &app,
        Some(&admin),
        json!({"name": "x".repeat(200), "priceCents": 100_000_000, "stock": 0}),
    )
    .await;
    assert_eq!(edge.status, 201);
}
