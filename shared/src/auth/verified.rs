//! Access tokens this process has already verified, so a client's next call with the same token
//! skips the Ed25519 check: a client reuses its access token for up to 15 minutes, and the
//! check was over a third of get-user's instructions a warm call (bench/notes.md, "Warm CPU:
//! where get-user's instructions go").
//!
//! An entry counts only while the public key set it was verified under is still the one in use
//! (a rotation or revocation is seen when the keys are read again, which makes a new set, so
//! every token is checked again then), and only until the token's `exp` (with the same leeway
//! as the check). Only tokens that passed the full check are remembered, by their exact text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use super::tokens::AccessClaims;

/// Enough for the distinct clients one warm instance serves between key re-reads; past it, the
/// expired entries go, and if that frees nothing, all of them (a token then pays one check).
const CAPACITY: usize = 512;

pub(crate) struct VerifiedTokens<Keys> {
    leeway_secs: u64,
    entries: Mutex<HashMap<Box<str>, Verified<Keys>>>,
}

struct Verified<Keys> {
    claims: AccessClaims,
    under: Arc<Keys>,
}

impl<Keys> VerifiedTokens<Keys> {
    pub(crate) fn new(leeway_secs: u64) -> Self {
        Self {
            leeway_secs,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The claims of `token` if it was verified under `keys`, the set in use now, and has not
    /// expired since.
    pub(crate) fn recall(&self, token: &str, keys: &Arc<Keys>) -> Option<AccessClaims> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let verified = entries.get(token)?;
        (Arc::ptr_eq(&verified.under, keys) && self.unexpired(&verified.claims, now_secs()))
            .then(|| verified.claims.clone())
    }

    /// Remembers `token`, which has just passed the full check under `keys`.
    pub(crate) fn remember(&self, token: &str, claims: &AccessClaims, keys: &Arc<Keys>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            let now = now_secs();
            entries.retain(|_, verified| self.unexpired(&verified.claims, now));
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            token.into(),
            Verified {
                claims: claims.clone(),
                under: keys.clone(),
            },
        );
    }

    /// What jsonwebtoken's `exp` check accepts: not expired more than the leeway ago.
    fn unexpired(&self, claims: &AccessClaims, now: u64) -> bool {
        claims.exp.saturating_add(self.leeway_secs) >= now
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::TokenKind;

    fn claims(exp: u64) -> AccessClaims {
        AccessClaims {
            sub: "01a2".into(),
            email: "ada@example.com".into(),
            roles: vec![],
            iss: "https://issuer.test".into(),
            aud: "clients.test".into(),
            iat: 0,
            exp,
            jti: "j".into(),
            typ: TokenKind::Access,
        }
    }

    #[test]
    fn a_verified_token_is_recalled_under_the_same_key_set_only() {
        let verified = VerifiedTokens::new(5);
        let keys = Arc::new("keys A");
        let claims = claims(now_secs() + 600);
        verified.remember("token", &claims, &keys);
        assert_eq!(verified.recall("token", &keys), Some(claims));
        // The same keys read again are a new set: checked again, as after a revocation.
        assert_eq!(verified.recall("token", &Arc::new("keys A")), None);
        assert_eq!(verified.recall("token!", &keys), None);
        assert_eq!(verified.recall("toke", &keys), None);
    }

    #[test]
    fn an_expired_token_is_not_recalled_past_the_leeway() {
        let verified = VerifiedTokens::new(5);
        let keys = Arc::new(());
        let now = now_secs();
        verified.remember("within leeway", &claims(now - 3), &keys);
        verified.remember("expired", &claims(now - 60), &keys);
        assert!(verified.recall("within leeway", &keys).is_some());
        assert_eq!(verified.recall("expired", &keys), None);
    }

    #[test]
    fn it_never_holds_more_than_its_capacity() {
        let verified = VerifiedTokens::new(5);
        let keys = Arc::new(());
        let live = claims(now_secs() + 600);
        for i in 0..CAPACITY * 3 {
            verified.remember(&format!("token {i}"), &live, &keys);
            assert!(verified.len() <= CAPACITY);
        }
        // Expired entries go first, live ones stay.
        let verified = VerifiedTokens::new(5);
        for i in 0..CAPACITY - 1 {
            verified.remember(&format!("expired {i}"), &claims(1), &keys);
        }
        verified.remember("live", &live, &keys);
        verified.remember("newest", &live, &keys);
        assert_eq!(verified.len(), 2);
        assert!(verified.recall("live", &keys).is_some());
    }
}
