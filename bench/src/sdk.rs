//! The AWS SDK's own CPU per DynamoDB call, measured in the same run by the bare client loop
//! (`bench/sdk-loop`): what the warm-CPU budget allows a function per call it makes.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use crate::measure::Calls;
use crate::relay::{Holds, Relay};
use crate::stats::median;

/// CPU per call of each operation the loop made, and what bigger bodies add.
///
/// The SDK's CPU for a call grows with what it writes and reads: a page of 20 orders is ~12 KB
/// of nested attribute values to tokenise and allocate, one session item ~0.3 KB; an order's
/// transaction of five items is serialised and signed (SHA-256 over the body) at several
/// times the loop's two small actions. The loop makes some operations at two sizes (the reads
/// as 20-item pages, the transaction as an order of three lines), which gives a CPU rate per
/// response byte and per request byte; a function's call is charged its operation's usual
/// cost, plus those rates for the bytes its request and response carried beyond the loop's
/// usual call (the relay counts them).
#[derive(Debug, Clone, Default)]
pub struct SdkCost {
    /// CPU per call of the loop's usual call of each operation (its smallest).
    pub per_call: BTreeMap<String, Duration>,
    /// The body bytes of that usual call's request and response.
    pub usual: BTreeMap<String, Bodies>,
    /// Nanoseconds of CPU per response byte, for the operations the loop read a page with.
    pub per_response_byte: BTreeMap<String, f64>,
    /// Nanoseconds of CPU per request byte, for the operations the loop also made larger.
    pub per_request_byte: BTreeMap<String, f64>,
}

/// A call's body sizes, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bodies {
    pub request: usize,
    pub response: usize,
}

/// An operation's measured rate, else the mean of the rates measured for others, else none.
fn rate(rates: &BTreeMap<String, f64>, operation: &str) -> f64 {
    rates
        .get(operation)
        .copied()
        .unwrap_or_else(|| rates.values().sum::<f64>() / (rates.len().max(1) as f64))
}

impl SdkCost {
    /// CPU per call of `operation`; one the loop does not make is charged the loop's mean.
    pub fn of(&self, operation: &str) -> Duration {
        self.per_call
            .get(operation)
            .copied()
            .unwrap_or_else(|| self.mean())
    }

    pub fn mean(&self) -> Duration {
        let total: Duration = self.per_call.values().sum();
        total / (self.per_call.len().max(1) as u32)
    }

    /// What `count` calls of `operation` sending and reading `bodies` in all add to their usual
    /// cost: (for the request bytes beyond the usual, for the response bytes beyond).
    pub fn of_bodies(&self, operation: &str, count: usize, bodies: Bodies) -> (Duration, Duration) {
        let usual = self.usual.get(operation).copied().unwrap_or_default();
        let beyond = |total: usize, usual: usize| total.saturating_sub(usual * count) as f64;
        let nanos = |n: f64| Duration::from_nanos(n.max(0.0) as u64);
        (
            nanos(beyond(bodies.request, usual.request) * rate(&self.per_request_byte, operation)),
            nanos(
                beyond(bodies.response, usual.response) * rate(&self.per_response_byte, operation),
            ),
        )
    }

    /// What `calls` cost the SDK: each call at its operation's CPU, and the bytes their
    /// requests and responses carried (`sent`, `read`, by operation) beyond the usual ones.
    #[cfg(test)]
    pub fn of_calls(&self, calls: &Calls, sent: &Calls, read: &Calls) -> Duration {
        self.of_calls_beside(calls, sent, read, None)
    }

    /// `of_calls`, but the calls the loop made in turn with the function (`in_turn`) are
    /// charged at what a round of them cost then, in place of their operations' CPU from the
    /// loop on its own.
    pub fn of_calls_beside(
        &self,
        calls: &Calls,
        sent: &Calls,
        read: &Calls,
        in_turn: Option<&InTurn>,
    ) -> Duration {
        let covered = |operation: &str| in_turn.is_some_and(|t| t.covers(operation));
        let calls: Duration = calls
            .iter()
            .map(|(operation, count)| {
                let bodies = Bodies {
                    request: sent.get(operation).copied().unwrap_or(0),
                    response: read.get(operation).copied().unwrap_or(0),
                };
                let (writing, reading) = self.of_bodies(operation, *count, bodies);
                let usual = if covered(operation) {
                    Duration::ZERO
                } else {
                    self.of(operation) * *count as u32
                };
                usual + writing + reading
            })
            .sum();
        calls + in_turn.map_or(Duration::ZERO, |t| t.per_round)
    }
}

/// The SDK loop's CPU for one round of a function's warm call (each operation's usual call, as
/// many times as the function made it), measured in turn with the function's warm loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InTurn {
    pub per_round: Duration,
    /// The operations a round made, and how many of each: those of the function's the loop makes.
    pub round: Calls,
    /// How long the loop's calls of each operation were made to last: the function's.
    pub held: Holds,
}

impl InTurn {
    pub fn covers(&self, operation: &str) -> bool {
        self.round.contains_key(operation)
    }
}

/// `bench/sdk-loop` taking turns with a function's warm loop (its `SDK_LOOP_MIX` mode): a block
/// of rounds of the function's calls each turn, so that the SDK is charged at the moments the
/// function was measured at, not minutes later (bench/notes.md, "The SDK loop, in turn").
pub struct Turns {
    /// Between the loop and DynamoDB Local, holding each response back until the call has
    /// lasted as long as the function's calls of that operation did.
    _relay: Relay,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    round: Option<Calls>,
    held: Holds,
    blocks: Vec<Duration>,
    pub failure: Option<String>,
}

impl Turns {
    /// The loop, preparing its items and warming up while the function's processes start;
    /// none for a function that makes no DynamoDB call. It reaches `database` through a
    /// holding relay, so its calls of each operation last `waits` (the function's).
    pub fn start(
        bin_dir: &Path,
        database: std::net::SocketAddr,
        table: &str,
        calls: &Calls,
        waits: &Holds,
    ) -> Option<Self> {
        if calls.is_empty() {
            return None;
        }
        let mix: Vec<String> = calls.iter().map(|(op, n)| format!("{op}:{n}")).collect();
        let program = bin_dir.join("sdk-loop");
        let relay = Relay::holding(database, waits.clone());
        let mut child = Command::new(&program)
            .env("DYNAMODB_ENDPOINT", &relay.endpoint)
            .env("TABLE_NAME", table)
            .env("SDK_LOOP_MIX", mix.join(","))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Some(Self {
            _relay: relay,
            child,
            stdin,
            stdout,
            round: None,
            held: waits.clone(),
            blocks: Vec::new(),
            failure: None,
        })
    }

    fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err("sdk-loop stopped".to_owned()),
            Ok(_) => Ok(line.trim().to_owned()),
            Err(e) => Err(format!("sdk-loop: {e}")),
        }
    }

    /// One block of the loop's rounds (the first waits for it to be ready).
    pub fn block(&mut self) {
        if self.failure.is_some() {
            return;
        }
        let taken = (|| {
            if self.round.is_none() {
                self.round = Some(parse_round(&self.line()?));
            }
            writeln!(self.stdin, "block").map_err(|e| format!("sdk-loop stopped: {e}"))?;
            let line = self.line()?;
            line.parse::<u64>()
                .map(Duration::from_nanos)
                .map_err(|_| format!("sdk-loop said {line:?}"))
        })();
        match taken {
            Ok(per_round) => self.blocks.push(per_round),
            Err(error) => self.failure = Some(error),
        }
    }

    /// The median block's CPU per round, and what a round made; none if no block was taken.
    pub fn finish(mut self) -> (Option<InTurn>, Option<String>) {
        drop(self.stdin);
        let _ = self.child.wait();
        if std::env::var_os("BENCH_SHOW_BLOCKS").is_some() {
            let shown: Vec<u128> = self.blocks.iter().map(Duration::as_micros).collect();
            eprintln!("[bench] sdk-loop in turn: CPU per round by block, µs: {shown:?}");
        }
        let in_turn = match (self.round, self.blocks.is_empty()) {
            (Some(round), false) if !round.is_empty() => Some(InTurn {
                per_round: median(&self.blocks),
                held: (self.held.into_iter())
                    .filter(|(operation, _)| round.contains_key(operation))
                    .collect(),
                round,
            }),
            _ => None,
        };
        (in_turn, self.failure)
    }
}

/// The loop's ready line, `GetItem:1,TransactWriteItems:1`: the calls a round makes.
fn parse_round(line: &str) -> Calls {
    line.split(',')
        .filter_map(|pair| {
            let (operation, count) = pair.split_once(':')?;
            Some((operation.to_owned(), count.parse().ok()?))
        })
        .collect()
}

/// Runs `<bin_dir>/sdk-loop` against the bench's table, `calls` calls per operation.
pub fn measure(bin_dir: &Path, table: &str, calls: usize) -> SdkCost {
    let program = bin_dir.join("sdk-loop");
    let output = Command::new(&program)
        .env("DYNAMODB_ENDPOINT", crate::database::endpoint())
        .env("TABLE_NAME", table)
        .env("SDK_LOOP_CALLS", calls.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        output.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    parse(&String::from_utf8_lossy(&output.stdout))
}

/// The loop's lines: `<Operation> <nanoseconds per call> <response body bytes> <request body
/// bytes>`, one per size the operation was made at. Of two sizes, the CPU between them is put
/// on the body that grew the more.
fn parse(text: &str) -> SdkCost {
    let mut sizes: BTreeMap<String, Vec<(Bodies, Duration)>> = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(operation), Some(Ok(nanos))) = (fields.next(), fields.next().map(str::parse))
        else {
            continue;
        };
        let mut number = || fields.next().and_then(|b| b.parse().ok()).unwrap_or(0);
        let response = number();
        let request = number();
        sizes
            .entry(operation.to_owned())
            .or_default()
            .push((Bodies { request, response }, Duration::from_nanos(nanos)));
    }
    let mut sdk = SdkCost::default();
    for (operation, mut measured) in sizes {
        measured.sort_by_key(|(bodies, _)| bodies.request + bodies.response);
        let (small, small_cpu) = measured[0];
        let (large, large_cpu) = measured[measured.len() - 1];
        sdk.per_call.insert(operation.clone(), small_cpu);
        sdk.usual.insert(operation.clone(), small);
        let extra = large_cpu.as_nanos() as f64 - small_cpu.as_nanos() as f64;
        let grown_request = large.request.saturating_sub(small.request);
        let grown_response = large.response.saturating_sub(small.response);
        if grown_response > grown_request {
            let rate = extra / grown_response as f64;
            sdk.per_response_byte.insert(operation, rate.max(0.0));
        } else if grown_request > 0 {
            let rate = extra / grown_request as f64;
            sdk.per_request_byte.insert(operation, rate.max(0.0));
        }
    }
    sdk
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(pairs: &[(&str, usize)]) -> Calls {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn none() -> Calls {
        Calls::new()
    }

    #[test]
    fn each_call_is_charged_at_its_operation_and_the_rest_at_the_mean() {
        let sdk = parse("GetItem 200000 300 100\nTransactWriteItems 400000 2 900\nnoise\n");
        assert_eq!(sdk.of("GetItem"), Duration::from_micros(200));
        assert_eq!(sdk.mean(), Duration::from_micros(300));
        assert_eq!(sdk.of("DeleteItem"), Duration::from_micros(300));
        let made = calls(&[("GetItem", 2), ("TransactWriteItems", 1), ("DeleteItem", 1)]);
        assert_eq!(
            sdk.of_calls(&made, &none(), &none()),
            Duration::from_micros(1100)
        );
        assert_eq!(sdk.of_calls(&none(), &none(), &none()), Duration::ZERO);
    }

    #[test]
    fn calls_the_loop_made_in_turn_are_charged_at_its_round_and_bytes_as_before() {
        let sdk = parse("GetItem 200000 300 100\nQuery 200000 500 150\nQuery 700000 10500 160\n");
        let made = calls(&[("GetItem", 1), ("Query", 1), ("DeleteItem", 1)]);
        let read = calls(&[("Query", 10_500)]);
        let in_turn = InTurn {
            per_round: Duration::from_micros(650),
            round: calls(&[("GetItem", 1), ("Query", 1)]),
            held: Holds::new(),
        };
        // The round (650) for GetItem and Query, the page's 500 µs of bytes beyond the usual
        // Query, DeleteItem (not in the loop) at the loop's mean (200).
        assert_eq!(
            sdk.of_calls_beside(&made, &none(), &read, Some(&in_turn)),
            Duration::from_micros(1350)
        );
        // Without the loop in turn: 200 + 200 + 500 + 200.
        assert_eq!(
            sdk.of_calls(&made, &none(), &read),
            Duration::from_micros(1100)
        );
    }

    /// A directory holding `script` as its `sdk-loop`, speaking the loop's side of the turns.
    fn fake_loop(name: &str, script: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sdk-turns-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let program = dir.join("sdk-loop");
        std::fs::write(&program, script).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    #[test]
    fn turns_take_a_block_per_line_and_keep_the_median_round() {
        // It accepts GetItem only (as the real loop drops what it does not make), then answers
        // each block with 1000, 2000, 3000 ns a round.
        let dir = fake_loop(
            "blocks",
            "#!/bin/sh\necho GetItem:1\nn=0\nwhile read line; do n=$((n+1)); echo $((n*1000)); done\n",
        );
        let database = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let made = calls(&[("GetItem", 1), ("DeleteItem", 1)]);
        let waits = Holds::from([
            ("GetItem".to_owned(), Duration::from_millis(2)),
            ("DeleteItem".to_owned(), Duration::from_millis(3)),
        ]);
        let address = database.local_addr().unwrap();
        let mut turns = Turns::start(&dir, address, "table", &made, &waits).unwrap();
        for _ in 0..3 {
            turns.block();
        }
        let (in_turn, failure) = turns.finish();
        assert_eq!(failure, None);
        assert_eq!(
            in_turn,
            Some(InTurn {
                per_round: Duration::from_micros(2),
                round: calls(&[("GetItem", 1)]),
                held: Holds::from([("GetItem".to_owned(), Duration::from_millis(2))]),
            })
        );
        // No call, no loop.
        assert!(Turns::start(&dir, address, "table", &Calls::new(), &waits).is_none());
    }

    #[test]
    fn a_loop_that_stops_is_a_failure_and_no_round() {
        let dir = fake_loop("stops", "#!/bin/sh\necho GetItem:1\n");
        let database = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = database.local_addr().unwrap();
        let made = calls(&[("GetItem", 1)]);
        let mut turns = Turns::start(&dir, address, "table", &made, &Holds::new()).unwrap();
        turns.block();
        turns.block();
        let (in_turn, failure) = turns.finish();
        assert_eq!(in_turn, None);
        // Whether its stdin or its stdout closed first.
        let failure = failure.unwrap_or_default();
        assert!(failure.starts_with("sdk-loop stopped"), "{failure}");
    }

    #[test]
    fn the_loops_ready_line_says_what_a_round_makes() {
        assert_eq!(
            parse_round("GetItem:1,TransactWriteItems:2"),
            calls(&[("GetItem", 1), ("TransactWriteItems", 2)])
        );
        assert_eq!(parse_round(""), Calls::new());
    }

    #[test]
    fn bigger_responses_are_charged_at_the_rate_the_loop_read_pages_at() {
        // One item (500 B) 200 µs, a page (10 500 B) 700 µs: 50 ns a byte beyond 500 B.
        let sdk = parse(
            "Query 200000 500 150\nQuery 700000 10500 160\nGetItem 180000 300 100\nPutItem 250000 2 400\n",
        );
        assert_eq!(sdk.of("Query"), Duration::from_micros(200));
        let page = |bytes| {
            sdk.of_calls(
                &calls(&[("Query", 1)]),
                &none(),
                &calls(&[("Query", bytes)]),
            )
        };
        assert_eq!(page(10_500), Duration::from_micros(700));
        assert_eq!(page(4_500), Duration::from_micros(400));
        // No smaller than the usual call, whatever the bytes say.
        assert_eq!(page(100), Duration::from_micros(200));
        // Two calls: the usual bytes are counted twice before any extra.
        let twice = sdk.of_calls(
            &calls(&[("Query", 2)]),
            &none(),
            &calls(&[("Query", 1_000)]),
        );
        assert_eq!(twice, Duration::from_micros(400));
        // An operation read at one size only takes the measured rate: a 2 300 B item.
        let item = sdk.of_calls(
            &calls(&[("GetItem", 1)]),
            &none(),
            &calls(&[("GetItem", 2_300)]),
        );
        assert_eq!(item, Duration::from_micros(280));
        // No request rate was measured, so bigger requests add nothing.
        let put = sdk.of_calls(
            &calls(&[("PutItem", 1)]),
            &calls(&[("PutItem", 4_000)]),
            &none(),
        );
        assert_eq!(put, Duration::from_micros(250));
        // Without any page measured, bytes add nothing.
        let flat = parse("GetItem 180000 300 100\n");
        let big = flat.of_calls(
            &calls(&[("GetItem", 1)]),
            &none(),
            &calls(&[("GetItem", 9_000)]),
        );
        assert_eq!(big, Duration::from_micros(180));
    }

    #[test]
    fn bigger_requests_are_charged_at_the_rate_the_loop_sent_a_larger_transaction_at() {
        // Two small actions (900 B) 400 µs, an order of five (2 900 B) 600 µs: 100 ns a byte.
        let sdk = parse(
            "TransactWriteItems 400000 2 900\nTransactWriteItems 600000 2 2900\nPutItem 250000 2 400\n",
        );
        assert_eq!(sdk.of("TransactWriteItems"), Duration::from_micros(400));
        let order = |bytes| {
            sdk.of_calls(
                &calls(&[("TransactWriteItems", 1)]),
                &calls(&[("TransactWriteItems", bytes)]),
                &calls(&[("TransactWriteItems", 2)]),
            )
        };
        assert_eq!(order(2_900), Duration::from_micros(600));
        assert_eq!(order(1_900), Duration::from_micros(500));
        // Another operation's big request takes the measured rate: 400 B beyond PutItem's.
        let put = sdk.of_calls(
            &calls(&[("PutItem", 1)]),
            &calls(&[("PutItem", 800)]),
            &none(),
        );
        assert_eq!(put, Duration::from_micros(290));
        // The response rate stays unmeasured: a big response adds nothing.
        let read = sdk.of_calls(
            &calls(&[("PutItem", 1)]),
            &none(),
            &calls(&[("PutItem", 5_000)]),
        );
        assert_eq!(read, Duration::from_micros(250));
    }
}
