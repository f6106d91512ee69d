//! Tools that stand an environment up. The binaries in `src/bin` are thin wrappers over this.

use shared::AppError;
use shared::auth::PasswordHasher;
use shared::domain::{Email, Password, Role, User, UserName, UserRecord};
use shared::store::Store;

/// What `make admin` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminBootstrap {
    /// A new account with roles `user` and `admin`.
    Created(User),
    /// An existing account gained the `admin` role (its password is unchanged).
    Promoted(User),
    /// The account was an admin already; nothing changed.
    AlreadyAdmin(User),
}

/// Makes `email` an admin: promotes the account that holds it, or creates one with
/// `password` (required only then) and `name`.
pub async fn bootstrap_admin(
    store: &Store,
    passwords: &PasswordHasher,
    email: &Email,
    password: Option<&Password>,
    name: &UserName,
) -> Result<AdminBootstrap, BootstrapError> {
    if let Some(id) = store.find_user_id_by_email(email).await? {
        let mut user = store.find_user(&id).await?.ok_or(AppError::NotFound)?.user;
        if user.is_admin() {
            return Ok(AdminBootstrap::AlreadyAdmin(user));
        }
        user.roles.push(Role::Admin);
        store.set_roles(&user.id, &user.roles).await?;
        return Ok(AdminBootstrap::Promoted(user));
    }
    let password = password.ok_or(BootstrapError::PasswordNeeded)?;
    let mut record = UserRecord::new(name.clone(), email.clone(), passwords.hash(password).await?);
    record.user.roles.push(Role::Admin);
    store.create_user(&record).await?;
    Ok(AdminBootstrap::Created(record.user))
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("no account has this email, so PASSWORD is needed to create one")]
    PasswordNeeded,
    #[error("{}", .0.source_chain())]
    Store(#[from] AppError),
}
