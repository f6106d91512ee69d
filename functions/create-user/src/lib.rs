//! `POST /users`: sign-up. Anyone may call it.

use lambda_http::Request;
use shared::domain::{Email, NewUser, Password, UserName, UserRecord};
use shared::http::{ApiResponse, JsonBody};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let new_user = parse(&req)?;
    let password_hash = app.passwords.hash(&new_user.password).await?;
    let record = UserRecord::new(new_user.name, new_user.email, password_hash);
    app.store.create_user(&record).await?;
    shared::metrics::count(shared::metrics::Event::SignUp);
    let user = record.user;
    Ok(ApiResponse::created(&user, format!("/users/{}", user.id)))
}

fn parse(req: &Request) -> Result<NewUser, AppError> {
    let mut body = JsonBody::parse(req, &["name", "email", "password"])?;
    let name = body.required::<UserName>("name");
    let email = body.required::<Email>("email");
    let password = body.required::<Password>("password");
    body.finish(|| {
        Some(NewUser {
            name: name?,
            email: email?,
            password: password?,
        })
    })
}
