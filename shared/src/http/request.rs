use lambda_http::{Request, RequestExt, request::RequestContext};

use crate::error::AppError;

/// The id a client and an operator know this request by: API Gateway's request id, which its
/// access log records as `requestId`, sent back as `x-request-id` and the error envelope's
/// `requestId`, and logged as `correlation_id`. Else (invoked without API Gateway) Lambda's
/// invocation id, else a fresh one.
pub fn request_id(req: &Request) -> String {
    if let Some(RequestContext::ApiGatewayV2(context)) = req.request_context_ref()
        && let Some(id) = context.request_id.as_deref().filter(|id| !id.is_empty())
    {
        return id.to_owned();
    }
    lambda_request_id(req)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Lambda's id of this invocation (its REPORT line's `RequestId`).
pub fn lambda_request_id(req: &Request) -> Option<&str> {
    req.lambda_context_ref()
        .map(|context| context.request_id.as_str())
        .filter(|id| !id.is_empty())
}

/// The X-Ray trace id of this invocation, when Lambda passed one (tracing active, or sampled
/// upstream).
pub fn xray_trace_id(req: &Request) -> Option<&str> {
    req.lambda_context_ref()
        .and_then(|context| context.xray_trace_id.as_deref())
        .filter(|id| !id.is_empty())
}

/// A path parameter such as `{id}`. API Gateway always sets those its route declares, so a
/// missing one means the route does not exist for this request: 404.
pub fn path_param<'a>(req: &'a Request, name: &str) -> Result<&'a str, AppError> {
    req.path_parameters_ref()
        .and_then(|params| params.first(name))
        .ok_or(AppError::NotFound)
}

/// The client's address as API Gateway saw it (`requestContext.http.sourceIp`), which a client
/// cannot set, unlike `X-Forwarded-For`. `unknown` where there is none.
pub fn source_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .http
            .source_ip
            .clone()
            .filter(|ip| !ip.is_empty())
            .unwrap_or_else(|| "unknown".to_owned()),
        _ => "unknown".to_owned(),
    }
}

/// A query-string parameter (the first, if repeated).
pub fn query_param<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.query_string_parameters_ref()
        .and_then(|params| params.first(name))
}

/// A header's value, if present and visible ASCII.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// "POST /users/{id}" from API Gateway's route key, or the method and path when there is none.
pub(crate) fn route(req: &Request) -> String {
    if let Some(RequestContext::ApiGatewayV2(context)) = req.request_context_ref()
        && let Some(route_key) = context.route_key.as_deref()
        && route_key != "$default"
    {
        return route_key.to_owned();
    }
    format!("{} {}", req.method(), req.raw_http_path())
}
