use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::TestApp;
use crate::domain::ProductId;
use crate::store::{attrs, keys};

type Item = HashMap<String, AttributeValue>;

fn text<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map_or("", String::as_str)
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

impl TestApp {
    /// Every item of the table (a scan: fine for a test table).
    pub async fn all_items(&self) -> Vec<Item> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .direct
                .store
                .client()
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan works");
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// What must hold whatever failed: every user has exactly one email claim and every claim
    /// its user; no stock below zero; every order's units were taken from stock
    /// (`initial_stock - units ordered == stock`, for the products given); a product is in the
    /// catalogue exactly while it is not archived; no idempotency record without its order.
    /// Returns the violations, empty when all hold.
    pub async fn invariant_violations(
        &self,
        initial_stock: &HashMap<ProductId, u64>,
    ) -> Vec<String> {
        self.invariant_violations_with_restocks(initial_stock, &HashMap::new())
            .await
    }

    /// The same, for products whose stock admins also moved: `restocked` is the sum of the
    /// deltas that were applied (200s) to each, so `initial + restocked - units of placed
    /// orders == stock`. Cancelled orders gave their units back and count for nothing.
    pub async fn invariant_violations_with_restocks(
        &self,
        initial_stock: &HashMap<ProductId, u64>,
        restocked: &HashMap<ProductId, i64>,
    ) -> Vec<String> {
        let items = self.all_items().await;
        let of_type =
            |kind: &'static str| items.iter().filter(move |item| text(item, "type") == kind);
        let mut violations = Vec::new();

        let users: HashMap<&str, String> = of_type("user")
            .map(|user| (text(user, "id"), text(user, "email").to_lowercase()))
            .collect();
        let mut claims_by_user: HashMap<&str, Vec<&str>> = HashMap::new();
        for claim in of_type("emailClaim") {
            let email = text(claim, "pk").trim_start_matches("EMAIL#");
            let owner = text(claim, "userId");
            claims_by_user.entry(owner).or_default().push(email);
            if users.get(owner).map(String::as_str) != Some(email) {
                violations.push(format!(
                    "claim {email} is not its user's email (owner {owner})"
                ));
            }
        }
        for (id, email) in &users {
            let claims = claims_by_user.get(id).cloned().unwrap_or_default();
            if claims != [email.as_str()] {
                violations.push(format!("user {id} ({email}) holds claims {claims:?}"));
            }
        }

        let mut ordered: HashMap<String, i64> = HashMap::new();
        let orders: Vec<&str> = of_type("order").map(|order| text(order, "id")).collect();
        let placed = of_type("order").filter(|order| text(order, "status") != "cancelled");
        for order in placed {
            if let Some(AttributeValue::L(lines)) = order.get("items") {
                for line in lines {
                    if let AttributeValue::M(line) = line {
                        *ordered
                            .entry(text(line, "productId").to_owned())
                            .or_default() += number(line, "quantity").unwrap_or(0);
                    }
                }
            }
        }
        for product in of_type("product") {
            let id = text(product, "id");
            let stock = number(product, "stock");
            match stock {
                Some(stock) if stock >= 0 => {}
                other => violations.push(format!("product {id} has stock {other:?}")),
            }
            let parsed = ProductId::parse(id);
            if let Some(initial) = parsed.and_then(|id| initial_stock.get(&id)) {
                let sold = ordered.get(id).copied().unwrap_or(0);
                let added = parsed
                    .and_then(|id| restocked.get(&id))
                    .copied()
                    .unwrap_or(0);
                if Some(*initial as i64 + added - sold) != stock {
                    violations.push(format!(
                        "product {id}: initial {initial} + restocked {added} - ordered {sold} \
                         != stock {stock:?}"
                    ));
                }
            }
            let archived = product.contains_key(attrs::ARCHIVED_AT);
            let entry = (text(product, attrs::GSI2_PK), text(product, attrs::GSI2_SK));
            let expected = parsed.map(|id| keys::catalogue_entry(&id));
            let listed = expected.is_some_and(|key| entry == (key.pk.as_str(), key.sk.as_str()));
            if archived == listed || (!listed && entry != ("", "")) {
                violations.push(format!(
                    "product {id}: archived {archived} but catalogue entry {entry:?}"
                ));
            }
        }

        for record in of_type("idempotency") {
            let order = text(record, "orderId");
            if !orders.contains(&order) {
                violations.push(format!(
                    "idempotency record {} points to no order ({order})",
                    text(record, "pk")
                ));
            }
        }
        violations
    }
}
