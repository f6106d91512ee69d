//! `POST /auth/logout`: revokes the session family of a current refresh token. 204.

use lambda_http::Request;
use shared::auth::{RefreshToken, end_session};
use shared::http::ApiResponse;
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let token = RefreshToken::from_request(&req)?;
    end_session(app, &token).await?;
    Ok(ApiResponse::no_content())
}
