//! `GET /.well-known/jwks.json`: the public keys that verify access tokens (current, and the
//! previous one until it is revoked), as a plain RFC 7517 key set. Holds no private key: it
//! reads the same table item every verifying function reads.

use lambda_http::Request;
use shared::http::{ApiResponse, PublicMaxAge};
use shared::{App, AppError};

pub async fn handle(app: &App, _req: Request) -> Result<ApiResponse, AppError> {
    let key_set = app.tokens.published_key_set().await?;
    Ok(ApiResponse::public_document(
        &key_set,
        PublicMaxAge::KEY_SET,
    ))
}
