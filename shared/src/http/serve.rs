use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures::FutureExt;
use lambda_http::{Body, Request, Response, service_fn};
use tracing::Instrument;

use super::request::{lambda_request_id, request_id, route, xray_trace_id};
use super::response::{ApiResponse, finish};
use crate::error::AppError;
use crate::metrics::{self, Event};

/// True until this process has served its first request.
static COLD_START: AtomicBool = AtomicBool::new(true);

/// Runs one request through `handler` and answers it: the one place where an `AppError`
/// becomes a response, where every request is logged (its closing line: status, duration) and
/// where its metrics are written. Every line logged while serving it carries the request's
/// ids, route and cold start (the span below; `telemetry::json_layer` puts its fields on each
/// line). Server errors are logged with their source chain; nothing from the request body, and
/// so no password or token, is ever logged.
pub async fn serve<F, Fut>(req: Request, handler: F) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<ApiResponse, AppError>>,
{
    let started = Instant::now();
    let cold_start = COLD_START.swap(false, Ordering::Relaxed);
    let request_id = request_id(&req);
    // ERROR level, so the fields are on every line whatever the level lets through.
    let span = tracing::error_span!(
        "request",
        function_request_id = lambda_request_id(&req),
        correlation_id = %request_id,
        xray_trace_id = xray_trace_id(&req),
        route = %route(&req),
        cold_start,
    );
    let trace = xray_trace_id(&req).and_then(crate::xray::TraceHeader::parse);
    if cold_start {
        metrics::count(Event::ColdStart);
    }
    let response = async {
        // A panic in a handler is a bug, but it must not cost more than this request: it
        // becomes `INTERNAL` (the message reaches the log, never the client) and the process
        // serves on.
        let outcome = AssertUnwindSafe(handler(req))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                Err(AppError::internal(format!(
                    "handler panicked: {}",
                    panic_message(&*panic)
                )))
            });
        if let Err(error) = &outcome
            && error.is_server_error()
        {
            metrics::server_error(error.code());
            tracing::error!(
                code = error.code(),
                error = %error.source_chain(),
                "request failed"
            );
        }
        let response = finish(outcome, &request_id);
        tracing::info!(
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request"
        );
        response
    }
    .instrument(span);
    let response = crate::xray::in_trace(trace, response).await;
    metrics::flush();
    response
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// The Lambda entry point every function's `main` ends with.
pub async fn run<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Request) -> Fut + Sync,
    Fut: Future<Output = Result<ApiResponse, AppError>> + Send,
{
    let handler = &handler;
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, Infallible>(serve(req, handler).await)
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        lambda_http::http::Request::builder()
            .uri("/boom")
            .body(Body::Empty)
            .unwrap()
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_internal_and_leaks_nothing() {
        let response = serve(request(), |_| async {
            if true {
                panic!("secret detail: table users-prod");
            }
            Ok(ApiResponse::no_content())
        })
        .await;
        assert_eq!(response.status(), 500);
        let Body::Text(body) = response.body() else {
            panic!("no body")
        };
        assert!(body.contains("\"INTERNAL\""), "{body}");
        assert!(!body.contains("secret"), "{body}");
        // The same process serves the next request.
        let next = serve(request(), |_| async { Ok(ApiResponse::no_content()) }).await;
        assert_eq!(next.status(), 204);
    }
}
