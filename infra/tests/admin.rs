//! Admin bootstrap against DynamoDB Local.

use infra::{AdminBootstrap, BootstrapError, bootstrap_admin};
use shared::domain::{Email, Password, Role, UserName};
use shared::test_support::{TEST_PASSWORD, TestApp};

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

#[tokio::test]
async fn creates_an_admin_who_can_sign_in_with_the_password() {
    let app = TestApp::spawn().await;
    let password = Password::parse("a strong admin password".into()).unwrap();
    let name = UserName::parse("Root").unwrap();
    let outcome = bootstrap_admin(
        &app.app.store,
        &app.app.passwords,
        &email("root@example.com"),
        Some(&password),
        &name,
    )
    .await
    .unwrap();
    let AdminBootstrap::Created(user) = outcome else {
        panic!("expected Created, got {outcome:?}")
    };
    assert_eq!(user.roles, [Role::User, Role::Admin]);
    let stored = app.app.store.find_user(&user.id).await.unwrap().unwrap();
    assert_eq!(stored.user.roles, [Role::User, Role::Admin]);
    assert!(
        app.app
            .passwords
            .verify(&password, &stored.password_hash)
            .await
            .unwrap()
    );
    // Its email is claimed like any sign-up's.
    assert_eq!(
        app.app
            .store
            .find_user_id_by_email(&email("ROOT@example.com"))
            .await
            .unwrap(),
        Some(user.id)
    );
}

#[tokio::test]
async fn promotes_an_existing_account_and_keeps_its_password() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let name = UserName::parse("ignored").unwrap();
    let outcome = bootstrap_admin(
        &app.app.store,
        &app.app.passwords,
        &email("Ada@example.com"),
        None,
        &name,
    )
    .await
    .unwrap();
    assert!(
        matches!(outcome, AdminBootstrap::Promoted(ref user) if user.id == ada.id),
        "{outcome:?}"
    );
    let stored = app.app.store.find_user(&ada.id).await.unwrap().unwrap();
    assert!(stored.user.is_admin());
    assert_eq!(stored.user.name.as_str(), "Ada");
    let password = Password::parse(TEST_PASSWORD.into()).unwrap();
    assert!(
        app.app
            .passwords
            .verify(&password, &stored.password_hash)
            .await
            .unwrap()
    );

    let again = bootstrap_admin(
        &app.app.store,
        &app.app.passwords,
        &email("ada@example.com"),
        None,
        &name,
    )
    .await
    .unwrap();
    assert!(
        matches!(again, AdminBootstrap::AlreadyAdmin(_)),
        "{again:?}"
    );
}

#[tokio::test]
async fn creating_needs_a_password() {
    let app = TestApp::spawn().await;
    let name = UserName::parse("Root").unwrap();
    let error = bootstrap_admin(
        &app.app.store,
        &app.app.passwords,
        &email("new@example.com"),
        None,
        &name,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, BootstrapError::PasswordNeeded));
    assert_eq!(
        app.app
            .store
            .find_user_id_by_email(&email("new@example.com"))
            .await
            .unwrap(),
        None
    );
}

/// Users and products stored before the lists existed (no `gsi2` entry) are listed after the
/// backfill; archived products stay out; a second run changes nothing.
#[tokio::test]
async fn the_backfill_lists_what_was_stored_before_the_lists() {
    use shared::store::attrs::{ARCHIVED_AT, GSI2_PK, GSI2_SK};
    use shared::store::keys;

    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let tea = app.product("Tea", 100, 5).await;
    let old = app.product("Old", 100, 5).await;
    let store = &app.direct.store;
    // As a table written before the lists: no entries; one product archived back then.
    for key in [
        keys::user(&ada.id),
        keys::product(&tea.id),
        keys::product(&old.id),
    ] {
        store
            .client()
            .update_item()
            .table_name(&app.table)
            .set_key(Some(key.to_attributes()))
            .update_expression("REMOVE #pk2, #sk2")
            .expression_attribute_names("#pk2", GSI2_PK)
            .expression_attribute_names("#sk2", GSI2_SK)
            .send()
            .await
            .unwrap();
    }
    store
        .client()
        .update_item()
        .table_name(&app.table)
        .set_key(Some(keys::product(&old.id).to_attributes()))
        .update_expression("SET #archived = :at")
        .expression_attribute_names("#archived", ARCHIVED_AT)
        .expression_attribute_values(
            ":at",
            aws_sdk_dynamodb::types::AttributeValue::S("2026-01-01T00:00:00.000Z".into()),
        )
        .send()
        .await
        .unwrap();
    let listed = |key: keys::Key| is_listed(store, key);
    assert!(!listed(keys::user(&ada.id)).await);

    let done = infra::backfill_list_entries(store).await.unwrap();
    assert_eq!(
        done,
        infra::Backfill {
            users: 1,
            products: 1
        }
    );
    assert!(listed(keys::user(&ada.id)).await);
    assert!(listed(keys::product(&tea.id)).await);
    assert!(!listed(keys::product(&old.id)).await, "archived stays out");
    let again = infra::backfill_list_entries(store).await.unwrap();
    assert_eq!(again, infra::Backfill::default());
}

/// Whether the stored item under `key` has its list (`gsi2`) entry.
async fn is_listed(store: &shared::store::Store, key: shared::store::keys::Key) -> bool {
    let item = store
        .client()
        .get_item()
        .table_name(store.table_name())
        .set_key(Some(key.to_attributes()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    item.contains_key(shared::store::attrs::GSI2_PK)
}
