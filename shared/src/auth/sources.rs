//! Where each function's keys come from: the public keys and the cursor key from the table (read
//! on first use), the private keys from the secret store (a read started at init, by the
//! functions configured with their secrets' ids).

use std::sync::Arc;

use super::key_cache::{KeyCache, Loader};
use super::keys::{AccessKey, RefreshKey, Rotating};
use super::tokens::{Published, SigningKeys};
use crate::config::{Config, KeyCacheSettings};
use crate::error::AppError;
use crate::secrets::read_secret;
use crate::store::Store;

/// The verification item, read when a request first needs it.
pub(crate) fn published_keys(store: Store, settings: KeyCacheSettings) -> KeyCache<Published> {
    let load: Loader<Published> = Box::new(move || {
        let store = store.clone();
        Box::pin(async move { Ok(store.read_verification_keys().await?.into()) })
    });
    KeyCache::new(load, settings)
}

/// The ids of the secrets a function may read; `None` for a function that signs nothing.
#[derive(Debug, Clone)]
pub(crate) struct SecretIds {
    access: Option<String>,
    refresh: Option<String>,
}

impl SecretIds {
    pub(crate) fn of(config: &Config) -> Option<Self> {
        let ids = Self {
            access: config.access_key_secret_id.clone(),
            refresh: config.refresh_key_secret_id.clone(),
        };
        (ids.access.is_some() || ids.refresh.is_some()).then_some(ids)
    }
}

async fn read_signing_keys(
    client: &aws_sdk_secretsmanager::Client,
    ids: &SecretIds,
) -> Result<SigningKeys, AppError> {
    async fn read<D: super::KeyDocument>(
        client: &aws_sdk_secretsmanager::Client,
        id: Option<&str>,
    ) -> Result<Option<D>, AppError> {
        match id {
            Some(id) => read_secret(client, id).await.map(Some),
            None => Ok(None),
        }
    }
    let (access, refresh) = futures::try_join!(
        read::<Rotating<AccessKey>>(client, ids.access.as_deref()),
        read::<Rotating<RefreshKey>>(client, ids.refresh.as_deref()),
    )?;
    Ok(SigningKeys::new(access.as_ref(), refresh.as_ref()))
}

/// The private keys, their first read started now and awaited by the first signature: init
/// does not wait for the secret store (bench/notes.md, "Keys in the secret store"). If that
/// read fails, the first request reads again and answers 503 if the store is still unreachable.
pub(crate) fn signing_keys(
    client: aws_sdk_secretsmanager::Client,
    ids: SecretIds,
    settings: KeyCacheSettings,
) -> KeyCache<SigningKeys> {
    let client = Arc::new(client);
    let load: Loader<SigningKeys> = Box::new(move || {
        let (client, ids) = (client.clone(), ids.clone());
        Box::pin(async move { read_signing_keys(&client, &ids).await })
    });
    KeyCache::new(load, settings).reading_ahead()
}
