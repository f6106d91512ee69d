//! `PATCH /users/{id}` against DynamoDB Local.

use futures::future::join_all;
use serde_json::{Value, json};
use shared::auth::{RefreshToken, refresh_session};
use shared::domain::{Email, FromJsonField, Password, User, unix_now};
use shared::http::serve;
use shared::store::{LoginFailures, LoginWindow};
use shared::test_support::{ApiEvent, TEST_PASSWORD, TestApp, TestResponse};
use shared::{App, AppError};
use update_user::handle;

/// The source IP of `patch`'s requests.
const IP: &str = "198.51.100.1";

async fn patch(app: &TestApp, caller: &User, target: &User, body: Value) -> TestResponse {
    patch_from(IP, app, caller, target, body).await
}

async fn patch_from(
    ip: &str,
    app: &TestApp,
    caller: &User,
    target: &User,
    body: Value,
) -> TestResponse {
    let event = ApiEvent::new("PATCH /users/{id}", &format!("/users/{}", target.id))
        .source_ip(ip)
        .bearer(&app.token(caller))
        .json(&body);
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

async fn claim_owner(app: &TestApp, email: &str) -> Option<shared::domain::UserId> {
    app.direct
        .store
        .find_user_id_by_email(&Email::parse(email).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_user_renames_themself() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let response = patch(&app, &ada, &ada, json!({"name": "Ada King"})).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.body["data"]["name"], "Ada King");
    assert_ne!(
        response.body["data"]["updatedAt"],
        response.body["data"]["createdAt"]
    );
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!(stored.user.name.as_str(), "Ada King");
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn an_email_change_moves_the_claim_and_frees_the_old_email_at_once() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let response = patch(
        &app,
        &ada,
        &ada,
        json!({"email": "Ada@New.example", "currentPassword": TEST_PASSWORD}),
    )
    .await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.body["data"]["email"], "Ada@New.example");
    assert_eq!(claim_owner(&app, "ada@new.example").await, Some(ada.id));
    assert_eq!(claim_owner(&app, "ada@example.com").await, None);
    // Someone else can register the old address right away.
    let other = app.user("Other", "ada@example.com").await;
    assert_eq!(claim_owner(&app, "ada@example.com").await, Some(other.id));
}

#[tokio::test]
async fn own_email_or_password_changes_need_the_current_password() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    for body in [
        json!({"email": "new@example.com"}),
        json!({"password": "a brand new password"}),
    ] {
        let missing = patch(&app, &ada, &ada, body.clone()).await;
        assert_eq!(
            (missing.status, missing.code()),
            (400, "VALIDATION_FAILED"),
            "{body}"
        );
        assert_eq!(missing.error_fields(), ["currentPassword"]);
        let mut wrong_body = body.clone();
        wrong_body["currentPassword"] = json!("not my password");
        let wrong = patch(&app, &ada, &ada, wrong_body).await;
        assert_eq!(
            (wrong.status, wrong.code()),
            (401, "INVALID_CREDENTIALS"),
            "{body}"
        );
    }
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1, "nothing was written");
}

#[tokio::test]
async fn a_taken_email_is_409_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    app.user("Bob", "bob@example.com").await;
    let response = patch(
        &app,
        &ada,
        &ada,
        json!({"name": "X", "email": "BOB@example.com", "currentPassword": TEST_PASSWORD}),
    )
    .await;
    assert_eq!((response.status, response.code()), (409, "EMAIL_TAKEN"));
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.user.name.as_str(), stored.user.email.as_str()),
        ("Ada", "ada@example.com")
    );
    assert_eq!(claim_owner(&app, "ada@example.com").await, Some(ada.id));
}

#[tokio::test]
async fn admins_change_names_and_emails_of_anyone_but_not_passwords() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let admin = app.admin("root@example.com").await;
    let renamed = patch(
        &app,
        &admin,
        &ada,
        json!({"name": "Ada L.", "email": "ada.l@example.com"}),
    )
    .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    assert_eq!(claim_owner(&app, "ada.l@example.com").await, Some(ada.id));
    let password = patch(
        &app,
        &admin,
        &ada,
        json!({"password": "admin-chosen password"}),
    )
    .await;
    assert_eq!((password.status, password.code()), (403, "FORBIDDEN"));
    let with_current = patch(
        &app,
        &admin,
        &ada,
        json!({"name": "Y", "currentPassword": "x"}),
    )
    .await;
    assert_eq!(with_current.error_fields(), ["currentPassword"]);
}

#[tokio::test]
async fn others_are_forbidden_and_bodies_are_validated() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;
    let forbidden = patch(&app, &bob, &ada, json!({"name": "Mallory"})).await;
    assert_eq!((forbidden.status, forbidden.code()), (403, "FORBIDDEN"));
    let nothing = patch(&app, &ada, &ada, json!({})).await;
    assert_eq!((nothing.status, nothing.code()), (400, "VALIDATION_FAILED"));
    let roles = patch(&app, &ada, &ada, json!({"name": "Ada", "roles": ["admin"]})).await;
    assert_eq!(roles.error_fields(), ["roles"]);
    let short = patch(
        &app,
        &ada,
        &ada,
        json!({"password": "short", "currentPassword": TEST_PASSWORD}),
    )
    .await;
    assert_eq!(short.error_fields(), ["password"]);
}

#[tokio::test]
async fn a_password_change_ends_every_session_and_the_new_password_works() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let phone = app.session(&ada).await.refresh_token;
    let laptop = app.session(&ada).await.refresh_token;
    let changed = patch(
        &app,
        &ada,
        &ada,
        json!({"password": "a brand new password", "currentPassword": TEST_PASSWORD}),
    )
    .await;
    assert_eq!(changed.status, 200);
    for token in [&phone, &laptop] {
        let refreshed =
            refresh_session(&app.direct, &RefreshToken::from_json(json!(token)).unwrap()).await;
        assert_eq!(refreshed.unwrap_err().code(), "INVALID_REFRESH_TOKEN");
    }
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    let new = Password::parse("a brand new password".into()).unwrap();
    assert!(
        app.app
            .passwords
            .verify(&new, &stored.password_hash)
            .await
            .unwrap()
    );
    // A session begun after the change works.
    let fresh = app.session(&ada).await.refresh_token;
    assert!(
        refresh_session(&app.direct, &RefreshToken::from_json(json!(fresh)).unwrap())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn swapping_emails_at_once_never_leaves_one_claimed_twice_or_by_nobody() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        let (a, b) = (
            format!("a{round}@example.com"),
            format!("b{round}@example.com"),
        );
        let ann = app.user("Ann", &a).await;
        let ben = app.user("Ben", &b).await;
        let (ann_takes_b, ben_takes_a) = futures::join!(
            patch(
                &app,
                &ann,
                &ann,
                json!({"email": b, "currentPassword": TEST_PASSWORD})
            ),
            patch(
                &app,
                &ben,
                &ben,
                json!({"email": a, "currentPassword": TEST_PASSWORD})
            ),
        );
        assert!(
            !(ann_takes_b.status == 200 && ben_takes_a.status == 200),
            "both swapped"
        );
        let ann_now = app
            .direct
            .store
            .find_user(&ann.id)
            .await
            .unwrap()
            .unwrap()
            .user;
        let ben_now = app
            .direct
            .store
            .find_user(&ben.id)
            .await
            .unwrap()
            .unwrap()
            .user;
        // Every user holds the claim of their email, and no email is held by anyone else.
        assert_eq!(
            claim_owner(&app, ann_now.email.as_str()).await,
            Some(ann.id)
        );
        assert_eq!(
            claim_owner(&app, ben_now.email.as_str()).await,
            Some(ben.id)
        );
        assert_ne!(ann_now.email.normalized(), ben_now.email.normalized());
    }
}

#[tokio::test]
async fn concurrent_updates_of_one_user_are_never_lost() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let names: Vec<String> = (0..8).map(|i| format!("Name {i}")).collect();
    let responses = join_all(
        names
            .iter()
            .map(|name| patch(&app, &ada, &ada, json!({"name": name}))),
    )
    .await;
    let applied = responses.iter().filter(|r| r.status == 200).count();
    assert!(
        responses
            .iter()
            .all(|r| r.status == 200 || r.code() == "CONFLICT")
    );
    assert!(applied >= 1);
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!(
        stored.version,
        1 + applied as u64,
        "each success moved the version once"
    );
    assert!(names.contains(&stored.user.name.as_str().to_owned()));
}

#[tokio::test]
async fn unknown_users_are_404_for_admins() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let ghost = shared::domain::UserRecord::new(
        shared::domain::UserName::parse("Ghost").unwrap(),
        Email::parse("ghost@example.com").unwrap(),
        shared::domain::PasswordHash::from_phc(String::new()),
    )
    .user;
    let response = patch(&app, &admin, &ghost, json!({"name": "Boo"})).await;
    assert_eq!((response.status, response.code()), (404, "NOT_FOUND"));
}

// Login throttling: a `currentPassword` is checked on login's counters.

fn window(app: &App) -> (LoginWindow, u64) {
    let now = unix_now();
    (LoginWindow::at(now, &app.config.login_limits), now)
}

/// The failures counted now against an email and an IP, as login reads them.
async fn failures(app: &TestApp, email: &str, ip: &str) -> LoginFailures {
    let (window, _) = window(&app.direct);
    let email = Email::parse(email).unwrap();
    app.direct
        .store
        .login_lookup(&email, ip, window)
        .await
        .unwrap()
        .failures
}

/// Login's own check, built from the shared store as login builds it: `Err` once it would
/// answer 429 whatever the password.
async fn login_check(app: &TestApp, email: &str, ip: &str) -> Result<(), AppError> {
    let (window, now) = window(&app.direct);
    let limits = app.direct.config.login_limits;
    failures(app, email, ip)
        .await
        .refuse_if_over(&limits, window, now)
}

fn assert_rate_limited(response: &TestResponse) {
    assert_eq!(
        (response.status, response.code()),
        (429, "RATE_LIMITED"),
        "{:?}",
        response.body
    );
    let retry_after: u64 = response.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn five_wrong_current_passwords_lock_the_account_even_for_the_right_one() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    for _ in 0..5 {
        let wrong = patch(
            &app,
            &ada,
            &ada,
            json!({"email": "new@example.com", "currentPassword": "not my password"}),
        )
        .await;
        assert_eq!((wrong.status, wrong.code()), (401, "INVALID_CREDENTIALS"));
    }
    // The account's email counts, not the one being set.
    assert_eq!(
        failures(&app, "new@example.com", "192.0.2.1")
            .await
            .by_email,
        0
    );

    // From another IP too, since the email's count is reached.
    let right = patch_from(
        "192.0.2.1",
        &app,
        &ada,
        &ada,
        json!({"email": "new@example.com", "currentPassword": TEST_PASSWORD}),
    )
    .await;
    assert_rate_limited(&right);
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1, "nothing was written");

    // Changes that check no password are not throttled: a name, or an admin's edit.
    let renamed = patch(&app, &ada, &ada, json!({"name": "Ada King"})).await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let admin = app.admin("root@example.com").await;
    let by_admin = patch(&app, &admin, &ada, json!({"email": "ada.k@example.com"})).await;
    assert_eq!(by_admin.status, 200, "{:?}", by_admin.body);
}

#[tokio::test]
async fn wrong_current_passwords_and_failed_logins_share_one_count() {
    let app = TestApp::spawn().await;
    let limits = app.direct.config.login_limits;

    // Wrong current passwords lock login for that email, from any IP.
    let ada = app.user("Ada", "ada@example.com").await;
    assert!(
        login_check(&app, "ada@example.com", "192.0.2.1")
            .await
            .is_ok()
    );
    for _ in 0..limits.per_email {
        let wrong = patch(
            &app,
            &ada,
            &ada,
            json!({"password": "a brand new password", "currentPassword": "wrong"}),
        )
        .await;
        assert_eq!(wrong.status, 401);
    }
    let login = login_check(&app, "ada@example.com", "192.0.2.1").await;
    assert!(
        matches!(login, Err(AppError::RateLimited { .. })),
        "{login:?}"
    );

    // And failed logins lock the current password check.
    let bob = app.user("Bob", "bob@example.com").await;
    let email = Email::parse("bob@example.com").unwrap();
    let (window, _) = window(&app.direct);
    for _ in 0..limits.per_email {
        app.direct
            .store
            .record_login_failure(&email, "192.0.2.2", window)
            .await
            .unwrap();
    }
    let right = patch(
        &app,
        &bob,
        &bob,
        json!({"password": "a brand new password", "currentPassword": TEST_PASSWORD}),
    )
    .await;
    assert_rate_limited(&right);
}

#[tokio::test]
async fn twenty_wrong_current_passwords_lock_the_source_ip() {
    let app = TestApp::spawn().await;
    let limits = app.direct.config.login_limits;
    // Spread over accounts, so no email reaches its own limit.
    let per_account = limits.per_email - 1;
    let accounts = limits.per_ip.div_ceil(per_account);
    for i in 0..accounts {
        let user = app.user("Guess", &format!("guess{i}@example.com")).await;
        for _ in 0..per_account {
            let body = json!({"name": "X", "currentPassword": "wrong"});
            let wrong = patch_from("198.51.100.7", &app, &user, &user, body).await;
            assert_eq!(wrong.status, 401);
        }
    }
    assert!(accounts * per_account >= limits.per_ip);

    let ada = app.user("Ada", "ada@example.com").await;
    let body = json!({"email": "ada.k@example.com", "currentPassword": TEST_PASSWORD});
    let locked = patch_from("198.51.100.7", &app, &ada, &ada, body.clone()).await;
    assert_rate_limited(&locked);
    let elsewhere = patch_from("198.51.100.8", &app, &ada, &ada, body).await;
    assert_eq!(elsewhere.status, 200, "{:?}", elsewhere.body);
}

#[tokio::test]
async fn right_current_passwords_do_not_count() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let limits = app.direct.config.login_limits;
    let attempt = |password: &str| {
        let body = json!({"name": "Ada K", "currentPassword": password});
        patch(&app, &ada, &ada, body)
    };
    for _ in 1..limits.per_email {
        assert_eq!(attempt("wrong").await.status, 401);
    }
    for _ in 0..3 {
        assert_eq!(attempt(TEST_PASSWORD).await.status, 200);
    }
    let counted = failures(&app, "ada@example.com", IP).await;
    assert_eq!(counted.by_email, limits.per_email - 1);
    // The last failure the limit allows, then the lock.
    assert_eq!(attempt("wrong").await.status, 401);
    assert_rate_limited(&attempt(TEST_PASSWORD).await);
}

async fn patch_if_match(
    app: &TestApp,
    caller: &User,
    target: &User,
    if_match: &str,
    body: Value,
) -> TestResponse {
    let event = ApiEvent::new("PATCH /users/{id}", &format!("/users/{}", target.id))
        .source_ip(IP)
        .bearer(&app.token(caller))
        .header("if-match", if_match)
        .json(&body);
    serve(event.build(), |req| handle(&app.app, req))
        .await
        .into()
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let admin = app.admin("root@example.com").await;
    // Someone else edits first: Ada's copy (v1) is stale.
    let edited = patch(&app, &admin, &ada, json!({"name": "Ada (by admin)"})).await;
    assert_eq!(edited.header("etag"), Some("\"v2\""));

    for stale in ["\"v1\"", "\"v1\", \"v3\"", "W/\"v2\"", "\"something-else\""] {
        let response = patch_if_match(
            &app,
            &ada,
            &ada,
            stale,
            json!({"name": "Ada's rename", "email": "ada@new.example", "currentPassword": TEST_PASSWORD}),
        )
        .await;
        assert_eq!(
            (response.status, response.code()),
            (412, "PRECONDITION_FAILED"),
            "{stale}"
        );
    }
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.user.name.as_str(),
            stored.user.email.as_str(),
            stored.version
        ),
        ("Ada (by admin)", "ada@example.com", 2),
        "nothing written"
    );
    assert_eq!(claim_owner(&app, "ada@new.example").await, None);
}

#[tokio::test]
async fn the_current_etag_or_star_in_if_match_writes_and_answers_the_new_etag() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let current = patch_if_match(&app, &ada, &ada, "\"v1\"", json!({"name": "Ada K"})).await;
    assert_eq!(current.status, 200, "{:?}", current.body);
    assert_eq!(current.header("etag"), Some("\"v2\""));
    let listed = patch_if_match(&app, &ada, &ada, "\"v9\", \"v2\"", json!({"name": "Ada L"})).await;
    assert_eq!(listed.header("etag"), Some("\"v3\""));
    let any = patch_if_match(&app, &ada, &ada, "*", json!({"name": "Ada M"})).await;
    assert_eq!(any.header("etag"), Some("\"v4\""));
    let without = patch(&app, &ada, &ada, json!({"name": "Ada N"})).await;
    assert_eq!(without.status, 200);
    assert_eq!(without.header("etag"), Some("\"v5\""));
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!((stored.user.name.as_str(), stored.version), ("Ada N", 5));
}

#[tokio::test]
async fn of_concurrent_updates_naming_one_version_exactly_one_is_written() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    let responses = join_all((0..5).map(|n| {
        patch_if_match(
            &app,
            &ada,
            &ada,
            "\"v1\"",
            json!({"name": format!("Ada {n}")}),
        )
    }))
    .await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 412, 412, 412, 412]);
    let winner = responses.iter().find(|r| r.status == 200).unwrap();
    let stored = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(winner.body["data"]["name"], stored.user.name.as_str());
}
