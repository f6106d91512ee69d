use base64::{Engine, engine::general_purpose::STANDARD};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

/// A real API Gateway HTTP API (payload 2.0) event, captured shape, that tests adjust.
const BASE_EVENT: &str = include_str!("apigw_v2_event.json");

/// Builds an API Gateway v2 event and parses it the way `lambda_http` does in Lambda.
pub struct ApiEvent {
    event: Value,
    /// The X-Ray trace header Lambda passes with the invocation.
    trace_header: String,
}

impl ApiEvent {
    /// `route` is the API's route key as in the template, e.g. `GET /users/{id}`; `path` the
    /// concrete path, e.g. `/users/0193…`. Path parameters are derived from the two.
    pub fn new(route: &str, path: &str) -> Self {
        let mut event: Value = serde_json::from_str(BASE_EVENT).expect("fixture is JSON");
        let (method, template) = route.split_once(' ').expect("route is `METHOD /path`");
        let (raw_path, query) = path.split_once('?').unwrap_or((path, ""));
        event["routeKey"] = json!(route);
        event["requestContext"]["routeKey"] = json!(route);
        event["rawPath"] = json!(raw_path);
        event["rawQueryString"] = json!(query);
        event["requestContext"]["http"]["method"] = json!(method);
        event["requestContext"]["http"]["path"] = json!(raw_path);
        event["requestContext"]["requestId"] = json!(uuid::Uuid::new_v4().to_string());
        let params: serde_json::Map<String, Value> = template
            .split('/')
            .zip(raw_path.split('/'))
            .filter_map(|(t, p)| {
                let name = t.strip_prefix('{')?.strip_suffix('}')?;
                Some((name.to_owned(), json!(p)))
            })
            .collect();
        if !params.is_empty() {
            event["pathParameters"] = Value::Object(params);
        }
        if !query.is_empty() {
            let pairs: serde_json::Map<String, Value> = query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_owned(), json!(v)))
                .collect();
            event["queryStringParameters"] = Value::Object(pairs);
        }
        let trace_header = format!(
            "Root=1-{:08x}-{};Parent={};Sampled=1",
            0x6745_0000u32,
            &uuid::Uuid::new_v4().simple().to_string()[..24],
            &uuid::Uuid::new_v4().simple().to_string()[..16]
        );
        Self {
            event,
            trace_header,
        }
    }

    /// Another X-Ray trace header (`Root=…;Parent=…;Sampled=…`).
    pub fn trace_header(mut self, header: &str) -> Self {
        self.trace_header = header.to_owned();
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.event["headers"][name.to_ascii_lowercase()] = json!(value);
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn source_ip(mut self, ip: &str) -> Self {
        self.event["requestContext"]["http"]["sourceIp"] = json!(ip);
        self
    }

    /// A JSON body with `content-type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.raw_body("application/json", &body.to_string())
    }

    /// Any text body with any content type.
    pub fn raw_body(mut self, content_type: &str, body: &str) -> Self {
        self.event["body"] = json!(body);
        self.event["headers"]["content-length"] = json!(body.len().to_string());
        self.header("content-type", content_type)
    }

    /// The body base64-encoded, as API Gateway sends binary media.
    pub fn base64_body(mut self, content_type: &str, body: &[u8]) -> Self {
        self.event["body"] = json!(STANDARD.encode(body));
        self.event["isBase64Encoded"] = json!(true);
        self.header("content-type", content_type)
    }

    pub fn to_json(&self) -> String {
        self.event.to_string()
    }

    /// The request as a function receives it in Lambda: the event, and the invocation's
    /// context (its own request id and an X-Ray trace id, as Lambda passes them).
    pub fn build(self) -> Request {
        use lambda_http::RequestExt;
        let mut context = lambda_http::Context::default();
        context.request_id = format!("lambda-{}", uuid::Uuid::new_v4());
        context.xray_trace_id = Some(self.trace_header.clone());
        lambda_http::request::from_str(&self.to_json())
            .expect("lambda_http parses the event")
            .with_lambda_context(context)
    }

    /// API Gateway's id of this request (`requestContext.requestId`).
    pub fn api_request_id(&self) -> &str {
        self.event["requestContext"]["requestId"]
            .as_str()
            .unwrap_or_default()
    }
}

/// A response with its body parsed, for assertions.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The error envelope's `code`.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// The `field`s of the error envelope's `errors`, sorted.
    pub fn error_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        fields.sort();
        fields
    }
}

impl From<Response<Body>> for TestResponse {
    fn from(response: Response<Body>) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.body() {
            Body::Empty => Value::Null,
            Body::Text(text) => serde_json::from_str(text).expect("response body is JSON"),
            Body::Binary(bytes) => serde_json::from_slice(bytes).expect("response body is JSON"),
            _ => Value::Null,
        };
        Self {
            status,
            headers,
            body,
        }
    }
}
