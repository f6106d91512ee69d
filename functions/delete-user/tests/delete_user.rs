//! `DELETE /users/{id}` against DynamoDB Local.

use serde_json::json;
use shared::auth::{RefreshToken, refresh_session};
use shared::domain::{Email, FromJsonField, User};
use shared::http::serve;
use shared::test_support::{ApiEvent, TestApp, TestResponse};

async fn delete(app: &TestApp, caller: Option<&User>, target: &User) -> TestResponse {
    let mut event = ApiEvent::new("DELETE /users/{id}", &format!("/users/{}", target.id));
    if let Some(caller) = caller {
        event = event.bearer(&app.token(caller));
    }
    serve(event.build(), |req| delete_user::handle(&app.app, req))
        .await
        .into()
}

#[tokio::test]
async fn deleting_yourself_removes_user_claim_and_sessions_but_keeps_orders() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let refresh = app.session(&ada).await.refresh_token;
    let tea = app.product("Tea", 450, 5).await;
    let order = app.order(&ada, &tea, 1).await;

    let response = delete(&app, Some(&ada), &ada).await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_null());

    assert!(app.direct.store.find_user(&ada.id).await.unwrap().is_none());
    let email = Email::parse("ada@example.com").unwrap();
    assert_eq!(
        app.direct
            .store
            .find_user_id_by_email(&email)
            .await
            .unwrap(),
        None
    );
    assert!(
        app.direct
            .store
            .user_session_families(&ada.id)
            .await
            .unwrap()
            .is_empty()
    );
    let refreshed = refresh_session(
        &app.direct,
        &RefreshToken::from_json(json!(refresh)).unwrap(),
    )
    .await;
    assert_eq!(refreshed.unwrap_err().code(), "INVALID_REFRESH_TOKEN");
    // Orders are history: they stay.
    assert!(
        app.direct
            .store
            .find_order(&order.id)
            .await
            .unwrap()
            .is_some()
    );
    // The email is free again at once.
    app.user("Ada again", "ADA@example.com").await;
}

#[tokio::test]
async fn admins_delete_anyone_others_may_not() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    let admin = app.admin("root@example.com").await;
    let forbidden = delete(&app, Some(&bob), &ada).await;
    assert_eq!((forbidden.status, forbidden.code()), (403, "FORBIDDEN"));
    assert_eq!(delete(&app, None, &ada).await.status, 401);
    assert_eq!(delete(&app, Some(&admin), &ada).await.status, 204);
    let again = delete(&app, Some(&admin), &ada).await;
    assert_eq!((again.status, again.code()), (404, "NOT_FOUND"));
    assert!(app.direct.store.find_user(&bob.id).await.unwrap().is_some());
}

#[tokio::test]
async fn many_sessions_all_go() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    for _ in 0..105 {
        app.session(&ada).await;
    }
    assert_eq!(
        app.direct
            .store
            .user_session_families(&ada.id)
            .await
            .unwrap()
            .len(),
        105
    );
    assert_eq!(delete(&app, Some(&ada), &ada).await.status, 204);
    assert!(
        app.direct
            .store
            .user_session_families(&ada.id)
            .await
            .unwrap()
            .is_empty()
    );
}
