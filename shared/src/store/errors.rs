use std::error::Error as StdError;
use std::fmt::Debug;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::error::AppError;

/// Error codes DynamoDB answers when it is overloaded or briefly failing: the client should
/// retry later, so they are 503, not 500.
const UNAVAILABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
];

/// The `AppError` for a DynamoDB call that failed for a reason the access method did not expect:
/// unreachable, timed out or throttled → `SERVICE_UNAVAILABLE`; anything else → `INTERNAL`.
pub fn sdk_error<E, R>(error: SdkError<E, R>) -> AppError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let unavailable = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => service
            .err()
            .code()
            .is_some_and(|code| UNAVAILABLE_CODES.contains(&code)),
        _ => false,
    };
    if unavailable {
        AppError::ServiceUnavailable(Box::new(error))
    } else {
        AppError::Internal(Box::new(error))
    }
}

/// Whether a single-item write failed its condition expression.
pub(crate) fn is_condition_failure<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// `on_condition` if a single-item write failed its condition, else what `sdk_error` says.
pub(crate) fn write_error<E, R>(error: SdkError<E, R>, on_condition: AppError) -> AppError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    if is_condition_failure(&error) {
        on_condition
    } else {
        sdk_error(error)
    }
}
