//! Across functions: sign up → log in → read yourself → order → refresh → log out, as a client
//! would, with every log line captured at the most verbose level an operator can set, as
//! Lambda's JSON lines.

use serde_json::json;
use shared::ExposeSecret;
use shared::http::serve;
use shared::test_support::{ApiEvent, CapturedLogs, TestApp, TestResponse};

async fn call<F, Fut>(event: ApiEvent, handler: F) -> TestResponse
where
    F: FnOnce(lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = Result<shared::http::ApiResponse, shared::AppError>>,
{
    serve(event.build(), handler).await.into()
}

fn data<'a>(response: &'a TestResponse, field: &str) -> &'a str {
    response.body["data"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {:?}", response.body))
}

#[tokio::test]
async fn a_whole_session_logs_no_password_hash_or_token() {
    let app = TestApp::spawn().await;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap();
    let login = shared::App::build_signing(app.config_via(&endpoint)).await;
    let (logs, _guard) = CapturedLogs::start();
    let password = "a passphrase nobody logs";

    let signed_up = call(
        ApiEvent::new("POST /users", "/users")
            .json(&json!({"name": "Ada", "email": "ada@example.com", "password": password})),
        |req| create_user::handle(&app.app, req),
    )
    .await;
    assert_eq!(signed_up.status, 201);
    let id = data(&signed_up, "id").to_owned();

    let wrong = call(
        ApiEvent::new("POST /auth/login", "/auth/login")
            .json(&json!({"email": "ada@example.com", "password": "wrong guess 123"})),
        |req| login::handle(&login, req),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let logged_in = call(
        ApiEvent::new("POST /auth/login", "/auth/login")
            .json(&json!({"email": "ada@example.com", "password": password})),
        |req| login::handle(&login, req),
    )
    .await;
    assert_eq!(logged_in.status, 200);
    let access = data(&logged_in, "accessToken").to_owned();
    let refresh_a = data(&logged_in, "refreshToken").to_owned();

    let me = call(
        ApiEvent::new("GET /users/{id}", &format!("/users/{id}")).bearer(&access),
        |req| get_user::handle(&app.app, req),
    )
    .await;
    assert_eq!(me.status, 200);

    let tea = app.product("Tea", 450, 10).await;
    let ordered = call(
        ApiEvent::new("POST /orders", "/orders")
            .bearer(&access)
            .json(&json!({"items": [{"productId": tea.id.to_string(), "quantity": 2}]})),
        |req| create_order::handle(&app.app, req),
    )
    .await;
    assert_eq!(ordered.status, 201);

    let refreshed = call(
        ApiEvent::new("POST /auth/refresh", "/auth/refresh")
            .json(&json!({"refreshToken": refresh_a})),
        |req| refresh::handle(&app.app, req),
    )
    .await;
    assert_eq!(refreshed.status, 200);
    let access_b = data(&refreshed, "accessToken").to_owned();
    let refresh_b = data(&refreshed, "refreshToken").to_owned();

    let logged_out = call(
        ApiEvent::new("POST /auth/logout", "/auth/logout")
            .json(&json!({"refreshToken": refresh_b})),
        |req| logout::handle(&app.app, req),
    )
    .await;
    assert_eq!(logged_out.status, 204);
    let after = call(
        ApiEvent::new("POST /auth/refresh", "/auth/refresh")
            .json(&json!({"refreshToken": refresh_b})),
        |req| refresh::handle(&app.app, req),
    )
    .await;
    assert_eq!((after.status, after.code()), (401, "INVALID_REFRESH_TOKEN"));

    let record = app
        .app
        .store
        .find_user(&shared::domain::UserId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    let text = logs.text();
    let lines = logs.lines();
    for route in [
        "POST /users",
        "POST /auth/login",
        "GET /users/{id}",
        "POST /orders",
        "POST /auth/refresh",
        "POST /auth/logout",
    ] {
        assert!(
            lines
                .iter()
                .any(|line| line.get("route") == Some(&json!(route))),
            "no log line for {route}: logs were not captured"
        );
    }
    // Every line was logged while serving a request, and says which, as Powertools' keys do.
    for line in &lines {
        for key in [
            "timestamp",
            "level",
            "message",
            "function_name",
            "function_version",
            "cold_start",
            "function_request_id",
            "correlation_id",
            "xray_trace_id",
            "route",
        ] {
            assert!(line.contains_key(key), "no {key} in the log line {line:?}");
        }
    }
    let closing: Vec<_> = lines
        .iter()
        .filter(|l| l.get("message") == Some(&json!("request")))
        .collect();
    assert_eq!(closing.len(), 8, "one closing line per request");
    for line in closing {
        assert!(
            line["status"].is_u64() && line["duration_ms"].is_f64(),
            "{line:?}"
        );
    }
    let hash_tail = record
        .password_hash
        .expose_secret()
        .rsplit('$')
        .next()
        .unwrap()
        .to_owned();
    let secrets: Vec<(&str, &str)> = vec![
        ("password", password),
        ("wrong password", "wrong guess 123"),
        ("hash", &hash_tail),
        ("access token", &access),
        ("access token B", &access_b),
        ("refresh token A", &refresh_a),
        ("refresh token B", &refresh_b),
    ];
    for (what, secret) in secrets {
        assert!(!text.contains(secret), "the {what} appears in the logs");
        // A JWT's signature alone is as good as a leak of the token.
        if let Some(signature) = secret
            .rsplit('.')
            .next()
            .filter(|_| secret.matches('.').count() == 2)
        {
            assert!(
                !text.contains(signature),
                "the {what}'s signature appears in the logs"
            );
        }
    }
}
