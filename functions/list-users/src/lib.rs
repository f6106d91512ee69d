//! `GET /users?limit=N&cursor=C` (admins): every user, newest first, a page at a time; or
//! `GET /users?email=<address>`: the one user with that address in any letter case, as a list
//! of zero or one.

use lambda_http::Request;
use shared::auth::Caller;
use shared::domain::{Email, UserId};
use shared::http::{ApiResponse, Pagination, query_param};
use shared::pagination::{CursorList, page_limit};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    caller.require_admin()?;
    let limit = page_limit(query_param(&req, "limit"))?;
    if let Some(address) = query_param(&req, "email") {
        let email =
            Email::parse(address).map_err(|message| AppError::invalid_field("email", message))?;
        let found = app.store.find_user_by_email(&email).await?;
        let users: Vec<_> = found.into_iter().map(|record| record.user).collect();
        let none_after = Pagination {
            limit,
            next_cursor: None,
        };
        return Ok(ApiResponse::list(&users, &none_after));
    }
    let cursors = app.tokens.cursor_key().await?;
    let list = CursorList::UsersFor(&caller.id);
    let after = query_param(&req, "cursor")
        .map(|cursor| cursors.decode_in(list, cursor, UserId::parse))
        .transpose()?;
    let (users, next) = app.store.list_users(limit, after.as_ref()).await?;
    let next_cursor = next.map(|last| cursors.encode_in(list, &last));
    Ok(ApiResponse::list(
        &users,
        &Pagination { limit, next_cursor },
    ))
}
