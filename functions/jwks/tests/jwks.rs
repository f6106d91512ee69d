//! `GET /.well-known/jwks.json` against DynamoDB Local and the local secret store.

use std::time::Duration;

use jsonwebtoken::{DecodingKey, Validation, jwk::JwkSet};
use shared::App;
use shared::http::serve;
use shared::test_support::{ApiEvent, TEST_AUDIENCE, TEST_ISSUER, TestApp, TestResponse};

async fn key_set(app: &App) -> TestResponse {
    let event = ApiEvent::new("GET /.well-known/jwks.json", "/.well-known/jwks.json");
    serve(event.build(), |req| jwks::handle(app, req))
        .await
        .into()
}

fn kids(response: &TestResponse) -> Vec<String> {
    response.body["keys"]
        .as_array()
        .expect("a JWK Set has keys")
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_plain_key_set_that_verifies_the_apis_access_tokens() {
    let test = TestApp::spawn().await;
    let ada = test.user("Ada", "ada@example.com").await;
    let response = key_set(&test.app).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=300")
    );
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert!(response.body.get("status").is_none(), "no envelope");
    assert_eq!(kids(&response), vec![test.keys.access.current.kid.clone()]);

    // What a standard JWT library does with it: pick the key by kid, verify EdDSA.
    let set: JwkSet = serde_json::from_value(response.body.clone()).unwrap();
    let token = test.token(&ada);
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    let jwk = set.find(&kid).expect("the token's kid is published");
    let mut validation = Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&[TEST_ISSUER]);
    validation.set_audience(&[TEST_AUDIENCE]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(
        &token,
        &DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .expect("the published key verifies the token");
    assert_eq!(claims.claims["sub"], ada.id.to_string());
    for key in response.body["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none(), "no private material");
    }
}

#[tokio::test]
async fn lists_the_previous_key_after_a_rotation_until_it_is_revoked() {
    let test = TestApp::spawn().await;
    let mut config = test.handler_config();
    config.key_cache.max_age = Duration::from_secs(1);
    let app = App::build(config).await;
    let before = test.keys.access.current.kid.clone();
    assert_eq!(kids(&key_set(&app).await), vec![before.clone()]);

    let rotated = test.key_home.rotate().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        kids(&key_set(&app).await),
        [rotated.access.current.kid.clone(), before]
    );

    test.key_home.revoke_previous().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(kids(&key_set(&app).await), [rotated.access.current.kid]);
}
