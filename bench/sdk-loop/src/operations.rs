//! The calls the loop makes, shaped like the functions' own (`shared/src/store`), on items of
//! its own in the bench's table.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem, Update};
use shared::domain::{FamilyId, OrderId, ProductId, UserId};
use shared::store::attrs::item_type;
use shared::store::attrs::{
    COUNT, EXPIRES_AT, GSI1, GSI1_PK, GSI1_SK, PK, REVOKED, STOCK, TOKEN_DIGEST, TYPE, USER_ID,
};
use shared::store::keys;

/// Every operation the functions' store calls, but `DeleteItem` (one function, once).
#[derive(Debug, Clone, Copy)]
pub enum Operation {
    GetItem,
    BatchGetItem,
    PutItem,
    UpdateItem,
    TransactWriteItems,
    Query,
}

pub const OPERATIONS: [Operation; 6] = [
    Operation::GetItem,
    Operation::BatchGetItem,
    Operation::PutItem,
    Operation::UpdateItem,
    Operation::TransactWriteItems,
    Operation::Query,
];

type Item = HashMap<String, AttributeValue>;

pub struct Operations {
    client: Client,
    table: String,
    /// A session family of `reader`'s, the one item in its `gsi1` partition.
    session: FamilyId,
    reader: UserId,
    /// A product-like item with stock for every transaction.
    product: keys::Key,
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
            client,
            table,
        };
        let session = operations.session_item(&operations.session, &reader);
        operations.put(session).await;
        let mut product = operations.product.to_attributes();
        product.insert(STOCK.to_owned(), n(1_000_000_000));
        operations.put(product).await;
        operations
    }

    pub async fn call(&self, operation: Operation) {
        match operation {
            Operation::GetItem => self.get().await,
            Operation::BatchGetItem => self.batch_get().await,
            Operation::PutItem => self.put_session().await,
            Operation::UpdateItem => self.count().await,
            Operation::TransactWriteItems => self.transact().await,
            Operation::Query => self.query().await,
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
        let request = KeysAndAttributes::builder()
            .set_keys(Some(vec![
                keys::session(&self.session).to_attributes(),
                absent(),
                absent(),
            ]))
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
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(order))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .expect("a put");
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
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(sell).build())
            .send()
            .await
            .expect("TransactWriteItems");
    }

    /// A user's sessions from `gsi1` (one item).
    async fn query(&self) {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("#gpk = :user AND begins_with(#gsk, :sessions)")
            .expression_attribute_names("#gpk", GSI1_PK)
            .expression_attribute_names("#gsk", GSI1_SK)
            .expression_attribute_values(":user", s(keys::user_partition(&self.reader)))
            .expression_attribute_values(":sessions", s(keys::USER_SESSIONS_PREFIX))
            .send()
            .await
            .expect("Query");
    }
}
