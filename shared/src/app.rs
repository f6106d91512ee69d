//! The dependencies every handler gets, built once per Lambda process, at init.

use crate::auth::{PasswordHasher, SecretIds, TokenKeys, published_keys, signing_keys};
use crate::config::{Config, ConfigError};
use crate::secrets::secrets_client_with;
use crate::store::{Store, dynamodb_client_with, sdk_config};
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
        let local = config.dynamodb_endpoint.is_some() || config.secrets_manager_endpoint.is_some();
        let sdk = sdk_config(https_client(&config.tls), local).await;
        let dynamodb = dynamodb_client_with(
            &sdk,
            config.dynamodb_endpoint.as_deref(),
            config.xray_daemon,
        );
        let signing = SecretIds::of(&config).map(|ids| {
            let endpoint = config.secrets_manager_endpoint.as_deref();
            signing_keys(secrets_client_with(&sdk, endpoint), ids, config.key_cache)
        });
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
