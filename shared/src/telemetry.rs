//! Logging. In AWS Lambda: one JSON object per line (CloudWatch Logs Insights can query the
//! fields). Elsewhere (`cargo lambda watch`, tests): readable lines.
//!
//! `RUST_LOG` sets the level of our code (default `info`), but never opens up the libraries
//! that see raw traffic: at debug/trace the AWS SDK logs whole DynamoDB items (password hashes)
//! and the runtime logs whole events (passwords, tokens). Those stay capped whatever it says.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// Crates that log request or response payloads below the level given here.
const PAYLOAD_LOGGERS: &[(&str, &str)] = &[
    ("aws_smithy_runtime", "warn"),
    ("aws_smithy_runtime_api", "warn"),
    ("aws_smithy_http_client", "warn"),
    ("aws_smithy_types", "warn"),
    ("aws_sdk_dynamodb", "warn"),
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

/// The filter for `RUST_LOG`-style `directives`, with payload loggers capped.
///
/// A cap only ever lowers a level: it is added only when the directives ask for more than it
/// allows. (Added unconditionally, `lambda_runtime=info` under `RUST_LOG=warn` would switch the
/// runtime's per-invocation spans on: work on every request that nobody asked for.)
pub fn filter(directives: &str) -> EnvFilter {
    let mut filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let most_verbose = filter.max_level_hint().unwrap_or(LevelFilter::TRACE);
    for (target, level) in PAYLOAD_LOGGERS {
        let cap: LevelFilter = level.parse().expect("the caps are valid levels");
        if most_verbose > cap
            && let Ok(directive) = format!("{target}={level}").parse()
        {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Installs the subscriber. Call first thing in `main`.
pub fn init() {
    let directives = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(&directives))
        .with_target(false);
    // AWS_EXECUTION_ENV is set by the Lambda service itself, not by local emulators.
    if std::env::var_os("AWS_EXECUTION_ENV").is_some()
        || std::env::var("LOG_FORMAT").as_deref() == Ok("json")
    {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .without_time()
            .with_ansi(false)
            .init();
    } else {
        builder.init();
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
    fn a_cap_never_raises_a_level() {
        let n = passed("warn", || {
            tracing::info!(target: "lambda_runtime", "an invocation");
            tracing::info!(target: "shared", "a request");
            tracing::warn!(target: "lambda_runtime", "a problem");
        });
        assert_eq!(n, 1, "under warn only the warning passes");
    }
}
