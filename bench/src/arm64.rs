//! `make test-infra`'s arm64 session (infra/arm64-session.sh): the release arm64 bootstraps a
//! deploy uploads, each under qemu-aarch64 behind the Runtime API emulator, against DynamoDB
//! Local and moto, through a client's session: sign up, log in, read yourself, order, refresh.
//! Every answer is checked, and so is what the x86_64 side makes of the arm64 side's hashes and
//! tokens (a hash that is wrong the same way on both sign-up and login would pass a round trip on
//! arm64 alone). The first wrong answer ends the run, non-zero. Nothing is timed: under
//! emulation, times mean nothing.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use serde_json::{Value, json};
use shared::domain::{Password, ProductId, UserId, UserRecord};
use shared::test_support::{ApiEvent, TEST_PASSWORD, TestApp, secrets_endpoint};

use crate::emulator::{Emulator, Happening, Invocation};
use crate::functions::memory_mb;
use crate::measure::Subject;
use crate::process::{Running, lambda_env, spawn};

/// Set to the directory holding `FUNCTION/bootstrap`, `bench` runs this session instead.
pub const SESSION_DIR: &str = "ARM64_SESSION_DIR";
/// The user-mode emulator, e.g. /usr/bin/qemu-aarch64-static.
const QEMU: &str = "ARM64_QEMU";
/// qemu's own settings, passed on to each function process: where it finds the aarch64 loader
/// and glibc, and which CPU it emulates.
const QEMU_SETTINGS: [&str; 2] = ["QEMU_LD_PREFIX", "QEMU_CPU"];

/// What the session calls (infra/arm64-session.sh builds the same list).
pub const SESSION_FUNCTIONS: [&str; 6] = [
    "create-user",
    "login",
    "get-user",
    "create-product",
    "create-order",
    "refresh",
];

/// How long an emulated start or call may take: argon2id under qemu's translation is slow.
const WAIT: Duration = Duration::from_secs(120);

pub fn run_session() {
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(session());
    match outcome {
        Ok(()) => eprintln!("[arm64] every answer as expected, from every arm64 bootstrap"),
        Err(failure) => {
            eprintln!("[arm64] FAILED: {failure}");
            std::process::exit(1);
        }
    }
}

async fn session() -> Result<(), String> {
    let app = TestApp::spawn().await;
    let mut functions = Functions::start(&app.table)?;
    let client = sign_up_and_log_in(&app, &mut functions).await?;
    read_yourself(&app, &mut functions, &client).await?;
    order(&app, &mut functions, &client).await?;
    refresh(&app, &mut functions, &client).await
}

/// What a signed-up, logged-in client holds.
struct Client {
    id: String,
    email: String,
    access: String,
    refresh: String,
}

async fn sign_up_and_log_in(app: &TestApp, functions: &mut Functions) -> Result<Client, String> {
    let email = format!("arm64-{}@example.com", uuid_like());
    let password = "an arm64 passphrase";
    let signed_up = functions.call(
        "create-user",
        ApiEvent::new("POST /users", "/users")
            .json(&json!({"name": "Arm", "email": email, "password": password})),
        201,
    )?;
    let id = signed_up.data("id")?.to_owned();
    same("sign-up's email", signed_up.data("email")?, &email)?;
    let record = stored_user(app, &id).await?;
    let verified = app
        .direct
        .passwords
        .verify(&parse_password(password), &record.password_hash)
        .await
        .map_err(|e| format!("x86_64 verifying the arm64 hash: {e:?}"))?;
    holds(
        verified,
        "the hash arm64 create-user stored verifies on x86_64",
    )?;

    let wrong = functions.call("login", login_event(&email, "not the passphrase"), 401)?;
    same(
        "a wrong password's code",
        wrong.code(),
        "INVALID_CREDENTIALS",
    )?;
    let logged_in = functions.call("login", login_event(&email, password), 200)?;
    same(
        "login's user",
        logged_in.body["data"]["user"]["id"]
            .as_str()
            .unwrap_or_default(),
        &id,
    )?;
    same("login's token type", logged_in.data("tokenType")?, "Bearer")?;
    Ok(Client {
        access: logged_in.data("accessToken")?.to_owned(),
        refresh: logged_in.data("refreshToken")?.to_owned(),
        id,
        email,
    })
}

/// Access tokens across functions and architectures: arm64 login's, read by arm64 get-user and
/// by x86_64; x86_64's, read by arm64 get-user.
async fn read_yourself(
    app: &TestApp,
    functions: &mut Functions,
    client: &Client,
) -> Result<(), String> {
    let me = functions.call("get-user", get_user_event(&client.id, &client.access), 200)?;
    same("get-user's id", me.data("id")?, &client.id)?;
    same("get-user's email", me.data("email")?, &client.email)?;
    let claims = app
        .direct
        .tokens
        .verify_access(&client.access)
        .await
        .map_err(|e| format!("x86_64 verifying arm64 login's access token: {e:?}"))?;
    same("the access token's subject", &claims.sub, &client.id)?;

    let user = stored_user(app, &client.id).await?.user;
    functions.call(
        "get-user",
        get_user_event(&client.id, &app.token(&user)),
        200,
    )?;
    Ok(())
}

/// A product by an admin (whose hash x86_64 made and arm64 login verifies), refused to a user,
/// then ordered by the client: the order's lines, total and the stock it took.
async fn order(app: &TestApp, functions: &mut Functions, client: &Client) -> Result<(), String> {
    let admin = app.admin("root@example.com").await;
    let admin_login = functions.call(
        "login",
        login_event(admin.email.as_str(), TEST_PASSWORD),
        200,
    )?;
    let product = json!({"name": "Arm tea", "priceCents": 450, "stock": 10});
    let refused = functions.call(
        "create-product",
        create_product_event(&client.access, &product),
        403,
    )?;
    same("a user's create-product code", refused.code(), "FORBIDDEN")?;
    let created = functions.call(
        "create-product",
        create_product_event(admin_login.data("accessToken")?, &product),
        201,
    )?;
    let product_id = created.data("id")?.to_owned();

    let ordered = functions.call(
        "create-order",
        ApiEvent::new("POST /orders", "/orders")
            .bearer(&client.access)
            .json(&json!({"items": [{"productId": product_id, "quantity": 2}]})),
        201,
    )?;
    same("the order's user", ordered.data("userId")?, &client.id)?;
    same(
        "the order's total",
        &ordered.body["data"]["totalCents"].to_string(),
        "900",
    )?;
    same("the order's status", ordered.data("status")?, "placed")?;
    let stock = app
        .stock_of(&ProductId::parse(&product_id).ok_or("bad product id")?)
        .await;
    holds(
        stock == 8,
        &format!("the order took 2 of 10 units (stock now {stock})"),
    )
}

/// A refresh rotates both tokens; the new access token works; the old refresh token, replayed,
/// is refused.
async fn refresh(app: &TestApp, functions: &mut Functions, client: &Client) -> Result<(), String> {
    let refreshed = functions.call("refresh", refresh_event(&client.refresh), 200)?;
    let (access, refresh) = (
        refreshed.data("accessToken")?,
        refreshed.data("refreshToken")?,
    );
    holds(
        access != client.access && refresh != client.refresh,
        "refresh issues new tokens",
    )?;
    functions.call("get-user", get_user_event(&client.id, access), 200)?;
    app.direct
        .tokens
        .verify_access(access)
        .await
        .map_err(|e| format!("x86_64 verifying arm64 refresh's access token: {e:?}"))?;
    let replayed = functions.call("refresh", refresh_event(&client.refresh), 401)?;
    same(
        "a replayed refresh token's code",
        replayed.code(),
        "INVALID_REFRESH_TOKEN",
    )
}

async fn stored_user(app: &TestApp, id: &str) -> Result<UserRecord, String> {
    let id = UserId::parse(id).ok_or_else(|| format!("{id:?} is not a user id"))?;
    app.direct
        .store
        .find_user(&id)
        .await
        .map_err(|e| format!("reading user {id}: {e:?}"))?
        .ok_or_else(|| format!("user {id} is not stored"))
}

fn login_event(email: &str, password: &str) -> ApiEvent {
    ApiEvent::new("POST /auth/login", "/auth/login")
        .json(&json!({"email": email, "password": password}))
}

fn get_user_event(id: &str, token: &str) -> ApiEvent {
    ApiEvent::new("GET /users/{id}", &format!("/users/{id}")).bearer(token)
}

fn create_product_event(token: &str, product: &Value) -> ApiEvent {
    ApiEvent::new("POST /products", "/products")
        .bearer(token)
        .json(product)
}

fn refresh_event(token: &str) -> ApiEvent {
    ApiEvent::new("POST /auth/refresh", "/auth/refresh").json(&json!({"refreshToken": token}))
}

fn parse_password(raw: &str) -> Password {
    Password::parse(raw.to_owned()).expect("the session's password is valid")
}

/// A fresh value for a unique email.
fn uuid_like() -> String {
    shared::domain::FamilyId::new().to_string()
}

fn same(what: &str, actual: &str, expected: &str) -> Result<(), String> {
    if actual == expected {
        eprintln!("[arm64] ok: {what} {expected:?}");
        Ok(())
    } else {
        Err(format!("{what}: expected {expected:?}, got {actual:?}"))
    }
}

fn holds(condition: bool, what: &str) -> Result<(), String> {
    if condition {
        eprintln!("[arm64] ok: {what}");
        Ok(())
    } else {
        Err(what.to_owned())
    }
}

/// A function's answer: the API Gateway response's status and its JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn parse(raw: &[u8]) -> Result<Self, String> {
        let shown = || String::from_utf8_lossy(raw).into_owned();
        let response: Value =
            serde_json::from_slice(raw).map_err(|e| format!("not JSON ({e}): {}", shown()))?;
        let status = response["statusCode"]
            .as_u64()
            .ok_or_else(|| format!("no statusCode: {}", shown()))?;
        let body = match response["body"].as_str() {
            None | Some("") => Value::Null,
            Some(text) => {
                serde_json::from_str(text).map_err(|e| format!("body not JSON ({e}): {text}"))?
            }
        };
        Ok(Self {
            status: u16::try_from(status).map_err(|_| format!("status {status}"))?,
            body,
        })
    }

    fn expect(self, status: u16, call: &str) -> Result<Self, String> {
        if self.status == status {
            eprintln!("[arm64] ok: {call} answered {status}");
            Ok(self)
        } else {
            Err(format!(
                "expected {status}, got {}: {}",
                self.status, self.body
            ))
        }
    }

    fn data(&self, field: &str) -> Result<&str, String> {
        self.body["data"][field]
            .as_str()
            .ok_or_else(|| format!("no data.{field} in {}", self.body))
    }

    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

/// One process per function, started once and kept for the session, as warm Lambda
/// environments are.
struct Functions {
    processes: Vec<Emulated>,
}

impl Functions {
    fn start(table: &str) -> Result<Self, String> {
        let dir = PathBuf::from(std::env::var(SESSION_DIR).expect("set by the caller"));
        let qemu = PathBuf::from(std::env::var(QEMU).map_err(|_| format!("{QEMU} is not set"))?);
        let template = std::fs::read_to_string("template.yaml").unwrap_or_default();
        let processes = SESSION_FUNCTIONS
            .iter()
            .map(|name| {
                let bootstrap = dir.join(name).join("bootstrap");
                Emulated::start(name, &qemu, &bootstrap, memory_mb(&template, name), table)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { processes })
    }

    /// Invokes `function` with `event` and checks the answer's status.
    fn call(&mut self, function: &str, event: ApiEvent, status: u16) -> Result<Answer, String> {
        let process = self
            .processes
            .iter_mut()
            .find(|p| p.name == function)
            .ok_or_else(|| format!("{function} is not in the session"))?;
        let call = format!("{function} {}", event_route(&event));
        process
            .invoke(&event)
            .and_then(|answer| answer.expect(status, &call))
            .map_err(|e| format!("{call}: {e}\n--- its last output:\n{}", process.tail()))
    }
}

fn event_route(event: &ApiEvent) -> String {
    let parsed: Value = serde_json::from_str(&event.to_json()).unwrap_or_default();
    parsed["routeKey"].as_str().unwrap_or_default().to_owned()
}

/// One bootstrap under qemu-aarch64, behind an emulator of its own.
struct Emulated {
    name: &'static str,
    emulator: Emulator,
    /// Taken when the process is stopped.
    running: Option<Running>,
    calls: usize,
}

impl Emulated {
    fn start(
        name: &'static str,
        qemu: &Path,
        bootstrap: &Path,
        memory_mb: u32,
        table: &str,
    ) -> Result<Self, String> {
        if !bootstrap.is_file() {
            return Err(format!("{} is missing", bootstrap.display()));
        }
        let task_root = bootstrap.parent().unwrap_or(Path::new("/"));
        let subject = Subject {
            name: name.to_owned(),
            program: qemu.to_owned(),
            args: vec![bootstrap.display().to_string()],
            memory_mb,
            cold_events: Vec::new(),
            counted_events: Vec::new(),
            warm_events: Vec::new(),
            env: process_env(task_root),
        };
        let emulator = Emulator::start();
        let env = lambda_env(
            &subject,
            &emulator.address,
            table,
            &crate::database::endpoint(),
            &secrets_endpoint(),
        );
        let running = spawn(&subject, &env);
        eprintln!(
            "[arm64] started {name}: {} {}",
            qemu.display(),
            bootstrap.display()
        );
        Ok(Self {
            name,
            emulator,
            running: Some(running),
            calls: 0,
        })
    }

    fn tail(&self) -> String {
        self.running.as_ref().map(Running::tail).unwrap_or_default()
    }

    fn invoke(&mut self, event: &ApiEvent) -> Result<Answer, String> {
        let reply = self.wait_next()?;
        self.calls += 1;
        let request_id = format!("arm64-{}-{}", self.name, self.calls);
        reply
            .send(Invocation {
                request_id: request_id.clone(),
                event: event.to_json(),
            })
            .map_err(|_| "the process left before taking its event".to_owned())?;
        match self.emulator.next_happening(WAIT) {
            Some(Happening::Response {
                request_id: id,
                body,
                ..
            }) if id == request_id => Answer::parse(&body),
            Some(Happening::Error { body, .. }) => Err(format!("invocation error: {body}")),
            Some(other) => Err(format!("unexpected {other:?}")),
            None => Err(format!("no answer within {} s", WAIT.as_secs())),
        }
    }

    /// The process's `GET /next`; an init error or an exit is an error.
    fn wait_next(&mut self) -> Result<Sender<Invocation>, String> {
        let step = Duration::from_millis(200);
        for _ in 0..(WAIT.as_millis() / step.as_millis()) {
            match self.emulator.next_happening(step) {
                Some(Happening::Next { reply, .. }) => return Ok(reply),
                Some(Happening::Error { body, .. }) => return Err(format!("init error: {body}")),
                Some(other) => return Err(format!("unexpected {other:?} before GET /next")),
                None => {
                    if let Some(status) = self.running.as_mut().and_then(Running::exited) {
                        return Err(format!("exited ({status})"));
                    }
                }
            }
        }
        Err(format!("no GET /next within {} s", WAIT.as_secs()))
    }
}

/// What a function process gets beside Lambda's environment (`process::lambda_env`).
fn process_env(task_root: &Path) -> Vec<(String, String)> {
    let qemu = QEMU_SETTINGS
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), std::env::var(name).ok()?)));
    qemu.chain([
        (
            "LAMBDA_TASK_ROOT".to_owned(),
            task_root.display().to_string(),
        ),
        // The functions' own level, as in Lambda: their log lines are shown when a call fails.
        ("RUST_LOG".to_owned(), "info".to_owned()),
    ])
    .collect()
}

impl Drop for Emulated {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_its_status_and_json_body() {
        let raw = br#"{"statusCode":201,"headers":{},"body":"{\"status\":\"success\",\"data\":{\"id\":\"u-1\"}}","isBase64Encoded":false}"#;
        let answer = Answer::parse(raw)
            .unwrap()
            .expect(201, "create-user")
            .unwrap();
        assert_eq!(answer.data("id"), Ok("u-1"));
        assert!(answer.data("email").is_err());
    }

    #[test]
    fn an_unexpected_status_fails_with_the_body() {
        let raw = br#"{"statusCode":401,"body":"{\"code\":\"UNAUTHENTICATED\"}"}"#;
        let error = Answer::parse(raw)
            .unwrap()
            .expect(200, "get-user")
            .unwrap_err();
        assert!(error.contains("expected 200, got 401"), "{error}");
        assert!(error.contains("UNAUTHENTICATED"), "{error}");
    }

    #[test]
    fn an_answer_without_a_status_is_an_error() {
        assert!(Answer::parse(b"{}").is_err());
        assert!(Answer::parse(b"not json").is_err());
        // An empty body (204) is no body, not an error.
        let empty = Answer::parse(br#"{"statusCode":204,"body":""}"#).unwrap();
        assert_eq!((empty.status, empty.body), (204, Value::Null));
    }

    #[test]
    fn a_failed_check_says_what() {
        assert_eq!(same("x", "a", "a"), Ok(()));
        assert_eq!(
            same("the total", "800", "900"),
            Err(r#"the total: expected "900", got "800""#.to_owned())
        );
    }
}
