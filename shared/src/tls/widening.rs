//! Mozilla's roots without parsing them on every cold start: connections first trust the five
//! roots that sign AWS endpoints, and widen to Mozilla's set once a server's chain is unknown
//! to them.
//!
//! The SDK takes roots only as PEM and decodes them, in constant time, when it builds its
//! connector on a process's first request: for Mozilla's 118 roots that was two thirds of the
//! first request's instructions; for AWS's five, a twentieth of it (bench/notes.md, "The first
//! request: the trust store"). Every AWS endpoint chains to one of the five, so a function in
//! AWS never parses Mozilla's set; a TLS-inspecting proxy or a re-issued AWS chain costs one
//! refused handshake, once per process, then Mozilla's set is in use. What is trusted is the
//! same either way: Mozilla's set (plus any extra CA), of which the five are part.

use std::error::Error;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;
use rustls::{CertificateError, Error as TlsError};

/// An HTTP client whose connections trust `narrow` until a server's issuer is unknown to it,
/// and `wide` from then on.
#[derive(Debug)]
pub(super) struct WideningTrust {
    narrow: SharedHttpClient,
    wide: SharedHttpClient,
    /// One connector per connector settings, as the SDK's own client caches them.
    connectors: Mutex<Vec<(SettingsKey, SharedHttpConnector)>>,
}

/// What tells connector settings apart. The SDK's own client also keys on the runtime
/// components' sleep and time source; every client of a process shares the same defaults.
type SettingsKey = (Option<Duration>, Option<Duration>);

impl WideningTrust {
    pub(super) fn new(narrow: SharedHttpClient, wide: SharedHttpClient) -> Self {
        Self {
            narrow,
            wide,
            connectors: Mutex::default(),
        }
    }
}

impl HttpClient for WideningTrust {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let key = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors = self.connectors.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, connector)) = connectors.iter().find(|(k, _)| *k == key) {
            return connector.clone();
        }
        let connector = SharedHttpConnector::new(Widening(Arc::new(Connectors {
            narrow: self.narrow.http_connector(settings, components),
            wide: OnceLock::new(),
            wide_client: self.wide.clone(),
            settings: settings.clone(),
            components: components.clone(),
        })));
        connectors.push((key, connector.clone()));
        connector
    }

    fn validate_base_client_config(
        &self,
        components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.narrow.validate_base_client_config(components, cfg)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.narrow.connector_metadata()
    }
}

#[derive(Debug, Clone)]
struct Widening(Arc<Connectors>);

#[derive(Debug)]
struct Connectors {
    narrow: SharedHttpConnector,
    /// Built (the wide roots parsed) the first time a chain is unknown to the narrow ones.
    wide: OnceLock<SharedHttpConnector>,
    wide_client: SharedHttpClient,
    settings: HttpConnectorSettings,
    components: RuntimeComponents,
}

impl Connectors {
    fn wide(&self) -> &SharedHttpConnector {
        self.wide.get_or_init(|| {
            tracing::info!("a server's chain is not an AWS root's: trusting Mozilla's roots");
            self.wide_client
                .http_connector(&self.settings, &self.components)
        })
    }
}

impl HttpConnector for Widening {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if let Some(wide) = self.0.wide.get() {
            return wide.call(request);
        }
        // Bodies the SDK sends to DynamoDB and Secrets Manager are in memory: this clone is
        // a reference count, and lets the refused request go again on the wider trust.
        let again = request.try_clone();
        let attempt = self.0.narrow.call(request);
        let connectors = self.0.clone();
        HttpConnectorFuture::new(async move {
            match (attempt.await, again) {
                (Err(error), Some(request)) if names_an_unknown_issuer(&error) => {
                    connectors.wide().call(request).await
                }
                (outcome, _) => outcome,
            }
        })
    }
}

/// Whether rustls refused the server's chain because no trusted root issued it, anywhere in
/// `error`'s chain of causes. An `io::Error` wrapping another error reports that error's cause
/// as its own, skipping it (and the SDK wraps rustls's error in two), so the walk goes into
/// the wrapped error instead.
fn names_an_unknown_issuer(error: &(dyn Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(TlsError::InvalidCertificate(CertificateError::UnknownIssuer)) =
            error.downcast_ref::<TlsError>()
        {
            return true;
        }
        cause = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn Error + 'static)),
            None => error.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    #[test]
    fn an_unknown_issuer_is_found_however_deep_it_is_wrapped() {
        let refused = TlsError::InvalidCertificate(CertificateError::UnknownIssuer);
        let in_io = std::io::Error::new(std::io::ErrorKind::InvalidData, refused.clone());
        let in_io_twice = std::io::Error::other(in_io);
        let in_connector = ConnectorError::io(Box::new(in_io_twice));
        assert!(names_an_unknown_issuer(&in_connector));
        assert!(names_an_unknown_issuer(&refused));

        let expired = TlsError::InvalidCertificate(CertificateError::Expired);
        let in_io = std::io::Error::new(std::io::ErrorKind::InvalidData, expired);
        assert!(!names_an_unknown_issuer(&ConnectorError::io(Box::new(
            in_io
        ))));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(!names_an_unknown_issuer(&ConnectorError::io(Box::new(
            reset
        ))));
    }
}
