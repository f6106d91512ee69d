//! Refresh-session rules: login starts a family, refresh rotates its token, logout revokes it.
//! Presenting a token that was already rotated revokes the family (RFC 9700 §4.14.2): the
//! thief's and the victim's newest token both stop working, and the user logs in again.

use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::App;
use crate::auth::RefreshClaims;
use crate::domain::{FamilyId, FromJsonField, User, UserId, UserRecord, json_string, unix_now};
use crate::error::AppError;
use crate::store::{NewSession, Presented};

/// The tokens login and refresh answer with. Serialized into the response body (the one place
/// they are meant to go); `Debug` shows them as `[REDACTED]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    #[serde(serialize_with = "exposed")]
    pub access_token: SecretString,
    #[serde(serialize_with = "exposed")]
    pub refresh_token: SecretString,
    pub token_type: &'static str,
    pub expires_in: u64,
}

/// Writes a secret's value: for the response that hands a token to its owner.
fn exposed<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

/// A refresh token as sent in a body: a non-empty string of sane length. `Debug` hides it.
#[derive(Debug)]
pub struct RefreshToken(SecretString);

/// Far above any token we issue (~400 bytes); refuses junk before it is decoded.
const MAX_TOKEN_LEN: usize = 4096;

impl RefreshToken {
    /// The body of refresh and logout: `{"refreshToken": "…"}`.
    pub fn from_request(req: &lambda_http::Request) -> Result<Self, AppError> {
        let mut body = crate::http::JsonBody::parse(req, &["refreshToken"])?;
        let token = body.required::<Self>("refreshToken");
        body.finish(|| token)
    }
}

impl FromJsonField for RefreshToken {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        let token = json_string(value)?;
        if token.is_empty() {
            return Err("must not be empty".to_owned());
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(format!("must be at most {MAX_TOKEN_LEN} characters"));
        }
        Ok(Self(token.into()))
    }
}

/// What the store keeps of a token: SHA-256 of its random `jti`, never the token itself.
pub(crate) fn digest(claims: &RefreshClaims) -> String {
    hex::encode(Sha256::digest(claims.jti.as_bytes()))
}

async fn pair(app: &App, user: &User, refresh: SecretString) -> Result<TokenPair, AppError> {
    let access = app.tokens.issue_access(user).await?;
    Ok(TokenPair {
        access_token: access.token,
        refresh_token: refresh,
        token_type: "Bearer",
        expires_in: access.expires_in,
    })
}

/// Login: a new session family for the user, and its first tokens.
pub async fn start_session(app: &App, record: &UserRecord) -> Result<TokenPair, AppError> {
    let user = &record.user;
    let family = FamilyId::new();
    let (refresh, claims) = app
        .tokens
        .issue_refresh(
            &user.id.to_string(),
            &family.to_string(),
            record.session_version,
        )
        .await?;
    app.store
        .create_session(&NewSession {
            family,
            user_id: user.id,
            token_digest: digest(&claims),
            expires_at: claims.exp,
        })
        .await?;
    pair(app, user, refresh.token).await
}

/// Refresh: rotates the family's token (one conditional write) and issues a new access token
/// with the user's current roles. A family begun before the user's last password change, or
/// whose user is gone, is revoked instead.
pub async fn refresh_session(app: &App, presented: &RefreshToken) -> Result<TokenPair, AppError> {
    let claims = app
        .tokens
        .verify_refresh(presented.0.expose_secret())
        .await?;
    let (family, user_id) = ids(&claims)?;
    let (next, next_claims) = app
        .tokens
        .issue_refresh(&claims.sub, &claims.fam, claims.sv)
        .await?;
    let outcome = app
        .store
        .rotate_session(
            &family,
            &digest(&claims),
            &digest(&next_claims),
            next_claims.exp,
            unix_now(),
        )
        .await?;
    if outcome != Presented::Current {
        return Err(AppError::InvalidRefreshToken);
    }
    let record = app.store.find_user(&user_id).await?;
    let Some(record) = record.filter(|record| record.session_version == claims.sv) else {
        app.store.revoke_session(&family).await?;
        return Err(AppError::InvalidRefreshToken);
    };
    pair(app, &record.user, next.token).await
}

/// Logout: revokes the family of a current token.
pub async fn end_session(app: &App, presented: &RefreshToken) -> Result<(), AppError> {
    let claims = app
        .tokens
        .verify_refresh(presented.0.expose_secret())
        .await?;
    let (family, _) = ids(&claims)?;
    match app
        .store
        .end_session(&family, &digest(&claims), unix_now())
        .await?
    {
        Presented::Current => Ok(()),
        Presented::Reused | Presented::Invalid => Err(AppError::InvalidRefreshToken),
    }
}

fn ids(claims: &RefreshClaims) -> Result<(FamilyId, UserId), AppError> {
    let family = FamilyId::parse(&claims.fam).ok_or(AppError::InvalidRefreshToken)?;
    let user = UserId::parse(&claims.sub).ok_or(AppError::InvalidRefreshToken)?;
    Ok((family, user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_hex_sha256_of_the_token_id() {
        let claims = RefreshClaims {
            sub: String::new(),
            fam: String::new(),
            sv: 1,
            iss: String::new(),
            aud: String::new(),
            iat: 0,
            exp: 0,
            jti: "abc".into(),
            typ: crate::auth::TokenKind::Refresh,
        };
        assert_eq!(
            digest(&claims),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn refresh_tokens_in_bodies_are_bounded_and_hidden() {
        assert!(RefreshToken::from_json(serde_json::json!("")).is_err());
        assert!(RefreshToken::from_json(serde_json::json!(7)).is_err());
        assert!(RefreshToken::from_json(serde_json::json!("x".repeat(4097))).is_err());
        let token = RefreshToken::from_json(serde_json::json!("secret.token.value")).unwrap();
        assert!(!format!("{token:?}").contains("secret"));
        let pair = TokenPair {
            access_token: "secret-a".into(),
            refresh_token: "secret-r".into(),
            token_type: "Bearer",
            expires_in: 900,
        };
        assert!(!format!("{pair:?}").contains("secret"));
        // ... yet the response carries them.
        let body = serde_json::to_value(&pair).unwrap();
        assert_eq!(body["accessToken"], "secret-a");
        assert_eq!(body["refreshToken"], "secret-r");
    }
}
