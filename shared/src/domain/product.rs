use serde::Serialize;

use super::{FromJsonField, ProductId, Timestamp, display_text, json_integer, json_string};

/// 1–200 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ProductName(String);

impl ProductName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        display_text(raw, 200).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromJsonField for ProductName {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        Self::parse(&json_string(value)?)
    }
}

/// A price in integer cents, 1 to 100 000 000 (one million in the currency's main unit).
/// Money is never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PriceCents(u64);

impl PriceCents {
    pub const MAX: u64 = 100_000_000;
    pub fn new(cents: u64) -> Option<Self> {
        (1..=Self::MAX).contains(&cents).then_some(Self(cents))
    }
    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromJsonField for PriceCents {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        json_integer(&value, 1..=Self::MAX).map(Self)
    }
}

/// Units in stock, 0 to 1 000 000 when set by an admin; orders only ever decrease it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Stock(u64);

impl Stock {
    pub const MAX: u64 = 1_000_000;
    pub fn new(units: u64) -> Option<Self> {
        (units <= Self::MAX).then_some(Self(units))
    }
    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromJsonField for Stock {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        json_integer(&value, 0..=Self::MAX).map(Self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: ProductId,
    pub name: ProductName,
    pub price_cents: PriceCents,
    pub stock: Stock,
    pub created_at: Timestamp,
}

/// `POST /products`, parsed.
#[derive(Debug)]
pub struct NewProduct {
    pub name: ProductName,
    pub price_cents: PriceCents,
    pub stock: Stock,
}

impl NewProduct {
    pub fn into_product(self) -> Product {
        Product {
            id: ProductId::new(),
            name: self.name,
            price_cents: self.price_cents,
            stock: self.stock,
            created_at: Timestamp::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prices_are_whole_cents_in_range() {
        assert_eq!(PriceCents::from_json(json!(1)).unwrap().get(), 1);
        assert_eq!(
            PriceCents::from_json(json!(100_000_000)).unwrap().get(),
            100_000_000
        );
        for bad in [
            json!(0),
            json!(100_000_001),
            json!(-5),
            json!(9.99),
            json!(10.0),
            json!("100"),
            json!(null),
        ] {
            assert!(PriceCents::from_json(bad.clone()).is_err(), "{bad}");
        }
        assert_eq!(
            PriceCents::from_json(json!(0)).unwrap_err(),
            "must be a whole number from 1 to 100000000"
        );
    }

    #[test]
    fn stock_may_be_zero_but_not_negative_or_huge() {
        assert_eq!(Stock::from_json(json!(0)).unwrap().get(), 0);
        assert!(Stock::from_json(json!(1_000_000)).is_ok());
        assert!(Stock::from_json(json!(1_000_001)).is_err());
        assert!(Stock::from_json(json!(-1)).is_err());
    }

    #[test]
    fn names_are_bounded() {
        assert!(ProductName::parse(&"x".repeat(200)).is_ok());
        assert!(ProductName::parse(&"x".repeat(201)).is_err());
        assert!(ProductName::parse(" \n ").is_err());
    }
}
