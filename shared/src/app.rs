//! The dependencies every handler gets, built once per Lambda process, at init.
//!
//! Two ways in, chosen in each function's `main.rs`: [`App::from_env`] for the functions that
//! only verify tokens, which hold no way to read a private key and link no Secrets Manager
//! client at all (the linker drops it: bench/notes.md, "arm64 zips: what only three functions
//! need"), and [`App::signing_from_env`] for the three that issue or end sessions (login,
//! refresh, logout), which read their private keys from the secret store.

use crate::auth::{
    KeyCache, PasswordHasher, SecretIds, SigningKeys, TokenKeys, published_keys, signing_keys,
};
use crate::config::{Config, ConfigError};
use crate::secrets::secrets_client_with;
use crate::store::{Store, dynamodb_client_with, function_sdk_config};
use crate::tls::https_client;
use aws_config::SdkConfig;

pub struct App {
    pub config: Config,
    pub store: Store,
    pub tokens: TokenKeys,
    pub passwords: PasswordHasher,
}

impl App {
    /// A function that verifies tokens and signs none: reads the environment and builds
    /// everything; a bad setting stops the function here. Secret ids in its environment are
    /// ignored: it reads no secret.
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::try_assemble(Config::from_env()?, |_, _| None)
    }

    /// A function that issues tokens or ends sessions: as [`App::from_env`], and its private
    /// keys from the secret ids configured.
    pub async fn signing_from_env() -> Result<Self, ConfigError> {
        Self::try_assemble(Config::from_env()?, signing_keys_of)
    }

    /// [`App::from_env`]'s app on `config`, for tests: verifying only, the public keys read
    /// from the table on first use. Panics without AWS credentials and region in the
    /// environment or a local endpoint in `config`.
    pub async fn build(config: Config) -> Self {
        Self::try_assemble(config, |_, _| None).expect("an AWS environment or local endpoints")
    }

    /// [`App::signing_from_env`]'s app on `config`, for tests.
    pub async fn build_signing(config: Config) -> Self {
        Self::try_assemble(config, signing_keys_of).expect("an AWS environment or local endpoints")
    }

    fn try_assemble(
        config: Config,
        signing: impl FnOnce(&Config, &SdkConfig) -> Option<KeyCache<SigningKeys>>,
    ) -> Result<Self, ConfigError> {
        let local = config.dynamodb_endpoint.is_some() || config.secrets_manager_endpoint.is_some();
        let sdk = function_sdk_config(https_client(&config.tls), local)?;
        let dynamodb = dynamodb_client_with(
            &sdk,
            config.dynamodb_endpoint.as_deref(),
            config.xray_daemon,
        );
        let signing = signing(&config, &sdk);
        let store = Store::new(dynamodb, config.table_name.clone());
        Ok(Self {
            tokens: TokenKeys::new(
                (&config).into(),
                published_keys(store.clone(), config.key_cache),
                signing,
            ),
            passwords: PasswordHasher::new(),
            store,
            config,
        })
    }
}

/// The private keys of the secret ids in `config`: their read starts now, and the first
/// signature awaits it, so init does not wait for the secret store.
fn signing_keys_of(config: &Config, sdk: &SdkConfig) -> Option<KeyCache<SigningKeys>> {
    SecretIds::of(config).map(|ids| {
        let endpoint = config.secrets_manager_endpoint.as_deref();
        signing_keys(secrets_client_with(sdk, endpoint), ids, config.key_cache)
    })
}
