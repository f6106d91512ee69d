//! `make backfill-lists`: puts users and products stored before the lists existed into them
//! (`infra::backfill_list_entries`). Environment: TABLE_NAME, DYNAMODB_ENDPOINT (local only);
//! against AWS, the usual AWS_* credentials and region.

use shared::store::{Store, dynamodb_client};
use shared::tls::TlsSettings;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty());
    let store = Store::new(
        dynamodb_client(endpoint.as_deref(), &TlsSettings::from_env()?).await,
        &table,
    );
    let done = infra::backfill_list_entries(&store).await?;
    println!(
        "listed {} user(s) and {} product(s) that were not listed yet in {table}",
        done.users, done.products
    );
    Ok(())
}
