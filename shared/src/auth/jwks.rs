//! The public access-token keys as a JWK Set (RFC 7517; Ed25519 keys as RFC 8037's `OKP`), the
//! form standard JWT libraries fetch from `GET /.well-known/jwks.json`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;

use super::keys::{PublicKey, Rotating};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// One public key: only the public point `x`; a JWK with `d` would be a private key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub x: String,
    pub kid: String,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub usage: &'static str,
}

impl JwkSet {
    /// The current key first, then the previous one while it is still accepted.
    pub fn of(keys: &Rotating<PublicKey>) -> Self {
        Self {
            keys: keys
                .iter()
                .map(|key| Jwk {
                    kty: "OKP",
                    crv: "Ed25519",
                    x: URL_SAFE_NO_PAD.encode(&key.x),
                    kid: key.kid.clone(),
                    alg: "EdDSA",
                    usage: "sig",
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::KeySet;

    #[test]
    fn lists_current_then_previous_public_keys_and_nothing_private() {
        let keys = KeySet::generate().rotated();
        let published = keys.verification_keys();
        let set = serde_json::to_value(JwkSet::of(&published.access)).unwrap();
        let listed: Vec<&str> = set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|jwk| jwk["kid"].as_str().unwrap())
            .collect();
        let previous = keys.access.previous.as_ref().unwrap();
        assert_eq!(
            listed,
            [keys.access.current.kid.as_str(), previous.kid.as_str()]
        );
        for jwk in set["keys"].as_array().unwrap() {
            assert_eq!(jwk["kty"], "OKP");
            assert_eq!(jwk["crv"], "Ed25519");
            assert_eq!(jwk["alg"], "EdDSA");
            assert_eq!(jwk["use"], "sig");
            assert_eq!(
                URL_SAFE_NO_PAD
                    .decode(jwk["x"].as_str().unwrap())
                    .unwrap()
                    .len(),
                32
            );
            assert!(jwk.get("d").is_none(), "a private key in the set");
        }
        let revoked = JwkSet::of(&keys.without_previous().verification_keys().access);
        assert_eq!(revoked.keys.len(), 1);
    }
}
