//! The results table: every subject's medians and 99th percentiles, CPU, memory and sizes.

use std::fmt::Write as _;

use super::Run;
use crate::sizes::binary_size;
use crate::stats::{mib, p50, p99};

pub fn table(run: &Run) -> String {
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| function | MB | init p50 / p99 ms | cold p50 / p99 ms | warm p50 / p99 ms | CPU per warm call µs | of it in the kernel | peak RSS MiB | x86_64 binary MB | arm64 zip MB |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for m in run.results.iter().chain(run.peers) {
        let zip = run
            .zips
            .and_then(|z| z.get(&m.name))
            .map_or("–".to_owned(), |b| format!("{:.2}", *b as f64 / 1e6));
        let binary = binary_size(run.bin_dir, &m.name).map_or("–".to_owned(), |bytes| {
            format!("{:.2}", bytes as f64 / 1e6)
        });
        let _ = writeln!(
            table,
            "| {} | {} | {:.1} / {:.1} | {:.1} / {:.1} | {:.2} / {:.2} | {} | {:.0} % | {:.1} | {binary} | {zip} |",
            m.name,
            m.memory_mb,
            p50(&m.init),
            p99(&m.init),
            p50(&m.cold),
            p99(&m.cold),
            p50(&m.warm),
            p99(&m.warm),
            m.cpu_per_warm.as_micros(),
            m.kernel_share * 100.0,
            mib(m.peak_rss_kib),
        );
    }
    table
}

/// Each function with and without its metrics: init, and CPU where a warm loop ran both ways.
pub fn observability_table(run: &Run) -> String {
    let mut table = String::from(
        "| function | init p50 ms, metrics on / off | added ms | CPU per warm call µs, on / off |\n|---|---:|---:|---:|\n",
    );
    for m in run.results {
        let Some(off) = super::budgets::metrics_off(run, m) else {
            continue;
        };
        let cpu = if off.cpu_per_warm.is_zero() {
            "–".to_owned()
        } else {
            format!(
                "{} / {}",
                super::budgets::metrics_on_cpu(m, off).as_micros(),
                off.cpu_per_warm.as_micros()
            )
        };
        // The metrics-on starts taken in turn with the metrics-off ones, when there are some.
        let on_init = if off.beside_init.is_empty() {
            &m.init
        } else {
            &off.beside_init
        };
        let _ = writeln!(
            table,
            "| {} | {:.2} / {:.2} | {:+.2} | {cpu} |",
            m.name,
            p50(on_init),
            p50(&off.init),
            p50(on_init) - p50(&off.init),
        );
    }
    table
}

/// What lambda_http's API Gateway handling takes before any route's code runs: the floor with
/// it, against the floor started and looped in turn with it.
pub fn http_floor_paragraph(run: &Run) -> String {
    use super::budgets::{WARM_CPU_ALLOWANCE, beside, floor_cpu};
    let (http, floor) = (run.http_floor, run.floor());
    let floor_cpu = floor_cpu(http, floor);
    let floor_init = beside(&http.beside_init, &floor.init);
    let added = http.cpu_per_warm.as_micros() as i128 - floor_cpu.as_micros() as i128;
    format!(
        "### lambda_http's part\n\n\
         The floor again with lambda_http's API Gateway handling (`bench/floor-http`: each of get-product's \
         events parsed into a request, a fixed product-sized JSON answer with our six response headers turned \
         back into API Gateway's response, nothing else), its cold starts and warm loop in turn with the floor's: \
         **{} µs a warm call against the floor's {} µs, {added:+} µs** before any route's code runs, of the {} µs \
         each route's warm-CPU budget allows beyond the floor and the SDK; init p50 {:.2} against {:.2} ms, \
         peak RSS {:.1} MiB.\n\n",
        http.cpu_per_warm.as_micros(),
        floor_cpu.as_micros(),
        WARM_CPU_ALLOWANCE.as_micros(),
        p50(&http.init),
        p50(floor_init),
        mib(http.peak_rss_kib),
    )
}
