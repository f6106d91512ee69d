//! Who is calling and may they: tokens (JWT HS256), passwords (argon2id) and the guard that
//! turns a bearer token into a typed `Caller`.

mod guard;
mod password;
pub(crate) mod sessions;
mod tokens;

pub use guard::Caller;
pub use password::PasswordHasher;
pub use sessions::{RefreshToken, TokenPair, end_session, refresh_session, start_session};
pub use tokens::{
    ACCESS_TOKEN_TTL_SECS, AccessClaims, IssuedToken, REFRESH_TOKEN_TTL_SECS, RefreshClaims,
    TokenKeys, TokenKind,
};
