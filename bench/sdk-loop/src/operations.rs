//! The calls the loop makes, shaped like the functions' own (`shared/src/store`), on items of
//! its own in the bench's table. Three are made at two sizes: the reads as the usual small one
//! and as a page of 20 items, as the list routes read (orders by Query, products by
//! BatchGetItem), and the transaction as two small actions and as an order of three lines, as
//! create-order writes, so the budget knows what a response byte and a request byte cost the SDK.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem, Update};
use shared::domain::{FamilyId, IdempotencyKey, OrderId, ProductId, UserId};
use shared::store::attrs::item_type;
use shared::store::attrs::{
    ARCHIVED_AT, COUNT, CREATED_AT, EXPIRES_AT, GSI1, GSI1_PK, GSI1_SK, ID, ITEMS, NAME, ORDER_ID,
    PK, PRICE_CENTS, REQUEST_DIGEST, REVOKED, STATUS, STOCK, TOKEN_DIGEST, TOTAL_CENTS, TYPE,
    UPDATED_AT, USER_ID, VERSION, line, order_status,
};
use shared::store::keys;

/// Every operation the functions' store calls, but `DeleteItem` (one function, once), and the
/// two reads again at a list page's size.
#[derive(Debug, Clone, Copy)]
pub enum Operation {
    GetItem,
    BatchGetItem,
    BatchGetItemPage,
    PutItem,
    UpdateItem,
    TransactWriteItems,
    TransactWriteItemsOrder,
    Query,
    QueryPage,
}

pub const OPERATIONS: [Operation; 9] = [
    Operation::GetItem,
    Operation::BatchGetItem,
    Operation::BatchGetItemPage,
    Operation::PutItem,
    Operation::UpdateItem,
    Operation::TransactWriteItems,
    Operation::TransactWriteItemsOrder,
    Operation::Query,
    Operation::QueryPage,
];

/// The lines of the larger order.
const ORDER_LINES: usize = 3;

/// A list route's page, as the routes read by default.
const PAGE: usize = shared::pagination::DEFAULT_LIMIT as usize;

impl Operation {
    /// The usual (smallest) call of the operation the relay names `name`, if the loop makes it:
    /// [`OPERATIONS`] lists each usual call before its larger one.
    pub fn usual(name: &str) -> Option<Self> {
        OPERATIONS
            .into_iter()
            .find(|operation| operation.name() == name)
    }

    /// The DynamoDB operation's name, as the relay reads it from `X-Amz-Target`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetItem => "GetItem",
            Operation::BatchGetItem | Operation::BatchGetItemPage => "BatchGetItem",
            Operation::PutItem => "PutItem",
            Operation::UpdateItem => "UpdateItem",
            Operation::TransactWriteItems | Operation::TransactWriteItemsOrder => {
                "TransactWriteItems"
            }
            Operation::Query | Operation::QueryPage => "Query",
        }
    }
}

/// The body sizes of the last request the client sent and the last response it read.
#[derive(Debug, Clone, Default)]
pub struct Bodies {
    sent: Arc<AtomicUsize>,
    read: Arc<AtomicUsize>,
}

impl Bodies {
    pub fn last_sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    pub fn last_read(&self) -> usize {
        self.read.load(Ordering::Relaxed)
    }
}

impl Intercept for Bodies {
    fn name(&self) -> &'static str {
        "Bodies"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let bytes = context.request().body().bytes().map_or(0, <[u8]>::len);
        self.sent.store(bytes, Ordering::Relaxed);
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let bytes = context
            .response()
            .and_then(|response| response.body().bytes())
            .map_or(0, <[u8]>::len);
        self.read.store(bytes, Ordering::Relaxed);
        Ok(())
    }
}

type Item = HashMap<String, AttributeValue>;

pub struct Operations {
    client: Client,
    table: String,
    /// A session family of `reader`'s, the one item in its `gsi1` partition.
    session: FamilyId,
    reader: UserId,
    /// A product-like item with stock for every transaction.
    product: keys::Key,
    /// A user with a page of orders in `gsi1`, as list-orders reads them.
    buyer: UserId,
    /// A page of products, as list-products reads them.
    catalogue: Vec<ProductId>,
    /// Products with stock for the larger order's lines.
    shelf: Vec<ProductId>,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

impl Operations {
    /// Writes the items the reads and the transaction need.
    pub async fn prepare(client: Client, table: String) -> Self {
        let reader = UserId::new();
        let product = keys::product(&ProductId::new());
        let operations = Self {
            session: FamilyId::new(),
            reader,
            product,
            buyer: UserId::new(),
            catalogue: (0..PAGE).map(|_| ProductId::new()).collect(),
            shelf: (0..ORDER_LINES).map(|_| ProductId::new()).collect(),
            client,
            table,
        };
        let session = operations.session_item(&operations.session, &reader);
        operations.put(session).await;
        let mut product = operations.product.to_attributes();
        product.insert(STOCK.to_owned(), n(1_000_000_000));
        operations.put(product).await;
        for _ in 0..PAGE {
            operations.put(order_item(&operations.buyer)).await;
        }
        for id in &operations.catalogue {
            operations.put(product_item(id)).await;
        }
        for id in &operations.shelf {
            let mut product = product_item(id);
            product.insert(STOCK.to_owned(), n(1_000_000_000));
            operations.put(product).await;
        }
        operations
    }

    pub async fn call(&self, operation: Operation) {
        match operation {
            Operation::GetItem => self.get().await,
            Operation::BatchGetItem => self.batch_get().await,
            Operation::BatchGetItemPage => self.batch_get_page().await,
            Operation::PutItem => self.put_session().await,
            Operation::UpdateItem => self.count().await,
            Operation::TransactWriteItems => self.transact().await,
            Operation::TransactWriteItemsOrder => self.transact_order().await,
            Operation::Query => self.query().await,
            Operation::QueryPage => self.query_page().await,
        }
    }

    /// A session item, as login writes it.
    fn session_item(&self, family: &FamilyId, user: &UserId) -> Item {
        let mut item = keys::session(family).to_attributes();
        item.extend(keys::user_session(user, family).to_index_attributes());
        item.extend([
            (TYPE.to_owned(), s(item_type::SESSION)),
            (USER_ID.to_owned(), s(user.to_string())),
            (TOKEN_DIGEST.to_owned(), s("0".repeat(64))),
            (REVOKED.to_owned(), AttributeValue::Bool(false)),
            (EXPIRES_AT.to_owned(), n(4_000_000_000)),
        ]);
        item
    }

    async fn put(&self, item: Item) {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .expect("PutItem");
    }

    async fn get(&self) {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keys::session(&self.session).to_attributes()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem");
    }

    /// Three keys, one of them present: login's lookup.
    async fn batch_get(&self) {
        let absent = || keys::session(&FamilyId::new()).to_attributes();
        let present = keys::session(&self.session).to_attributes();
        self.batch_read(vec![present, absent(), absent()]).await;
    }

    /// A page of products: list-products' read of the catalogue's entries.
    async fn batch_get_page(&self) {
        let page = self
            .catalogue
            .iter()
            .map(|id| keys::product(id).to_attributes());
        self.batch_read(page.collect()).await;
    }

    /// Strongly consistent, as every batch read of the store's is (`Store::read_items`).
    async fn batch_read(&self, keys: Vec<Item>) {
        let request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .expect("keys");
        self.client
            .batch_get_item()
            .request_items(&self.table, request)
            .send()
            .await
            .expect("BatchGetItem");
    }

    /// A new session, on condition its key is new: login's write.
    async fn put_session(&self) {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.session_item(&FamilyId::new(), &UserId::new())))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .expect("PutItem");
    }

    /// An atomic counter: a failed login's.
    async fn count(&self) {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(
                keys::login_failures_of_ip("sdk-loop", 0).to_attributes(),
            ))
            .update_expression("ADD #count :one SET #type = :type")
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":type", s(item_type::LOGIN_FAILURES))
            .send()
            .await
            .expect("UpdateItem");
    }

    /// A new item and a conditional decrement: an order of one line.
    async fn transact(&self) {
        let mut order = keys::order(&OrderId::new()).to_attributes();
        order.insert(TYPE.to_owned(), s(item_type::ORDER));
        let sell = Update::builder()
            .table_name(&self.table)
            .set_key(Some(self.product.to_attributes()))
            .update_expression("SET #stock = #stock - :quantity")
            .condition_expression("attribute_exists(#pk) AND #stock >= :quantity")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#stock", STOCK)
            .expression_attribute_values(":quantity", n(1))
            .build()
            .expect("an update");
        let sell = TransactWriteItem::builder().update(sell).build();
        self.transact_items(vec![self.new_item(order), sell]).await;
    }

    /// An order of three lines with its idempotency record, each line selling one unit on
    /// condition of stock, price and the product being on sale: create-order's transaction.
    async fn transact_order(&self) {
        let order = order_item(&self.buyer);
        let key = IdempotencyKey::parse(&OrderId::new().to_string()).expect("an id is a valid key");
        let mut record = keys::idempotency(&self.buyer, &key).to_attributes();
        record.extend([
            (TYPE.to_owned(), s(item_type::IDEMPOTENCY)),
            (REQUEST_DIGEST.to_owned(), s("0".repeat(64))),
            (ORDER_ID.to_owned(), order[ID].clone()),
            (EXPIRES_AT.to_owned(), n(4_000_000_000)),
        ]);
        let sell = |id: &ProductId| {
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::product(id).to_attributes()))
                .update_expression("SET #stock = #stock - :quantity, #version = #version + :one")
                .condition_expression(
                    "attribute_exists(#pk) AND #stock >= :quantity AND #price = :price \
                     AND attribute_not_exists(#archived)",
                )
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#stock", STOCK)
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_names("#price", PRICE_CENTS)
                .expression_attribute_names("#archived", ARCHIVED_AT)
                .expression_attribute_values(":quantity", n(1))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":price", n(1999))
                .build()
                .expect("an update");
            TransactWriteItem::builder().update(update).build()
        };
        let items = [self.new_item(order), self.new_item(record)]
            .into_iter()
            .chain(self.shelf.iter().map(sell))
            .collect();
        self.transact_items(items).await;
    }

    /// A put of `item` on condition its key is new, as every write of a new item is.
    fn new_item(&self, item: Item) -> TransactWriteItem {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .expect("a put");
        TransactWriteItem::builder().put(put).build()
    }

    async fn transact_items(&self, items: Vec<TransactWriteItem>) {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .expect("TransactWriteItems");
    }

    /// A user's sessions from `gsi1` (one item).
    async fn query(&self) {
        self.user_items(&self.reader, keys::USER_SESSIONS_PREFIX, None)
            .await;
    }

    /// A page of a user's orders from `gsi1`, newest first: list-orders' read.
    async fn query_page(&self) {
        self.user_items(&self.buyer, keys::USER_ORDERS_PREFIX, Some(PAGE as i32))
            .await;
    }

    /// `user`'s items in `gsi1` whose sort key starts with `prefix`, newest first, `limit` at most.
    async fn user_items(&self, user: &UserId, prefix: &str, limit: Option<i32>) {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("#gpk = :user AND begins_with(#gsk, :prefix)")
            .expression_attribute_names("#gpk", GSI1_PK)
            .expression_attribute_names("#gsk", GSI1_SK)
            .expression_attribute_values(":user", s(keys::user_partition(user)))
            .expression_attribute_values(":prefix", s(prefix))
            .scan_index_forward(false)
            .set_limit(limit)
            .send()
            .await
            .expect("Query");
    }
}

/// An order of three lines, as create-order writes it (`shared/src/store/orders.rs`).
fn order_item(buyer: &UserId) -> Item {
    let id = OrderId::new();
    let lines = (0..3)
        .map(|i| {
            AttributeValue::M(Item::from([
                (line::PRODUCT_ID.to_owned(), s(ProductId::new().to_string())),
                (line::QUANTITY.to_owned(), n(i + 1)),
                (line::UNIT_PRICE_CENTS.to_owned(), n(1999)),
                (line::LINE_TOTAL_CENTS.to_owned(), n(1999 * (i + 1))),
            ]))
        })
        .collect();
    let mut item = keys::order(&id).to_attributes();
    item.extend(keys::user_order(buyer, &id).to_index_attributes());
    item.extend([
        (TYPE.to_owned(), s(item_type::ORDER)),
        (ID.to_owned(), s(id.to_string())),
        (USER_ID.to_owned(), s(buyer.to_string())),
        (ITEMS.to_owned(), AttributeValue::L(lines)),
        (TOTAL_CENTS.to_owned(), n(11_994)),
        (STATUS.to_owned(), s(order_status::PLACED)),
        (VERSION.to_owned(), n(1)),
        (CREATED_AT.to_owned(), s("2026-11-26T12:00:00.000Z")),
    ]);
    item
}

/// A product, as create-product writes it.
fn product_item(id: &ProductId) -> Item {
    let mut item = keys::product(id).to_attributes();
    item.extend(keys::catalogue_entry(id).to_list_attributes());
    item.extend([
        (TYPE.to_owned(), s(item_type::PRODUCT)),
        (ID.to_owned(), s(id.to_string())),
        (
            NAME.to_owned(),
            s("A product of the bench's, named at some length"),
        ),
        (PRICE_CENTS.to_owned(), n(1999)),
        (STOCK.to_owned(), n(100)),
        (VERSION.to_owned(), n(1)),
        (CREATED_AT.to_owned(), s("2026-11-26T12:00:00.000Z")),
        (UPDATED_AT.to_owned(), s("2026-11-26T12:00:00.000Z")),
    ]);
    item
}
