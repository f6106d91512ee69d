//! The dependencies every handler gets, built once per Lambda process, at init.

use crate::auth::{PasswordHasher, TokenKeys};
use crate::config::{Config, ConfigError};
use crate::pagination::CursorKey;
use crate::store::{Store, dynamodb_client};

pub struct App {
    pub config: Config,
    pub store: Store,
    pub tokens: TokenKeys,
    pub passwords: PasswordHasher,
    pub cursors: CursorKey,
}

impl App {
    /// Reads the environment and builds everything; a bad setting stops the function here.
    pub async fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::build(Config::from_env()?).await)
    }

    pub async fn build(config: Config) -> Self {
        let store = Store::new(
            dynamodb_client(config.dynamodb_endpoint.as_deref()).await,
            config.table_name.clone(),
        );
        Self {
            tokens: TokenKeys::new(&config),
            passwords: PasswordHasher::new(),
            cursors: CursorKey::new(&config),
            store,
            config,
        }
    }
}
