use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::config::Config;
use crate::domain::{Role, User};
use crate::error::AppError;

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

/// One key and its verification rules, for one kind of token.
struct KindKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl KindKeys {
    fn new(secret: &[u8], config: &Config) -> Self {
        // Exactly one algorithm is accepted: `alg: none`, RS256 and every other value fail.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.leeway = LEEWAY_SECS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }
}

impl KindKeys {
    fn sign(&self, claims: &impl Serialize) -> Result<SecretString, AppError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map(SecretString::from)
            .map_err(AppError::internal)
    }

    /// The claims of a token signed with this key, valid by its rules and of `kind`; `refused`
    /// for anything else, whatever the reason (the reason is not the client's business).
    fn verify<C: DeserializeOwned + HasKind>(
        &self,
        token: &str,
        kind: TokenKind,
        refused: AppError,
    ) -> Result<C, AppError> {
        match jsonwebtoken::decode::<C>(token, &self.decoding, &self.validation) {
            Ok(data) if data.claims.kind() == kind => Ok(data.claims),
            Ok(_) => Err(refused),
            Err(error) => {
                tracing::debug!(reason = ?error.kind(), ?kind, "token refused");
                Err(refused)
            }
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

/// Issues and verifies tokens. Built once at init from the config's secrets.
pub struct TokenKeys {
    access: KindKeys,
    refresh: KindKeys,
    issuer: String,
    audience: String,
}

impl TokenKeys {
    pub fn new(config: &Config) -> Self {
        Self {
            access: KindKeys::new(config.jwt_secret.expose_secret().as_bytes(), config),
            refresh: KindKeys::new(
                config.refresh_token_secret.expose_secret().as_bytes(),
                config,
            ),
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
        }
    }

    /// A 15-minute access token for `user`, carrying their current roles.
    pub fn issue_access(&self, user: &User) -> Result<IssuedToken, AppError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = AccessClaims {
            sub: user.id.to_string(),
            email: user.email.as_str().to_owned(),
            roles: user.roles.clone(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + ACCESS_TOKEN_TTL_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
            typ: TokenKind::Access,
        };
        Ok(IssuedToken {
            token: self.access.sign(&claims)?,
            expires_in: ACCESS_TOKEN_TTL_SECS,
        })
    }

    /// A 7-day refresh token for `user_id` in session family `family`, with a fresh `jti`.
    pub fn issue_refresh(
        &self,
        user_id: &str,
        family: &str,
        session_version: u64,
    ) -> Result<(IssuedToken, RefreshClaims), AppError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = RefreshClaims {
            sub: user_id.to_owned(),
            fam: family.to_owned(),
            sv: session_version,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + REFRESH_TOKEN_TTL_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
            typ: TokenKind::Refresh,
        };
        Ok((
            IssuedToken {
                token: self.refresh.sign(&claims)?,
                expires_in: REFRESH_TOKEN_TTL_SECS,
            },
            claims,
        ))
    }

    /// The claims of a validly signed, unexpired refresh token; `INVALID_REFRESH_TOKEN` for
    /// anything else. Whether it is still its family's current token is the store's question.
    pub fn verify_refresh(&self, token: &str) -> Result<RefreshClaims, AppError> {
        self.refresh
            .verify(token, TokenKind::Refresh, AppError::InvalidRefreshToken)
    }

    /// The claims of a valid access token; `UNAUTHENTICATED` for anything else, whatever the
    /// reason (the reason is not the client's business).
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, AppError> {
        self.access
            .verify(token, TokenKind::Access, AppError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, PasswordHash, UserName, UserRecord};
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use serde_json::json;

    const ACCESS_SECRET: &str = "access-secret-access-secret-access-secret";
    const REFRESH_SECRET: &str = "refresh-secret-refresh-secret-refresh-secret";

    fn config() -> Config {
        Config::from_lookup(|name| {
            Some(
                match name {
                    "TABLE_NAME" => "app",
                    "JWT_SECRET" => ACCESS_SECRET,
                    "REFRESH_TOKEN_SECRET" => REFRESH_SECRET,
                    "JWT_ISSUER" => "https://issuer.test",
                    "JWT_AUDIENCE" => "clients.test",
                    _ => return None,
                }
                .to_owned(),
            )
        })
        .unwrap()
    }

    fn user() -> User {
        UserRecord::new(
            UserName::parse("Ada").unwrap(),
            Email::parse("ada@example.com").unwrap(),
            PasswordHash::from_phc(String::new()),
        )
        .user
    }

    /// Signs arbitrary claims with HS256 and `secret`, as an attacker who knows it (or a bug) would.
    fn sign(claims: serde_json::Value, secret: &str) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn valid_claims() -> serde_json::Value {
        let now = jsonwebtoken::get_current_timestamp();
        json!({
            "sub": "0193a0c4-0000-7000-8000-000000000000", "email": "ada@example.com",
            "roles": ["user"], "iss": "https://issuer.test", "aud": "clients.test",
            "iat": now, "exp": now + 60, "jti": "j", "typ": "access"
        })
    }

    fn refused(keys: &TokenKeys, token: &str) -> bool {
        matches!(keys.verify_access(token), Err(AppError::Unauthenticated))
    }

    #[test]
    fn issued_tokens_verify_with_their_claims() {
        let keys = TokenKeys::new(&config());
        let user = user();
        let issued = keys.issue_access(&user).unwrap();
        assert_eq!(issued.expires_in, 900);
        let claims = keys.verify_access(issued.token.expose_secret()).unwrap();
        assert_eq!(claims.sub, user.id.to_string());
        assert_eq!(claims.roles, vec![Role::User]);
        assert_eq!(claims.exp - claims.iat, 900);
        assert_eq!(claims.typ, TokenKind::Access);
        assert!(!format!("{issued:?}").contains(issued.token.expose_secret()));
    }

    #[test]
    fn a_hand_made_valid_token_passes_so_the_refusals_below_mean_something() {
        let keys = TokenKeys::new(&config());
        assert!(
            keys.verify_access(&sign(valid_claims(), ACCESS_SECRET))
                .is_ok()
        );
    }

    #[test]
    fn refuses_wrong_signature_expired_wrong_issuer_or_audience() {
        let keys = TokenKeys::new(&config());
        assert!(refused(
            &keys,
            &sign(valid_claims(), "another-secret-another-secret-another")
        ));
        let now = jsonwebtoken::get_current_timestamp();
        let mut expired = valid_claims();
        expired["exp"] = json!(now - 60);
        assert!(refused(&keys, &sign(expired, ACCESS_SECRET)));
        let mut issuer = valid_claims();
        issuer["iss"] = json!("https://evil.test");
        assert!(refused(&keys, &sign(issuer, ACCESS_SECRET)));
        let mut audience = valid_claims();
        audience["aud"] = json!("someone-else");
        assert!(refused(&keys, &sign(audience, ACCESS_SECRET)));
    }

    #[test]
    fn refuses_missing_required_claims() {
        let keys = TokenKeys::new(&config());
        for claim in ["exp", "iss", "aud", "sub", "typ"] {
            let mut claims = valid_claims();
            claims.as_object_mut().unwrap().remove(claim);
            assert!(
                refused(&keys, &sign(claims, ACCESS_SECRET)),
                "without {claim}"
            );
        }
    }

    #[test]
    fn refuses_a_refresh_token_even_signed_with_the_access_key() {
        let keys = TokenKeys::new(&config());
        let mut claims = valid_claims();
        claims["typ"] = json!("refresh");
        assert!(refused(&keys, &sign(claims.clone(), ACCESS_SECRET)));
        assert!(refused(&keys, &sign(claims, REFRESH_SECRET)));
    }

    #[test]
    fn refresh_tokens_verify_only_as_refresh_tokens() {
        let keys = TokenKeys::new(&config());
        let user = user();
        let (refresh, claims) = keys
            .issue_refresh(&user.id.to_string(), "family-1", 1)
            .unwrap();
        assert_eq!(refresh.expires_in, 7 * 24 * 3600);
        let verified = keys.verify_refresh(refresh.token.expose_secret()).unwrap();
        assert_eq!(verified, claims);
        assert_eq!(verified.fam, "family-1");
        // Neither kind passes as the other: different keys and a different `typ`.
        assert!(refused(&keys, refresh.token.expose_secret()));
        let access = keys
            .issue_access(&user)
            .unwrap()
            .token
            .expose_secret()
            .to_owned();
        assert_eq!(
            keys.verify_refresh(&access).unwrap_err().code(),
            "INVALID_REFRESH_TOKEN"
        );
        // Even an access-typed token signed with the refresh key is refused as a refresh token.
        let mut forged = valid_claims();
        forged["fam"] = json!("family-1");
        assert!(keys.verify_refresh(&sign(forged, REFRESH_SECRET)).is_err());
    }

    #[test]
    fn refuses_alg_none_and_other_algorithms() {
        let keys = TokenKeys::new(&config());
        let payload = URL_SAFE_NO_PAD.encode(valid_claims().to_string());
        for header in [
            json!({"alg": "none", "typ": "JWT"}),
            json!({"alg": "HS512", "typ": "JWT"}),
            json!({"alg": "RS256", "typ": "JWT"}),
        ] {
            let header = URL_SAFE_NO_PAD.encode(header.to_string());
            assert!(refused(&keys, &format!("{header}.{payload}.")));
            assert!(refused(&keys, &format!("{header}.{payload}")));
        }
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &valid_claims(),
            &EncodingKey::from_secret(ACCESS_SECRET.as_bytes()),
        )
        .unwrap();
        assert!(refused(&keys, &hs512));
    }

    #[test]
    fn refuses_a_tampered_payload_and_garbage() {
        let keys = TokenKeys::new(&config());
        let token = keys
            .issue_access(&user())
            .unwrap()
            .token
            .expose_secret()
            .to_owned();
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["roles"] = json!(["user", "admin"]);
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert!(refused(&keys, &parts.join(".")));
        for garbage in ["", "a.b.c", "not a token", "...."] {
            assert!(refused(&keys, garbage));
        }
    }
}
