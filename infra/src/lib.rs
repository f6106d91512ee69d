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

/// What `make backfill-lists` did: how many items it put into each list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backfill {
    pub users: usize,
    pub products: usize,
}

/// Puts the users and products written before the lists existed (the `gsi2` index: the user
/// directory and the catalogue) into them. Run once by an operator after upgrading a deployed
/// table (`make backfill-lists`); it scans the table, which no function ever does. Idempotent:
/// each write is conditional on the item still lacking its entry, and on a product still being
/// on sale.
pub async fn backfill_list_entries(store: &Store) -> Result<Backfill, AppError> {
    use shared::domain::{ProductId, UserId};
    use shared::store::attrs::{ARCHIVED_AT, GSI2_PK, GSI2_SK, ID, PK, TYPE, item_type};
    use shared::store::{keys, sdk_error};

    let client = store.client();
    let mut done = Backfill::default();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(store.table_name())
            .filter_expression("#type IN (:user, :product) AND attribute_not_exists(#gsi2pk)")
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_names("#gsi2pk", GSI2_PK)
            .expression_attribute_values(":user", s(item_type::USER))
            .expression_attribute_values(":product", s(item_type::PRODUCT))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk_error)?;
        for item in page.items() {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
            let id = text(ID).map_or("", String::as_str);
            let (entry, key, is_product) = match text(TYPE).map(String::as_str) {
                Some(item_type::USER) => match UserId::parse(id) {
                    Some(user) => (keys::user_directory_entry(&user), keys::user(&user), false),
                    None => continue,
                },
                Some(item_type::PRODUCT) if !item.contains_key(ARCHIVED_AT) => {
                    match ProductId::parse(id) {
                        Some(product) => (
                            keys::catalogue_entry(&product),
                            keys::product(&product),
                            true,
                        ),
                        None => continue,
                    }
                }
                _ => continue,
            };
            let condition = if is_product {
                "attribute_exists(#pk) AND attribute_not_exists(#gsi2pk) AND attribute_not_exists(#archived)"
            } else {
                "attribute_exists(#pk) AND attribute_not_exists(#gsi2pk)"
            };
            let mut update = client
                .update_item()
                .table_name(store.table_name())
                .set_key(Some(key.to_attributes()))
                .update_expression("SET #gsi2pk = :pk, #gsi2sk = :sk")
                .condition_expression(condition)
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#gsi2pk", GSI2_PK)
                .expression_attribute_names("#gsi2sk", GSI2_SK)
                .expression_attribute_values(":pk", s(&entry.pk))
                .expression_attribute_values(":sk", s(&entry.sk));
            if is_product {
                update = update.expression_attribute_names("#archived", ARCHIVED_AT);
            }
            match update.send().await {
                Ok(_) if is_product => done.products += 1,
                Ok(_) => done.users += 1,
                // Archived, deleted or listed meanwhile: nothing to do.
                Err(error)
                    if error
                        .as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(error) => return Err(sdk_error(error)),
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(done);
        }
    }
}

fn s(value: &str) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(value.to_owned())
}
