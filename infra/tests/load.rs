//! A bounded load run through `cargo lambda watch` on loopback: mixed sign-up, login, orders,
//! cancels and reads from several clients, and an admin restocking the product they buy, for a
//! fixed time (LOAD_SECONDS, default 60), then a report (throughput, p50/p99 per operation,
//! errors) and the table's invariants (stock = initial + restocked - units of placed orders). Run by `make load`;
//! ignored by `cargo test` (it takes a minute and measures nothing `make test` should gate).

mod support;

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::test_support::TestApp;
use support::{Watch, agent};

fn env_var<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Default)]
struct Samples {
    latencies: HashMap<&'static str, Vec<Duration>>,
    statuses: HashMap<(&'static str, u16), u64>,
}

fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = match body {
        Some(body) => agent.run(
            request
                .header("content-type", "application/json")
                .body(body.to_string())
                .unwrap(),
        ),
        None => agent.run(request.body(()).unwrap()),
    };
    match response {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let mut text = String::new();
            let _ = response.body_mut().as_reader().read_to_string(&mut text);
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a one-minute load run: `make load`"]
async fn mixed_load_through_cargo_lambda_watch() {
    let seconds: u64 = env_var("LOAD_SECONDS", 60);
    let clients: usize = env_var("LOAD_CLIENTS", 8);
    let app = TestApp::spawn().await;
    // Room to restock: the admin adds units while clients buy them.
    let product = app.product("Load tea", 100, 500_000).await;
    let restocked = Arc::new(std::sync::atomic::AtomicI64::new(0));
    app.admin("load-admin@example.com").await;

    let dir = std::env::temp_dir().join(format!("load-{}", app.table));
    let watch = Watch::start(
        &dir,
        &app.table,
        "warn",
        &["--ignore-changes", "--concurrency", "2"],
    );
    let base = watch.url("");
    let agent = agent();

    // Warm-up, unmeasured: every function compiles and starts once.
    let warm = call(
        &agent,
        "POST",
        &format!("{base}/users"),
        None,
        Some(json!({"name": "Warm", "email": "warm@example.com", "password": "warm up password"})),
    );
    assert_eq!(warm.0, 201);
    let login = call(
        &agent,
        "POST",
        &format!("{base}/auth/login"),
        None,
        Some(json!({"email": "warm@example.com", "password": "warm up password"})),
    );
    let token = login.1["data"]["accessToken"].as_str().unwrap().to_owned();
    let admin = call(
        &agent,
        "POST",
        &format!("{base}/auth/login"),
        None,
        Some(
            json!({"email": "load-admin@example.com", "password": shared::test_support::TEST_PASSWORD}),
        ),
    );
    let admin_token = admin.1["data"]["accessToken"].as_str().unwrap().to_owned();
    call(
        &agent,
        "GET",
        &format!("{base}/products/{}", product.id),
        None,
        None,
    );
    call(&agent, "GET", &format!("{base}/orders"), Some(&token), None);
    call(
        &agent,
        "POST",
        &format!("{base}/orders"),
        Some(&token),
        Some(json!({"items": [{"productId": product.id.to_string(), "quantity": 1}]})),
    );

    let samples = Arc::new(Mutex::new(Samples::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    // The admin: a restock of 5 units every 50 ms, each counted only when it was applied (200).
    let restocker = {
        let (agent, base, samples, restocked) = (
            agent.clone(),
            base.clone(),
            samples.clone(),
            restocked.clone(),
        );
        let (product, admin_token) = (product.id.to_string(), admin_token.clone());
        std::thread::spawn(move || {
            while Instant::now() < deadline {
                let begun = Instant::now();
                let (status, _) = call(
                    &agent,
                    "PATCH",
                    &format!("{base}/products/{product}"),
                    Some(&admin_token),
                    Some(json!({"stockDelta": 5})),
                );
                let mut s = samples.lock().unwrap();
                s.latencies
                    .entry("restock")
                    .or_default()
                    .push(begun.elapsed());
                *s.statuses.entry(("restock", status)).or_default() += 1;
                drop(s);
                if status == 200 {
                    restocked.fetch_add(5, std::sync::atomic::Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let workers: Vec<_> = (0..clients)
        .map(|client| {
            let (agent, base, samples, product) = (agent.clone(), base.clone(), samples.clone(), product.id.to_string());
            std::thread::spawn(move || {
                let record = |op: &'static str, begun: Instant, status: u16| {
                    let mut s = samples.lock().unwrap();
                    s.latencies.entry(op).or_default().push(begun.elapsed());
                    *s.statuses.entry((op, status)).or_default() += 1;
                };
                let email = format!("client{client}@example.com");
                let password = "load test password";
                let begun = Instant::now();
                let (status, _) = call(&agent, "POST", &format!("{base}/users"), None, Some(json!({"name": "Client", "email": email, "password": password})));
                record("sign-up", begun, status);
                let mut token = String::new();
                let mut last_order: Option<String> = None;
                let mut n = 0u64;
                while Instant::now() < deadline {
                    n += 1;
                    let begun = Instant::now();
                    // Mix in every 10: 1 sign-up, 2 logins, 3 orders, 2 order lists, 1 cancel of the last
                    // order (a product read when there is none), 1 product read.
                    match n % 10 {
                        0 => {
                            let body = json!({"name": "Extra", "email": format!("c{client}-{n}@example.com"), "password": password});
                            let (status, _) = call(&agent, "POST", &format!("{base}/users"), None, Some(body));
                            record("sign-up", begun, status);
                        }
                        1 | 5 => {
                            let (status, body) = call(&agent, "POST", &format!("{base}/auth/login"), None, Some(json!({"email": email, "password": password})));
                            if let Some(access) = body["data"]["accessToken"].as_str() {
                                token = access.to_owned();
                            }
                            record("login", begun, status);
                        }
                        2 | 4 | 7 if !token.is_empty() => {
                            let body = json!({"items": [{"productId": product, "quantity": 1}]});
                            let (status, body) = call(&agent, "POST", &format!("{base}/orders"), Some(&token), Some(body));
                            last_order = body["data"]["id"].as_str().map(str::to_owned);
                            record("create-order", begun, status);
                        }
                        // One order in three is cancelled (its unit goes back to stock).
                        9 if !token.is_empty() && last_order.is_some() => {
                            let order = last_order.take().unwrap();
                            let (status, _) = call(&agent, "POST", &format!("{base}/orders/{order}/cancel"), Some(&token), None);
                            record("cancel-order", begun, status);
                        }
                        3 | 8 if !token.is_empty() => {
                            let (status, _) = call(&agent, "GET", &format!("{base}/orders?limit=10"), Some(&token), None);
                            record("list-orders", begun, status);
                        }
                        _ => {
                            let (status, _) = call(&agent, "GET", &format!("{base}/products/{product}"), None, None);
                            record("get-product", begun, status);
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    restocker.join().unwrap();
    let elapsed = started.elapsed();

    let Samples {
        latencies: mut all_latencies,
        statuses: all_statuses,
    } = std::mem::take(&mut *samples.lock().unwrap());
    let total: usize = all_latencies.values().map(Vec::len).sum();
    let mut report = format!(
        "Load: {clients} clients for {:.0} s through `cargo lambda watch --concurrency 2` (dev profile), DynamoDB Local\n\n\
         | operation | requests | p50 ms | p99 ms | statuses |\n|---|---:|---:|---:|---|\n",
        elapsed.as_secs_f64()
    );
    let mut ops: Vec<_> = all_latencies.keys().copied().collect();
    ops.sort_unstable();
    for op in ops {
        let latencies = all_latencies.get_mut(op).unwrap();
        latencies.sort_unstable();
        let mut statuses: Vec<_> = all_statuses
            .iter()
            .filter(|((o, _), _)| *o == op)
            .map(|((_, s), c)| format!("{s}×{c}"))
            .collect();
        statuses.sort();
        report.push_str(&format!(
            "| {op} | {} | {:.1} | {:.1} | {} |\n",
            latencies.len(),
            percentile(latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(latencies, 0.99).as_secs_f64() * 1000.0,
            statuses.join(", ")
        ));
    }
    report.push_str(&format!(
        "\nThroughput: {:.1} requests/s in all.\n",
        total as f64 / elapsed.as_secs_f64()
    ));
    println!("{report}");
    if let Ok(path) = std::env::var("LOAD_REPORT") {
        std::fs::write(path, &report).unwrap();
    }

    let server_errors: u64 = all_statuses
        .iter()
        .filter(|((_, s), _)| *s >= 500 || *s == 0)
        .map(|(_, c)| c)
        .sum();
    assert_eq!(
        server_errors, 0,
        "5xx or failed requests under load: {:?}",
        all_statuses
    );
    let violations = app
        .invariant_violations_with_restocks(
            &HashMap::from([(product.id, 500_000)]),
            &HashMap::from([(
                product.id,
                restocked.load(std::sync::atomic::Ordering::SeqCst),
            )]),
        )
        .await;
    assert!(violations.is_empty(), "{violations:#?}");
    let _ = std::fs::remove_dir_all(dir);
}
