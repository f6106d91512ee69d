//! Products: created by admins, read by anyone, stock taken by orders (see orders.rs).

use std::collections::HashMap;

use super::Store;
use super::attrs::{CREATED_AT, ID, NAME, PK, PRICE_CENTS, STOCK, TYPE, item_type};
use super::errors::write_error;
use super::item::{Item, ItemReader, n, s};
use super::keys;
use crate::domain::{PriceCents, Product, ProductId, ProductName, Stock, Timestamp};
use crate::error::AppError;

impl Store {
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

    pub async fn find_product(&self, id: &ProductId) -> Result<Option<Product>, AppError> {
        let item = self.read_item(&keys::product(id)).await?;
        item.as_ref().map(product_from_item).transpose()
    }

    /// The products that exist among `ids` (at most 100), in one strongly consistent batch read.
    pub async fn find_products(
        &self,
        ids: &[ProductId],
    ) -> Result<HashMap<ProductId, Product>, AppError> {
        let keys = ids
            .iter()
            .map(|id| keys::product(id).to_attributes())
            .collect();
        self.read_items(keys)
            .await?
            .iter()
            .map(|item| product_from_item(item).map(|product| (product.id, product)))
            .collect()
    }
}

fn product_item(product: &Product) -> Item {
    let mut item = keys::product(&product.id).to_attributes();
    item.extend([
        (TYPE.to_owned(), s(item_type::PRODUCT)),
        (ID.to_owned(), s(product.id.to_string())),
        (NAME.to_owned(), s(product.name.as_str())),
        (PRICE_CENTS.to_owned(), n(product.price_cents.get())),
        (STOCK.to_owned(), n(product.stock.get())),
        (CREATED_AT.to_owned(), s(product.created_at.to_rfc3339())),
    ]);
    item
}

fn product_from_item(item: &Item) -> Result<Product, AppError> {
    let read = ItemReader::new(item, item_type::PRODUCT);
    Ok(Product {
        id: read.parsed(ID, ProductId::parse)?,
        name: read.parsed(NAME, |v| ProductName::parse(v).ok())?,
        price_cents: PriceCents::new(read.number(PRICE_CENTS)?)
            .ok_or_else(|| AppError::internal("corrupt product item: priceCents out of range"))?,
        // Stock is never written above Stock::MAX nor below zero (conditional decrements).
        stock: Stock::new(read.number(STOCK)?)
            .ok_or_else(|| AppError::internal("corrupt product item: stock out of range"))?,
        created_at: read.parsed(CREATED_AT, Timestamp::parse)?,
    })
}
