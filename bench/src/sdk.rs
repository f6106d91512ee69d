//! The AWS SDK's own CPU per DynamoDB call, measured in the same run by the bare client loop
//! (`bench/sdk-loop`): what the warm-CPU budget allows a function per call it makes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::measure::Calls;

/// CPU per call of each operation the loop made, and what a bigger response adds.
///
/// The SDK's CPU for a call grows with what it reads back: a page of 20 orders is ~10 KB of
/// nested attribute values to tokenise and allocate, one session item ~0.3 KB. The loop makes
/// its reads at two sizes (one item, a page of 20), which gives each such operation a cost per
/// response byte; a function's call is charged its operation's usual call, plus that rate for
/// the bytes its response carried beyond the loop's usual one (the relay counts them).
#[derive(Debug, Clone, Default)]
pub struct SdkCost {
    /// CPU per call of the loop's usual call of each operation (its smallest response).
    pub per_call: BTreeMap<String, Duration>,
    /// The body bytes of that usual call's response.
    pub usual_bytes: BTreeMap<String, usize>,
    /// Nanoseconds of CPU per response byte beyond the usual call's, for the operations the
    /// loop also read a page with.
    pub per_byte_nanos: BTreeMap<String, f64>,
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

    /// Nanoseconds per response byte for `operation`: its own rate, else the mean of those
    /// measured (a large GetItem is read by the same deserialiser as a page), else none.
    fn rate(&self, operation: &str) -> f64 {
        self.per_byte_nanos
            .get(operation)
            .copied()
            .unwrap_or_else(|| {
                let rates = &self.per_byte_nanos;
                rates.values().sum::<f64>() / (rates.len().max(1) as f64)
            })
    }

    /// What reading `bytes` of responses over `count` calls of `operation` adds to those calls'
    /// usual cost.
    pub fn of_bytes(&self, operation: &str, count: usize, bytes: usize) -> Duration {
        let usual = self.usual_bytes.get(operation).copied().unwrap_or(0) * count;
        let beyond = bytes.saturating_sub(usual) as f64;
        Duration::from_nanos((beyond * self.rate(operation)).max(0.0) as u64)
    }

    /// What `calls` cost the SDK: each call at its operation's CPU, and the bytes their
    /// responses carried (`bytes`, by operation) beyond the usual ones.
    pub fn of_calls(&self, calls: &Calls, bytes: &Calls) -> Duration {
        calls
            .iter()
            .map(|(operation, count)| {
                let read = bytes.get(operation).copied().unwrap_or(0);
                self.of(operation) * *count as u32 + self.of_bytes(operation, *count, read)
            })
            .sum()
    }
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

/// The loop's lines: `<Operation> <nanoseconds per call> <response body bytes>`, one per
/// size the operation was read at.
fn parse(text: &str) -> SdkCost {
    let mut sizes: BTreeMap<String, Vec<(usize, Duration)>> = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(operation), Some(Ok(nanos))) = (fields.next(), fields.next().map(str::parse))
        else {
            continue;
        };
        let bytes = fields.next().and_then(|b| b.parse().ok()).unwrap_or(0);
        sizes
            .entry(operation.to_owned())
            .or_default()
            .push((bytes, Duration::from_nanos(nanos)));
    }
    let mut sdk = SdkCost::default();
    for (operation, mut measured) in sizes {
        measured.sort();
        let (small_bytes, small_cpu) = measured[0];
        let (large_bytes, large_cpu) = measured[measured.len() - 1];
        sdk.per_call.insert(operation.clone(), small_cpu);
        sdk.usual_bytes.insert(operation.clone(), small_bytes);
        if large_bytes > small_bytes {
            let extra = large_cpu.as_nanos() as f64 - small_cpu.as_nanos() as f64;
            let rate = extra / (large_bytes - small_bytes) as f64;
            sdk.per_byte_nanos.insert(operation, rate.max(0.0));
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

    #[test]
    fn each_call_is_charged_at_its_operation_and_the_rest_at_the_mean() {
        let sdk = parse("GetItem 200000 300\nTransactWriteItems 400000 2\nnoise\n");
        assert_eq!(sdk.of("GetItem"), Duration::from_micros(200));
        assert_eq!(sdk.mean(), Duration::from_micros(300));
        assert_eq!(sdk.of("DeleteItem"), Duration::from_micros(300));
        let made = calls(&[("GetItem", 2), ("TransactWriteItems", 1), ("DeleteItem", 1)]);
        assert_eq!(
            sdk.of_calls(&made, &Calls::new()),
            Duration::from_micros(1100)
        );
        assert_eq!(sdk.of_calls(&Calls::new(), &Calls::new()), Duration::ZERO);
    }

    #[test]
    fn bigger_responses_are_charged_at_the_rate_the_loop_read_pages_at() {
        // One item (500 B) 200 µs, a page (10 500 B) 700 µs: 50 ns a byte beyond 500 B.
        let sdk =
            parse("Query 200000 500\nQuery 700000 10500\nGetItem 180000 300\nPutItem 250000 2\n");
        assert_eq!(sdk.of("Query"), Duration::from_micros(200));
        let page = |bytes| sdk.of_calls(&calls(&[("Query", 1)]), &calls(&[("Query", bytes)]));
        assert_eq!(page(10_500), Duration::from_micros(700));
        assert_eq!(page(4_500), Duration::from_micros(400));
        // No smaller than the usual call, whatever the bytes say.
        assert_eq!(page(100), Duration::from_micros(200));
        // Two calls: the usual bytes are counted twice before any extra.
        let twice = sdk.of_calls(&calls(&[("Query", 2)]), &calls(&[("Query", 1_000)]));
        assert_eq!(twice, Duration::from_micros(400));
        // An operation read at one size only takes the measured rate: a 2 300 B item.
        let item = sdk.of_calls(&calls(&[("GetItem", 1)]), &calls(&[("GetItem", 2_300)]));
        assert_eq!(item, Duration::from_micros(280));
        // Without any page measured, bytes add nothing.
        let flat = parse("GetItem 180000 300\n");
        let big = flat.of_calls(&calls(&[("GetItem", 1)]), &calls(&[("GetItem", 9_000)]));
        assert_eq!(big, Duration::from_micros(180));
    }
}
