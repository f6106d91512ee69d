//! Metrics, as CloudWatch Embedded Metric Format (EMF) log lines: counted through the `metrics`
//! facade while a request is served, written once when it is answered (`http::serve`), by
//! `metrics_cloudwatch_embedded` (a recorder for that facade that writes EMF documents and
//! nothing else: no network call, no background task). CloudWatch turns the lines into metrics.
//!
//! One namespace (`METRICS_NAMESPACE`, the stack's name in AWS), every metric dimensioned by
//! `FunctionName` (Lambda's name for the function, as its own AWS/Lambda metrics are). Their
//! names are in this file only; template.yaml's alarms and dashboard name them too
//! (docs/OPERATIONS.md). Locally (text logs) each request's metrics print as one readable line.
//! `METRICS_ENABLED=false` turns them off (what `make bench` compares against).

use std::io::Write;
use std::sync::OnceLock;
#[cfg(feature = "test-support")]
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics_cloudwatch_embedded::Collector;

/// The namespace when `METRICS_NAMESPACE` is not set (local runs).
pub const DEFAULT_NAMESPACE: &str = "serverless-rust-backend";

/// What is counted, by its CloudWatch metric name (unit Count, dimension FunctionName).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    SignUp,
    Login,
    LoginFailure,
    LoginThrottled,
    /// A refresh token presented a second time: its family is revoked (a stolen-token signal).
    RefreshTokenReuse,
    OrderPlaced,
    /// An order transaction that lost a race and was tried again.
    OrderConflictRetry,
    InsufficientStock,
    /// A repeated `Idempotency-Key` answered with the first order.
    IdempotentReplay,
    ColdStart,
}

impl Event {
    pub const ALL: [Event; 10] = [
        Event::SignUp,
        Event::Login,
        Event::LoginFailure,
        Event::LoginThrottled,
        Event::RefreshTokenReuse,
        Event::OrderPlaced,
        Event::OrderConflictRetry,
        Event::InsufficientStock,
        Event::IdempotentReplay,
        Event::ColdStart,
    ];

    pub const fn metric_name(self) -> &'static str {
        match self {
            Event::SignUp => "SignUps",
            Event::Login => "Logins",
            Event::LoginFailure => "LoginFailures",
            Event::LoginThrottled => "LoginsThrottled",
            Event::RefreshTokenReuse => "RefreshTokenReuse",
            Event::OrderPlaced => "OrdersPlaced",
            Event::OrderConflictRetry => "OrderConflictRetries",
            Event::InsufficientStock => "InsufficientStock",
            Event::IdempotentReplay => "IdempotentReplays",
            Event::ColdStart => "ColdStarts",
        }
    }
}

/// Server errors answered, dimensioned by their code as well.
pub const SERVER_ERRORS: &str = "ServerErrors";
/// Each DynamoDB call's time, retries included (milliseconds), by operation.
pub const DYNAMODB_LATENCY: &str = "DynamoDbLatency";
/// Attempts beyond the first, by operation.
pub const DYNAMODB_RETRIES: &str = "DynamoDbRetries";

/// Counts one `event`.
pub fn count(event: Event) {
    metrics::counter!(event.metric_name()).increment(1);
}

/// Counts one answered server error.
pub fn server_error(code: &'static str) {
    metrics::counter!(SERVER_ERRORS, "Code" => code).increment(1);
}

/// Records one DynamoDB call (`store::call_metrics` calls this for every operation).
pub fn dynamodb_call(operation: &str, took: Duration, retries: u32) {
    let operation = operation.to_owned();
    metrics::histogram!(DYNAMODB_LATENCY, "Operation" => operation.clone())
        .record(took.as_secs_f64() * 1000.0);
    if retries > 0 {
        metrics::counter!(DYNAMODB_RETRIES, "Operation" => operation).increment(retries.into());
    }
}

/// Where flushed documents go.
enum Output {
    /// EMF lines on stdout, which Lambda sends to the function's log group.
    Emf,
    /// One readable line per flush on stdout (local runs).
    Readable,
    /// Kept in memory, for tests.
    #[cfg(feature = "test-support")]
    Captured(Arc<Mutex<Vec<u8>>>),
}

struct Installed {
    collector: &'static Collector,
    output: Output,
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

/// Installs the recorder, from the environment. Call once, at init, after `telemetry::init`.
pub fn init() {
    let enabled = std::env::var("METRICS_ENABLED").map_or(true, |v| v != "false");
    if !enabled {
        return;
    }
    let output = if crate::telemetry::LogSettings::from_env().json {
        Output::Emf
    } else {
        Output::Readable
    };
    let namespace =
        std::env::var("METRICS_NAMESPACE").unwrap_or_else(|_| DEFAULT_NAMESPACE.to_owned());
    install(
        namespace,
        crate::telemetry::FunctionIdentity::from_env().name,
        output,
    );
}

fn install(namespace: String, function_name: String, output: Output) {
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(namespace)
        .with_dimension("FunctionName", function_name)
        .init();
    match collector {
        Ok(collector) => {
            describe();
            let _ = INSTALLED.set(Installed { collector, output });
        }
        Err(error) => {
            tracing::warn!(%error, "metrics are off: the recorder could not be installed")
        }
    }
}

fn describe() {
    use metrics::Unit;
    for event in Event::ALL {
        metrics::describe_counter!(event.metric_name(), Unit::Count, "");
    }
    metrics::describe_counter!(SERVER_ERRORS, Unit::Count, "");
    metrics::describe_histogram!(DYNAMODB_LATENCY, Unit::Milliseconds, "");
    metrics::describe_counter!(DYNAMODB_RETRIES, Unit::Count, "");
}

/// Writes what was counted since the last flush; once per request, when it is answered.
pub fn flush() {
    let Some(installed) = INSTALLED.get() else {
        return;
    };
    let written = match &installed.output {
        Output::Emf => {
            // A request's documents in one write: stdout is line-buffered, and written to
            // straight from the collector it made a syscall of each (bench/notes.md, "Tried and
            // not kept": two a request).
            let mut emf = Vec::with_capacity(1024);
            installed
                .collector
                .flush(&mut emf)
                .and_then(|()| std::io::stdout().lock().write_all(&emf))
        }
        #[cfg(feature = "test-support")]
        Output::Captured(buffer) => {
            let mut buffer = buffer.lock().expect("not poisoned");
            installed.collector.flush(&mut *buffer)
        }
        Output::Readable => {
            let mut emf = Vec::new();
            installed
                .collector
                .flush(&mut emf)
                .and_then(|()| match readable(&emf) {
                    Some(line) => writeln!(std::io::stdout().lock(), "{line}"),
                    None => Ok(()),
                })
        }
    };
    if let Err(error) = written {
        tracing::warn!(%error, "metrics could not be written");
    }
}

/// EMF documents as one line a developer reads: `metrics: SignUps=1 DynamoDbLatency[PutItem]=3.1ms`.
fn readable(emf: &[u8]) -> Option<String> {
    let mut parts = Vec::new();
    for line in emf.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let document: serde_json::Value = serde_json::from_slice(line).ok()?;
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        let labels: Vec<String> = directive["Dimensions"][0]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str())
            .filter(|d| *d != "FunctionName")
            .filter_map(|d| document[d].as_str().map(str::to_owned))
            .collect();
        let label = if labels.is_empty() {
            String::new()
        } else {
            format!("[{}]", labels.join(","))
        };
        for metric in directive["Metrics"].as_array().into_iter().flatten() {
            let name = metric["Name"].as_str().unwrap_or("?");
            let unit = match metric["Unit"].as_str() {
                Some("Milliseconds") => "ms",
                _ => "",
            };
            let value = match &document[name] {
                serde_json::Value::Array(values) => values
                    .iter()
                    .map(|v| format!("{:.1}{unit}", v.as_f64().unwrap_or(0.0)))
                    .collect::<Vec<_>>()
                    .join(","),
                value => format!("{value}{unit}"),
            };
            parts.push(format!("{name}{label}={value}"));
        }
    }
    (!parts.is_empty()).then(|| format!("metrics: {}", parts.join(" ")))
}

/// Every EMF document flushed in this process, for tests: installs the recorder once per test
/// binary (the `metrics` facade has one global recorder), so a test that reads it must be
/// the only one in its binary that serves requests.
#[cfg(feature = "test-support")]
#[derive(Clone)]
pub struct CapturedMetrics(Arc<Mutex<Vec<u8>>>);

#[cfg(feature = "test-support")]
impl CapturedMetrics {
    pub fn install(namespace: &str, function_name: &str) -> Self {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        install(
            namespace.to_owned(),
            function_name.to_owned(),
            Output::Captured(buffer.clone()),
        );
        Self(buffer)
    }

    /// The documents flushed so far, one JSON value each.
    pub fn documents(&self) -> Vec<serde_json::Value> {
        let bytes = self.0.lock().expect("not poisoned");
        bytes
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| serde_json::from_slice(line).expect("each EMF line is JSON"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_developer_reads_a_requests_metrics_in_one_line() {
        let emf = br#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["FunctionName"]],"Metrics":[{"Name":"ColdStarts","Unit":"Count"}]}]},"FunctionName":"get-user","ColdStarts":1}
{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["FunctionName","Operation"]],"Metrics":[{"Name":"DynamoDbLatency","Unit":"Milliseconds"}]}]},"FunctionName":"get-user","Operation":"GetItem","DynamoDbLatency":[1.25,3.0]}
"#;
        assert_eq!(
            readable(emf).unwrap(),
            "metrics: ColdStarts=1 DynamoDbLatency[GetItem]=1.2ms,3.0ms"
        );
        assert_eq!(readable(b""), None);
    }
}
