//! Opaque, tamper-proof list cursors. A cursor names the last item of a page and is bound by
//! an HMAC to the caller it was issued to: a modified cursor, or one from another user, is
//! `VALIDATION_FAILED`, never a way into someone else's items.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::auth::KeyBytes;
use crate::domain::{OrderId, UserId};
use crate::error::AppError;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC kept in a cursor: 128 bits is ample against forgery.
const TAG_LEN: usize = 16;

/// The cursor MAC key, a key of its own kept with the public token keys (`store/verification.rs`):
/// verifying functions need it and must hold nothing that signs a token. Cheap to clone.
#[derive(Clone, Debug)]
pub struct CursorKey {
    key: Arc<KeyBytes>,
}

impl CursorKey {
    pub fn new(key: KeyBytes) -> Self {
        Self { key: Arc::new(key) }
    }

    fn tag(&self, user: &UserId, last: &OrderId) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(self.key.expose_secret())
            .expect("HMAC takes any key length");
        mac.update(format!("{user}|{last}").as_bytes());
        mac.finalize().into_bytes()[..TAG_LEN].to_vec()
    }

    /// The cursor after `last`, for `user`.
    pub fn encode(&self, user: &UserId, last: &OrderId) -> String {
        let mut bytes = last.to_string().into_bytes();
        bytes.extend(self.tag(user, last));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The order a cursor points after, if it is one this key issued to `user`.
    pub fn decode(&self, user: &UserId, cursor: &str) -> Result<OrderId, AppError> {
        let invalid =
            || AppError::invalid_field("cursor", "is not a cursor this API issued to you");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        if bytes.len() <= TAG_LEN {
            return Err(invalid());
        }
        let (id, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        let last = std::str::from_utf8(id)
            .ok()
            .and_then(OrderId::parse)
            .ok_or_else(invalid)?;
        let mut mac = HmacSha256::new_from_slice(self.key.expose_secret())
            .expect("HMAC takes any key length");
        mac.update(format!("{user}|{last}").as_bytes());
        mac.verify_truncated_left(tag).map_err(|_| invalid())?;
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::new(crate::auth::KeySet::generate().cursor_key)
    }

    #[test]
    fn round_trips_for_its_user_only() {
        let key = key();
        let (ada, bob) = (UserId::new(), UserId::new());
        let last = OrderId::new();
        let cursor = key.encode(&ada, &last);
        assert_eq!(key.decode(&ada, &cursor).unwrap(), last);
        assert_eq!(
            key.decode(&bob, &cursor).unwrap_err().code(),
            "VALIDATION_FAILED"
        );
    }

    #[test]
    fn any_change_is_refused() {
        let key = key();
        let user = UserId::new();
        let cursor = key.encode(&user, &OrderId::new());
        for position in 0..cursor.len() {
            let mut bytes = cursor.clone().into_bytes();
            bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            if tampered != cursor {
                assert!(key.decode(&user, &tampered).is_err(), "position {position}");
            }
        }
        for junk in [
            "",
            "x",
            "!!!",
            &URL_SAFE_NO_PAD.encode(OrderId::new().to_string()),
        ] {
            assert!(key.decode(&user, junk).is_err(), "{junk:?}");
        }
    }
}
