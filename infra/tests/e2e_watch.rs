//! End to end through `cargo lambda watch`: real HTTP on loopback to the contract's paths, the
//! router in Cargo.toml, the real binaries, DynamoDB Local. This is what `make dev` serves.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::test_support::{
    TEST_ACCESS_SECRET, TEST_AUDIENCE, TEST_ISSUER, TEST_REFRESH_SECRET, TestApp,
};

/// `cargo lambda watch` and everything it started, stopped when dropped (even on a failed
/// assertion): it runs in its own process group, which is signalled as a whole.
struct Watch {
    child: Child,
    port: u16,
}

impl Watch {
    fn start(env_file: &Path, log: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut command = Command::new("cargo");
        command
            .args([
                "lambda",
                "watch",
                "--quiet",
                "--invoke-address",
                "127.0.0.1",
            ])
            .args(["--invoke-port", &port.to_string()])
            .arg("--env-file")
            .arg(env_file)
            .current_dir(workspace)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(log).unwrap())
            .stderr(std::fs::File::create(log.with_extension("err")).unwrap());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .expect("cargo lambda watch starts (is cargo-lambda installed? `make tools`)");
        let watch = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not listen on {port} within 120 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        watch
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn send(request: ureq::RequestBuilder<ureq::typestate::WithBody>, body: Option<&Value>) -> Reply {
    let response = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .send(body.to_string()),
        None => request.send_empty(),
    }
    .expect("the server answers");
    read(response)
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let mut text = String::new();
    response
        .body_mut()
        .as_reader()
        .read_to_string(&mut text)
        .unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // The first call to each function compiles it.
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_up_then_read_yourself_over_real_http() {
    // A table of its own, created from template.yaml like every test's.
    let app = TestApp::spawn().await;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap();
    let dir = std::env::temp_dir().join(format!("e2e-{}", app.table));
    std::fs::create_dir_all(&dir).unwrap();
    let env_file = dir.join(".env");
    std::fs::write(
        &env_file,
        format!(
            "TABLE_NAME={}\nDYNAMODB_ENDPOINT={endpoint}\nJWT_SECRET={TEST_ACCESS_SECRET}\n\
             REFRESH_TOKEN_SECRET={TEST_REFRESH_SECRET}\nJWT_ISSUER={TEST_ISSUER}\nJWT_AUDIENCE={TEST_AUDIENCE}\n",
            app.table
        ),
    )
    .unwrap();

    // Its output stays in `dir` (kept if an assertion fails) rather than in the test's.
    let watch = Watch::start(&env_file, &dir.join("watch.log"));
    let http = agent();

    let created = tokio::task::block_in_place(|| {
        send(
            http.post(watch.url("/users")),
            Some(
                &json!({"name": "Grace Hopper", "email": "Grace@Example.com", "password": "COBOL forever"}),
            ),
        )
    });
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/users/{id}").as_str())
    );
    assert!(
        created
            .header("x-request-id")
            .is_some_and(|v| !v.is_empty())
    );
    assert_eq!(created.header("cache-control"), Some("no-store"));

    let user = app
        .app
        .store
        .find_user(&shared::domain::UserId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .user;
    let token = app.token(&user);

    let read_back = tokio::task::block_in_place(|| {
        read(
            http.get(watch.url(&format!("/users/{id}")))
                .header("authorization", &format!("Bearer {token}"))
                .call()
                .unwrap(),
        )
    });
    assert_eq!(read_back.status, 200, "{:?}", read_back.body);
    assert_eq!(read_back.body["data"], created.body["data"]);

    let anonymous = tokio::task::block_in_place(|| {
        read(http.get(watch.url(&format!("/users/{id}"))).call().unwrap())
    });
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["code"], "UNAUTHENTICATED");

    let duplicate = tokio::task::block_in_place(|| {
        send(
            http.post(watch.url("/users")),
            Some(
                &json!({"name": "Impostor", "email": "grace@example.COM", "password": "COBOL forever"}),
            ),
        )
    });
    assert_eq!(
        (duplicate.status, duplicate.body["code"].as_str()),
        (409, Some("EMAIL_TAKEN"))
    );

    drop(watch);
    let _ = std::fs::remove_dir_all(dir);
}
