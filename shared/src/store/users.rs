//! Users and their email claims.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use secrecy::ExposeSecret;

use super::attrs::{
    CREATED_AT, EMAIL, ID, NAME, PASSWORD_HASH, PK, ROLES, SESSION_VERSION, SK, TYPE, UPDATED_AT,
    USER_ID, VERSION, item_type,
};
use super::errors::write_error;
use super::item::{Item, ItemReader, n, s, string_list};
use super::keys;
use super::transaction::{Cancellation, Transaction, put_new};
use super::{Store, sdk_error};
use crate::domain::{
    Email, FamilyId, PasswordHash, Role, Timestamp, User, UserId, UserName, UserRecord,
};
use crate::error::AppError;

/// The actions of the sign-up transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignUpAction {
    /// Puts the user, if the id is new.
    User,
    /// Puts the email claim, if nobody holds it.
    EmailClaim,
}

impl Store {
    /// Writes a new user and claims their email, in one transaction whose puts are both
    /// conditional on the item not existing: two sign-ups with one email (in any letter case)
    /// can never both succeed, whatever the timing. The loser gets `EMAIL_TAKEN`.
    pub async fn create_user(&self, record: &UserRecord) -> Result<(), AppError> {
        let transaction = sign_up_transaction(&self.table, record)?;
        transaction
            .request(&self.client)
            .send()
            .await
            .map_err(|error| match transaction.cancellation(&error) {
                Some(Cancellation::ConditionFailed(failed))
                    if failed.contains(&SignUpAction::EmailClaim) =>
                {
                    AppError::EmailTaken
                }
                // A UUIDv7 collision or a concurrent transaction: the client may simply retry.
                Some(Cancellation::ConditionFailed(_) | Cancellation::Conflict) => {
                    AppError::Conflict
                }
                _ => sdk_error(error),
            })?;
        Ok(())
    }

    /// The user with this id, if any. Strongly consistent: a client reads its own writes.
    pub async fn find_user(&self, id: &UserId) -> Result<Option<UserRecord>, AppError> {
        let item = self.read_item(&keys::user(id)).await?;
        item.as_ref().map(user_from_item).transpose()
    }

    /// The id of the user who holds this email's claim, if any.
    pub async fn find_user_id_by_email(&self, email: &Email) -> Result<Option<UserId>, AppError> {
        let item = self.read_item(&keys::email_claim(email)).await?;
        item.as_ref()
            .map(|item| {
                ItemReader::new(item, item_type::EMAIL_CLAIM).parsed(USER_ID, UserId::parse)
            })
            .transpose()
    }

    /// The user who holds this email's claim (any letter case), if any: the claim, then the
    /// user, two strongly consistent reads by key.
    pub async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, AppError> {
        match self.find_user_id_by_email(email).await? {
            Some(id) => self.find_user(&id).await,
            None => Ok(None),
        }
    }

    /// Up to `limit` (at most 100) users, newest first, after the user `after` (exclusive),
    /// and the id to continue after when more follow. The user directory (`gsi2`, keys only)
    /// gives the page's ids (one Query); the users themselves come from one strongly consistent
    /// BatchGetItem. The index is eventually consistent: a user who signed up a moment ago may
    /// take a moment to be listed, and one deleted meanwhile is left out of the page.
    pub async fn list_users(
        &self,
        limit: u32,
        after: Option<&UserId>,
    ) -> Result<(Vec<User>, Option<UserId>), AppError> {
        let after = after.map(|user| super::lists::After {
            key: keys::user(user),
            entry: keys::user_directory_entry(user),
        });
        let (ids, more) = self
            .list_page(
                keys::USER_DIRECTORY,
                after,
                limit,
                item_type::USER,
                UserId::parse,
            )
            .await?;
        let mut found = self
            .read_items(
                ids.iter()
                    .map(|id| keys::user(id).to_attributes())
                    .collect(),
            )
            .await?
            .iter()
            .map(|item| user_from_item(item).map(|record| (record.user.id, record.user)))
            .collect::<Result<std::collections::HashMap<_, _>, _>>()?;
        let next = ids.last().copied().filter(|_| more);
        let users = ids.iter().filter_map(|id| found.remove(id)).collect();
        Ok((users, next))
    }

    /// Replaces a user's roles (admin bootstrap). `NOT_FOUND` if there is no such user.
    pub async fn set_roles(&self, id: &UserId, roles: &[Role]) -> Result<(), AppError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::user(id).to_attributes()))
            .condition_expression("attribute_exists(#pk)")
            .update_expression("SET #roles = :roles, #updatedAt = :now ADD #version :one")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#roles", ROLES)
            .expression_attribute_names("#updatedAt", UPDATED_AT)
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":roles", string_list(roles.iter().map(|r| r.as_str())))
            .expression_attribute_values(":now", s(Timestamp::now().to_rfc3339()))
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(|error| write_error(error, AppError::NotFound))?;
        Ok(())
    }

    /// Replaces the password hash (a re-hash at stronger settings), if the user is still at
    /// `version`; otherwise a concurrent update won (`CONFLICT`).
    pub async fn replace_password_hash(
        &self,
        id: &UserId,
        hash: &PasswordHash,
        version: u64,
    ) -> Result<(), AppError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::user(id).to_attributes()))
            .condition_expression("#version = :version")
            .update_expression("SET #hash = :hash ADD #version :one")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_names("#hash", PASSWORD_HASH)
            .expression_attribute_values(":version", n(version))
            .expression_attribute_values(":hash", s(hash.expose_secret()))
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(|error| write_error(error, AppError::Conflict))?;
        Ok(())
    }
}

/// A changed user, as `update_user` writes it.
#[derive(Debug, Clone)]
pub struct UserUpdate {
    /// The record as read, whose `version` the write is conditional on.
    pub current: UserRecord,
    /// The record to write (its `version` one higher).
    pub next: UserRecord,
}

/// The actions of the update transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UpdateAction {
    /// Puts the user, if it is still at the version read.
    User,
    /// On an email change: claims the new email, if nobody holds it...
    NewClaim,
    /// ... and releases the old one, if the user holds it.
    OldClaim,
}

/// The actions of the deletion transaction; any failed condition is a concurrent change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeleteAction {
    /// Deletes the user, if it is still at the version read.
    User,
    /// Releases the email claim, if the user holds it.
    EmailClaim,
    /// Deletes one session family.
    Session,
}

/// At most 100 actions a transaction: the user and the claim, and up to 98 sessions.
const SESSIONS_IN_DELETE: usize = 98;

impl Store {
    /// Writes `update.next` if the stored user is still at `update.current.version`
    /// (optimistic locking: a concurrent update makes this `CONFLICT`, never a lost update).
    /// An email change moves the claim in the same transaction: the new email is claimed on
    /// condition nobody holds it (`EMAIL_TAKEN`), and the old one is free the moment it commits.
    pub async fn update_user(&self, update: &UserUpdate) -> Result<(), AppError> {
        let transaction = update_transaction(&self.table, update)?;
        transaction
            .request(&self.client)
            .send()
            .await
            .map_err(|error| match transaction.cancellation(&error) {
                Some(Cancellation::ConditionFailed(failed))
                    if failed.contains(&UpdateAction::NewClaim) =>
                {
                    AppError::EmailTaken
                }
                Some(Cancellation::ConditionFailed(failed))
                    if failed.contains(&UpdateAction::User) =>
                {
                    AppError::Conflict
                }
                Some(Cancellation::Conflict) => AppError::Conflict,
                Some(Cancellation::ConditionFailed(_)) => {
                    AppError::internal("email claim not held by its user")
                }
                _ => sdk_error(error),
            })?;
        Ok(())
    }

    /// Deletes the user at `record.version`, their email claim and (up to 98 of) their session
    /// families in one transaction; any further families are deleted after it. Those are inert
    /// already: a refresh finds no user and fails.
    pub async fn delete_user(
        &self,
        record: &UserRecord,
        families: &[FamilyId],
    ) -> Result<(), AppError> {
        let (now, later) = families.split_at(families.len().min(SESSIONS_IN_DELETE));
        let transaction = delete_transaction(&self.table, record, now)?;
        transaction
            .request(&self.client)
            .send()
            .await
            .map_err(|error| match transaction.cancellation(&error) {
                Some(Cancellation::ConditionFailed(_) | Cancellation::Conflict) => {
                    AppError::Conflict
                }
                _ => sdk_error(error),
            })?;
        for family in later {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(keys::session(family).to_attributes()))
                .send()
                .await
                .map_err(sdk_error)?;
        }
        Ok(())
    }
}

/// The sign-up transaction: the user and the email claim, each only if new.
fn sign_up_transaction(
    table: &str,
    record: &UserRecord,
) -> Result<Transaction<SignUpAction>, AppError> {
    let mut transaction = Transaction::new();
    transaction.push(SignUpAction::User, put_new(table, user_item(record))?);
    transaction.push(
        SignUpAction::EmailClaim,
        put_new(table, email_claim_item(&record.user.email, &record.user.id))?,
    );
    Ok(transaction)
}

/// The update transaction: the user at its read version, and on an email change the claims.
fn update_transaction(
    table: &str,
    update: &UserUpdate,
) -> Result<Transaction<UpdateAction>, AppError> {
    let (current, next) = (&update.current, &update.next);
    let user = Put::builder()
        .table_name(table)
        .set_item(Some(user_item(next)))
        .condition_expression("#version = :expected")
        .expression_attribute_names("#version", VERSION)
        .expression_attribute_values(":expected", n(current.version))
        .build()
        .map_err(AppError::internal)?;
    let mut transaction = Transaction::new();
    transaction.push(
        UpdateAction::User,
        TransactWriteItem::builder().put(user).build(),
    );
    if keys::email_claim(&current.user.email) != keys::email_claim(&next.user.email) {
        transaction.push(
            UpdateAction::NewClaim,
            put_new(table, email_claim_item(&next.user.email, &next.user.id))?,
        );
        transaction.push(
            UpdateAction::OldClaim,
            release_claim(table, &current.user.email, &current.user.id)?,
        );
    }
    Ok(transaction)
}

/// The deletion transaction: the user at its read version, its claim, and `families`.
fn delete_transaction(
    table: &str,
    record: &UserRecord,
    families: &[FamilyId],
) -> Result<Transaction<DeleteAction>, AppError> {
    let user = Delete::builder()
        .table_name(table)
        .set_key(Some(keys::user(&record.user.id).to_attributes()))
        .condition_expression("#version = :expected")
        .expression_attribute_names("#version", VERSION)
        .expression_attribute_values(":expected", n(record.version))
        .build()
        .map_err(AppError::internal)?;
    let mut transaction = Transaction::new();
    transaction.push(
        DeleteAction::User,
        TransactWriteItem::builder().delete(user).build(),
    );
    transaction.push(
        DeleteAction::EmailClaim,
        release_claim(table, &record.user.email, &record.user.id)?,
    );
    for family in families {
        let session = Delete::builder()
            .table_name(table)
            .set_key(Some(keys::session(family).to_attributes()))
            .build()
            .map_err(AppError::internal)?;
        transaction.push(
            DeleteAction::Session,
            TransactWriteItem::builder().delete(session).build(),
        );
    }
    Ok(transaction)
}

/// Deletes an email claim, on condition that `owner` holds it.
fn release_claim(
    table: &str,
    email: &Email,
    owner: &UserId,
) -> Result<TransactWriteItem, AppError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(keys::email_claim(email).to_attributes()))
        .condition_expression("#userId = :owner")
        .expression_attribute_names("#userId", USER_ID)
        .expression_attribute_values(":owner", s(owner.to_string()))
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// The whole user item, as every write of a user puts it: with its user directory entry
/// (`gsi2`), so an update (a whole-item put) keeps the user listed.
fn user_item(record: &UserRecord) -> Item {
    let user = &record.user;
    let key = keys::user(&user.id);
    let mut item = Item::from([
        (PK.to_owned(), s(key.pk)),
        (SK.to_owned(), s(key.sk)),
        (TYPE.to_owned(), s(item_type::USER)),
        (ID.to_owned(), s(user.id.to_string())),
        (NAME.to_owned(), s(user.name.as_str())),
        (EMAIL.to_owned(), s(user.email.as_str())),
        (
            ROLES.to_owned(),
            string_list(user.roles.iter().map(|r| r.as_str())),
        ),
        (
            PASSWORD_HASH.to_owned(),
            s(record.password_hash.expose_secret()),
        ),
        (VERSION.to_owned(), n(record.version)),
        (SESSION_VERSION.to_owned(), n(record.session_version)),
        (CREATED_AT.to_owned(), s(user.created_at.to_rfc3339())),
        (UPDATED_AT.to_owned(), s(user.updated_at.to_rfc3339())),
    ]);
    item.extend(keys::user_directory_entry(&user.id).to_list_attributes());
    item
}

fn email_claim_item(email: &Email, owner: &UserId) -> Item {
    let key = keys::email_claim(email);
    Item::from([
        (PK.to_owned(), s(key.pk)),
        (SK.to_owned(), s(key.sk)),
        (TYPE.to_owned(), s(item_type::EMAIL_CLAIM)),
        (USER_ID.to_owned(), s(owner.to_string())),
    ])
}

pub(super) fn user_from_item(item: &Item) -> Result<UserRecord, AppError> {
    let read = ItemReader::new(item, item_type::USER);
    let mut roles = read
        .strings(ROLES)?
        .into_iter()
        .map(|role| {
            Role::parse(role).ok_or_else(|| AppError::internal("corrupt user item: unknown role"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort_unstable();
    roles.dedup();
    Ok(UserRecord {
        user: User {
            id: read.parsed(ID, UserId::parse)?,
            name: read.parsed(NAME, |v| UserName::parse(v).ok())?,
            email: read.parsed(EMAIL, |v| Email::parse(v).ok())?,
            roles,
            created_at: read.parsed(CREATED_AT, Timestamp::parse)?,
            updated_at: read.parsed(UPDATED_AT, Timestamp::parse)?,
        },
        password_hash: PasswordHash::from_phc(read.string(PASSWORD_HASH)?.to_owned()),
        version: read.number(VERSION)?,
        session_version: read.number(SESSION_VERSION)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_items_round_trip() {
        let record = UserRecord::new(
            UserName::parse("Ada").unwrap(),
            Email::parse("Ada@Example.com").unwrap(),
            PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        );
        let back = user_from_item(&user_item(&record)).unwrap();
        assert_eq!(back.user, record.user);
        assert_eq!(
            back.password_hash.expose_secret(),
            record.password_hash.expose_secret()
        );
        assert_eq!(back.version, 1);
    }

    fn record(email: &str) -> UserRecord {
        UserRecord::new(
            UserName::parse("Ada").unwrap(),
            Email::parse(email).unwrap(),
            PasswordHash::from_phc("x".into()),
        )
    }

    #[test]
    fn each_action_of_the_user_transactions_is_named_for_what_it_writes() {
        let ada = record("ada@example.com");
        let (user, claim) = (
            keys::user(&ada.user.id).pk,
            keys::email_claim(&ada.user.email).pk,
        );
        assert_eq!(
            sign_up_transaction("t", &ada).unwrap().targets(),
            [
                (SignUpAction::User, user.clone()),
                (SignUpAction::EmailClaim, claim.clone()),
            ]
        );

        let mut next = ada.clone();
        next.user.email = Email::parse("ada@example.org").unwrap();
        let moved = UserUpdate {
            current: ada.clone(),
            next: next.clone(),
        };
        assert_eq!(
            update_transaction("t", &moved).unwrap().targets(),
            [
                (UpdateAction::User, user.clone()),
                (
                    UpdateAction::NewClaim,
                    keys::email_claim(&next.user.email).pk
                ),
                (UpdateAction::OldClaim, claim.clone()),
            ]
        );
        next.user.email = Email::parse("ADA@example.com").unwrap();
        let same_claim = UserUpdate {
            current: ada.clone(),
            next,
        };
        assert_eq!(
            update_transaction("t", &same_claim).unwrap().targets(),
            [(UpdateAction::User, user.clone())]
        );

        let family = FamilyId::new();
        assert_eq!(
            delete_transaction("t", &ada, &[family]).unwrap().targets(),
            [
                (DeleteAction::User, user),
                (DeleteAction::EmailClaim, claim),
                (DeleteAction::Session, keys::session(&family).pk),
            ]
        );
    }

    /// The item the transaction's first action (the user) puts.
    fn user_put<A: Copy>(transaction: &Transaction<A>) -> Item {
        let client = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version_latest()
                .build(),
        );
        let request = transaction.request(&client);
        let actions = request.get_transact_items().as_ref().unwrap();
        actions[0].put().expect("the user is put").item().clone()
    }

    #[test]
    fn sign_up_and_every_update_put_the_user_in_the_directory() {
        let ada = record("ada@example.com");
        let mut next = ada.clone();
        next.version += 1;
        let update = UserUpdate {
            current: ada.clone(),
            next,
        };
        let entry = keys::user_directory_entry(&ada.user.id).to_list_attributes();
        for put in [
            user_put(&sign_up_transaction("t", &ada).unwrap()),
            user_put(&update_transaction("t", &update).unwrap()),
        ] {
            for (name, value) in &entry {
                assert_eq!(put.get(name), Some(value), "{name}");
            }
        }
    }

    #[test]
    fn a_corrupt_item_is_internal_and_names_the_attribute() {
        let mut item = user_item(&UserRecord::new(
            UserName::parse("Ada").unwrap(),
            Email::parse("ada@example.com").unwrap(),
            PasswordHash::from_phc("x".into()),
        ));
        item.remove(CREATED_AT);
        let error = user_from_item(&item).unwrap_err();
        assert_eq!(error.code(), "INTERNAL");
        assert!(error.source_chain().contains(CREATED_AT));
    }
}
