//! One argon2id hash at the functions' parameters, timed as a warm process makes it and as a
//! new process's first (which also faults in its working memory).

use std::process::Command;
use std::time::{Duration, Instant};

use shared::domain::Password;
use shared::test_support::TestApp;

/// Set in the environment of the bench's own executable, run as a new process that hashes once.
pub const FIRST_HASH_MODE: &str = "BENCH_FIRST_HASH";

/// A new process's first argon2id hash, as a cold login or create-user makes it: the same
/// hasher on a current-thread runtime, its 19 MiB not yet touched, so the page faults of that
/// memory are in it. Prints the wall time in nanoseconds.
pub fn first_hash_in_this_process() {
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
pub fn first_hash_times(samples: usize) -> Vec<Duration> {
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
pub async fn hash_times(app: &TestApp, samples: usize) -> Vec<Duration> {
    let password = Password::parse("a long bench password".to_owned()).expect("valid");
    let mut times = Vec::new();
    for _ in 0..samples {
        let started = Instant::now();
        app.app.passwords.hash(&password).await.expect("hashes");
        times.push(started.elapsed());
    }
    times
}
