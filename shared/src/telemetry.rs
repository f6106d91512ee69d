//! Logging. In AWS Lambda: one JSON object per line (CloudWatch Logs Insights can query the
//! fields). Elsewhere (`cargo lambda watch`, tests): readable lines.
//!
//! `RUST_LOG` sets the level of our code (default `info`), but never opens up the libraries
//! that see raw traffic: at debug/trace the AWS SDK logs whole DynamoDB items (password hashes)
//! and the runtime logs whole events (passwords, tokens). Those stay capped whatever it says.

use tracing_subscriber::EnvFilter;

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
pub fn filter(directives: &str) -> EnvFilter {
    let mut filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    for (target, level) in PAYLOAD_LOGGERS {
        if let Ok(directive) = format!("{target}={level}").parse() {
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
