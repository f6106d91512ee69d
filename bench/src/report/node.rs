//! Against the Node.js peer: the same functions as the seed's stack would run them.

use std::fmt::Write as _;
use std::time::Duration;

use super::Run;
use crate::measure::{Measurement, NODE_PREFIX};
use crate::stats::{mib, p50};

/// The routes the peer implements.
pub const NODE_ROUTES: [&str; 4] = ["get-user", "create-user", "login", "create-order"];

/// Ours and the peer's measurement of `function`, when both ran.
pub fn pair<'a>(run: &Run<'a>, function: &str) -> Option<(&'a Measurement, &'a Measurement)> {
    let ours = run.results.iter().find(|m| m.name == function)?;
    let theirs = run
        .peers
        .iter()
        .find(|m| m.name == format!("{NODE_PREFIX}{function}"))?;
    Some((ours, theirs))
}

/// How many times longer the peer's median is than ours.
pub fn ratio(theirs: &[Duration], ours: &[Duration]) -> f64 {
    p50(theirs) / p50(ours).max(0.001)
}

/// The comparison table, or why there is none.
pub fn table(run: &Run) -> String {
    let mut rows = String::new();
    for function in NODE_ROUTES {
        let Some((ours, theirs)) = pair(run, function) else {
            continue;
        };
        let rss_ratio = theirs.peak_rss_kib as f64 / ours.peak_rss_kib.max(1) as f64;
        let _ = writeln!(
            rows,
            "| {function} | {:.1} vs {:.1} ms: **{:.1}×** | {:.1} vs {:.1} ms: {:.1}× | {:.2} vs {:.2} ms: {:.1}× | {} vs {} µs | {:.1} vs {:.1} MiB: {rss_ratio:.1}× |",
            p50(&ours.cold),
            p50(&theirs.cold),
            ratio(&theirs.cold, &ours.cold),
            p50(&ours.init),
            p50(&theirs.init),
            ratio(&theirs.init, &ours.init),
            p50(&ours.warm),
            p50(&theirs.warm),
            ratio(&theirs.warm, &ours.warm),
            ours.cpu_per_warm.as_micros(),
            theirs.cpu_per_warm.as_micros(),
            mib(ours.peak_rss_kib),
            mib(theirs.peak_rss_kib),
        );
    }
    if rows.is_empty() {
        "Not measured in this run (`BENCH_NODE=0`, or Node.js missing).\n".to_owned()
    } else {
        format!(
            "| function | cold p50, Rust vs Node.js | init p50 | warm p50 | CPU per warm call | peak RSS |\n\
             |---|---|---|---|---|---|\n{rows}"
        )
    }
}
