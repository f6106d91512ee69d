use std::time::Duration;

use aws_config::{BehaviorVersion, Region, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_sdk_dynamodb::{Client, config::Credentials};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};

/// Every call must answer well inside the function's Lambda timeout: an unreachable or slow
/// DynamoDB becomes `SERVICE_UNAVAILABLE` in a few seconds, never a hung invocation.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(2000);
const OPERATION_TIMEOUT: Duration = Duration::from_millis(4500);
const MAX_ATTEMPTS: u32 = 3;

/// The roots a DynamoDB endpoint's certificate chains to: Amazon Root CA 1–4 and Starfield
/// Services Root CA G2, the set AWS names for its service endpoints (Amazon Trust Services).
///
/// Why not the system's store, the SDK's default: it reads and parses every certificate the
/// OS has (the bundle and the hashed directory) at init, most of a cold init (bench/notes.md,
/// "Trust store"); five certificates are quick to parse. Trusting only the CAs that can sign
/// AWS endpoints also narrows who can impersonate DynamoDB. A TLS-intercepting proxy would
/// need its CA added here.
const AWS_ROOT_CAS: &[u8] = include_bytes!("aws-root-cas.pem");

/// The SDK's default HTTPS client (hyper, rustls on aws-lc, proxy settings from the
/// environment) with [`AWS_ROOT_CAS`] as its trust store.
fn https_client() -> SharedHttpClient {
    let trust = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(AWS_ROOT_CAS))
        .build()
        .expect("a TLS context of embedded PEM certificates builds");
    Builder::new().build_with_connector_fn(move |settings, runtime_components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(trust.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = runtime_components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// The DynamoDB client, built once at init. With an endpoint (DynamoDB Local) it uses it and,
/// unless the environment has credentials, fixed local ones, so the SDK does not probe for
/// credentials that a laptop does not have.
pub async fn dynamodb_client(endpoint: Option<&str>) -> Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .http_client(https_client());
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
    Client::new(&loader.load().await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trust_store_is_the_five_aws_roots() {
        use base64::Engine;
        let pem = std::str::from_utf8(AWS_ROOT_CAS).expect("PEM is text");
        let certificates: Vec<Vec<u8>> = pem
            .split("-----BEGIN CERTIFICATE-----")
            .skip(1)
            .map(|block| {
                let body = block
                    .split("-----END CERTIFICATE-----")
                    .next()
                    .expect("each block ends")
                    .replace(['\n', '\r'], "");
                base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .expect("each block is base64 DER")
            })
            .collect();
        let names = [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ];
        assert_eq!(certificates.len(), names.len());
        for (der, name) in certificates.iter().zip(names) {
            // A DER certificate is a SEQUENCE; its subject's common name is stored verbatim.
            assert_eq!(der[0], 0x30, "{name}");
            assert!(
                der.windows(name.len()).any(|w| w == name.as_bytes()),
                "{name} missing"
            );
        }
    }
}
