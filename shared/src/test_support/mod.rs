//! Test helpers shared by every crate (feature `test-support`): a real app on its own
//! DynamoDB Local table, API Gateway v2 events, and readable responses.
//!
//! `DYNAMODB_ENDPOINT` must point at a running DynamoDB Local and `SECRETS_MANAGER_ENDPOINT` at
//! a moto server; `make test` starts both.

mod capacity;
mod event;
mod faults;
mod iam;
mod invariants;
mod logs;
mod relay;
mod throttle;
mod wire;

pub use capacity::{CapacityMeter, Consumption, Mark, MeteredCall};
pub use event::{ApiEvent, TestResponse};
pub use faults::{Fault, FaultProxy};
pub use iam::{Grant, IamRecorder, grants_of};
pub use logs::CapturedLogs;
pub use relay::{Relay, RelayHooks, RelayedRequest, RelayedResponse};
pub use throttle::{Refusal, Throttle, Times};

use std::sync::Arc;

use crate::auth::{KeyHome, KeySet};
use crate::config::Config;
use crate::domain::{Email, Password, Role, User, UserName, UserRecord};
use crate::secrets::secrets_client;
use crate::store::table::TableDefinition;
use crate::{App, ExposeSecret};

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
    /// records the IAM they need (`iam.rs`), meters their capacity (`capacity`) and refuses
    /// what a test throttles (`throttle`).
    pub app: App,
    /// The same app straight to DynamoDB Local, for the test's own set-up and inspection,
    /// which are not the handler's calls and must not count as such.
    pub direct: App,
    pub table: String,
    /// The keys as the `keys` tool left them: in this test's own secrets and table item.
    pub keys: KeySet,
    /// Where this test's keys live, to rotate or revoke them as the `keys` tool does.
    pub key_home: KeyHome,
    /// What the handler's calls consumed (DynamoDB's `ConsumedCapacity`).
    pub capacity: CapacityMeter,
    /// DynamoDB's throttling answers, given to the handler's calls a test chooses.
    pub throttle: Arc<Throttle>,
    relay: Relay,
}

impl TestApp {
    pub async fn spawn() -> Self {
        let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
            panic!("DYNAMODB_ENDPOINT is not set: run the tests with `make test`, which starts DynamoDB Local")
        });
        let table = format!("test-{}", uuid::Uuid::new_v4().simple());
        let store_only = App::build(test_config(&table, Some(&endpoint))).await;
        TableDefinition::from_built_template()
            .expect("template.yaml has a table definition")
            .create(store_only.store.client(), &table)
            .await
            .unwrap_or_else(|e| {
                panic!("cannot create table {table} on DynamoDB Local at {endpoint}: {e:?}")
            });
        let key_home = KeyHome {
            secrets: secrets_client(Some(&secrets_endpoint()), &Default::default()).await,
            store: store_only.store.clone(),
            access_secret_id: access_secret_id(&table),
            refresh_secret_id: refresh_secret_id(&table),
        };
        let keys = key_home.init().await.expect("test keys are written");
        let direct = App::build_signing(signing_config(&table, &endpoint, &key_home)).await;
        let capacity = CapacityMeter::default();
        let throttle = Arc::new(Throttle::default());
        let wire = wire::HandlerWire {
            recorder: IamRecorder::from_env(),
            meter: capacity.clone(),
            throttle: throttle.clone(),
        };
        let relay = Relay::start_with(&endpoint, wire).await;
        let app = App::build_signing(signing_config(&table, relay.endpoint(), &key_home)).await;
        Self {
            app,
            direct,
            table,
            keys,
            key_home,
            capacity,
            throttle,
            relay,
        }
    }

    /// The config of the handler's app, for a test that builds another handler app on this
    /// table: its calls are recorded like `app`'s.
    pub fn handler_config(&self) -> Config {
        self.config_via(self.relay.endpoint())
    }

    /// The config of an app on this table and its keys, reaching DynamoDB at `endpoint`.
    pub fn config_via(&self, endpoint: &str) -> Config {
        signing_config(&self.table, endpoint, &self.key_home)
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
            .await
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

    /// The stock a product has now, on sale or archived.
    pub async fn stock_of(&self, product: &crate::domain::ProductId) -> u64 {
        self.direct
            .store
            .find_product_record(product)
            .await
            .unwrap()
            .expect("product exists")
            .product
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

    /// A valid access token for `user`, as login would issue it (signed with the current key).
    pub fn token(&self, user: &User) -> String {
        self.app
            .tokens
            .access_token_signed_with(&self.keys.access.current, user)
    }
}

/// The moto server's URL, from `SECRETS_MANAGER_ENDPOINT`.
pub fn secrets_endpoint() -> String {
    std::env::var("SECRETS_MANAGER_ENDPOINT").unwrap_or_else(|_| {
        panic!("SECRETS_MANAGER_ENDPOINT is not set: run the tests with `make test`, which starts a moto server")
    })
}

fn access_secret_id(table: &str) -> String {
    format!("{table}/access-token-key")
}

fn refresh_secret_id(table: &str) -> String {
    format!("{table}/refresh-token-key")
}

/// The key settings function `name` gets in AWS (template.yaml), for this test table's secrets:
/// login and refresh read both secrets, logout the refresh key's, every other function none.
pub fn key_env(name: &str, table: &str) -> Vec<(&'static str, String)> {
    let access = || ("ACCESS_TOKEN_KEY_SECRET_ID", access_secret_id(table));
    let refresh = || ("REFRESH_TOKEN_KEY_SECRET_ID", refresh_secret_id(table));
    let endpoint = || ("SECRETS_MANAGER_ENDPOINT", secrets_endpoint());
    match name {
        "login" | "refresh" => vec![access(), refresh(), endpoint()],
        "logout" => vec![refresh(), endpoint()],
        _ => Vec::new(),
    }
}

/// The config of a function that signs (login, refresh): `test_config` and the secrets' ids.
fn signing_config(table: &str, endpoint: &str, keys: &KeyHome) -> Config {
    let secrets = secrets_endpoint();
    config_with(table, Some(endpoint), &|name| match name {
        "ACCESS_TOKEN_KEY_SECRET_ID" => Some(keys.access_secret_id.clone()),
        "REFRESH_TOKEN_KEY_SECRET_ID" => Some(keys.refresh_secret_id.clone()),
        "SECRETS_MANAGER_ENDPOINT" => Some(secrets.clone()),
        _ => None,
    })
}

/// A config for tests of a function that only verifies: the given table and endpoint, no
/// secret ids (so it reads no secret).
pub fn test_config(table: &str, endpoint: Option<&str>) -> Config {
    config_with(table, endpoint, &|_| None)
}

fn config_with(
    table: &str,
    endpoint: Option<&str>,
    more: &dyn Fn(&str) -> Option<String>,
) -> Config {
    Config::from_lookup(|name| {
        Some(match name {
            "TABLE_NAME" => table.to_owned(),
            "JWT_ISSUER" => TEST_ISSUER.to_owned(),
            "JWT_AUDIENCE" => TEST_AUDIENCE.to_owned(),
            "DYNAMODB_ENDPOINT" => endpoint?.to_owned(),
            _ => return more(name),
        })
    })
    .expect("test config is valid")
}
