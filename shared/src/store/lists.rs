//! One page of a whole-collection list (`gsi2`: the catalogue, the user directory): the ids,
//! newest first, from one Query of the index. The lists' own modules read the items.

use super::Store;
use super::attrs::{GSI2, GSI2_PK, GSI2_SK};
use super::errors::sdk_error;
use super::item::{ItemReader, s};
use super::keys::Key;
use crate::error::AppError;

/// Where a page starts: after the entry whose item has `key` and whose list entry is `entry`.
pub(super) struct After {
    pub key: Key,
    pub entry: Key,
}

impl Store {
    /// At most `limit` ids of the list `list`, newest first, after `after`, and whether more
    /// follow (one more is asked for, to know).
    pub(super) async fn list_page<T>(
        &self,
        list: &str,
        after: Option<After>,
        limit: u32,
        item_type: &'static str,
        parse_id: impl Fn(&str) -> Option<T>,
    ) -> Result<(Vec<T>, bool), AppError> {
        let start = after.map(|after| {
            let mut start = after.key.to_attributes();
            start.extend(after.entry.to_list_attributes());
            start
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("#list = :list")
            .expression_attribute_names("#list", GSI2_PK)
            .expression_attribute_values(":list", s(list))
            .scan_index_forward(false)
            .limit(limit as i32 + 1)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk_error)?;
        let mut ids = output
            .items
            .unwrap_or_default()
            .iter()
            .map(|entry| ItemReader::new(entry, item_type).parsed(GSI2_SK, &parse_id))
            .collect::<Result<Vec<_>, _>>()?;
        let more = ids.len() > limit as usize;
        ids.truncate(limit as usize);
        Ok((ids, more))
    }
}
