//! The health probe.

use std::time::Duration;

use aws_sdk_dynamodb::config::timeout::TimeoutConfig;

use super::{Store, keys};
use crate::error::AppError;

/// A health check answers fast or not at all: a load balancer or monitor must not hang on it.
const PING_TIMEOUT: Duration = Duration::from_millis(1500);

impl Store {
    /// A strongly consistent read of a key that never exists: cheap, and it proves the table
    /// answers (a missing table or an unreachable endpoint fails it).
    pub async fn ping(&self) -> Result<(), AppError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keys::health_probe().to_attributes()))
            .consistent_read(true)
            .customize()
            .config_override(
                aws_sdk_dynamodb::config::Builder::default().timeout_config(
                    TimeoutConfig::builder()
                        .operation_timeout(PING_TIMEOUT)
                        .operation_attempt_timeout(PING_TIMEOUT / 2)
                        .build(),
                ),
            )
            .send()
            .await
            // Whatever the reason (unreachable, slow, throttled, no such table), the table does
            // not answer: that is what health reports, as 503.
            .map_err(|error| AppError::ServiceUnavailable(Box::new(error)))?;
        Ok(())
    }
}
