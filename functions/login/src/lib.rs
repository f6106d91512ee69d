//! `POST /auth/login`: email and password → access and refresh tokens. Rate-limited.
//!
//! Both failure paths (unknown email, wrong password) do the same work: the same two DynamoDB
//! reads and one argon2id verification (an unknown email is checked against a dummy hash at
//! today's parameters), and give the same `INVALID_CREDENTIALS`, so neither timing nor answer tells
//! whether an email is registered.

use lambda_http::Request;
use serde::Serialize;
use shared::auth::{TokenPair, start_session};
use shared::domain::{Email, LoginPassword, Password, User, UserId, UserRecord, unix_now};
use shared::http::{ApiResponse, JsonBody, source_ip};
use shared::store::LoginWindow;
use shared::{App, AppError};

#[derive(Debug, Serialize)]
struct LoginResponse {
    #[serde(flatten)]
    tokens: TokenPair,
    user: User,
}

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let (email, password) = parse(&req)?;
    let ip = source_ip(&req);
    let limits = app.config.login_limits;
    let now = unix_now();
    let window = LoginWindow::at(now, &limits);

    // Read 1: the email claim and both failure counters.
    let lookup = app.store.login_lookup(&email, &ip, window).await?;
    lookup.failures.refuse_if_over(&limits, window, now)?;
    // Read 2, on both paths: an unknown email reads a fresh id, which cannot exist.
    let record = app
        .store
        .find_user(&lookup.user_id.unwrap_or_else(UserId::new))
        .await?;
    // An unknown email is verified against the dummy hash: the same argon2id work either way.
    let dummy = app.passwords.dummy_hash();
    let hash = record.as_ref().map_or(&dummy, |r| &r.password_hash);
    let matches = app.passwords.verify(&password, hash).await?;
    let Some(record) = record.filter(|_| matches) else {
        app.store.record_login_failure(&email, &ip, window).await?;
        return Err(AppError::InvalidCredentials);
    };

    rehash_if_weak(app, &record, &password).await;
    let tokens = start_session(app, &record).await?;
    shared::metrics::count(shared::metrics::Event::Login);
    Ok(ApiResponse::ok(&LoginResponse {
        tokens,
        user: record.user,
    }))
}

fn parse(req: &Request) -> Result<(Email, Password), AppError> {
    let mut body = JsonBody::parse(req, &["email", "password"])?;
    let email = body.required::<Email>("email");
    let password = body.required::<LoginPassword>("password");
    body.finish(|| Some((email?, password?.0)))
}

/// A hash made with weaker settings than today's is replaced now that the password is known.
/// Best effort: the login succeeds whether or not the replacement is stored.
async fn rehash_if_weak(app: &App, record: &UserRecord, password: &Password) {
    if !app.passwords.needs_rehash(&record.password_hash) {
        return;
    }
    let result = match app.passwords.hash(password).await {
        Ok(stronger) => {
            app.store
                .replace_password_hash(&record.user.id, &stronger, record.version)
                .await
        }
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::warn!(user = %record.user.id, error = %error.source_chain(), "password re-hash not stored");
    }
}
