//! `POST /auth/refresh`: a current refresh token → a new access token and a new refresh token.
//! Each refresh token works once; replaying an earlier one revokes its whole family.

use lambda_http::Request;
use shared::auth::{RefreshToken, refresh_session};
use shared::http::ApiResponse;
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let token = RefreshToken::from_request(&req)?;
    let tokens = refresh_session(app, &token).await?;
    Ok(ApiResponse::ok(&tokens))
}
