use std::time::Duration;

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
    dynamodb_client_over(endpoint, https_client(tls), None).await
}

/// The DynamoDB client over `http`, an HTTPS client other AWS clients of the process share.
/// Every call is measured (`call_metrics`) and, with an X-Ray daemon, traced.
pub(crate) async fn dynamodb_client_over(
    endpoint: Option<&str>,
    http: SharedHttpClient,
    xray_daemon: Option<std::net::SocketAddr>,
) -> Client {
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk_config(endpoint, http).await)
        .interceptor(super::call_metrics::CallMetrics::new(xray_daemon))
        .build();
    Client::from_conf(config)
}

/// What every AWS client of ours shares: timeouts, retries and the HTTPS client. With an
/// endpoint (DynamoDB Local, moto) it uses it and, unless the environment has credentials,
/// fixed local ones, so the SDK does not probe for credentials that a laptop does not have.
pub(crate) async fn sdk_config(endpoint: Option<&str>, http: SharedHttpClient) -> SdkConfig {
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
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            loader = loader
                .credentials_provider(Credentials::new("local", "local", None, None, "local"));
        }
        if std::env::var_os("AWS_REGION").is_none()
            && std::env::var_os("AWS_DEFAULT_REGION").is_none()
        {
            loader = loader.region(Region::new("us-east-1"));
        }
    }
    loader.load().await
}
