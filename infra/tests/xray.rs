//! With tracing on, each DynamoDB call of a sampled invocation reaches the X-Ray daemon as a
//! subsegment of the invocation's trace; an unsampled invocation sends nothing.

use std::net::UdpSocket;
use std::time::Duration;

use serde_json::Value;
use shared::App;
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

const ROOT: &str = "1-67450000-bd862e3fe1be46a994272793";
const PARENT: &str = "53995c3f42cd8ad8";

/// The subsegments the fake daemon received, parsed after the X-Ray header line.
fn received(daemon: &UdpSocket) -> Vec<Value> {
    let mut documents = Vec::new();
    let mut buffer = [0u8; 65_536];
    while let Ok(n) = daemon.recv(&mut buffer) {
        let text = std::str::from_utf8(&buffer[..n]).expect("UTF-8");
        let (header, document) = text
            .split_once('\n')
            .expect("header line, then the document");
        assert_eq!(header, r#"{"format":"json","version":1}"#);
        documents.push(serde_json::from_str(document).expect("a JSON document"));
    }
    documents
}

#[tokio::test]
async fn a_sampled_invocations_dynamodb_calls_are_subsegments_of_its_trace() {
    let test = TestApp::spawn().await;
    let ada = test.user("Ada", "ada@example.com").await;
    let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
    daemon
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut config = test.handler_config();
    config.xray_daemon = Some(daemon.local_addr().unwrap());
    let app = App::build(config).await;
    let read_ada = |sampled: u8| {
        ApiEvent::new("GET /users/{id}", &format!("/users/{}", ada.id))
            .bearer(&test.token(&ada))
            .trace_header(&format!("Root={ROOT};Parent={PARENT};Sampled={sampled}"))
    };

    let response: TestResponse = serve(read_ada(1).build(), |req| get_user::handle(&app, req))
        .await
        .into();
    assert_eq!(response.status, 200);
    let subsegments = received(&daemon);
    // The verification keys, then the user: two GetItems.
    assert_eq!(subsegments.len(), 2, "{subsegments:?}");
    for subsegment in &subsegments {
        assert_eq!(subsegment["type"], "subsegment");
        assert_eq!(subsegment["trace_id"], ROOT);
        assert_eq!(subsegment["parent_id"], PARENT);
        assert_eq!(subsegment["name"], "DynamoDB");
        assert_eq!(subsegment["namespace"], "aws");
        assert_eq!(subsegment["aws"]["operation"], "GetItem");
        assert_eq!(subsegment["id"].as_str().unwrap().len(), 16);
        let (start, end) = (
            subsegment["start_time"].as_f64().unwrap(),
            subsegment["end_time"].as_f64().unwrap(),
        );
        assert!(start > 1.7e9 && end >= start, "{subsegment}");
    }

    let unsampled: TestResponse = serve(read_ada(0).build(), |req| get_user::handle(&app, req))
        .await
        .into();
    assert_eq!(unsampled.status, 200);
    assert!(
        received(&daemon).is_empty(),
        "an unsampled call sends nothing"
    );
}
