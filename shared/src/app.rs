//! The dependencies every handler gets, built once per Lambda process, at init.

use crate::auth::{PasswordHasher, SecretIds, TokenKeys, published_keys, signing_keys};
use crate::config::{Config, ConfigError};
use crate::secrets::secrets_client_over;
use crate::store::{Store, dynamodb_client_over};
use crate::tls::https_client;

pub struct App {
    pub config: Config,
    pub store: Store,
    pub tokens: TokenKeys,
    pub passwords: PasswordHasher,
}

impl App {
    /// Reads the environment and builds everything; a bad setting stops the function here.
    pub async fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::build(Config::from_env()?).await)
    }

    /// Functions given secret ids start reading their signing keys now, without waiting for
    /// them; the others read nothing here (their public keys come from the table on first use).
    pub async fn build(config: Config) -> Self {
        let http = https_client(&config.tls);
        let (dynamodb, signing) = tokio::join!(
            dynamodb_client_over(
                config.dynamodb_endpoint.as_deref(),
                http.clone(),
                config.xray_daemon
            ),
            async {
                let ids = SecretIds::of(&config)?;
                let endpoint = config.secrets_manager_endpoint.as_deref();
                let client = secrets_client_over(endpoint, http.clone()).await;
                Some(signing_keys(client, ids, config.key_cache))
            }
        );
        let store = Store::new(dynamodb, config.table_name.clone());
        Self {
            tokens: TokenKeys::new(
                (&config).into(),
                published_keys(store.clone(), config.key_cache),
                signing,
            ),
            passwords: PasswordHasher::new(),
            store,
            config,
        }
    }
}
