//! `POST /users` against DynamoDB Local, through real API Gateway v2 events.

use create_user::handle;
use futures::future::join_all;
use serde_json::{Value, json};
use shared::ExposeSecret;
use shared::domain::{Email, UserId};
use shared::http::serve;
use shared::test_support::{ApiEvent, CapturedLogs, TestApp, TestResponse};

const ROUTE: &str = "POST /users";

async fn post(app: &TestApp, event: ApiEvent) -> TestResponse {
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

async fn sign_up(app: &TestApp, body: Value) -> TestResponse {
    post(app, ApiEvent::new(ROUTE, "/users").json(&body)).await
}

fn ada() -> Value {
    json!({"name": "Ada Lovelace", "email": "Ada@Example.com", "password": "analytical engine"})
}

#[tokio::test]
async fn creates_a_user_with_201_location_and_no_secret() {
    let app = TestApp::spawn().await;
    let response = sign_up(&app, ada()).await;

    assert_eq!(response.status, 201, "{:?}", response.body);
    assert_eq!(response.body["status"], "success");
    let user = &response.body["data"];
    let id = user["id"].as_str().unwrap();
    assert_eq!(
        response.header("location"),
        Some(format!("/users/{id}").as_str())
    );
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["email"], "Ada@Example.com");
    assert_eq!(user["roles"], json!(["user"]));
    assert_eq!(user["createdAt"], user["updatedAt"]);
    let mut keys: Vec<_> = user.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["createdAt", "email", "id", "name", "roles", "updatedAt"]
    );
    for header in [
        "x-request-id",
        "cache-control",
        "x-content-type-options",
        "strict-transport-security",
    ] {
        assert!(response.header(header).is_some(), "missing {header}");
    }
    assert_eq!(response.header("content-type"), Some("application/json"));

    let stored = app
        .direct
        .store
        .find_user(&UserId::parse(id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored
            .password_hash
            .expose_secret()
            .starts_with("$argon2id$")
    );
    assert!(!response.body.to_string().contains("argon2"));
}

#[tokio::test]
async fn the_same_email_in_another_case_is_taken() {
    let app = TestApp::spawn().await;
    assert_eq!(sign_up(&app, ada()).await.status, 201);
    let again = sign_up(
        &app,
        json!({"name": "Someone Else", "email": "ada@EXAMPLE.com", "password": "another password"}),
    )
    .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.code(), "EMAIL_TAKEN");
    assert_eq!(
        again.body["requestId"],
        again.header("x-request-id").unwrap()
    );
}

#[tokio::test]
async fn twenty_concurrent_sign_ups_with_one_email_yield_exactly_one_user() {
    let app = TestApp::spawn().await;
    let spellings = [
        "race@example.com",
        "RACE@example.com",
        "Race@Example.Com",
        "race@EXAMPLE.COM",
    ];
    let attempts = (0..20).map(|i| {
        let body = json!({"name": format!("Racer {i}"), "email": spellings[i % 4], "password": "same password"});
        sign_up(&app, body)
    });
    let responses = join_all(attempts).await;

    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        responses
            .iter()
            .filter(|r| r.status != 201)
            .all(|r| r.code() == "EMAIL_TAKEN"),
        "{statuses:?}"
    );

    // The table holds exactly one user and one email claim.
    let items = app
        .direct
        .store
        .client()
        .scan()
        .table_name(&app.table)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let count = |kind: &str| {
        items
            .iter()
            .filter(|i| i["type"].as_s().unwrap() == kind)
            .count()
    };
    assert_eq!(count("user"), 1);
    assert_eq!(count("emailClaim"), 1);
    let claim = items
        .iter()
        .find(|i| i["type"].as_s().unwrap() == "emailClaim")
        .unwrap();
    let winner = responses.iter().find(|r| r.status == 201).unwrap();
    assert_eq!(
        claim["userId"].as_s().unwrap(),
        winner.body["data"]["id"].as_str().unwrap()
    );
    assert_eq!(
        claim["pk"].as_s().unwrap(),
        &format!(
            "EMAIL#{}",
            Email::parse("race@example.com").unwrap().normalized()
        )
    );
}

#[tokio::test]
async fn lists_every_invalid_missing_and_unknown_field() {
    let app = TestApp::spawn().await;
    let response = sign_up(
        &app,
        json!({"name": "  ", "email": "not-an-email", "roles": ["admin"], "id": "mine"}),
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.code(), "VALIDATION_FAILED");
    assert_eq!(
        response.error_fields(),
        ["email", "id", "name", "password", "roles"]
    );
    let messages: Vec<&str> = response.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages.contains(&"is required"), "{messages:?}");
    assert!(messages.contains(&"is not a known field"), "{messages:?}");
}

#[tokio::test]
async fn field_rules_of_the_contract() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"name": "x".repeat(101), "email": "a@b.co", "password": "12345678"}),
            "name",
        ),
        (
            json!({"name": "Tab\tName", "email": "a@b.co", "password": "12345678"}),
            "name",
        ),
        (
            json!({"name": "Ok", "email": format!("{}@example.com", "a".repeat(250)), "password": "12345678"}),
            "email",
        ),
        (
            json!({"name": "Ok", "email": "a@b.co", "password": "1234567"}),
            "password",
        ),
        (
            json!({"name": "Ok", "email": "a@b.co", "password": "x".repeat(129)}),
            "password",
        ),
        (
            json!({"name": "Ok", "email": "a@b.co", "password": 12345678}),
            "password",
        ),
        (
            json!({"name": 42, "email": "a@b.co", "password": "12345678"}),
            "name",
        ),
    ];
    for (body, field) in cases {
        let response = sign_up(&app, body.clone()).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.error_fields(), [field], "{body}");
    }
    // The bounds themselves are accepted.
    let edge =
        json!({"name": "é".repeat(100), "email": "edge@example.com", "password": "x".repeat(128)});
    assert_eq!(sign_up(&app, edge).await.status, 201);
}

#[tokio::test]
async fn malformed_json_wrong_media_type_and_oversized_bodies() {
    let app = TestApp::spawn().await;
    for body in ["{\"name\":", "[1,2]", "\"text\"", ""] {
        let response = post(
            &app,
            ApiEvent::new(ROUTE, "/users").raw_body("application/json", body),
        )
        .await;
        assert_eq!(
            (response.status, response.code()),
            (400, "MALFORMED_JSON"),
            "{body:?}"
        );
    }
    let form = post(
        &app,
        ApiEvent::new(ROUTE, "/users").raw_body("application/x-www-form-urlencoded", "name=a"),
    )
    .await;
    assert_eq!((form.status, form.code()), (415, "UNSUPPORTED_MEDIA_TYPE"));

    let huge =
        json!({"name": "Big", "email": "big@example.com", "password": "x".repeat(70 * 1024)});
    let response = sign_up(&app, huge).await;
    assert_eq!(
        (response.status, response.code()),
        (413, "PAYLOAD_TOO_LARGE")
    );
}

#[tokio::test]
async fn accepts_a_base64_encoded_body_from_api_gateway() {
    let app = TestApp::spawn().await;
    let body = ada().to_string();
    let response = post(
        &app,
        ApiEvent::new(ROUTE, "/users")
            .base64_body("application/json; charset=utf-8", body.as_bytes()),
    )
    .await;
    assert_eq!(response.status, 201, "{:?}", response.body);
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_malformed_json() {
    // Found by Schemathesis: API Gateway base64-encodes such a body; it must be a 400.
    let app = TestApp::spawn().await;
    for bytes in [&b"\xff"[..], b"\xff`\xfe", b"{\"name\": \"\xc3\"}"] {
        let event = ApiEvent::new(ROUTE, "/users").base64_body("application/json", bytes);
        let response = post(&app, event).await;
        assert_eq!(
            (response.status, response.code()),
            (400, "MALFORMED_JSON"),
            "{bytes:?}"
        );
    }
}

#[tokio::test]
async fn dynamodb_unreachable_is_503_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    // The same app wired to a port where nothing listens.
    let dead = shared::App::build(shared::test_support::test_config(
        &app.table,
        Some("http://127.0.0.1:9"),
    ))
    .await;
    let response: TestResponse =
        serve(ApiEvent::new(ROUTE, "/users").json(&ada()).build(), |req| {
            handle(&dead, req)
        })
        .await
        .into();
    assert_eq!(response.status, 503);
    assert_eq!(response.code(), "SERVICE_UNAVAILABLE");
    assert!(response.header("retry-after").is_some());
    assert!(
        !response.body.to_string().contains("127.0.0.1"),
        "no internals: {}",
        response.body
    );
    // The real table is untouched: the same email still signs up.
    assert_eq!(sign_up(&app, ada()).await.status, 201);
}

#[tokio::test]
async fn no_password_or_hash_reaches_any_log_line_even_at_trace_level() {
    let app = TestApp::spawn().await;
    let (logs, _guard) = CapturedLogs::start();
    let response = sign_up(&app, ada()).await;
    assert_eq!(response.status, 201);
    let failed = sign_up(&app, ada()).await;
    assert_eq!(failed.status, 409);

    let id = UserId::parse(response.body["data"]["id"].as_str().unwrap()).unwrap();
    let hash = app
        .direct
        .store
        .find_user(&id)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    let text = logs.text();
    assert!(
        text.contains("POST /users") && text.contains("cold_start"),
        "logs were captured: {text}"
    );
    assert!(!text.contains("analytical engine"), "password logged");
    let salt_and_hash = hash.expose_secret().rsplit('$').next().unwrap();
    assert!(!text.contains(salt_and_hash), "hash logged");
}
