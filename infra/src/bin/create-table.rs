//! Creates the table described in template.yaml, if it does not exist yet.
//! Environment: TABLE_NAME, and DYNAMODB_ENDPOINT for DynamoDB Local.

use shared::store::{dynamodb_client, table::TableDefinition};
use shared::tls::TlsSettings;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok();
    let client = dynamodb_client(endpoint.as_deref(), &TlsSettings::from_env()?).await;
    let created = TableDefinition::from_built_template()?
        .ensure(&client, &table)
        .await?;
    let where_ = endpoint.as_deref().unwrap_or("AWS");
    if created {
        println!("[create-table] created table {table} at {where_} from template.yaml");
    } else {
        println!("[create-table] table {table} already exists at {where_}");
    }
    Ok(())
}
