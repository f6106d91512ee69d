//! Access tokens (EdDSA, Ed25519) and refresh tokens (HS256), each with the `kid` of the key
//! that signed it. Functions that only verify hold the access tokens' public keys, read from
//! the table; only the functions that issue tokens hold private keys, read from the secret store.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::hmac;
use aws_lc_rs::signature::Ed25519KeyPair;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use secrecy::SecretString;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::jwks::JwkSet;
use super::key_cache::{KeyCache, Loader};
use super::keys::{AccessKey, KeySet, RefreshKey, Rotating, VerificationKeys};
use super::verified::VerifiedTokens;
use crate::config::{Config, KeyCacheSettings};
use crate::domain::{Role, User};
use crate::error::AppError;
use crate::pagination::CursorKey;

/// Access tokens live 15 minutes (the contract's `expiresIn: 900`).
pub const ACCESS_TOKEN_TTL_SECS: u64 = 15 * 60;
/// Refresh tokens live 7 days; each rotation issues a new one with a new 7 days.
pub const REFRESH_TOKEN_TTL_SECS: u64 = 7 * 24 * 60 * 60;

/// Clock skew tolerated between the issuer and the verifier.
const LEEWAY_SECS: u64 = 5;

/// The `typ` claim: tokens of one kind never pass as the other, and each kind has its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Access,
    Refresh,
}

/// The claims of an access token, as the contract lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    pub typ: TokenKind,
}

/// The claims of a refresh token. `fam` names its stored session family; `jti` is what the
/// family records (as a digest) to know which token is current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshClaims {
    pub sub: String,
    pub fam: String,
    /// The user's session version when the family began (see `UserRecord::session_version`).
    pub sv: u64,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    pub typ: TokenKind,
}

/// A signed token and how long it lives. `Debug` shows the token as `[REDACTED]`.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: SecretString,
    pub expires_in: u64,
}

/// What a verifying function holds, from the table's verification item.
pub(crate) struct Published {
    access: HashMap<String, DecodingKey>,
    cursor: CursorKey,
    /// The same public keys as a JWK Set, for `GET /.well-known/jwks.json`.
    key_set: JwkSet,
}

impl From<VerificationKeys> for Published {
    fn from(keys: VerificationKeys) -> Self {
        Self {
            key_set: JwkSet::of(&keys.access),
            access: keys
                .access
                .iter()
                .map(|key| (key.kid.clone(), DecodingKey::from_ed_der(&key.x)))
                .collect(),
            cursor: CursorKey::new(keys.cursor_key),
        }
    }
}

/// A key to sign with, made ready once, and the header of every token it signs.
///
/// `jsonwebtoken::encode` builds its signer per call: for EdDSA that parses the PKCS#8 key and
/// derives its public half again on every token, half of the Ed25519 work in refresh's first
/// request (bench/notes.md, "The signing functions' keys, made ready once"). So tokens are put
/// together here as `encode` does, base64url(header).base64url(claims).base64url(signature),
/// and a test holds them equal to its output bit for bit.
struct Signer {
    /// base64url of the header's JSON: the same for every token this key signs.
    header: String,
    key: SignatureKey,
}

enum SignatureKey {
    /// Access tokens (EdDSA).
    Ed25519(Ed25519KeyPair),
    /// Refresh tokens (HS256); boxed, its precomputed HMAC state being much the larger variant.
    Hs256(Box<hmac::Key>),
}

impl SignatureKey {
    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519(_) => Algorithm::EdDSA,
            Self::Hs256(_) => Algorithm::HS256,
        }
    }
}

impl Signer {
    fn new(kid: &str, key: SignatureKey) -> Self {
        let mut header = Header::new(key.algorithm());
        header.kid = Some(kid.to_owned());
        let header = serde_json::to_vec(&header).expect("a JWT header serialises");
        Self {
            header: URL_SAFE_NO_PAD.encode(header),
            key,
        }
    }

    fn access(key: &AccessKey) -> Self {
        Self::new(&key.kid, SignatureKey::Ed25519(key.pair()))
    }

    fn refresh(key: &RefreshKey) -> Self {
        Self::new(
            &key.kid,
            SignatureKey::Hs256(Box::new(hmac::Key::new(hmac::HMAC_SHA256, key.bytes()))),
        )
    }

    fn sign(&self, claims: &impl Serialize) -> Result<SecretString, AppError> {
        let claims = serde_json::to_vec(claims).map_err(AppError::internal)?;
        let mut token = self.header.clone();
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(claims, &mut token);
        let (ed25519, hs256);
        let signature: &[u8] = match &self.key {
            SignatureKey::Ed25519(pair) => {
                ed25519 = pair.sign(token.as_bytes());
                ed25519.as_ref()
            }
            SignatureKey::Hs256(key) => {
                hs256 = hmac::sign(key, token.as_bytes());
                hs256.as_ref()
            }
        };
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(SecretString::from(token))
    }
}

/// What a signing function holds, from the secret store: each kind it was given an id for.
pub(crate) struct SigningKeys {
    access: Option<Signer>,
    refresh: Option<(Signer, HashMap<String, DecodingKey>)>,
}

impl SigningKeys {
    pub(crate) fn new(
        access: Option<&Rotating<AccessKey>>,
        refresh: Option<&Rotating<RefreshKey>>,
    ) -> Self {
        Self {
            access: access.map(|keys| Signer::access(&keys.current)),
            refresh: refresh.map(|keys| {
                let verifying = keys
                    .iter()
                    .map(|key| (key.kid.clone(), DecodingKey::from_secret(key.bytes())))
                    .collect();
                (Signer::refresh(&keys.current), verifying)
            }),
        }
    }
}

/// The `kid` of a token that may be ours: signed with `algorithm` and naming no key of its own
/// (`jku`, `jwk`, `x5u`, `x5c`: keys come from our store only). `None` refuses it.
fn kid_of(token: &str, algorithm: Algorithm) -> Option<String> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    let names_a_key = header.jku.is_some()
        || header.jwk.is_some()
        || header.x5u.is_some()
        || header.x5c.is_some();
    (header.alg == algorithm && !names_a_key)
        .then_some(header.kid)
        .flatten()
}

/// The key `kid` names, reading the keys again if they lack it (as often as the cache allows).
async fn key_for<T: Send + Sync + 'static>(
    cache: &KeyCache<T>,
    pick: impl Fn(&T) -> Option<&DecodingKey>,
) -> Result<Option<DecodingKey>, AppError> {
    if let Some(key) = pick(&*cache.get().await?) {
        return Ok(Some(key.clone()));
    }
    Ok(cache
        .reread_for_unknown_kid()
        .await?
        .and_then(|keys| pick(&keys).cloned()))
}

fn validation(algorithm: Algorithm, config: &TokenRules) -> Validation {
    // Exactly one algorithm per kind: `none`, HS256 on an access token (key confusion with the
    // public key), RS256 and every other value fail.
    let mut validation = Validation::new(algorithm);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[&config.audience]);
    validation.leeway = LEEWAY_SECS;
    validation
}

/// Who issues tokens and for whom: the `iss` and `aud` of every token.
#[derive(Debug, Clone)]
pub struct TokenRules {
    pub issuer: String,
    pub audience: String,
}

impl From<&Config> for TokenRules {
    fn from(config: &Config) -> Self {
        Self {
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
        }
    }
}

/// Issues and verifies tokens, and holds the list-cursor key that comes with the public keys.
/// Built once at init; keys are read again on the cache's schedule (`key_cache.rs`).
pub struct TokenKeys {
    rules: TokenRules,
    access_validation: Validation,
    refresh_validation: Validation,
    published: KeyCache<Published>,
    signing: Option<KeyCache<SigningKeys>>,
    verified: VerifiedTokens<Published>,
}

impl TokenKeys {
    pub(crate) fn new(
        rules: TokenRules,
        published: KeyCache<Published>,
        signing: Option<KeyCache<SigningKeys>>,
    ) -> Self {
        Self {
            access_validation: validation(Algorithm::EdDSA, &rules),
            refresh_validation: validation(Algorithm::HS256, &rules),
            rules,
            published,
            signing,
            verified: VerifiedTokens::new(LEEWAY_SECS),
        }
    }

    /// Keys held in memory, never read again: for tests and tools that sign for themselves.
    pub fn from_key_set(keys: &KeySet, rules: TokenRules) -> Self {
        let verification = keys.verification_keys();
        let published: Loader<Published> = Box::new(move || {
            let keys = verification.clone();
            Box::pin(async move { Ok(Published::from(keys)) })
        });
        let signing = SigningKeys::new(Some(&keys.access), Some(&keys.refresh));
        let never_again: Loader<SigningKeys> =
            Box::new(|| Box::pin(async { Err(AppError::internal("fixed keys")) }));
        let settings = KeyCacheSettings::default();
        Self::new(
            rules,
            KeyCache::new(published, settings),
            Some(KeyCache::new(never_again, settings).with_keys(signing)),
        )
    }

    async fn signing(&self) -> Result<Arc<SigningKeys>, AppError> {
        match &self.signing {
            Some(cache) => cache.get().await,
            None => Err(AppError::internal("this function holds no signing keys")),
        }
    }

    /// A 15-minute access token for `user`, carrying their current roles.
    pub async fn issue_access(&self, user: &User) -> Result<IssuedToken, AppError> {
        let keys = self.signing().await?;
        let signer = keys
            .access
            .as_ref()
            .ok_or_else(|| AppError::internal("this function holds no access-token key"))?;
        self.access_token(signer, user)
    }

    fn access_token(&self, signer: &Signer, user: &User) -> Result<IssuedToken, AppError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = AccessClaims {
            sub: user.id.to_string(),
            email: user.email.as_str().to_owned(),
            roles: user.roles.clone(),
            iss: self.rules.issuer.clone(),
            aud: self.rules.audience.clone(),
            iat: now,
            exp: now + ACCESS_TOKEN_TTL_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
            typ: TokenKind::Access,
        };
        Ok(IssuedToken {
            token: signer.sign(&claims)?,
            expires_in: ACCESS_TOKEN_TTL_SECS,
        })
    }

    /// A 7-day refresh token for `user_id` in session family `family`, with a fresh `jti`.
    pub async fn issue_refresh(
        &self,
        user_id: &str,
        family: &str,
        session_version: u64,
    ) -> Result<(IssuedToken, RefreshClaims), AppError> {
        let keys = self.signing().await?;
        let (signer, _) = keys
            .refresh
            .as_ref()
            .ok_or_else(|| AppError::internal("this function holds no refresh-token key"))?;
        let now = jsonwebtoken::get_current_timestamp();
        let claims = RefreshClaims {
            sub: user_id.to_owned(),
            fam: family.to_owned(),
            sv: session_version,
            iss: self.rules.issuer.clone(),
            aud: self.rules.audience.clone(),
            iat: now,
            exp: now + REFRESH_TOKEN_TTL_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
            typ: TokenKind::Refresh,
        };
        Ok((
            IssuedToken {
                token: signer.sign(&claims)?,
                expires_in: REFRESH_TOKEN_TTL_SECS,
            },
            claims,
        ))
    }

    /// The claims of a validly signed, unexpired refresh token; `INVALID_REFRESH_TOKEN` for
    /// anything else. Whether it is still its family's current token is the store's question.
    pub async fn verify_refresh(&self, token: &str) -> Result<RefreshClaims, AppError> {
        let refused = AppError::InvalidRefreshToken;
        let Some(kid) = kid_of(token, Algorithm::HS256) else {
            return Err(refused);
        };
        let cache = self
            .signing
            .as_ref()
            .ok_or_else(|| AppError::internal("this function holds no refresh-token key"))?;
        let key = key_for(cache, |keys| {
            keys.refresh
                .as_ref()
                .and_then(|(_, verifying)| verifying.get(&kid))
        })
        .await?;
        decode(
            token,
            key,
            &self.refresh_validation,
            TokenKind::Refresh,
            refused,
        )
    }

    /// The claims of a valid access token; `UNAUTHENTICATED` for anything else, whatever the
    /// reason (the reason is not the client's business).
    pub async fn verify_access(&self, token: &str) -> Result<AccessClaims, AppError> {
        let refused = AppError::Unauthenticated;
        let mut keys = self.published.get().await?;
        if let Some(claims) = self.verified.recall(token, &keys) {
            return Ok(claims);
        }
        let Some(kid) = kid_of(token, Algorithm::EdDSA) else {
            return Err(refused);
        };
        if !keys.access.contains_key(&kid) {
            match self.published.reread_for_unknown_kid().await? {
                Some(reread) => keys = reread,
                None => return Err(refused),
            }
        }
        let key = keys.access.get(&kid).cloned();
        let claims: AccessClaims = decode(
            token,
            key,
            &self.access_validation,
            TokenKind::Access,
            refused,
        )?;
        self.verified.remember(token, &claims, &keys);
        Ok(claims)
    }

    /// The public access-token keys in use (current and previous), as a JWK Set.
    pub async fn published_key_set(&self) -> Result<JwkSet, AppError> {
        Ok(self.published.get().await?.key_set.clone())
    }

    /// The list-cursor key, published with the public keys.
    pub async fn cursor_key(&self) -> Result<CursorKey, AppError> {
        Ok(self.published.get().await?.cursor.clone())
    }

    /// An access token signed with `key`, synchronously: for test helpers.
    #[cfg(feature = "test-support")]
    pub fn access_token_signed_with(&self, key: &AccessKey, user: &User) -> String {
        use secrecy::ExposeSecret as _;
        self.access_token(&Signer::access(key), user)
            .expect("token issues")
            .token
            .expose_secret()
            .to_owned()
    }
}

/// The claims of `token` if `key` (the key its `kid` names) verifies it by `validation` and it
/// is of `kind`; `refused` for anything else.
fn decode<C: DeserializeOwned + HasKind>(
    token: &str,
    key: Option<DecodingKey>,
    validation: &Validation,
    kind: TokenKind,
    refused: AppError,
) -> Result<C, AppError> {
    let Some(key) = key else {
        tracing::debug!(?kind, "token refused: unknown kid");
        return Err(refused);
    };
    match jsonwebtoken::decode::<C>(token, &key, validation) {
        Ok(data) if data.claims.kind() == kind => Ok(data.claims),
        Ok(_) => Err(refused),
        Err(error) => {
            tracing::debug!(reason = ?error.kind(), ?kind, "token refused");
            Err(refused)
        }
    }
}

/// Claims that say which kind of token they belong to.
trait HasKind {
    fn kind(&self) -> TokenKind;
}

impl HasKind for AccessClaims {
    fn kind(&self) -> TokenKind {
        self.typ
    }
}

impl HasKind for RefreshClaims {
    fn kind(&self) -> TokenKind {
        self.typ
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, PasswordHash, UserName, UserRecord};
    use jsonwebtoken::EncodingKey;
    use secrecy::ExposeSecret;
    use serde_json::json;

    fn rules() -> TokenRules {
        TokenRules {
            issuer: "https://issuer.test".into(),
            audience: "clients.test".into(),
        }
    }

    fn user() -> User {
        UserRecord::new(
            UserName::parse("Ada").unwrap(),
            Email::parse("ada@example.com").unwrap(),
            PasswordHash::from_phc(String::new()),
        )
        .user
    }

    /// Signs arbitrary claims under an arbitrary header, as an attacker (or a bug) would.
    fn sign_with(header: Header, claims: &serde_json::Value, key: &EncodingKey) -> String {
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    fn eddsa(kid: &str) -> Header {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.to_owned());
        header
    }

    fn ed_key(key: &AccessKey) -> EncodingKey {
        EncodingKey::from_ed_der(key.pkcs8().expose_secret())
    }

    /// An access token signed with the set's current key, with any claims.
    fn signed(keys: &KeySet, claims: &serde_json::Value) -> String {
        let current = &keys.access.current;
        sign_with(eddsa(&current.kid), claims, &ed_key(current))
    }

    fn valid_claims() -> serde_json::Value {
        let now = jsonwebtoken::get_current_timestamp();
        json!({
            "sub": "0193a0c4-0000-7000-8000-000000000000", "email": "ada@example.com",
            "roles": ["user"], "iss": "https://issuer.test", "aud": "clients.test",
            "iat": now, "exp": now + 60, "jti": "j", "typ": "access"
        })
    }

    async fn refused(keys: &TokenKeys, token: &str) -> bool {
        matches!(
            keys.verify_access(token).await,
            Err(AppError::Unauthenticated)
        )
    }

    fn set() -> (KeySet, TokenKeys) {
        let set = KeySet::generate();
        let keys = TokenKeys::from_key_set(&set, rules());
        (set, keys)
    }

    #[test]
    fn tokens_are_jsonwebtokens_own_encoding_bit_for_bit() {
        // Ed25519 (RFC 8032) and HMAC are deterministic: the same key and claims give the same
        // token, so ours must be `encode`'s byte for byte.
        let set = KeySet::generate();
        let claims = valid_claims();
        let access = &set.access.current;
        assert_eq!(
            Signer::access(access)
                .sign(&claims)
                .unwrap()
                .expose_secret(),
            sign_with(eddsa(&access.kid), &claims, &ed_key(access))
        );
        let refresh = &set.refresh.current;
        let mut hs = Header::new(Algorithm::HS256);
        hs.kid = Some(refresh.kid.clone());
        assert_eq!(
            Signer::refresh(refresh)
                .sign(&claims)
                .unwrap()
                .expose_secret(),
            sign_with(hs, &claims, &EncodingKey::from_secret(refresh.bytes()))
        );
    }

    #[tokio::test]
    async fn issued_tokens_are_eddsa_with_the_current_kid_and_verify_with_their_claims() {
        let (set, keys) = set();
        let user = user();
        let issued = keys.issue_access(&user).await.unwrap();
        assert_eq!(issued.expires_in, 900);
        let header = jsonwebtoken::decode_header(issued.token.expose_secret()).unwrap();
        assert_eq!(header.alg, Algorithm::EdDSA);
        assert_eq!(header.kid.as_deref(), Some(set.access.current.kid.as_str()));
        let claims = keys
            .verify_access(issued.token.expose_secret())
            .await
            .unwrap();
        assert_eq!(claims.sub, user.id.to_string());
        assert_eq!(claims.roles, vec![Role::User]);
        assert_eq!(claims.exp - claims.iat, 900);
        assert_eq!(claims.typ, TokenKind::Access);
        assert!(!format!("{issued:?}").contains(issued.token.expose_secret()));
    }

    #[tokio::test]
    async fn a_verified_token_is_remembered_and_a_refused_one_is_not() {
        let (_, keys) = set();
        let token = keys.issue_access(&user()).await.unwrap().token;
        let token = token.expose_secret();
        let first = keys.verify_access(token).await.unwrap();
        assert_eq!(
            keys.verified
                .recall(token, &keys.published.get().await.unwrap()),
            Some(first.clone())
        );
        assert_eq!(keys.verify_access(token).await.unwrap(), first);
        // A tampered copy is checked in full, refused, and not remembered.
        let tampered = format!("{}x", token);
        assert!(refused(&keys, &tampered).await);
        assert_eq!(
            keys.verified
                .recall(&tampered, &keys.published.get().await.unwrap()),
            None
        );
    }

    #[tokio::test]
    async fn a_hand_made_valid_token_passes_so_the_refusals_below_mean_something() {
        let (set, keys) = set();
        assert!(
            keys.verify_access(&signed(&set, &valid_claims()))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn refuses_another_key_under_our_kid_expired_wrong_issuer_or_audience() {
        let (set, keys) = set();
        let other = AccessKey::generate();
        let forged = sign_with(
            eddsa(&set.access.current.kid),
            &valid_claims(),
            &ed_key(&other),
        );
        assert!(refused(&keys, &forged).await);
        let now = jsonwebtoken::get_current_timestamp();
        for (claim, value) in [
            ("exp", json!(now - 60)),
            ("iss", json!("https://evil.test")),
            ("aud", json!("someone-else")),
        ] {
            let mut claims = valid_claims();
            claims[claim] = value;
            assert!(refused(&keys, &signed(&set, &claims)).await, "{claim}");
        }
    }

    #[tokio::test]
    async fn refuses_missing_required_claims() {
        let (set, keys) = set();
        for claim in ["exp", "iss", "aud", "sub", "typ"] {
            let mut claims = valid_claims();
            claims.as_object_mut().unwrap().remove(claim);
            assert!(
                refused(&keys, &signed(&set, &claims)).await,
                "without {claim}"
            );
        }
    }

    #[tokio::test]
    async fn refuses_none_hmac_with_the_public_key_and_other_algorithms() {
        let (set, keys) = set();
        let kid = &set.access.current.kid;
        let public = set.access.current.public_key().x;
        let payload = URL_SAFE_NO_PAD.encode(valid_claims().to_string());
        for alg in ["none", "HS256", "RS256", "ES256"] {
            let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "kid": kid}).to_string());
            assert!(
                refused(&keys, &format!("{header}.{payload}.")).await,
                "{alg}"
            );
            assert!(
                refused(&keys, &format!("{header}.{payload}")).await,
                "{alg}"
            );
        }
        // Key confusion: HMAC keyed with the public key, as raw bytes or as its base64url text.
        for secret in [public.clone(), URL_SAFE_NO_PAD.encode(&public).into_bytes()] {
            for alg in [Algorithm::HS256, Algorithm::HS512] {
                let mut header = Header::new(alg);
                header.kid = Some(kid.clone());
                let token = sign_with(header, &valid_claims(), &EncodingKey::from_secret(&secret));
                assert!(refused(&keys, &token).await, "{alg:?}");
            }
        }
    }

    #[tokio::test]
    async fn refuses_an_unknown_or_missing_kid_and_a_token_that_names_its_own_key() {
        let (set, keys) = set();
        let current = &set.access.current;
        let unknown = sign_with(
            eddsa("not-a-kid-of-ours"),
            &valid_claims(),
            &ed_key(current),
        );
        assert!(refused(&keys, &unknown).await);
        let no_kid = sign_with(
            Header::new(Algorithm::EdDSA),
            &valid_claims(),
            &ed_key(current),
        );
        assert!(refused(&keys, &no_kid).await);
        let mut jku = eddsa(&current.kid);
        jku.jku = Some("https://evil.test/jwks.json".into());
        assert!(refused(&keys, &sign_with(jku, &valid_claims(), &ed_key(current))).await);
        let mut jwk = eddsa(&current.kid);
        jwk.jwk = Some(
            serde_json::from_value(json!({
                "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(current.public_key().x)
            }))
            .unwrap(),
        );
        assert!(refused(&keys, &sign_with(jwk, &valid_claims(), &ed_key(current))).await);
    }

    #[tokio::test]
    async fn neither_kind_passes_as_the_other() {
        let (set, keys) = set();
        let user = user();
        let (refresh, claims) = keys
            .issue_refresh(&user.id.to_string(), "family-1", 1)
            .await
            .unwrap();
        assert_eq!(refresh.expires_in, 7 * 24 * 3600);
        let header = jsonwebtoken::decode_header(refresh.token.expose_secret()).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
        assert_eq!(
            header.kid.as_deref(),
            Some(set.refresh.current.kid.as_str())
        );
        let verified = keys
            .verify_refresh(refresh.token.expose_secret())
            .await
            .unwrap();
        assert_eq!(verified, claims);
        assert!(refused(&keys, refresh.token.expose_secret()).await);
        let access = keys.issue_access(&user).await.unwrap().token;
        assert_eq!(
            keys.verify_refresh(access.expose_secret())
                .await
                .unwrap_err()
                .code(),
            "INVALID_REFRESH_TOKEN"
        );
        // An access-typed token signed with the refresh key is refused as a refresh token, and
        // a refresh-typed token signed with the access key as an access token.
        let mut forged = valid_claims();
        forged["fam"] = json!("family-1");
        let mut hs = Header::new(Algorithm::HS256);
        hs.kid = Some(set.refresh.current.kid.clone());
        let key = EncodingKey::from_secret(set.refresh.current.bytes());
        assert!(
            keys.verify_refresh(&sign_with(hs, &forged, &key))
                .await
                .is_err()
        );
        let mut typed_refresh = valid_claims();
        typed_refresh["typ"] = json!("refresh");
        assert!(refused(&keys, &signed(&set, &typed_refresh)).await);
    }

    #[tokio::test]
    async fn tokens_of_the_previous_key_verify_until_it_is_dropped() {
        let first = KeySet::generate();
        let old = TokenKeys::from_key_set(&first, rules());
        let user = user();
        let access = old.issue_access(&user).await.unwrap().token;
        let (refresh, _) = old.issue_refresh("u", "f", 1).await.unwrap();
        let rotated = TokenKeys::from_key_set(&first.rotated(), rules());
        assert!(rotated.verify_access(access.expose_secret()).await.is_ok());
        assert!(
            rotated
                .verify_refresh(refresh.token.expose_secret())
                .await
                .is_ok()
        );
        let revoked = TokenKeys::from_key_set(&first.rotated().without_previous(), rules());
        assert!(refused(&revoked, access.expose_secret()).await);
        assert!(
            revoked
                .verify_refresh(refresh.token.expose_secret())
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn refuses_a_tampered_payload_and_garbage() {
        let (_, keys) = set();
        let token = keys.issue_access(&user()).await.unwrap().token;
        let mut parts: Vec<String> = token
            .expose_secret()
            .split('.')
            .map(str::to_owned)
            .collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["roles"] = json!(["user", "admin"]);
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert!(refused(&keys, &parts.join(".")).await);
        for garbage in ["", "a.b.c", "not a token", "...."] {
            assert!(refused(&keys, garbage).await);
        }
    }
}
