//! The profile mode (`BENCH_PROFILES`, from bench/profiles.sh): get-user built under other
//! release profiles, each measured like a function, into bench/profiles.md.

use std::fmt::Write as _;
use std::path::Path;

use shared::test_support::TestApp;

use crate::events::{World, events};
use crate::measure::{Measurement, Subject, measure};
use crate::stats::{mib, p50, p99};

/// get-user built under other release profiles (bench/profiles.sh): size, cold start, warm
/// CPU and memory of each, into bench/profiles.md.
pub async fn run(app: &TestApp, world: &World, profiles: &str, cold: usize, warm: usize) {
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
            counted_events: Vec::new(),
            warm_events: events(app, world, "get-user", warm + 1, "profile").await,
            env: vec![],
        };
        let m = measure(&subject, &app.table);
        let size = std::fs::metadata(&program).map_or(0, |m| m.len());
        let zip = std::fs::metadata(Path::new(dir).join("get-user.zip")).map_or(0, |m| m.len());
        rows.push((name.to_owned(), size, zip, m));
    }
    let table = table(&rows, cold, warm);
    println!("{table}");
    let _ = std::fs::write("bench/profiles.md", table);
}

/// The release-profile comparison table (bench/profiles.sh).
fn table(rows: &[(String, u64, u64, Measurement)], cold: usize, warm: usize) -> String {
    let mut out = format!(
        "get-user built under each profile (x86_64; zip = the binary deflated, as Lambda's zip), {cold} cold \
         starts and {warm} warm calls each, by `bench/profiles.sh`:\n\n\
         | profile | binary MB | zip MB | init p50 ms | cold p50 / p99 ms | warm p50 ms | CPU per warm call µs | peak RSS MiB |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    for (name, size, zip, m) in rows {
        let _ = writeln!(
            out,
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} / {:.2} | {:.3} | {} | {:.1} |",
            *size as f64 / 1e6,
            *zip as f64 / 1e6,
            p50(&m.init),
            p50(&m.cold),
            p99(&m.cold),
            p50(&m.warm),
            m.cpu_per_warm.as_micros(),
            mib(m.peak_rss_kib),
        );
    }
    out
}
