//! Fault injection: DynamoDB going down, hanging and slowing under a running app, with every
//! route called through it. Every answer is a 503 in time (never a hang, a 500 or a panic),
//! the same app works again when DynamoDB returns, and the table's invariants hold throughout.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;
use shared::App;
use shared::domain::{Order, Product, User};
use shared::http::serve;
use shared::test_support::{ApiEvent, Fault, FaultProxy, TEST_PASSWORD, TestApp, TestResponse};

const ROUTES: [&str; 13] = [
    "POST /users",
    "GET /users/{id}",
    "PATCH /users/{id}",
    "DELETE /users/{id}",
    "POST /auth/login",
    "POST /auth/refresh",
    "POST /auth/logout",
    "POST /products",
    "GET /products/{id}",
    "POST /orders",
    "GET /orders/{id}",
    "GET /orders",
    "GET /health",
];

/// The app twice: `direct` on DynamoDB Local for setup and checks, `app` behind
/// the fault proxy, as the functions under test.
struct World {
    direct: TestApp,
    proxy: FaultProxy,
    app: App,
    ada: User,
    admin: User,
    tea: Product,
    order: Order,
}

impl World {
    async fn new() -> Self {
        let direct = TestApp::spawn().await;
        let proxy = FaultProxy::start(&std::env::var("DYNAMODB_ENDPOINT").unwrap()).await;
        let app = App::build_signing(direct.config_via(proxy.endpoint())).await;
        let ada = direct.user("Ada", "ada@example.com").await;
        let admin = direct.admin("root@example.com").await;
        let tea = direct.product("Tea", 450, 1000).await;
        let order = direct.order(&ada, &tea, 1).await;
        Self {
            direct,
            proxy,
            app,
            ada,
            admin,
            tea,
            order,
        }
    }

    /// A valid request to `route`, and its answer from the function behind the proxy.
    async fn call(&self, route: &str, n: usize) -> (TestResponse, Duration) {
        let d = &self.direct;
        let token = d.token(&self.ada);
        let admin = d.token(&self.admin);
        let tag = format!("{}-{n}", route.len());
        let ada_path = format!("/users/{}", self.ada.id);
        let started = Instant::now();
        let response = match route {
            "POST /users" => {
                let body = json!({"name": "New", "email": format!("new-{tag}-{}@example.com", uuid()), "password": "a good password"});
                serve(ApiEvent::new(route, "/users").json(&body).build(), |r| {
                    create_user::handle(&self.app, r)
                })
                .await
            }
            "GET /users/{id}" => {
                serve(
                    ApiEvent::new(route, &ada_path).bearer(&token).build(),
                    |r| get_user::handle(&self.app, r),
                )
                .await
            }
            "PATCH /users/{id}" => {
                let event = ApiEvent::new(route, &ada_path)
                    .bearer(&token)
                    .json(&json!({"name": format!("Ada {n}")}));
                serve(event.build(), |r| update_user::handle(&self.app, r)).await
            }
            "DELETE /users/{id}" => {
                let victim = d
                    .user("Victim", &format!("victim-{}@example.com", uuid()))
                    .await;
                let event = ApiEvent::new(route, &format!("/users/{}", victim.id))
                    .bearer(&d.token(&victim));
                serve(event.build(), |r| delete_user::handle(&self.app, r)).await
            }
            "POST /auth/login" => {
                let body = json!({"email": "ada@example.com", "password": TEST_PASSWORD});
                serve(
                    ApiEvent::new(route, "/auth/login").json(&body).build(),
                    |r| login::handle(&self.app, r),
                )
                .await
            }
            "POST /auth/refresh" | "POST /auth/logout" => {
                let refresh_token = d.session(&self.ada).await.refresh_token;
                let event =
                    ApiEvent::new(route, &route[5..]).json(&json!({"refreshToken": refresh_token}));
                if route.ends_with("refresh") {
                    serve(event.build(), |r| refresh::handle(&self.app, r)).await
                } else {
                    serve(event.build(), |r| logout::handle(&self.app, r)).await
                }
            }
            "POST /products" => {
                let event = ApiEvent::new(route, "/products")
                    .bearer(&admin)
                    .json(&json!({"name": "Cup", "priceCents": 999, "stock": 3}));
                serve(event.build(), |r| create_product::handle(&self.app, r)).await
            }
            "GET /products/{id}" => {
                let event = ApiEvent::new(route, &format!("/products/{}", self.tea.id));
                serve(event.build(), |r| get_product::handle(&self.app, r)).await
            }
            "POST /orders" => {
                let event = ApiEvent::new(route, "/orders")
                    .bearer(&token)
                    .header("Idempotency-Key", &format!("k-{}", uuid()))
                    .json(
                        &json!({"items": [{"productId": self.tea.id.to_string(), "quantity": 1}]}),
                    );
                serve(event.build(), |r| create_order::handle(&self.app, r)).await
            }
            "GET /orders/{id}" => {
                let event =
                    ApiEvent::new(route, &format!("/orders/{}", self.order.id)).bearer(&token);
                serve(event.build(), |r| get_order::handle(&self.app, r)).await
            }
            "GET /orders" => {
                serve(
                    ApiEvent::new(route, "/orders?limit=5")
                        .bearer(&token)
                        .build(),
                    |r| list_orders::handle(&self.app, r),
                )
                .await
            }
            "GET /health" => {
                serve(ApiEvent::new(route, "/health").build(), |r| {
                    health::handle(&self.app, r)
                })
                .await
            }
            other => panic!("no request for {other}"),
        };
        (response.into(), started.elapsed())
    }

    /// Every route at once; (route, status, code, elapsed) each.
    async fn call_all(&self, n: usize) -> Vec<(&'static str, u16, String, Duration)> {
        join_all(ROUTES.iter().map(|route| async move {
            let (response, elapsed) = self.call(route, n).await;
            (*route, response.status, response.code().to_owned(), elapsed)
        }))
        .await
    }

    async fn assert_invariants(&self) {
        let initial = HashMap::from([(self.tea.id, 1000)]);
        let violations = self.direct.invariant_violations(&initial).await;
        assert!(violations.is_empty(), "{violations:#?}");
    }
}

fn uuid() -> String {
    shared::domain::FamilyId::new().to_string()
}

fn assert_all_ok(results: &[(&str, u16, String, Duration)]) {
    for (route, status, code, _) in results {
        assert!((200..300).contains(status), "{route}: {status} {code}");
    }
}

fn assert_all_unavailable_within(results: &[(&str, u16, String, Duration)], limit: Duration) {
    for (route, status, code, elapsed) in results {
        assert_eq!(
            (*status, code.as_str()),
            (503, "SERVICE_UNAVAILABLE"),
            "{route}"
        );
        assert!(*elapsed < limit, "{route} took {elapsed:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_down_mid_run_then_back() {
    let world = World::new().await;
    assert_all_ok(&world.call_all(0).await);

    world.proxy.set(Fault::Down);
    assert_all_unavailable_within(&world.call_all(1).await, Duration::from_secs(6));
    world.assert_invariants().await;

    // Back, and the same app (same clients, same pools) serves again: no restart.
    world.proxy.set(Fault::None);
    assert_all_ok(&world.call_all(2).await);
    world.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_hanging_or_slow_makes_timeouts_fire() {
    let world = World::new().await;
    assert_all_ok(&world.call_all(0).await);

    // Never answers: only the client's timeouts end the calls (4.5 s per operation at most).
    world.proxy.set(Fault::Hang);
    assert_all_unavailable_within(&world.call_all(1).await, Duration::from_secs(7));
    world.assert_invariants().await;

    // Slower than an attempt may take (2 s): the same.
    world.proxy.set(Fault::Slow(Duration::from_secs(3)));
    assert_all_unavailable_within(&world.call_all(2).await, Duration::from_secs(7));

    // Slow, but within the timeouts: everything works.
    world.proxy.set(Fault::Slow(Duration::from_millis(150)));
    assert_all_ok(&world.call_all(3).await);
    world.proxy.set(Fault::None);
    assert_all_ok(&world.call_all(4).await);
    world.assert_invariants().await;
}
