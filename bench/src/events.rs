//! The API Gateway events each function is measured with, and the data they refer to, made
//! before anything is timed.

use serde_json::json;
use shared::domain::{Email, User, UserName, UserRecord};
use shared::test_support::{ApiEvent, TEST_PASSWORD, TestApp};

/// What the events refer to.
pub struct World {
    pub ada: User,
    admin: User,
    product: shared::domain::Product,
    /// Restocked by update-product's events, so its stock never nears the maximum.
    restocked: String,
    order: String,
}

/// `count` events for `function`. Calls that consume what they are given get a fresh one each:
/// a new email for create-user, a new user for delete-user, a new session's refresh token for
/// refresh and logout, a new product for delete-product, a new order for cancel-order (made
/// beforehand, outside the timing). Access tokens are minted now, so a
/// long run never presents an expired one.
pub async fn events(
    app: &TestApp,
    world: &World,
    function: &str,
    count: usize,
    label: &str,
) -> Vec<String> {
    let ada = &world.ada;
    let token = app.token(ada);
    let admin_token = app.token(&world.admin);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let event = match function {
            "create-user" => ApiEvent::new("POST /users", "/users").json(&json!({
                "name": "Bench User",
                "email": format!("{label}-{i}-{}@example.com", shared::domain::FamilyId::new()),
                "password": "a long bench password",
            })),
            "get-user" => {
                ApiEvent::new("GET /users/{id}", &format!("/users/{}", ada.id)).bearer(&token)
            }
            "update-user" => ApiEvent::new("PATCH /users/{id}", &format!("/users/{}", ada.id))
                .bearer(&token)
                .json(&json!({"name": format!("Ada {label} {i}")})),
            "delete-user" => {
                let doomed = unhashed_user(app, label).await;
                ApiEvent::new("DELETE /users/{id}", &format!("/users/{}", doomed.id))
                    .bearer(&app.token(&doomed))
            }
            "login" => ApiEvent::new("POST /auth/login", "/auth/login")
                .json(&json!({"email": ada.email.as_str(), "password": TEST_PASSWORD})),
            "refresh" | "logout" => {
                let refresh_token = app.session(ada).await.refresh_token;
                ApiEvent::new(
                    &format!("POST /auth/{function}"),
                    &format!("/auth/{function}"),
                )
                .json(&json!({"refreshToken": refresh_token}))
            }
            "create-product" => ApiEvent::new("POST /products", "/products")
                .bearer(&admin_token)
                .json(
                    &json!({"name": format!("Bench {label} {i}"), "priceCents": 999, "stock": 10}),
                ),
            "get-product" => ApiEvent::new(
                "GET /products/{id}",
                &format!("/products/{}", world.product.id),
            ),
            "list-products" => ApiEvent::new("GET /products", "/products?limit=20"),
            "update-product" => ApiEvent::new(
                "PATCH /products/{id}",
                &format!("/products/{}", world.restocked),
            )
            .bearer(&admin_token)
            .json(&json!({"stockDelta": 1})),
            "delete-product" => {
                let doomed = app.product(&format!("Bench {label} {i}"), 100, 1).await;
                ApiEvent::new("DELETE /products/{id}", &format!("/products/{}", doomed.id))
                    .bearer(&admin_token)
            }
            "cancel-order" => {
                let order = app.order(ada, &world.product, 1).await;
                ApiEvent::new(
                    "POST /orders/{id}/cancel",
                    &format!("/orders/{}/cancel", order.id),
                )
                .bearer(&token)
            }
            "list-users" => ApiEvent::new("GET /users", "/users?limit=20").bearer(&admin_token),
            "create-order" => ApiEvent::new("POST /orders", "/orders")
                .bearer(&token)
                .json(
                    &json!({"items": [{"productId": world.product.id.to_string(), "quantity": 1}]}),
                ),
            "get-order" => ApiEvent::new("GET /orders/{id}", &format!("/orders/{}", world.order))
                .bearer(&token),
            "list-orders" => ApiEvent::new("GET /orders", "/orders?limit=20").bearer(&token),
            "health" => ApiEvent::new("GET /health", "/health"),
            "jwks" => ApiEvent::new("GET /.well-known/jwks.json", "/.well-known/jwks.json"),
            other => panic!("no events for {other}"),
        };
        out.push(event.to_json());
    }
    out
}

/// Ada (a user), an admin, a product with stock for every order, and one order of Ada's.
pub async fn world(app: &TestApp) -> World {
    let ada = app.user("Ada", "ada@example.com").await;
    let admin = app.admin("root@example.com").await;
    let product = app.product("Bench tea", 100, 1_000_000).await;
    let restocked = app.product("Bench coffee", 100, 0).await;
    let order = app.order(&ada, &product, 1).await;
    World {
        ada,
        admin,
        product,
        restocked: restocked.id.to_string(),
        order: order.id.to_string(),
    }
}

/// A user stored with a fixed valid hash (no hashing): cheap enough to make by the thousand.
async fn unhashed_user(app: &TestApp, label: &str) -> User {
    let record = UserRecord::new(
        UserName::parse("Bench").expect("valid name"),
        Email::parse(&format!(
            "{label}-{}@example.com",
            shared::domain::FamilyId::new()
        ))
        .expect("valid email"),
        app.app.passwords.dummy_hash(),
    );
    app.app
        .store
        .create_user(&record)
        .await
        .expect("user stored");
    record.user
}
