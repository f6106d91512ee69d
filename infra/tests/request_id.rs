//! One id finds a request in both logs: API Gateway's access log records `$context.requestId`
//! under `requestId`; the function answers with that id in `x-request-id` and the error
//! envelope, and logs it as `correlation_id` on every line. A change on either side fails here.

#[allow(dead_code)] // the template reader, shared with the template and IAM tests
mod deployed;

use serde_json::Value;
use shared::http::serve;
use shared::test_support::{ApiEvent, CapturedLogs, TestApp, TestResponse};

/// The access log's fields, by the `$context` variable each records.
fn access_log_field_of(variable: &str) -> String {
    let template = deployed::template();
    let format = template["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]["Format"]
        .as_str()
        .expect("the HTTP API has an access log format");
    let fields: serde_json::Map<String, Value> =
        serde_json::from_str(format).expect("the access log format is a JSON object");
    fields
        .into_iter()
        .find(|(_, value)| value == variable)
        .map(|(key, _)| key)
        .unwrap_or_else(|| panic!("the access log does not record {variable}"))
}

#[tokio::test]
async fn the_access_logs_request_id_is_the_functions_request_id() {
    assert_eq!(access_log_field_of("$context.requestId"), "requestId");

    let app = TestApp::spawn().await;
    let (logs, _guard) = CapturedLogs::start();
    let found = ApiEvent::new("GET /health", "/health");
    let id = found.api_request_id().to_owned();
    let ok: TestResponse = serve(found.build(), |req| health::handle(&app.app, req))
        .await
        .into();
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("x-request-id"), Some(id.as_str()));

    let refused = ApiEvent::new("GET /users/{id}", "/users/0193");
    let refused_id = refused.api_request_id().to_owned();
    let error: TestResponse = serve(refused.build(), |req| get_user::handle(&app.app, req))
        .await
        .into();
    assert_eq!(error.status, 401);
    assert_eq!(error.header("x-request-id"), Some(refused_id.as_str()));
    assert_eq!(error.body["requestId"], refused_id.as_str());

    let lines = logs.lines();
    for expected in [&id, &refused_id] {
        let line = lines
            .iter()
            .find(|line| {
                line.get("message") == Some(&Value::from("request"))
                    && line.get("correlation_id") == Some(&Value::from(expected.as_str()))
            })
            .unwrap_or_else(|| panic!("no closing line with correlation_id {expected}"));
        assert_ne!(
            line["function_request_id"], line["correlation_id"],
            "Lambda's id and API Gateway's are both logged, each under its own key"
        );
    }
}
