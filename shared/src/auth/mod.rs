//! Who is calling and may they: tokens (JWT: EdDSA access, HS256 refresh, each with a `kid`),
//! their keys and where they live, passwords (argon2id) and the guard that turns a bearer token
//! into a typed `Caller`.

mod guard;
mod jwks;
mod key_cache;
mod keys;
mod password;
mod rotation;
pub(crate) mod sessions;
mod sources;
mod tokens;
mod verified;

pub use guard::Caller;
pub use jwks::{Jwk, JwkSet};
pub(crate) use key_cache::KeyCache;
pub(crate) use keys::base64_key;
pub use keys::{
    AccessKey, KeyBytes, KeyDocument, KeyDocumentError, KeySet, PublicKey, RefreshKey, Rotating,
    VerificationKeys,
};
pub use password::PasswordHasher;
pub use rotation::KeyHome;
pub use sessions::{RefreshToken, TokenPair, end_session, refresh_session, start_session};
pub(crate) use sources::{SecretIds, published_keys, signing_keys};
pub(crate) use tokens::SigningKeys;
pub use tokens::{
    ACCESS_TOKEN_TTL_SECS, AccessClaims, IssuedToken, REFRESH_TOKEN_TTL_SECS, RefreshClaims,
    TokenKeys, TokenKind, TokenRules,
};
