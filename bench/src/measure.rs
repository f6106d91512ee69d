//! Timing one program under the Runtime API emulator: its cold starts (each a new process,
//! reaching DynamoDB Local and the secret store through timing relays, then answering a second,
//! untimed request whose DynamoDB calls the relay counts), then a warm loop on one process with
//! its CPU time and peak memory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::database;
use crate::emulator::{Emulator, Happening, Invocation};
use crate::functions::HASHING;
use crate::hashing;
use crate::process::{Running, lambda_env, spawn};
use crate::procfs::{
    cpu_time, minor_faults, status_kib, user_and_kernel_ticks, wait_for_quiet_machine,
};
use crate::relay::{Holds, Relay, waited};
use crate::sdk::{self, InTurn};
use crate::stats::median;

/// One program under measurement.
pub struct Subject {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub memory_mb: u32,
    pub cold_events: Vec<String>,
    /// A second request for each cold start's process, after its timed first: what a warm call
    /// makes of DynamoDB is counted on it (none sent when empty).
    pub counted_events: Vec<String>,
    pub warm_events: Vec<String>,
    /// Variables added to Lambda's environment (e.g. `METRICS_ENABLED=false`).
    pub env: Vec<(String, String)>,
}

impl Subject {
    /// The function this subject runs (its name without a variant's suffix or the peer's
    /// `node ` prefix).
    pub fn function(&self) -> &str {
        let name = self.name.strip_prefix(NODE_PREFIX).unwrap_or(&self.name);
        name.split(' ').next().unwrap_or(name)
    }
}

/// The suffix of a subject run with its metrics off.
pub const METRICS_OFF: &str = "(metrics off)";
/// The prefix of the Node.js peer's subjects.
pub const NODE_PREFIX: &str = "node ";

/// DynamoDB calls by operation (`GetItem` → 1, …).
pub type Calls = BTreeMap<String, usize>;

/// What was measured of one subject.
#[derive(Debug, Default, Clone)]
pub struct Measurement {
    pub name: String,
    pub memory_mb: u32,
    /// spawn → first `GET /next`, one per cold start.
    pub init: Vec<Duration>,
    /// spawn → first response posted, one per cold start.
    pub cold: Vec<Duration>,
    /// The init and cold start of another subject, one taken beside each of this
    /// subject's cold starts (`measure_beside`): the floor beside a function, the function with
    /// its metrics on beside its metrics-off run. The machine's speed drifts between runs and
    /// within one (the floor's own init median moved 1.2–2.8 ms from run to run), so budgets
    /// that compare two subjects compare them as they were at the same moments. Empty when not
    /// measured so.
    pub beside_init: Vec<Duration>,
    pub beside_cold: Vec<Duration>,
    /// CPU per warm call of the subject whose warm loop took turns with this one's, block by block.
    pub beside_cpu_per_warm: Option<Duration>,
    /// How long each of those calls was held waiting (`Emulator::holding`): beside the floor,
    /// as long as this subject's warm call waits on DynamoDB ([`call_wait`]); else zero.
    pub beside_held: Duration,
    /// The SDK loop's CPU for a round of this subject's warm DynamoDB calls, taking turns with
    /// its warm loop too (`measure_beside_floor`).
    pub beside_sdk: Option<InTurn>,
    /// argon2id hashes timed between this hasher's warm blocks (`hashing::WarmHasher`), one a
    /// turn; empty for the functions that do not hash.
    pub beside_hashes: Vec<Duration>,
    /// The time DynamoDB Local or the secret store spent answering that cold start (the time
    /// covered by their exchanges, timed by the relays: `relay::waited`), one per cold start,
    /// in the same order.
    pub cold_dependencies: Vec<Duration>,
    /// How many DynamoDB calls a first request made (the most seen).
    pub first_request_calls: usize,
    /// How many secret store calls a cold start made (the most seen): the signers' key reads.
    pub secret_store_calls: usize,
    /// The DynamoDB calls of a process's second request, by operation, as the relay counted
    /// them: what a warm call makes (the count most of the second requests made).
    pub warm_calls: Calls,
    /// The bodies those calls' responses carried, in bytes, by operation (each operation's
    /// total in a second request, the median over the second requests): a page of 20 orders
    /// costs the SDK more to read than one session item, and the warm-CPU budget says so.
    pub warm_response_bytes: Calls,
    /// The bodies of those calls' requests, in bytes, by operation, counted the same way: an
    /// order's transaction of several items costs the SDK more to serialise and sign than the
    /// loop's two small actions.
    pub warm_request_bytes: Calls,
    /// How long DynamoDB Local took over each operation in those second requests (the relay's
    /// exchange, request's first byte → response's last; the median call's): what the SDK
    /// loop's calls are made to wait when it takes turns with this subject.
    pub warm_call_waits: Holds,
    /// Every HTTP status the subject answered with, cold and warm.
    pub statuses: BTreeSet<u16>,
    /// event handed over → response posted, one per warm invocation.
    pub warm: Vec<Duration>,
    /// CPU time of the warm process (all threads) over the warm loop, divided by its invocations.
    pub cpu_per_warm: Duration,
    /// The kernel's part of `cpu_per_warm` (stime ÷ utime + stime, from 10 ms ticks, which
    /// over a whole warm loop are plenty): on loopback, sending a packet also runs the
    /// receiver's network stack in the sender's time.
    pub kernel_share: f64,
    /// VmHWM of the warm process after the warm loop, KiB.
    pub peak_rss_kib: u64,
    pub failures: Vec<String>,
}

/// How long a process may take to ask for an event or to answer one before it counts as failed.
const WAIT: Duration = Duration::from_secs(30);

/// Invocation ids, numbered across a subject's cold starts and warm loop.
struct RequestIds {
    prefix: String,
    count: usize,
}

impl RequestIds {
    fn new(subject: &Subject) -> Self {
        Self {
            prefix: subject
                .name
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
            count: 0,
        }
    }

    fn next(&mut self, phase: &str) -> String {
        self.count += 1;
        format!("{}-{phase}-{:06}", self.prefix, self.count)
    }
}

pub fn measure(subject: &Subject, table: &str) -> Measurement {
    measure_with(subject, None, None, table)
}

/// `measure`, with one cold start of `other` taken beside each of `subject`'s (on `other`'s
/// cold events, in turn) and, if `other` has warm events, its warm loop in turn with
/// `subject`'s, a block of calls each.
pub fn measure_beside(subject: &Subject, other: &Subject, table: &str) -> Measurement {
    measure_with(subject, Some(other), None, table)
}

/// `measure_beside` the floor, and the SDK loop in `bin_dir` taking turns with the two warm
/// loops too, making the DynamoDB calls the subject's second requests made.
pub fn measure_beside_floor(
    subject: &Subject,
    floor: &Subject,
    bin_dir: &Path,
    table: &str,
) -> Measurement {
    measure_with(subject, Some(floor), Some(bin_dir), table)
}

fn measure_with(
    subject: &Subject,
    other: Option<&Subject>,
    sdk_loop_dir: Option<&Path>,
    table: &str,
) -> Measurement {
    let mut m = Measurement {
        name: subject.name.clone(),
        memory_mb: subject.memory_mb,
        ..Default::default()
    };
    let mut ids = RequestIds::new(subject);
    cold_starts(subject, other, table, &mut ids, &mut m);
    match other.filter(|other| !other.warm_events.is_empty()) {
        Some(other) => {
            let sdk = sdk_loop_dir.and_then(|dir| {
                let database = database::address();
                sdk::Turns::start(dir, database, table, &m.warm_calls, &m.warm_call_waits)
            });
            // The floor (with the SDK loop) waits as long as the function's calls: a process
            // that sleeps mid-call pays for it in CPU here (bench/notes.md, "Waiting slows
            // everything"), the floor's runtime code as much as the function's.
            m.beside_held = match sdk_loop_dir {
                Some(_) => call_wait(&m.warm_calls, &m.warm_call_waits),
                None => Duration::ZERO,
            };
            // The hashers' budgets add a hash: timed in the same turns, beside the floor.
            let time_hashes = sdk_loop_dir.is_some() && HASHING.contains(&subject.name.as_str());
            warm_loops_in_turn(subject, other, sdk, time_hashes, table, &mut ids, &mut m);
        }
        None => warm_loop(subject, table, &mut ids, &mut m),
    }
    m
}

/// Each cold start is a new process. They reach DynamoDB Local and the secret store through
/// timing relays, so each start is paired with what those two themselves spent on it.
fn cold_starts(
    subject: &Subject,
    other: Option<&Subject>,
    table: &str,
    ids: &mut RequestIds,
    m: &mut Measurement,
) {
    let relay = Relay::start(database::address());
    let secret_store = Relay::start(database::address_of(&secret_store_endpoint()));
    let mut counted = Vec::new();
    let (mut sent, mut read) = (Vec::new(), Vec::new());
    let mut waits: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    wait_for_quiet_machine();
    // The other subject goes first on even starts and second on odd ones: each then follows
    // the other as often, so neither is always the one started just after the busier process.
    let beside = |start: usize, m: &mut Measurement| {
        let Some(other) = other else { return };
        let event = &other.cold_events[start % other.cold_events.len().max(1)];
        match start_beside(other, event, table) {
            Ok((init, cold)) => {
                m.beside_init.push(init);
                m.beside_cold.push(cold);
            }
            Err(error) => m.failures.push(format!("{} beside: {error}", other.name)),
        }
    };
    for (start, event) in subject.cold_events.iter().enumerate() {
        if start % 2 == 0 {
            beside(start, m);
        }
        let (emulator, env) = prepare(subject, table, &relay.endpoint, &secret_store.endpoint);
        relay.take();
        secret_store.take();
        let emulator = &emulator;
        let started = Instant::now();
        let mut running = spawn(subject, &env);
        match wait_next(emulator, &mut running) {
            Ok((at, reply)) => {
                m.init.push(at - started);
                let request_id = ids.next("cold");
                let _ = reply.send(Invocation {
                    request_id: request_id.clone(),
                    event: event.clone(),
                });
                match wait_response(emulator, &request_id) {
                    Ok((at, body)) => {
                        m.cold.push(at - started);
                        let calls = relay.take();
                        let reads = secret_store.take();
                        m.cold_dependencies
                            .push(waited(&[&calls[..], &reads[..]].concat()));
                        m.first_request_calls = m.first_request_calls.max(calls.len());
                        m.secret_store_calls = m.secret_store_calls.max(reads.len());
                        check_status(m, "cold", &body);
                        if let Some(second) = subject.counted_events.get(start) {
                            match second_request(emulator, &mut running, ids, second, &relay) {
                                Ok((exchanges, body)) => {
                                    counted.push(count_by_operation(&exchanges));
                                    for exchange in &exchanges {
                                        waits
                                            .entry(operation_of(exchange).to_owned())
                                            .or_default()
                                            .push(exchange.end - exchange.start);
                                    }
                                    sent.push(bytes_by_operation(&exchanges, |e| e.request_bytes));
                                    read.push(bytes_by_operation(&exchanges, |e| e.response_bytes));
                                    check_status(m, "second", &body);
                                }
                                Err(error) => m.failures.push(format!("second request: {error}")),
                            }
                        }
                    }
                    Err(error) => m.failures.push(format!("cold: {error} {}", running.tail())),
                }
            }
            Err(error) => m.failures.push(format!("cold init: {error}")),
        }
        running.stop();
        if start % 2 == 1 {
            beside(start, m);
        }
    }
    m.warm_calls = most_often(counted);
    m.warm_call_waits = waits
        .into_iter()
        .map(|(operation, times)| (operation, median(&times)))
        .collect();
    m.warm_request_bytes = median_by_operation(&sent);
    m.warm_response_bytes = median_by_operation(&read);
}

/// How long a warm call waits on DynamoDB: each operation's median wait, as many times as a
/// warm call makes it.
pub fn call_wait(calls: &Calls, waits: &Holds) -> Duration {
    calls
        .iter()
        .filter_map(|(operation, count)| Some(*waits.get(operation)? * *count as u32))
        .sum()
}

/// One cold start of `other` answering `event`: its init and its cold start. It reaches
/// DynamoDB Local directly: only its start is compared, not its database time.
fn start_beside(other: &Subject, event: &str, table: &str) -> Result<(Duration, Duration), String> {
    let (emulator, env) = prepare(
        other,
        table,
        &database::endpoint(),
        &secret_store_endpoint(),
    );
    let started = Instant::now();
    let mut running = spawn(other, &env);
    let timed = wait_next(&emulator, &mut running).and_then(|(next, reply)| {
        let request_id = "beside".to_owned();
        let _ = reply.send(Invocation {
            request_id: request_id.clone(),
            event: event.to_owned(),
        });
        let (answered, _) = wait_response(&emulator, &request_id)?;
        Ok((next - started, answered - started))
    });
    running.stop();
    timed
}

/// A process's second request, untimed: its DynamoDB calls, and its answer.
fn second_request(
    emulator: &Emulator,
    running: &mut Running,
    ids: &mut RequestIds,
    event: &str,
    relay: &Relay,
) -> Result<(Vec<crate::relay::Exchange>, Vec<u8>), String> {
    let (_, reply) = wait_next(emulator, running)?;
    relay.take();
    let request_id = ids.next("second");
    let _ = reply.send(Invocation {
        request_id: request_id.clone(),
        event: event.to_owned(),
    });
    let (_, body) = wait_response(emulator, &request_id)?;
    Ok((relay.take(), body))
}

/// The operation an exchange named, or "unknown".
fn operation_of(exchange: &crate::relay::Exchange) -> &str {
    exchange.operation.as_deref().unwrap_or("unknown")
}

fn count_by_operation(exchanges: &[crate::relay::Exchange]) -> Calls {
    let mut calls = Calls::new();
    for exchange in exchanges {
        let operation = operation_of(exchange);
        *calls.entry(operation.to_owned()).or_default() += 1;
    }
    calls
}

/// Each operation's total of `bytes` (a request's or a response's body) over `exchanges`.
fn bytes_by_operation(
    exchanges: &[crate::relay::Exchange],
    bytes: impl Fn(&crate::relay::Exchange) -> usize,
) -> Calls {
    let mut total = Calls::new();
    for exchange in exchanges {
        let operation = operation_of(exchange);
        *total.entry(operation.to_owned()).or_default() += bytes(exchange);
    }
    total
}

/// Each operation's median over `requests` (a request without the operation counts as 0).
fn median_by_operation(requests: &[Calls]) -> Calls {
    let operations: BTreeSet<&String> = requests.iter().flat_map(|r| r.keys()).collect();
    operations
        .into_iter()
        .map(|operation| {
            let mut values: Vec<usize> = requests
                .iter()
                .map(|r| r.get(operation).copied().unwrap_or(0))
                .collect();
            values.sort_unstable();
            (operation.clone(), values[values.len() / 2])
        })
        .collect()
}

/// The count most of the requests made (the first of equals); none for no requests.
fn most_often(counts: Vec<Calls>) -> Calls {
    let times = |c: &Calls| counts.iter().filter(|other| *other == c).count();
    counts
        .iter()
        .max_by(|a, b| times(a).cmp(&times(b)).then(std::cmp::Ordering::Greater))
        .cloned()
        .unwrap_or_default()
}

/// One process, straight to DynamoDB Local: the first event warms it up, the rest are timed,
/// with its CPU time over them and its peak RSS after.
fn warm_loop(subject: &Subject, table: &str, ids: &mut RequestIds, m: &mut Measurement) {
    let mut process = WarmProcess::start(subject, table, ids, m, Duration::ZERO);
    while process.block(ids, m) {}
    process.finish(subject, m);
}

/// `subject`'s warm loop and `other`'s (and the SDK loop's, when given, and an argon2id hash
/// when `time_hashes`), a block of calls each in turn, so that what the budgets compare
/// meets the machine at the same moments (bench/notes.md, "Warm CPU: in turn"). `other`'s CPU
/// per warm call goes in `m.beside_cpu_per_warm`, the SDK loop's in `m.beside_sdk`, the hashes
/// in `m.beside_hashes`; they stop with `subject`'s.
fn warm_loops_in_turn(
    subject: &Subject,
    other: &Subject,
    mut sdk: Option<sdk::Turns>,
    time_hashes: bool,
    table: &str,
    ids: &mut RequestIds,
    m: &mut Measurement,
) {
    let (mut theirs, mut their_ids) = (Measurement::default(), RequestIds::new(other));
    let mut ours = WarmProcess::start(subject, table, ids, m, Duration::ZERO);
    let held = m.beside_held;
    let mut beside = WarmProcess::start(other, table, &mut their_ids, &mut theirs, held);
    let mut hashes = time_hashes.then(hashing::WarmHasher::new);
    while ours.block(ids, m) {
        beside.block(&mut their_ids, &mut theirs);
        if let Some(sdk) = sdk.as_mut() {
            sdk.block();
        }
        if let Some(hashes) = hashes.as_mut() {
            hashes.time(hashing::HASHES_PER_TURN);
        }
    }
    if let Some(hashes) = hashes.as_ref()
        && std::env::var_os("BENCH_SHOW_BLOCKS").is_some()
    {
        let shown: Vec<u128> = hashes.times.iter().map(Duration::as_micros).collect();
        eprintln!(
            "[bench] argon2id in turn with {}, µs: {shown:?}",
            subject.name
        );
    }
    m.beside_hashes = hashes
        .map(|mut hashes| std::mem::take(&mut hashes.times))
        .unwrap_or_default();
    ours.finish(subject, m);
    beside.finish(other, &mut theirs);
    if let Some(sdk) = sdk {
        let (in_turn, failure) = sdk.finish();
        m.beside_sdk = in_turn;
        m.failures
            .extend(failure.map(|failure| format!("sdk-loop beside: {failure}")));
    }
    m.beside_cpu_per_warm = Some(theirs.cpu_per_warm);
    m.failures.extend(
        theirs
            .failures
            .into_iter()
            .map(|failure| format!("{} beside: {failure}", other.name)),
    );
}

/// A warm process under measurement, driven a block of calls at a time.
struct WarmProcess<'a> {
    emulator: Emulator,
    running: Running,
    pid: u32,
    events: std::slice::Iter<'a, String>,
    /// CPU time and ticks once warmed up, when the timed calls began.
    started: Option<(Duration, (u64, u64))>,
    /// Minor page faults by then (shown with `BENCH_SHOW_BLOCKS`).
    faults_before: u64,
    blocks: WarmBlocks,
    count: u32,
    done: bool,
}

impl<'a> WarmProcess<'a> {
    /// `subject`'s process, its first event answered (untimed); each answer it posts is
    /// accepted `hold` later.
    fn start(
        subject: &'a Subject,
        table: &str,
        ids: &mut RequestIds,
        m: &mut Measurement,
        hold: Duration,
    ) -> Self {
        let emulator = Emulator::holding(hold);
        let env = lambda_env(
            subject,
            &emulator.address,
            table,
            &database::endpoint(),
            &secret_store_endpoint(),
        );
        let running = spawn(subject, &env);
        let pid = running.pid();
        let mut process = Self {
            emulator,
            running,
            pid,
            events: subject.warm_events.iter(),
            started: None,
            faults_before: 0,
            blocks: WarmBlocks::starting(Duration::ZERO),
            count: 0,
            done: false,
        };
        match process.events.next() {
            Some(first) => match process.call(ids, "warmup", first) {
                Ok((_, body)) => {
                    check_status(m, "warm-up", &body);
                    let cpu = cpu_time(pid);
                    process.started = Some((cpu, user_and_kernel_ticks(pid)));
                    process.faults_before = minor_faults(pid);
                    process.blocks = WarmBlocks::starting(cpu);
                }
                Err(error) => process.fail(m, error),
            },
            None => process.done = true,
        }
        process
    }

    /// One invocation: how long from handing the event over to the response, and the response.
    fn call(
        &mut self,
        ids: &mut RequestIds,
        phase: &str,
        event: &str,
    ) -> Result<(Duration, Vec<u8>), String> {
        let (_, reply) = wait_next(&self.emulator, &mut self.running)?;
        let request_id = ids.next(phase);
        let sent = Instant::now();
        let _ = reply.send(Invocation {
            request_id: request_id.clone(),
            event: event.to_owned(),
        });
        let (at, body) = wait_response(&self.emulator, &request_id)?;
        Ok((at - sent, body))
    }

    /// Up to a block of timed calls; false once the events are spent or a call failed.
    fn block(&mut self, ids: &mut RequestIds, m: &mut Measurement) -> bool {
        for _ in 0..WARM_BLOCK {
            let Some(event) = self.events.next().filter(|_| !self.done) else {
                self.done = true;
                return false;
            };
            match self.call(ids, "warm", event) {
                Ok((took, body)) => {
                    m.warm.push(took);
                    self.count += 1;
                    check_status(m, "warm", &body);
                    let pid = self.pid;
                    self.blocks.called(|| cpu_time(pid));
                }
                Err(error) => {
                    self.fail(m, error);
                    return false;
                }
            }
        }
        true
    }

    fn fail(&mut self, m: &mut Measurement, error: String) {
        m.failures
            .push(format!("warm: {error} {}", self.running.tail()));
        self.done = true;
    }

    /// CPU per warm call (the median block's), the kernel's share of it, and peak RSS.
    fn finish(self, subject: &Subject, m: &mut Measurement) {
        if let Some((before, ticks_before)) = self.started {
            let mean = cpu_time(self.pid).saturating_sub(before) / self.count.max(1);
            let blocks = &self.blocks.per_call;
            if std::env::var_os("BENCH_SHOW_BLOCKS").is_some() {
                let shown: Vec<u128> = blocks.iter().map(Duration::as_micros).collect();
                let faults = minor_faults(self.pid).saturating_sub(self.faults_before);
                eprintln!(
                    "[bench] {}: warm CPU per call {} µs over the loop, {:.2} minor page faults a call; by block of {WARM_BLOCK}, µs: {shown:?}",
                    subject.name,
                    mean.as_micros(),
                    faults as f64 / f64::from(self.count.max(1))
                );
            }
            m.cpu_per_warm = if blocks.is_empty() {
                mean
            } else {
                median(blocks)
            };
            let (user, kernel) = user_and_kernel_ticks(self.pid);
            let (user, kernel) = (
                user.saturating_sub(ticks_before.0),
                kernel.saturating_sub(ticks_before.1),
            );
            m.kernel_share = kernel as f64 / (user + kernel).max(1) as f64;
        }
        m.peak_rss_kib = status_kib(self.pid, "VmHWM:");
        self.running.stop();
    }
}

/// Warm calls per block. A warm process's CPU per call is its median block's: on a shared VM a
/// neighbour's burst makes a few blocks dearer, and the mean charged them to the function
/// (bench/notes.md, "Warm CPU: a median of blocks").
const WARM_BLOCK: u32 = 50;

/// CPU per call of each whole block of [`WARM_BLOCK`] warm calls.
struct WarmBlocks {
    started: Duration,
    calls: u32,
    per_call: Vec<Duration>,
}

impl WarmBlocks {
    fn starting(cpu: Duration) -> Self {
        Self {
            started: cpu,
            calls: 0,
            per_call: Vec::new(),
        }
    }

    /// One more call; at a block's end, reads the process's CPU time.
    fn called(&mut self, cpu_now: impl FnOnce() -> Duration) {
        self.calls += 1;
        if self.calls == WARM_BLOCK {
            let now = cpu_now();
            self.per_call
                .push(now.saturating_sub(self.started) / WARM_BLOCK);
            self.started = now;
            self.calls = 0;
        }
    }
}

/// An emulator of its own for one process of `subject`, and that process's environment.
fn prepare(
    subject: &Subject,
    table: &str,
    database: &str,
    secret_store: &str,
) -> (Emulator, Vec<(String, String)>) {
    let emulator = Emulator::start();
    let env = lambda_env(subject, &emulator.address, table, database, secret_store);
    (emulator, env)
}

/// The moto server bench/run.sh started, standing in for Secrets Manager.
fn secret_store_endpoint() -> String {
    shared::test_support::secrets_endpoint()
}

/// Waits for the process's `GET /next`; an init error or an exit is an error.
fn wait_next(
    emulator: &Emulator,
    running: &mut Running,
) -> Result<(Instant, Sender<Invocation>), String> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        match emulator.next_happening(Duration::from_millis(100)) {
            Some(Happening::Next { at, reply }) => return Ok((at, reply)),
            Some(Happening::Error {
                request_id: None,
                body,
                ..
            }) => return Err(format!("init error: {body}")),
            Some(other) => return Err(format!("unexpected {other:?} before GET /next")),
            None => {
                if let Some(status) = running.exited() {
                    std::thread::sleep(Duration::from_millis(50));
                    return Err(format!("exited ({status}): {}", running.tail()));
                }
            }
        }
    }
    Err("no GET /next within 30 s".into())
}

/// Waits for the answer to invocation `id`: `(when, body)`.
fn wait_response(emulator: &Emulator, id: &str) -> Result<(Instant, Vec<u8>), String> {
    match emulator.next_happening(WAIT) {
        Some(Happening::Response {
            at,
            request_id,
            body,
        }) if request_id == id => Ok((at, body)),
        Some(Happening::Error { body, .. }) => Err(format!("invocation error: {body}")),
        Some(other) => Err(format!("unexpected {other:?}")),
        None => Err("no response within 30 s".into()),
    }
}

/// The HTTP status inside an API Gateway response (200 for the floor's `{}`).
fn status_of(body: &[u8]) -> u16 {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("statusCode").and_then(Value::as_u64))
        .map_or(200, |s| s as u16)
}

/// Keeps the status, and an example of an answer that is not a success as a failure.
fn check_status(m: &mut Measurement, phase: &str, body: &[u8]) {
    let status = status_of(body);
    m.statuses.insert(status);
    // A few examples are enough to diagnose; a broken run must not print a thousand.
    if !(200..300).contains(&status) && m.failures.len() < 5 {
        let text = String::from_utf8_lossy(body);
        let short: String = text.chars().take(300).collect();
        m.failures
            .push(format!("{phase}: status {status}: {short}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(pairs: &[(&str, usize)]) -> Calls {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn warm_cpu_is_read_per_block_of_calls() {
        let mut cpu = Duration::ZERO;
        let mut blocks = WarmBlocks::starting(cpu);
        for call in 0..(2 * WARM_BLOCK + 7) {
            // The second block's calls cost 3 µs each, the others 1 µs.
            let block = call / WARM_BLOCK;
            cpu += Duration::from_micros(if block == 1 { 3 } else { 1 });
            blocks.called(|| cpu);
        }
        assert_eq!(
            blocks.per_call,
            vec![Duration::from_micros(1), Duration::from_micros(3)],
            "whole blocks only, each its own calls' CPU"
        );
    }

    #[test]
    fn a_warm_call_waits_each_operation_as_often_as_it_makes_it() {
        let ms = Duration::from_millis;
        let waits = Holds::from([
            ("GetItem".to_owned(), ms(1)),
            ("TransactWriteItems".to_owned(), ms(4)),
            ("Query".to_owned(), ms(9)),
        ]);
        let made = calls(&[("GetItem", 2), ("TransactWriteItems", 1)]);
        assert_eq!(
            call_wait(&made, &waits),
            ms(6),
            "no Query made, none waited"
        );
        assert_eq!(call_wait(&calls(&[]), &waits), Duration::ZERO);
        // An operation with no wait on record (never seen in a second request) adds nothing.
        assert_eq!(call_wait(&calls(&[("PutItem", 1)]), &waits), Duration::ZERO);
    }

    #[test]
    fn a_warm_call_is_counted_as_most_second_requests_made_it() {
        let usual = calls(&[("BatchGetItem", 1), ("TransactWriteItems", 1)]);
        let retried = calls(&[("BatchGetItem", 1), ("TransactWriteItems", 2)]);
        assert_eq!(
            most_often(vec![retried.clone(), usual.clone(), usual.clone()]),
            usual
        );
        assert_eq!(most_often(vec![retried.clone(), usual]), retried);
        assert_eq!(most_often(Vec::new()), Calls::new());
    }

    #[test]
    fn response_bytes_are_each_operations_median_over_the_requests() {
        let bytes = median_by_operation(&[
            calls(&[("Query", 9_000)]),
            calls(&[("Query", 10_000), ("GetItem", 300)]),
            calls(&[("Query", 11_000)]),
        ]);
        assert_eq!(bytes, calls(&[("GetItem", 0), ("Query", 10_000)]));
        assert_eq!(median_by_operation(&[]), Calls::new());
    }

    #[test]
    fn the_peer_runs_the_function_its_name_says() {
        let subject = |name: &str| Subject {
            name: name.to_owned(),
            program: PathBuf::new(),
            args: vec![],
            memory_mb: 128,
            cold_events: vec![],
            counted_events: vec![],
            warm_events: vec![],
            env: vec![],
        };
        assert_eq!(subject("node login").function(), "login");
        assert_eq!(subject("get-user (metrics off)").function(), "get-user");
        assert_eq!(subject("floor").function(), "floor");
    }

    #[test]
    fn every_status_is_kept_and_failures_are_reported() {
        let mut m = Measurement::default();
        check_status(&mut m, "warm", br#"{"statusCode":201,"body":"{}"}"#);
        check_status(&mut m, "warm", br#"{"statusCode":409,"body":"{}"}"#);
        assert_eq!(m.statuses, BTreeSet::from([201, 409]));
        assert_eq!(m.failures.len(), 1);
        assert!(m.failures[0].contains("status 409"));
    }
}
