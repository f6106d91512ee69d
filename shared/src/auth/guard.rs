use lambda_http::{Request, http::header::AUTHORIZATION};

use crate::auth::TokenKeys;
use crate::domain::{Order, Role, UserId};
use crate::error::AppError;

/// The authenticated caller of a protected route, from a verified access token. Roles come from
/// the token, so a role change takes effect at the caller's next refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: UserId,
    pub roles: Vec<Role>,
}

impl Caller {
    /// `Authorization: Bearer <access token>`, verified; `UNAUTHENTICATED` otherwise.
    pub async fn from_request(req: &Request, keys: &TokenKeys) -> Result<Self, AppError> {
        let token = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token)
            .ok_or(AppError::Unauthenticated)?;
        let claims = keys.verify_access(token).await?;
        let id = UserId::parse(&claims.sub).ok_or(AppError::Unauthenticated)?;
        Ok(Self {
            id,
            roles: claims.roles,
        })
    }

    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }

    /// The rule of `/users/{id}`: the user themself, or an admin.
    pub fn require_self_or_admin(&self, id: &UserId) -> Result<(), AppError> {
        if self.id == *id || self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The user a `/users/{id}` route acts on, if the caller may: themself, or anyone for an
    /// admin. A malformed id names no user: 404 for an admin, 403 for anyone else, exactly as
    /// for a well-formed id that is not theirs, so ids cannot be probed.
    pub fn user_to_act_on(&self, raw_id: &str) -> Result<UserId, AppError> {
        match UserId::parse(raw_id) {
            Some(id) => self.require_self_or_admin(&id).map(|()| id),
            None if self.is_admin() => Err(AppError::NotFound),
            None => Err(AppError::Forbidden),
        }
    }

    /// The rule of `/orders/{id}`: the order read, if the caller owns it or is an admin;
    /// `NOT_FOUND` otherwise, as for an order that does not exist, so ids cannot be probed.
    pub fn order_to_act_on(&self, order: Option<Order>) -> Result<Order, AppError> {
        order
            .filter(|order| order.user_id == self.id || self.is_admin())
            .ok_or(AppError::NotFound)
    }

    /// The rule of admin-only routes.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The token of a `Bearer` credential; the scheme is case-insensitive (RFC 9110 §11.1).
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_credentials_only() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }

    #[test]
    fn self_or_admin_and_admin_only() {
        let me = UserId::new();
        let other = UserId::new();
        let user = Caller {
            id: me,
            roles: vec![Role::User],
        };
        let admin = Caller {
            id: other,
            roles: vec![Role::User, Role::Admin],
        };
        assert!(user.require_self_or_admin(&me).is_ok());
        assert_eq!(
            user.require_self_or_admin(&other).unwrap_err().code(),
            "FORBIDDEN"
        );
        assert!(admin.require_self_or_admin(&me).is_ok());
        assert_eq!(user.require_admin().unwrap_err().code(), "FORBIDDEN");
        assert!(admin.require_admin().is_ok());
    }
}
