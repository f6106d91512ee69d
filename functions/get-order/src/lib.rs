//! `GET /orders/{id}`: the order's owner or an admin. Anyone else gets 404, as for an order
//! that does not exist, so order ids cannot be probed. A strong `ETag` from the order's version
//! (a cancel moves it); a matching `If-None-Match` is 304.

use lambda_http::Request;
use shared::auth::Caller;
use shared::domain::OrderId;
use shared::http::{ApiResponse, ETag, not_modified, path_param};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    let id = OrderId::parse(path_param(&req, "id")?).ok_or(AppError::NotFound)?;
    let order = caller.order_to_act_on(app.store.find_order(&id).await?)?;
    let etag = ETag::of_version(order.version);
    if not_modified(&req, etag) {
        return Ok(ApiResponse::not_modified(etag));
    }
    Ok(ApiResponse::ok(&order).with_etag(etag))
}
