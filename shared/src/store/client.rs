use std::time::Duration;

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_sdk_dynamodb::{Client, config::Credentials};

use crate::tls::{TlsSettings, https_client};

/// Every call must answer well inside the function's Lambda timeout: an unreachable or slow
/// DynamoDB becomes `SERVICE_UNAVAILABLE` in a few seconds, never a hung invocation.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(2000);
const OPERATION_TIMEOUT: Duration = Duration::from_millis(4500);
const MAX_ATTEMPTS: u32 = 3;

/// The DynamoDB client, built once at init, on an HTTPS client of its own that trusts `tls`.
pub async fn dynamodb_client(endpoint: Option<&str>, tls: &TlsSettings) -> Client {
    let sdk = sdk_config(https_client(tls), endpoint.is_some()).await;
    dynamodb_client_with(&sdk, endpoint, None)
}

/// The DynamoDB client on `sdk`, the configuration other AWS clients of the process share,
/// reaching `endpoint` if given (DynamoDB Local). Every call is measured (`call_metrics`) and,
/// with an X-Ray daemon, traced.
pub(crate) fn dynamodb_client_with(
    sdk: &SdkConfig,
    endpoint: Option<&str>,
    xray_daemon: Option<std::net::SocketAddr>,
) -> Client {
    let mut config = aws_sdk_dynamodb::config::Builder::from(sdk)
        .interceptor(super::call_metrics::CallMetrics::new(xray_daemon));
    config.set_endpoint_url(endpoint.map(str::to_owned));
    Client::from_conf(config.build())
}

/// What every AWS client of ours shares: timeouts, retries and the HTTPS client, loaded once per
/// process. `local` (an emulator's endpoint is configured) and no credentials in the
/// environment: fixed local ones, so the SDK does not probe for credentials a laptop lacks.
///
/// Credentials and region in the environment, as Lambda always sets them, are used as they
/// are: they are what the default chains would pick first, and building those chains costs a
/// third of a function's init (an STS client with its endpoint rules, an IMDS client, profile
/// parsing; bench/notes.md, "Init: what the SDK's default chains cost"). The chains remain for
/// an environment without them (the tools on a laptop with a profile).
pub(crate) async fn sdk_config(http: SharedHttpClient, local: bool) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .http_client(http);
    let environment = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if environment("AWS_ACCESS_KEY_ID").is_some() {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
    } else if local {
        loader =
            loader.credentials_provider(Credentials::new("local", "local", None, None, "local"));
    }
    if let Some(region) = environment("AWS_REGION").or_else(|| environment("AWS_DEFAULT_REGION")) {
        loader = loader.region(Region::new(region));
    } else if local {
        loader = loader.region(Region::new("us-east-1"));
    }
    loader.load().await
}
