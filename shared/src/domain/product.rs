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

/// Units in stock. An admin sets 0 to 1 000 000 (at creation, or as the result of a restock);
/// orders only ever take units, but a cancel gives units back whatever the stock is, so a stored
/// stock may exceed [`Stock::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Stock(u64);

impl Stock {
    /// The most an admin may set.
    pub const MAX: u64 = 1_000_000;
    /// A stock an admin may set: at most [`Stock::MAX`].
    pub fn new(units: u64) -> Option<Self> {
        (units <= Self::MAX).then_some(Self(units))
    }
    /// A stock as stored: any number of units (cancels may have pushed it past the maximum).
    pub fn stored(units: u64) -> Self {
        Self(units)
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

/// A restock (positive) or a write-off (negative), in units: never zero. A delta above
/// [`Stock::MAX`] is refused here, since no stock could take it; whether a delta fits the
/// stock it is added to is the store's condition, decided atomically with the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockDelta(i64);

impl StockDelta {
    pub fn new(units: i64) -> Option<Self> {
        (units != 0 && units <= Stock::MAX as i64).then_some(Self(units))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

impl FromJsonField for StockDelta {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        let serde_json::Value::Number(number) = &value else {
            return Err("must be a whole number".to_owned());
        };
        let Some(units) = number.as_i64() else {
            // Whole but past i64: far above the maximum; anything else is a fraction.
            return Err(if number.as_u64().is_some() {
                STOCK_OVER_MAX
            } else {
                "must be a whole number"
            }
            .to_owned());
        };
        if units == 0 {
            return Err("must not be 0".to_owned());
        }
        Self::new(units).ok_or_else(|| STOCK_OVER_MAX.to_owned())
    }
}

/// Why a delta was refused for taking the stock past [`Stock::MAX`] (`VALIDATION_FAILED`).
pub const STOCK_OVER_MAX: &str = "would take the stock above 1000000";

/// A product as the API shows it: `{"id","name","priceCents","stock","createdAt","updatedAt"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: ProductId,
    pub name: ProductName,
    pub price_cents: PriceCents,
    pub stock: Stock,
    pub created_at: Timestamp,
    /// The last write: creation, an edit, a restock, a sale, a cancel or the archive.
    pub updated_at: Timestamp,
    /// 1 at creation, one more for every write: the `ETag`, not shown.
    #[serde(skip)]
    pub version: u64,
}

/// A product with what only the store sees: whether it was archived (no longer on sale, but
/// still there for the orders that name it, and still restocked by their cancels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRecord {
    pub product: Product,
    pub archived_at: Option<Timestamp>,
}

impl ProductRecord {
    /// On sale: listed, readable and orderable.
    pub fn on_sale(&self) -> bool {
        self.archived_at.is_none()
    }
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
        let now = Timestamp::now();
        Product {
            id: ProductId::new(),
            name: self.name,
            price_cents: self.price_cents,
            stock: self.stock,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }
}

/// `PATCH /products/{id}`, parsed: at least one change. Stock is never set outright, only
/// moved by a delta, so a restock and concurrent sales never lose each other's units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductPatch {
    pub name: Option<ProductName>,
    pub price_cents: Option<PriceCents>,
    pub stock_delta: Option<StockDelta>,
}

impl ProductPatch {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.price_cents.is_none() && self.stock_delta.is_none()
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
        // What a cancel left past the maximum still reads.
        assert_eq!(Stock::stored(1_000_050).get(), 1_000_050);
        assert!(Stock::new(1_000_050).is_none());
    }

    #[test]
    fn stock_deltas_are_non_zero_whole_numbers_no_stock_could_refuse_for_size() {
        assert_eq!(StockDelta::from_json(json!(5)).unwrap().get(), 5);
        assert_eq!(StockDelta::from_json(json!(-7)).unwrap().get(), -7);
        assert_eq!(
            StockDelta::from_json(json!(1_000_000)).unwrap().get(),
            1_000_000
        );
        // A large write-off is the stock's business (409 when short), not a malformed delta.
        assert!(StockDelta::from_json(json!(-5_000_000)).is_ok());
        assert_eq!(
            StockDelta::from_json(json!(0)).unwrap_err(),
            "must not be 0"
        );
        assert_eq!(
            StockDelta::from_json(json!(1_000_001)).unwrap_err(),
            STOCK_OVER_MAX
        );
        assert_eq!(
            StockDelta::from_json(json!(u64::MAX)).unwrap_err(),
            STOCK_OVER_MAX
        );
        for bad in [json!(1.5), json!(2.0), json!("3"), json!(null)] {
            assert_eq!(
                StockDelta::from_json(bad.clone()).unwrap_err(),
                "must be a whole number",
                "{bad}"
            );
        }
    }

    #[test]
    fn names_are_bounded() {
        assert!(ProductName::parse(&"x".repeat(200)).is_ok());
        assert!(ProductName::parse(&"x".repeat(201)).is_err());
        assert!(ProductName::parse(" \n ").is_err());
    }
}
