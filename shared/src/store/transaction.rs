//! Building a `TransactWriteItems` and reading its cancellation. DynamoDB answers one reason
//! per action, by position; a [`Transaction`] names each action as it is added, so callers ask
//! "did the email claim fail?", never "did action 1 fail?".

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, builders::TransactWriteItemsFluentBuilder,
};
use aws_sdk_dynamodb::types::{CancellationReason, Put, TransactWriteItem};

use super::attrs::PK;
use super::item::Item;
use crate::error::AppError;

/// The actions of one `TransactWriteItems`, each under a name (`A`, an enum per transaction)
/// that stands for its position.
#[derive(Debug, Clone)]
pub(crate) struct Transaction<A> {
    actions: Vec<TransactWriteItem>,
    names: Vec<A>,
}

impl<A: Copy> Transaction<A> {
    pub(crate) fn new() -> Self {
        Self {
            actions: Vec::new(),
            names: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, name: A, action: TransactWriteItem) {
        self.actions.push(action);
        self.names.push(name);
    }

    /// The request, ready to send (or to send again: it can be built more than once).
    pub(crate) fn request(&self, client: &Client) -> TransactWriteItemsFluentBuilder {
        client
            .transact_write_items()
            .set_transact_items(Some(self.actions.clone()))
    }

    /// Why DynamoDB cancelled this transaction, naming the actions whose conditions failed;
    /// `None` for any other failure.
    pub(crate) fn cancellation(
        &self,
        error: &SdkError<TransactWriteItemsError>,
    ) -> Option<Cancellation<A>> {
        cancellation(error).map(|reasons| reasons.named(&self.names))
    }

    /// The actions whose conditions failed, each with the item as it was when its condition
    /// was checked: present when the action asked for it
    /// (`ReturnValuesOnConditionCheckFailure::AllOld`) and the item existed. Empty for any
    /// other failure.
    pub(crate) fn failed_conditions(
        &self,
        error: &SdkError<TransactWriteItemsError>,
    ) -> Vec<(A, Option<Item>)> {
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            error.as_service_error()
        else {
            return Vec::new();
        };
        cancelled
            .cancellation_reasons()
            .iter()
            .zip(&self.names)
            .filter(|(reason, _)| reason.code() == Some("ConditionalCheckFailed"))
            .map(|(reason, name)| (*name, reason.item().cloned()))
            .collect()
    }

    /// Each action's name and the partition key of the item it writes, in the order sent.
    #[cfg(test)]
    pub(crate) fn targets(&self) -> Vec<(A, String)> {
        let pk = |action: &TransactWriteItem| {
            let attributes = action
                .put()
                .map(|put| put.item())
                .or_else(|| action.update().map(|update| update.key()))
                .or_else(|| action.delete().map(|delete| delete.key()))
                .or_else(|| action.condition_check().map(|check| check.key()));
            attributes
                .and_then(|attributes| attributes.get(PK))
                .and_then(|pk| pk.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        self.names
            .iter()
            .copied()
            .zip(self.actions.iter().map(pk))
            .collect()
    }
}

/// Why a transaction was cancelled, in order of precedence. `A` says which action: its position
/// as DynamoDB reports it, or the name a [`Transaction`] gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancellation<A = usize> {
    /// These actions' conditions failed: a business rule, e.g. the email is taken or stock is
    /// short.
    ConditionFailed(Vec<A>),
    /// Another transaction touched the same items at once; safe to retry.
    Conflict,
    /// Capacity or throttling; the client should retry later.
    Throttled,
    /// Anything else (validation, size limits): a bug, not the client's doing.
    Other(String),
}

impl Cancellation {
    /// The same, with each position replaced by the name of the action sent there.
    fn named<A: Copy>(self, names: &[A]) -> Cancellation<A> {
        match self {
            Self::ConditionFailed(positions) => Cancellation::ConditionFailed(
                positions
                    .into_iter()
                    .filter_map(|position| names.get(position).copied())
                    .collect(),
            ),
            Self::Conflict => Cancellation::Conflict,
            Self::Throttled => Cancellation::Throttled,
            Self::Other(codes) => Cancellation::Other(codes),
        }
    }
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
fn cancellation(error: &SdkError<TransactWriteItemsError>) -> Option<Cancellation> {
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
    fn failed_conditions_are_named_by_the_action_at_their_position() {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Action {
            First,
            Second,
            Third,
        }
        let names = [Action::First, Action::Second, Action::Third];
        assert_eq!(
            Cancellation::ConditionFailed(vec![0, 2]).named(&names),
            Cancellation::ConditionFailed(vec![Action::First, Action::Third])
        );
        assert_eq!(Cancellation::Conflict.named(&names), Cancellation::Conflict);
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
