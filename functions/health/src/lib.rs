//! `GET /health`: 200 when the table answers a cheap read within a short timeout, else 503.

use lambda_http::Request;
use serde::Serialize;
use shared::http::ApiResponse;
use shared::{App, AppError};

#[derive(Serialize)]
struct Health {
    status: &'static str,
    dynamodb: &'static str,
}

pub async fn handle(app: &App, _req: Request) -> Result<ApiResponse, AppError> {
    app.store.ping().await?;
    Ok(ApiResponse::ok(&Health {
        status: "ok",
        dynamodb: "ok",
    }))
}
