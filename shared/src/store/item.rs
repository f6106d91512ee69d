//! Reading and writing item attributes. A stored item that does not parse is corrupt data: an
//! internal error that names the item type and attribute (never its value).

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::AppError;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(crate) fn string_list<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> AttributeValue {
    AttributeValue::L(
        values
            .into_iter()
            .map(|v| AttributeValue::S(v.into()))
            .collect(),
    )
}

/// Typed reads from one stored item of a known type.
pub(crate) struct ItemReader<'a> {
    item: &'a Item,
    kind: &'static str,
}

impl<'a> ItemReader<'a> {
    pub(crate) fn new(item: &'a Item, kind: &'static str) -> Self {
        Self { item, kind }
    }

    fn corrupt(&self, name: &str) -> AppError {
        AppError::internal(format!(
            "corrupt {} item: attribute {name} missing or mistyped",
            self.kind
        ))
    }

    pub(crate) fn string(&self, name: &str) -> Result<&'a str, AppError> {
        match self.item.get(name) {
            Some(AttributeValue::S(value)) => Ok(value),
            _ => Err(self.corrupt(name)),
        }
    }

    pub(crate) fn number<T: FromStr>(&self, name: &str) -> Result<T, AppError> {
        match self.item.get(name) {
            Some(AttributeValue::N(value)) => value.parse().map_err(|_| self.corrupt(name)),
            _ => Err(self.corrupt(name)),
        }
    }

    pub(crate) fn strings(&self, name: &str) -> Result<Vec<&'a str>, AppError> {
        match self.item.get(name) {
            Some(AttributeValue::L(values)) => values
                .iter()
                .map(|value| {
                    value
                        .as_s()
                        .map(String::as_str)
                        .map_err(|_| self.corrupt(name))
                })
                .collect(),
            _ => Err(self.corrupt(name)),
        }
    }

    /// Parses a string attribute with a domain parser.
    pub(crate) fn parsed<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, AppError> {
        parse(self.string(name)?).ok_or_else(|| self.corrupt(name))
    }
}
