//! What a call costs on Lambda: billed GB-seconds per million requests, as measured here and
//! estimated at each function's memory size, where Lambda gives it only a share of a vCPU.

use std::fmt::Write as _;
use std::time::Duration;

use crate::measure::Measurement;
use crate::stats::{median, ms};

/// Lambda gives a function one full vCPU at 1769 MB, proportionally less below.
pub const FULL_VCPU_MB: f64 = 1769.0;
/// Lambda's arm64 price per GB-second (us-east-1, first tier) at the time of writing.
pub const ARM64_USD_PER_GB_SECOND: f64 = 0.000_013_333_4;

/// Billed GB-seconds per million requests at `memory_mb`, billing each request's duration
/// rounded up to the millisecond.
fn gb_seconds_per_million(duration: Duration, memory_mb: u32) -> f64 {
    let billed_ms = (duration.as_secs_f64() * 1000.0).ceil().max(1.0);
    memory_mb as f64 / 1024.0 * billed_ms / 1000.0 * 1e6
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
        "| function | MB | warm p50 here ms | GB-s per 1M requests (as measured) | est. duration at its MB ms | GB-s per 1M (est.) | USD per 1M (est., arm64) |\n\
         |---|---:|---:|---:|---:|---:|---:|"
    );
    for m in results.iter().filter(|m| m.name != "floor") {
        let wall = median(&m.warm);
        let at_memory = duration_at(wall, m.cpu_per_warm, m.memory_mb);
        let gbs = gb_seconds_per_million(wall, m.memory_mb);
        let gbs_est = gb_seconds_per_million(at_memory, m.memory_mb);
        let _ = writeln!(
            cost,
            "| {} | {} | {:.2} | {:.0} | {:.1} | {:.0} | {:.2} |",
            m.name,
            m.memory_mb,
            ms(wall),
            gbs,
            ms(at_memory),
            gbs_est,
            gbs_est * ARM64_USD_PER_GB_SECOND,
        );
    }
    cost
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
    fn cpu_slows_by_the_share_and_waiting_does_not() {
        let at_full = duration_at(Duration::from_millis(10), Duration::from_millis(4), 1769);
        assert_eq!(at_full, Duration::from_millis(10));
        let at_half = duration_at(Duration::from_millis(10), Duration::from_millis(4), 884);
        assert!((ms(at_half) - 14.0).abs() < 0.05, "{at_half:?}");
    }
}
