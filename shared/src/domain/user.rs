use serde::Serialize;

use super::{Email, FromJsonField, PasswordHash, Timestamp, UserId, display_text, json_string};

/// A display name: 1–100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

const NAME_MAX: usize = 100;

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        display_text(raw, NAME_MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromJsonField for UserName {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        Self::parse(&json_string(value)?)
    }
}

impl Serialize for UserName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "user" => Some(Self::User),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A user as the API shows it: never a password or a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub name: UserName,
    pub email: Email,
    pub roles: Vec<Role>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }
}

/// A user as stored: the public view plus what only the server may see.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: PasswordHash,
    /// Bumped by every update; writes are conditional on it (optimistic locking).
    pub version: u64,
    /// Bumped when the password changes: refresh tokens carry the value they were issued
    /// under, and stop working when it moves, so a password change ends every session.
    pub session_version: u64,
}

/// A sign-up, parsed: what `POST /users` needs before the password is hashed.
#[derive(Debug)]
pub struct NewUser {
    pub name: UserName,
    pub email: Email,
    pub password: super::Password,
}

impl UserRecord {
    /// A fresh account with the `user` role.
    pub fn new(name: UserName, email: Email, password_hash: PasswordHash) -> Self {
        let now = Timestamp::now();
        Self {
            user: User {
                id: UserId::new(),
                name,
                email,
                roles: vec![Role::User],
                created_at: now,
                updated_at: now,
            },
            password_hash,
            version: 1,
            session_version: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(UserName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(UserName::parse("   ").is_err());
        assert!(UserName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            UserName::parse(&"é".repeat(101)).unwrap_err(),
            "must be at most 100 characters"
        );
        assert_eq!(
            UserName::parse("Ada\u{7}Lovelace").unwrap_err(),
            "must not contain control characters"
        );
    }

    #[test]
    fn the_public_view_has_no_secret() {
        let record = UserRecord::new(
            UserName::parse("Ada").unwrap(),
            Email::parse("ada@example.com").unwrap(),
            PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        );
        let json = serde_json::to_value(&record.user).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            ["createdAt", "email", "id", "name", "roles", "updatedAt"]
        );
        assert_eq!(json["roles"], serde_json::json!(["user"]));
    }
}
