//! What a run measures, from the environment (bench/run.sh and bench/profiles.sh set the paths):
//!
//! - `DYNAMODB_ENDPOINT` (required): a running DynamoDB Local (read by [`crate::database`]).
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
//!
//! For diagnosis only, read where a process is spawned ([`crate::process`]): `BENCH_WRAP` and
//! `BENCH_EXTRA_ENV`; and `BENCH_SHOW_BLOCKS` (any value), which prints each warm loop's CPU
//! per call block by block and its minor page faults a call ([`crate::measure`]), and the SDK
//! loop's CPU per round block by block when it takes turns ([`crate::sdk`]) and the hashes timed in
//! turn with a hasher.

use std::path::PathBuf;

use crate::functions::HASHING;

pub struct Settings {
    pub cold: usize,
    pub warm: usize,
    pub warm_hashing: usize,
    /// `BENCH_FUNCTIONS`, when set and not empty.
    pub only: Option<Vec<String>>,
    pub bin_dir: PathBuf,
    pub zip_dir: Option<PathBuf>,
    pub node: bool,
    pub profiles: Option<String>,
}

impl Settings {
    pub fn from_env() -> Self {
        Self {
            cold: number("BENCH_COLD", 20),
            warm: number("BENCH_WARM", 1000),
            warm_hashing: number("BENCH_WARM_HASHING", 200),
            only: std::env::var("BENCH_FUNCTIONS")
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect()),
            bin_dir: PathBuf::from(
                std::env::var("BENCH_BIN_DIR").unwrap_or_else(|_| "target/release".into()),
            ),
            zip_dir: std::env::var_os("BENCH_ZIP_DIR").map(PathBuf::from),
            node: std::env::var("BENCH_NODE").as_deref() == Ok("1"),
            profiles: std::env::var("BENCH_PROFILES").ok(),
        }
    }

    /// Whether `BENCH_FUNCTIONS` (if set) names `function`.
    pub fn includes(&self, function: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|f| f == function))
    }

    /// Warm invocations for `function`: fewer for those that hash on every call.
    pub fn warm_count(&self, function: &str) -> usize {
        if HASHING.contains(&function) {
            self.warm_hashing
        } else {
            self.warm
        }
    }
}

fn number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
