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
