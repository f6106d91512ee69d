use lambda_http::{Request, RequestExt, request::RequestContext};

use crate::error::AppError;

/// The id this request is known by in logs and in the `x-request-id` header: the Lambda
/// invocation's request id, else API Gateway's, else a fresh one.
pub fn request_id(req: &Request) -> String {
    if let Some(context) = req.lambda_context_ref()
        && !context.request_id.is_empty()
    {
        return context.request_id.clone();
    }
    if let Some(RequestContext::ApiGatewayV2(context)) = req.request_context_ref()
        && let Some(id) = &context.request_id
    {
        return id.clone();
    }
    uuid::Uuid::new_v4().to_string()
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
