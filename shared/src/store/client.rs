use std::time::Duration;

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::config::{SharedCredentialsProvider, SharedHttpClient};
use aws_sdk_dynamodb::{Client, config::Credentials};

use crate::config::ConfigError;
use crate::tls::{TlsSettings, https_client};

/// Every call must answer well inside the function's Lambda timeout: an unreachable or slow
/// DynamoDB becomes `SERVICE_UNAVAILABLE` in a few seconds, never a hung invocation.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(2000);
const OPERATION_TIMEOUT: Duration = Duration::from_millis(4500);
const MAX_ATTEMPTS: u32 = 3;
/// The region the emulators are given when the environment names none.
const LOCAL_REGION: &str = "us-east-1";

/// The DynamoDB client of the tools (table creation, the admin, the keys), on an HTTPS client of
/// its own that trusts `tls`, with the default credential and region chains.
pub async fn dynamodb_client(endpoint: Option<&str>, tls: &TlsSettings) -> Client {
    let sdk = tool_sdk_config(https_client(tls), endpoint.is_some()).await;
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

/// The DynamoDB client a function builds (`App`), for a program that must call as one does:
/// the bench's bare SDK loop.
pub fn function_dynamodb_client(endpoint: Option<&str>, tls: &TlsSettings) -> Client {
    let sdk = function_sdk_config(https_client(tls), endpoint.is_some())
        .expect("credentials and region in the environment, or a local endpoint");
    dynamodb_client_with(&sdk, endpoint, None)
}

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
}

fn environment(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The region `environment` names, as the SDK reads it: `AWS_REGION`, else `AWS_DEFAULT_REGION`.
fn region_in(environment: &impl Fn(&str) -> Option<String>) -> Option<Region> {
    environment("AWS_REGION")
        .or_else(|| environment("AWS_DEFAULT_REGION"))
        .map(Region::new)
}

/// Fixed credentials for the emulators, so nothing probes for credentials a laptop lacks.
fn local_credentials() -> Credentials {
    Credentials::new("local", "local", None, None, "local")
}

/// What a function's AWS clients share: timeouts, retries, the HTTPS client, and credentials
/// and region from the environment alone, as Lambda always sets them (`local`, an emulator's
/// endpoint configured: fixed ones where the environment has none).
///
/// Built by hand, not by `aws_config`'s loader: the loader links its default chains (an STS
/// client with its endpoint rules, IMDS, SSO, profile parsing) into every binary whether or
/// not they run, about a tenth of a function's zip (bench/notes.md, "arm64 zips: what only
/// three functions need"). Outside Lambda against real AWS, export the credentials
/// (`aws configure export-credentials --format env`); the tools keep the chains
/// ([`tool_sdk_config`]).
pub(crate) fn function_sdk_config(
    http: SharedHttpClient,
    local: bool,
) -> Result<SdkConfig, ConfigError> {
    function_sdk_config_from(http, local, &environment)
}

fn function_sdk_config_from(
    http: SharedHttpClient,
    local: bool,
    environment: &impl Fn(&str) -> Option<String>,
) -> Result<SdkConfig, ConfigError> {
    let credentials = match (environment("AWS_ACCESS_KEY_ID"), local) {
        (Some(_), _) => {
            SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new())
        }
        (None, true) => SharedCredentialsProvider::new(local_credentials()),
        (None, false) => return Err(ConfigError::Missing("AWS_ACCESS_KEY_ID")),
    };
    let region = match (region_in(environment), local) {
        (Some(region), _) => region,
        (None, true) => Region::new(LOCAL_REGION),
        (None, false) => return Err(ConfigError::Missing("AWS_REGION")),
    };
    Ok(SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(credentials)
        .timeout_config(timeouts())
        .retry_config(retries())
        .http_client(http)
        .build())
}

/// What the tools' AWS clients share: as a function's, but with `aws_config`'s default chains
/// for credentials and region when the environment has none (a laptop with a profile or SSO).
pub(crate) async fn tool_sdk_config(http: SharedHttpClient, local: bool) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts())
        .retry_config(retries())
        .http_client(http);
    if environment("AWS_ACCESS_KEY_ID").is_some() {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
    } else if local {
        loader = loader.credentials_provider(local_credentials());
    }
    if let Some(region) = region_in(&environment) {
        loader = loader.region(region);
    } else if local {
        loader = loader.region(Region::new(LOCAL_REGION));
    }
    loader.load().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::config::ProvideCredentials;
    use std::collections::HashMap;

    fn config_with(pairs: &[(&str, &str)], local: bool) -> Result<SdkConfig, ConfigError> {
        let map: HashMap<_, _> = pairs.iter().copied().collect();
        let http = https_client(&Default::default());
        function_sdk_config_from(http, local, &|name| map.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn a_function_off_the_emulators_needs_credentials_and_a_region_in_its_environment() {
        let missing = |pairs: &[(&str, &str)]| config_with(pairs, false).unwrap_err().to_string();
        assert_eq!(
            missing(&[("AWS_REGION", "eu-west-1")]),
            "AWS_ACCESS_KEY_ID is not set"
        );
        assert_eq!(
            missing(&[("AWS_ACCESS_KEY_ID", "AKIA")]),
            "AWS_REGION is not set"
        );
        let lambda = [
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ];
        let sdk = config_with(&lambda, false).unwrap();
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
    }

    #[tokio::test]
    async fn on_the_emulators_fixed_credentials_and_region_stand_in() {
        let sdk = config_with(&[], true).unwrap();
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some(LOCAL_REGION));
        let credentials = sdk.credentials_provider().unwrap();
        let credentials = credentials.provide_credentials().await.unwrap();
        assert_eq!(credentials.access_key_id(), "local");
        let timeouts = sdk.timeout_config().unwrap();
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
        assert_eq!(sdk.retry_config().unwrap().max_attempts(), MAX_ATTEMPTS);
    }
}
