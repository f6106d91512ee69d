//! The budgets every function is held to, each with its arithmetic. A missed one is marked in
//! BENCHMARKS.md and makes the run exit non-zero.

use std::fmt::Write as _;
use std::time::Duration;

use super::{Run, node};
use crate::functions::{HASHES_SOMETIMES, HASHING};
use crate::measure::Measurement;
use crate::stats::{median, mib, ms};

/// Init may take at most this many times the floor's.
const INIT_TIMES_FLOOR: u32 = 2;
/// What our part of a cold start may add to the floor's (and to a hash, for the hashers).
const COLD_ALLOWANCE: Duration = Duration::from_millis(5);
const RSS_MIB: u64 = 32;
/// argon2id's working memory comes on top for the functions that can hash.
const RSS_MIB_HASHING: u64 = 64;
const WARM_CPU: Duration = Duration::from_micros(200);
const ZIP_BYTES: u64 = 3_500_000;
/// get-user's cold start against the Node.js peer's.
const NODE_COLD_RATIO: f64 = 10.0;
/// What logs, metrics and traces may add to init, and to a warm get-user's CPU, over the same
/// build with its metrics off.
const OBSERVABILITY_INIT: Duration = Duration::from_micros(300);
const OBSERVABILITY_WARM_CPU: Duration = Duration::from_micros(30);

/// One budget, met or not, said in a line with its numbers.
struct Verdict {
    met: bool,
    what: String,
}

/// The budgets' table rows, in order, and what was missed.
#[derive(Default)]
pub struct Verdicts {
    pub rows: String,
    pub missed: Vec<String>,
}

impl Verdicts {
    fn add(&mut self, Verdict { met, what }: Verdict) {
        let _ = writeln!(self.rows, "| {} | {what} |", if met { "✅" } else { "❌" });
        if !met {
            self.missed.push(what);
        }
    }

    /// A subject that failed a call misses a budget of its own, per failure.
    fn failures(&mut self, m: &Measurement) {
        for failure in &m.failures {
            self.add(Verdict {
                met: false,
                what: format!("{}: {failure}", m.name),
            });
        }
    }

    /// `make bench` exits non-zero when this is not empty.
    pub fn summary(&self) -> String {
        if self.missed.is_empty() {
            "**Every budget is met.**".to_owned()
        } else {
            format!("**{} budget(s) missed** (marked ❌).", self.missed.len())
        }
    }
}

pub fn judge(run: &Run) -> Verdicts {
    let mut verdicts = Verdicts::default();
    for m in run.peers {
        verdicts.failures(m);
    }
    let floor = run.floor();
    let first_hash = median(run.argon2_first);
    for m in run.results {
        verdicts.failures(m);
        if m.name == "floor" {
            continue;
        }
        verdicts.add(init(m, floor));
        if let Some(off) = metrics_off(run, m) {
            verdicts.add(observability_init(m, off));
            if m.name == "get-user" {
                verdicts.add(observability_cpu(m, off));
            }
        }
        verdicts.add(cold(m, floor, first_hash));
        verdicts.add(rss(m));
        if let Some(verdict) = warm_cpu(m) {
            verdicts.add(verdict);
        }
        if let Some(verdict) = zip(m, run) {
            verdicts.add(verdict);
        }
    }
    if let Some((ours, theirs)) = node::pair(run, "get-user") {
        verdicts.add(faster_than_node(ours, theirs));
    }
    verdicts
}

fn init(m: &Measurement, floor: &Measurement) -> Verdict {
    let (init, floor_init) = (median(&m.init), median(&floor.init));
    let budget = floor_init * INIT_TIMES_FLOOR;
    Verdict {
        met: init <= budget,
        what: format!(
            "{}: init {:.2} ms ≤ {INIT_TIMES_FLOOR} × floor's {:.2} ms = {:.2} ms",
            m.name,
            ms(init),
            ms(floor_init),
            ms(budget)
        ),
    }
}

/// `m`'s measurement with its metrics off, if the run made one.
pub fn metrics_off<'a>(run: &Run<'a>, m: &Measurement) -> Option<&'a Measurement> {
    let name = format!("{} {}", m.name, crate::measure::METRICS_OFF);
    run.metrics_off.iter().find(|off| off.name == name)
}

fn observability_init(on: &Measurement, off: &Measurement) -> Verdict {
    let (with, without) = (median(&on.init), median(&off.init));
    Verdict {
        met: with.saturating_sub(without) <= OBSERVABILITY_INIT,
        what: format!(
            "{}: init with metrics {:.2} ms − without {:.2} ms ≤ {:.1} ms",
            on.name,
            ms(with),
            ms(without),
            ms(OBSERVABILITY_INIT)
        ),
    }
}

fn observability_cpu(on: &Measurement, off: &Measurement) -> Verdict {
    Verdict {
        met: on.cpu_per_warm.saturating_sub(off.cpu_per_warm) <= OBSERVABILITY_WARM_CPU,
        what: format!(
            "{}: warm CPU with metrics {} µs − without {} µs ≤ {} µs",
            on.name,
            on.cpu_per_warm.as_micros(),
            off.cpu_per_warm.as_micros(),
            OBSERVABILITY_WARM_CPU.as_micros()
        ),
    }
}

/// Our part of a cold start must fit in the floor's cold start and 5 ms. The hashers also hash
/// or verify a password on that request, so their budgets add one argon2id hash: a new
/// process's first, as theirs is, measured in the same run.
fn cold(m: &Measurement, floor: &Measurement, first_hash: Duration) -> Verdict {
    let hashing = if HASHING.contains(&m.name.as_str()) {
        first_hash
    } else {
        Duration::ZERO
    };
    let floor_cold = median(&floor.cold);
    let budget = floor_cold + hashing + COLD_ALLOWANCE;
    let own = own_part_of_cold(m);
    Verdict {
        met: own <= budget,
        what: format!(
            "{}: cold {:.2} ms less {} ({:.2} ms) = {:.2} ms ≤ floor {:.2}{} + {} ms = {:.2} ms",
            m.name,
            ms(median(&m.cold)),
            dependencies(m),
            ms(median(&m.cold_dependencies)),
            ms(own),
            ms(floor_cold),
            if hashing.is_zero() {
                String::new()
            } else {
                format!(" + a new process's first argon2id hash {:.2}", ms(hashing))
            },
            COLD_ALLOWANCE.as_millis(),
            ms(budget)
        ),
    }
}

/// What a cold start waited on, said for the budget's line.
fn dependencies(m: &Measurement) -> String {
    let calls = |n: usize| match n {
        1 => "call".to_owned(),
        n => format!("{n} calls"),
    };
    let database = format!(
        "DynamoDB Local's own time for the first request's {}",
        calls(m.first_request_calls)
    );
    match m.secret_store_calls {
        0 => database,
        n => format!(
            "{database} and the secret store's for its {} (side by side counted once)",
            calls(n)
        ),
    }
}

/// The median of each cold start's time less what DynamoDB Local and the secret store spent on
/// that same start (the relays' measure, however many calls): the part that is ours.
/// Paired per start, not median less median: the database's time moves by milliseconds from
/// one start to the next.
fn own_part_of_cold(m: &Measurement) -> Duration {
    let own: Vec<Duration> = m
        .cold
        .iter()
        .zip(&m.cold_dependencies)
        .map(|(cold, waited)| cold.saturating_sub(*waited))
        .collect();
    median(&own)
}

fn rss(m: &Measurement) -> Verdict {
    let budget_mib = if HASHES_SOMETIMES.contains(&m.name.as_str()) {
        RSS_MIB_HASHING
    } else {
        RSS_MIB
    };
    Verdict {
        met: m.peak_rss_kib <= budget_mib * 1024,
        what: format!(
            "{}: peak RSS {:.1} MiB ≤ {budget_mib} MiB",
            m.name,
            mib(m.peak_rss_kib)
        ),
    }
}

/// Not for the hashers, whose every call is one argon2id hash.
fn warm_cpu(m: &Measurement) -> Option<Verdict> {
    (!HASHING.contains(&m.name.as_str())).then(|| Verdict {
        met: m.cpu_per_warm <= WARM_CPU,
        what: format!(
            "{}: warm CPU {} µs a call ≤ {} µs",
            m.name,
            m.cpu_per_warm.as_micros(),
            WARM_CPU.as_micros()
        ),
    })
}

/// Only when the zips were built (`BENCH_ZIPS`); then a missing one is a miss.
fn zip(m: &Measurement, run: &Run) -> Option<Verdict> {
    let zips = run.zips?;
    Some(match zips.get(&m.name) {
        Some(size) => Verdict {
            met: *size <= ZIP_BYTES,
            what: format!(
                "{}: arm64 zip {:.2} MB ≤ {:.1} MB",
                m.name,
                *size as f64 / 1e6,
                ZIP_BYTES as f64 / 1e6
            ),
        },
        None => Verdict {
            met: false,
            what: format!("{}: no arm64 zip was built", m.name),
        },
    })
}

fn faster_than_node(ours: &Measurement, theirs: &Measurement) -> Verdict {
    let ratio = node::ratio(&theirs.cold, &ours.cold);
    Verdict {
        met: ratio >= NODE_COLD_RATIO,
        what: format!(
            "{}: cold start {ratio:.1}× faster than Node.js's ≥ {NODE_COLD_RATIO}×",
            ours.name
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cold_start_is_charged_with_its_own_database_time() {
        let ms = Duration::from_millis;
        let m = Measurement {
            cold: vec![ms(10), ms(20), ms(30)],
            cold_dependencies: vec![ms(9), ms(1), ms(25)],
            ..Default::default()
        };
        // Ours: 1, 19 and 5 ms; the median of the medians' difference would say 20 - 9 = 11.
        assert_eq!(own_part_of_cold(&m), ms(5));
    }
}
