//! The metrics a scripted session emits, as CloudWatch reads them: every document is valid
//! Embedded Metric Format (the `_aws` object, its `CloudWatchMetrics` directives, units), and
//! the counts are the session's. Alone in its binary: the `metrics` facade has one recorder per
//! process, and no other test may count into it.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use shared::http::serve;
use shared::metrics::CapturedMetrics;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

const NAMESPACE: &str = "test-namespace";
const UNITS: [&str; 2] = ["Count", "Milliseconds"];

async fn call<F, Fut>(event: ApiEvent, handler: F) -> TestResponse
where
    F: FnOnce(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = Result<shared::http::ApiResponse, shared::AppError>>,
{
    serve(event.build(), handler).await.into()
}

/// Holds one document to the EMF specification; returns its metrics' names and values.
fn check_emf(document: &Value) -> Vec<(String, Value)> {
    let aws = &document["_aws"];
    assert!(
        aws["Timestamp"].is_u64(),
        "no Timestamp (epoch ms): {document}"
    );
    let directives = aws["CloudWatchMetrics"].as_array().expect("directives");
    assert!(!directives.is_empty());
    let mut metrics = Vec::new();
    for directive in directives {
        assert_eq!(directive["Namespace"], NAMESPACE);
        let sets = directive["Dimensions"].as_array().expect("dimension sets");
        for set in sets {
            let set = set.as_array().expect("a dimension set is an array");
            assert!(set.len() <= 30, "at most 30 dimensions");
            assert!(set.contains(&json!("FunctionName")), "{document}");
            for dimension in set {
                let name = dimension.as_str().expect("dimension names are strings");
                assert!(
                    document[name].is_string(),
                    "dimension {name} has no string value"
                );
            }
        }
        for metric in directive["Metrics"].as_array().expect("metrics") {
            let name = metric["Name"].as_str().expect("a metric name").to_owned();
            let unit = metric["Unit"].as_str().expect("every metric says its unit");
            assert!(UNITS.contains(&unit), "unit {unit}");
            let value = document[&name].clone();
            let numbers = match &value {
                Value::Array(values) => values.clone(),
                other => vec![other.clone()],
            };
            assert!(
                !numbers.is_empty() && numbers.len() <= 100 && numbers.iter().all(Value::is_number),
                "{name}'s value is a number or up to 100 of them: {value}"
            );
            metrics.push((name, value));
        }
    }
    metrics
}

#[tokio::test]
async fn a_session_emits_valid_emf_with_its_counts() {
    let metrics = CapturedMetrics::install(NAMESPACE, "test-function");
    let app = TestApp::spawn().await;
    let password = "a passphrase for metrics";
    let signed_up = call(
        ApiEvent::new("POST /users", "/users")
            .json(&json!({"name": "Ada", "email": "ada@example.com", "password": password})),
        |req| create_user::handle(&app.app, req),
    )
    .await;
    assert_eq!(signed_up.status, 201);
    let login = |password: &'static str| {
        ApiEvent::new("POST /auth/login", "/auth/login")
            .json(&json!({"email": "ada@example.com", "password": password}))
    };
    let wrong = call(login("not the password"), |req| {
        login::handle(&app.app, req)
    })
    .await;
    assert_eq!(wrong.status, 401);
    let logged_in = call(login(password), |req| login::handle(&app.app, req)).await;
    assert_eq!(logged_in.status, 200);
    let access = logged_in.body["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = logged_in.body["data"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let tea = app.product("Tea", 450, 3).await;
    let order = |quantity: u64, key: &str| {
        ApiEvent::new("POST /orders", "/orders")
            .bearer(&access)
            .header("idempotency-key", key)
            .json(&json!({"items": [{"productId": tea.id.to_string(), "quantity": quantity}]}))
    };
    let placed = call(order(2, "first"), |req| create_order::handle(&app.app, req)).await;
    assert_eq!(placed.status, 201);
    let replayed = call(order(2, "first"), |req| create_order::handle(&app.app, req)).await;
    assert_eq!(replayed.status, 201);
    let short = call(order(5, "second"), |req| {
        create_order::handle(&app.app, req)
    })
    .await;
    assert_eq!(short.status, 409);

    let refresh_body = json!({"refreshToken": refresh});
    let rotated = call(
        ApiEvent::new("POST /auth/refresh", "/auth/refresh").json(&refresh_body),
        |req| refresh::handle(&app.app, req),
    )
    .await;
    assert_eq!(rotated.status, 200);
    let reused = call(
        ApiEvent::new("POST /auth/refresh", "/auth/refresh").json(&refresh_body),
        |req| refresh::handle(&app.app, req),
    )
    .await;
    assert_eq!(reused.status, 401);

    let mut counts: BTreeMap<String, f64> = BTreeMap::new();
    let mut latencies: BTreeMap<String, usize> = BTreeMap::new();
    for document in metrics.documents() {
        for (name, value) in check_emf(&document) {
            match value {
                Value::Array(values) => {
                    let operation = document["Operation"].as_str().unwrap_or("?").to_owned();
                    *latencies.entry(operation).or_default() += values.len();
                }
                number => *counts.entry(name).or_default() += number.as_f64().unwrap(),
            }
        }
    }
    let expected: BTreeMap<String, f64> = [
        ("ColdStarts", 1.0),
        ("SignUps", 1.0),
        ("LoginFailures", 1.0),
        ("Logins", 1.0),
        ("OrdersPlaced", 1.0),
        ("IdempotentReplays", 1.0),
        ("InsufficientStock", 1.0),
        ("RefreshTokenReuse", 1.0),
    ]
    .into_iter()
    .map(|(name, count)| (name.to_owned(), count))
    .collect();
    assert_eq!(counts, expected);
    for operation in [
        "PutItem",
        "GetItem",
        "BatchGetItem",
        "TransactWriteItems",
        "UpdateItem",
    ] {
        assert!(
            latencies.get(operation).is_some_and(|n| *n > 0),
            "no DynamoDbLatency for {operation}: {latencies:?}"
        );
    }
}
