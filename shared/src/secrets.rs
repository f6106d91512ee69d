//! The signing keys' home: AWS Secrets Manager (moto locally). Only the functions that issue or
//! end sessions read it, at init and then on the key cache's schedule (`auth/key_cache.rs`);
//! the `keys` tool writes it.

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::Client;
use secrecy::ExposeSecret;

use crate::auth::KeyDocument;
use crate::error::AppError;
use crate::store::{sdk_error, tool_sdk_config};
use crate::tls::{TlsSettings, https_client};

/// The Secrets Manager client on `sdk` (DynamoDB's timeouts, retries and HTTPS client),
/// reaching `endpoint` if given (moto).
pub(crate) fn secrets_client_with(sdk: &SdkConfig, endpoint: Option<&str>) -> Client {
    let mut config = aws_sdk_secretsmanager::config::Builder::from(sdk);
    config.set_endpoint_url(endpoint.map(str::to_owned));
    Client::from_conf(config.build())
}

/// The Secrets Manager client for tools (the `keys` bin, tests), trusting `tls`.
pub async fn secrets_client(endpoint: Option<&str>, tls: &TlsSettings) -> Client {
    let sdk = tool_sdk_config(https_client(tls), endpoint.is_some()).await;
    secrets_client_with(&sdk, endpoint)
}

/// The key document in secret `id`'s current version.
pub async fn read_secret<D: KeyDocument>(client: &Client, id: &str) -> Result<D, AppError> {
    let output = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(sdk_error)?;
    let document = output
        .secret_string
        .ok_or_else(|| AppError::internal(format!("the {} key secret has no value", D::NAME)))?;
    D::parse(&document).map_err(AppError::internal)
}

/// Writes `document` as secret `id`'s new current version (Secrets Manager keeps the one before
/// as `AWSPREVIOUS`), creating the secret if it does not exist.
pub async fn write_secret<D: KeyDocument>(
    client: &Client,
    id: &str,
    document: &D,
) -> Result<(), AppError> {
    let value = document.to_document();
    let put = client
        .put_secret_value()
        .secret_id(id)
        .secret_string(value.expose_secret())
        .send()
        .await;
    match put {
        Ok(_) => Ok(()),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            client
                .create_secret()
                .name(id)
                .secret_string(value.expose_secret())
                .send()
                .await
                .map_err(sdk_error)?;
            Ok(())
        }
        Err(error) => Err(sdk_error(error)),
    }
}
