//! Keys where they live (moto's Secrets Manager, the test's table), read, rotated and revoked
//! through the same `KeyHome` the `keys` tool uses, seen by apps built as in Lambda.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use shared::auth::{AccessKey, KeyDocument};
use shared::config::Config;
use shared::test_support::{CapturedLogs, Fault, FaultProxy, Relay, TestApp, test_config};
use shared::{App, ExposeSecret};

/// Keys re-read after 1 s instead of 5 minutes, so a rotation shows within the test.
fn quick(mut config: Config) -> Config {
    config.key_cache.max_age = Duration::from_secs(1);
    config
}

async fn past_the_cache() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

#[tokio::test]
async fn rotation_signs_no_one_out_and_revocation_ends_the_old_keys_tokens() {
    let test = TestApp::spawn().await;
    let (logs, _guard) = CapturedLogs::start();
    let ada = test.user("Ada", "ada@example.com").await;
    let app = App::build_signing(quick(test.handler_config())).await;
    let old = test.session(&ada).await;
    assert_eq!(kid_of(&old.access_token), test.keys.access.current.kid);

    let rotated = test.key_home.rotate().await.unwrap();
    past_the_cache().await;
    assert!(app.tokens.verify_access(&old.access_token).await.is_ok());
    assert!(app.tokens.verify_refresh(&old.refresh_token).await.is_ok());
    let access = app.tokens.issue_access(&ada).await.unwrap().token;
    let (refresh, _) = app.tokens.issue_refresh("u", "f", 1).await.unwrap();
    assert_eq!(kid_of(access.expose_secret()), rotated.access.current.kid);
    assert_eq!(
        kid_of(refresh.token.expose_secret()),
        rotated.refresh.current.kid
    );
    assert_ne!(rotated.access.current.kid, test.keys.access.current.kid);

    test.key_home.revoke_previous().await.unwrap();
    past_the_cache().await;
    assert!(app.tokens.verify_access(&old.access_token).await.is_err());
    assert!(app.tokens.verify_refresh(&old.refresh_token).await.is_err());
    assert!(
        app.tokens
            .verify_access(access.expose_secret())
            .await
            .is_ok()
    );

    // Everything logged meanwhile, at trace, the SDK's lines included: no key's bytes.
    let logged = logs.text();
    for document in [
        test.keys.access.to_document(),
        rotated.access.to_document(),
        rotated.refresh.to_document(),
    ] {
        let json: serde_json::Value = serde_json::from_str(document.expose_secret()).unwrap();
        for key in [&json["current"], &json["previous"]] {
            for field in ["privateKey", "key"] {
                if let Some(bytes) = key[field].as_str() {
                    assert!(!logged.contains(bytes), "a key was logged");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_verifying_function_reads_the_keys_lazily_and_a_flood_of_unknown_kids_once() {
    let test = TestApp::spawn().await;
    let ada = test.user("Ada", "ada@example.com").await;
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = reads.clone();
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap();
    let relay = Relay::start(&endpoint, move |request| {
        let get_item = request
            .header("x-amz-target")
            .is_some_and(|t| t.ends_with(".GetItem"));
        if get_item && String::from_utf8_lossy(&request.body).contains("VERIFICATION") {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    })
    .await;
    let mut config = test_config(&test.table, Some(relay.endpoint()));
    config.key_cache.unknown_kid_reread = Duration::from_millis(500);
    let app = App::build(config).await;
    assert_eq!(reads.load(Ordering::SeqCst), 0, "nothing is read at init");

    assert!(app.tokens.verify_access(&test.token(&ada)).await.is_ok());
    assert_eq!(reads.load(Ordering::SeqCst), 1);

    let forged: Vec<String> = (0..100)
        .map(|_| {
            test.app
                .tokens
                .access_token_signed_with(&AccessKey::generate(), &ada)
        })
        .collect();
    for token in &forged {
        assert!(app.tokens.verify_access(token).await.is_err());
    }
    assert_eq!(
        reads.load(Ordering::SeqCst),
        2,
        "one early read for the flood"
    );

    tokio::time::sleep(Duration::from_millis(600)).await;
    for token in &forged {
        assert!(app.tokens.verify_access(token).await.is_err());
    }
    assert_eq!(reads.load(Ordering::SeqCst), 3, "and one more per interval");
}

/// `keys init` as `make dev` runs it on every start: idempotent; a fresh secret store (moto
/// keeps nothing between runs) replaces the table's stale public keys; lost table keys are
/// rebuilt from the secrets; one secret without the other is refused.
#[tokio::test]
async fn init_keeps_keys_in_place_and_mends_only_what_can_be_mended() {
    let test = TestApp::spawn().await;
    let home = &test.key_home;
    let again = home.init().await.unwrap();
    assert_eq!(again.access.current.kid, test.keys.access.current.kid);

    // A new secret store, the old table: new keys, and the table's public keys follow them.
    let fresh = shared::auth::KeyHome {
        access_secret_id: format!("{}/fresh-access", test.table),
        refresh_secret_id: format!("{}/fresh-refresh", test.table),
        ..home.clone()
    };
    let made = fresh.init().await.unwrap();
    assert_ne!(made.access.current.kid, test.keys.access.current.kid);
    let published = test.direct.store.read_verification_keys().await.unwrap();
    assert_eq!(published.access.current.kid, made.access.current.kid);

    // The table item lost, the secrets kept: the item is written again from the secrets, so
    // tokens signed before still verify.
    test.direct
        .store
        .client()
        .delete_item()
        .table_name(&test.table)
        .set_key(Some(
            shared::store::keys::verification_keys().to_attributes(),
        ))
        .send()
        .await
        .unwrap();
    let mended = fresh.init().await.unwrap();
    assert_eq!(mended.access.current.kid, made.access.current.kid);
    let published = test.direct.store.read_verification_keys().await.unwrap();
    assert_eq!(published.access.current.kid, made.access.current.kid);

    // One secret of the pair: refused, nothing overwritten.
    let half = shared::auth::KeyHome {
        refresh_secret_id: format!("{}/missing-refresh", test.table),
        ..fresh.clone()
    };
    assert!(half.init().await.is_err());
    assert_eq!(
        fresh.read().await.unwrap().access.current.kid,
        made.access.current.kid
    );
}

/// A signing function's init does not wait for the secret store: built while the store hangs,
/// it is ready at once, and its first signature waits for the keys instead; once the store
/// answers again, that signature completes with them.
#[tokio::test]
async fn init_does_not_wait_for_the_secret_store() {
    let test = TestApp::spawn().await;
    let ada = test.user("Ada", "ada@example.com").await;
    let secrets = FaultProxy::start(&shared::test_support::secrets_endpoint()).await;
    secrets.set(Fault::Hang);
    let mut config = test.handler_config();
    config.secrets_manager_endpoint = Some(secrets.endpoint().to_owned());

    let app = tokio::time::timeout(Duration::from_secs(2), App::build_signing(config))
        .await
        .expect("init returns while the secret store hangs");
    let signing = tokio::time::timeout(Duration::from_millis(300), app.tokens.issue_access(&ada));
    assert!(signing.await.is_err(), "no keys yet: the signature waits");

    secrets.set(Fault::None);
    let token = tokio::time::timeout(Duration::from_secs(10), app.tokens.issue_access(&ada))
        .await
        .expect("the keys arrive once the store answers")
        .unwrap()
        .token;
    assert_eq!(kid_of(token.expose_secret()), test.keys.access.current.kid);
}

/// A function that only verifies holds nothing that signs, whatever its environment says: given
/// the signing functions' secret ids, it opens no connection to the secret store and refuses to
/// issue a token, while it still verifies them. The same settings, signing: the read starts.
#[tokio::test]
async fn a_verifying_function_reads_no_secret_and_signs_nothing() {
    let test = TestApp::spawn().await;
    let ada = test.user("Ada", "ada@example.com").await;
    let secret_store = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = test.handler_config();
    assert!(config.access_key_secret_id.is_some() && config.refresh_key_secret_id.is_some());
    config.secrets_manager_endpoint =
        Some(format!("http://{}", secret_store.local_addr().unwrap()));

    let verifying = App::build(config.clone()).await;
    assert!(verifying.tokens.issue_access(&ada).await.is_err());
    assert!(
        verifying
            .tokens
            .verify_access(&test.token(&ada))
            .await
            .is_ok()
    );
    let connection = tokio::time::timeout(Duration::from_millis(500), secret_store.accept()).await;
    assert!(
        connection.is_err(),
        "a verifying function reached the secret store"
    );

    let _signing = App::build_signing(config).await;
    let connection = tokio::time::timeout(Duration::from_secs(5), secret_store.accept()).await;
    assert!(
        connection.is_ok(),
        "a signing function reads its keys from the start"
    );
}
