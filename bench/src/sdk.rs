//! The AWS SDK's own CPU per DynamoDB call, measured in the same run by the bare client loop
//! (`bench/sdk-loop`): what the warm-CPU budget allows a function per call it makes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::measure::Calls;

/// CPU per call of each operation the loop made.
#[derive(Debug, Clone, Default)]
pub struct SdkCost {
    pub per_call: BTreeMap<String, Duration>,
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

    /// What `calls` cost the SDK: each call at its operation's CPU.
    pub fn of_calls(&self, calls: &Calls) -> Duration {
        calls
            .iter()
            .map(|(operation, count)| self.of(operation) * *count as u32)
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

/// The loop's lines: `<Operation> <nanoseconds per call>`.
fn parse(text: &str) -> SdkCost {
    let per_call = text
        .lines()
        .filter_map(|line| {
            let (operation, nanos) = line.split_once(' ')?;
            Some((
                operation.to_owned(),
                Duration::from_nanos(nanos.trim().parse().ok()?),
            ))
        })
        .collect();
    SdkCost { per_call }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_is_charged_at_its_operation_and_the_rest_at_the_mean() {
        let sdk = parse("GetItem 200000\nTransactWriteItems 400000\nnoise\n");
        assert_eq!(sdk.of("GetItem"), Duration::from_micros(200));
        assert_eq!(sdk.mean(), Duration::from_micros(300));
        assert_eq!(sdk.of("DeleteItem"), Duration::from_micros(300));
        let calls = Calls::from([
            ("GetItem".to_owned(), 2),
            ("TransactWriteItems".to_owned(), 1),
            ("DeleteItem".to_owned(), 1),
        ]);
        assert_eq!(sdk.of_calls(&calls), Duration::from_micros(1100));
        assert_eq!(sdk.of_calls(&Calls::new()), Duration::ZERO);
    }
}
