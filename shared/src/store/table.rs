//! The table definition, read from `template.yaml` (the one place it is written), and table
//! creation for DynamoDB Local: `make dev`, the admin tool and every test's own table use it.

use aws_sdk_dynamodb::{
    Client,
    types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
    },
};
use serde::Deserialize;

/// `template.yaml`, as it was when this crate was built.
pub const TEMPLATE_YAML: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml"));

/// The properties of the template's `AWS::DynamoDB::Table` that shape the table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub attribute_definitions: Vec<Attribute>,
    pub key_schema: Vec<KeyElement>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<Index>,
    pub time_to_live_specification: Option<TimeToLive>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attribute {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Index {
    pub index_name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: IndexProjection,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexProjection {
    pub projection_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLive {
    pub attribute_name: String,
    pub enabled: bool,
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl TableDefinition {
    /// The definition in the `template.yaml` this crate was built with.
    pub fn from_built_template() -> Result<Self, BoxError> {
        Self::from_template(TEMPLATE_YAML)
    }

    /// The properties of the one `AWS::DynamoDB::Table` resource in a SAM/CloudFormation template.
    pub fn from_template(yaml: &str) -> Result<Self, BoxError> {
        let template: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml)?;
        let resources = template
            .get("Resources")
            .and_then(serde_yaml_ng::Value::as_mapping)
            .ok_or("template has no Resources")?;
        let mut tables = resources.values().filter(|resource| {
            resource.get("Type").and_then(|t| t.as_str()) == Some("AWS::DynamoDB::Table")
        });
        let table = tables
            .next()
            .ok_or("template has no AWS::DynamoDB::Table")?;
        if tables.next().is_some() {
            return Err("template has more than one AWS::DynamoDB::Table".into());
        }
        let properties = table
            .get("Properties")
            .ok_or("the table has no Properties")?;
        Ok(serde_yaml_ng::from_value(properties.clone())?)
    }

    /// Creates `table_name` with this definition (on-demand billing) and turns TTL on.
    pub async fn create(&self, client: &Client, table_name: &str) -> Result<(), BoxError> {
        let mut request = client
            .create_table()
            .table_name(table_name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(
                self.attribute_definitions
                    .iter()
                    .map(|a| {
                        AttributeDefinition::builder()
                            .attribute_name(&a.attribute_name)
                            .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                            .build()
                    })
                    .collect::<Result<_, _>>()?,
            ))
            .set_key_schema(Some(key_schema(&self.key_schema)?));
        for index in &self.global_secondary_indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.index_name)
                    .set_key_schema(Some(key_schema(&index.key_schema)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(
                                index.projection.projection_type.as_str(),
                            ))
                            .build(),
                    )
                    .build()?,
            );
        }
        request.send().await?;
        if let Some(ttl) = self
            .time_to_live_specification
            .as_ref()
            .filter(|ttl| ttl.enabled)
        {
            client
                .update_time_to_live()
                .table_name(table_name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(&ttl.attribute_name)
                        .enabled(true)
                        .build()?,
                )
                .send()
                .await?;
        }
        Ok(())
    }

    /// Like `create`, but a table that already exists is left as it is.
    pub async fn ensure(&self, client: &Client, table_name: &str) -> Result<bool, BoxError> {
        match client.describe_table().table_name(table_name).send().await {
            Ok(_) => Ok(false),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                self.create(client, table_name).await?;
                Ok(true)
            }
            Err(error) => Err(error.into()),
        }
    }
}

fn key_schema(elements: &[KeyElement]) -> Result<Vec<KeySchemaElement>, BoxError> {
    elements
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(Into::into)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::attrs;

    #[test]
    fn reads_the_table_of_the_real_template() {
        let table = TableDefinition::from_built_template().unwrap();
        let keys: Vec<_> = table
            .key_schema
            .iter()
            .map(|k| (k.attribute_name.as_str(), k.key_type.as_str()))
            .collect();
        assert_eq!(keys, [(attrs::PK, "HASH"), (attrs::SK, "RANGE")]);
        let index = &table.global_secondary_indexes[0];
        assert_eq!(index.index_name, attrs::GSI1);
        let index_keys: Vec<_> = index
            .key_schema
            .iter()
            .map(|k| (k.attribute_name.as_str(), k.key_type.as_str()))
            .collect();
        assert_eq!(
            index_keys,
            [(attrs::GSI1_PK, "HASH"), (attrs::GSI1_SK, "RANGE")]
        );
        let ttl = table.time_to_live_specification.unwrap();
        assert_eq!(ttl.attribute_name, attrs::EXPIRES_AT);
    }

    #[test]
    fn refuses_a_template_without_exactly_one_table() {
        let none = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n";
        assert!(TableDefinition::from_template(none).is_err());
        let table = "    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: []\n      AttributeDefinitions: []\n";
        let two = format!("Resources:\n  A:\n{table}  B:\n{table}");
        assert!(
            TableDefinition::from_template(&two)
                .unwrap_err()
                .to_string()
                .contains("more than one")
        );
    }
}
