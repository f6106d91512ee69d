//! Property tests of the request edge: whatever bytes, headers, base64 flags or tokens a client
//! sends, the parsers never panic and answer exactly the 4xx the contract gives that input,
//! never a 500.

use lambda_http::{Body, Request, http::header::CONTENT_TYPE};
use proptest::prelude::*;
use shared::AppError;
use shared::auth::{KeySet, RefreshToken, TokenKeys, TokenRules};
use shared::domain::{
    Email, LoginPassword, OrderRequest, Password, PriceCents, ProductName, Stock, UserName,
};
use shared::http::{JsonBody, MAX_BODY_BYTES};
use shared::pagination::CursorKey;
use shared::test_support::{ApiEvent, TEST_AUDIENCE, TEST_ISSUER};

fn request(content_type: Option<&str>, body: Body) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri("/users");
    if let Some(content_type) = content_type {
        builder = builder.header(CONTENT_TYPE, content_type);
    }
    builder.body(body).unwrap()
}

/// A body parser: what a function does with its request's body before anything else.
type Parser = fn(&Request) -> Result<(), AppError>;

/// Every body the API reads, parsed field by field as its function does.
const BODIES: &[(&str, Parser)] = &[
    ("sign-up", parse_sign_up),
    ("login", parse_login),
    ("user update", parse_user_update),
    ("product", parse_product),
    ("order", parse_order),
    ("refresh token", parse_refresh_token),
];

fn parse_sign_up(req: &Request) -> Result<(), AppError> {
    let mut body = JsonBody::parse(req, &["name", "email", "password"])?;
    let name = body.required::<UserName>("name");
    let email = body.required::<Email>("email");
    let password = body.required::<Password>("password");
    body.finish(|| Some((name?, email?, password?))).map(drop)
}

fn parse_login(req: &Request) -> Result<(), AppError> {
    let mut body = JsonBody::parse(req, &["email", "password"])?;
    let email = body.required::<Email>("email");
    let password = body.required::<LoginPassword>("password");
    body.finish(|| Some((email?, password?))).map(drop)
}

fn parse_user_update(req: &Request) -> Result<(), AppError> {
    let mut body = JsonBody::parse(req, &["name", "email", "password", "currentPassword"])?;
    let name = body.optional::<UserName>("name");
    let email = body.optional::<Email>("email");
    let password = body.optional::<Password>("password");
    let current = body.optional::<LoginPassword>("currentPassword");
    body.finish(|| Some((name, email, password, current)))
        .map(drop)
}

fn parse_product(req: &Request) -> Result<(), AppError> {
    let mut body = JsonBody::parse(req, &["name", "priceCents", "stock"])?;
    let name = body.required::<ProductName>("name");
    let price = body.required::<PriceCents>("priceCents");
    let stock = body.required::<Stock>("stock");
    body.finish(|| Some((name?, price?, stock?))).map(drop)
}

fn parse_order(req: &Request) -> Result<(), AppError> {
    let mut body = JsonBody::parse(req, &["items"])?;
    let request = body.required_with("items", OrderRequest::parse_items);
    body.finish(|| request).map(drop)
}

fn parse_refresh_token(req: &Request) -> Result<(), AppError> {
    RefreshToken::from_request(req).map(drop)
}

/// The contract's answer for a body before any field is read: size first (413), then an empty
/// body (400), then the media type (415), then syntax: a JSON object or 400. `None` when the
/// body reaches its fields.
fn edge_answer(content_type: Option<&str>, bytes: &[u8]) -> Option<&'static str> {
    let json_media_type = content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if bytes.len() > MAX_BODY_BYTES {
        Some("PAYLOAD_TOO_LARGE")
    } else if bytes.is_empty() {
        Some("MALFORMED_JSON")
    } else if !json_media_type {
        Some("UNSUPPORTED_MEDIA_TYPE")
    } else if !matches!(
        serde_json::from_slice::<serde_json::Value>(bytes),
        Ok(serde_json::Value::Object(_))
    ) {
        Some("MALFORMED_JSON")
    } else {
        None
    }
}

/// Every body parser answers `req` as the contract says: the edge's one code, or (past the edge)
/// success or `VALIDATION_FAILED`; always a 4xx, never `INTERNAL`.
fn check_every_body(
    req: &Request,
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<(), TestCaseError> {
    let expected = edge_answer(content_type, bytes);
    for (name, parse) in BODIES {
        match (parse(req), expected) {
            (Ok(()), None) => {}
            (Ok(()), Some(code)) => {
                prop_assert!(false, "{name}: accepted a body the edge must answer {code}")
            }
            (Err(error), expected) => {
                let code = error.code();
                prop_assert!(
                    error.status().is_client_error(),
                    "{name}: {code} is {}",
                    error.status()
                );
                prop_assert_eq!(code, expected.unwrap_or("VALIDATION_FAILED"), "{}", name);
            }
        }
    }
    Ok(())
}

/// Arbitrary JSON, a few levels deep, with the field names the bodies know among others.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(
            |f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
        ),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::hash_map(
                "(name|email|password|currentPassword|priceCents|stock|items|productId|quantity|refreshToken|[a-z]{1,8})",
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
        let (body, sent) = if binary {
            (Body::Binary(bytes.clone()), bytes)
        } else {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            (Body::Text(text.clone()), text.into_bytes())
        };
        let req = request(content_type.as_deref(), body);
        check_every_body(&req, content_type.as_deref(), &sent)?;
    }

    #[test]
    fn any_json_document(value in json()) {
        let text = value.to_string();
        let req = request(Some("application/json"), Body::Text(text.clone()));
        check_every_body(&req, Some("application/json"), text.as_bytes())?;
        // The order lines' own parser names each problem, so an error always says something.
        if let Err(errors) = OrderRequest::parse_items(value) {
            prop_assert!(!errors.is_empty());
        }
    }

    #[test]
    fn any_body_as_api_gateway_sends_it(bytes in prop::collection::vec(any::<u8>(), 0..512), base64 in any::<bool>()) {
        // API Gateway base64-encodes bodies it flags with isBase64Encoded; lambda_http decodes
        // them before the handler sees the request. (A flagged body that is not base64 makes
        // lambda_http itself panic, but API Gateway never sends one.)
        let (event, sent) = if base64 {
            (ApiEvent::new("POST /users", "/users").base64_body("application/json", &bytes), bytes)
        } else {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            (ApiEvent::new("POST /users", "/users").raw_body("application/json", &text), text.into_bytes())
        };
        let req = lambda_http::request::from_str(&event.to_json()).unwrap();
        check_every_body(&req, Some("application/json"), &sent)?;
    }

    #[test]
    fn bodies_around_the_size_limit(extra in -3i64..=3, content_type in prop::option::of("(application/json|text/plain)")) {
        // `{"name":"xx…x"}`, `extra` bytes from the limit: over it is 413 whatever else is wrong.
        let padding = (MAX_BODY_BYTES as i64 + extra - r#"{"name":""}"#.len() as i64) as usize;
        let text = format!(r#"{{"name":"{}"}}"#, "x".repeat(padding));
        prop_assert_eq!(text.len() as i64, MAX_BODY_BYTES as i64 + extra);
        let req = request(content_type.as_deref(), Body::Text(text.clone()));
        check_every_body(&req, content_type.as_deref(), text.as_bytes())?;
    }

    #[test]
    fn any_token_text(token in ".{0,300}", parts in prop::collection::vec("[A-Za-z0-9_-]{0,60}", 0..5)) {
        let rules = TokenRules { issuer: TEST_ISSUER.into(), audience: TEST_AUDIENCE.into() };
        let keys = TokenKeys::from_key_set(&KeySet::generate(), rules);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        for candidate in [token.clone(), parts.join(".")] {
            let (access, refresh) = runtime.block_on(async {
                (keys.verify_access(&candidate).await, keys.verify_refresh(&candidate).await)
            });
            prop_assert_eq!(access.unwrap_err().code(), "UNAUTHENTICATED");
            prop_assert_eq!(refresh.unwrap_err().code(), "INVALID_REFRESH_TOKEN");
        }
    }

    #[test]
    fn any_cursor_text(cursor in ".{0,120}") {
        let key = CursorKey::new(KeySet::generate().cursor_key);
        let user = shared::domain::UserId::new();
        prop_assert_eq!(key.decode(&user, &cursor).unwrap_err().code(), "VALIDATION_FAILED");
    }
}
