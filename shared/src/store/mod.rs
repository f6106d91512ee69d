//! Everything that touches DynamoDB. Handlers and services call the named access methods on
//! `Store` (one module per aggregate); only `keys` knows how items are keyed, and only `attrs`
//! names what they hold.
//!
//! There is no repository trait: tests run against DynamoDB Local, so the DynamoDB store is the
//! only implementation there will be, and a trait with one implementation is ceremony.

pub mod attrs;
mod call_metrics;
mod cancellation;
mod client;
mod errors;
mod health;
mod item;
pub mod keys;
mod lists;
mod login_failures;
mod orders;
mod products;
mod sessions;
#[cfg(feature = "table-admin")]
pub mod table;
mod transaction;
mod users;
mod verification;

pub use client::{dynamodb_client, function_dynamodb_client};
pub(crate) use client::{dynamodb_client_with, function_sdk_config, tool_sdk_config};
pub use errors::sdk_error;
pub use login_failures::{LoginFailures, LoginLookup, LoginWindow};
pub use orders::{IDEMPOTENCY_TTL_SECS, IdempotencyClaim, IdempotencyRecord, PlaceOrderError};
pub use sessions::{NewSession, Presented};
pub use transaction::{Cancellation, classify_cancellation};
pub use users::UserUpdate;

use aws_sdk_dynamodb::Client;

use crate::error;

/// The single table and the client that reaches it, built once at init.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// The item at `key`, strongly consistent: every read of ours is read-your-writes.
    pub(crate) async fn read_item(
        &self,
        key: &keys::Key,
    ) -> Result<Option<item::Item>, error::AppError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_attributes()))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(output.item)
    }

    /// The items that exist at `keys` (at most 100), in one strongly consistent batch read;
    /// keys DynamoDB leaves unprocessed (it does so under throttling) are asked for again, a
    /// few times, then the read is `SERVICE_UNAVAILABLE`.
    pub(crate) async fn read_items(
        &self,
        keys: Vec<item::Item>,
    ) -> Result<Vec<item::Item>, error::AppError> {
        const ROUNDS: usize = 3;
        let mut found = Vec::with_capacity(keys.len());
        let mut pending = keys;
        for _ in 0..ROUNDS {
            if pending.is_empty() {
                break;
            }
            let request = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(error::AppError::internal)?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(sdk_error)?;
            found.extend(
                output
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default(),
            );
            pending = output
                .unprocessed_keys
                .and_then(|mut tables| tables.remove(&self.table))
                .map(|unprocessed| unprocessed.keys)
                .unwrap_or_default();
        }
        if !pending.is_empty() {
            return Err(error::AppError::ServiceUnavailable(
                "a batch read left keys unprocessed".into(),
            ));
        }
        Ok(found)
    }
}
