//! What a call costs on Lambda: billed GB-seconds and dollars per million requests, as measured
//! here and estimated at each function's memory size, where Lambda gives it only a share of a
//! vCPU. The per-route cost also goes into docs/CAPACITY.md, between its markers.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::measure::Measurement;
use crate::stats::{median, ms};

/// Lambda gives a function one full vCPU at 1769 MB, proportionally less below.
pub const FULL_VCPU_MB: f64 = 1769.0;
/// Lambda's list prices (us-east-1, arm64, the first 7.5 billion GB-s of a month), as of
/// [`PRICES_AS_OF`], from [`PRICES_SOURCE`]. Change all four together.
pub const ARM64_USD_PER_GB_SECOND: f64 = 0.000_013_333_4;
pub const USD_PER_MILLION_REQUESTS: f64 = 0.20;
pub const PRICES_AS_OF: &str = "2026-11-26";
pub const PRICES_SOURCE: &str = "AWS Lambda pricing (aws.amazon.com/lambda/pricing), us-east-1, Arm; \
     the same figures in two third-party copies of that page, read on that date";

/// Where the capacity and cost model lives, and the markers of the block the bench writes.
pub const CAPACITY_DOC: &str = "docs/CAPACITY.md";
const BLOCK_START: &str = "<!-- lambda-cost:start -->";
const BLOCK_END: &str = "<!-- lambda-cost:end -->";

/// Billed GB-seconds per million requests at `memory_mb`, billing each request's duration
/// rounded up to the millisecond.
fn gb_seconds_per_million(duration: Duration, memory_mb: u32) -> f64 {
    memory_mb as f64 / 1024.0 * billed_ms(duration) / 1000.0 * 1e6
}

/// Dollars per million requests: their billed GB-seconds and the request fee.
fn usd_per_million(duration: Duration, memory_mb: u32) -> f64 {
    gb_seconds_per_million(duration, memory_mb) * ARM64_USD_PER_GB_SECOND + USD_PER_MILLION_REQUESTS
}

/// The duration Lambda bills: rounded up to the next millisecond.
fn billed_ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1000.0).ceil().max(1.0)
}

/// The share of a vCPU Lambda gives a function of `memory_mb`.
pub fn cpu_share(memory_mb: u32) -> f64 {
    (memory_mb as f64 / FULL_VCPU_MB).min(1.0)
}

/// The duration at `memory_mb`: the CPU part slowed by Lambda's CPU share, the wait unchanged.
fn duration_at(wall: Duration, cpu: Duration, memory_mb: u32) -> Duration {
    let cpu = cpu.min(wall);
    (wall - cpu) + cpu.div_f64(cpu_share(memory_mb))
}

/// Each function's warm call, billed as measured and as estimated at its memory size.
pub fn table(results: &[Measurement]) -> String {
    let mut cost = String::new();
    let _ = writeln!(
        cost,
        "| function | MB | warm p50 here ms | billed ms | GB-s per 1M requests | USD per 1M requests (arm64) | est. duration at its MB ms | GB-s per 1M (est.) | USD per 1M (est.) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for m in results.iter().filter(|m| m.name != "floor") {
        let wall = median(&m.warm);
        let at_memory = duration_at(wall, m.cpu_per_warm, m.memory_mb);
        let _ = writeln!(
            cost,
            "| {} | {} | {:.2} | {:.0} | {:.0} | {:.2} | {:.1} | {:.0} | {:.2} |",
            m.name,
            m.memory_mb,
            ms(wall),
            billed_ms(wall),
            gb_seconds_per_million(wall, m.memory_mb),
            usd_per_million(wall, m.memory_mb),
            ms(at_memory),
            gb_seconds_per_million(at_memory, m.memory_mb),
            usd_per_million(at_memory, m.memory_mb),
        );
    }
    cost
}

/// Lambda's cost per million requests of each route from this run's warm durations, for
/// docs/CAPACITY.md.
fn capacity_block(results: &[Measurement]) -> String {
    let mut block = format!(
        "Written by `make bench` from its warm p50 durations on the bench machine (BENCHMARKS.md): \
         billed duration = warm p50 rounded up to 1 ms, × the function's memory (template.yaml), at \
         ${ARM64_USD_PER_GB_SECOND} per GB-s (arm64) plus ${USD_PER_MILLION_REQUESTS:.2} per million \
         requests; prices as of {PRICES_AS_OF} ({PRICES_SOURCE}). Lambda gives less than a whole \
         vCPU below 1769 MB, so CPU-bound routes run longer there: BENCHMARKS.md's Cost table also \
         estimates that.\n\n\
         | route (function) | MB | warm p50 ms | billed ms | GB-s per 1M requests | Lambda USD per 1M requests |\n\
         |---|---:|---:|---:|---:|---:|\n"
    );
    for m in results.iter().filter(|m| m.name != "floor") {
        let wall = median(&m.warm);
        let _ = writeln!(
            block,
            "| {} | {} | {:.2} | {:.0} | {:.0} | {:.2} |",
            m.name,
            m.memory_mb,
            ms(wall),
            billed_ms(wall),
            gb_seconds_per_million(wall, m.memory_mb),
            usd_per_million(wall, m.memory_mb),
        );
    }
    block
}

/// `document` with what lies between its lambda-cost markers replaced by `block`; `None` when
/// it has no such pair.
fn replace_block(document: &str, block: &str) -> Option<String> {
    let start = document.find(BLOCK_START)? + BLOCK_START.len();
    let end = start + document[start..].find(BLOCK_END)?;
    Some(format!(
        "{}\n{}\n{}",
        &document[..start],
        block.trim_end(),
        &document[end..]
    ))
}

/// Rewrites the lambda-cost block of the capacity document at `path`, if it exists and has
/// one; says so when the markers are missing.
pub fn update_capacity(path: &Path, results: &[Measurement]) {
    let Ok(document) = std::fs::read_to_string(path) else {
        return;
    };
    match replace_block(&document, &capacity_block(results)) {
        Some(updated) => {
            let _ = std::fs::write(path, updated);
        }
        None => eprintln!(
            "[bench] {} has no {BLOCK_START} … {BLOCK_END} block: not updated",
            path.display()
        ),
    }
}

/// login's CPU per warm call, or one hash's wall time when login was not measured.
pub fn login_cpu(results: &[Measurement], hash: Duration) -> Duration {
    results
        .iter()
        .find(|m| m.name == "login")
        .map(|m| m.cpu_per_warm)
        .filter(|d| !d.is_zero())
        .unwrap_or(hash)
}

/// login's password check, CPU-bound, at Lambda's CPU share of other memory sizes.
pub fn login_at_memory_sizes(login_cpu: Duration) -> String {
    let mut table = String::from(
        "| memory MB | CPU share | login's CPU per call, scaled | GB-s per 1M logins (CPU part only) |\n|---:|---:|---:|---:|\n",
    );
    for memory in [128u32, 512, 1024, 1769] {
        let share = cpu_share(memory);
        let time = login_cpu.div_f64(share);
        let _ = writeln!(
            table,
            "| {memory} | {:.0} % | {:.0} ms | {:.0} |",
            share * 100.0,
            ms(time),
            gb_seconds_per_million(time, memory)
        );
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_bills_whole_milliseconds_at_the_memory_size() {
        // 2.3 ms at 128 MB bills 3 ms: 0.125 GB × 0.003 s × 1e6 = 375 GB-s.
        let gbs = gb_seconds_per_million(Duration::from_micros(2300), 128);
        assert!((gbs - 375.0).abs() < 1e-6, "{gbs}");
    }

    #[test]
    fn dollars_per_million_are_billed_milliseconds_at_the_price_and_the_request_fee() {
        // 2.3 ms at 128 MB: 375 GB-s × $0.0000133334 + $0.20 = $0.205.
        let usd = usd_per_million(Duration::from_micros(2300), 128);
        assert!(
            (usd - (375.0 * 0.000_013_333_4 + 0.20)).abs() < 1e-9,
            "{usd}"
        );
        // 3.0 ms exactly bills 3 ms, and so does 2.001.
        assert_eq!(billed_ms(Duration::from_micros(3000)), 3.0);
        assert_eq!(billed_ms(Duration::from_micros(2001)), 3.0);
    }

    #[test]
    fn the_capacity_block_is_replaced_between_its_markers_only() {
        let document =
            format!("# Capacity\n\nbefore\n{BLOCK_START}\nold figures\n{BLOCK_END}\nafter\n");
        let updated = replace_block(&document, "new figures\n").unwrap();
        assert_eq!(
            updated,
            format!("# Capacity\n\nbefore\n{BLOCK_START}\nnew figures\n{BLOCK_END}\nafter\n")
        );
        // Again: the same document, not a growing one.
        assert_eq!(replace_block(&updated, "new figures").unwrap(), updated);
        assert_eq!(replace_block("no markers", "x"), None);
        assert_eq!(
            replace_block(&format!("{BLOCK_END} {BLOCK_START}"), "x"),
            None
        );
    }

    #[test]
    fn the_capacity_document_gets_each_routes_cost() {
        let dir = std::env::temp_dir().join(format!("bench-capacity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("CAPACITY.md");
        std::fs::write(&path, format!("intro\n{BLOCK_START}\n{BLOCK_END}\n")).unwrap();
        let get_user = Measurement {
            name: "get-user".into(),
            memory_mb: 128,
            warm: vec![Duration::from_micros(2300)],
            ..Default::default()
        };
        update_capacity(&path, &[get_user]);
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.starts_with("intro\n"));
        assert!(
            written.contains("| get-user | 128 | 2.30 | 3 | 375 | 0.21 |"),
            "{written}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cpu_slows_by_the_share_and_waiting_does_not() {
        let at_full = duration_at(Duration::from_millis(10), Duration::from_millis(4), 1769);
        assert_eq!(at_full, Duration::from_millis(10));
        let at_half = duration_at(Duration::from_millis(10), Duration::from_millis(4), 884);
        assert!((ms(at_half) - 14.0).abs() < 0.05, "{at_half:?}");
    }
}
