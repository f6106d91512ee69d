//! Domain types: each can only hold a valid value, so code past the request edge never
//! re-checks. Parsing happens once, in `FromJsonField` (request bodies) or `parse` (paths).

mod email;
mod ids;
mod order;
mod password;
mod product;
mod time;
mod user;

pub use email::Email;
pub use ids::{FamilyId, OrderId, ProductId, UserId};
pub use order::{
    IdempotencyKey, Order, OrderLine, OrderLineRequest, OrderRequest, OrderStatus, Quantity,
};
pub use password::{LoginPassword, Password, PasswordHash};
pub use product::{
    NewProduct, PriceCents, Product, ProductName, ProductPatch, ProductRecord, STOCK_OVER_MAX,
    Stock, StockDelta,
};
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

/// The JSON value as a whole number within `range`, or the message for anything else
/// (strings, fractions, out of range).
pub fn json_integer(
    value: &serde_json::Value,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, String> {
    let out_of_range = || {
        format!(
            "must be a whole number from {} to {}",
            range.start(),
            range.end()
        )
    };
    match value {
        serde_json::Value::Number(number) => {
            if let Some(n) = number.as_u64() {
                return if range.contains(&n) {
                    Ok(n)
                } else {
                    Err(out_of_range())
                };
            }
            if number.as_i64().is_some() {
                return Err(out_of_range());
            }
            Err("must be a whole number".to_owned())
        }
        _ => Err("must be a whole number".to_owned()),
    }
}

/// Text of `1..=max` characters after trimming, without control characters.
pub(crate) fn display_text(raw: &str, max: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if char_len(text) > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(text.to_owned())
}

/// Length in characters (Unicode scalar values), which is what the contract's limits count.
pub(crate) fn char_len(text: &str) -> usize {
    text.chars().count()
}
