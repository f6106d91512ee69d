//! The budgets every function is held to, each with its arithmetic. A missed one is marked in
//! BENCHMARKS.md and makes the run exit non-zero.

use std::fmt::Write as _;
use std::time::Duration;

use super::{Run, node};
use crate::functions::{HASHES_SOMETIMES, HASHING};
use crate::measure::Measurement;
use crate::sdk::{Bodies, InTurn, SdkCost};
use crate::stats::{median, mib, ms, p50};

/// Init may take at most this many times the floor's.
const INIT_TIMES_FLOOR: u32 = 2;
/// What our part of a cold start may add to the floor's (and to a hash, for the hashers).
const COLD_ALLOWANCE: Duration = Duration::from_millis(5);
const RSS_MIB: u64 = 32;
/// argon2id's working memory comes on top for the functions that can hash.
const RSS_MIB_HASHING: u64 = 64;
/// What a warm call may spend beyond the floor's, the SDK's own CPU for the DynamoDB calls it
/// makes, and (for the hashers) one argon2id hash: our code's part.
pub const WARM_CPU_ALLOWANCE: Duration = Duration::from_micros(100);
const ZIP_BYTES: u64 = 3_500_000;
/// get-user's cold start against the Node.js peer's.
const NODE_COLD_RATIO: f64 = 10.0;
/// get-user's CPU per warm call against the Node.js peer's.
const NODE_CPU_RATIO: f64 = 5.0;
/// The routes a user waits on at sign-in: at least as cheap as the peer's, warm and cold.
const AT_MOST_THE_PEERS: [&str; 2] = ["create-user", "login"];
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
    let warm_hash = median(run.argon2);
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
        verdicts.add(warm_cpu(m, floor, run.sdk, warm_hash));
        if let Some(verdict) = zip(m, run) {
            verdicts.add(verdict);
        }
    }
    for route in node::NODE_ROUTES {
        let Some((ours, theirs)) = node::pair(run, route) else {
            continue;
        };
        verdicts.add(same_answer_and_calls(ours, theirs));
        if route == "get-user" {
            verdicts.add(faster_than_node(ours, theirs));
            verdicts.add(less_cpu_than_node(ours, theirs));
        }
        if AT_MOST_THE_PEERS.contains(&route) {
            verdicts.add(cpu_at_most_the_peers(ours, theirs));
            verdicts.add(cold_at_most_the_peers(ours, theirs));
        }
    }
    verdicts
}

fn init(m: &Measurement, floor: &Measurement) -> Verdict {
    let (init, floor_init) = (median(&m.init), median(beside(&m.beside_init, &floor.init)));
    let budget = floor_init * INIT_TIMES_FLOOR;
    Verdict {
        met: init <= budget,
        what: format!(
            "{}: init {:.2} ms ≤ {INIT_TIMES_FLOOR} × floor's {:.2} ms{} = {:.2} ms",
            m.name,
            ms(init),
            ms(floor_init),
            said_beside(m),
            ms(budget)
        ),
    }
}

/// The floor's figures taken beside `m`'s cold starts when there are some, else its own run's.
pub fn beside<'a>(paired: &'a [Duration], alone: &'a [Duration]) -> &'a [Duration] {
    if paired.is_empty() { alone } else { paired }
}

fn said_beside(m: &Measurement) -> &'static str {
    if m.beside_init.is_empty() {
        ""
    } else {
        " (started alternately with it)"
    }
}

/// `m`'s measurement with its metrics off, if the run made one.
pub fn metrics_off<'a>(run: &Run<'a>, m: &Measurement) -> Option<&'a Measurement> {
    let name = format!("{} {}", m.name, crate::measure::METRICS_OFF);
    run.metrics_off.iter().find(|off| off.name == name)
}

/// The floor's CPU per warm call to hold `m` against: the floor's loop that took turns with
/// `m`'s, when there was one, else the floor's own.
pub fn floor_cpu(m: &Measurement, floor: &Measurement) -> Duration {
    m.beside_cpu_per_warm.unwrap_or(floor.cpu_per_warm)
}

/// CPU per warm call with metrics on, to hold against `off`'s: the metrics-on loop that took
/// turns with the metrics-off one, when there was one, else `on`'s own.
pub fn metrics_on_cpu(on: &Measurement, off: &Measurement) -> Duration {
    off.beside_cpu_per_warm.unwrap_or(on.cpu_per_warm)
}

/// The metrics-off run is measured beside the same function with its metrics on (one start
/// of each, in turn), so the two inits compared are taken at the same moments.
fn observability_init(on: &Measurement, off: &Measurement) -> Verdict {
    let with = median(beside(&off.beside_init, &on.init));
    let without = median(&off.init);
    Verdict {
        met: with.saturating_sub(without) <= OBSERVABILITY_INIT,
        what: format!(
            "{}: init with metrics {:.2} ms − without {:.2} ms{} ≤ {:.1} ms",
            on.name,
            ms(with),
            ms(without),
            if off.beside_init.is_empty() {
                ""
            } else {
                " (started in turn)"
            },
            ms(OBSERVABILITY_INIT)
        ),
    }
}

fn observability_cpu(on: &Measurement, off: &Measurement) -> Verdict {
    let with = metrics_on_cpu(on, off);
    Verdict {
        met: with.saturating_sub(off.cpu_per_warm) <= OBSERVABILITY_WARM_CPU,
        what: format!(
            "{}: warm CPU with metrics {} µs − without {} µs{} ≤ {} µs",
            on.name,
            with.as_micros(),
            off.cpu_per_warm.as_micros(),
            if off.beside_cpu_per_warm.is_some() {
                " (in turn, block by block)"
            } else {
                ""
            },
            OBSERVABILITY_WARM_CPU.as_micros()
        ),
    }
}

/// Our part of a cold start must fit in the floor's cold start and 5 ms. The hashers also hash
/// or verify a password on that request, so their budgets add one argon2id hash: a new
/// process's first, as theirs is, measured in the same run right after the hashers.
fn cold(m: &Measurement, floor: &Measurement, first_hash: Duration) -> Verdict {
    let hashing = if HASHING.contains(&m.name.as_str()) {
        first_hash
    } else {
        Duration::ZERO
    };
    let floor_cold = median(beside(&m.beside_cold, &floor.cold));
    let budget = floor_cold + hashing + COLD_ALLOWANCE;
    let own = own_part_of_cold(m);
    Verdict {
        met: own <= budget,
        what: format!(
            "{}: cold {:.2} ms less {} ({:.2} ms) = {:.2} ms ≤ floor {:.2}{}{} + {} ms = {:.2} ms",
            m.name,
            ms(median(&m.cold)),
            dependencies(m),
            ms(median(&m.cold_dependencies)),
            ms(own),
            ms(floor_cold),
            said_beside(m),
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

/// A warm call's CPU may be the floor's, the SDK's own for each DynamoDB call the call makes
/// (counted by the relay, each at its operation's CPU from the bare client loop, both in this
/// run, and for response bytes beyond the loop's usual call at the rate the loop read pages
/// at: `SdkCost::of_calls`), one argon2id hash for the hashers (a warm process's: the median
/// of those timed in turn with its blocks, `hashing::WarmHasher`, else the run's), and 100 µs of
/// ours. The floor's is its warm loop's that took turns with this one, its calls held as long
/// as this one's wait on DynamoDB (`Measurement::beside_held`).
fn warm_cpu(m: &Measurement, floor: &Measurement, sdk: &SdkCost, warm_hash: Duration) -> Verdict {
    // The hashes timed in turn with this function's blocks, when there were (else the run's).
    let (hashing, hash_in_turn) = match (HASHING.contains(&m.name.as_str()), &m.beside_hashes) {
        (false, _) => (Duration::ZERO, false),
        (true, hashes) if hashes.is_empty() => (warm_hash, false),
        (true, hashes) => (median(hashes), true),
    };
    let sdk_cpu = sdk.of_calls_beside(
        &m.warm_calls,
        &m.warm_request_bytes,
        &m.warm_response_bytes,
        m.beside_sdk.as_ref(),
    );
    let floor_cpu = floor_cpu(m, floor);
    let budget = floor_cpu + sdk_cpu + hashing + WARM_CPU_ALLOWANCE;
    let micros = |d: Duration| d.as_micros();
    Verdict {
        met: m.cpu_per_warm <= budget,
        what: format!(
            "{}: warm CPU {} µs a call ≤ floor {}{} + the SDK's {} µs for {}{} + {} µs = {} µs",
            m.name,
            micros(m.cpu_per_warm),
            micros(floor_cpu),
            floor_said(m, floor),
            micros(sdk_cpu),
            calls_said(m, sdk),
            if hashing.is_zero() {
                String::new()
            } else {
                format!(
                    " + one argon2id hash {} µs{}",
                    micros(hashing),
                    if hash_in_turn {
                        " (timed in turn with it)"
                    } else {
                        ""
                    }
                )
            },
            micros(WARM_CPU_ALLOWANCE),
            micros(budget)
        ),
    }
}

/// " (in turn with it, each call held 4.3 ms …; 87 alone)", or nothing for the floor alone.
fn floor_said(m: &Measurement, floor: &Measurement) -> String {
    match (m.beside_cpu_per_warm, m.beside_held.is_zero()) {
        (None, _) => String::new(),
        (Some(_), true) => " (in turn with it)".to_owned(),
        (Some(_), false) => format!(
            " (in turn with it, each call held {:.1} ms, as long as the function's wait on \
             DynamoDB; {} alone, unheld)",
            ms(m.beside_held),
            floor.cpu_per_warm.as_micros()
        ),
    }
}

/// "BatchGetItem 1 × 240 µs, Query 1 × 210 µs + 431 µs for its 9.8 KB read", or that there
/// was none.
fn calls_said(m: &Measurement, sdk: &SdkCost) -> String {
    if m.warm_calls.is_empty() {
        return "no DynamoDB call".to_owned();
    }
    let in_turn = m.beside_sdk.as_ref();
    let each = m
        .warm_calls
        .iter()
        .map(|(operation, count)| {
            let bytes = |of: &crate::measure::Calls| of.get(operation).copied().unwrap_or(0);
            let bodies = Bodies {
                request: bytes(&m.warm_request_bytes),
                response: bytes(&m.warm_response_bytes),
            };
            let (writing, reading) = sdk.of_bodies(operation, *count, bodies);
            let said = |extra: Duration, what: &str, bytes: usize| {
                if extra.is_zero() {
                    String::new()
                } else {
                    format!(
                        " + {} µs for its {:.1} KB {what}",
                        extra.as_micros(),
                        bytes as f64 / 1000.0
                    )
                }
            };
            let usual = if in_turn.is_some_and(|t| t.covers(operation)) {
                String::new()
            } else {
                format!(" × {} µs", sdk.of(operation).as_micros())
            };
            format!(
                "{operation} {count}{usual}{}{}",
                said(writing, "sent", bodies.request),
                said(reading, "read", bodies.response)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    match in_turn {
        Some(t) => format!(
            "{each} (a round of {} in the SDK loop, in turn with it{}: {} µs)",
            t.round.keys().cloned().collect::<Vec<_>>().join(" + "),
            held_said(t),
            t.per_round.as_micros()
        ),
        None => each,
    }
}

/// ", each call held to last as long as the function's (GetItem 1.3 ms)", or nothing.
fn held_said(in_turn: &InTurn) -> String {
    if in_turn.held.is_empty() {
        return String::new();
    }
    let each: Vec<String> = (in_turn.held.iter())
        .map(|(operation, wait)| format!("{operation} {:.1} ms", ms(*wait)))
        .collect();
    format!(
        ", each call held to last as long as the function's ({})",
        each.join(", ")
    )
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

/// The peer answers as ours does and makes the same DynamoDB calls a warm call: otherwise it
/// measures other work (a 401 costs less than a read).
fn same_answer_and_calls(ours: &Measurement, theirs: &Measurement) -> Verdict {
    let said = |m: &Measurement| {
        let statuses: Vec<String> = m.statuses.iter().map(u16::to_string).collect();
        let calls: Vec<String> = m
            .warm_calls
            .iter()
            .map(|(operation, count)| format!("{operation} {count}"))
            .collect();
        format!("{} with {}", statuses.join("/"), calls.join(", "))
    };
    Verdict {
        met: ours.statuses == theirs.statuses && ours.warm_calls == theirs.warm_calls,
        what: format!(
            "{}: answers {} a warm call, as ours: {}",
            theirs.name,
            said(theirs),
            said(ours)
        ),
    }
}

fn less_cpu_than_node(ours: &Measurement, theirs: &Measurement) -> Verdict {
    let ratio = theirs.cpu_per_warm.as_secs_f64() / ours.cpu_per_warm.as_secs_f64().max(1e-9);
    Verdict {
        met: ratio >= NODE_CPU_RATIO,
        what: format!(
            "{}: warm CPU {} µs, {ratio:.1}× less than Node.js's {} µs ≥ {NODE_CPU_RATIO}×",
            ours.name,
            ours.cpu_per_warm.as_micros(),
            theirs.cpu_per_warm.as_micros()
        ),
    }
}

fn cpu_at_most_the_peers(ours: &Measurement, theirs: &Measurement) -> Verdict {
    Verdict {
        met: ours.cpu_per_warm <= theirs.cpu_per_warm,
        what: format!(
            "{}: warm CPU {} µs a call ≤ Node.js's {} µs",
            ours.name,
            ours.cpu_per_warm.as_micros(),
            theirs.cpu_per_warm.as_micros()
        ),
    }
}

fn cold_at_most_the_peers(ours: &Measurement, theirs: &Measurement) -> Verdict {
    Verdict {
        met: median(&ours.cold) <= median(&theirs.cold),
        what: format!(
            "{}: cold start {:.1} ms ≤ Node.js's {:.1} ms",
            ours.name,
            p50(&ours.cold),
            p50(&theirs.cold)
        ),
    }
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

    fn us(micros: u64) -> Duration {
        Duration::from_micros(micros)
    }

    fn warm(name: &str, cpu: u64, calls: &[(&str, usize)]) -> Measurement {
        Measurement {
            name: name.into(),
            cpu_per_warm: us(cpu),
            warm_calls: calls.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            statuses: [200].into(),
            ..Default::default()
        }
    }

    #[test]
    fn warm_cpu_is_the_floor_the_sdks_calls_and_100_us() {
        let floor = warm("floor", 70, &[]);
        let sdk = SdkCost {
            per_call: [
                ("GetItem".to_owned(), us(230)),
                ("BatchGetItem".to_owned(), us(250)),
                ("Query".to_owned(), us(200)),
            ]
            .into(),
            usual: [(
                "Query".to_owned(),
                Bodies {
                    request: 150,
                    response: 500,
                },
            )]
            .into(),
            per_response_byte: [("Query".to_owned(), 50.0)].into(),
            per_request_byte: Default::default(),
        };
        // get-user: 70 + 230 + 100 = 400.
        let at_budget = warm("get-user", 400, &[("GetItem", 1)]);
        assert!(warm_cpu(&at_budget, &floor, &sdk, us(16_000)).met);
        let over = warm("get-user", 401, &[("GetItem", 1)]);
        let verdict = warm_cpu(&over, &floor, &sdk, us(16_000));
        assert!(!verdict.met);
        assert!(
            verdict.what.contains("GetItem 1 × 230 µs"),
            "{}",
            verdict.what
        );
        // login: each call at its operation's cost, and one hash: 70 + 250 + 2 × 230 + 16 000 + 100.
        let login = warm("login", 16_880, &[("BatchGetItem", 1), ("GetItem", 2)]);
        assert!(warm_cpu(&login, &floor, &sdk, us(16_000)).met);
        let login = warm("login", 16_881, &[("BatchGetItem", 1), ("GetItem", 2)]);
        assert!(!warm_cpu(&login, &floor, &sdk, us(16_000)).met);
        // list-orders, a page of 10.5 KB: 70 + 200 + (10 000 B × 50 ns) + 100 = 870.
        let page = |cpu| Measurement {
            warm_response_bytes: [("Query".to_owned(), 10_500)].into(),
            ..warm("list-orders", cpu, &[("Query", 1)])
        };
        assert!(warm_cpu(&page(870), &floor, &sdk, us(16_000)).met);
        let verdict = warm_cpu(&page(871), &floor, &sdk, us(16_000));
        assert!(!verdict.met);
        assert!(
            verdict
                .what
                .contains("Query 1 × 200 µs + 500 µs for its 10.5 KB read"),
            "{}",
            verdict.what
        );
    }

    /// The SDK loop alone said `micros` a GetItem, and nothing else.
    fn get_item_at(micros: u64) -> SdkCost {
        SdkCost {
            per_call: [("GetItem".to_owned(), us(micros))].into(),
            ..Default::default()
        }
    }

    #[test]
    fn warm_loops_taken_in_turn_are_what_warm_budgets_compare() {
        let sdk = get_item_at(230);
        // The floor alone at the run's start (70) is not what get-user is held to when a floor
        // took turns with it (120): 120 + 230 + 100 = 450.
        let floor = warm("floor", 70, &[]);
        let beside = |cpu| Measurement {
            beside_cpu_per_warm: Some(us(120)),
            ..warm("get-user", cpu, &[("GetItem", 1)])
        };
        assert!(warm_cpu(&beside(450), &floor, &sdk, Duration::ZERO).met);
        let verdict = warm_cpu(&beside(451), &floor, &sdk, Duration::ZERO);
        assert!(!verdict.met);
        assert!(
            verdict.what.contains("floor 120 (in turn with it)"),
            "{}",
            verdict.what
        );
        // Metrics on against off: the on loop that took turns with the off one (330), not the
        // main measurement's (400).
        let on = warm("get-user", 400, &[("GetItem", 1)]);
        let off = |on_beside| Measurement {
            beside_cpu_per_warm: Some(us(on_beside)),
            ..warm("get-user (metrics off)", 300, &[("GetItem", 1)])
        };
        assert!(observability_cpu(&on, &off(330)).met);
        assert!(!observability_cpu(&on, &off(331)).met);
        assert!(!observability_cpu(&on, &warm("get-user (metrics off)", 300, &[])).met);
    }

    #[test]
    fn a_hasher_is_charged_the_hashes_timed_in_turn_with_it_when_there_were() {
        let floor = warm("floor", 70, &[]);
        let sdk = SdkCost::default();
        let run_hash = us(18_000);
        let login = |cpu, hashes: &[u64]| Measurement {
            beside_hashes: hashes.iter().map(|&h| us(h)).collect(),
            ..warm("login", cpu, &[])
        };
        // In turn: the median of 19 000, 20 000, 21 000. 70 + 20 000 + 100 = 20 170.
        let in_turn = [21_000, 19_000, 20_000];
        assert!(warm_cpu(&login(20_170, &in_turn), &floor, &sdk, run_hash).met);
        let verdict = warm_cpu(&login(20_171, &in_turn), &floor, &sdk, run_hash);
        assert!(!verdict.met);
        assert!(
            verdict
                .what
                .contains("one argon2id hash 20000 µs (timed in turn with it)"),
            "{}",
            verdict.what
        );
        // None timed in turn: the run's hash. A function that does not hash is charged none.
        assert!(warm_cpu(&login(18_170, &[]), &floor, &sdk, run_hash).met);
        assert!(!warm_cpu(&login(18_171, &[]), &floor, &sdk, run_hash).met);
        let health = Measurement {
            beside_hashes: vec![us(20_000)],
            ..warm("health", 170, &[])
        };
        assert!(warm_cpu(&health, &floor, &sdk, run_hash).met);
        assert!(
            !warm_cpu(
                &Measurement {
                    cpu_per_warm: us(171),
                    ..health
                },
                &floor,
                &sdk,
                run_hash
            )
            .met
        );
    }

    #[test]
    fn a_held_floor_is_said_with_its_hold_and_its_figure_alone() {
        let sdk = get_item_at(230);
        let floor = warm("floor", 70, &[]);
        let get_user = Measurement {
            beside_cpu_per_warm: Some(us(140)),
            beside_held: Duration::from_micros(1_250),
            ..warm("get-user", 470, &[("GetItem", 1)])
        };
        // The held floor's 140, not the floor's 70 alone: 140 + 230 + 100 = 470.
        let verdict = warm_cpu(&get_user, &floor, &sdk, Duration::ZERO);
        assert!(verdict.met, "{}", verdict.what);
        assert!(
            verdict.what.contains(
                "floor 140 (in turn with it, each call held 1.2 ms, as long as the function's wait on DynamoDB; 70 alone, unheld)"
            ),
            "{}",
            verdict.what
        );
    }

    #[test]
    fn the_sdk_loop_taken_in_turn_is_what_the_warm_budget_charges() {
        // The loop alone, after the functions, said 230 µs a GetItem; in turn with get-user,
        // a round of its one GetItem cost 300: 120 + 300 + 100 = 520.
        let sdk = get_item_at(230);
        let floor = warm("floor", 70, &[]);
        let get_user = |cpu| Measurement {
            beside_cpu_per_warm: Some(us(120)),
            beside_sdk: Some(InTurn {
                per_round: us(300),
                round: [("GetItem".to_owned(), 1)].into(),
                held: [("GetItem".to_owned(), Duration::from_micros(1_300))].into(),
            }),
            ..warm("get-user", cpu, &[("GetItem", 1)])
        };
        assert!(warm_cpu(&get_user(520), &floor, &sdk, Duration::ZERO).met);
        let verdict = warm_cpu(&get_user(521), &floor, &sdk, Duration::ZERO);
        assert!(!verdict.met);
        assert!(
            verdict.what.contains(
                "the SDK's 300 µs for GetItem 1 (a round of GetItem in the SDK loop, in turn with it, each call held to last as long as the function's (GetItem 1.3 ms): 300 µs)"
            ),
            "{}",
            verdict.what
        );
    }

    #[test]
    fn a_peer_that_answers_otherwise_or_calls_otherwise_misses() {
        let ours = warm(
            "login",
            20_000,
            &[("BatchGetItem", 1), ("GetItem", 1), ("PutItem", 1)],
        );
        let same = warm(
            "node login",
            20_000,
            &[("BatchGetItem", 1), ("GetItem", 1), ("PutItem", 1)],
        );
        assert!(same_answer_and_calls(&ours, &same).met);
        let refused = Measurement {
            statuses: [200, 401].into(),
            ..same.clone()
        };
        assert!(!same_answer_and_calls(&ours, &refused).met);
        let fewer = warm("node login", 20_000, &[("BatchGetItem", 1), ("GetItem", 1)]);
        assert!(!same_answer_and_calls(&ours, &fewer).met);
    }

    #[test]
    fn starts_taken_in_turn_are_what_init_budgets_compare() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        // The floor alone measured 1 ms at a quick moment; beside the function, 2 ms.
        let floor = Measurement {
            init: ms(&[1]),
            ..warm("floor", 70, &[])
        };
        let function = |beside: &[u64]| Measurement {
            init: ms(&[3]),
            beside_init: ms(beside),
            ..warm("get-user", 300, &[])
        };
        assert!(!init(&function(&[]), &floor).met);
        let verdict = init(&function(&[2, 2, 2]), &floor);
        assert!(verdict.met, "{}", verdict.what);
        assert!(
            verdict.what.contains("started alternately"),
            "{}",
            verdict.what
        );
        // Metrics on 5 ms alone at a slow moment, 3 ms in turn with the metrics-off run's 3 ms.
        let on = Measurement {
            init: ms(&[5]),
            ..warm("get-user", 300, &[])
        };
        let off = |beside: &[u64]| Measurement {
            init: ms(&[3]),
            beside_init: ms(beside),
            ..warm("get-user (metrics off)", 300, &[])
        };
        assert!(!observability_init(&on, &off(&[])).met);
        assert!(observability_init(&on, &off(&[3, 3, 3])).met);
    }

    #[test]
    fn the_peer_comparisons_hold_their_ratios() {
        let ours = Measurement {
            cold: vec![Duration::from_millis(30)],
            ..warm("login", 1_000, &[])
        };
        let theirs = Measurement {
            cold: vec![Duration::from_millis(30)],
            ..warm("node login", 5_000, &[])
        };
        assert!(less_cpu_than_node(&ours, &theirs).met);
        assert!(cpu_at_most_the_peers(&ours, &theirs).met);
        assert!(cold_at_most_the_peers(&ours, &theirs).met);
        let slower = Measurement {
            cpu_per_warm: us(5_001),
            cold: vec![Duration::from_millis(31)],
            ..ours.clone()
        };
        assert!(!less_cpu_than_node(&slower, &theirs).met);
        assert!(!cpu_at_most_the_peers(&slower, &theirs).met);
        assert!(!cold_at_most_the_peers(&slower, &theirs).met);
        let four_times = Measurement {
            cpu_per_warm: us(1_250),
            ..ours
        };
        assert!(!less_cpu_than_node(&four_times, &theirs).met);
    }

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
