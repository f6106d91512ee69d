//! The signing keys and the documents that hold them: the one place that knows their shapes.
//!
//! Each kind's secret in Secrets Manager is one JSON document with the current and the previous
//! key, so one read gives both:
//!
//! - access (Ed25519): `{"current":{"kid":"…","privateKey":"<base64url 32-byte seed>"},"previous":{…}|null}`
//! - refresh (HS256):  `{"current":{"kid":"…","key":"<base64url 32 bytes>"},"previous":{…}|null}`
//!
//! The public halves of the access keys, and the list-cursor key, live in the table instead
//! (`store/verification.rs`): functions that only verify must hold nothing that signs.
//! Key bytes are `secrecy` secrets; no `Debug` here shows one.

use aws_lc_rs::encoding::AsBigEndian;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use serde::{Deserialize, Serialize};

/// Ed25519 seeds, HS256 keys and the cursor key are all 256 bits (RFC 7518 §3.2 for HS256).
pub const KEY_BYTES: usize = 32;

/// Secret key bytes: `Debug` shows `[REDACTED]`; read them through `expose_secret`.
pub struct KeyBytes(SecretSlice<u8>);

impl Clone for KeyBytes {
    fn clone(&self) -> Self {
        Self(self.0.expose_secret().to_vec().into())
    }
}

impl std::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyBytes([REDACTED])")
    }
}

impl ExposeSecret<[u8]> for KeyBytes {
    fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl From<Vec<u8>> for KeyBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes.into())
    }
}

/// A key and, during a rotation, the one it replaced: tokens signed with either verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotating<K> {
    pub current: K,
    pub previous: Option<K>,
}

impl<K: Clone> Rotating<K> {
    pub fn new(current: K) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    /// `next` becomes current; the current key stays valid as the previous one.
    pub fn rotated(&self, next: K) -> Self {
        Self {
            current: next,
            previous: Some(self.current.clone()),
        }
    }

    /// Only the current key: tokens signed with the previous one stop verifying.
    pub fn without_previous(&self) -> Self {
        Self::new(self.current.clone())
    }

    pub fn iter(&self) -> impl Iterator<Item = &K> {
        std::iter::once(&self.current).chain(self.previous.as_ref())
    }
}

/// An Ed25519 private key (its 32-byte seed), for access tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessKey {
    pub kid: String,
    #[serde(rename = "privateKey", with = "base64_key")]
    seed: KeyBytes,
}

/// An HS256 key, for refresh tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshKey {
    pub kid: String,
    #[serde(with = "base64_key")]
    key: KeyBytes,
}

/// The public half of an [`AccessKey`]: the raw 32-byte Ed25519 point (a JWK's `x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    pub x: Vec<u8>,
}

/// What a function that verifies access tokens needs, none of it able to sign one.
#[derive(Debug, Clone)]
pub struct VerificationKeys {
    pub access: Rotating<PublicKey>,
    /// Keys the MAC of list cursors; it mints no token.
    pub cursor_key: KeyBytes,
}

/// A key id: random, so it says nothing about the key and never repeats.
fn new_kid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn random_key() -> KeyBytes {
    let mut bytes = vec![0u8; KEY_BYTES];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system's random source works");
    bytes.into()
}

impl AccessKey {
    pub fn generate() -> Self {
        let pair = Ed25519KeyPair::generate().expect("Ed25519 key generation works");
        let seed = pair.seed().expect("an Ed25519 key has a seed");
        Self {
            kid: new_kid(),
            seed: seed
                .as_be_bytes()
                .expect("a seed serialises")
                .as_ref()
                .to_vec()
                .into(),
        }
    }

    pub(crate) fn pair(&self) -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed_unchecked(self.seed.expose_secret())
            .expect("a 32-byte seed is an Ed25519 key")
    }

    /// The PKCS#8 document `jsonwebtoken`'s EdDSA signer takes (tests sign with it as a client
    /// or an attacker would).
    #[cfg(test)]
    pub(crate) fn pkcs8(&self) -> KeyBytes {
        self.pair()
            .to_pkcs8()
            .expect("an Ed25519 key serialises")
            .as_ref()
            .to_vec()
            .into()
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            kid: self.kid.clone(),
            x: self.pair().public_key().as_ref().to_vec(),
        }
    }
}

impl RefreshKey {
    pub fn generate() -> Self {
        Self {
            kid: new_kid(),
            key: random_key(),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.key.expose_secret()
    }
}

/// A secret document that does not parse; it never quotes the document.
#[derive(Debug, thiserror::Error)]
#[error("the {0} key document is malformed: {1}")]
pub struct KeyDocumentError(&'static str, String);

/// Reads and writes a key document: the secret's `SecretString` value, never logged.
pub trait KeyDocument: Sized {
    const NAME: &'static str;
    fn parse(document: &str) -> Result<Self, KeyDocumentError>;
    fn to_document(&self) -> SecretString;
}

impl<K: KeyKind> KeyDocument for Rotating<K> {
    const NAME: &'static str = K::NAME;

    fn parse(document: &str) -> Result<Self, KeyDocumentError> {
        // serde_json's messages name the line and column, not the value.
        serde_json::from_str(document).map_err(|e| KeyDocumentError(K::NAME, e.to_string()))
    }

    fn to_document(&self) -> SecretString {
        serde_json::to_string(self)
            .expect("key documents serialise")
            .into()
    }
}

/// A kind of key kept in a secret, and its name in messages.
pub trait KeyKind: Serialize + for<'de> Deserialize<'de> + Clone {
    const NAME: &'static str;
}
impl KeyKind for AccessKey {
    const NAME: &'static str = "access-token";
}
impl KeyKind for RefreshKey {
    const NAME: &'static str = "refresh-token";
}

/// Every key the system uses, as the `keys` tool creates and rotates them.
#[derive(Debug, Clone)]
pub struct KeySet {
    pub access: Rotating<AccessKey>,
    pub refresh: Rotating<RefreshKey>,
    pub cursor_key: KeyBytes,
}

impl KeySet {
    pub fn generate() -> Self {
        Self {
            access: Rotating::new(AccessKey::generate()),
            refresh: Rotating::new(RefreshKey::generate()),
            cursor_key: random_key(),
        }
    }

    /// New access and refresh keys; the current ones become the previous ones. The cursor key
    /// stays, so lists being paged keep working.
    pub fn rotated(&self) -> Self {
        Self {
            access: self.access.rotated(AccessKey::generate()),
            refresh: self.refresh.rotated(RefreshKey::generate()),
            cursor_key: self.cursor_key.clone(),
        }
    }

    pub fn without_previous(&self) -> Self {
        Self {
            access: self.access.without_previous(),
            refresh: self.refresh.without_previous(),
            cursor_key: self.cursor_key.clone(),
        }
    }

    /// What goes in the table for the verifying functions.
    pub fn verification_keys(&self) -> VerificationKeys {
        VerificationKeys {
            access: Rotating {
                current: self.access.current.public_key(),
                previous: self.access.previous.as_ref().map(AccessKey::public_key),
            },
            cursor_key: self.cursor_key.clone(),
        }
    }
}

/// Key bytes as base64url text, exactly [`KEY_BYTES`] long.
pub(crate) mod base64_key {
    use super::*;

    pub fn serialize<S: serde::Serializer>(
        key: &KeyBytes,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(key.expose_secret()))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<KeyBytes, D::Error> {
        let text = SecretString::from(String::deserialize(deserializer)?);
        decode(text.expose_secret()).ok_or_else(|| {
            serde::de::Error::custom(format!("a key must be {KEY_BYTES} bytes of base64url"))
        })
    }

    pub fn decode(text: &str) -> Option<KeyBytes> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .filter(|bytes| bytes.len() == KEY_BYTES)
            .map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip_with_the_designed_shape() {
        let keys = KeySet::generate().rotated();
        let access = keys.access.to_document();
        let json: serde_json::Value = serde_json::from_str(access.expose_secret()).unwrap();
        assert!(json["current"]["kid"].is_string());
        assert!(json["current"]["privateKey"].is_string());
        assert!(json["previous"]["privateKey"].is_string());
        let parsed = Rotating::<AccessKey>::parse(access.expose_secret()).unwrap();
        assert_eq!(
            parsed.current.public_key(),
            keys.access.current.public_key()
        );
        let refresh = keys.refresh.without_previous().to_document();
        let json: serde_json::Value = serde_json::from_str(refresh.expose_secret()).unwrap();
        assert!(json["current"]["key"].is_string());
        assert!(json["previous"].is_null());
        let parsed = Rotating::<RefreshKey>::parse(refresh.expose_secret()).unwrap();
        assert_eq!(parsed.current.bytes(), keys.refresh.current.bytes());
    }

    #[test]
    fn a_short_key_or_a_broken_document_is_refused_without_quoting_it() {
        let short = r#"{"current":{"kid":"k","key":"c2VjcmV0LWJ5dGVz"},"previous":null}"#;
        let error = Rotating::<RefreshKey>::parse(short)
            .unwrap_err()
            .to_string();
        assert!(error.contains("refresh-token"), "{error}");
        assert!(!error.contains("c2VjcmV0LWJ5dGVz"), "{error}");
        assert!(Rotating::<AccessKey>::parse("{").is_err());
    }

    #[test]
    fn debug_never_shows_key_bytes() {
        let keys = KeySet::generate();
        let seed = URL_SAFE_NO_PAD.encode(keys.access.current.seed.expose_secret());
        let refresh = URL_SAFE_NO_PAD.encode(keys.refresh.current.bytes());
        let cursor = URL_SAFE_NO_PAD.encode(keys.cursor_key.expose_secret());
        let printed = format!("{keys:?} {:?}", keys.verification_keys());
        for secret in [seed, refresh, cursor] {
            assert!(!printed.contains(&secret), "{printed}");
        }
        assert!(printed.contains(&keys.access.current.kid));
    }

    #[test]
    fn rotation_keeps_the_old_key_as_previous_and_revocation_drops_it() {
        let first = KeySet::generate();
        let second = first.rotated();
        assert_ne!(second.access.current.kid, first.access.current.kid);
        assert_eq!(
            second.access.previous.as_ref().map(|k| &k.kid),
            Some(&first.access.current.kid)
        );
        let published = second.verification_keys().access;
        assert_eq!(published.previous, Some(first.access.current.public_key()));
        assert_eq!(
            second.without_previous().refresh.previous.map(|k| k.kid),
            None
        );
    }
}
