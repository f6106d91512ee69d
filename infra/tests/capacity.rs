//! The DynamoDB capacity every route consumes in a typical call, held to the table in
//! docs/CAPACITY.md: a route that starts consuming more fails here, and one that consumes less
//! asks for the table to be updated. `UPDATE_CAPACITY=1 cargo test -p infra --test capacity`
//! writes what it measured into the table instead.
//!
//! The units are DynamoDB Local's own `ConsumedCapacity`, read off the wire by `TestApp`'s
//! relay (shared/src/test_support/capacity.rs), and what AWS bills for the same calls.

use std::path::PathBuf;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use shared::domain::{Order, Product, User};
use shared::http::serve;
use shared::test_support::{ApiEvent, Consumption, TEST_PASSWORD, TestApp, TestResponse};

const START: &str = "<!-- capacity-units:start -->";
const END: &str = "<!-- capacity-units:end -->";

/// Every route of the API, in README.md's order.
const ROUTES: [&str; 19] = [
    "POST /users",
    "GET /users/{id}",
    "PATCH /users/{id}",
    "DELETE /users/{id}",
    "GET /users",
    "POST /auth/login",
    "POST /auth/refresh",
    "POST /auth/logout",
    "POST /products",
    "GET /products",
    "GET /products/{id}",
    "PATCH /products/{id}",
    "DELETE /products/{id}",
    "POST /orders",
    "GET /orders/{id}",
    "GET /orders",
    "POST /orders/{id}/cancel",
    "GET /.well-known/jwks.json",
    "GET /health",
];

/// A shop in a typical state: three users (one an admin), three products on sale, two of
/// Ada's orders.
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
        test.user("Grace", "grace@example.com").await;
        let admin = test.admin("root@example.com").await;
        let tea = test.product("Tea", 450, 1000).await;
        test.product("Cup", 999, 20).await;
        test.product("Pot", 2500, 5).await;
        let order = test.order(&ada, &tea, 2).await;
        test.order(&ada, &tea, 1).await;
        Self {
            test,
            ada,
            admin,
            tea,
            order,
        }
    }

    /// A typical request to `route` (what it needs set up first, through `direct`, which the
    /// meter does not see), and its answer.
    async fn call(&self, route: &str) -> (TestResponse, Consumption) {
        let (test, app) = (&self.test, &self.test.app);
        let ada = test.token(&self.ada);
        let admin = test.token(&self.admin);
        let event = ApiEvent::new(route, "/");
        let needs = |wanted: &str| route == wanted;
        let victim = match needs("DELETE /users/{id}") {
            true => Some(test.user("Victim", "victim@example.com").await),
            false => None,
        };
        let archived = match needs("DELETE /products/{id}") {
            true => Some(test.product("Old", 100, 1).await),
            false => None,
        };
        let cancelled = match needs("POST /orders/{id}/cancel") {
            true => Some(test.order(&self.ada, &self.tea, 1).await),
            false => None,
        };
        let refresh_token = match needs("POST /auth/refresh") || needs("POST /auth/logout") {
            true => test.session(&self.ada).await.refresh_token,
            false => String::new(),
        };
        let mark = test.capacity.mark();
        let response = match route {
            "POST /users" => {
                let body = json!({"name": "New", "email": "new@example.com", "password": "a good password"});
                let event = ApiEvent::new(route, "/users").json(&body);
                serve(event.build(), |r| create_user::handle(app, r)).await
            }
            "GET /users/{id}" => {
                let event = ApiEvent::new(route, &format!("/users/{}", self.ada.id)).bearer(&ada);
                serve(event.build(), |r| get_user::handle(app, r)).await
            }
            "PATCH /users/{id}" => {
                let event = ApiEvent::new(route, &format!("/users/{}", self.ada.id))
                    .bearer(&ada)
                    .json(&json!({"name": "Ada L."}));
                serve(event.build(), |r| update_user::handle(app, r)).await
            }
            "DELETE /users/{id}" => {
                let victim = victim.expect("set up");
                let event = ApiEvent::new(route, &format!("/users/{}", victim.id))
                    .bearer(&test.token(&victim));
                serve(event.build(), |r| delete_user::handle(app, r)).await
            }
            "GET /users" => {
                let event = ApiEvent::new(route, "/users").bearer(&admin);
                serve(event.build(), |r| list_users::handle(app, r)).await
            }
            "POST /auth/login" => {
                let body = json!({"email": "ada@example.com", "password": TEST_PASSWORD});
                let event = ApiEvent::new(route, "/auth/login").json(&body);
                serve(event.build(), |r| login::handle(app, r)).await
            }
            "POST /auth/refresh" => {
                let event = ApiEvent::new(route, "/auth/refresh")
                    .json(&json!({"refreshToken": refresh_token}));
                serve(event.build(), |r| refresh::handle(app, r)).await
            }
            "POST /auth/logout" => {
                let event = ApiEvent::new(route, "/auth/logout")
                    .json(&json!({"refreshToken": refresh_token}));
                serve(event.build(), |r| logout::handle(app, r)).await
            }
            "POST /products" => {
                let event = ApiEvent::new(route, "/products")
                    .bearer(&admin)
                    .json(&json!({"name": "Mug", "priceCents": 1200, "stock": 10}));
                serve(event.build(), |r| create_product::handle(app, r)).await
            }
            "GET /products" => {
                let event = ApiEvent::new(route, "/products");
                serve(event.build(), |r| list_products::handle(app, r)).await
            }
            "GET /products/{id}" => {
                let event = ApiEvent::new(route, &format!("/products/{}", self.tea.id));
                serve(event.build(), |r| get_product::handle(app, r)).await
            }
            "PATCH /products/{id}" => {
                let event = ApiEvent::new(route, &format!("/products/{}", self.tea.id))
                    .bearer(&admin)
                    .json(&json!({"stockDelta": 5}));
                serve(event.build(), |r| update_product::handle(app, r)).await
            }
            "DELETE /products/{id}" => {
                let archived = archived.expect("set up");
                let event =
                    ApiEvent::new(route, &format!("/products/{}", archived.id)).bearer(&admin);
                serve(event.build(), |r| delete_product::handle(app, r)).await
            }
            "POST /orders" => {
                let line = json!({"productId": self.tea.id.to_string(), "quantity": 1});
                let event = ApiEvent::new(route, "/orders")
                    .bearer(&ada)
                    .header("Idempotency-Key", "capacity-order-1")
                    .json(&json!({"items": [line]}));
                serve(event.build(), |r| create_order::handle(app, r)).await
            }
            "GET /orders/{id}" => {
                let event =
                    ApiEvent::new(route, &format!("/orders/{}", self.order.id)).bearer(&ada);
                serve(event.build(), |r| get_order::handle(app, r)).await
            }
            "GET /orders" => {
                let event = ApiEvent::new(route, "/orders").bearer(&ada);
                serve(event.build(), |r| list_orders::handle(app, r)).await
            }
            "POST /orders/{id}/cancel" => {
                let cancelled = cancelled.expect("set up");
                let event =
                    ApiEvent::new(route, &format!("/orders/{}/cancel", cancelled.id)).bearer(&ada);
                serve(event.build(), |r| cancel_order::handle(app, r)).await
            }
            "GET /.well-known/jwks.json" => {
                let event = ApiEvent::new(route, "/.well-known/jwks.json");
                serve(event.build(), |r| jwks::handle(app, r)).await
            }
            "GET /health" => serve(event.build(), |r| health::handle(app, r)).await,
            other => panic!("no request for {other}"),
        };
        (response.into(), test.capacity.since(mark))
    }
}

/// An item's size as DynamoDB counts it: names and values, a number at most 21 bytes, a list
/// or map 3 bytes plus 1 per element.
fn item_size(item: &std::collections::HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number.len().div_ceil(2) + 1,
        AttributeValue::B(bytes) => bytes.as_ref().len(),
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => 3 + map.len() + item_size(map),
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        _ => 1,
    }
}

/// A route's row of the table.
fn row(route: &str, consumed: &Consumption) -> String {
    let (read, write) = consumed.units();
    let (billed_read, billed_write) = consumed.billed();
    let calls = consumed.operations().join(" + ");
    let by_resource: Vec<String> = consumed
        .by_resource()
        .iter()
        .filter(|(_, units)| **units > 0.0)
        .map(|(resource, units)| format!("{resource} {units}"))
        .collect();
    format!(
        "| `{route}` | {} | {billed_read} | {billed_write} | {read} | {write} | {} |",
        if calls.is_empty() { "none" } else { &calls },
        by_resource.join(", ")
    )
}

fn table(rows: &[String]) -> String {
    let mut lines = vec![
        "| Route | DynamoDB calls | Read units (AWS) | Write units (AWS) | Read units (Local) | Write units (Local) | Local's units by table/index |".to_owned(),
        "|---|---|---:|---:|---:|---:|---|".to_owned(),
    ];
    lines.extend(rows.iter().cloned());
    lines.join("\n")
}

fn document() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/CAPACITY.md")
}

/// The text between the markers, and where it sits in the document.
fn block(text: &str) -> (usize, usize) {
    let start = text
        .find(START)
        .expect("docs/CAPACITY.md has the start marker")
        + START.len();
    let end = text.find(END).expect("docs/CAPACITY.md has the end marker");
    (start, end)
}

/// AWS's read and write units of each route in a table's text.
fn billed_units(table: &str) -> Vec<(String, f64, f64)> {
    table
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let units = |i: usize| cells[i].parse::<f64>().expect("units are numbers");
            (cells[1].trim_matches('`').to_owned(), units(3), units(4))
        })
        .collect()
}

/// Routes over the table's units (regressions), then routes under them (the table is stale).
fn compare(held: &str, measured: &str) -> (Vec<String>, Vec<String>) {
    let held = billed_units(held);
    let (mut more, mut less) = (Vec::new(), Vec::new());
    for (route, read, write) in billed_units(measured) {
        let Some((_, held_read, held_write)) = held.iter().find(|(r, _, _)| *r == route) else {
            more.push(format!("{route}: not in the table"));
            continue;
        };
        let line = format!(
            "{route}: reads {read} (table {held_read}), writes {write} (table {held_write})"
        );
        if read > *held_read || write > *held_write {
            more.push(line);
        } else if read < *held_read || write < *held_write {
            less.push(line);
        }
    }
    (more, less)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_consumes_no_more_capacity_than_the_table_holds() {
    let shop = Shop::new().await;
    // Warm, as a function is after its first call: the keys are cached.
    shop.call("GET /users/{id}").await;
    let mut rows = Vec::new();
    for route in ROUTES {
        let (response, consumed) = shop.call(route).await;
        assert!(
            (200..300).contains(&response.status),
            "{route}: {} {}",
            response.status,
            response.body
        );
        assert!(
            consumed.all_metered(),
            "{route}: a call failed: {consumed:?}"
        );
        rows.push(row(route, &consumed));
    }
    let measured = table(&rows);
    // The AWS column bills a transaction's actions by count (capacity.rs): exact while every
    // item is under 1 KB.
    let largest = shop
        .test
        .all_items()
        .await
        .iter()
        .map(item_size)
        .max()
        .unwrap();
    assert!(
        largest < 1024,
        "an item of {largest} bytes: transactions bill more than the table says"
    );

    let path = document();
    let text = std::fs::read_to_string(&path).expect("docs/CAPACITY.md exists");
    let (start, end) = block(&text);
    if std::env::var_os("UPDATE_CAPACITY").is_some() {
        let updated = format!("{}\n{measured}\n{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).expect("docs/CAPACITY.md is written");
        return;
    }
    let held = text[start..end].trim();
    let (more, less) = compare(held, &measured);
    assert!(
        more.is_empty(),
        "routes consume more DynamoDB capacity than docs/CAPACITY.md holds (a regression; if \
         intended, UPDATE_CAPACITY=1 rewrites the table):\n{}",
        more.join("\n")
    );
    assert!(
        less.is_empty(),
        "routes consume less than docs/CAPACITY.md holds: update the table \
         (UPDATE_CAPACITY=1 cargo test -p infra --test capacity):\n{}",
        less.join("\n")
    );
    assert_eq!(
        held, measured,
        "docs/CAPACITY.md's table is not what was measured: UPDATE_CAPACITY=1 rewrites it"
    );
}

#[test]
fn a_route_over_its_units_is_a_regression_and_one_under_them_a_stale_table() {
    let held = table(&["| `GET /x` | GetItem | 1 | 0 | 1 | 0 | table R 1 |".to_owned()]);
    let more = table(&["| `GET /x` | GetItem | 1.5 | 0 | 1.5 | 0 | table R 1.5 |".to_owned()]);
    let less = table(&["| `GET /x` | GetItem | 0.5 | 0 | 0.5 | 0 | table R 0.5 |".to_owned()]);
    assert_eq!(compare(&held, &more).0.len(), 1);
    assert_eq!(
        compare(&held, &less),
        (
            vec![],
            vec!["GET /x: reads 0.5 (table 1), writes 0 (table 0)".to_owned()]
        )
    );
    assert_eq!(compare(&held, &held), (vec![], vec![]));
}
