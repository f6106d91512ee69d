//! `cargo lambda watch` for the tests that send real HTTP to it (e2e_watch.rs, load.rs): the
//! router in Cargo.toml, the real binaries, a TestApp's table on DynamoDB Local.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shared::test_support::{TEST_AUDIENCE, TEST_ISSUER, key_env};

/// How long `cargo lambda watch` may take to listen (it builds nothing before that).
const LISTEN_DEADLINE: Duration = Duration::from_secs(120);

/// `cargo lambda watch` and everything it started, stopped when dropped (even on a failed
/// assertion): it runs in its own process group, which is signalled as a whole.
pub struct Watch {
    child: Child,
    port: u16,
}

impl Watch {
    /// Serves the functions over `table` on a free loopback port. The `.env` and the logs
    /// (`watch.log`, `watch.err`) go to `dir`, which outlives a failed test for reading.
    pub fn start(dir: &Path, table: &str, rust_log: &str, extra_args: &[&str]) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let env_file = dir.join(".env");
        let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT is set");
        // One .env for every function, as in `make dev`: the signing functions' key settings.
        let keys: String = key_env("login", table)
            .iter()
            .map(|(name, value)| format!("{name}={value}\n"))
            .collect();
        std::fs::write(
            &env_file,
            format!(
                "TABLE_NAME={table}\nDYNAMODB_ENDPOINT={endpoint}\n{keys}JWT_ISSUER={TEST_ISSUER}\n\
                 JWT_AUDIENCE={TEST_AUDIENCE}\nRUST_LOG={rust_log}\n"
            ),
        )
        .unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
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
            .args(extra_args)
            .arg("--env-file")
            .arg(&env_file)
            .current_dir(workspace())
            .env("PATH", path_with_venv())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("watch.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("watch.err")).unwrap());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .expect("cargo starts (cargo-lambda comes from .local/venv: `make venv`)");
        let mut watch = Self { child, port };
        watch.wait_until_listening(dir);
        watch
    }

    fn wait_until_listening(&mut self, dir: &Path) {
        let deadline = Instant::now() + LISTEN_DEADLINE;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "cargo lambda watch exited ({status}); see {} (no cargo-lambda? `make venv`)",
                    dir.join("watch.err").display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not listen on {} within {LISTEN_DEADLINE:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn url(&self, path: &str) -> String {
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

/// An HTTP client that returns every status as a response, with time for the first call to a
/// function, which compiles it.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// PATH with the project's venv first, as the Makefile sets it, so a plain `cargo test` finds
/// the pinned cargo-lambda too.
fn path_with_venv() -> std::ffi::OsString {
    let venv = workspace().join(".local/venv/bin");
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(venv).chain(std::env::split_paths(&inherited))).unwrap()
}
