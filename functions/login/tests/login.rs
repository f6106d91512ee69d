//! `POST /auth/login` against DynamoDB Local, through real API Gateway v2 events.

use login::handle;
use serde_json::json;
use shared::domain::{Email, Password, PasswordHash, UserName, UserRecord};
use shared::http::serve;
use shared::test_support::{ApiEvent, TEST_PASSWORD, TestApp, TestResponse};
use shared::{App, ExposeSecret};

const ROUTE: &str = "POST /auth/login";

/// Login wired as its `main` wires it, on the test's table, its calls recorded like `app.app`'s.
async fn login_for(app: &TestApp) -> App {
    App::build_signing(app.handler_config()).await
}

async fn attempt(login: &App, email: &str, password: &str, ip: &str) -> TestResponse {
    let event = ApiEvent::new(ROUTE, "/auth/login")
        .source_ip(ip)
        .json(&json!({"email": email, "password": password}));
    serve(event.build(), |req| handle(login, req)).await.into()
}

#[tokio::test]
async fn right_credentials_give_tokens_and_the_user() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "Ada@Example.com").await;
    let login = login_for(&app).await;

    let response = attempt(&login, "ada@example.COM", TEST_PASSWORD, "198.51.100.1").await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    let data = &response.body["data"];
    assert_eq!(data["tokenType"], "Bearer");
    assert_eq!(data["expiresIn"], 900);
    assert_eq!(data["user"]["id"], ada.id.to_string());
    assert!(data["user"].get("passwordHash").is_none());
    let access = login
        .tokens
        .verify_access(data["accessToken"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(access.sub, ada.id.to_string());
    let refresh = login
        .tokens
        .verify_refresh(data["refreshToken"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(refresh.sub, ada.id.to_string());
    let mut keys: Vec<_> = data.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "accessToken",
            "expiresIn",
            "refreshToken",
            "tokenType",
            "user"
        ]
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_one_answer() {
    let app = TestApp::spawn().await;
    app.user("Ada", "ada@example.com").await;
    let login = login_for(&app).await;

    let wrong = attempt(
        &login,
        "ada@example.com",
        "not the password",
        "198.51.100.1",
    )
    .await;
    let unknown = attempt(&login, "nobody@example.com", TEST_PASSWORD, "198.51.100.2").await;
    for response in [&wrong, &unknown] {
        assert_eq!(response.status, 401);
        assert_eq!(response.code(), "INVALID_CREDENTIALS");
    }
    assert_eq!(wrong.body["message"], unknown.body["message"]);
}

#[tokio::test]
async fn invalid_bodies_are_validation_errors() {
    let app = TestApp::spawn().await;
    let login = login_for(&app).await;
    let cases = [
        (json!({"email": "ada@example.com"}), vec!["password"]),
        (
            json!({"email": "not-an-email", "password": "x"}),
            vec!["email"],
        ),
        (
            json!({"email": "ada@example.com", "password": ""}),
            vec!["password"],
        ),
        (
            json!({"email": "ada@example.com", "password": "x", "remember": true}),
            vec!["remember"],
        ),
    ];
    for (body, fields) in cases {
        let event = ApiEvent::new(ROUTE, "/auth/login").json(&body);
        let response: TestResponse = serve(event.build(), |req| handle(&login, req)).await.into();
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{body}"
        );
        assert_eq!(response.error_fields(), fields, "{body}");
    }
}

#[tokio::test]
async fn five_failures_lock_the_email_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    app.user("Ada", "ada@example.com").await;
    app.user("Bob", "bob@example.com").await;
    let login = login_for(&app).await;

    for _ in 0..5 {
        let response = attempt(&login, "ada@example.com", "wrong password", "198.51.100.1").await;
        assert_eq!(response.code(), "INVALID_CREDENTIALS");
    }
    // The count is per email whatever the address's letter case or the client's IP.
    let locked = attempt(&login, "ADA@example.com", TEST_PASSWORD, "203.0.113.99").await;
    assert_eq!((locked.status, locked.code()), (429, "RATE_LIMITED"));
    let retry_after: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");

    // Another email from another IP is not affected.
    let other = attempt(&login, "bob@example.com", TEST_PASSWORD, "192.0.2.10").await;
    assert_eq!(other.status, 200);
}

#[tokio::test]
async fn twenty_failures_lock_the_source_ip() {
    let app = TestApp::spawn().await;
    app.user("Ada", "ada@example.com").await;
    let login = login_for(&app).await;

    // Spread over many emails, so no single email reaches its own limit.
    for i in 0..20 {
        let response = attempt(
            &login,
            &format!("guess{}@example.com", i % 5),
            "wrong",
            "198.51.100.7",
        )
        .await;
        assert_eq!(response.status, 401, "attempt {i}");
    }
    let locked = attempt(&login, "ada@example.com", TEST_PASSWORD, "198.51.100.7").await;
    assert_eq!((locked.status, locked.code()), (429, "RATE_LIMITED"));
    let elsewhere = attempt(&login, "ada@example.com", TEST_PASSWORD, "198.51.100.8").await;
    assert_eq!(elsewhere.status, 200);
}

#[tokio::test]
async fn successes_do_not_count_as_failures() {
    let app = TestApp::spawn().await;
    app.user("Ada", "ada@example.com").await;
    let login = login_for(&app).await;
    for _ in 0..4 {
        attempt(&login, "ada@example.com", "wrong password", "198.51.100.1").await;
    }
    for _ in 0..3 {
        let response = attempt(&login, "ada@example.com", TEST_PASSWORD, "198.51.100.1").await;
        assert_eq!(response.status, 200);
    }
}

#[tokio::test]
async fn limits_and_window_are_settings() {
    let app = TestApp::spawn().await;
    app.user("Ada", "ada@example.com").await;
    let mut config = app.handler_config();
    config.login_limits.per_email = 2;
    let login = App::build_signing(config).await;
    for _ in 0..2 {
        attempt(&login, "ada@example.com", "wrong password", "198.51.100.1").await;
    }
    let locked = attempt(&login, "ada@example.com", TEST_PASSWORD, "198.51.100.1").await;
    assert_eq!(locked.status, 429);
}

#[tokio::test]
async fn a_weaker_hash_is_replaced_at_login() {
    use argon2::password_hash::{PasswordHasher as _, SaltString, rand_core::OsRng};
    let app = TestApp::spawn().await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8192, 1, 1, None).unwrap(),
    );
    let salt = SaltString::generate(&mut OsRng);
    let weak_hash = weak
        .hash_password(b"old but gold", &salt)
        .unwrap()
        .to_string();
    let record = UserRecord::new(
        UserName::parse("Old").unwrap(),
        Email::parse("old@example.com").unwrap(),
        PasswordHash::from_phc(weak_hash.clone()),
    );
    app.direct.store.create_user(&record).await.unwrap();
    let login = login_for(&app).await;

    let response = attempt(&login, "old@example.com", "old but gold", "198.51.100.1").await;
    assert_eq!(response.status, 200);
    let stored = app
        .direct
        .store
        .find_user(&record.user.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.password_hash.expose_secret(), weak_hash);
    assert!(
        stored
            .password_hash
            .expose_secret()
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
    assert!(
        app.app
            .passwords
            .verify(
                &Password::parse("old but gold".into()).unwrap(),
                &stored.password_hash
            )
            .await
            .unwrap()
    );
    // And the next login still works, with the new hash.
    assert_eq!(
        attempt(&login, "old@example.com", "old but gold", "198.51.100.1")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn malformed_bodies_and_media_types() {
    let app = TestApp::spawn().await;
    let login = login_for(&app).await;
    let call = |event: ApiEvent| async {
        TestResponse::from(serve(event.build(), |req| handle(&login, req)).await)
    };
    let broken = call(ApiEvent::new(ROUTE, "/auth/login").raw_body("application/json", "{")).await;
    assert_eq!(broken.code(), "MALFORMED_JSON");
    let text = call(ApiEvent::new(ROUTE, "/auth/login").raw_body("text/plain", "{}")).await;
    assert_eq!(text.code(), "UNSUPPORTED_MEDIA_TYPE");
}
