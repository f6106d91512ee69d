//! The single-table key layout. No other module builds a key string.
//!
//! | Access pattern                      | Key                                           |
//! |-------------------------------------|-----------------------------------------------|
//! | user by id                          | `pk = USER#<id>`, `sk = PROFILE`              |
//! | email claim (uniqueness), by email  | `pk = EMAIL#<lower-cased email>`, `sk = CLAIM`|
//!
//! Every item carries `type` (what it is) and, where it expires, `expiresAt` (epoch seconds,
//! the table's TTL attribute). The table also has `gsi1` (`gsi1pk`, `gsi1sk`) for the "all of
//! one user's …" patterns that later aggregates use.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::{Email, UserId};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const TYPE: &str = "type";
pub const EXPIRES_AT: &str = "expiresAt";

/// A primary key: partition and sort key values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    /// The key as the attribute map `GetItem`, `DeleteItem` and friends take.
    pub fn to_attributes(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (SK.to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

pub fn user(id: &UserId) -> Key {
    Key {
        pk: format!("USER#{id}"),
        sk: "PROFILE".to_owned(),
    }
}

pub fn email_claim(email: &Email) -> Key {
    Key {
        pk: format!("EMAIL#{}", email.normalized()),
        sk: "CLAIM".to_owned(),
    }
}

/// Item types, stored in `type`.
pub mod item_type {
    pub const USER: &str = "user";
    pub const EMAIL_CLAIM: &str = "emailClaim";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_claims_ignore_letter_case() {
        let a = Email::parse("Ann@Example.org").unwrap();
        let b = Email::parse("ann@example.ORG").unwrap();
        assert_eq!(email_claim(&a), email_claim(&b));
        assert_eq!(email_claim(&a).pk, "EMAIL#ann@example.org");
    }
}
