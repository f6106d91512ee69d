//! `GET /users/{id}`: the user themself, or an admin.

use lambda_http::Request;
use shared::auth::Caller;
use shared::http::{ApiResponse, path_param};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    let id = caller.user_to_act_on(path_param(&req, "id")?)?;
    let record = app.store.find_user(&id).await?.ok_or(AppError::NotFound)?;
    Ok(ApiResponse::ok(&record.user))
}
