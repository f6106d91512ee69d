//! Logging. In AWS Lambda: one JSON object per line, with the keys Powertools for AWS Lambda
//! users know (`function_name`, `cold_start`, `function_request_id`, `correlation_id`,
//! `xray_trace_id`, ...), which CloudWatch Logs Insights queries by name. Elsewhere
//! (`cargo lambda watch`, tests): readable lines.
//!
//! The level: Lambda's advanced logging controls (`AWS_LAMBDA_LOG_LEVEL`, set by the template's
//! `LogLevel`) first, then `RUST_LOG` (local use), then `info`. The format:
//! `AWS_LAMBDA_LOG_FORMAT` (`JSON` or `Text`), else JSON in Lambda and text elsewhere
//! (`LOG_FORMAT=json` asks for JSON locally).
//!
//! No level opens up the libraries that see raw traffic: at debug/trace the AWS SDK logs whole
//! DynamoDB items (password hashes) and the runtime logs whole events (passwords, tokens).
//! Those stay capped whatever the setting says.

use tracing::Level;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Crates that log request or response payloads below the level given here.
const PAYLOAD_LOGGERS: &[(&str, &str)] = &[
    ("aws_smithy_runtime", "warn"),
    ("aws_smithy_runtime_api", "warn"),
    ("aws_smithy_http_client", "warn"),
    ("aws_smithy_types", "warn"),
    ("aws_sdk_dynamodb", "warn"),
    ("aws_sdk_secretsmanager", "warn"),
    ("aws_config", "warn"),
    ("aws_runtime", "warn"),
    ("aws_sigv4", "warn"),
    ("hyper", "warn"),
    ("hyper_util", "warn"),
    ("h2", "warn"),
    ("rustls", "warn"),
    ("lambda_runtime", "info"),
    ("lambda_runtime_api_client", "info"),
    ("lambda_http", "info"),
];

/// The filter for `RUST_LOG`-style `directives` (`level`, `target=level`, comma-separated; a
/// string it cannot read means `info`), with payload loggers capped.
///
/// A cap only ever lowers a level: it is added only where the directives let through more than
/// it allows. (Added unconditionally, `lambda_runtime=info` under `RUST_LOG=warn` would switch the
/// runtime's per-invocation spans on: work on every request that nobody asked for.)
///
/// Targets, not `EnvFilter`: span and field directives are not worth the regular-expression
/// engine `EnvFilter` links into every binary (bench/notes.md, "arm64 zips: what only three
/// functions need").
pub fn filter(directives: &str) -> Targets {
    let mut filter: Targets = directives
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO));
    for (target, level) in PAYLOAD_LOGGERS {
        let cap: LevelFilter = level.parse().expect("the caps are valid levels");
        // The next level more verbose than the cap: does anything beyond it pass?
        let beyond_cap = match cap.into_level() {
            None => Some(Level::ERROR),
            Some(Level::ERROR) => Some(Level::WARN),
            Some(Level::WARN) => Some(Level::INFO),
            Some(Level::INFO) => Some(Level::DEBUG),
            Some(Level::DEBUG) => Some(Level::TRACE),
            Some(_) => None,
        };
        if beyond_cap.is_some_and(|level| filter.would_enable(target, &level)) {
            filter = filter.with_target(*target, cap);
        }
    }
    filter
}

/// How this process logs, read from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `RUST_LOG`-style directives, before the caps.
    pub directives: String,
    pub json: bool,
}

impl LogSettings {
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Self {
        // Lambda's names for its levels; FATAL has no tracing level of its own.
        let lambda_level = var("AWS_LAMBDA_LOG_LEVEL").map(|level| {
            match level.to_ascii_uppercase().as_str() {
                "TRACE" => "trace",
                "DEBUG" => "debug",
                "WARN" => "warn",
                "ERROR" | "FATAL" => "error",
                _ => "info",
            }
            .to_owned()
        });
        let directives = lambda_level
            .or_else(|| var("RUST_LOG"))
            .unwrap_or_else(|| "info".to_owned());
        let json = match var("AWS_LAMBDA_LOG_FORMAT").as_deref() {
            Some(format) if format.eq_ignore_ascii_case("json") => true,
            Some(format) if format.eq_ignore_ascii_case("text") => false,
            // AWS_EXECUTION_ENV is set by the Lambda service itself, not by local emulators.
            _ => var("AWS_EXECUTION_ENV").is_some() || var("LOG_FORMAT").as_deref() == Some("json"),
        };
        Self { directives, json }
    }
}

/// The process's identity in every JSON line: Lambda's own variables, which `cargo lambda
/// watch` sets too.
#[derive(Debug, Clone)]
pub struct FunctionIdentity {
    pub name: String,
    pub version: String,
    pub memory_mb: String,
}

impl FunctionIdentity {
    pub fn from_env() -> Self {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        Self {
            name: var("AWS_LAMBDA_FUNCTION_NAME", "local"),
            version: var("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            memory_mb: var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "0"),
        }
    }
}

/// The JSON line layer, as in Lambda: `timestamp`, `level`, `message` and the event's fields,
/// the process's identity, and the request's fields (`http::serve`'s span: request ids,
/// trace id, route, cold start) on every line logged while serving it.
pub fn json_layer<S, W>(identity: &FunctionIdentity, writer: W) -> json_subscriber::JsonLayer<S, W>
where
    S: tracing::Subscriber + for<'lookup> LookupSpan<'lookup>,
    W: for<'writer> MakeWriter<'writer> + 'static,
{
    let mut layer = json_subscriber::JsonLayer::new(writer);
    layer
        .with_timer("timestamp", tracing_subscriber::fmt::time::SystemTime)
        .with_level("level")
        .with_flattened_event()
        .with_top_level_flattened_current_span();
    layer.add_static_field("function_name", identity.name.clone().into());
    layer.add_static_field("function_version", identity.version.clone().into());
    layer.add_static_field("function_memory_size", identity.memory_mb.clone().into());
    layer
}

/// Installs the log subscriber and the metrics recorder (`metrics::init`). Call first thing in
/// `main`.
pub fn init() {
    init_logs();
    crate::metrics::init();
}

fn init_logs() {
    let settings = LogSettings::from_env();
    let filter = filter(&settings.directives);
    if settings.json {
        tracing_subscriber::registry()
            .with(filter)
            .with(json_layer(&FunctionIdentity::from_env(), std::io::stdout))
            .init();
    } else {
        tracing_subscriber::registry()
            .with(filter)
            .with(tracing_subscriber::fmt::layer().with_target(false))
            .init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tracing_subscriber::layer::{Context, SubscriberExt};

    /// Counts the events that pass the filter.
    struct Count(Arc<AtomicUsize>);
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Count {
        fn on_event(&self, _: &tracing::Event<'_>, _: Context<'_, S>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// How many of the events `emit` sends pass `filter(directives)`.
    fn passed(directives: &str, emit: impl FnOnce()) -> usize {
        let count = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry()
            .with(filter(directives))
            .with(Count(count.clone()));
        tracing::subscriber::with_default(subscriber, emit);
        count.load(Ordering::SeqCst)
    }

    #[test]
    fn caps_hold_the_payload_loggers_down_at_any_level() {
        let n = passed("trace", || {
            tracing::debug!(target: "aws_smithy_runtime", "a request body");
            tracing::debug!(target: "lambda_runtime", "an event");
            tracing::warn!(target: "aws_smithy_runtime", "a retry");
            tracing::debug!(target: "shared", "ours");
        });
        assert_eq!(n, 2, "only the SDK's warning and our debug line pass");
    }

    #[test]
    fn lambdas_log_controls_come_before_rust_log() {
        let settings = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            LogSettings::from_lookup(move |name| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
        };
        let lambda = settings(&[
            ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("RUST_LOG", "debug"),
        ]);
        assert_eq!((lambda.directives.as_str(), lambda.json), ("warn", true));
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]).directives,
            "error"
        );
        let local = settings(&[("RUST_LOG", "debug")]);
        assert_eq!((local.directives.as_str(), local.json), ("debug", false));
        let text_in_lambda = settings(&[
            ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023"),
            ("AWS_LAMBDA_LOG_FORMAT", "Text"),
        ]);
        assert!(!text_in_lambda.json);
        assert!(settings(&[("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023")]).json);
        assert_eq!(settings(&[]).directives, "info");
    }

    #[test]
    fn a_cap_never_raises_a_level() {
        let n = passed("warn", || {
            tracing::info!(target: "lambda_runtime", "an invocation");
            tracing::info!(target: "shared", "a request");
            tracing::warn!(target: "lambda_runtime", "a problem");
        });
        assert_eq!(n, 1, "under warn only the warning passes");
        let quieter = passed("aws_smithy_runtime=error,debug", || {
            tracing::warn!(target: "aws_smithy_runtime", "a retry");
            tracing::debug!(target: "shared", "ours");
        });
        assert_eq!(
            quieter, 1,
            "a payload logger asked for less than its cap keeps it"
        );
    }

    #[test]
    fn directives_name_targets_and_a_default() {
        let n = passed("shared=debug,warn", || {
            tracing::debug!(target: "shared::store", "ours, below");
            tracing::info!(target: "other", "someone else's");
            tracing::warn!(target: "other", "someone else's warning");
        });
        assert_eq!(n, 2);
        let unreadable = passed("shared=[", || {
            tracing::info!(target: "anything", "at info");
            tracing::debug!(target: "anything", "at debug");
        });
        assert_eq!(unreadable, 1, "directives it cannot read mean info");
    }
}
