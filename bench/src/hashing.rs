//! One argon2id hash at the functions' parameters, timed as a warm process makes it and as a
//! new process's first (which also faults in its working memory).

use std::process::Command;
use std::time::{Duration, Instant};

use shared::domain::Password;

/// Set in the environment of the bench's own executable, run as a new process that hashes once.
pub const FIRST_HASH_MODE: &str = "BENCH_FIRST_HASH";

/// A new process's first argon2id hash, as a cold login or create-user makes it: the same
/// hasher on a current-thread runtime, its 19 MiB not yet touched, so the page faults of that
/// memory are in it. Prints the wall time in nanoseconds.
pub fn first_hash_in_this_process() {
    let runtime = current_thread_runtime();
    let hasher = shared::auth::PasswordHasher::new();
    let password = bench_password();
    let started = Instant::now();
    runtime.block_on(hasher.hash(&password)).expect("hashes");
    println!("{}", started.elapsed().as_nanos());
}

fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn bench_password() -> Password {
    Password::parse("a long bench password".to_owned()).expect("valid")
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

/// Wall time of argon2id hashes at the functions' parameters, by a hasher that has hashed
/// before (a warm process's hash), one after another as `time` is called: a few back to back
/// after each hasher's measurements, or [`HASHES_PER_TURN`] a turn between a hasher's warm
/// blocks (`measure::warm_loops_in_turn`), so the hash its budget adds met the machine at the
/// same moments as the function's own, as the floor's and the SDK loop's calls do.
pub struct WarmHasher {
    /// Always `Some` until dropped (see `Drop`).
    runtime: Option<tokio::runtime::Runtime>,
    hasher: shared::auth::PasswordHasher,
    password: Password,
    pub times: Vec<Duration>,
}

/// Hashes timed each turn: one, as a function hashes once between waits on DynamoDB. A second
/// straight after finds the 19 MiB it fills still in the L3 cache, which a function's does not
/// (bench/notes.md, "The hash, in turn").
pub const HASHES_PER_TURN: usize = 1;

impl WarmHasher {
    /// A hasher that has hashed once (its working memory taken), as a warm function's has.
    pub fn new() -> Self {
        let mut hashes = Self {
            runtime: Some(current_thread_runtime()),
            hasher: shared::auth::PasswordHasher::new(),
            password: bench_password(),
            times: Vec::new(),
        };
        hashes.time(1);
        hashes.times.clear();
        hashes
    }

    /// Times `count` more hashes, one after another.
    pub fn time(&mut self, count: usize) {
        // On a thread of its own: the harness's callers run inside its multi-thread runtime,
        // where this runtime's `block_on` may not be called.
        let Self {
            runtime,
            hasher,
            password,
            times,
        } = self;
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let runtime = runtime.as_ref().expect("not dropped");
                for _ in 0..count {
                    let started = Instant::now();
                    runtime.block_on(hasher.hash(password)).expect("hashes");
                    times.push(started.elapsed());
                }
            });
        });
    }
}

impl Drop for WarmHasher {
    fn drop(&mut self) {
        // Dropped inside the harness's runtime, where a runtime may not be dropped by waiting.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn hashes_are_timed_in_turn_from_inside_the_harness_runtime() {
        let mut hashes = WarmHasher::new();
        assert!(
            hashes.times.is_empty(),
            "the first, untimed hash is not kept"
        );
        hashes.time(2);
        hashes.time(1);
        assert_eq!(hashes.times.len(), 3);
        assert!(hashes.times.iter().all(|time| !time.is_zero()));
        drop(hashes);
    }
}
