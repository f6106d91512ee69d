//! Order cancellation: the order goes from `placed` to `cancelled` and every line's units go
//! back to their product, in one `TransactWriteItems`, so a cancel restocks exactly once or not
//! at all, whatever runs beside it.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::attrs::{CANCELLED_AT, PK, STATUS, STOCK, UPDATED_AT, VERSION, order_status};
use super::item::{n, s};
use super::keys;
use super::orders::{CONFLICT_ATTEMPTS, backoff};
use super::transaction::{Cancellation, Transaction};
use super::{Store, sdk_error};
use crate::domain::{Order, OrderId, OrderLine, Timestamp};
use crate::error::AppError;

/// The actions of the cancel transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CancelAction {
    /// Marks the order cancelled, if it is still placed.
    Order,
    /// Gives the units of order line `line` (its index in `items`) back to the product.
    Restock { line: usize },
}

/// What to do after one attempt of the transaction failed.
#[derive(Debug)]
enum Next {
    Retry,
    Fail(AppError),
}

impl Store {
    /// Cancels `order` (as read) at `at`: one transaction that sets the order `cancelled` on
    /// condition it is still `placed`, and adds each line's quantity back to its product's
    /// stock (archived products too: the product need only exist). A cancel that loses to
    /// another, concurrent or earlier, is `ORDER_NOT_CANCELLABLE` and restocks nothing. Retried
    /// with jittered backoff when another transaction conflicts, then `CONFLICT`. Returns the
    /// order as cancelled: after placing, the cancel is the only write an order ever gets, so
    /// the order read plus this write is what is stored.
    pub async fn cancel_order(&self, order: &Order, at: Timestamp) -> Result<Order, AppError> {
        if !order.is_cancellable() {
            return Err(AppError::OrderNotCancellable);
        }
        let transaction = cancel_transaction(&self.table, order, at)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The SDK gives each call its own ClientRequestToken and keeps it across its own
            // retries, so a retried commit is not applied (or refused) twice.
            let result = transaction.request(&self.client).send().await;
            let Err(error) = result else {
                return Ok(order.cancelled(at));
            };
            match next_step(transaction.cancellation(&error), attempt) {
                Some(Next::Retry) => tokio::time::sleep(backoff(attempt)).await,
                Some(Next::Fail(refusal)) => return Err(refusal),
                None => return Err(sdk_error(error)),
            }
        }
    }
}

/// What a cancelled attempt means: a failed order condition is a cancel that lost (the order
/// is no longer placed); a failed restock condition is a product item that is gone, which
/// nothing in this API does (products are archived, never deleted). `None`: not a cancellation,
/// for `sdk_error` to classify.
fn next_step(cancellation: Option<Cancellation<CancelAction>>, attempt: u32) -> Option<Next> {
    Some(match cancellation? {
        Cancellation::ConditionFailed(failed) if failed.contains(&CancelAction::Order) => {
            Next::Fail(AppError::OrderNotCancellable)
        }
        Cancellation::ConditionFailed(failed) => Next::Fail(AppError::internal(format!(
            "cancel: the product of {failed:?} no longer exists"
        ))),
        Cancellation::Conflict if attempt < CONFLICT_ATTEMPTS => Next::Retry,
        Cancellation::Conflict => Next::Fail(AppError::Conflict),
        Cancellation::Throttled => Next::Fail(AppError::ServiceUnavailable(
            "the cancel transaction was throttled".into(),
        )),
        Cancellation::Other(_) => return None,
    })
}

/// The order's status change and a restock per line, each named.
fn cancel_transaction(
    table: &str,
    order: &Order,
    at: Timestamp,
) -> Result<Transaction<CancelAction>, AppError> {
    let mut transaction = Transaction::new();
    transaction.push(CancelAction::Order, mark_cancelled(table, &order.id, at)?);
    for (index, line) in order.items.iter().enumerate() {
        transaction.push(
            CancelAction::Restock { line: index },
            restock(table, line, at)?,
        );
    }
    Ok(transaction)
}

/// `placed` → `cancelled`, only from `placed`: of two cancels, exactly one passes this.
fn mark_cancelled(table: &str, id: &OrderId, at: Timestamp) -> Result<TransactWriteItem, AppError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(keys::order(id).to_attributes()))
        .condition_expression("#status = :placed")
        // Orders stored before versions existed have none and read as 1: counting from there
        // (not ADD, which would start an absent version at 1) makes the cancel change the ETag.
        .update_expression(
            "SET #status = :cancelled, #cancelledAt = :at, \
             #version = if_not_exists(#version, :one) + :one",
        )
        .expression_attribute_names("#status", STATUS)
        .expression_attribute_names("#cancelledAt", CANCELLED_AT)
        .expression_attribute_names("#version", VERSION)
        .expression_attribute_values(":placed", s(order_status::PLACED))
        .expression_attribute_values(":cancelled", s(order_status::CANCELLED))
        .expression_attribute_values(":at", s(at.to_rfc3339()))
        .expression_attribute_values(":one", n(1))
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The line's units back into stock, added atomically (concurrent orders and restocks keep
/// theirs); a product write like any other, so its version and `updatedAt` move. Conditional
/// on the product existing, so a cancel never creates a stray product item.
fn restock(table: &str, line: &OrderLine, at: Timestamp) -> Result<TransactWriteItem, AppError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(keys::product(&line.product_id).to_attributes()))
        .condition_expression("attribute_exists(#pk)")
        .update_expression("SET #updatedAt = :at ADD #stock :quantity, #version :one")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#stock", STOCK)
        .expression_attribute_names("#version", VERSION)
        .expression_attribute_names("#updatedAt", UPDATED_AT)
        .expression_attribute_values(":quantity", n(line.quantity.get()))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":at", s(at.to_rfc3339()))
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PriceCents, ProductId, Quantity, UserId};

    fn two_line_order() -> Order {
        let (quantity, price) = (Quantity::new(1).unwrap(), PriceCents::new(100).unwrap());
        Order::place(
            UserId::new(),
            [
                (ProductId::new(), quantity, price),
                (ProductId::new(), quantity, price),
            ],
        )
    }

    #[test]
    fn each_action_of_the_cancel_transaction_is_named_for_what_it_writes() {
        let order = two_line_order();
        let product = |line: usize| keys::product(&order.items[line].product_id).pk;
        assert_eq!(
            cancel_transaction("t", &order, Timestamp::now())
                .unwrap()
                .targets(),
            [
                (CancelAction::Order, keys::order(&order.id).pk),
                (CancelAction::Restock { line: 0 }, product(0)),
                (CancelAction::Restock { line: 1 }, product(1)),
            ]
        );
    }

    #[test]
    fn failed_conditions_and_conflicts_are_read_by_the_action_that_failed() {
        let code = |cancellation: Cancellation<CancelAction>, attempt: u32| match next_step(
            Some(cancellation),
            attempt,
        ) {
            Some(Next::Retry) => "RETRY".to_owned(),
            Some(Next::Fail(error)) => error.code().to_owned(),
            None => "SDK".to_owned(),
        };
        let failed = |actions: &[CancelAction]| Cancellation::ConditionFailed(actions.to_vec());
        let restock = CancelAction::Restock { line: 1 };
        assert_eq!(
            code(failed(&[CancelAction::Order]), 1),
            "ORDER_NOT_CANCELLABLE"
        );
        assert_eq!(
            code(failed(&[CancelAction::Order, restock]), 1),
            "ORDER_NOT_CANCELLABLE"
        );
        assert_eq!(code(failed(&[restock]), 1), "INTERNAL");
        for attempt in 1..CONFLICT_ATTEMPTS {
            assert_eq!(code(Cancellation::Conflict, attempt), "RETRY");
        }
        assert_eq!(code(Cancellation::Conflict, CONFLICT_ATTEMPTS), "CONFLICT");
        assert_eq!(code(Cancellation::Throttled, 1), "SERVICE_UNAVAILABLE");
        assert_eq!(
            code(Cancellation::Other("ValidationError".into()), 1),
            "SDK"
        );
        assert!(next_step(None, 1).is_none());
    }
}
