//! The AWS SDK's own CPU per DynamoDB call, for `make bench`'s warm-CPU budget: the functions'
//! client (`shared::store::function_dynamodb_client`, the same settings, interceptor and runtime flavour)
//! calling DynamoDB Local in a loop, one operation after another, and nothing else.
//!
//! Reads `DYNAMODB_ENDPOINT`, `TABLE_NAME` and `SDK_LOOP_CALLS` (1000), and prints one line per
//! operation and size: `<Operation> <CPU nanoseconds per call> <response body bytes> <request
//! body bytes>`: the process's CPU time (all threads, as a function's warm loop is measured) per
//! call over blocks of 50 calls, the median block's, after a few calls to warm up. The requests
//! look like the functions': a session put, consistent reads by key, a batch read of three keys,
//! a counter update, an order-like transaction, a query of a user's sessions; the two reads at a
//! list page's size (20 products, 20 orders), and the transaction as an order of three lines.
//!
//! With `SDK_LOOP_MIX` (`GetItem:1,TransactWriteItems:1`: a function's warm call, as the relay
//! counted it) it takes turns with that function instead: for each line read from stdin it makes
//! one block of 50 rounds of the mix (each operation's usual call, as many times as the
//! function does) and writes the process's CPU nanoseconds per round, so the harness can time
//! the SDK at the same moments as the function (bench/notes.md, "The SDK loop, in turn").

mod operations;

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use operations::{Bodies, OPERATIONS, Operation, Operations};

const WARM_UP_CALLS: usize = 20;
/// Calls per block: an operation's CPU per call is its median block's, as a function's warm
/// loop is measured (bench/src/measure.rs, `WARM_BLOCK`).
const BLOCK: u32 = 50;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT is set");
    let table = std::env::var("TABLE_NAME").expect("TABLE_NAME is set");
    let calls: u32 = std::env::var("SDK_LOOP_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let client = shared::store::function_dynamodb_client(Some(&endpoint), &Default::default());
    // Two atomic stores a call, to know what each operation sent and read back.
    let bytes = Bodies::default();
    let client = Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(bytes.clone())
            .build(),
    );
    let operations = Operations::prepare(client, table).await;
    if let Ok(mix) = std::env::var("SDK_LOOP_MIX") {
        return in_turn(&operations, &parse_mix(&mix)).await;
    }
    for operation in OPERATIONS {
        for _ in 0..WARM_UP_CALLS {
            operations.call(operation).await;
        }
        let mut blocks = Vec::new();
        for _ in 0..calls.div_ceil(BLOCK) {
            let before = process_cpu_time();
            for _ in 0..BLOCK {
                operations.call(operation).await;
            }
            blocks.push(per_call(process_cpu_time().saturating_sub(before), BLOCK));
        }
        let per_call = median(blocks);
        println!(
            "{} {} {} {}",
            operation.name(),
            per_call.as_nanos(),
            bytes.last_read(),
            bytes.last_sent()
        );
    }
}

/// A function's warm call as `Operation:count` pairs; an operation the loop does not make is
/// left out (the harness charges it otherwise).
fn parse_mix(mix: &str) -> Vec<(Operation, u32)> {
    mix.split(',')
        .filter_map(|pair| {
            let (name, count) = pair.split_once(':')?;
            Some((Operation::usual(name.trim())?, count.trim().parse().ok()?))
        })
        .collect()
}

/// Once warmed up, the mix it makes (`GetItem:1,…`) on stdout; then one block of rounds of `mix`
/// per line on stdin, its CPU per round on stdout, until stdin ends.
async fn in_turn(operations: &Operations, mix: &[(Operation, u32)]) {
    use std::io::{BufRead, Write};
    let round = async || {
        for &(operation, count) in mix {
            for _ in 0..count {
                operations.call(operation).await;
            }
        }
    };
    for _ in 0..WARM_UP_CALLS {
        round().await;
    }
    let mut out = std::io::stdout().lock();
    // A line to the harness, now; false once it has gone.
    let mut say = |line: String| writeln!(out, "{line}").and_then(|()| out.flush()).is_ok();
    // Ready, and what a round is: the harness charges any other operation otherwise.
    let accepted: Vec<String> = mix
        .iter()
        .map(|(operation, count)| format!("{}:{count}", operation.name()))
        .collect();
    if !say(accepted.join(",")) {
        return;
    }
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
        let before = process_cpu_time();
        for _ in 0..BLOCK {
            round().await;
        }
        let spent = per_call(process_cpu_time().saturating_sub(before), BLOCK);
        if !say(spent.as_nanos().to_string()) {
            break;
        }
    }
}

fn per_call(spent: Duration, calls: u32) -> Duration {
    spent / calls.max(1)
}

fn median(mut blocks: Vec<Duration>) -> Duration {
    blocks.sort();
    blocks.get(blocks.len() / 2).copied().unwrap_or_default()
}

/// CPU time of this process, all threads, user and system: the scheduler's own sum, to the
/// nanosecond, which is what the harness reads from /proc for a function.
fn process_cpu_time() -> Duration {
    // SAFETY: clock_gettime only writes the struct it is given.
    let time = unsafe {
        let mut time = std::mem::zeroed::<libc::timespec>();
        libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut time);
        time
    };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_is_the_usual_calls_of_the_operations_the_loop_makes() {
        let mix = parse_mix("GetItem:1, TransactWriteItems:2,DeleteItem:1,Query:x");
        let names: Vec<(&str, u32)> = mix.iter().map(|(op, n)| (op.name(), *n)).collect();
        assert_eq!(names, [("GetItem", 1), ("TransactWriteItems", 2)]);
        assert!(matches!(mix[1].0, Operation::TransactWriteItems));
        assert!(parse_mix("").is_empty());
    }

    #[test]
    fn an_operations_cost_is_its_median_block() {
        let ms = Duration::from_millis;
        assert_eq!(median(vec![ms(9), ms(1), ms(2), ms(40), ms(3)]), ms(3));
        assert_eq!(median(vec![]), Duration::ZERO);
    }

    #[test]
    fn cpu_time_is_per_call_and_grows_with_work() {
        assert_eq!(
            per_call(Duration::from_millis(250), 1000),
            Duration::from_micros(250)
        );
        let before = process_cpu_time();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut x = 0u64;
        while process_cpu_time().saturating_sub(before) < Duration::from_millis(20)
            && std::time::Instant::now() < deadline
        {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(process_cpu_time().saturating_sub(before) >= Duration::from_millis(20));
    }
}
