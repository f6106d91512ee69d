//! A function process as Lambda runs one: started with Lambda's environment, its output kept
//! for diagnosis, stopped when its measurement is done.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shared::test_support::{TEST_AUDIENCE, TEST_ISSUER, key_env};

use crate::measure::Subject;

/// A function process and the last lines it wrote (for diagnosing a failure).
pub struct Running {
    child: Child,
    output: Arc<Mutex<VecDeque<String>>>,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status, if it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn tail(&self) -> String {
        let lines = self.output.lock().expect("output lock");
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    pub fn stop(mut self) {
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
pub fn lambda_env(
    subject: &Subject,
    runtime_api: &str,
    table: &str,
    database: &str,
    secret_store: &str,
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
        // Set by the Lambda service: the functions write JSON logs and EMF metrics, as there,
        // not the readable local forms.
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023"),
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
        ("JWT_ISSUER", TEST_ISSUER),
        ("JWT_AUDIENCE", TEST_AUDIENCE),
        // Logging must not dominate what is measured (the functions' own default is `info`).
        ("RUST_LOG", "warn"),
    ];
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain(subject.env.iter().cloned())
        .chain(
            key_env(subject.function(), table)
                .into_iter()
                .map(|(k, v)| match k {
                    "SECRETS_MANAGER_ENDPOINT" => (k.to_owned(), secret_store.to_owned()),
                    _ => (k.to_owned(), v),
                }),
        )
        .collect()
}

pub fn spawn(subject: &Subject, env: &[(String, String)]) -> Running {
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
