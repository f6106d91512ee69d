//! Test helpers shared by every crate (feature `test-support`): a real app on its own
//! DynamoDB Local table, API Gateway v2 events, and readable responses.
//!
//! `DYNAMODB_ENDPOINT` must point at a running DynamoDB Local; `make test` starts one.

mod event;
mod faults;
mod iam;
mod invariants;
mod logs;
mod relay;

pub use event::{ApiEvent, TestResponse};
pub use faults::{Fault, FaultProxy};
pub use iam::{Grant, IamRecorder, grants_of};
pub use logs::CapturedLogs;
pub use relay::{Relay, RelayedRequest};

use crate::config::Config;
use crate::domain::{Email, Password, Role, User, UserName, UserRecord};
use crate::store::table::TableDefinition;
use crate::{App, ExposeSecret};

pub const TEST_ACCESS_SECRET: &str = "test-access-token-secret-0123456789abcdef";
pub const TEST_REFRESH_SECRET: &str = "test-refresh-token-secret-0123456789abcdef";
pub const TEST_ISSUER: &str = "https://issuer.test";
pub const TEST_AUDIENCE: &str = "clients.test";
/// The password of every user the helpers create.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// A session's tokens as a client holds them: plain text, to send in requests.
pub struct SessionTokens {
    pub access_token: String,
    pub refresh_token: String,
}

/// The application, wired exactly as in Lambda, on a fresh table of its own: tests never see
/// each other's data and run in parallel.
pub struct TestApp {
    /// The app to give the handler under test: its DynamoDB calls pass through a relay that
    /// records the IAM they need (`iam.rs`).
    pub app: App,
    /// The same app straight to DynamoDB Local, for the test's own set-up and inspection,
    /// which are not the handler's calls and must not count as such.
    pub direct: App,
    pub table: String,
    relay: Relay,
}

impl TestApp {
    pub async fn spawn() -> Self {
        let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
            panic!("DYNAMODB_ENDPOINT is not set: run the tests with `make test`, which starts DynamoDB Local")
        });
        let table = format!("test-{}", uuid::Uuid::new_v4().simple());
        let direct = App::build(test_config(&table, Some(&endpoint))).await;
        TableDefinition::from_built_template()
            .expect("template.yaml has a table definition")
            .create(direct.store.client(), &table)
            .await
            .unwrap_or_else(|e| {
                panic!("cannot create table {table} on DynamoDB Local at {endpoint}: {e:?}")
            });
        let recorder = IamRecorder::from_env();
        let relay = Relay::start(&endpoint, move |request| {
            // Parsed even when not recording, so a call the recorder cannot read fails every run.
            let grants = grants_of(request);
            if let Some(recorder) = &recorder {
                recorder.record(&grants);
            }
        })
        .await;
        let app = App::build(test_config(&table, Some(relay.endpoint()))).await;
        Self {
            app,
            direct,
            table,
            relay,
        }
    }

    /// The config of the handler's app, for a test that builds another handler app on this
    /// table: its calls are recorded like `app`'s.
    pub fn handler_config(&self) -> Config {
        test_config(&self.table, Some(self.relay.endpoint()))
    }

    /// A stored user with `TEST_PASSWORD`, made through the same store code as sign-up.
    pub async fn user(&self, name: &str, email: &str) -> User {
        let password = Password::parse(TEST_PASSWORD.to_owned()).expect("valid test password");
        let hash = self
            .direct
            .passwords
            .hash(&password)
            .await
            .expect("hashing works");
        let record = UserRecord::new(
            UserName::parse(name).expect("valid test name"),
            Email::parse(email).expect("valid test email"),
            hash,
        );
        self.direct
            .store
            .create_user(&record)
            .await
            .expect("test user is stored");
        record.user
    }

    /// A stored admin (roles `user` and `admin`).
    pub async fn admin(&self, email: &str) -> User {
        let mut user = self.user("Admin", email).await;
        user.roles.push(Role::Admin);
        self.direct
            .store
            .set_roles(&user.id, &user.roles)
            .await
            .expect("admin role is stored");
        user
    }

    /// A valid refresh token of a stored family whose `expiresAt` is `family_expires_at` (epoch
    /// seconds), to test what the TTL has not removed yet.
    pub async fn refresh_token_in_family_expiring(
        &self,
        user: &User,
        family_expires_at: u64,
    ) -> String {
        let family = crate::domain::FamilyId::new();
        let (token, claims) = self
            .direct
            .tokens
            .issue_refresh(&user.id.to_string(), &family.to_string(), 1)
            .expect("token issues");
        let session = crate::store::NewSession {
            family,
            user_id: user.id,
            token_digest: crate::auth::sessions::digest(&claims),
            expires_at: family_expires_at,
        };
        self.direct
            .store
            .create_session(&session)
            .await
            .expect("session is stored");
        token.token.expose_secret().to_owned()
    }

    /// A stored product.
    pub async fn product(
        &self,
        name: &str,
        price_cents: u64,
        stock: u64,
    ) -> crate::domain::Product {
        let product = crate::domain::NewProduct {
            name: crate::domain::ProductName::parse(name).expect("valid test product name"),
            price_cents: crate::domain::PriceCents::new(price_cents).expect("valid test price"),
            stock: crate::domain::Stock::new(stock).expect("valid test stock"),
        }
        .into_product();
        self.direct
            .store
            .create_product(&product)
            .await
            .expect("test product is stored");
        product
    }

    /// A stored order of `quantity` units of `product` for `user`, placed as create-order does.
    pub async fn order(
        &self,
        user: &User,
        product: &crate::domain::Product,
        quantity: u64,
    ) -> crate::domain::Order {
        let quantity = crate::domain::Quantity::new(quantity).expect("valid test quantity");
        let order =
            crate::domain::Order::place(user.id, [(product.id, quantity, product.price_cents)]);
        if let Err(error) = self.direct.store.place_order(&order, None).await {
            panic!("test order is placed: {error:?}");
        }
        order
    }

    /// The stock a product has now.
    pub async fn stock_of(&self, product: &crate::domain::ProductId) -> u64 {
        self.direct
            .store
            .find_product(product)
            .await
            .unwrap()
            .expect("product exists")
            .stock
            .get()
    }

    /// A new session for a stored user, as login starts it: its first tokens, as plain text the
    /// way a client holds them.
    pub async fn session(&self, user: &User) -> SessionTokens {
        let record = self
            .direct
            .store
            .find_user(&user.id)
            .await
            .unwrap()
            .expect("user is stored");
        let pair = crate::auth::start_session(&self.direct, &record)
            .await
            .expect("session starts");
        SessionTokens {
            access_token: pair.access_token.expose_secret().to_owned(),
            refresh_token: pair.refresh_token.expose_secret().to_owned(),
        }
    }

    /// A valid access token for `user`, as login would issue it.
    pub fn token(&self, user: &User) -> String {
        self.app
            .tokens
            .issue_access(user)
            .expect("token issues")
            .token
            .expose_secret()
            .to_owned()
    }
}

/// A config for tests: fixed secrets, the given table and endpoint.
pub fn test_config(table: &str, endpoint: Option<&str>) -> Config {
    Config::from_lookup(|name| {
        Some(match name {
            "TABLE_NAME" => table.to_owned(),
            "JWT_SECRET" => TEST_ACCESS_SECRET.to_owned(),
            "REFRESH_TOKEN_SECRET" => TEST_REFRESH_SECRET.to_owned(),
            "JWT_ISSUER" => TEST_ISSUER.to_owned(),
            "JWT_AUDIENCE" => TEST_AUDIENCE.to_owned(),
            "DYNAMODB_ENDPOINT" => endpoint?.to_owned(),
            _ => return None,
        })
    })
    .expect("test config is valid")
}
