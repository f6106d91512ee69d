//! Which certificate authorities the AWS clients trust, and the one HTTPS client they share.
//!
//! - `TLS_TRUST=mozilla-roots` (the default): Mozilla's root program, compiled into the binary
//!   (`webpki-root-certs`), so init reads no file; it works wherever a standard client would.
//!   Connections try AWS's five roots (part of the program) first and load the rest only for a
//!   chain they do not know (`widening.rs`).
//! - `TLS_TRUST=aws-roots`: only the five roots that sign AWS endpoints, for those who want
//!   nobody else able to impersonate AWS.
//! - `TLS_EXTRA_CA_FILE=/path/bundle.pem`: more roots on top of either (a TLS-inspecting proxy,
//!   an https endpoint signed by a private authority), read and checked once at init.

mod widening;

use std::fmt;

use aws_smithy_http_client::Connector;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::{HttpConnectorSettings, SharedHttpClient};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, pem::PemObject};

use crate::config::ConfigError;

/// Amazon Root CA 1–4 and Starfield Services Root CA G2: the set AWS names for its service
/// endpoints (Amazon Trust Services).
const AWS_ROOT_CAS: &[u8] = include_bytes!("aws-root-cas.pem");
/// `webpki-root-certs`' roots as PEM, encoded at build time (`build.rs`).
const MOZILLA_ROOTS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/mozilla-roots.pem"));

/// The roots every connection trusts, before any extra CA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Roots {
    /// Mozilla's root program, as browsers and standard clients trust (AWS's five first: see
    /// `widening.rs`).
    #[default]
    Mozilla,
    /// The five roots that sign AWS endpoints, and no other.
    AwsOnly,
    /// Tests only: a set standing in for Mozilla's, since nobody can sign a chain with one of
    /// Mozilla's roots here.
    #[cfg(feature = "test-support")]
    #[doc(hidden)]
    MozillaStandIn(&'static [u8]),
}

/// The TLS trust of the AWS clients: which roots, plus an optional bundle of extra CAs.
#[derive(Clone, Default)]
pub struct TlsSettings {
    pub roots: Roots,
    extra_cas: Option<ExtraCas>,
}

/// A CA bundle from `TLS_EXTRA_CA_FILE`, already checked to load.
#[derive(Clone)]
struct ExtraCas {
    path: String,
    pem: Vec<u8>,
    count: usize,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = self
            .extra_cas
            .as_ref()
            .map(|cas| format!("{} ({} certificates)", cas.path, cas.count));
        f.debug_struct("TlsSettings")
            .field("roots", &self.roots)
            .field("extra_cas", &extra)
            .finish()
    }
}

impl TlsSettings {
    /// Reads `TLS_TRUST` and `TLS_EXTRA_CA_FILE` from the process environment (the infra
    /// commands; functions read them through `Config`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`; an extra CA bundle is read and checked here, so a bad
    /// one stops init with its name instead of failing the first request.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let roots = match set("TLS_TRUST").as_deref().map(str::trim) {
            None | Some("mozilla-roots") => Roots::Mozilla,
            Some("aws-roots") => Roots::AwsOnly,
            Some(other) => return Err(ConfigError::UnknownTrust(other.to_owned())),
        };
        let extra_cas = set("TLS_EXTRA_CA_FILE")
            .map(|path| ExtraCas::read(path.trim()))
            .transpose()?;
        Ok(Self { roots, extra_cas })
    }

    /// Every root certificate trusted, as DER, in the order the trust store gets them.
    #[cfg(test)]
    fn root_certificates(&self) -> Vec<CertificateDer<'static>> {
        self.pem_bundles()
            .iter()
            .flat_map(|pem| CertificateDer::pem_slice_iter(pem))
            .collect::<Result<_, _>>()
            .expect("the roots are checked PEM")
    }

    /// Every root trusted in the end, as PEM (the only form the SDK's trust store takes; Mozilla's
    /// DER roots are encoded at build time).
    #[cfg(test)]
    fn pem_bundles(&self) -> Vec<Vec<u8>> {
        self.bundles_with(self.wide_roots().unwrap_or(AWS_ROOT_CAS))
    }

    /// `roots` and the extra CAs, if any.
    fn bundles_with(&self, roots: &[u8]) -> Vec<Vec<u8>> {
        let extra = self.extra_cas.iter().map(|cas| cas.pem.clone());
        std::iter::once(roots.to_vec()).chain(extra).collect()
    }

    /// The set a connection widens to from AWS's five; none for the AWS pin.
    fn wide_roots(&self) -> Option<&'static [u8]> {
        match self.roots {
            Roots::Mozilla => Some(MOZILLA_ROOTS),
            Roots::AwsOnly => None,
            #[cfg(feature = "test-support")]
            Roots::MozillaStandIn(pem) => Some(pem),
        }
    }
}

fn trust_store(bundles: Vec<Vec<u8>>) -> TrustStore {
    bundles
        .into_iter()
        .fold(TrustStore::empty(), TrustStore::with_pem_certificate)
}

impl ExtraCas {
    fn read(path: &str) -> Result<Self, ConfigError> {
        let pem = std::fs::read(path)
            .map_err(|error| extra_ca_error(path, format!("cannot be read: {error}")))?;
        Self::check(path.to_owned(), pem)
    }

    /// Loads the bundle as the SDK's client will (which panics on a bad one), to refuse it here.
    fn check(path: String, pem: Vec<u8>) -> Result<Self, ConfigError> {
        let certificates: Vec<_> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .map_err(|error| extra_ca_error(&path, format!("is not PEM: {error}")))?;
        if certificates.is_empty() {
            return Err(extra_ca_error(&path, "holds no PEM certificate".into()));
        }
        let mut store = RootCertStore::empty();
        for (index, certificate) in certificates.iter().enumerate() {
            store.add(certificate.clone()).map_err(|error| {
                extra_ca_error(&path, format!("certificate {}: {error}", index + 1))
            })?;
        }
        Ok(Self {
            path,
            pem,
            count: certificates.len(),
        })
    }
}

fn extra_ca_error(path: &str, reason: String) -> ConfigError {
    ConfigError::ExtraCaFile {
        path: path.to_owned(),
        reason,
    }
}

/// The HTTPS client every AWS client of a process shares: the SDK's own (hyper, rustls on
/// aws-lc, proxy settings from the environment) with the trust of `settings`.
///
/// The roots are loaded when the first connector is built, on the first request, and once:
/// the SDK also builds a connector while constructing each client, only to warm the OS
/// certificate cache, and drops it; with our roots in the binary that would load them again, at
/// init, for nothing (bench/notes.md, "Trust store, per mode"), so that call gets a plain one.
///
/// Mozilla's roots (the default) are used as AWS's five first, widened to Mozilla's whole set
/// when a server's issuer is unknown to the five (`widening.rs`).
pub fn https_client(settings: &TlsSettings) -> SharedHttpClient {
    let aws_first = settings.bundles_with(AWS_ROOT_CAS);
    match settings.wide_roots() {
        None => client_trusting(aws_first),
        Some(wide) => SharedHttpClient::new(widening::WideningTrust::new(
            client_trusting(aws_first),
            client_trusting(settings.bundles_with(wide)),
        )),
    }
}

/// The SDK's HTTPS client trusting `bundles` (PEM).
fn client_trusting(bundles: Vec<Vec<u8>>) -> SharedHttpClient {
    Builder::new().build_with_connector_fn(move |connector_settings, runtime_components| {
        let (None, None) = (connector_settings, runtime_components) else {
            return tls_connector(bundles.clone(), connector_settings, runtime_components);
        };
        ConnectorBuilder::default().build_http()
    })
}

fn tls_connector(
    bundles: Vec<Vec<u8>>,
    connector_settings: Option<&HttpConnectorSettings>,
    runtime_components: Option<&RuntimeComponents>,
) -> Connector {
    let trust = TlsContext::builder()
        .with_trust_store(trust_store(bundles))
        .build()
        .expect("a TLS context of checked PEM certificates builds");
    let mut connector = ConnectorBuilder::default()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(trust);
    connector.set_connector_settings(connector_settings.cloned());
    if let Some(components) = runtime_components {
        connector.set_sleep_impl(components.sleep_impl());
    }
    connector.set_proxy_config(Some(ProxyConfig::from_env()));
    connector.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<TlsSettings, ConfigError> {
        let map: HashMap<_, _> = pairs.iter().copied().collect();
        TlsSettings::from_lookup(&|name| map.get(name).map(|v| v.to_string()))
    }

    /// Whether a DER certificate names `name` (a subject's common name is stored verbatim).
    fn names(der: &[u8], name: &str) -> bool {
        der.windows(name.len()).any(|w| w == name.as_bytes())
    }

    const AWS_ROOTS: [&str; 5] = [
        "Amazon Root CA 1",
        "Amazon Root CA 2",
        "Amazon Root CA 3",
        "Amazon Root CA 4",
        "Starfield Services Root Certificate Authority - G2",
    ];

    fn a_ca_certificate_pem() -> Vec<u8> {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem().into_bytes()
    }

    #[test]
    fn the_default_trusts_mozillas_root_program() {
        let default = settings(&[]).unwrap();
        assert_eq!(default.roots, Roots::Mozilla);
        let roots = default.root_certificates();
        // Mozilla's program holds well over a hundred server-auth roots (118 in webpki-root-certs
        // 1.0.11); a few would mean some other set.
        assert!(roots.len() > 100, "{} roots", roots.len());
        assert_eq!(roots, webpki_root_certs::TLS_SERVER_ROOT_CERTS);
        for name in ["ISRG Root X1", "DigiCert Global Root G2"]
            .iter()
            .chain(&AWS_ROOTS)
        {
            assert!(roots.iter().any(|der| names(der, name)), "{name} missing");
        }
    }

    #[test]
    fn the_aws_pin_is_the_five_aws_roots_and_no_other() {
        let pinned = settings(&[("TLS_TRUST", "aws-roots")]).unwrap();
        let roots = pinned.root_certificates();
        assert_eq!(roots.len(), AWS_ROOTS.len());
        for (der, name) in roots.iter().zip(AWS_ROOTS) {
            assert!(names(der, name), "{name} missing");
        }
        assert!(!roots.iter().any(|der| names(der, "ISRG Root X1")));
    }

    #[test]
    fn an_extra_bundle_adds_to_either_root_set() {
        let pem = a_ca_certificate_pem();
        for roots in [Roots::Mozilla, Roots::AwsOnly] {
            let mut settings = TlsSettings {
                roots,
                extra_cas: None,
            };
            let before = settings.root_certificates().len();
            settings.extra_cas = Some(ExtraCas::check("test CA".into(), pem.clone()).unwrap());
            let after = settings.root_certificates();
            assert_eq!(after.len(), before + 1, "{roots:?}");
            assert_eq!(after.last().unwrap().to_vec(), {
                let der = CertificateDer::from_pem_slice(&pem).unwrap();
                der.to_vec()
            });
        }
    }

    #[test]
    fn a_bad_trust_setting_stops_init_naming_it() {
        assert_eq!(
            settings(&[("TLS_TRUST", "aws-roots")]).unwrap().roots,
            Roots::AwsOnly
        );
        assert_eq!(
            settings(&[("TLS_TRUST", "mozilla-roots")]).unwrap().roots,
            Roots::Mozilla
        );
        let error = settings(&[("TLS_TRUST", "system")]).unwrap_err();
        assert_eq!(error, ConfigError::UnknownTrust("system".into()));
        assert!(error.to_string().contains("TLS_TRUST"), "{error}");
    }

    #[test]
    fn a_bad_extra_ca_file_stops_init_naming_it_and_why() {
        let dir = std::env::temp_dir().join(format!("tls-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = |name: &str, contents: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, contents).unwrap();
            path.to_str().unwrap().to_owned()
        };
        let garbage_der = "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";
        let cases = [
            (
                dir.join("absent.pem").to_str().unwrap().to_owned(),
                "cannot be read",
            ),
            (
                file("empty.pem", b"no certificate here\n"),
                "holds no PEM certificate",
            ),
            (file("broken.pem", garbage_der.as_bytes()), "certificate 1"),
        ];
        for (path, why) in cases {
            let error = settings(&[("TLS_EXTRA_CA_FILE", path.as_str())]).unwrap_err();
            let message = error.to_string();
            assert!(message.starts_with("TLS_EXTRA_CA_FILE "), "{message}");
            assert!(
                message.contains(&path) && message.contains(why),
                "{message}"
            );
        }
        let good = file("good.pem", &a_ca_certificate_pem());
        let settings = settings(&[("TLS_EXTRA_CA_FILE", good.as_str())]).unwrap();
        assert!(format!("{settings:?}").contains("(1 certificates)"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
