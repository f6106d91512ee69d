//! `GET /orders?limit=N&cursor=C`: the caller's own orders, newest first, a page at a time.

use lambda_http::Request;
use shared::auth::Caller;
use shared::http::{ApiResponse, Pagination, query_param};
use shared::{App, AppError};

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    let limit = match query_param(&req, "limit") {
        None => DEFAULT_LIMIT,
        Some(text) => parse_limit(text)?,
    };
    let cursors = app.tokens.cursor_key().await?;
    let after = query_param(&req, "cursor")
        .map(|cursor| cursors.decode(&caller.id, cursor))
        .transpose()?;
    let (orders, more) = app
        .store
        .list_orders(&caller.id, limit, after.as_ref())
        .await?;
    let next_cursor = orders
        .last()
        .filter(|_| more)
        .map(|last| cursors.encode(&caller.id, &last.id));
    Ok(ApiResponse::list(
        &orders,
        &Pagination { limit, next_cursor },
    ))
}

fn parse_limit(text: &str) -> Result<u32, AppError> {
    text.parse::<u32>()
        .ok()
        .filter(|limit| (1..=MAX_LIMIT).contains(limit))
        .ok_or_else(|| {
            AppError::invalid_field(
                "limit",
                format!("must be a whole number from 1 to {MAX_LIMIT}"),
            )
        })
}
