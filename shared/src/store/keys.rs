//! The single-table key layout. No other module builds a key string.
//!
//! | Access pattern                      | Key                                           |
//! |-------------------------------------|-----------------------------------------------|
//! | user by id                          | `pk = USER#<id>`, `sk = PROFILE`              |
//! | email claim (uniqueness), by email  | `pk = EMAIL#<lower-cased email>`, `sk = CLAIM`|
//! | refresh-session family by id        | `pk = SESSION#<family>`, `sk = SESSION`       |
//! | a user's session families           | `gsi1pk = USER#<id>`, `gsi1sk = SESSION#<family>` |
//! | product by id                       | `pk = PRODUCT#<id>`, `sk = PRODUCT`           |
//! | order by id                         | `pk = ORDER#<id>`, `sk = ORDER`               |
//! | a user's orders, newest first       | `gsi1pk = USER#<id>`, `gsi1sk = ORDER#<order id>` (UUIDv7: time-ordered) |
//! | an order's idempotency record       | `pk = IDEMPOTENCY#<user id>#<key>`, `sk = IDEMPOTENCY` |
//! | failed logins of an email, a window | `pk = LOGINFAIL#EMAIL#<lower-cased email>`, `sk = WINDOW#<n>` |
//! | failed logins of an IP, a window    | `pk = LOGINFAIL#IP#<ip>`, `sk = WINDOW#<n>`   |
//! | the health probe (never written)    | `pk = HEALTH`, `sk = HEALTH`                  |
//! | public token keys and cursor key    | `pk = KEYS`, `sk = VERIFICATION`              |
//! | products on sale, newest first      | `gsi2pk = CATALOGUE`, `gsi2sk = <product id>` (UUIDv7: time-ordered; removed on archive) |
//! | users, newest first                 | `gsi2pk = USERS`, `gsi2sk = <user id>`        |
//!
//! The `gsi1` keys serve the "all of one user's …" patterns. `gsi2` lists whole collections:
//! each list is one index partition, which DynamoDB writes at up to about 1,000 writes a second.
//! That is plenty for what changes its keys (a product created or archived, a user signed up or
//! deleted), and nothing written per request may ever go there: `gsi2` projects keys only, so
//! a sale, a restock or a profile edit (no key attribute changes) does not write the index at
//! all. A page is one Query (up to 100 keys, newest first) and one BatchGetItem of the items,
//! read consistently from the table, so a listed product shows its current stock. Nothing
//! scans the table. What each item holds besides its keys is in `attrs.rs`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::{GSI1_PK, GSI1_SK, GSI2_PK, GSI2_SK, PK, SK};
use crate::domain::{Email, FamilyId, IdempotencyKey, OrderId, ProductId, UserId};

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

    /// The key as the `gsi1` attributes of an item listed there.
    pub fn to_index_attributes(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (GSI1_PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (GSI1_SK.to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }

    /// The key as the `gsi2` attributes of an item listed there.
    pub fn to_list_attributes(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (GSI2_PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (GSI2_SK.to_owned(), AttributeValue::S(self.sk.clone())),
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

pub fn session(family: &FamilyId) -> Key {
    Key {
        pk: format!("SESSION#{family}"),
        sk: "SESSION".to_owned(),
    }
}

/// The `gsi1` key that lists a user's session families.
pub fn user_session(user: &UserId, family: &FamilyId) -> Key {
    Key {
        pk: user_partition(user),
        sk: format!("{USER_SESSIONS_PREFIX}{family}"),
    }
}

/// The `gsi1` partition holding what belongs to a user (sessions, orders); query it with
/// `begins_with` on one of the prefixes below.
pub fn user_partition(user: &UserId) -> String {
    format!("USER#{user}")
}

pub const USER_SESSIONS_PREFIX: &str = "SESSION#";

pub fn product(id: &ProductId) -> Key {
    Key {
        pk: format!("PRODUCT#{id}"),
        sk: "PRODUCT".to_owned(),
    }
}

pub fn order(id: &OrderId) -> Key {
    Key {
        pk: format!("ORDER#{id}"),
        sk: "ORDER".to_owned(),
    }
}

/// The `gsi1` key that lists a user's orders, newest first.
pub fn user_order(user: &UserId, order: &OrderId) -> Key {
    Key {
        pk: user_partition(user),
        sk: format!("{USER_ORDERS_PREFIX}{order}"),
    }
}

pub const USER_ORDERS_PREFIX: &str = "ORDER#";

pub fn idempotency(user: &UserId, key: &IdempotencyKey) -> Key {
    Key {
        pk: format!("IDEMPOTENCY#{user}#{}", key.as_str()),
        sk: "IDEMPOTENCY".to_owned(),
    }
}

/// The failed-login counter of an email in fixed window number `window`.
pub fn login_failures_of_email(email: &Email, window: u64) -> Key {
    Key {
        pk: format!("LOGINFAIL#EMAIL#{}", email.normalized()),
        sk: format!("WINDOW#{window}"),
    }
}

/// The failed-login counter of a source IP in fixed window number `window`.
pub fn login_failures_of_ip(ip: &str, window: u64) -> Key {
    Key {
        pk: format!("LOGINFAIL#IP#{ip}"),
        sk: format!("WINDOW#{window}"),
    }
}

/// The `gsi2` partition listing the products on sale.
pub const CATALOGUE: &str = "CATALOGUE";

/// A product's entry in the catalogue (`gsi2`), while it is on sale.
pub fn catalogue_entry(id: &ProductId) -> Key {
    Key {
        pk: CATALOGUE.to_owned(),
        sk: id.to_string(),
    }
}

/// The `gsi2` partition listing every user.
pub const USER_DIRECTORY: &str = "USERS";

/// A user's entry in the user directory (`gsi2`).
pub fn user_directory_entry(id: &UserId) -> Key {
    Key {
        pk: USER_DIRECTORY.to_owned(),
        sk: id.to_string(),
    }
}

/// What the health probe reads: a key nothing writes, so the read is cheap and finds nothing.
pub fn health_probe() -> Key {
    Key {
        pk: "HEALTH".to_owned(),
        sk: "HEALTH".to_owned(),
    }
}

/// The one item with the access tokens' public keys and the list-cursor key.
pub fn verification_keys() -> Key {
    Key {
        pk: "KEYS".to_owned(),
        sk: "VERIFICATION".to_owned(),
    }
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
