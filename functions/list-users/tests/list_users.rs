//! `GET /users` against DynamoDB Local: the user directory, newest first, by cursor; or one user
//! by email.

use list_users::handle;
use serde_json::Value;
use shared::App;
use shared::domain::{OrderId, ProductId, User, UserName};
use shared::http::serve;
use shared::pagination::CursorList;
use shared::store::UserUpdate;
use shared::test_support::{ApiEvent, Fault, FaultProxy, TestApp, TestResponse};

async fn list_with(app: &App, token: Option<&str>, query: &str) -> TestResponse {
    let mut event = ApiEvent::new("GET /users", &format!("/users{query}"));
    if let Some(token) = token {
        event = event.bearer(token);
    }
    serve(event.build(), |req| handle(app, req)).await.into()
}

async fn list(app: &TestApp, caller: &User, query: &str) -> TestResponse {
    list_with(&app.app, Some(&app.token(caller)), query).await
}

fn ids(response: &TestResponse) -> Vec<String> {
    response.body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {:?}", response.body))
        .iter()
        .map(|user| user["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every user the response lists shows exactly the public fields.
fn assert_public_fields_only(response: &TestResponse) {
    for user in response.body["data"].as_array().unwrap() {
        let mut keys: Vec<&str> = user
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            ["createdAt", "email", "id", "name", "roles", "updatedAt"]
        );
    }
}

/// Every page of the directory as `caller` sees it with `limit`, concatenated, and the number
/// of pages.
async fn all_pages(app: &TestApp, caller: &User, limit: u32) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut query = format!("?limit={limit}");
    let mut pages = 0;
    loop {
        let page = list(app, caller, &query).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        assert_eq!(page.body["pagination"]["limit"], limit);
        assert!(ids(&page).len() <= limit as usize);
        assert_public_fields_only(&page);
        pages += 1;
        seen.extend(ids(&page));
        match page.body["pagination"]["nextCursor"].as_str() {
            Some(cursor) => query = format!("?limit={limit}&cursor={cursor}"),
            None => return (seen, pages),
        }
    }
}

#[tokio::test]
async fn pages_through_every_user_once_newest_first() {
    let app = TestApp::spawn().await;
    let mut created = vec![app.admin("root@example.com").await];
    for n in 0..9 {
        created.push(
            app.user(&format!("User {n}"), &format!("u{n}@example.com"))
                .await,
        );
    }
    let admin = created[0].clone();
    let newest_first: Vec<String> = created.iter().rev().map(|u| u.id.to_string()).collect();

    let (seen, pages) = all_pages(&app, &admin, 2).await;
    assert_eq!(seen, newest_first, "all 10 exactly once, newest first");
    assert_eq!(pages, 5, "no empty page at the end");
    let (seen, pages) = all_pages(&app, &admin, 3).await;
    assert_eq!((seen, pages), (newest_first.clone(), 4));

    let first = list(&app, &admin, "").await;
    assert_eq!(first.body["pagination"]["limit"], 20, "the default");
    assert_eq!(ids(&first), newest_first);
    assert!(first.body["pagination"]["nextCursor"].is_null());
    assert_eq!(first.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn an_edited_user_stays_listed_and_a_deleted_one_leaves() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let ada = app.user("Ada", "ada@example.com").await;
    let bob = app.user("Bob", "bob@example.com").await;

    let current = app.direct.store.find_user(&ada.id).await.unwrap().unwrap();
    let mut next = current.clone();
    next.user.name = UserName::parse("Ada King").unwrap();
    next.version += 1;
    app.direct
        .store
        .update_user(&UserUpdate { current, next })
        .await
        .unwrap();
    let bob_record = app.direct.store.find_user(&bob.id).await.unwrap().unwrap();
    app.direct
        .store
        .delete_user(&bob_record, &[])
        .await
        .unwrap();

    let page = list(&app, &admin, "").await;
    assert_eq!(ids(&page), [ada.id.to_string(), admin.id.to_string()]);
    assert_eq!(page.body["data"][0]["name"], "Ada King");
}

#[tokio::test]
async fn tampered_foreign_and_other_lists_cursors_and_bad_limits_are_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let other_admin = app.admin("other@example.com").await;
    let ada = app.user("Ada", "ada@example.com").await;
    let page = list(&app, &admin, "?limit=1").await;
    let cursor = page.body["pagination"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        list(&app, &admin, &format!("?limit=1&cursor={cursor}"))
            .await
            .status,
        200
    );

    let mut tampered = cursor.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    // Cursors this API issued for other lists, naming a real user id.
    let keys = app.direct.tokens.cursor_key().await.unwrap();
    let of_orders = keys.encode(&admin.id, &OrderId::parse(&ada.id.to_string()).unwrap());
    let of_catalogue = keys.encode_in(
        CursorList::Catalogue,
        &ProductId::parse(&ada.id.to_string()).unwrap(),
    );
    for (caller, query) in [
        (&admin, format!("?cursor={tampered}")),
        (&other_admin, format!("?cursor={cursor}")),
        (&admin, format!("?cursor={of_orders}")),
        (&admin, format!("?cursor={of_catalogue}")),
        (&admin, "?cursor=garbage".to_owned()),
    ] {
        let response = list(&app, caller, &query).await;
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{query}"
        );
        assert_eq!(response.error_fields(), ["cursor"], "{query}");
    }
    for limit in ["0", "101", "ten", "-1", "2.5"] {
        let response = list(&app, &admin, &format!("?limit={limit}")).await;
        assert_eq!(response.error_fields(), ["limit"], "{limit}");
    }
    assert_eq!(list(&app, &admin, "?limit=100").await.status, 200);
}

#[tokio::test]
async fn email_finds_the_one_user_in_any_letter_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let ada = app.user("Ada", "Ada.Lovelace@Example.com").await;
    app.user("Bob", "bob@example.com").await;

    for query in [
        "?email=ada.lovelace@example.com",
        "?email=ADA.LOVELACE@EXAMPLE.COM",
        "?email=Ada.Lovelace@Example.com&cursor=ignored",
    ] {
        let found = list(&app, &admin, query).await;
        assert_eq!(found.status, 200, "{query}: {:?}", found.body);
        assert_eq!(ids(&found), [ada.id.to_string()], "{query}");
        assert_eq!(found.body["data"][0]["email"], "Ada.Lovelace@Example.com");
        assert_eq!(
            found.body["pagination"],
            serde_json::json!({"limit": 20, "nextCursor": null})
        );
        assert_public_fields_only(&found);
    }
    let unknown = list(&app, &admin, "?email=nobody@example.com").await;
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.body["data"], Value::Array(vec![]));
    assert!(unknown.body["pagination"]["nextCursor"].is_null());

    for bad in ["not-an-email", "", "a@"] {
        let response = list(&app, &admin, &format!("?email={bad}")).await;
        assert_eq!(
            (response.status, response.code()),
            (400, "VALIDATION_FAILED"),
            "{bad:?}"
        );
        assert_eq!(response.error_fields(), ["email"]);
    }
}

#[tokio::test]
async fn only_admins_may_list_and_a_token_comes_first() {
    let app = TestApp::spawn().await;
    let ada = app.user("Ada", "ada@example.com").await;
    for query in ["", "?email=ada@example.com", "?limit=0"] {
        let response = list(&app, &ada, query).await;
        assert_eq!(
            (response.status, response.code()),
            (403, "FORBIDDEN"),
            "{query}"
        );
    }
    for token in [None, Some("garbage")] {
        let response = list_with(&app.app, token, "").await;
        assert_eq!((response.status, response.code()), (401, "UNAUTHENTICATED"));
    }
}

#[tokio::test]
async fn dynamodb_unreachable_is_503() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root@example.com").await;
    let proxy = FaultProxy::start(&std::env::var("DYNAMODB_ENDPOINT").unwrap()).await;
    let behind = App::build(app.config_via(proxy.endpoint())).await;
    let token = app.token(&admin);
    // A first call while DynamoDB answers, so the verification keys are cached.
    assert_eq!(list_with(&behind, Some(&token), "").await.status, 200);

    proxy.set(Fault::Down);
    for query in ["", "?email=root@example.com"] {
        let response = list_with(&behind, Some(&token), query).await;
        assert_eq!(
            (response.status, response.code()),
            (503, "SERVICE_UNAVAILABLE"),
            "{query}"
        );
    }
}
