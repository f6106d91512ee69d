//! `make admin EMAIL=… PASSWORD=…`: creates an admin, or promotes an existing account.
//! Environment: TABLE_NAME, DYNAMODB_ENDPOINT (local only), ADMIN_EMAIL, ADMIN_PASSWORD
//! (needed only to create), ADMIN_NAME (default "Admin"). Against AWS, the usual AWS_*
//! credentials and region.

use infra::{AdminBootstrap, bootstrap_admin};
use shared::auth::PasswordHasher;
use shared::domain::{Email, Password, UserName};
use shared::store::{Store, dynamodb_client};
use shared::tls::TlsSettings;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let table = var("TABLE_NAME").ok_or("TABLE_NAME is not set")?;
    let email = Email::parse(
        &var("ADMIN_EMAIL")
            .ok_or("EMAIL is not set: make admin EMAIL=you@example.com PASSWORD=…")?,
    )
    .map_err(|why| format!("EMAIL {why}"))?;
    let password = var("ADMIN_PASSWORD")
        .map(|p| Password::parse(p).map_err(|why| format!("PASSWORD {why}")))
        .transpose()?;
    let name = UserName::parse(&var("ADMIN_NAME").unwrap_or_else(|| "Admin".to_owned()))
        .map_err(|why| format!("NAME {why}"))?;
    let endpoint = var("DYNAMODB_ENDPOINT");

    let store = Store::new(
        dynamodb_client(endpoint.as_deref(), &TlsSettings::from_env()?).await,
        &table,
    );
    let outcome = bootstrap_admin(
        &store,
        &PasswordHasher::new(),
        &email,
        password.as_ref(),
        &name,
    )
    .await?;
    let place = endpoint.as_deref().unwrap_or("AWS");
    match outcome {
        AdminBootstrap::Created(user) => println!(
            "[admin] created admin {} ({}) in {table} at {place}",
            user.email.as_str(),
            user.id
        ),
        AdminBootstrap::Promoted(user) => println!(
            "[admin] promoted {} ({}) to admin in {table} at {place}",
            user.email.as_str(),
            user.id
        ),
        AdminBootstrap::AlreadyAdmin(user) => println!(
            "[admin] {} ({}) is already an admin",
            user.email.as_str(),
            user.id
        ),
    }
    Ok(())
}
