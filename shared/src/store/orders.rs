//! Orders: placed all-or-nothing with their stock and idempotency record in one transaction;
//! read by id, and listed per user newest first through `gsi1`.

use std::time::Duration;

use aws_sdk_dynamodb::{
    error::SdkError,
    operation::transact_write_items::TransactWriteItemsError,
    types::{AttributeValue, TransactWriteItem, Update},
};
use sha2::{Digest, Sha256};

use super::attrs::{
    CREATED_AT, EXPIRES_AT, GSI1, GSI1_PK, GSI1_SK, ID, ITEMS, ORDER_ID, PK, REQUEST_DIGEST,
    STATUS, STOCK, TOTAL_CENTS, TYPE, USER_ID, item_type, line, order_status,
};
use super::item::{Item, ItemReader, n, s};
use super::keys;
use super::transaction::{Cancellation, Transaction, put_new};
use super::{Store, sdk_error};
use crate::domain::{
    IdempotencyKey, Order, OrderId, OrderLine, OrderStatus, PriceCents, ProductId, Quantity,
    Timestamp, UserId,
};
use crate::error::{AppError, FieldError};

/// Idempotency records live a day (the contract's window).
pub const IDEMPOTENCY_TTL_SECS: u64 = 24 * 60 * 60;
/// Attempts of a transaction that DynamoDB cancels for a conflicting concurrent transaction.
const CONFLICT_ATTEMPTS: u32 = 4;

/// An `Idempotency-Key` with the fingerprint of the request it was first used with.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub key: IdempotencyKey,
    pub request_digest: String,
    pub expires_at: u64,
}

/// What an idempotency record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub request_digest: String,
    pub order_id: OrderId,
}

/// Why an order was not placed.
#[derive(Debug)]
pub enum PlaceOrderError {
    /// The idempotency key is already recorded (by an earlier or a concurrent request): read
    /// the record to tell a replay from a reuse.
    KeyTaken,
    /// Anything else, as the contract's error (`INSUFFICIENT_STOCK`, `CONFLICT`, 503, …).
    Failed(AppError),
}

impl From<AppError> for PlaceOrderError {
    fn from(error: AppError) -> Self {
        Self::Failed(error)
    }
}

/// The actions of the order transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderAction {
    /// Puts the order, if the id is new.
    Order,
    /// Puts the idempotency record, if the key is new.
    IdempotencyRecord,
    /// Takes the stock of order line `line` (its index in `items`), if enough is left.
    Stock { line: usize },
}

impl Store {
    /// One `TransactWriteItems`: the order, its idempotency record if any, and for each line a
    /// decrement of the product's stock on condition `stock >= quantity`. Either all of it
    /// happens or none. Retried with jittered backoff when another transaction conflicts.
    pub async fn place_order(
        &self,
        order: &Order,
        claim: Option<&IdempotencyClaim>,
    ) -> Result<(), PlaceOrderError> {
        let transaction = order_transaction(&self.table, order, claim)?;
        // Lets the SDK's own retries of this request be recognised by DynamoDB as one request.
        let token = claim.map(|claim| client_request_token(&order.user_id, &claim.key));

        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = transaction
                .request(&self.client)
                .set_client_request_token(token.clone())
                .send()
                .await;
            let Err(error) = result else { return Ok(()) };
            if is_idempotent_parameter_mismatch(&error) {
                return Err(PlaceOrderError::KeyTaken);
            }
            match transaction.cancellation(&error) {
                Some(Cancellation::ConditionFailed(failed)) => {
                    return Err(refusal(order, &failed));
                }
                Some(Cancellation::Conflict) if attempt < CONFLICT_ATTEMPTS => {
                    crate::metrics::count(crate::metrics::Event::OrderConflictRetry);
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Some(Cancellation::Conflict) => return Err(AppError::Conflict.into()),
                Some(Cancellation::Throttled) => {
                    return Err(AppError::ServiceUnavailable(Box::new(error)).into());
                }
                Some(Cancellation::Other(_)) | None => return Err(sdk_error(error).into()),
            }
        }
    }

    pub async fn find_order(&self, id: &OrderId) -> Result<Option<Order>, AppError> {
        let item = self.read_item(&keys::order(id)).await?;
        item.as_ref().map(order_from_item).transpose()
    }

    /// The live idempotency record of `user`'s `key`, if any (expired ones count as absent:
    /// TTL deletion lags).
    pub async fn find_idempotency_record(
        &self,
        user: &UserId,
        key: &IdempotencyKey,
        now: u64,
    ) -> Result<Option<IdempotencyRecord>, AppError> {
        let item = self.read_item(&keys::idempotency(user, key)).await?;
        let Some(item) = item else {
            return Ok(None);
        };
        let read = ItemReader::new(&item, item_type::IDEMPOTENCY);
        if read.number::<u64>(EXPIRES_AT)? <= now {
            return Ok(None);
        }
        Ok(Some(IdempotencyRecord {
            request_digest: read.string(REQUEST_DIGEST)?.to_owned(),
            order_id: read.parsed(ORDER_ID, OrderId::parse)?,
        }))
    }

    /// Up to `limit` of `user`'s orders, newest first, after the order `after` (exclusive).
    /// Also says whether more follow. Reads `gsi1`, which is eventually consistent: an order
    /// placed a moment ago may take a moment to be listed.
    pub async fn list_orders(
        &self,
        user: &UserId,
        limit: u32,
        after: Option<&OrderId>,
    ) -> Result<(Vec<Order>, bool), AppError> {
        let start = after.map(|order| {
            let mut key = keys::order(order).to_attributes();
            key.extend(keys::user_order(user, order).to_index_attributes());
            key
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("#gpk = :user AND begins_with(#gsk, :orders)")
            .expression_attribute_names("#gpk", GSI1_PK)
            .expression_attribute_names("#gsk", GSI1_SK)
            .expression_attribute_values(":user", s(keys::user_partition(user)))
            .expression_attribute_values(":orders", s(keys::USER_ORDERS_PREFIX))
            .scan_index_forward(false)
            // One more than asked, to know whether another page follows.
            .limit(limit as i32 + 1)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk_error)?;
        let mut orders = output
            .items
            .unwrap_or_default()
            .iter()
            .map(order_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        let more = orders.len() > limit as usize;
        orders.truncate(limit as usize);
        Ok((orders, more))
    }
}

/// The order, its idempotency record if any, and a stock update per line, each named.
fn order_transaction(
    table: &str,
    order: &Order,
    claim: Option<&IdempotencyClaim>,
) -> Result<Transaction<OrderAction>, AppError> {
    let mut transaction = Transaction::new();
    transaction.push(OrderAction::Order, put_new(table, order_item(order))?);
    if let Some(claim) = claim {
        transaction.push(
            OrderAction::IdempotencyRecord,
            put_new(table, idempotency_item(&order.user_id, &order.id, claim))?,
        );
    }
    for (index, line) in order.items.iter().enumerate() {
        transaction.push(
            OrderAction::Stock { line: index },
            take_stock(table, &line.product_id, line.quantity)?,
        );
    }
    Ok(transaction)
}

/// Stock never goes below zero: the decrement happens only if enough is left.
fn take_stock(
    table: &str,
    product: &ProductId,
    quantity: Quantity,
) -> Result<TransactWriteItem, AppError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(keys::product(product).to_attributes()))
        .update_expression("SET #stock = #stock - :quantity")
        .condition_expression("attribute_exists(#pk) AND #stock >= :quantity")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#stock", STOCK)
        .expression_attribute_values(":quantity", n(quantity.get()))
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// What the failed conditions of `order`'s transaction mean: the key was taken first, else the
/// short lines (named by path and product), else only the order put failed (a UUIDv7
/// collision, which the client may simply retry).
fn refusal(order: &Order, failed: &[OrderAction]) -> PlaceOrderError {
    if failed.contains(&OrderAction::IdempotencyRecord) {
        return PlaceOrderError::KeyTaken;
    }
    let short: Vec<FieldError> = failed
        .iter()
        .filter_map(|action| match action {
            OrderAction::Stock { line } => Some(FieldError::new(
                format!("items[{line}].quantity"),
                format!(
                    "more than the stock of product {}",
                    order.items[*line].product_id
                ),
            )),
            OrderAction::Order | OrderAction::IdempotencyRecord => None,
        })
        .collect();
    if short.is_empty() {
        return AppError::Conflict.into();
    }
    crate::metrics::count(crate::metrics::Event::InsufficientStock);
    AppError::InsufficientStock(short).into()
}

/// At most 36 characters, the same for every retry of one user's key.
fn client_request_token(user: &UserId, key: &IdempotencyKey) -> String {
    let digest = Sha256::digest(format!("{user}#{}", key.as_str()).as_bytes());
    hex::encode(&digest[..18])
}

/// 25, 50, 100 ms … with full jitter, so retrying writers do not collide again in step.
fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = 25u64 << attempt.min(6);
    let random = (uuid::Uuid::new_v4().as_u128() % u128::from(ceiling_ms)) as u64;
    Duration::from_millis(ceiling_ms / 2 + random / 2)
}

fn is_idempotent_parameter_mismatch(error: &SdkError<TransactWriteItemsError>) -> bool {
    matches!(
        error.as_service_error(),
        Some(TransactWriteItemsError::IdempotentParameterMismatchException(_))
    )
}

fn order_item(order: &Order) -> Item {
    let lines = order
        .items
        .iter()
        .map(|order_line| {
            AttributeValue::M(Item::from([
                (
                    line::PRODUCT_ID.to_owned(),
                    s(order_line.product_id.to_string()),
                ),
                (line::QUANTITY.to_owned(), n(order_line.quantity.get())),
                (
                    line::UNIT_PRICE_CENTS.to_owned(),
                    n(order_line.unit_price_cents.get()),
                ),
                (
                    line::LINE_TOTAL_CENTS.to_owned(),
                    n(order_line.line_total_cents),
                ),
            ]))
        })
        .collect();
    let mut item = keys::order(&order.id).to_attributes();
    item.extend(keys::user_order(&order.user_id, &order.id).to_index_attributes());
    item.extend([
        (TYPE.to_owned(), s(item_type::ORDER)),
        (ID.to_owned(), s(order.id.to_string())),
        (USER_ID.to_owned(), s(order.user_id.to_string())),
        (ITEMS.to_owned(), AttributeValue::L(lines)),
        (TOTAL_CENTS.to_owned(), n(order.total_cents)),
        (STATUS.to_owned(), s(order_status::PLACED)),
        (CREATED_AT.to_owned(), s(order.created_at.to_rfc3339())),
    ]);
    item
}

fn idempotency_item(user: &UserId, order: &OrderId, claim: &IdempotencyClaim) -> Item {
    let mut item = keys::idempotency(user, &claim.key).to_attributes();
    item.extend([
        (TYPE.to_owned(), s(item_type::IDEMPOTENCY)),
        (REQUEST_DIGEST.to_owned(), s(&claim.request_digest)),
        (ORDER_ID.to_owned(), s(order.to_string())),
        (EXPIRES_AT.to_owned(), n(claim.expires_at)),
    ]);
    item
}

fn order_from_item(item: &Item) -> Result<Order, AppError> {
    let read = ItemReader::new(item, item_type::ORDER);
    let corrupt = || AppError::internal(format!("corrupt order item: {ITEMS}"));
    let Some(AttributeValue::L(lines)) = item.get(ITEMS) else {
        return Err(corrupt());
    };
    let items = lines
        .iter()
        .map(|line| {
            let AttributeValue::M(line) = line else {
                return Err(corrupt());
            };
            let read = ItemReader::new(line, item_type::ORDER);
            Ok(OrderLine {
                product_id: read.parsed(line::PRODUCT_ID, ProductId::parse)?,
                quantity: Quantity::new(read.number(line::QUANTITY)?).ok_or_else(corrupt)?,
                unit_price_cents: PriceCents::new(read.number(line::UNIT_PRICE_CENTS)?)
                    .ok_or_else(corrupt)?,
                line_total_cents: read.number(line::LINE_TOTAL_CENTS)?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Order {
        id: read.parsed(ID, OrderId::parse)?,
        user_id: read.parsed(USER_ID, UserId::parse)?,
        items,
        total_cents: read.number(TOTAL_CENTS)?,
        status: read.parsed(STATUS, |v| {
            (v == order_status::PLACED).then_some(OrderStatus::Placed)
        })?,
        created_at: read.parsed(CREATED_AT, Timestamp::parse)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_items_round_trip() {
        let order = Order::place(
            UserId::new(),
            [(
                ProductId::new(),
                Quantity::new(3).unwrap(),
                PriceCents::new(250).unwrap(),
            )],
        );
        assert_eq!(order_from_item(&order_item(&order)).unwrap(), order);
    }

    #[test]
    fn each_action_of_the_order_transaction_is_named_for_what_it_writes() {
        let (quantity, price) = (Quantity::new(1).unwrap(), PriceCents::new(100).unwrap());
        let order = Order::place(
            UserId::new(),
            [
                (ProductId::new(), quantity, price),
                (ProductId::new(), quantity, price),
            ],
        );
        let product = |line: usize| keys::product(&order.items[line].product_id).pk;
        let claim = IdempotencyClaim {
            key: IdempotencyKey::parse("abc").unwrap(),
            request_digest: "digest".into(),
            expires_at: 1,
        };
        let with_key = order_transaction("t", &order, Some(&claim)).unwrap();
        assert_eq!(
            with_key.targets(),
            [
                (OrderAction::Order, keys::order(&order.id).pk),
                (
                    OrderAction::IdempotencyRecord,
                    keys::idempotency(&order.user_id, &claim.key).pk
                ),
                (OrderAction::Stock { line: 0 }, product(0)),
                (OrderAction::Stock { line: 1 }, product(1)),
            ]
        );
        let without_key = order_transaction("t", &order, None).unwrap();
        assert_eq!(
            without_key.targets(),
            [
                (OrderAction::Order, keys::order(&order.id).pk),
                (OrderAction::Stock { line: 0 }, product(0)),
                (OrderAction::Stock { line: 1 }, product(1)),
            ]
        );
    }

    #[test]
    fn failed_conditions_are_read_by_the_action_that_failed() {
        let (quantity, price) = (Quantity::new(1).unwrap(), PriceCents::new(100).unwrap());
        let order = Order::place(
            UserId::new(),
            [
                (ProductId::new(), quantity, price),
                (ProductId::new(), quantity, price),
            ],
        );
        let code = |failed: &[OrderAction]| match refusal(&order, failed) {
            PlaceOrderError::KeyTaken => "KEY_TAKEN".to_owned(),
            PlaceOrderError::Failed(error) => match error.field_errors() {
                Some(fields) => format!("{} {}", error.code(), fields[0].field),
                None => error.code().to_owned(),
            },
        };
        let short = OrderAction::Stock { line: 1 };
        assert_eq!(code(&[short]), "INSUFFICIENT_STOCK items[1].quantity");
        assert_eq!(code(&[OrderAction::IdempotencyRecord, short]), "KEY_TAKEN");
        assert_eq!(code(&[OrderAction::Order]), "CONFLICT");
    }

    #[test]
    fn client_request_tokens_fit_and_are_stable_per_user_and_key() {
        let user = UserId::new();
        let key = IdempotencyKey::parse("abc").unwrap();
        let token = client_request_token(&user, &key);
        assert_eq!(token.len(), 36);
        assert_eq!(token, client_request_token(&user, &key));
        assert_ne!(token, client_request_token(&UserId::new(), &key));
    }

    #[test]
    fn backoff_grows_and_is_jittered() {
        for attempt in 1..4 {
            let ceiling = 25u64 << attempt;
            let delay = backoff(attempt).as_millis() as u64;
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{attempt}: {delay}"
            );
        }
    }
}
