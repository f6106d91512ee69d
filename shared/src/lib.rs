//! The common core of every function. A handler reads like the contract:
//! parse (`http::JsonBody`, domain types) → authorize (`auth::Caller`) → act (`store::Store`)
//! → respond (`http::ApiResponse`); `http::serve` turns any `AppError` into the error envelope.

pub mod app;
pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod metrics;
pub mod pagination;
pub mod secrets;
pub mod store;
pub mod telemetry;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod tls;
pub mod xray;

pub use app::App;
pub use error::{AppError, FieldError};
/// Passwords, hashes, tokens and keys are `secrecy` secrets; callers read one through this trait,
/// so every place that uses a secret's value says so.
pub use secrecy::ExposeSecret;
