//! Creating, rotating and revoking keys where they live: what the `keys` tool does, in the order
//! that keeps every token valid. Public keys go to the table first, so verifiers accept a new
//! `kid` before anyone signs with it; then the secrets.

use aws_sdk_secretsmanager::Client;

use super::keys::{AccessKey, KeySet, RefreshKey, Rotating};
use crate::error::AppError;
use crate::secrets::{read_secret, write_secret};
use crate::store::{Store, sdk_error};

/// The two secrets and the table that together hold a [`KeySet`].
#[derive(Debug, Clone)]
pub struct KeyHome {
    pub secrets: Client,
    pub store: Store,
    pub access_secret_id: String,
    pub refresh_secret_id: String,
}

impl KeyHome {
    /// The keys in place, or `None` where there are none yet (no secret, a secret without a
    /// value as the stack creates it, no table item).
    async fn read_parts(
        &self,
    ) -> Result<
        (
            Option<Rotating<AccessKey>>,
            Option<Rotating<RefreshKey>>,
            Option<super::VerificationKeys>,
        ),
        AppError,
    > {
        let access = self.read_optional(&self.access_secret_id);
        let refresh = self.read_optional(&self.refresh_secret_id);
        let item = async {
            match self.store.read_verification_keys().await {
                Ok(keys) => Ok(Some(keys)),
                Err(AppError::Internal(_)) if self.store.verification_item_missing().await? => {
                    Ok(None)
                }
                Err(error) => Err(error),
            }
        };
        futures::try_join!(access, refresh, item)
    }

    async fn read_optional<D: super::KeyDocument>(&self, id: &str) -> Result<Option<D>, AppError> {
        match read_secret(&self.secrets, id).await {
            Ok(document) => Ok(Some(document)),
            Err(_) if !self.has_value(id).await? => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Whether secret `id` exists with a current value.
    async fn has_value(&self, id: &str) -> Result<bool, AppError> {
        match self.secrets.describe_secret().secret_id(id).send().await {
            Ok(secret) => Ok(secret
                .version_ids_to_stages
                .unwrap_or_default()
                .values()
                .any(|stages| stages.iter().any(|s| s == "AWSCURRENT"))),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(error) => Err(sdk_error(error)),
        }
    }

    /// The whole key set; an error if any part is missing (run `init`).
    pub async fn read(&self) -> Result<KeySet, AppError> {
        match self.read_parts().await? {
            (Some(access), Some(refresh), Some(item)) => Ok(KeySet {
                access,
                refresh,
                cursor_key: item.cursor_key,
            }),
            _ => Err(AppError::internal("keys are missing: run `keys init`")),
        }
    }

    /// Writes `keys`: the table item first, then the secrets.
    pub async fn write(&self, keys: &KeySet) -> Result<(), AppError> {
        self.store
            .write_verification_keys(&keys.verification_keys())
            .await?;
        write_secret(&self.secrets, &self.access_secret_id, &keys.access).await?;
        write_secret(&self.secrets, &self.refresh_secret_id, &keys.refresh).await
    }

    /// Creates the keys if there are none; leaves keys in place untouched (idempotent). Refuses
    /// a half-made set rather than overwrite keys that may be in use.
    ///
    /// Without either secret, a table item alone is stale (nothing can sign for its public
    /// keys: a fresh local secret store, say) and is replaced; with both secrets and no item,
    /// the item is written from them.
    pub async fn init(&self) -> Result<KeySet, AppError> {
        match self.read_parts().await? {
            (Some(access), Some(refresh), Some(item)) => Ok(KeySet {
                access,
                refresh,
                cursor_key: item.cursor_key,
            }),
            (None, None, _) => {
                let keys = KeySet::generate();
                self.write(&keys).await?;
                Ok(keys)
            }
            (Some(access), Some(refresh), None) => {
                let keys = KeySet {
                    access,
                    refresh,
                    cursor_key: KeySet::generate().cursor_key,
                };
                self.store
                    .write_verification_keys(&keys.verification_keys())
                    .await?;
                Ok(keys)
            }
            _ => Err(AppError::internal(
                "some keys exist and some do not: check the two secrets and the KEYS item",
            )),
        }
    }

    /// New current keys; the current ones stay valid as the previous ones.
    pub async fn rotate(&self) -> Result<KeySet, AppError> {
        let keys = self.read().await?.rotated();
        self.write(&keys).await?;
        Ok(keys)
    }

    /// Drops the previous keys: tokens they signed fail once functions re-read (the key cache).
    pub async fn revoke_previous(&self) -> Result<KeySet, AppError> {
        let keys = self.read().await?.without_previous();
        self.write(&keys).await?;
        Ok(keys)
    }
}
