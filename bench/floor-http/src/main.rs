//! The floor plus lambda_http: each API Gateway event parsed into a request, and a fixed JSON
//! answer with the six headers every response of ours carries turned back into API Gateway's
//! response, and nothing else. It is no budget's baseline (the floor is): BENCHMARKS.md shows,
//! beside the floor, how much of a route's warm CPU this handling takes before any of the
//! route's own code runs.

use lambda_http::http::{HeaderName, HeaderValue};
use lambda_http::{Body, Error, Request, Response, service_fn};

/// About the size of a product, as get-product answers it.
const ANSWER: &str = r#"{"id":"01JBENCH000000000000000000","name":"Bench tea","priceCents":100,"stock":1000000,"version":1,"createdAt":"2026-11-26T00:00:00Z","updatedAt":"2026-11-26T00:00:00Z"}"#;

const HEADERS: [(&str, &str); 6] = [
    ("content-type", "application/json"),
    ("cache-control", "no-cache"),
    ("x-content-type-options", "nosniff"),
    ("strict-transport-security", "max-age=63072000"),
    ("x-request-id", "bench"),
    ("etag", "\"1\""),
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_: Request| async {
        let mut response = Response::new(Body::Text(ANSWER.to_owned()));
        for (name, value) in HEADERS {
            response.headers_mut().insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        Ok::<_, Error>(response)
    }))
    .await
}
