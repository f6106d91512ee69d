//! `PATCH /users/{id}`: the user themself, or an admin. Changing your own email or password
//! needs `currentPassword`, checked on login's throttle; admins change others' names and emails,
//! never their passwords. `If-Match` naming anything but the current version is 412 and
//! writes nothing; a 200 carries the new `ETag`.

use lambda_http::Request;
use shared::auth::Caller;
use shared::domain::{
    Email, LoginPassword, Password, PasswordHash, Timestamp, UserName, UserRecord, unix_now,
};
use shared::http::{ApiResponse, ETag, IfMatch, JsonBody, path_param, source_ip};
use shared::store::{LoginWindow, UserUpdate};
use shared::{App, AppError};

/// Reads of the user and conditional writes tried before a concurrent update is a 409.
const ATTEMPTS: usize = 3;

/// What the request asks to change.
#[derive(Debug)]
struct Patch {
    name: Option<UserName>,
    email: Option<Email>,
    password: Option<Password>,
    current_password: Option<Password>,
}

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    let id = caller.user_to_act_on(path_param(&req, "id")?)?;
    let on_self = caller.id == id;
    let ip = source_ip(&req);
    let patch = parse(&req, on_self)?;
    if !on_self && patch.password.is_some() {
        return Err(AppError::Forbidden);
    }
    let if_match = IfMatch::from_request(&req)?;
    let new_hash = match &patch.password {
        Some(password) => Some(app.passwords.hash(password).await?),
        None => None,
    };

    // Optimistic locking: read, check, write on condition the version has not moved; if it
    // has, a concurrent update won, so read again and re-apply this patch on top of it.
    for _ in 0..ATTEMPTS {
        let current = app.store.find_user(&id).await?.ok_or(AppError::NotFound)?;
        // If-Match is held to the version just read, and the write below is conditional on
        // that same version (`#version = :expected`): a change in between fails the write and
        // the next round re-reads and checks again, so nothing lands on a version not named.
        if !if_match.allows(current.version) {
            return Err(AppError::PreconditionFailed);
        }
        if let Some(given) = &patch.current_password {
            check_current_password(app, given, &current, &ip).await?;
        }
        let next = apply(&current, &patch, new_hash.as_ref());
        match app
            .store
            .update_user(&UserUpdate {
                current,
                next: next.clone(),
            })
            .await
        {
            Ok(()) => {
                return Ok(ApiResponse::ok(&next.user).with_etag(ETag::of_version(next.version)));
            }
            Err(AppError::Conflict) => continue,
            Err(error) => return Err(error),
        }
    }
    Err(AppError::Conflict)
}

/// A wrong `currentPassword` is a failed login by another door, so it is throttled as login is:
/// the same counters (the account's email, the caller's IP), checked before the password.
async fn check_current_password(
    app: &App,
    given: &Password,
    account: &UserRecord,
    ip: &str,
) -> Result<(), AppError> {
    let limits = app.config.login_limits;
    let now = unix_now();
    let window = LoginWindow::at(now, &limits);
    let email = &account.user.email;
    app.store
        .login_failures(email, ip, window)
        .await?
        .refuse_if_over(&limits, window, now)?;
    if app.passwords.verify(given, &account.password_hash).await? {
        return Ok(());
    }
    app.store.record_login_failure(email, ip, window).await?;
    Err(AppError::InvalidCredentials)
}

fn parse(req: &Request, on_self: bool) -> Result<Patch, AppError> {
    let mut body = JsonBody::parse(req, &["name", "email", "password", "currentPassword"])?;
    if !["name", "email", "password"]
        .iter()
        .any(|field| body.has(field))
    {
        body.reject(
            "name",
            "at least one of name, email or password must be given",
        );
    }
    let sensitive = body.has("email") || body.has("password");
    let patch = Patch {
        name: body.optional::<UserName>("name"),
        email: body.optional::<Email>("email"),
        password: body.optional::<Password>("password"),
        current_password: body
            .optional::<LoginPassword>("currentPassword")
            .map(|p| p.0),
    };
    if on_self && sensitive && patch.current_password.is_none() {
        body.reject(
            "currentPassword",
            "is required to change your email or password",
        );
    }
    if !on_self && patch.current_password.is_some() {
        body.reject(
            "currentPassword",
            "is only for changing your own email or password",
        );
    }
    body.finish(|| Some(patch))
}

/// The record after the patch: one version on, and a new session version on a password
/// change (which ends every refresh session of the user).
fn apply(current: &UserRecord, patch: &Patch, new_hash: Option<&PasswordHash>) -> UserRecord {
    let mut next = current.clone();
    if let Some(name) = &patch.name {
        next.user.name = name.clone();
    }
    if let Some(email) = &patch.email {
        next.user.email = email.clone();
    }
    if let Some(hash) = new_hash {
        next.password_hash = hash.clone();
        next.session_version += 1;
    }
    next.user.updated_at = Timestamp::now();
    next.version += 1;
    next
}
