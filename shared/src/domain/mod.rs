//! Domain types: each can only hold a valid value, so code past the request edge never
//! re-checks. Parsing happens once, in `FromJsonField` (request bodies) or `parse` (paths).

mod email;
mod ids;
mod password;
mod time;
mod user;

pub use email::Email;
pub use ids::{FamilyId, UserId};
pub use password::{LoginPassword, Password, PasswordHash};
pub use time::{Timestamp, unix_now};
pub use user::{NewUser, Role, User, UserName, UserRecord};

/// Parses one JSON field of a request body into a domain value, or says what is wrong with it
/// in a sentence for the envelope's `errors[].message`.
pub trait FromJsonField: Sized {
    fn from_json(value: serde_json::Value) -> Result<Self, String>;
}

/// The JSON value as a string, or the message for a value of the wrong type.
pub fn json_string(value: serde_json::Value) -> Result<String, String> {
    match value {
        serde_json::Value::String(text) => Ok(text),
        _ => Err("must be a string".to_owned()),
    }
}

/// Length in characters (Unicode scalar values), which is what the contract's limits count.
pub(crate) fn char_len(text: &str) -> usize {
    text.chars().count()
}
