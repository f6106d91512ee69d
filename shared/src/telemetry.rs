//! Logging. In AWS Lambda: one JSON object per line (CloudWatch Logs Insights can query the
//! fields). Elsewhere (`cargo lambda watch`, tests): readable lines. `RUST_LOG` filters
//! (default `info`); the AWS SDK's own chatter is kept at `warn`.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber. Call first thing in `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    // AWS_EXECUTION_ENV is set by the Lambda service itself, not by local emulators.
    if std::env::var_os("AWS_EXECUTION_ENV").is_some() || std::env::var("LOG_FORMAT").as_deref() == Ok("json") {
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
