//! Property tests of the request edge: whatever bytes, headers, base64 flags or tokens a client
//! sends, the parsers answer with a contract error and never panic.

use lambda_http::{Body, Request, http::header::CONTENT_TYPE};
use proptest::prelude::*;
use shared::AppError;
use shared::auth::TokenKeys;
use shared::domain::{Email, OrderRequest, Password, UserName};
use shared::http::JsonBody;
use shared::pagination::CursorKey;
use shared::test_support::{ApiEvent, test_config};

fn request(content_type: Option<String>, body: Body) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri("/users");
    if let Some(content_type) = content_type {
        builder = builder.header(CONTENT_TYPE, content_type);
    }
    builder.body(body).unwrap()
}

const EDGE_CODES: [&str; 5] = [
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "MALFORMED_JSON",
    "VALIDATION_FAILED",
    "INTERNAL",
];

/// Parses a sign-up body the way create-user does.
fn parse_sign_up(req: &Request) -> Result<(), AppError> {
    let mut body = JsonBody::parse(req, &["name", "email", "password"])?;
    let name = body.required::<UserName>("name");
    let email = body.required::<Email>("email");
    let password = body.required::<Password>("password");
    body.finish(|| Some((name?, email?, password?))).map(|_| ())
}

/// Arbitrary JSON, a few levels deep.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(
            |f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
        ),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::hash_map(
                "(name|email|password|items|productId|quantity|[a-z]{1,8})",
                inner,
                0..6
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_with_any_content_type(bytes in prop::collection::vec(any::<u8>(), 0..2048),
                                       content_type in prop::option::of("(application/json|Application/JSON|text/plain|[ -~]{0,30})(; ?charset=[ -~]{0,10})?"),
                                       binary in any::<bool>()) {
        let body = if binary { Body::Binary(bytes.clone()) } else { Body::Text(String::from_utf8_lossy(&bytes).into_owned()) };
        if let Err(error) = parse_sign_up(&request(content_type, body)) {
            prop_assert!(EDGE_CODES.contains(&error.code()), "{}", error.code());
        }
    }

    #[test]
    fn any_json_document(value in json()) {
        let req = request(Some("application/json".into()), Body::Text(value.to_string()));
        if let Err(error) = parse_sign_up(&req) {
            prop_assert!(EDGE_CODES.contains(&error.code()));
        }
        let _ = OrderRequest::parse_items(value);
    }

    #[test]
    fn any_body_as_api_gateway_sends_it(bytes in prop::collection::vec(any::<u8>(), 0..512), base64 in any::<bool>()) {
        // API Gateway base64-encodes bodies it flags with isBase64Encoded; lambda_http decodes
        // them before the handler sees the request. (A flagged body that is not base64 makes
        // lambda_http itself panic, but API Gateway never sends one.)
        let event = if base64 {
            ApiEvent::new("POST /users", "/users").base64_body("application/json", &bytes)
        } else {
            ApiEvent::new("POST /users", "/users").raw_body("application/json", &String::from_utf8_lossy(&bytes))
        };
        let req = lambda_http::request::from_str(&event.to_json()).unwrap();
        if let Err(error) = parse_sign_up(&req) {
            prop_assert!(EDGE_CODES.contains(&error.code()));
        }
    }

    #[test]
    fn any_token_text(token in ".{0,300}", parts in prop::collection::vec("[A-Za-z0-9_-]{0,60}", 0..5)) {
        let keys = TokenKeys::new(&test_config("t", None));
        for candidate in [token.clone(), parts.join(".")] {
            prop_assert_eq!(keys.verify_access(&candidate).unwrap_err().code(), "UNAUTHENTICATED");
            prop_assert_eq!(keys.verify_refresh(&candidate).unwrap_err().code(), "INVALID_REFRESH_TOKEN");
        }
    }

    #[test]
    fn any_cursor_text(cursor in ".{0,120}") {
        let key = CursorKey::new(&test_config("t", None));
        let user = shared::domain::UserId::new();
        prop_assert_eq!(key.decode(&user, &cursor).unwrap_err().code(), "VALIDATION_FAILED");
    }
}
