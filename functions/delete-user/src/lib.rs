//! `DELETE /users/{id}`: the user themself, or an admin. The user, their email claim and their
//! refresh sessions go together; their orders stay (history, readable by admins). 204.

use lambda_http::Request;
use shared::auth::Caller;
use shared::http::{ApiResponse, path_param};
use shared::{App, AppError};

/// Reads and conditional deletes tried before a concurrent update is a 409.
const ATTEMPTS: usize = 3;

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    let id = caller.user_to_act_on(path_param(&req, "id")?)?;
    for _ in 0..ATTEMPTS {
        let record = app.store.find_user(&id).await?.ok_or(AppError::NotFound)?;
        let families = app.store.user_session_families(&id).await?;
        match app.store.delete_user(&record, &families).await {
            Ok(()) => return Ok(ApiResponse::no_content()),
            // Updated between the read and the delete: read again.
            Err(AppError::Conflict) => continue,
            Err(error) => return Err(error),
        }
    }
    Err(AppError::Conflict)
}
