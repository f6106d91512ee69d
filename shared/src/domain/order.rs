use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;

use super::{OrderId, PriceCents, ProductId, Timestamp, UserId, json_integer};
use crate::error::FieldError;

/// Units of one product in one order line: 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Quantity(u64);

impl Quantity {
    pub const MAX: u64 = 100;
    pub fn new(units: u64) -> Option<Self> {
        (1..=Self::MAX).contains(&units).then_some(Self(units))
    }
    pub fn get(self) -> u64 {
        self.0
    }
}

/// One line of `POST /orders` as the client sent it. The product id is only a candidate: an
/// id that is no product (malformed or unknown) is `PRODUCT_NOT_FOUND`, not a validation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLineRequest {
    pub product_id: String,
    pub quantity: Quantity,
}

impl OrderLineRequest {
    pub fn product_id(&self) -> Option<ProductId> {
        ProductId::parse(&self.product_id)
    }
}

/// `POST /orders`, parsed: 1–25 lines, each product at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub lines: Vec<OrderLineRequest>,
}

const MAX_LINES: usize = 25;
const MAX_ID_LEN: usize = 64;

impl OrderRequest {
    /// Parses the `items` array, naming each problem by its path (`items[2].quantity`).
    pub fn parse_items(value: Value) -> Result<Self, Vec<FieldError>> {
        let Value::Array(items) = value else {
            return Err(vec![FieldError::new("items", "must be an array")]);
        };
        if items.is_empty() || items.len() > MAX_LINES {
            return Err(vec![FieldError::new(
                "items",
                format!("must have 1 to {MAX_LINES} lines"),
            )]);
        }
        let mut errors = Vec::new();
        let mut lines = Vec::with_capacity(items.len());
        let mut seen = HashSet::new();
        for (index, item) in items.into_iter().enumerate() {
            let at = |field: &str| format!("items[{index}].{field}");
            let Value::Object(mut fields) = item else {
                errors.push(FieldError::new(
                    format!("items[{index}]"),
                    "must be an object",
                ));
                continue;
            };
            let product_id = match fields.remove("productId") {
                Some(Value::String(id)) if !id.is_empty() && id.len() <= MAX_ID_LEN => Some(id),
                Some(Value::String(_)) => {
                    errors.push(FieldError::new(
                        at("productId"),
                        format!("must be 1 to {MAX_ID_LEN} characters"),
                    ));
                    None
                }
                None | Some(Value::Null) => {
                    errors.push(FieldError::new(at("productId"), "is required"));
                    None
                }
                Some(_) => {
                    errors.push(FieldError::new(at("productId"), "must be a string"));
                    None
                }
            };
            let quantity = match fields.remove("quantity") {
                None | Some(Value::Null) => {
                    errors.push(FieldError::new(at("quantity"), "is required"));
                    None
                }
                Some(value) => json_integer(&value, 1..=Quantity::MAX)
                    .map(Quantity)
                    .map_err(|message| errors.push(FieldError::new(at("quantity"), message)))
                    .ok(),
            };
            errors.extend(
                fields
                    .keys()
                    .map(|key| FieldError::new(at(key), "is not a known field")),
            );
            if let Some(id) = &product_id
                && !seen.insert(id.clone())
            {
                errors.push(FieldError::new(
                    at("productId"),
                    "names a product already in this order",
                ));
            }
            if let (Some(product_id), Some(quantity)) = (product_id, quantity) {
                lines.push(OrderLineRequest {
                    product_id,
                    quantity,
                });
            }
        }
        if errors.is_empty() {
            Ok(Self { lines })
        } else {
            Err(errors)
        }
    }

    /// A stable fingerprint of what was asked, for `Idempotency-Key` replays: the same lines
    /// in the same order give the same digest, whatever the JSON's spacing or key order.
    pub fn fingerprint(&self) -> String {
        self.lines
            .iter()
            .map(|line| format!("{}x{}", line.product_id, line.quantity.get()))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A client's `Idempotency-Key`: 1–64 of `A-Za-z0-9_-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -".to_owned())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where an order is in its life: `placed`, then possibly `cancelled` (final).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Placed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub product_id: ProductId,
    pub quantity: Quantity,
    pub unit_price_cents: PriceCents,
    pub line_total_cents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: OrderId,
    pub user_id: UserId,
    pub items: Vec<OrderLine>,
    pub total_cents: u64,
    pub status: OrderStatus,
    pub created_at: Timestamp,
    /// Present once cancelled, absent from the resource otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<Timestamp>,
    /// 1 when placed, one more for each later write (the cancel): the `ETag`, not shown.
    #[serde(skip)]
    pub version: u64,
}

impl Order {
    /// A new order priced from the stored products: `(product, quantity, unit price)` per line.
    /// Totals cannot overflow: at most 25 × 100 × 100 000 000 cents.
    pub fn place(
        user_id: UserId,
        lines: impl IntoIterator<Item = (ProductId, Quantity, PriceCents)>,
    ) -> Self {
        let items: Vec<OrderLine> = lines
            .into_iter()
            .map(|(product_id, quantity, unit_price_cents)| OrderLine {
                product_id,
                quantity,
                unit_price_cents,
                line_total_cents: quantity.get() * unit_price_cents.get(),
            })
            .collect();
        Self {
            id: OrderId::new(),
            user_id,
            total_cents: items.iter().map(|line| line.line_total_cents).sum(),
            items,
            status: OrderStatus::Placed,
            created_at: Timestamp::now(),
            cancelled_at: None,
            version: 1,
        }
    }

    /// Only a placed order can be cancelled (`ORDER_NOT_CANCELLABLE` otherwise).
    pub fn is_cancellable(&self) -> bool {
        self.status == OrderStatus::Placed
    }

    /// The order as a cancellation at `at` leaves it: cancelled, one version on.
    pub fn cancelled(&self, at: Timestamp) -> Self {
        Self {
            status: OrderStatus::Cancelled,
            cancelled_at: Some(at),
            version: self.version + 1,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn parses_lines() {
        let id = ProductId::new().to_string();
        let order = OrderRequest::parse_items(json!([{"productId": id, "quantity": 3}])).unwrap();
        assert_eq!(order.lines[0].quantity.get(), 3);
        assert_eq!(order.fingerprint(), format!("{id}x3"));
    }

    #[test]
    fn names_each_bad_line_by_path() {
        let errors = OrderRequest::parse_items(json!([
            {"productId": "a", "quantity": 0},
            {"productId": 5, "quantity": 101, "priceCents": 1},
            "x",
            {"quantity": 1.5},
        ]))
        .unwrap_err();
        assert_eq!(
            fields(errors),
            [
                "items[0].quantity",
                "items[1].productId",
                "items[1].quantity",
                "items[1].priceCents",
                "items[2]",
                "items[3].productId",
                "items[3].quantity"
            ]
        );
    }

    #[test]
    fn refuses_duplicates_empty_and_too_many_lines() {
        let dup = OrderRequest::parse_items(json!([
            {"productId": "p", "quantity": 1},
            {"productId": "p", "quantity": 2},
        ]))
        .unwrap_err();
        assert_eq!(fields(dup), ["items[1].productId"]);
        assert_eq!(
            fields(OrderRequest::parse_items(json!([])).unwrap_err()),
            ["items"]
        );
        let many: Vec<_> = (0..26)
            .map(|i| json!({"productId": format!("p{i}"), "quantity": 1}))
            .collect();
        assert_eq!(
            fields(OrderRequest::parse_items(json!(many)).unwrap_err()),
            ["items"]
        );
        assert!(OrderRequest::parse_items(json!({"productId": "p"})).is_err());
    }

    #[test]
    fn idempotency_keys() {
        assert!(IdempotencyKey::parse("order-2026_11_24").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(64)).is_ok());
        for bad in ["", "has space", "semi;colon", "é", &"k".repeat(65)] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn totals_come_from_stored_prices() {
        let a = ProductId::new();
        let b = ProductId::new();
        let order = Order::place(
            UserId::new(),
            [
                (a, Quantity::new(2).unwrap(), PriceCents::new(1999).unwrap()),
                (
                    b,
                    Quantity::new(100).unwrap(),
                    PriceCents::new(PriceCents::MAX).unwrap(),
                ),
            ],
        );
        assert_eq!(order.items[0].line_total_cents, 3998);
        assert_eq!(order.total_cents, 3998 + 100 * PriceCents::MAX);
        let json = serde_json::to_value(&order).unwrap();
        assert_eq!(json["status"], "placed");
        assert_eq!(json["items"][0]["unitPriceCents"], 1999);
    }

    #[test]
    fn a_cancelled_order_shows_when_and_the_version_stays_internal() {
        let order = Order::place(
            UserId::new(),
            [(
                ProductId::new(),
                Quantity::new(1).unwrap(),
                PriceCents::new(5).unwrap(),
            )],
        );
        assert!(order.is_cancellable());
        let placed = serde_json::to_value(&order).unwrap();
        let keys: Vec<_> = placed.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            ["createdAt", "id", "items", "status", "totalCents", "userId"]
        );

        let at = Timestamp::now();
        let cancelled = order.cancelled(at);
        assert!(!cancelled.is_cancellable());
        assert_eq!(cancelled.version, order.version + 1);
        let json = serde_json::to_value(&cancelled).unwrap();
        assert_eq!(json["status"], "cancelled");
        assert_eq!(json["cancelledAt"], serde_json::to_value(at).unwrap());
        assert!(json.get("version").is_none());
    }
}
