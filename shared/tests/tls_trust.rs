//! The AWS clients' TLS trust, end to end: a DynamoDB client built by `dynamodb_client` calls a
//! local HTTPS server whose chain is signed by a private CA made for this run.
//!
//! A public chain cannot be made here (nobody has a Mozilla root's private key); that the default
//! trust holds Mozilla's roots is tested beside the code (`shared/src/tls/mod.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use shared::store::dynamodb_client;
use shared::tls::{Roots, TlsSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

/// A private CA, and a server certificate for `localhost` it signed.
struct PrivateCa {
    ca_pem: Vec<u8>,
    server: rustls::ServerConfig,
}

impl PrivateCa {
    fn new() -> Self {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Test private CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();

        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = leaf.signed_by(&leaf_key, &ca).unwrap();

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone(), ca.der().clone()],
                PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
            )
            .unwrap();
        Self {
            ca_pem: ca.pem().into_bytes(),
            server,
        }
    }
}

/// An HTTPS server on a free port that answers every request as DynamoDB answers a `GetItem` of
/// a missing item; it counts the requests it answered (a refused handshake never reaches one).
struct FakeDynamoDb {
    url: String,
    answered: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
}

impl FakeDynamoDb {
    async fn start(ca: &PrivateCa) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "https://localhost:{}",
            listener.local_addr().unwrap().port()
        );
        let acceptor = TlsAcceptor::from(Arc::new(ca.server.clone()));
        let answered = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let (counter, connected) = (answered.clone(), connections.clone());
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                connected.fetch_add(1, Ordering::SeqCst);
                let (acceptor, counter) = (acceptor.clone(), counter.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    if !read_request(&mut tls).await {
                        return;
                    }
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
                        x-amzn-requestid: tls-test\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
                    if tls.write_all(answer.as_bytes()).await.is_ok() {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = tls.shutdown().await;
                });
            }
        });
        Self {
            url,
            answered,
            connections,
        }
    }

    /// A `GetItem` through the client `dynamodb_client` builds with `tls`; `Err` holds the whole
    /// error chain.
    async fn get_item(&self, tls: &TlsSettings) -> Result<(), String> {
        get_item_with(&dynamodb_client(Some(&self.url), tls).await).await
    }
}

async fn get_item_with(client: &aws_sdk_dynamodb::Client) -> Result<(), String> {
    {
        client
            .get_item()
            .table_name("app")
            .key("pk", AttributeValue::S("USER#1".into()))
            .send()
            .await
            .map(|_| ())
            .map_err(|error| format!("{:?}", aws_sdk_dynamodb::error::DisplayErrorContext(error)))
    }
}

/// Reads one HTTP/1.1 request: headers, then the body its `content-length` announces.
async fn read_request(stream: &mut (impl AsyncReadExt + Unpin)) -> bool {
    let mut request = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = headers
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse().unwrap());
            if request.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
}

fn settings(pairs: &[(&str, &str)]) -> TlsSettings {
    TlsSettings::from_lookup(&|name| {
        pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    })
    .unwrap()
}

/// The CA's PEM in a file of its own, as `TLS_EXTRA_CA_FILE` names one.
fn ca_file(ca: &PrivateCa, test: &str) -> String {
    let path = std::env::temp_dir().join(format!("tls-trust-{}-{test}.pem", std::process::id()));
    std::fs::write(&path, &ca.ca_pem).unwrap();
    path.to_str().unwrap().to_owned()
}

fn assert_refused_as_unknown_issuer(outcome: Result<(), String>, server: &FakeDynamoDb) {
    let error = outcome.expect_err("the handshake is refused");
    assert!(error.contains("UnknownIssuer"), "{error}");
    assert_eq!(server.answered.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn without_the_setting_a_private_ca_is_refused() {
    let ca = PrivateCa::new();
    let server = FakeDynamoDb::start(&ca).await;
    assert_refused_as_unknown_issuer(server.get_item(&settings(&[])).await, &server);
}

#[tokio::test]
async fn a_private_ca_given_by_setting_is_trusted() {
    let ca = PrivateCa::new();
    let server = FakeDynamoDb::start(&ca).await;
    let file = ca_file(&ca, "default");
    let tls = settings(&[("TLS_EXTRA_CA_FILE", file.as_str())]);
    server
        .get_item(&tls)
        .await
        .expect("the private CA is trusted");
    assert_eq!(server.answered.load(Ordering::SeqCst), 1);
    std::fs::remove_file(file).unwrap();
}

#[tokio::test]
async fn the_aws_pin_refuses_a_non_aws_chain_and_still_takes_an_extra_ca() {
    let ca = PrivateCa::new();
    let server = FakeDynamoDb::start(&ca).await;
    let pinned = settings(&[("TLS_TRUST", "aws-roots")]);
    assert_refused_as_unknown_issuer(server.get_item(&pinned).await, &server);

    let file = ca_file(&ca, "pinned");
    let pinned_with_ca = settings(&[
        ("TLS_TRUST", "aws-roots"),
        ("TLS_EXTRA_CA_FILE", file.as_str()),
    ]);
    server
        .get_item(&pinned_with_ca)
        .await
        .expect("the extra CA is trusted beside the pin");
    assert_eq!(server.answered.load(Ordering::SeqCst), 1);
    std::fs::remove_file(file).unwrap();
}

/// The default trust tries AWS's five roots first and widens to Mozilla's set (here a stand-in
/// holding the private CA: nobody can sign with a Mozilla root) when a chain is unknown to
/// them: one refused handshake, then the call succeeds, and the client's later calls go
/// straight to the wider set.
#[tokio::test]
async fn a_chain_unknown_to_the_aws_roots_widens_the_trust_once() {
    let ca = PrivateCa::new();
    let server = FakeDynamoDb::start(&ca).await;
    let mut tls = settings(&[]);
    tls.roots = Roots::MozillaStandIn(Box::leak(ca.ca_pem.clone().into_boxed_slice()));
    let client = dynamodb_client(Some(&server.url), &tls).await;

    get_item_with(&client).await.expect("trusted once widened");
    assert_eq!(server.answered.load(Ordering::SeqCst), 1);
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        2,
        "one handshake refused by AWS's roots, one accepted by the wider set"
    );

    get_item_with(&client).await.expect("still trusted");
    assert_eq!(server.answered.load(Ordering::SeqCst), 2);
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        3,
        "no second refusal"
    );
}
