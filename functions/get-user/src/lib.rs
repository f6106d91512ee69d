//! `GET /users/{id}`: the user themself, or an admin. A strong `ETag` from the user's version
//! (every write of the user moves it); a matching `If-None-Match` is 304.

use lambda_http::Request;
use shared::auth::Caller;
use shared::http::{ApiResponse, ETag, not_modified, path_param};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    let id = caller.user_to_act_on(path_param(&req, "id")?)?;
    let record = app.store.find_user(&id).await?.ok_or(AppError::NotFound)?;
    let etag = ETag::of_version(record.version);
    if not_modified(&req, etag) {
        return Ok(ApiResponse::not_modified(etag));
    }
    Ok(ApiResponse::ok(&record.user).with_etag(etag))
}
