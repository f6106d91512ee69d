//! `GET /products/{id}`: anyone; shows current stock.

use lambda_http::Request;
use shared::domain::ProductId;
use shared::http::{ApiResponse, path_param};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let id = ProductId::parse(path_param(&req, "id")?).ok_or(AppError::NotFound)?;
    let product = app
        .store
        .find_product(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ApiResponse::ok(&product))
}
