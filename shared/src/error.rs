//! The one error type every handler returns, and the one place it becomes an HTTP response.
//!
//! Each variant is a code of the contract (`docs/API.md`, "Errors"); its status, code and
//! client-facing message are decided here and nowhere else. Internal causes are kept as a source
//! chain for the log and never reach the client.

use std::error::Error as StdError;

use lambda_http::http::StatusCode;
use serde::Serialize;

/// A boxed cause, kept for the log line of a 5xx.
pub type Cause = Box<dyn StdError + Send + Sync + 'static>;

/// One problem with one input field, as listed in the error envelope's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request body is not a JSON object")]
    MalformedJson,
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("missing or invalid access token")]
    Unauthenticated,
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("an order line names an unknown product")]
    ProductNotFound(Vec<FieldError>),
    #[error("email taken")]
    EmailTaken,
    #[error("insufficient stock")]
    InsufficientStock(Vec<FieldError>),
    #[error("a concurrent write won")]
    Conflict,
    #[error("the order is not cancellable")]
    OrderNotCancellable,
    #[error("If-Match names a version that is no longer current")]
    PreconditionFailed,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("idempotency key reused with another body")]
    IdempotencyKeyReused,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("dependency unavailable")]
    ServiceUnavailable(#[source] Cause),
    #[error("internal error")]
    Internal(#[source] Cause),
}

impl AppError {
    /// An internal error from anything that can be an error, kept for the log.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::Internal(cause.into())
    }

    /// A validation failure on one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::MalformedJson | Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::InvalidCredentials | Self::InvalidRefreshToken => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound | Self::ProductNotFound(_) => StatusCode::NOT_FOUND,
            Self::EmailTaken
            | Self::InsufficientStock(_)
            | Self::Conflict
            | Self::OrderNotCancellable => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson => "MALFORMED_JSON",
            Self::Validation(_) => "VALIDATION_FAILED",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::InvalidRefreshToken => "INVALID_REFRESH_TOKEN",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::ProductNotFound(_) => "PRODUCT_NOT_FOUND",
            Self::EmailTaken => "EMAIL_TAKEN",
            Self::InsufficientStock(_) => "INSUFFICIENT_STOCK",
            Self::Conflict => "CONFLICT",
            Self::OrderNotCancellable => "ORDER_NOT_CANCELLABLE",
            Self::PreconditionFailed => "PRECONDITION_FAILED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::ServiceUnavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The sentence the client reads. It never carries an internal detail.
    pub fn message(&self) -> &'static str {
        match self {
            Self::MalformedJson => "The request body must be a JSON object.",
            Self::Validation(_) => "Some fields are invalid; see errors.",
            Self::Unauthenticated => "A valid access token is required.",
            Self::InvalidCredentials => "The email or password is incorrect.",
            Self::InvalidRefreshToken => "The refresh token is invalid, expired or already used.",
            Self::Forbidden => "You are not allowed to do this.",
            Self::NotFound => "The resource does not exist.",
            Self::ProductNotFound(_) => "An order line names a product that does not exist.",
            Self::EmailTaken => "Another account already uses this email.",
            Self::InsufficientStock(_) => "Not enough stock for some order lines; see errors.",
            Self::Conflict => "A concurrent change won; retry the request.",
            Self::OrderNotCancellable => "Only a placed order can be cancelled.",
            Self::PreconditionFailed => {
                "The resource changed since the version named in If-Match; read it again."
            }
            Self::PayloadTooLarge => "The request body is larger than 64 KiB.",
            Self::UnsupportedMediaType => "The request body must be sent as application/json.",
            Self::IdempotencyKeyReused => {
                "This Idempotency-Key was already used with a different request body."
            }
            Self::RateLimited { .. } => "Too many failed attempts; retry later.",
            Self::ServiceUnavailable(_) => "The service is temporarily unavailable; retry later.",
            Self::Internal(_) => "An unexpected error occurred.",
        }
    }

    /// Per-field details for the envelope's `errors`, where the code has them.
    pub fn field_errors(&self) -> Option<&[FieldError]> {
        match self {
            Self::Validation(errors)
            | Self::ProductNotFound(errors)
            | Self::InsufficientStock(errors) => Some(errors),
            _ => None,
        }
    }

    /// The `Retry-After` header value, in seconds, where the code has one.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Self::ServiceUnavailable(_) => Some(1),
            _ => None,
        }
    }

    /// Whether this is a server-side failure worth logging with its cause chain.
    pub fn is_server_error(&self) -> bool {
        self.status().is_server_error()
    }

    /// "cause: its cause: …" for the log; never sent to a client.
    pub fn source_chain(&self) -> String {
        let mut chain = self.to_string();
        let mut next = self.source();
        while let Some(cause) = next {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            next = cause.source();
        }
        chain
    }
}

/// The body of an error response, as the contract spells it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope<'a> {
    pub status: &'static str,
    pub code: &'static str,
    pub message: &'static str,
    pub request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<&'a [FieldError]>,
}

impl AppError {
    pub fn envelope<'a>(&'a self, request_id: &'a str) -> ErrorEnvelope<'a> {
        ErrorEnvelope {
            status: "error",
            code: self.code(),
            message: self.message(),
            request_id,
            errors: self.field_errors(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_the_contract_status() {
        let cases: Vec<(AppError, u16, &str)> = vec![
            (AppError::MalformedJson, 400, "MALFORMED_JSON"),
            (AppError::Validation(vec![]), 400, "VALIDATION_FAILED"),
            (AppError::Unauthenticated, 401, "UNAUTHENTICATED"),
            (AppError::InvalidCredentials, 401, "INVALID_CREDENTIALS"),
            (AppError::InvalidRefreshToken, 401, "INVALID_REFRESH_TOKEN"),
            (AppError::Forbidden, 403, "FORBIDDEN"),
            (AppError::NotFound, 404, "NOT_FOUND"),
            (AppError::ProductNotFound(vec![]), 404, "PRODUCT_NOT_FOUND"),
            (AppError::EmailTaken, 409, "EMAIL_TAKEN"),
            (
                AppError::InsufficientStock(vec![]),
                409,
                "INSUFFICIENT_STOCK",
            ),
            (AppError::Conflict, 409, "CONFLICT"),
            (AppError::OrderNotCancellable, 409, "ORDER_NOT_CANCELLABLE"),
            (AppError::PreconditionFailed, 412, "PRECONDITION_FAILED"),
            (AppError::PayloadTooLarge, 413, "PAYLOAD_TOO_LARGE"),
            (
                AppError::UnsupportedMediaType,
                415,
                "UNSUPPORTED_MEDIA_TYPE",
            ),
            (
                AppError::IdempotencyKeyReused,
                422,
                "IDEMPOTENCY_KEY_REUSED",
            ),
            (
                AppError::RateLimited {
                    retry_after_secs: 5,
                },
                429,
                "RATE_LIMITED",
            ),
            (
                AppError::ServiceUnavailable("down".into()),
                503,
                "SERVICE_UNAVAILABLE",
            ),
            (AppError::internal("boom"), 500, "INTERNAL"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status().as_u16(), status, "{code}");
            assert_eq!(error.code(), code);
        }
    }

    #[test]
    fn internal_message_hides_the_cause_but_the_log_chain_keeps_it() {
        let error = AppError::internal("table users-prod: secret detail");
        assert!(!error.message().contains("secret"));
        let body = serde_json::to_string(&error.envelope("req-1")).unwrap();
        assert!(!body.contains("secret"), "{body}");
        assert!(error.source_chain().contains("secret detail"));
    }

    #[test]
    fn validation_envelope_lists_each_field() {
        let error = AppError::Validation(vec![
            FieldError::new("email", "must be an email address"),
            FieldError::new("roles", "unknown field"),
        ]);
        let body = serde_json::to_value(error.envelope("req-9")).unwrap();
        assert_eq!(body["status"], "error");
        assert_eq!(body["code"], "VALIDATION_FAILED");
        assert_eq!(body["requestId"], "req-9");
        assert_eq!(body["errors"][1]["field"], "roles");
        assert_eq!(
            AppError::NotFound
                .envelope("r")
                .errors
                .map(<[FieldError]>::len),
            None
        );
    }
}
