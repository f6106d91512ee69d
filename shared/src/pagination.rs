//! Opaque, tamper-proof list cursors. A cursor names the last item of a page and is bound by
//! an HMAC to the list it was issued for (a user's orders, the catalogue, the user directory):
//! a modified cursor, one from another user, or one from another list is `VALIDATION_FAILED`,
//! never a way into someone else's items. Also the `limit` every list shares.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::auth::KeyBytes;
use crate::domain::{OrderId, UserId};
use crate::error::AppError;

/// A page's size when the client names none.
pub const DEFAULT_LIMIT: u32 = 20;
/// The largest page a client may ask for.
pub const MAX_LIMIT: u32 = 100;

/// The `limit` query parameter: 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn page_limit(param: Option<&str>) -> Result<u32, AppError> {
    let Some(text) = param else {
        return Ok(DEFAULT_LIMIT);
    };
    text.parse::<u32>()
        .ok()
        .filter(|limit| (1..=MAX_LIMIT).contains(limit))
        .ok_or_else(|| {
            AppError::invalid_field(
                "limit",
                format!("must be a whole number from 1 to {MAX_LIMIT}"),
            )
        })
}

/// The list a cursor pages through; a cursor issued for one list is refused by every other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorList<'a> {
    /// A user's own orders.
    OrdersOf(&'a UserId),
    /// The products on sale.
    Catalogue,
    /// Every user, as paged by one admin (bound to them, as a user's orders are).
    UsersFor(&'a UserId),
}

impl CursorList<'_> {
    /// What the MAC binds besides the item. A user's orders are bound to the bare user id, as
    /// before other lists existed, so cursors already issued stay valid; the other names are
    /// never a user id.
    fn scope(self) -> String {
        match self {
            Self::OrdersOf(user) => user.to_string(),
            Self::Catalogue => "list:catalogue".to_owned(),
            Self::UsersFor(admin) => format!("list:users|{admin}"),
        }
    }
}

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

    fn mac(&self, list: CursorList<'_>, last: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(self.key.expose_secret())
            .expect("HMAC takes any key length");
        mac.update(format!("{}|{last}", list.scope()).as_bytes());
        mac
    }

    /// The cursor after `last` (an item's id) in `list`.
    pub fn encode_in(&self, list: CursorList<'_>, last: &impl std::fmt::Display) -> String {
        let last = last.to_string();
        let tag = self.mac(list, &last).finalize().into_bytes();
        let mut bytes = last.into_bytes();
        bytes.extend(&tag[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The item a cursor points after, read by `parse`, if it is one this key issued for
    /// `list`.
    pub fn decode_in<T>(
        &self,
        list: CursorList<'_>,
        cursor: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, AppError> {
        let invalid = || {
            AppError::invalid_field(
                "cursor",
                "is not a cursor this API issued to you for this list",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        if bytes.len() <= TAG_LEN {
            return Err(invalid());
        }
        let (id, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        let id = std::str::from_utf8(id).map_err(|_| invalid())?;
        self.mac(list, id)
            .verify_truncated_left(tag)
            .map_err(|_| invalid())?;
        parse(id).ok_or_else(invalid)
    }

    /// The cursor after `last`, for `user`'s orders.
    pub fn encode(&self, user: &UserId, last: &OrderId) -> String {
        self.encode_in(CursorList::OrdersOf(user), last)
    }

    /// The order a cursor points after, if it is one this key issued to `user`.
    pub fn decode(&self, user: &UserId, cursor: &str) -> Result<OrderId, AppError> {
        self.decode_in(CursorList::OrdersOf(user), cursor, OrderId::parse)
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

    #[test]
    fn a_cursor_of_one_list_is_refused_by_every_other() {
        let key = key();
        let user = UserId::new();
        let product = crate::domain::ProductId::new();
        let lists = [
            CursorList::OrdersOf(&user),
            CursorList::Catalogue,
            CursorList::UsersFor(&user),
        ];
        for issued in lists {
            let cursor = key.encode_in(issued, &product);
            for presented in lists {
                let decoded = key.decode_in(presented, &cursor, crate::domain::ProductId::parse);
                if presented == issued {
                    assert_eq!(decoded.unwrap(), product);
                } else {
                    assert_eq!(
                        decoded.unwrap_err().code(),
                        "VALIDATION_FAILED",
                        "{issued:?} as {presented:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn orders_cursors_keep_their_format() {
        // Cursors issued before lists were generalised must still decode.
        let key = key();
        let (user, last) = (UserId::new(), OrderId::new());
        let mut mac = HmacSha256::new_from_slice(key.key.expose_secret()).unwrap();
        mac.update(format!("{user}|{last}").as_bytes());
        let mut bytes = last.to_string().into_bytes();
        bytes.extend(&mac.finalize().into_bytes()[..TAG_LEN]);
        let old = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(key.encode(&user, &last), old);
        assert_eq!(key.decode(&user, &old).unwrap(), last);
    }

    #[test]
    fn limits_default_to_20_and_stay_within_1_to_100() {
        assert_eq!(page_limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(page_limit(Some("1")).unwrap(), 1);
        assert_eq!(page_limit(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "ten", "-1", "2.5", ""] {
            let error = page_limit(Some(bad)).unwrap_err();
            assert_eq!(error.field_errors().unwrap()[0].field, "limit", "{bad}");
        }
    }
}
