//! `make bench`: every function's release binary under a Lambda Runtime API emulator of our own,
//! beside the floor (a bare runtime) and the Node.js peer, over DynamoDB Local. Writes
//! BENCHMARKS.md and bench/cold-start.svg, and exits non-zero when a budget is missed.
//!
//! Environment (bench/run.sh sets the paths):
//! - `DYNAMODB_ENDPOINT` (required): a running DynamoDB Local.
//! - `BENCH_COLD` (20): cold starts per function, each a new process.
//! - `BENCH_WARM` (1000): sequential warm invocations on one process.
//! - `BENCH_WARM_HASHING` (200): the same for create-user and login, which hash or verify a
//!   password (argon2id, tens of ms) on every call.
//! - `BENCH_FUNCTIONS` (all): a comma-separated subset, for quick runs.
//! - `BENCH_BIN_DIR` (target/release): the native release binaries (functions and `floor`).
//! - `BENCH_ZIP_DIR`: where `cargo lambda build --arm64 --output-format zip` put the zips.
//! - `BENCH_NODE` (1 to measure the Node.js peer in bench/peers/node).
//! - `BENCH_PROFILES`: `name@dir;…` to compare builds of get-user under other release
//!   profiles instead (bench/profiles.sh); writes bench/profiles.md.

mod emulator;
mod relay;
mod report;
mod stats;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use emulator::{Emulator, Happening, Invocation};
use serde_json::{Value, json};
use shared::domain::{Email, Password, PasswordHash, User, UserName, UserRecord};
use shared::store::Store;
use shared::test_support::{
    ApiEvent, TEST_ACCESS_SECRET, TEST_AUDIENCE, TEST_ISSUER, TEST_PASSWORD, TEST_REFRESH_SECRET,
    TestApp,
};

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

/// The functions whose measured calls hash (create-user) or verify (login) a password.
pub const HASHING: [&str; 2] = ["create-user", "login"];
/// The functions that can hash at all (argon2id takes 19 MiB): their memory budget is larger.
pub const HASHES_SOMETIMES: [&str; 3] = ["create-user", "login", "update-user"];

/// One program under measurement.
pub struct Subject {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub memory_mb: u32,
    pub cold_events: Vec<String>,
    pub warm_events: Vec<String>,
}

/// What was measured of one subject.
#[derive(Debug, Default, Clone)]
pub struct Measurement {
    pub name: String,
    pub memory_mb: u32,
    /// spawn → first `GET /next`, one per cold start.
    pub init: Vec<Duration>,
    /// spawn → first response posted, one per cold start.
    pub cold: Vec<Duration>,
    /// DynamoDB Local's own time answering that cold start's first request (the sum over its
    /// calls, timed by the relay), one per cold start, in the same order.
    pub cold_database: Vec<Duration>,
    /// How many DynamoDB calls a first request made (the most seen).
    pub first_request_calls: usize,
    /// event handed over → response posted, one per warm invocation.
    pub warm: Vec<Duration>,
    /// CPU time of the warm process (all threads) over the warm loop, divided by its invocations.
    pub cpu_per_warm: Duration,
    /// The kernel's part of `cpu_per_warm` (stime ÷ utime + stime, from 10 ms ticks, which
    /// over a whole warm loop are plenty): on loopback, sending a packet also runs the
    /// receiver's network stack in the sender's time.
    pub kernel_share: f64,
    /// VmHWM of the warm process after the warm loop, KiB.
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

/// A function process and the last lines it wrote (for diagnosing a failure).
struct Running {
    child: Child,
    output: Arc<Mutex<VecDeque<String>>>,
}

impl Running {
    fn tail(&self) -> String {
        let lines = self.output.lock().expect("output lock");
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    fn stop(mut self) {
        // Under a diagnosis tool (BENCH_WRAP), ask first: `perf record` writes its data on
        // SIGTERM but loses it to SIGKILL.
        if std::env::var_os("BENCH_WRAP").is_some() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment Lambda gives a function (provided.al2023), plus the app's settings.
fn lambda_env(
    subject: &Subject,
    runtime_api: &str,
    table: &str,
    database: &str,
) -> Vec<(String, String)> {
    let task_root = subject
        .program
        .parent()
        .map_or_else(String::new, |p| p.display().to_string());
    let pairs = [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("LANG", "en_US.UTF-8"),
        ("TZ", ":UTC"),
        ("LAMBDA_TASK_ROOT", &task_root),
        ("_HANDLER", "bootstrap"),
        ("AWS_LAMBDA_RUNTIME_API", runtime_api),
        ("AWS_LAMBDA_FUNCTION_NAME", &subject.name),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            &subject.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            &format!("/aws/lambda/{}", subject.name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]bench"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKIABENCHBENCHBENCH0"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "bench-secret-access-key-not-a-real-one-000",
        ),
        ("AWS_SESSION_TOKEN", "bench-session-token"),
        ("TABLE_NAME", table),
        ("DYNAMODB_ENDPOINT", database),
        ("JWT_SECRET", TEST_ACCESS_SECRET),
        ("REFRESH_TOKEN_SECRET", TEST_REFRESH_SECRET),
        ("JWT_ISSUER", TEST_ISSUER),
        ("JWT_AUDIENCE", TEST_AUDIENCE),
        // Logging must not dominate what is measured (the functions' own default is `info`).
        ("RUST_LOG", "warn"),
    ];
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT is set (bench/run.sh does)")
}

/// DynamoDB Local's socket address, for the relay.
fn database_address() -> std::net::SocketAddr {
    let endpoint = endpoint();
    let authority = endpoint.trim_start_matches("http://").trim_end_matches('/');
    std::net::ToSocketAddrs::to_socket_addrs(authority)
        .ok()
        .and_then(|mut addresses| addresses.next())
        .unwrap_or_else(|| panic!("DYNAMODB_ENDPOINT {endpoint} is http://host:port"))
}

fn spawn(subject: &Subject, env: &[(String, String)]) -> Running {
    // For diagnosis only: BENCH_WRAP="strace -f -o /tmp/t" runs each process under a tool,
    // BENCH_EXTRA_ENV="K=V K2=V2" adds variables (e.g. glibc's MALLOC_ARENA_MAX).
    let wrap: Vec<String> = std::env::var("BENCH_WRAP")
        .map(|w| w.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let extra_env: Vec<(String, String)> = std::env::var("BENCH_EXTRA_ENV")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let mut command = match wrap.split_first() {
        Some((tool, tool_args)) => {
            let mut command = Command::new(tool);
            command.args(tool_args).arg(&subject.program);
            command
        }
        None => Command::new(&subject.program),
    };
    let mut child = command
        .args(&subject.args)
        .env_clear()
        .envs(env.iter().chain(&extra_env).map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", subject.program.display()));
    // Read what it writes, as Lambda's log pipe does; keep the last lines.
    let output = Arc::new(Mutex::new(VecDeque::new()));
    let pipes: [Box<dyn std::io::Read + Send>; 2] = [
        Box::new(child.stdout.take().expect("piped")),
        Box::new(child.stderr.take().expect("piped")),
    ];
    for pipe in pipes {
        let output = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut lines = output.lock().expect("output lock");
                if lines.len() == 20 {
                    lines.pop_front();
                }
                lines.push_back(line);
            }
        });
    }
    Running { child, output }
}

/// Waits for the process's `GET /next`; an init error or an exit is an error.
fn wait_next(
    emulator: &Emulator,
    running: &mut Running,
) -> Result<(Instant, std::sync::mpsc::Sender<Invocation>), String> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        match emulator.next_happening(Duration::from_millis(100)) {
            Some(Happening::Next { at, reply }) => return Ok((at, reply)),
            Some(Happening::Error {
                request_id: None,
                body,
                ..
            }) => return Err(format!("init error: {body}")),
            Some(other) => return Err(format!("unexpected {other:?} before GET /next")),
            None => {
                if let Ok(Some(status)) = running.child.try_wait() {
                    std::thread::sleep(Duration::from_millis(50));
                    return Err(format!("exited ({status}): {}", running.tail()));
                }
            }
        }
    }
    Err("no GET /next within 30 s".into())
}

/// Waits for the answer to invocation `id`: `(when, body)`.
fn wait_response(emulator: &Emulator, id: &str) -> Result<(Instant, Vec<u8>), String> {
    match emulator.next_happening(WAIT) {
        Some(Happening::Response {
            at,
            request_id,
            body,
        }) if request_id == id => Ok((at, body)),
        Some(Happening::Error { body, .. }) => Err(format!("invocation error: {body}")),
        Some(other) => Err(format!("unexpected {other:?}")),
        None => Err("no response within 30 s".into()),
    }
}

/// The HTTP status inside an API Gateway response (200 for the floor's `{}`).
fn status_of(body: &[u8]) -> u16 {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("statusCode").and_then(Value::as_u64))
        .map_or(200, |s| s as u16)
}

fn check_status(failures: &mut Vec<String>, phase: &str, body: &[u8]) {
    let status = status_of(body);
    // A few examples are enough to diagnose; a broken run must not print a thousand.
    if !(200..300).contains(&status) && failures.len() < 5 {
        let text = String::from_utf8_lossy(body);
        let short: String = text.chars().take(300).collect();
        failures.push(format!("{phase}: status {status}: {short}"));
    }
}

/// A `/proc/<pid>/status` field in KiB.
fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with(key))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time of a process, all its threads: the scheduler's own account of time on a CPU
/// (`se.sum_exec_runtime` in /proc/<pid>/task/<tid>/sched, nanosecond precision) where the
/// kernel shows it, else utime + stime from /proc/<pid>/stat (10 ms ticks: too coarse to tell
/// 100 µs from 400 µs over a thousand calls, hence the preference).
pub fn cpu_time(pid: u32) -> Duration {
    cpu_time_of_threads(pid).unwrap_or_else(|| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        cpu_time_of_stat(&stat)
    })
}

fn cpu_time_of_threads(pid: u32) -> Option<Duration> {
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let sched = std::fs::read_to_string(task.path().join("sched")).ok()?;
        total += sum_exec_runtime(&sched)?;
    }
    Some(total)
}

/// `se.sum_exec_runtime` of a /proc/…/sched file, which the kernel prints in milliseconds.
fn sum_exec_runtime(sched: &str) -> Option<Duration> {
    let line = sched
        .lines()
        .find(|line| line.starts_with("se.sum_exec_runtime"))?;
    let ms: f64 = line.split(':').nth(1)?.trim().parse().ok()?;
    Some(Duration::from_secs_f64(ms / 1000.0))
}

fn cpu_time_of_stat(stat: &str) -> Duration {
    let (user, kernel) = ticks_of_stat(stat);
    // USER_HZ (clock ticks per second) is 100 on Linux.
    Duration::from_millis((user + kernel) * 10)
}

/// utime and stime of a process, in clock ticks.
fn user_and_kernel_ticks(pid: u32) -> (u64, u64) {
    ticks_of_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
}

fn ticks_of_stat(stat: &str) -> (u64, u64) {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
    (field(11), field(12))
}

/// An emulator of its own for one process of `subject`, and that process's environment.
fn prepare(subject: &Subject, table: &str, database: &str) -> (Emulator, Vec<(String, String)>) {
    let emulator = Emulator::start();
    let env = lambda_env(subject, &emulator.address, table, database);
    (emulator, env)
}

/// Busy and total jiffies of all CPUs, from the first line of /proc/stat.
fn machine_jiffies() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let numbers: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    let total: u64 = numbers.iter().take(8).sum();
    let idle = numbers.get(3)? + numbers.get(4)?;
    Some((total - idle, total))
}

/// Waits (at most 10 s) until the machine is nearly idle for a quarter second. Preparing a
/// subject's events writes thousands of items, and DynamoDB Local's JVM goes on working
/// (garbage collection, compilation) after the last answer: on two cores that work would
/// land in the first cold starts' figures.
fn wait_for_quiet_machine() {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let Some((busy_before, total_before)) = machine_jiffies() else {
            return;
        };
        std::thread::sleep(Duration::from_millis(250));
        let Some((busy, total)) = machine_jiffies() else {
            return;
        };
        let share = (busy - busy_before) as f64 / (total - total_before).max(1) as f64;
        if share < 0.1 {
            return;
        }
    }
}

pub fn measure(subject: &Subject, table: &str) -> Measurement {
    let mut m = Measurement {
        name: subject.name.clone(),
        memory_mb: subject.memory_mb,
        ..Default::default()
    };
    let mut invocation = 0usize;
    let mut next_id = |phase: &str| {
        invocation += 1;
        format!(
            "{}-{phase}-{invocation:06}",
            subject
                .name
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        )
    };

    // Cold starts reach DynamoDB Local through the timing relay, so each one's first request
    // is paired with what the database itself spent on it.
    let relay = relay::Relay::start(database_address());
    wait_for_quiet_machine();
    for event in &subject.cold_events {
        let (emulator, env) = prepare(subject, table, &relay.endpoint);
        relay.take();
        let emulator = &emulator;
        let started = Instant::now();
        let mut running = spawn(subject, &env);
        match wait_next(emulator, &mut running) {
            Ok((at, reply)) => {
                m.init.push(at - started);
                let request_id = next_id("cold");
                let _ = reply.send(Invocation {
                    request_id: request_id.clone(),
                    event: event.clone(),
                });
                match wait_response(emulator, &request_id) {
                    Ok((at, body)) => {
                        m.cold.push(at - started);
                        let calls = relay.take();
                        m.cold_database.push(calls.iter().sum());
                        m.first_request_calls = m.first_request_calls.max(calls.len());
                        check_status(&mut m.failures, "cold", &body);
                    }
                    Err(error) => m.failures.push(format!("cold: {error} {}", running.tail())),
                }
            }
            Err(error) => m.failures.push(format!("cold init: {error}")),
        }
        running.stop();
    }

    let (emulator, env) = prepare(subject, table, &endpoint());
    let emulator = &emulator;
    let mut running = spawn(subject, &env);
    let pid = running.child.id();
    let mut events = subject.warm_events.iter();
    let mut cpu_before = None;
    let mut ticks_before = (0, 0);
    let mut count = 0u32;
    // The first event warms the process up; the rest are timed.
    if let Some(first) = events.next() {
        let run = (|| -> Result<(), String> {
            let (_, reply) = wait_next(emulator, &mut running)?;
            let request_id = next_id("warmup");
            let _ = reply.send(Invocation {
                request_id: request_id.clone(),
                event: first.clone(),
            });
            let (_, body) = wait_response(emulator, &request_id)?;
            check_status(&mut m.failures, "warm-up", &body);
            cpu_before = Some(cpu_time(pid));
            ticks_before = user_and_kernel_ticks(pid);
            for event in events {
                let (_, reply) = wait_next(emulator, &mut running)?;
                let request_id = next_id("warm");
                let sent = Instant::now();
                let _ = reply.send(Invocation {
                    request_id: request_id.clone(),
                    event: event.clone(),
                });
                let (at, body) = wait_response(emulator, &request_id)?;
                m.warm.push(at - sent);
                count += 1;
                check_status(&mut m.failures, "warm", &body);
            }
            Ok(())
        })();
        if let Err(error) = run {
            m.failures.push(format!("warm: {error} {}", running.tail()));
        }
    }
    if let Some(before) = cpu_before {
        m.cpu_per_warm = cpu_time(pid).saturating_sub(before) / count.max(1);
        let (user, kernel) = user_and_kernel_ticks(pid);
        let (user, kernel) = (
            user.saturating_sub(ticks_before.0),
            kernel.saturating_sub(ticks_before.1),
        );
        m.kernel_share = kernel as f64 / (user + kernel).max(1) as f64;
    }
    m.peak_rss_kib = status_kib(pid, "VmHWM:");
    running.stop();
    m
}

/// The memory each function is deployed with: its `MemorySize` in template.yaml, else the
/// template's global default (128 MB).
fn memory_mb(template: &str, function: &str) -> u32 {
    let mut global = 128;
    let mut in_function = false;
    for line in template.lines() {
        let trimmed = line.trim();
        if line.starts_with("  ") && !line.starts_with("   ") && trimmed.ends_with(':') {
            in_function = false; // a new resource
        }
        if trimmed == format!("CodeUri: functions/{function}") {
            in_function = true;
        }
        if let Some(value) = trimmed.strip_prefix("MemorySize:") {
            let value = value
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .parse()
                .unwrap_or(0);
            if line.starts_with("    MemorySize") && !in_function {
                global = value; // Globals.Function
            } else if in_function && value > 0 {
                return value;
            }
        }
    }
    global
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
        PasswordHash::from_phc(app.app.passwords.dummy_hash().as_phc().to_owned()),
    );
    app.app
        .store
        .create_user(&record)
        .await
        .expect("user stored");
    record.user
}

/// What the events refer to.
struct World {
    ada: User,
    admin: User,
    product: String,
    order: String,
}

/// `count` events for `function`. Calls that consume what they are given get a fresh one each:
/// a new email for create-user, a new user for delete-user, a new session's refresh token for
/// refresh and logout (made beforehand, outside the timing). Access tokens are minted now, so a
/// long run never presents an expired one.
async fn events(
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
                &format!("/products/{}", world.product),
            ),
            "create-order" => ApiEvent::new("POST /orders", "/orders")
                .bearer(&token)
                .json(&json!({"items": [{"productId": world.product, "quantity": 1}]})),
            "get-order" => ApiEvent::new("GET /orders/{id}", &format!("/orders/{}", world.order))
                .bearer(&token),
            "list-orders" => ApiEvent::new("GET /orders", "/orders?limit=20").bearer(&token),
            "health" => ApiEvent::new("GET /health", "/health"),
            other => panic!("no events for {other}"),
        };
        out.push(event.to_json());
    }
    out
}

/// DynamoDB Local's own latency for the calls get-user (GetItem) and create-user (the sign-up
/// TransactWriteItems) make, through the same SDK client settings as the functions.
pub struct DatabaseLatency {
    /// A new client's first GetItem (new connection; the SDK's lazy set-up included).
    pub first_get: Vec<Duration>,
    /// A new client's first sign-up transaction.
    pub first_sign_up: Vec<Duration>,
    pub get: Vec<Duration>,
    pub sign_up: Vec<Duration>,
}

async fn database_latency(
    app: &TestApp,
    ada: &User,
    firsts: usize,
    samples: usize,
) -> DatabaseLatency {
    let fresh_store = || async {
        Store::new(
            shared::store::dynamodb_client(Some(&endpoint())).await,
            app.table.clone(),
        )
    };
    let record = || {
        UserRecord::new(
            UserName::parse("Bench").expect("valid"),
            Email::parse(&format!(
                "db-{}@example.com",
                shared::domain::FamilyId::new()
            ))
            .expect("valid"),
            app.app.passwords.dummy_hash(),
        )
    };
    let mut latency = DatabaseLatency {
        first_get: Vec::new(),
        first_sign_up: Vec::new(),
        get: Vec::new(),
        sign_up: Vec::new(),
    };
    for _ in 0..firsts {
        let store = fresh_store().await;
        let started = Instant::now();
        store.find_user(&ada.id).await.expect("GetItem works");
        latency.first_get.push(started.elapsed());
        let store = fresh_store().await;
        let record = record();
        let started = Instant::now();
        store.create_user(&record).await.expect("sign-up works");
        latency.first_sign_up.push(started.elapsed());
    }
    let store = fresh_store().await;
    store.find_user(&ada.id).await.expect("GetItem works");
    for _ in 0..samples {
        let started = Instant::now();
        store.find_user(&ada.id).await.expect("GetItem works");
        latency.get.push(started.elapsed());
    }
    for _ in 0..samples.min(300) {
        let record = record();
        let started = Instant::now();
        store.create_user(&record).await.expect("sign-up works");
        latency.sign_up.push(started.elapsed());
    }
    latency
}

/// Set in the environment of the bench's own executable, run as a new process that hashes once.
const FIRST_HASH_MODE: &str = "BENCH_FIRST_HASH";

/// A new process's first argon2id hash, as a cold login or create-user makes it: the same
/// hasher on a current-thread runtime, its 19 MiB not yet touched, so the page faults of that
/// memory are in it. Prints the wall time in nanoseconds.
fn first_hash_in_this_process() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let password = Password::parse("a long bench password".to_owned()).expect("valid");
    let hasher = shared::auth::PasswordHasher::new();
    let started = Instant::now();
    runtime.block_on(hasher.hash(&password)).expect("hashes");
    println!("{}", started.elapsed().as_nanos());
}

/// [`first_hash_in_this_process`] in `samples` new processes.
fn argon2_first_hash_time(samples: usize) -> Vec<Duration> {
    let me = std::env::current_exe().expect("the bench knows its executable");
    (0..samples)
        .map(|_| {
            let output = Command::new(&me)
                .env(FIRST_HASH_MODE, "1")
                .output()
                .expect("the bench runs itself");
            let nanos = String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("a first hash: {output:?}"));
            Duration::from_nanos(nanos)
        })
        .collect()
}

/// Wall time of one argon2id hash at the functions' parameters, in this process (whose hasher
/// has hashed before: a warm process's hash).
async fn argon2_hash_time(app: &TestApp, samples: usize) -> Vec<Duration> {
    let password = Password::parse("a long bench password".to_owned()).expect("valid");
    let mut times = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        app.app.passwords.hash(&password).await.expect("hashes");
        times.push(started.elapsed());
    }
    times
}

fn bin_dir() -> PathBuf {
    PathBuf::from(std::env::var("BENCH_BIN_DIR").unwrap_or_else(|_| "target/release".into()))
}

async fn world(app: &TestApp) -> World {
    let ada = app.user("Ada", "ada@example.com").await;
    let admin = app.admin("root@example.com").await;
    let product = app.product("Bench tea", 100, 1_000_000).await;
    let order = app.order(&ada, &product, 1).await;
    World {
        ada,
        admin,
        product: product.id.to_string(),
        order: order.id.to_string(),
    }
}

fn main() {
    if std::env::var_os(FIRST_HASH_MODE).is_some() {
        return first_hash_in_this_process();
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(run());
}

async fn run() {
    let cold = env_number("BENCH_COLD", 20);
    let warm = env_number("BENCH_WARM", 1000);
    let warm_hashing = env_number("BENCH_WARM_HASHING", 200);
    let app = TestApp::spawn().await;
    let world = world(&app).await;
    if let Ok(profiles) = std::env::var("BENCH_PROFILES") {
        profiles_mode(&app, &world, &profiles, cold, warm).await;
        return;
    }

    let template = std::fs::read_to_string("template.yaml").unwrap_or_default();
    let bin_dir = bin_dir();
    let only: Option<Vec<String>> = std::env::var("BENCH_FUNCTIONS")
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect());

    let mut results = Vec::new();
    eprintln!("[bench] floor");
    results.push(measure(
        &Subject {
            name: "floor".into(),
            program: bin_dir.join("floor"),
            args: vec![],
            memory_mb: 128,
            cold_events: vec!["{}".into(); cold],
            warm_events: vec!["{}".into(); warm + 1],
        },
        &app.table,
    ));

    for function in FUNCTIONS {
        if only
            .as_ref()
            .is_some_and(|only| !only.iter().any(|f| f == function))
        {
            continue;
        }
        let warm_count = if HASHING.contains(&function) {
            warm_hashing
        } else {
            warm
        };
        eprintln!(
            "[bench] {function}: preparing {} events",
            cold + warm_count + 1
        );
        let subject = Subject {
            name: function.to_owned(),
            program: bin_dir.join(function),
            args: vec![],
            memory_mb: memory_mb(&template, function),
            cold_events: events(&app, &world, function, cold, "cold").await,
            warm_events: events(&app, &world, function, warm_count + 1, "warm").await,
        };
        eprintln!("[bench] {function}: measuring");
        let m = measure(&subject, &app.table);
        for failure in &m.failures {
            eprintln!("[bench] {function}: {failure}");
        }
        results.push(m);
    }

    let mut peers = Vec::new();
    if std::env::var("BENCH_NODE").as_deref() == Ok("1") {
        let node_dir = Path::new("bench/peers/node");
        for function in ["get-user", "create-user"] {
            if only
                .as_ref()
                .is_some_and(|only| !only.iter().any(|f| f == function))
            {
                continue;
            }
            let warm_count = if HASHING.contains(&function) {
                warm_hashing
            } else {
                warm
            };
            eprintln!("[bench] node {function}");
            let subject = Subject {
                name: format!("node {function}"),
                program: PathBuf::from("/usr/bin/node"),
                args: vec![
                    node_dir.join("runtime.js").display().to_string(),
                    function.to_owned(),
                ],
                memory_mb: memory_mb(&template, function),
                cold_events: events(&app, &world, function, cold, "node-cold").await,
                warm_events: events(&app, &world, function, warm_count + 1, "node-warm").await,
            };
            let m = measure(&subject, &app.table);
            for failure in &m.failures {
                eprintln!("[bench] node {function}: {failure}");
            }
            peers.push(m);
        }
    }

    eprintln!("[bench] DynamoDB Local's own latency, argon2id's");
    let database = database_latency(&app, &world.ada, cold.max(5), warm.clamp(50, 1000)).await;
    let argon2 = argon2_hash_time(&app, 10).await;
    let argon2_first = argon2_first_hash_time(10);
    let zips = std::env::var("BENCH_ZIP_DIR")
        .ok()
        .map(|dir| report::zip_sizes(Path::new(&dir)));
    let outcome = report::write(&report::Run {
        results: &results,
        peers: &peers,
        database: &database,
        argon2: &argon2,
        argon2_first: &argon2_first,
        zips: zips.as_ref(),
        bin_dir: &bin_dir,
        cold,
        warm,
        warm_hashing,
    });
    println!("{}", outcome.summary);
    if outcome.missed.is_empty() {
        eprintln!("[bench] every budget met; wrote BENCHMARKS.md and bench/cold-start.svg");
    } else {
        eprintln!("[bench] budgets missed (details in BENCHMARKS.md):");
        for missed in &outcome.missed {
            eprintln!("  - {missed}");
        }
        std::process::exit(1);
    }
}

/// get-user built under other release profiles (bench/profiles.sh): size, cold start, warm
/// CPU and memory of each, into bench/profiles.md.
async fn profiles_mode(app: &TestApp, world: &World, profiles: &str, cold: usize, warm: usize) {
    let mut rows = Vec::new();
    for entry in profiles.split(';').filter(|e| !e.is_empty()) {
        let (name, dir) = entry
            .rsplit_once('@')
            .expect("profile entries are name@dir");
        eprintln!("[bench] profile {name}");
        let program = Path::new(dir).join("get-user");
        let subject = Subject {
            name: "get-user".into(),
            program: program.clone(),
            args: vec![],
            memory_mb: 128,
            cold_events: events(app, world, "get-user", cold, "profile").await,
            warm_events: events(app, world, "get-user", warm + 1, "profile").await,
        };
        let m = measure(&subject, &app.table);
        let size = std::fs::metadata(&program).map_or(0, |m| m.len());
        let zip = std::fs::metadata(Path::new(dir).join("get-user.zip")).map_or(0, |m| m.len());
        rows.push((name.to_owned(), size, zip, m));
    }
    let table = report::profiles_table(&rows, cold, warm);
    println!("{table}");
    let _ = std::fs::write("bench/profiles.md", table);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_exec_runtime_is_read_in_milliseconds() {
        let sched = "get-user (42, #threads: 1)\n---\nse.exec_start   :  347687.220991\nse.sum_exec_runtime   :   334.864827\n";
        assert_eq!(
            sum_exec_runtime(sched),
            Some(Duration::from_nanos(334_864_827))
        );
        assert_eq!(sum_exec_runtime("nothing here"), None);
    }

    #[test]
    fn cpu_time_is_read_with_sub_tick_precision() {
        // This thread's own account (other tests' threads run in this process too).
        let own = || {
            sum_exec_runtime(&std::fs::read_to_string("/proc/thread-self/sched").unwrap())
                .expect("the kernel shows se.sum_exec_runtime")
        };
        let before = own();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut spent = Duration::ZERO;
        while spent < Duration::from_micros(500) && Instant::now() < deadline {
            spent = own().saturating_sub(before);
        }
        // Ticks would show 0 or 10 ms; the scheduler's account shows the half millisecond.
        assert!(
            spent >= Duration::from_micros(500) && spent < Duration::from_millis(5),
            "{spent:?}"
        );
        assert!(cpu_time_of_threads(std::process::id()).is_some());
    }

    #[test]
    fn cpu_time_reads_utime_and_stime_after_the_command_name() {
        let stat = "1234 (a (weird) name) S 1 2 3 4 5 6 7 8 9 10 250 30 0 0 20 0 1 0";
        assert_eq!(cpu_time_of_stat(stat), Duration::from_millis(2800));
        assert_eq!(ticks_of_stat(stat), (250, 30));
    }

    #[test]
    fn memory_comes_from_the_template() {
        let template = "Globals:\n  Function:\n    MemorySize: 128\nResources:\n  A:\n    Properties:\n      CodeUri: functions/login\n      MemorySize: 512 # hashes\n  B:\n    Properties:\n      CodeUri: functions/get-user\n";
        assert_eq!(memory_mb(template, "login"), 512);
        assert_eq!(memory_mb(template, "get-user"), 128);
    }
}
