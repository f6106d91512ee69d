//! `GET /products?limit=N&cursor=C`: anyone; the products on sale, newest first, a page at a
//! time, each with its current stock. Public and revalidated (`no-cache`), like a product read.

use lambda_http::Request;
use shared::domain::ProductId;
use shared::http::{ApiResponse, Pagination, query_param};
use shared::pagination::{CursorList, page_limit};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let limit = page_limit(query_param(&req, "limit"))?;
    let cursors = app.tokens.cursor_key().await?;
    let after = query_param(&req, "cursor")
        .map(|cursor| cursors.decode_in(CursorList::Catalogue, cursor, ProductId::parse))
        .transpose()?;
    let page = app.store.list_products(limit, after.as_ref()).await?;
    let next_cursor = page
        .next_after
        .map(|last| cursors.encode_in(CursorList::Catalogue, &last));
    Ok(
        ApiResponse::list(&page.products, &Pagination { limit, next_cursor })
            .revalidated_publicly(),
    )
}
