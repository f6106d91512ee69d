//! `make rotate-keys`, `make revoke-previous-key`, and the first keys of a new environment:
//!
//!   keys init              creates the keys where there are none (idempotent)
//!   keys rotate            new current keys; the current ones stay valid as the previous ones
//!   keys revoke-previous   drops the previous keys: tokens they signed stop working
//!
//! Environment: TABLE_NAME, ACCESS_TOKEN_KEY_SECRET_ID, REFRESH_TOKEN_KEY_SECRET_ID, and locally
//! DYNAMODB_ENDPOINT and SECRETS_MANAGER_ENDPOINT; against AWS, the usual AWS_* credentials and
//! region. Functions pick a change up within KEY_CACHE_SECONDS (default 300).

use shared::auth::{KeyHome, KeySet};
use shared::secrets::secrets_client;
use shared::store::{Store, dynamodb_client};
use shared::tls::TlsSettings;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn var(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name} is not set"))
}

fn optional(name: &str) -> Option<String> {
    var(name).ok()
}

/// The key ids in use, never the keys.
fn describe(keys: &KeySet) -> String {
    let previous = |kid: Option<&str>| kid.unwrap_or("none").to_owned();
    format!(
        "access key {} (previous {}), refresh key {} (previous {})",
        keys.access.current.kid,
        previous(keys.access.previous.as_ref().map(|k| k.kid.as_str())),
        keys.refresh.current.kid,
        previous(keys.refresh.previous.as_ref().map(|k| k.kid.as_str())),
    )
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let command = std::env::args().nth(1).unwrap_or_default();
    let tls = TlsSettings::from_env()?;
    let home = KeyHome {
        secrets: secrets_client(optional("SECRETS_MANAGER_ENDPOINT").as_deref(), &tls).await,
        store: Store::new(
            dynamodb_client(optional("DYNAMODB_ENDPOINT").as_deref(), &tls).await,
            var("TABLE_NAME")?,
        ),
        access_secret_id: var("ACCESS_TOKEN_KEY_SECRET_ID")?,
        refresh_secret_id: var("REFRESH_TOKEN_KEY_SECRET_ID")?,
    };
    let (done, keys) = match command.as_str() {
        "init" => ("keys in place", home.init().await?),
        "rotate" => ("rotated", home.rotate().await?),
        "revoke-previous" => ("previous keys revoked", home.revoke_previous().await?),
        _ => return Err("usage: keys init | rotate | revoke-previous".into()),
    };
    println!("[keys] {done}: {}", describe(&keys));
    Ok(())
}
