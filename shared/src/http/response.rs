use lambda_http::{
    Body, Response,
    http::{
        HeaderName, HeaderValue, StatusCode,
        header::{
            CACHE_CONTROL, CONTENT_TYPE, ETAG, LOCATION, RETRY_AFTER, STRICT_TRANSPORT_SECURITY,
        },
    },
};
use serde::Serialize;

use crate::error::AppError;

/// A successful outcome of a handler, before the contract's headers are added.
#[derive(Debug)]
pub struct ApiResponse {
    status: StatusCode,
    /// The serialised envelope; `None` for 204. A serialisation failure is kept and answered
    /// as `INTERNAL` by `finish`, never a panic.
    body: Option<Result<String, serde_json::Error>>,
    location: Option<String>,
    /// `Cache-Control`: `no-store` unless the contract says a response may be cached.
    cache_control: &'static str,
    /// The representation's strong `ETag`, on reads of a single resource.
    etag: Option<super::ETag>,
}

/// The one `Cache-Control` every response has unless the contract names another.
const NO_STORE: &str = "no-store";

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    status: &'static str,
    data: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pagination: Option<&'a Pagination>,
}

/// The `pagination` member of a list envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub limit: u32,
    pub next_cursor: Option<String>,
}

impl ApiResponse {
    fn envelope<T: Serialize>(
        status: StatusCode,
        data: &T,
        pagination: Option<&Pagination>,
    ) -> Self {
        let envelope = Envelope {
            status: "success",
            data,
            pagination,
        };
        Self {
            status,
            body: Some(serde_json::to_string(&envelope)),
            location: None,
            cache_control: NO_STORE,
            etag: None,
        }
    }

    /// 200 with `document` as it is, without the envelope, cacheable by anyone as `max_age`
    /// says: the JWK Set, which JWT libraries read as a plain RFC 7517 document.
    pub fn public_document<T: Serialize>(document: &T, max_age: PublicMaxAge) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(serde_json::to_string(document)),
            location: None,
            cache_control: max_age.0,
            etag: None,
        }
    }

    /// 200 with `{"status":"success","data":…}`.
    pub fn ok<T: Serialize>(data: &T) -> Self {
        Self::envelope(StatusCode::OK, data, None)
    }

    /// 201 with the new resource and its `Location`.
    pub fn created<T: Serialize>(data: &T, location: String) -> Self {
        Self {
            location: Some(location),
            ..Self::envelope(StatusCode::CREATED, data, None)
        }
    }

    /// 200 with a list and its pagination.
    pub fn list<T: Serialize>(items: &[T], pagination: &Pagination) -> Self {
        Self::envelope(StatusCode::OK, &items, Some(pagination))
    }

    /// 304 for a read whose `If-None-Match` names `etag`: no body, the usual headers.
    pub fn not_modified(etag: super::ETag) -> Self {
        Self {
            status: StatusCode::NOT_MODIFIED,
            body: None,
            location: None,
            cache_control: NO_STORE,
            etag: Some(etag),
        }
    }

    /// The same response with its representation's `ETag`.
    pub fn with_etag(self, etag: super::ETag) -> Self {
        Self {
            etag: Some(etag),
            ..self
        }
    }

    /// The same response, cacheable by anyone but revalidated on every use (`no-cache`): the
    /// public product reads.
    pub fn revalidated_publicly(self) -> Self {
        Self {
            cache_control: "no-cache",
            ..self
        }
    }

    /// 204, no body.
    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
            cache_control: NO_STORE,
            etag: None,
        }
    }
}

/// A `Cache-Control` for public documents, named by the contract.
#[derive(Debug, Clone, Copy)]
pub struct PublicMaxAge(&'static str);

impl PublicMaxAge {
    /// The key set: keys change at most every few minutes (a rotation), and verifiers re-read.
    pub const KEY_SET: Self = Self("public, max-age=300");
}

/// Turns a handler's outcome into the HTTP response, with the headers every response carries.
pub fn finish(outcome: Result<ApiResponse, AppError>, request_id: &str) -> Response<Body> {
    let outcome = outcome.and_then(|ok| match ok.body {
        Some(Err(error)) => Err(AppError::internal(error)),
        _ => Ok(ok),
    });
    let (status, body, location, retry_after, cache_control, etag) = match outcome {
        Ok(ok) => (
            ok.status,
            ok.body.and_then(Result::ok),
            ok.location,
            None,
            ok.cache_control,
            ok.etag,
        ),
        Err(error) => {
            // Serialising the envelope of our own error type cannot fail; fall back anyway.
            let body = serde_json::to_string(&error.envelope(request_id)).unwrap_or_else(|_| {
                r#"{"status":"error","code":"INTERNAL","message":"An unexpected error occurred."}"#
                    .to_owned()
            });
            (
                error.status(),
                Some(body),
                None,
                error.retry_after_secs(),
                NO_STORE,
                None,
            )
        }
    };

    let mut response = Response::new(body.clone().map_or(Body::Empty, Body::Text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if body.is_some() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000; includeSubDomains"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(HeaderName::from_static("x-request-id"), id);
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(LOCATION, location);
    }
    if let Some(seconds) = retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(&e.header_value()).ok()) {
        headers.insert(ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_json(response: &Response<Body>) -> serde_json::Value {
        match response.body() {
            Body::Text(text) => serde_json::from_str(text).unwrap(),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn every_response_carries_the_contract_headers() {
        for outcome in [
            Ok(ApiResponse::ok(&serde_json::json!({"a": 1}))),
            Ok(ApiResponse::no_content()),
            Err(AppError::NotFound),
        ] {
            let response = finish(outcome, "req-1");
            let headers = response.headers();
            assert_eq!(headers["x-request-id"], "req-1");
            assert_eq!(headers["cache-control"], "no-store");
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(
                headers["strict-transport-security"],
                "max-age=63072000; includeSubDomains"
            );
            if response.status() == StatusCode::NO_CONTENT {
                assert!(matches!(response.body(), Body::Empty));
                assert!(headers.get(CONTENT_TYPE).is_none());
            } else {
                assert_eq!(headers[CONTENT_TYPE], "application/json");
            }
        }
    }

    #[test]
    fn success_list_and_error_envelopes() {
        let created = finish(Ok(ApiResponse::created(&"x", "/users/1".into())), "r");
        assert_eq!(created.status(), 201);
        assert_eq!(created.headers()[LOCATION], "/users/1");
        assert_eq!(
            body_json(&created),
            serde_json::json!({"status":"success","data":"x"})
        );

        let page = Pagination {
            limit: 20,
            next_cursor: None,
        };
        let list = finish(Ok(ApiResponse::list(&[1, 2], &page)), "r");
        assert_eq!(
            body_json(&list),
            serde_json::json!({"status":"success","data":[1,2],"pagination":{"limit":20,"nextCursor":null}})
        );

        let limited = finish(
            Err(AppError::RateLimited {
                retry_after_secs: 42,
            }),
            "r",
        );
        assert_eq!(limited.status(), 429);
        assert_eq!(limited.headers()[RETRY_AFTER], "42");
        assert_eq!(body_json(&limited)["code"], "RATE_LIMITED");
        assert_eq!(body_json(&limited)["requestId"], "r");
    }
}
