//! `DELETE /products/{id}`: admins archive a product. From then on it is not read, listed or
//! sold; orders already placed keep their lines, and their cancels still restock it.

use lambda_http::Request;
use shared::auth::Caller;
use shared::domain::{ProductId, Timestamp};
use shared::http::{ApiResponse, path_param};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    Caller::from_request(&req, &app.tokens)
        .await?
        .require_admin()?;
    let id = ProductId::parse(path_param(&req, "id")?).ok_or(AppError::NotFound)?;
    app.store.archive_product(&id, Timestamp::now()).await?;
    Ok(ApiResponse::no_content())
}
