//! Products: created, edited, restocked and archived by admins, read and listed by anyone,
//! stock taken by orders and given back by cancels (see orders.rs, cancellation.rs). Every
//! write adds one to `version` (the `ETag`) and sets `updatedAt`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::{
    UpdateItemError, UpdateItemOutput, builders::UpdateItemFluentBuilder,
};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::Store;
use super::attrs::{
    ARCHIVED_AT, CREATED_AT, GSI2_PK, GSI2_SK, ID, NAME, PK, PRICE_CENTS, STOCK, TYPE, UPDATED_AT,
    VERSION, item_type,
};
use super::errors::{sdk_error, write_error};
use super::item::{Item, ItemReader, n, s};
use super::keys;
use super::orders::{CONFLICT_ATTEMPTS, backoff};
use crate::domain::{
    PriceCents, Product, ProductId, ProductName, ProductPatch, ProductRecord, STOCK_OVER_MAX,
    Stock, StockDelta, Timestamp,
};
use crate::error::{AppError, FieldError};

/// One page of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CataloguePage {
    /// On sale, newest first.
    pub products: Vec<Product>,
    /// When more follow, the id the next page starts after: the page's last catalogue entry,
    /// which is not always its last product (one archived meanwhile is left out).
    pub next_after: Option<ProductId>,
}

impl Store {
    /// Puts a new product, at version 1, with its catalogue entry (`gsi2`).
    pub async fn create_product(&self, product: &Product) -> Result<(), AppError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(product_item(product)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map_err(|error| write_error(error, AppError::Conflict))?;
        Ok(())
    }

    /// The product, if it is on sale (archived ones are gone for readers and buyers).
    pub async fn find_product(&self, id: &ProductId) -> Result<Option<Product>, AppError> {
        Ok(self
            .find_product_record(id)
            .await?
            .filter(ProductRecord::on_sale)
            .map(|record| record.product))
    }

    /// The product on sale or archived: what the table holds.
    pub async fn find_product_record(
        &self,
        id: &ProductId,
    ) -> Result<Option<ProductRecord>, AppError> {
        let item = self.read_item(&keys::product(id)).await?;
        item.as_ref().map(product_record_from_item).transpose()
    }

    /// The products on sale among `ids` (at most 100), in one strongly consistent batch read.
    pub async fn find_products(
        &self,
        ids: &[ProductId],
    ) -> Result<HashMap<ProductId, Product>, AppError> {
        let keys = ids
            .iter()
            .map(|id| keys::product(id).to_attributes())
            .collect();
        Ok(self
            .read_products(keys)
            .await?
            .into_iter()
            .map(|product| (product.id, product))
            .collect())
    }

    /// Up to `limit` (at most 100) products on sale, newest first, after the catalogue entry
    /// `after` (exclusive): one Query of the catalogue's keys (`gsi2`), then one consistent
    /// batch read of those products, so each shows its current stock and price. The index is
    /// eventually consistent: a product created a moment ago may take a moment to be listed,
    /// and one archived a moment ago is left out by the batch read.
    pub async fn list_products(
        &self,
        limit: u32,
        after: Option<&ProductId>,
    ) -> Result<CataloguePage, AppError> {
        let after = after.map(|id| super::lists::After {
            key: keys::product(id),
            entry: keys::catalogue_entry(id),
        });
        let (ids, more) = self
            .list_page(
                keys::CATALOGUE,
                after,
                limit,
                item_type::PRODUCT,
                ProductId::parse,
            )
            .await?;
        let mut found = self.find_products(&ids).await?;
        Ok(CataloguePage {
            products: ids.iter().filter_map(|id| found.remove(id)).collect(),
            next_after: ids.last().copied().filter(|_| more),
        })
    }

    /// Applies `patch` to a product on sale in one conditional `UpdateItem`, and returns the
    /// product as written. `expected_versions` (from `If-Match`) is part of the same condition,
    /// so nothing can change between the check and the write. A stock delta is added by the
    /// write itself, on condition the result stays within 0 and `Stock::MAX`, so it never
    /// loses a concurrent sale's or cancel's units. When the condition fails, the item as it
    /// was says why: missing or archived (404), another version (412), too little stock (409),
    /// too much (400).
    pub async fn update_product(
        &self,
        id: &ProductId,
        patch: &ProductPatch,
        expected_versions: Option<&[u64]>,
        now: Timestamp,
    ) -> Result<Product, AppError> {
        let mut update = ProductUpdate::on_sale(now);
        if let Some(name) = &patch.name {
            update.set("#name", NAME, ":name", s(name.as_str()));
        }
        if let Some(price) = patch.price_cents {
            update.set("#price", PRICE_CENTS, ":price", n(price.get()));
        }
        if let Some(delta) = patch.stock_delta {
            update.add_stock(delta);
        }
        if let Some(versions) = expected_versions {
            update.require_version(versions);
        }
        let request = update.request(self, id);
        let output = send_retrying_conflicts(request)
            .await
            .map_err(|error| refusal(error, expected_versions, patch.stock_delta))?;
        let item = output
            .attributes
            .ok_or_else(|| AppError::internal("UpdateItem with ALL_NEW returned no item"))?;
        Ok(product_record_from_item(&item)?.product)
    }

    /// Archives a product on sale: `archivedAt` set and its catalogue entry removed, in one
    /// conditional `UpdateItem` (404 if it does not exist or is already archived). From then
    /// on it is not listed, read or sold; orders that name it keep their lines.
    pub async fn archive_product(&self, id: &ProductId, now: Timestamp) -> Result<(), AppError> {
        let mut update = ProductUpdate::on_sale(now);
        update.set("#archivedAt", ARCHIVED_AT, ":now", s(now.to_rfc3339()));
        update.remove("#list", GSI2_PK);
        update.remove("#listed", GSI2_SK);
        let request = update.request(self, id);
        send_retrying_conflicts(request)
            .await
            .map_err(|error| refusal(error, None, None))?;
        Ok(())
    }

    /// The products on sale at `keys` (at most 100), in one strongly consistent batch read.
    async fn read_products(&self, keys: Vec<Item>) -> Result<Vec<Product>, AppError> {
        let mut products = Vec::with_capacity(keys.len());
        for item in self.read_items(keys).await? {
            let record = product_record_from_item(&item)?;
            if record.on_sale() {
                products.push(record.product);
            }
        }
        Ok(products)
    }
}

/// An `UpdateItem` of a product on sale, built up from parts: each write sets `updatedAt` and
/// adds one to `version`; each part adds its clause and the names and values it uses (DynamoDB
/// refuses names or values an expression does not use).
struct ProductUpdate {
    set: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    conditions: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl ProductUpdate {
    fn on_sale(now: Timestamp) -> Self {
        let mut update = Self {
            set: Vec::new(),
            add: Vec::new(),
            remove: Vec::new(),
            conditions: vec![
                "attribute_exists(#pk)".to_owned(),
                "attribute_not_exists(#archivedAt)".to_owned(),
            ],
            names: HashMap::from([
                ("#pk".to_owned(), PK.to_owned()),
                ("#archivedAt".to_owned(), ARCHIVED_AT.to_owned()),
                ("#version".to_owned(), VERSION.to_owned()),
            ]),
            values: HashMap::from([(":one".to_owned(), n(1))]),
        };
        update.add.push("#version :one".to_owned());
        update.set("#updatedAt", UPDATED_AT, ":now", s(now.to_rfc3339()));
        update
    }

    fn set(&mut self, name: &str, attribute: &str, value: &str, to: AttributeValue) {
        self.set.push(format!("{name} = {value}"));
        self.names.insert(name.to_owned(), attribute.to_owned());
        self.values.insert(value.to_owned(), to);
    }

    fn remove(&mut self, name: &str, attribute: &str) {
        self.remove.push(name.to_owned());
        self.names.insert(name.to_owned(), attribute.to_owned());
    }

    /// Adds `delta` to the stock, on condition the result is within 0 and `Stock::MAX`.
    fn add_stock(&mut self, delta: StockDelta) {
        let delta = delta.get();
        self.add.push("#stock :delta".to_owned());
        self.names.insert("#stock".to_owned(), STOCK.to_owned());
        self.values.insert(":delta".to_owned(), n(delta));
        if delta < 0 {
            self.conditions.push("#stock >= :needed".to_owned());
            self.values
                .insert(":needed".to_owned(), n(delta.unsigned_abs()));
        } else {
            // `StockDelta` is at most Stock::MAX, so the room is never negative.
            self.conditions.push("#stock <= :room".to_owned());
            self.values
                .insert(":room".to_owned(), n(Stock::MAX - delta.unsigned_abs()));
        }
    }

    /// The product must be at one of `versions` (an item written before versions is at 0).
    fn require_version(&mut self, versions: &[u64]) {
        // DynamoDB's IN takes at most 100 operands; no client names that many of our tags.
        let mut versions: Vec<u64> = versions.iter().copied().take(100).collect();
        versions.sort_unstable();
        versions.dedup();
        let placeholders: Vec<String> = versions
            .iter()
            .enumerate()
            .map(|(index, version)| {
                let placeholder = format!(":v{index}");
                self.values.insert(placeholder.clone(), n(*version));
                placeholder
            })
            .collect();
        let mut condition = format!("#version IN ({})", placeholders.join(", "));
        if versions.contains(&0) {
            condition = format!("({condition} OR attribute_not_exists(#version))");
        }
        self.conditions.push(condition);
    }

    fn expression(&self) -> String {
        let mut clauses = vec![format!("SET {}", self.set.join(", "))];
        if !self.add.is_empty() {
            clauses.push(format!("ADD {}", self.add.join(", ")));
        }
        if !self.remove.is_empty() {
            clauses.push(format!("REMOVE {}", self.remove.join(", ")));
        }
        clauses.join(" ")
    }

    fn request(self, store: &Store, id: &ProductId) -> UpdateItemFluentBuilder {
        store
            .client
            .update_item()
            .table_name(&store.table)
            .set_key(Some(keys::product(id).to_attributes()))
            .update_expression(self.expression())
            .condition_expression(self.conditions.join(" AND "))
            .set_expression_attribute_names(Some(self.names))
            .set_expression_attribute_values(Some(self.values))
            .return_values(ReturnValue::AllNew)
            // The item as it was when the condition failed: what tells 404, 412, 409 and 400
            // apart, read in the same call (a second read could see a later state).
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
    }
}

/// Sends an `UpdateItem`, again (with jittered backoff) while DynamoDB refuses it because a
/// transaction is writing the same item at that moment (an order, a cancel): such a refusal
/// changed nothing. After the last attempt the caller gets the refusal.
async fn send_retrying_conflicts(
    request: UpdateItemFluentBuilder,
) -> Result<UpdateItemOutput, SdkError<UpdateItemError>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match request.clone().send().await {
            Err(error)
                if attempt < CONFLICT_ATTEMPTS
                    && matches!(
                        error.as_service_error(),
                        Some(UpdateItemError::TransactionConflictException(_))
                    ) =>
            {
                tokio::time::sleep(backoff(attempt)).await;
            }
            result => return result,
        }
    }
}

/// The error for a product write that failed: a failed condition is read from the item as it
/// was (`ALL_OLD`); a transaction still in the way after the retries is `CONFLICT`.
fn refusal(
    error: SdkError<UpdateItemError>,
    expected_versions: Option<&[u64]>,
    delta: Option<StockDelta>,
) -> AppError {
    match error.as_service_error() {
        Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
            why_refused(failed.item(), expected_versions, delta)
        }
        Some(UpdateItemError::TransactionConflictException(_)) => AppError::Conflict,
        _ => sdk_error(error),
    }
}

/// Which part of a product write's condition `old` (the item as it was; `None` if there was
/// none) failed, in the order a client should hear it: no such product, then If-Match, then
/// the stock.
fn why_refused(
    old: Option<&Item>,
    expected_versions: Option<&[u64]>,
    delta: Option<StockDelta>,
) -> AppError {
    let Some(old) = old.filter(|item| !item.contains_key(ARCHIVED_AT)) else {
        return AppError::NotFound;
    };
    let record = match product_record_from_item(old) {
        Ok(record) => record,
        Err(error) => return error,
    };
    let product = record.product;
    if expected_versions.is_some_and(|versions| !versions.contains(&product.version)) {
        return AppError::PreconditionFailed;
    }
    if let Some(delta) = delta {
        let stock = i128::from(product.stock.get());
        let after = stock + i128::from(delta.get());
        if after < 0 {
            return AppError::InsufficientStock(vec![FieldError::new(
                "stockDelta",
                format!(
                    "takes more than the stock of product {} ({stock})",
                    product.id
                ),
            )]);
        }
        if after > i128::from(Stock::MAX) {
            return AppError::invalid_field("stockDelta", STOCK_OVER_MAX);
        }
    }
    // Every part held when read back: the item changed between the condition and its read,
    // which one call cannot do. Say so rather than guess.
    AppError::internal("a product write's condition failed, yet the old item meets it")
}

fn product_item(product: &Product) -> Item {
    let mut item = keys::product(&product.id).to_attributes();
    item.extend(keys::catalogue_entry(&product.id).to_list_attributes());
    item.extend([
        (TYPE.to_owned(), s(item_type::PRODUCT)),
        (ID.to_owned(), s(product.id.to_string())),
        (NAME.to_owned(), s(product.name.as_str())),
        (PRICE_CENTS.to_owned(), n(product.price_cents.get())),
        (STOCK.to_owned(), n(product.stock.get())),
        (VERSION.to_owned(), n(product.version)),
        (CREATED_AT.to_owned(), s(product.created_at.to_rfc3339())),
        (UPDATED_AT.to_owned(), s(product.updated_at.to_rfc3339())),
    ]);
    item
}

/// Reads a product item. Items written before `version` and `updatedAt` existed lack them:
/// such a product is at version 0, last updated when it was created.
fn product_record_from_item(item: &Item) -> Result<ProductRecord, AppError> {
    let read = ItemReader::new(item, item_type::PRODUCT);
    let created_at = read.parsed(CREATED_AT, Timestamp::parse)?;
    let product = Product {
        id: read.parsed(ID, ProductId::parse)?,
        name: read.parsed(NAME, |v| ProductName::parse(v).ok())?,
        price_cents: PriceCents::new(read.number(PRICE_CENTS)?)
            .ok_or_else(|| AppError::internal("corrupt product item: priceCents out of range"))?,
        // Any non-negative stock: cancels give units back past Stock::MAX. A negative one
        // does not parse as u64, and is corrupt (every decrement is conditional).
        stock: Stock::stored(read.number(STOCK)?),
        created_at,
        updated_at: if item.contains_key(UPDATED_AT) {
            read.parsed(UPDATED_AT, Timestamp::parse)?
        } else {
            created_at
        },
        version: if item.contains_key(VERSION) {
            read.number(VERSION)?
        } else {
            0
        },
    };
    let archived_at = if item.contains_key(ARCHIVED_AT) {
        Some(read.parsed(ARCHIVED_AT, Timestamp::parse)?)
    } else {
        None
    };
    Ok(ProductRecord {
        product,
        archived_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NewProduct;

    fn product(stock: u64) -> Product {
        NewProduct {
            name: ProductName::parse("Tea").unwrap(),
            price_cents: PriceCents::new(450).unwrap(),
            stock: Stock::new(stock).unwrap(),
        }
        .into_product()
    }

    #[test]
    fn product_items_round_trip_and_are_listed_in_the_catalogue() {
        let tea = product(3);
        let item = product_item(&tea);
        let record = product_record_from_item(&item).unwrap();
        assert_eq!(record.product, tea);
        assert!(record.on_sale());
        assert_eq!(record.product.version, 1);
        let entry = keys::catalogue_entry(&tea.id);
        assert_eq!(item[GSI2_PK].as_s().unwrap(), &entry.pk);
        assert_eq!(item[GSI2_SK].as_s().unwrap(), &entry.sk);
    }

    #[test]
    fn items_from_before_versions_read_as_version_0_updated_at_creation() {
        let tea = product(3);
        let mut item = product_item(&tea);
        item.remove(VERSION);
        item.remove(UPDATED_AT);
        let read = product_record_from_item(&item).unwrap().product;
        assert_eq!((read.version, read.updated_at), (0, tea.created_at));
    }

    #[test]
    fn a_stock_past_the_admin_maximum_reads_but_a_negative_one_is_corrupt() {
        let mut item = product_item(&product(3));
        item.insert(STOCK.to_owned(), n(Stock::MAX + 7));
        let read = product_record_from_item(&item).unwrap().product;
        assert_eq!(read.stock.get(), Stock::MAX + 7);
        item.insert(STOCK.to_owned(), n(-1));
        assert_eq!(
            product_record_from_item(&item).unwrap_err().code(),
            "INTERNAL"
        );
    }

    #[test]
    fn a_failed_write_is_explained_by_the_item_as_it_was() {
        let tea = product(3);
        let item = product_item(&tea);
        let why = |old: Option<&Item>, versions: Option<&[u64]>, delta: Option<i64>| {
            why_refused(old, versions, delta.and_then(StockDelta::new))
                .code()
                .to_owned()
        };
        assert_eq!(why(None, None, None), "NOT_FOUND");
        let mut archived = item.clone();
        archived.insert(ARCHIVED_AT.to_owned(), s(Timestamp::now().to_rfc3339()));
        assert_eq!(why(Some(&archived), Some(&[7]), Some(-9)), "NOT_FOUND");
        assert_eq!(
            why(Some(&item), Some(&[2, 3]), Some(-9)),
            "PRECONDITION_FAILED"
        );
        assert_eq!(why(Some(&item), Some(&[1]), Some(-4)), "INSUFFICIENT_STOCK");
        assert_eq!(why(Some(&item), None, Some(-4)), "INSUFFICIENT_STOCK");
        assert_eq!(
            why(Some(&item), None, Some(999_998)),
            "VALIDATION_FAILED",
            "3 + 999998 > 1000000"
        );
        assert_eq!(why(Some(&item), None, Some(-3)), "INTERNAL", "it fits");
    }

    #[test]
    fn an_if_match_naming_version_0_also_matches_an_item_without_a_version() {
        let mut update = ProductUpdate::on_sale(Timestamp::now());
        update.require_version(&[3, 0, 3]);
        let condition = update.conditions.last().unwrap();
        assert_eq!(
            condition,
            "(#version IN (:v0, :v1) OR attribute_not_exists(#version))"
        );
        assert_eq!(update.values[":v0"], n(0));
        assert_eq!(update.values[":v1"], n(3));
        let mut update = ProductUpdate::on_sale(Timestamp::now());
        update.require_version(&[4]);
        assert_eq!(update.conditions.last().unwrap(), "#version IN (:v0)");
    }

    #[test]
    fn every_write_stamps_the_time_and_moves_the_version() {
        let mut update = ProductUpdate::on_sale(Timestamp::now());
        update.add_stock(StockDelta::new(-2).unwrap());
        assert_eq!(
            update.expression(),
            "SET #updatedAt = :now ADD #version :one, #stock :delta"
        );
        assert_eq!(
            update.conditions.join(" AND "),
            "attribute_exists(#pk) AND attribute_not_exists(#archivedAt) AND #stock >= :needed"
        );
        let mut restock = ProductUpdate::on_sale(Timestamp::now());
        restock.add_stock(StockDelta::new(5).unwrap());
        assert_eq!(restock.values[":room"], n(Stock::MAX - 5));
    }
}
