//! `GET /products/{id}`: anyone; a product on sale, with its current stock. Public and
//! revalidated (`no-cache`): its `ETag` moves with every write (sale, restock, edit), so a
//! cache's `If-None-Match` gets 304 until then.

use lambda_http::Request;
use shared::domain::ProductId;
use shared::http::{ApiResponse, ETag, not_modified, path_param};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let id = ProductId::parse(path_param(&req, "id")?).ok_or(AppError::NotFound)?;
    let product = app
        .store
        .find_product(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    let etag = ETag::of_version(product.version);
    let response = if not_modified(&req, etag) {
        ApiResponse::not_modified(etag)
    } else {
        ApiResponse::ok(&product).with_etag(etag)
    };
    Ok(response.revalidated_publicly())
}
