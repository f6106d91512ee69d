//! `make bench`: every function's release binary under a Lambda Runtime API emulator, beside
//! the floor (a bare runtime) and the Node.js peer, over DynamoDB Local. Writes BENCHMARKS.md
//! and bench/cold-start.svg, and exits non-zero when a budget is missed.
//!
//! Environment: DYNAMODB_ENDPOINT (required), BENCH_COLD (cold starts per function, 20),
//! BENCH_WARM (warm invocations, 1000), BENCH_WARM_HASHING (for the functions that hash a
//! password on every call, 100), BENCH_BIN_DIR (release binaries, target/release),
//! BENCH_NODE (1 to measure the Node.js peer), BENCH_ZIP_DIR (arm64 zips, if built).

mod emulator;
mod report;
mod stats;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use emulator::{Emulator, Happening};
use serde_json::{Value, json};
use shared::domain::{Email, PasswordHash, User, UserName, UserRecord};
use shared::test_support::{
    ApiEvent, TEST_ACCESS_SECRET, TEST_AUDIENCE, TEST_ISSUER, TEST_PASSWORD, TEST_REFRESH_SECRET,
    TestApp,
};

/// The functions that hash or verify a password on every call (argon2id: ~19 MiB, ~45 ms).
pub const HASHING: [&str; 2] = ["create-user", "login"];

/// One program under measurement.
pub struct Subject {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cold_events: Vec<String>,
    pub warm_events: Vec<String>,
}

/// What was measured of one subject.
#[derive(Debug, Default, Clone)]
pub struct Measurement {
    pub name: String,
    pub init: Vec<Duration>,
    pub cold: Vec<Duration>,
    pub warm: Vec<Duration>,
    pub cpu_per_warm: Duration,
    pub peak_rss_kib: u64,
    pub failures: Vec<String>,
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const WAIT: Duration = Duration::from_secs(30);

fn spawn(subject: &Subject, emulator: &Emulator, table: &str) -> Child {
    let mut command = Command::new(&subject.program);
    command
        .args(&subject.args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", &emulator.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", &subject.name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("TABLE_NAME", table)
        .env(
            "DYNAMODB_ENDPOINT",
            std::env::var("DYNAMODB_ENDPOINT").unwrap(),
        )
        .env("JWT_SECRET", TEST_ACCESS_SECRET)
        .env("REFRESH_TOKEN_SECRET", TEST_REFRESH_SECRET)
        .env("JWT_ISSUER", TEST_ISSUER)
        .env("JWT_AUDIENCE", TEST_AUDIENCE)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", subject.program.display()))
}

/// Waits for the function's answer to the event just queued; `(next at, response at, body)`.
fn answer(emulator: &Emulator) -> Result<(Option<Instant>, Instant, Vec<u8>), String> {
    let mut next = None;
    loop {
        match emulator.next_happening(WAIT) {
            Some(Happening::Next(at)) => next = next.or(Some(at)),
            Some(Happening::Response(at, body)) => return Ok((next, at, body)),
            Some(Happening::Error(error)) => return Err(error),
            None => return Err("no answer within 30 s".into()),
        }
    }
}

/// The HTTP status inside an API Gateway response body (200 for the floor's `{}`).
fn status_of(body: &[u8]) -> u16 {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("statusCode").and_then(Value::as_u64))
        .map_or(200, |s| s as u16)
}

fn proc_field(pid: u32, file: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with(key))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, from /proc/<pid>/stat.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn measure(subject: &Subject, emulator: &Emulator, table: &str) -> Measurement {
    let mut m = Measurement {
        name: subject.name.clone(),
        ..Default::default()
    };
    for event in &subject.cold_events {
        emulator.drain();
        let started = Instant::now();
        let child = spawn(subject, emulator, table);
        emulator.queue(event.clone());
        match answer(emulator) {
            Ok((Some(next), responded, body)) => {
                m.init.push(next - started);
                m.cold.push(responded - started);
                let status = status_of(&body);
                if !(200..300).contains(&status) {
                    m.failures.push(format!("cold: status {status}"));
                }
            }
            Ok((None, _, _)) => m.failures.push("cold: answered without asking".into()),
            Err(error) => m.failures.push(format!("cold: {error}")),
        }
        stop(child);
    }

    emulator.drain();
    let child = spawn(subject, emulator, table);
    let pid = child.id();
    let mut events = subject.warm_events.iter();
    if let Some(first) = events.next() {
        emulator.queue(first.clone());
        if let Err(error) = answer(emulator) {
            m.failures.push(format!("warm-up: {error}"));
        }
    }
    let cpu_before = cpu_time(pid);
    let mut count = 0u32;
    for event in events {
        let started = Instant::now();
        emulator.queue(event.clone());
        match answer(emulator) {
            Ok((_, responded, body)) => {
                m.warm.push(responded - started);
                let status = status_of(&body);
                if !(200..300).contains(&status) {
                    m.failures.push(format!("warm: status {status}"));
                }
            }
            Err(error) => m.failures.push(format!("warm: {error}")),
        }
        count += 1;
    }
    m.cpu_per_warm = (cpu_time(pid).saturating_sub(cpu_before)) / count.max(1);
    m.peak_rss_kib = proc_field(pid, "status", "VmHWM:");
    stop(child);
    m.failures.dedup();
    m
}

/// A user stored without hashing (a fixed, valid hash): cheap enough to make by the thousand.
async fn unhashed_user(app: &TestApp, n: usize) -> User {
    let record = UserRecord::new(
        UserName::parse("Bench").unwrap(),
        Email::parse(&format!(
            "doomed-{n}-{}@example.com",
            shared::domain::FamilyId::new()
        ))
        .unwrap(),
        PasswordHash::from_phc(app.app.passwords.dummy_hash().as_phc().to_owned()),
    );
    app.app.store.create_user(&record).await.unwrap();
    record.user
}

/// `count` events for `function`, made fresh where a call consumes what it is given.
async fn events(
    app: &TestApp,
    world: &World,
    function: &str,
    count: usize,
    round: usize,
) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let n = round * 1_000_000 + i;
        let ada = &world.ada;
        let token = &world.ada_token;
        let event = match function {
            "create-user" => ApiEvent::new("POST /users", "/users")
                .json(&json!({"name": "Bench", "email": format!("bench-{n}@example.com"), "password": "a bench password"})),
            "get-user" => ApiEvent::new("GET /users/{id}", &format!("/users/{}", ada.id)).bearer(token),
            "update-user" => ApiEvent::new("PATCH /users/{id}", &format!("/users/{}", ada.id))
                .bearer(token)
                .json(&json!({"name": format!("Ada {n}")})),
            "delete-user" => {
                let doomed = unhashed_user(app, n).await;
                ApiEvent::new("DELETE /users/{id}", &format!("/users/{}", doomed.id)).bearer(&app.token(&doomed))
            }
            "login" => ApiEvent::new("POST /auth/login", "/auth/login")
                .json(&json!({"email": ada.email.as_str(), "password": TEST_PASSWORD})),
            "refresh" | "logout" => {
                let refresh_token = app.session(ada).await.refresh_token;
                ApiEvent::new(&format!("POST /auth/{function}"), &format!("/auth/{function}"))
                    .json(&json!({"refreshToken": refresh_token}))
            }
            "create-product" => ApiEvent::new("POST /products", "/products")
                .bearer(&world.admin_token)
                .json(&json!({"name": format!("Bench {n}"), "priceCents": 999, "stock": 10})),
            "get-product" => ApiEvent::new("GET /products/{id}", &format!("/products/{}", world.product)),
            "create-order" => ApiEvent::new("POST /orders", "/orders")
                .bearer(token)
                .json(&json!({"items": [{"productId": world.product, "quantity": 1}]})),
            "get-order" => ApiEvent::new("GET /orders/{id}", &format!("/orders/{}", world.order)).bearer(token),
            "list-orders" => ApiEvent::new("GET /orders", "/orders?limit=20").bearer(token),
            "health" => ApiEvent::new("GET /health", "/health"),
            other => panic!("no events for {other}"),
        };
        out.push(event.to_json());
    }
    out
}

/// What the events refer to.
struct World {
    ada: User,
    ada_token: String,
    admin_token: String,
    product: String,
    order: String,
}

pub const FUNCTIONS: [&str; 13] = [
    "create-user",
    "get-user",
    "update-user",
    "delete-user",
    "login",
    "refresh",
    "logout",
    "create-product",
    "get-product",
    "create-order",
    "get-order",
    "list-orders",
    "health",
];

/// DynamoDB Local's own latency for the calls get-user and create-user make.
pub struct DatabaseLatency {
    pub first_get: Duration,
    pub get: Vec<Duration>,
    pub sign_up_transaction: Vec<Duration>,
}

async fn database_latency(table: &str, ada: &User, samples: usize) -> DatabaseLatency {
    use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap();
    let client = shared::store::dynamodb_client(Some(&endpoint)).await;
    let key = shared::store::keys::user(&ada.id).to_attributes();
    let get = || {
        client
            .get_item()
            .table_name(table)
            .set_key(Some(key.clone()))
            .consistent_read(true)
            .send()
    };
    let started = Instant::now();
    get().await.unwrap();
    let first_get = started.elapsed();
    let mut gets = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        get().await.unwrap();
        gets.push(started.elapsed());
    }
    let mut transactions = Vec::new();
    for i in 0..samples.min(200) {
        let put = |pk: String| {
            let item = HashMap::from([
                ("pk".to_owned(), AttributeValue::S(pk)),
                ("sk".to_owned(), AttributeValue::S("X".into())),
            ]);
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(table)
                        .set_item(Some(item))
                        .condition_expression("attribute_not_exists(pk)")
                        .build()
                        .unwrap(),
                )
                .build()
        };
        let started = Instant::now();
        client
            .transact_write_items()
            .transact_items(put(format!("BENCH#{i}#A")))
            .transact_items(put(format!("BENCH#{i}#B")))
            .send()
            .await
            .unwrap();
        transactions.push(started.elapsed());
    }
    DatabaseLatency {
        first_get,
        get: gets,
        sign_up_transaction: transactions,
    }
}

#[tokio::main]
async fn main() {
    let cold = env_number("BENCH_COLD", 20);
    let warm = env_number("BENCH_WARM", 1000);
    let warm_hashing = env_number("BENCH_WARM_HASHING", 100);
    let bin_dir =
        PathBuf::from(std::env::var("BENCH_BIN_DIR").unwrap_or_else(|_| "target/release".into()));
    let only: Option<Vec<String>> = std::env::var("BENCH_FUNCTIONS")
        .ok()
        .map(|v| v.split(',').map(str::to_owned).collect());

    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let admin = app.admin("root@example.com").await;
    let product = app.product("Bench tea", 100, 1_000_000).await;
    let order = app.order(&ada, &product, 1).await;
    let world = World {
        ada_token: app.token(&ada),
        admin_token: app.token(&admin),
        ada: ada.clone(),
        product: product.id.to_string(),
        order: order.id.to_string(),
    };
    let emulator = Emulator::start();

    let mut results = Vec::new();
    let floor = Subject {
        name: "floor".into(),
        program: bin_dir.join("floor"),
        args: vec![],
        cold_events: vec!["{}".into(); cold],
        warm_events: vec!["{}".into(); warm + 1],
    };
    eprintln!("[bench] floor");
    results.push(measure(&floor, &emulator, &app.table));

    for (round, function) in FUNCTIONS.iter().enumerate() {
        if only
            .as_ref()
            .is_some_and(|only| !only.iter().any(|f| f == function))
        {
            continue;
        }
        let warm_count = if HASHING.contains(function) {
            warm_hashing
        } else {
            warm
        };
        eprintln!(
            "[bench] {function}: preparing {} events",
            cold + warm_count + 1
        );
        let subject = Subject {
            name: (*function).to_owned(),
            program: bin_dir.join(function),
            args: vec![],
            cold_events: events(&app, &world, function, cold, round * 2).await,
            warm_events: events(&app, &world, function, warm_count + 1, round * 2 + 1).await,
        };
        eprintln!("[bench] {function}: measuring");
        results.push(measure(&subject, &emulator, &app.table));
    }

    let mut peers = Vec::new();
    if std::env::var("BENCH_NODE").as_deref() == Ok("1") {
        let node_dir = Path::new("bench/peers/node");
        for (round, function) in ["get-user", "create-user"].iter().enumerate() {
            let warm_count = if HASHING.contains(function) {
                warm_hashing
            } else {
                warm
            };
            eprintln!("[bench] node {function}");
            let subject = Subject {
                name: format!("node {function}"),
                program: PathBuf::from("node"),
                args: vec![
                    node_dir.join("runtime.js").display().to_string(),
                    (*function).to_owned(),
                ],
                cold_events: events(&app, &world, function, cold, 100 + round * 2).await,
                warm_events: events(&app, &world, function, warm_count + 1, 101 + round * 2).await,
            };
            peers.push(measure(&subject, &emulator, &app.table));
        }
    }

    eprintln!("[bench] DynamoDB Local's own latency");
    let database = database_latency(&app.table, &ada, warm.min(1000)).await;
    let zips = std::env::var("BENCH_ZIP_DIR")
        .ok()
        .map(|dir| report::zip_sizes(Path::new(&dir)));
    let outcome = report::write(
        &results,
        &peers,
        &database,
        zips.as_ref(),
        cold,
        warm,
        warm_hashing,
    );
    println!("{}", outcome.summary);
    if !outcome.missed.is_empty() {
        eprintln!("[bench] budgets missed:");
        for missed in &outcome.missed {
            eprintln!("  - {missed}");
        }
        std::process::exit(1);
    }
}
