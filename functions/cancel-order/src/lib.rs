//! `POST /orders/{id}/cancel` (no body): the order's owner or an admin cancels a placed order;
//! its units go back to stock in the same transaction. Anyone else gets 404, as for an order
//! that does not exist (the rule of `GET /orders/{id}`).

use lambda_http::Request;
use shared::auth::Caller;
use shared::domain::{OrderId, Timestamp};
use shared::http::{ApiResponse, ETag, path_param};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    let id = OrderId::parse(path_param(&req, "id")?).ok_or(AppError::NotFound)?;
    let order = caller.order_to_act_on(app.store.find_order(&id).await?)?;
    let cancelled = app.store.cancel_order(&order, Timestamp::now()).await?;
    let etag = ETag::of_version(cancelled.version);
    Ok(ApiResponse::ok(&cancelled).with_etag(etag))
}
