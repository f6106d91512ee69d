//! Settings, read once at init from the environment. A missing or bad value stops the function
//! before it serves anything, with a message that names the variable.

use std::time::Duration;

use crate::tls::TlsSettings;

/// No key is configured here: only the ids of the secrets that hold them (`auth/keys.rs`).
#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    /// The access-token signing key's secret: set for the functions that issue access tokens.
    pub access_key_secret_id: Option<String>,
    /// The refresh-token key's secret: set for the functions that issue, rotate or end sessions.
    pub refresh_key_secret_id: Option<String>,
    /// Set locally (moto); absent in AWS, where the SDK finds the regional endpoint.
    pub secrets_manager_endpoint: Option<String>,
    pub key_cache: KeyCacheSettings,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// Set locally (DynamoDB Local); absent in AWS, where the SDK finds the regional endpoint.
    pub dynamodb_endpoint: Option<String>,
    pub login_limits: LoginLimits,
    /// `TLS_TRUST` and `TLS_EXTRA_CA_FILE`: which CAs the AWS clients trust (`tls`).
    pub tls: TlsSettings,
    /// `AWS_XRAY_DAEMON_ADDRESS`, set by Lambda: where DynamoDB calls' subsegments go (`xray`).
    pub xray_daemon: Option<std::net::SocketAddr>,
}

/// How long keys are kept before they are read again (`KEY_CACHE_SECONDS`, default 300: the
/// contract's 5 minutes for a rotation or revocation to take effect), and how often a token
/// with an unknown key id may cause an early read (`UNKNOWN_KID_REREAD_SECONDS`, default 60).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCacheSettings {
    pub max_age: Duration,
    pub unknown_kid_reread: Duration,
}

impl Default for KeyCacheSettings {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(300),
            unknown_kid_reread: Duration::from_secs(60),
        }
    }
}

/// Failed-login throttling: after `per_email` failures for one email, or `per_ip` from one
/// source IP, within a window of `window_secs`, login answers 429 until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub per_email: u32,
    pub per_ip: u32,
    pub window_secs: u64,
}

impl Default for LoginLimits {
    /// The contract's numbers: 5 per email, 20 per IP, 15 minutes.
    fn default() -> Self {
        Self {
            per_email: 5,
            per_ip: 20,
            window_secs: 15 * 60,
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{0} must be a whole number from 1 to 1000000")]
    NotACount(&'static str),
    #[error("TLS_TRUST must be \"mozilla-roots\" (the default) or \"aws-roots\", not {0:?}")]
    UnknownTrust(String),
    #[error("TLS_EXTRA_CA_FILE {path}: {reason}")]
    ExtraCaFile { path: String, reason: String },
}

impl Config {
    /// Reads the process environment. Call once, in `main`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|value| !value.trim().is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let optional = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let seconds = |name: &'static str, default: Duration| {
            count(&lookup, name, default.as_secs() as u32).map(|s| Duration::from_secs(s.into()))
        };
        let defaults = LoginLimits::default();
        let key_cache = KeyCacheSettings::default();
        let config = Self {
            table_name: required("TABLE_NAME")?,
            access_key_secret_id: optional("ACCESS_TOKEN_KEY_SECRET_ID"),
            refresh_key_secret_id: optional("REFRESH_TOKEN_KEY_SECRET_ID"),
            secrets_manager_endpoint: optional("SECRETS_MANAGER_ENDPOINT"),
            key_cache: KeyCacheSettings {
                max_age: seconds("KEY_CACHE_SECONDS", key_cache.max_age)?,
                unknown_kid_reread: seconds(
                    "UNKNOWN_KID_REREAD_SECONDS",
                    key_cache.unknown_kid_reread,
                )?,
            },
            jwt_issuer: required("JWT_ISSUER")?,
            jwt_audience: required("JWT_AUDIENCE")?,
            dynamodb_endpoint: lookup("DYNAMODB_ENDPOINT").filter(|v| !v.trim().is_empty()),
            login_limits: LoginLimits {
                per_email: count(&lookup, "LOGIN_MAX_FAILURES_PER_EMAIL", defaults.per_email)?,
                per_ip: count(&lookup, "LOGIN_MAX_FAILURES_PER_IP", defaults.per_ip)?,
                window_secs: count(&lookup, "LOGIN_WINDOW_SECONDS", defaults.window_secs as u32)?
                    .into(),
            },
            tls: TlsSettings::from_lookup(&lookup)?,
            xray_daemon: optional("AWS_XRAY_DAEMON_ADDRESS")
                .and_then(|setting| crate::xray::daemon_address(&setting)),
        };
        Ok(config)
    }
}

/// An optional positive whole number, or its default when unset.
fn count(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u32,
) -> Result<u32, ConfigError> {
    match lookup(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or(ConfigError::NotACount(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const GOOD: &[(&str, &str)] = &[
        ("TABLE_NAME", "app"),
        ("JWT_ISSUER", "https://api.example.test"),
        ("JWT_AUDIENCE", "example-clients"),
    ];

    fn with(overrides: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut pairs: Vec<_> = GOOD.to_vec();
        for (k, v) in overrides {
            pairs.retain(|(name, _)| name != k);
            pairs.push((k, v));
        }
        pairs
    }

    #[test]
    fn reads_a_complete_environment() {
        let config = Config::from_lookup(env(GOOD)).unwrap();
        assert_eq!(config.table_name, "app");
        assert_eq!(config.dynamodb_endpoint, None);
        assert_eq!(config.access_key_secret_id, None);
        assert_eq!(config.key_cache, KeyCacheSettings::default());
    }

    #[test]
    fn names_the_missing_variable() {
        for name in ["TABLE_NAME", "JWT_ISSUER", "JWT_AUDIENCE"] {
            let pairs: Vec<_> = GOOD.iter().copied().filter(|(k, _)| *k != name).collect();
            let error = Config::from_lookup(env(&pairs)).unwrap_err();
            assert_eq!(error, ConfigError::Missing(name));
            assert!(error.to_string().contains(name));
        }
    }

    #[test]
    fn reads_the_secret_ids_and_the_key_cache_intervals() {
        let set = with(&[
            ("ACCESS_TOKEN_KEY_SECRET_ID", "access-id"),
            ("REFRESH_TOKEN_KEY_SECRET_ID", "refresh-id"),
            ("KEY_CACHE_SECONDS", "2"),
            ("UNKNOWN_KID_REREAD_SECONDS", "1"),
        ]);
        let config = Config::from_lookup(env(&set)).unwrap();
        assert_eq!(config.access_key_secret_id.as_deref(), Some("access-id"));
        assert_eq!(config.refresh_key_secret_id.as_deref(), Some("refresh-id"));
        assert_eq!(config.key_cache.max_age, Duration::from_secs(2));
        assert_eq!(config.key_cache.unknown_kid_reread, Duration::from_secs(1));
        let bad = with(&[("KEY_CACHE_SECONDS", "0")]);
        assert_eq!(
            Config::from_lookup(env(&bad)).unwrap_err(),
            ConfigError::NotACount("KEY_CACHE_SECONDS")
        );
    }

    #[test]
    fn login_limits_default_to_the_contract_and_can_be_set() {
        let config = Config::from_lookup(env(GOOD)).unwrap();
        assert_eq!(config.login_limits, LoginLimits::default());
        assert_eq!(
            (config.login_limits.per_email, config.login_limits.per_ip),
            (5, 20)
        );
        let set = with(&[
            ("LOGIN_MAX_FAILURES_PER_EMAIL", "3"),
            ("LOGIN_WINDOW_SECONDS", "60"),
        ]);
        let limits = Config::from_lookup(env(&set)).unwrap().login_limits;
        assert_eq!(
            (limits.per_email, limits.per_ip, limits.window_secs),
            (3, 20, 60)
        );
        let bad = with(&[("LOGIN_MAX_FAILURES_PER_IP", "zero")]);
        assert_eq!(
            Config::from_lookup(env(&bad)).unwrap_err(),
            ConfigError::NotACount("LOGIN_MAX_FAILURES_PER_IP")
        );
    }

    #[test]
    fn tls_trust_is_read_with_the_rest() {
        use crate::tls::Roots;
        let config = Config::from_lookup(env(GOOD)).unwrap();
        assert_eq!(config.tls.roots, Roots::Mozilla);
        let pinned = with(&[("TLS_TRUST", "aws-roots")]);
        assert_eq!(
            Config::from_lookup(env(&pinned)).unwrap().tls.roots,
            Roots::AwsOnly
        );
        let bad = with(&[("TLS_TRUST", "aws")]);
        assert_eq!(
            Config::from_lookup(env(&bad)).unwrap_err(),
            ConfigError::UnknownTrust("aws".into())
        );
    }
}
