//! Orders: placed all-or-nothing with their stock and idempotency record in one transaction;
//! read by id, and listed per user newest first through `gsi1`.

use std::time::Duration;

use aws_sdk_dynamodb::{
    error::SdkError,
    operation::transact_write_items::TransactWriteItemsError,
    types::{AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update},
};
use sha2::{Digest, Sha256};

use super::attrs::{
    ARCHIVED_AT, CREATED_AT, EXPIRES_AT, GSI1, GSI1_PK, GSI1_SK, ID, ITEMS, ORDER_ID, PK,
    PRICE_CENTS, REQUEST_DIGEST, STATUS, STOCK, TOTAL_CENTS, TYPE, UPDATED_AT, USER_ID, VERSION,
    item_type, line, order_status,
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
pub(super) const CONFLICT_ATTEMPTS: u32 = 4;

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
    /// A product's price changed between pricing the order and placing it: nothing was
    /// written; price the order again.
    PriceChanged,
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
    /// Takes the stock of order line `line` (its index in `items`), if the product is still on
    /// sale at the price the line was priced with and enough is left.
    Stock { line: usize },
}

impl Store {
    /// One `TransactWriteItems`: the order, its idempotency record if any, and for each line a
    /// sale from the product (stock down by the quantity, a version up, `updatedAt` now) on
    /// condition it is not archived, still at the line's price and has `stock >= quantity`.
    /// Either all of it happens or none: an order racing an archive commits before it or not
    /// at all, and no line is sold at a price the product no longer has. Retried with jittered
    /// backoff when another transaction conflicts.
    pub async fn place_order(
        &self,
        order: &Order,
        claim: Option<&IdempotencyClaim>,
    ) -> Result<(), PlaceOrderError> {
        let transaction = order_transaction(&self.table, order, claim, Timestamp::now())?;
        // Lets the SDK's own retries of this request be recognised by DynamoDB as one request.
        let token = claim.map(|claim| client_request_token(&order.user_id, &claim.key, &order.id));

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
                Some(Cancellation::ConditionFailed(_)) => {
                    return Err(refusal(order, &transaction.failed_conditions(&error)));
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

/// The order, its idempotency record if any, and a sale per line, each named.
fn order_transaction(
    table: &str,
    order: &Order,
    claim: Option<&IdempotencyClaim>,
    now: Timestamp,
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
        transaction.push(OrderAction::Stock { line: index }, sell(table, line, now)?);
    }
    Ok(transaction)
}

/// One line's sale: stock never goes below zero, an archived product sells nothing (so no
/// order commits after its archive), and the line's price must still be the product's (so no
/// line is sold at a stale price). Like every product write, it moves the version (the
/// product's `ETag`) and `updatedAt`. A failed condition returns the product as it was, which
/// tells the three apart.
fn sell(table: &str, line: &OrderLine, now: Timestamp) -> Result<TransactWriteItem, AppError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(keys::product(&line.product_id).to_attributes()))
        .update_expression("SET #stock = #stock - :quantity, #updatedAt = :now ADD #version :one")
        .condition_expression(
            "attribute_exists(#pk) AND attribute_not_exists(#archivedAt) \
             AND #price = :price AND #stock >= :quantity",
        )
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#archivedAt", ARCHIVED_AT)
        .expression_attribute_names("#price", PRICE_CENTS)
        .expression_attribute_names("#stock", STOCK)
        .expression_attribute_names("#updatedAt", UPDATED_AT)
        .expression_attribute_names("#version", VERSION)
        .expression_attribute_values(":quantity", n(line.quantity.get()))
        .expression_attribute_values(":price", n(line.unit_price_cents.get()))
        .expression_attribute_values(":now", s(now.to_rfc3339()))
        .expression_attribute_values(":one", n(1))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Why a line's sale was refused, from the product as it was when its condition was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefusedSale {
    /// No such product, or archived.
    Gone,
    /// Its price is no longer the line's.
    Repriced,
    /// Not enough stock.
    Short,
}

fn refused_sale(line: &OrderLine, product: Option<&Item>) -> RefusedSale {
    let Some(product) = product.filter(|item| !item.contains_key(ARCHIVED_AT)) else {
        return RefusedSale::Gone;
    };
    let read = ItemReader::new(product, item_type::PRODUCT);
    if read.number::<u64>(PRICE_CENTS).ok() != Some(line.unit_price_cents.get()) {
        return RefusedSale::Repriced;
    }
    RefusedSale::Short
}

/// What the failed conditions of `order`'s transaction mean, each read from the item as it
/// was: the key was taken first; else the lines whose product is gone or archived
/// (`PRODUCT_NOT_FOUND`); else a line priced with a price its product no longer has (price the
/// order again: the stock may look different at the new price too); else the short lines;
/// else only the order put failed (a UUIDv7 collision, which the client may simply retry).
fn refusal(order: &Order, failed: &[(OrderAction, Option<Item>)]) -> PlaceOrderError {
    if failed
        .iter()
        .any(|(action, _)| *action == OrderAction::IdempotencyRecord)
    {
        return PlaceOrderError::KeyTaken;
    }
    let sales: Vec<(usize, RefusedSale)> = failed
        .iter()
        .filter_map(|(action, product)| match action {
            OrderAction::Stock { line } => {
                Some((*line, refused_sale(&order.items[*line], product.as_ref())))
            }
            OrderAction::Order | OrderAction::IdempotencyRecord => None,
        })
        .collect();
    let lines = |why: RefusedSale| {
        sales
            .iter()
            .filter(move |(_, refused)| *refused == why)
            .map(|(line, _)| (*line, order.items[*line].product_id))
    };
    let gone: Vec<FieldError> = lines(RefusedSale::Gone)
        .map(|(line, product)| {
            FieldError::new(
                format!("items[{line}].productId"),
                format!("no product has the id {product}"),
            )
        })
        .collect();
    if !gone.is_empty() {
        return AppError::ProductNotFound(gone).into();
    }
    if lines(RefusedSale::Repriced).next().is_some() {
        return PlaceOrderError::PriceChanged;
    }
    let short: Vec<FieldError> = lines(RefusedSale::Short)
        .map(|(line, product)| {
            FieldError::new(
                format!("items[{line}].quantity"),
                format!("more than the stock of product {product}"),
            )
        })
        .collect();
    if short.is_empty() {
        return AppError::Conflict.into();
    }
    crate::metrics::count(crate::metrics::Event::InsufficientStock);
    AppError::InsufficientStock(short).into()
}

/// At most 36 characters, the same for every retry of one priced order under one user's key.
/// An order priced again (a price changed) is another request: its new id gives it another
/// token, so DynamoDB does not take it for a changed replay of the first.
fn client_request_token(user: &UserId, key: &IdempotencyKey, order: &OrderId) -> String {
    let digest = Sha256::digest(format!("{user}#{}#{order}", key.as_str()).as_bytes());
    hex::encode(&digest[..18])
}

/// 25, 50, 100 ms … with full jitter, so retrying writers do not collide again in step.
pub(super) fn backoff(attempt: u32) -> Duration {
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
    // Here rather than at the top: the rest of this file is another writer's.
    use super::attrs::{CANCELLED_AT, VERSION};
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
        (STATUS.to_owned(), s(stored_status(order.status))),
        (VERSION.to_owned(), n(order.version)),
        (CREATED_AT.to_owned(), s(order.created_at.to_rfc3339())),
    ]);
    if let Some(cancelled_at) = order.cancelled_at {
        item.insert(CANCELLED_AT.to_owned(), s(cancelled_at.to_rfc3339()));
    }
    item
}

/// The stored value of an order's `status`.
fn stored_status(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Placed => order_status::PLACED,
        OrderStatus::Cancelled => order_status::CANCELLED,
    }
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
    use super::attrs::{CANCELLED_AT, VERSION};
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
            [OrderStatus::Placed, OrderStatus::Cancelled]
                .into_iter()
                .find(|status| stored_status(*status) == v)
        })?,
        created_at: read.parsed(CREATED_AT, Timestamp::parse)?,
        cancelled_at: item
            .contains_key(CANCELLED_AT)
            .then(|| read.parsed(CANCELLED_AT, Timestamp::parse))
            .transpose()?,
        // Orders placed before versions existed have none: they are at their first version.
        version: if item.contains_key(VERSION) {
            read.number(VERSION)?
        } else {
            1
        },
    })
}

#[cfg(test)]
mod order_item_tests {
    use super::*;

    fn order() -> Order {
        Order::place(
            UserId::new(),
            [(
                ProductId::new(),
                Quantity::new(3).unwrap(),
                PriceCents::new(250).unwrap(),
            )],
        )
    }

    #[test]
    fn cancelled_orders_round_trip_with_their_version() {
        let cancelled = order().cancelled(Timestamp::now());
        let item = order_item(&cancelled);
        assert_eq!(item[STATUS].as_s().unwrap(), order_status::CANCELLED);
        assert_eq!(order_from_item(&item).unwrap(), cancelled);
        assert_eq!(order_from_item(&item).unwrap().version, 2);
    }

    #[test]
    fn an_order_stored_before_versions_is_at_version_1_and_placed() {
        let placed = order();
        let mut item = order_item(&placed);
        item.remove(super::super::attrs::VERSION);
        let read = order_from_item(&item).unwrap();
        assert_eq!((read.version, read.cancelled_at), (1, None));
        assert_eq!(read, placed);
    }

    #[test]
    fn an_unknown_status_is_corrupt_data() {
        let mut item = order_item(&order());
        item.insert(STATUS.to_owned(), s("shipped"));
        assert_eq!(order_from_item(&item).unwrap_err().code(), "INTERNAL");
    }
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
        let now = Timestamp::now();
        let with_key = order_transaction("t", &order, Some(&claim), now).unwrap();
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
        let without_key = order_transaction("t", &order, None, now).unwrap();
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
    fn failed_conditions_are_read_by_the_action_that_failed_and_the_item_it_found() {
        let (quantity, price) = (Quantity::new(2).unwrap(), PriceCents::new(100).unwrap());
        let order = Order::place(
            UserId::new(),
            [
                (ProductId::new(), quantity, price),
                (ProductId::new(), quantity, price),
            ],
        );
        // The product of line 1 as a failed condition returns it.
        let found = |price: u64, stock: u64, archived: bool| {
            let mut item = Item::from([
                (TYPE.to_owned(), s(item_type::PRODUCT)),
                (PRICE_CENTS.to_owned(), n(price)),
                (STOCK.to_owned(), n(stock)),
            ]);
            if archived {
                item.insert(ARCHIVED_AT.to_owned(), s(Timestamp::now().to_rfc3339()));
            }
            Some(item)
        };
        let code = |failed: &[(OrderAction, Option<Item>)]| match refusal(&order, failed) {
            PlaceOrderError::KeyTaken => "KEY_TAKEN".to_owned(),
            PlaceOrderError::PriceChanged => "PRICE_CHANGED".to_owned(),
            PlaceOrderError::Failed(error) => match error.field_errors() {
                Some(fields) => format!("{} {}", error.code(), fields[0].field),
                None => error.code().to_owned(),
            },
        };
        let line1 = OrderAction::Stock { line: 1 };
        let short = (line1, found(100, 1, false));
        let repriced = (line1, found(120, 9, false));
        let archived = (line1, found(100, 9, true));
        let missing = (line1, None);
        assert_eq!(
            code(std::slice::from_ref(&short)),
            "INSUFFICIENT_STOCK items[1].quantity"
        );
        assert_eq!(code(std::slice::from_ref(&repriced)), "PRICE_CHANGED");
        assert_eq!(code(&[archived]), "PRODUCT_NOT_FOUND items[1].productId");
        assert_eq!(
            code(std::slice::from_ref(&missing)),
            "PRODUCT_NOT_FOUND items[1].productId"
        );
        let line0_repriced = (OrderAction::Stock { line: 0 }, found(90, 9, false));
        assert_eq!(
            code(&[line0_repriced.clone(), missing]),
            "PRODUCT_NOT_FOUND items[1].productId",
            "a gone product is final; pricing again would not help"
        );
        assert_eq!(
            code(&[line0_repriced, short]),
            "PRICE_CHANGED",
            "the stock is judged again at the new price"
        );
        assert_eq!(
            code(&[(OrderAction::IdempotencyRecord, None), repriced]),
            "KEY_TAKEN"
        );
        assert_eq!(code(&[(OrderAction::Order, None)]), "CONFLICT");
    }

    #[test]
    fn every_sale_moves_the_product_version_and_checks_archive_and_price() {
        let order = Order::place(
            UserId::new(),
            [(
                ProductId::new(),
                Quantity::new(2).unwrap(),
                PriceCents::new(450).unwrap(),
            )],
        );
        let now = Timestamp::now();
        let sale = sell("t", &order.items[0], now).unwrap();
        let update = sale.update().unwrap();
        assert_eq!(
            update.update_expression(),
            "SET #stock = #stock - :quantity, #updatedAt = :now ADD #version :one"
        );
        let condition = update.condition_expression().unwrap();
        for part in [
            "attribute_not_exists(#archivedAt)",
            "#price = :price",
            "#stock >= :quantity",
        ] {
            assert!(condition.contains(part), "{condition}");
        }
        let values = update.expression_attribute_values().unwrap();
        assert_eq!(values[":price"], n(450));
        assert_eq!(values[":now"], s(now.to_rfc3339()));
        assert_eq!(
            update.return_values_on_condition_check_failure(),
            Some(&ReturnValuesOnConditionCheckFailure::AllOld)
        );
    }

    #[test]
    fn client_request_tokens_fit_and_are_stable_per_user_key_and_priced_order() {
        let user = UserId::new();
        let key = IdempotencyKey::parse("abc").unwrap();
        let order = OrderId::new();
        let token = client_request_token(&user, &key, &order);
        assert_eq!(token.len(), 36);
        assert_eq!(token, client_request_token(&user, &key, &order));
        assert_ne!(token, client_request_token(&UserId::new(), &key, &order));
        assert_ne!(token, client_request_token(&user, &key, &OrderId::new()));
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
