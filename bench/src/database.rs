//! DynamoDB Local: where it is, and its own latency for the calls get-user (GetItem) and
//! create-user (the sign-up transaction) make, as a new client and as a warm one.

use std::time::{Duration, Instant};

use shared::domain::{Email, User, UserName, UserRecord};
use shared::store::Store;
use shared::test_support::TestApp;

/// DynamoDB Local's URL, for the functions' and the harness's own clients.
pub fn endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT is set (bench/run.sh does)")
}

/// DynamoDB Local's socket address, for the relay.
pub fn address() -> std::net::SocketAddr {
    address_of(&endpoint())
}

/// The socket address of an `http://host:port` endpoint.
pub fn address_of(endpoint: &str) -> std::net::SocketAddr {
    let authority = endpoint.trim_start_matches("http://").trim_end_matches('/');
    std::net::ToSocketAddrs::to_socket_addrs(authority)
        .ok()
        .and_then(|mut addresses| addresses.next())
        .unwrap_or_else(|| panic!("endpoint {endpoint} is not http://host:port"))
}

/// DynamoDB Local's own latency for the calls get-user (GetItem) and create-user (the sign-up
/// TransactWriteItems) make, through the same SDK client settings as the functions.
pub struct DatabaseLatency {
    /// A new client's first GetItem (new connection; the SDK's lazy set-up included).
    pub first_get: Vec<Duration>,
    /// A new client's first sign-up transaction.
    pub first_sign_up: Vec<Duration>,
    pub get: Vec<Duration>,
    pub sign_up: Vec<Duration>,
}

pub async fn latency(app: &TestApp, ada: &User, firsts: usize, samples: usize) -> DatabaseLatency {
    let fresh_store = || async {
        Store::new(
            shared::store::dynamodb_client(Some(&endpoint()), &Default::default()).await,
            app.table.clone(),
        )
    };
    let record = || {
        UserRecord::new(
            UserName::parse("Bench").expect("valid"),
            Email::parse(&format!(
                "db-{}@example.com",
                shared::domain::FamilyId::new()
            ))
            .expect("valid"),
            app.app.passwords.dummy_hash(),
        )
    };
    let mut latency = DatabaseLatency {
        first_get: Vec::new(),
        first_sign_up: Vec::new(),
        get: Vec::new(),
        sign_up: Vec::new(),
    };
    for _ in 0..firsts {
        let store = fresh_store().await;
        let started = Instant::now();
        store.find_user(&ada.id).await.expect("GetItem works");
        latency.first_get.push(started.elapsed());
        let store = fresh_store().await;
        let record = record();
        let started = Instant::now();
        store.create_user(&record).await.expect("sign-up works");
        latency.first_sign_up.push(started.elapsed());
    }
    let store = fresh_store().await;
    store.find_user(&ada.id).await.expect("GetItem works");
    for _ in 0..samples {
        let started = Instant::now();
        store.find_user(&ada.id).await.expect("GetItem works");
        latency.get.push(started.elapsed());
    }
    for _ in 0..samples.min(300) {
        let record = record();
        let started = Instant::now();
        store.create_user(&record).await.expect("sign-up works");
        latency.sign_up.push(started.elapsed());
    }
    latency
}
