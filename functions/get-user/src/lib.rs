//! `GET /users/{id}`: the user themself, or an admin.

use lambda_http::Request;
use shared::auth::Caller;
use shared::domain::UserId;
use shared::http::{ApiResponse, path_param};
use shared::{App, AppError};

#[tracing::instrument(name = "get_user", skip_all)]
pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens)?;
    let raw_id = path_param(&req, "id")?;
    match UserId::parse(raw_id) {
        Some(id) => {
            caller.require_self_or_admin(&id)?;
            let record = app.store.find_user(&id).await?.ok_or(AppError::NotFound)?;
            Ok(ApiResponse::ok(&record.user))
        }
        // No user can have a malformed id; only an admin learns that it does not exist.
        None if caller.is_admin() => Err(AppError::NotFound),
        None => Err(AppError::Forbidden),
    }
}
