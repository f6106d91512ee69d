//! Reading a cancelled `TransactWriteItems`. DynamoDB answers one reason per action, in the
//! order the actions were sent; this turns them into what the caller can act on.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{CancellationReason, Put, TransactWriteItem};

use super::item::Item;
use super::keys::PK;
use crate::error::AppError;

/// Why a transaction was cancelled, in order of precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancellation {
    /// These actions' conditions failed (indexes into the actions sent): a business rule, e.g.
    /// the email is taken or stock is short.
    ConditionFailed(Vec<usize>),
    /// Another transaction touched the same items at once; safe to retry.
    Conflict,
    /// Capacity or throttling; the client should retry later.
    Throttled,
    /// Anything else (validation, size limits): a bug, not the client's doing.
    Other(String),
}

/// Classifies the cancellation reasons (`code` per action, `None`/"None" where it passed).
/// Conditions win over conflicts: a failed condition is an answer; a conflict is only a retry.
pub fn classify_cancellation(codes: &[Option<&str>]) -> Cancellation {
    let failed: Vec<usize> = codes
        .iter()
        .enumerate()
        .filter(|(_, code)| *code == &Some("ConditionalCheckFailed"))
        .map(|(index, _)| index)
        .collect();
    if !failed.is_empty() {
        return Cancellation::ConditionFailed(failed);
    }
    let has = |wanted: &[&str]| codes.iter().flatten().any(|code| wanted.contains(code));
    if has(&["TransactionConflict"]) {
        return Cancellation::Conflict;
    }
    if has(&[
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "RequestLimitExceeded",
    ]) {
        return Cancellation::Throttled;
    }
    let other = codes
        .iter()
        .flatten()
        .filter(|code| **code != "None")
        .copied()
        .collect::<Vec<_>>()
        .join(",");
    Cancellation::Other(other)
}

/// The same, from the SDK's reasons.
pub(crate) fn classify_reasons(reasons: &[CancellationReason]) -> Cancellation {
    let codes: Vec<Option<&str>> = reasons.iter().map(CancellationReason::code).collect();
    classify_cancellation(&codes)
}

/// The cancellation reasons of a cancelled transaction; `None` for any other failure.
pub(crate) fn cancellation(error: &SdkError<TransactWriteItemsError>) -> Option<Cancellation> {
    match error.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => {
            Some(classify_reasons(cancelled.cancellation_reasons()))
        }
        _ => None,
    }
}

/// A transaction action that puts `item` only if its key is new.
pub(crate) fn put_new(table: &str, item: Item) -> Result<TransactWriteItem, AppError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", PK)
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_conditions_name_their_actions() {
        let codes = [
            Some("None"),
            Some("ConditionalCheckFailed"),
            Some("ConditionalCheckFailed"),
        ];
        assert_eq!(
            classify_cancellation(&codes),
            Cancellation::ConditionFailed(vec![1, 2])
        );
    }

    #[test]
    fn a_conflict_is_retryable_unless_a_condition_also_failed() {
        // DynamoDB Local never raises TransactionConflict, so this mapping is only tested here.
        let conflict = [Some("None"), Some("TransactionConflict")];
        assert_eq!(classify_cancellation(&conflict), Cancellation::Conflict);
        let both = [Some("TransactionConflict"), Some("ConditionalCheckFailed")];
        assert_eq!(
            classify_cancellation(&both),
            Cancellation::ConditionFailed(vec![1])
        );
    }

    #[test]
    fn throttling_and_the_rest() {
        assert_eq!(
            classify_cancellation(&[Some("ThrottlingError"), None]),
            Cancellation::Throttled
        );
        assert_eq!(
            classify_cancellation(&[Some("None"), Some("ValidationError")]),
            Cancellation::Other("ValidationError".into())
        );
    }

    #[test]
    fn reads_sdk_reasons() {
        let reasons = [
            CancellationReason::builder().code("None").build(),
            CancellationReason::builder()
                .code("ConditionalCheckFailed")
                .build(),
        ];
        assert_eq!(
            classify_reasons(&reasons),
            Cancellation::ConditionFailed(vec![1])
        );
    }
}
