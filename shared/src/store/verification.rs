//! The verification item: the access tokens' public keys (current, previous) and the list-cursor
//! key. Verifying functions read it over the DynamoDB connection they already have, so they
//! open none to the secret store; the `keys` tool writes it before it rotates the secrets.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::ExposeSecret;

use super::attrs::{
    CURRENT_KID, CURRENT_PUBLIC_KEY, CURSOR_KEY, PREVIOUS_KID, PREVIOUS_PUBLIC_KEY, TYPE, item_type,
};
use super::item::{Item, ItemReader, s};
use super::{Store, keys, sdk_error};
use crate::auth::{PublicKey, Rotating, VerificationKeys, base64_key};
use crate::error::AppError;

impl Store {
    /// The verification keys; an internal error if the item is missing (`keys init` not run).
    pub async fn read_verification_keys(&self) -> Result<VerificationKeys, AppError> {
        let item = self
            .read_item(&keys::verification_keys())
            .await?
            .ok_or_else(|| {
                AppError::internal("no verification keys in the table: run `keys init`")
            })?;
        verification_from_item(&item)
    }

    /// Whether the verification item is absent (as before `keys init`).
    pub(crate) async fn verification_item_missing(&self) -> Result<bool, AppError> {
        Ok(self.read_item(&keys::verification_keys()).await?.is_none())
    }

    /// Replaces the verification item.
    pub async fn write_verification_keys(&self, keys: &VerificationKeys) -> Result<(), AppError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(verification_item(keys)))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

fn verification_item(keys: &VerificationKeys) -> Item {
    let mut item = keys::verification_keys().to_attributes();
    item.insert(TYPE.to_owned(), s(item_type::VERIFICATION_KEYS));
    let current = &keys.access.current;
    item.insert(CURRENT_KID.to_owned(), s(&current.kid));
    item.insert(
        CURRENT_PUBLIC_KEY.to_owned(),
        s(URL_SAFE_NO_PAD.encode(&current.x)),
    );
    if let Some(previous) = &keys.access.previous {
        item.insert(PREVIOUS_KID.to_owned(), s(&previous.kid));
        item.insert(
            PREVIOUS_PUBLIC_KEY.to_owned(),
            s(URL_SAFE_NO_PAD.encode(&previous.x)),
        );
    }
    item.insert(
        CURSOR_KEY.to_owned(),
        s(URL_SAFE_NO_PAD.encode(keys.cursor_key.expose_secret())),
    );
    item
}

fn verification_from_item(item: &Item) -> Result<VerificationKeys, AppError> {
    let reader = ItemReader::new(item, item_type::VERIFICATION_KEYS);
    let public_key = |kid: &str, x: &str| -> Result<PublicKey, AppError> {
        Ok(PublicKey {
            kid: reader.string(kid)?.to_owned(),
            x: reader.parsed(x, |text| {
                URL_SAFE_NO_PAD.decode(text).ok().filter(|x| x.len() == 32)
            })?,
        })
    };
    let previous = match item.contains_key(PREVIOUS_KID) {
        true => Some(public_key(PREVIOUS_KID, PREVIOUS_PUBLIC_KEY)?),
        false => None,
    };
    Ok(VerificationKeys {
        access: Rotating {
            current: public_key(CURRENT_KID, CURRENT_PUBLIC_KEY)?,
            previous,
        },
        cursor_key: reader.parsed(CURSOR_KEY, base64_key::decode)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::KeySet;

    #[test]
    fn the_item_round_trips_with_and_without_a_previous_key() {
        for keys in [KeySet::generate(), KeySet::generate().rotated()] {
            let written = keys.verification_keys();
            let read = verification_from_item(&verification_item(&written)).unwrap();
            assert_eq!(read.access, written.access);
            assert_eq!(
                read.cursor_key.expose_secret(),
                written.cursor_key.expose_secret()
            );
        }
    }
}
