//! Settings, read once at init from the environment. A missing or weak value stops the function
//! before it serves anything, with a message that names the variable.

use secrecy::{ExposeSecret, SecretString};

/// Secrets shorter than this are refused: HS256 wants at least a 256-bit key (RFC 7518 §3.2).
pub const MIN_SECRET_BYTES: usize = 32;

/// `Debug` shows the signing keys as `[REDACTED]`; `TokenKeys` and `CursorKey` read them through
/// `expose_secret`, once, at init.
#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    pub jwt_secret: SecretString,
    pub refresh_token_secret: SecretString,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// Set locally (DynamoDB Local); absent in AWS, where the SDK finds the regional endpoint.
    pub dynamodb_endpoint: Option<String>,
    pub login_limits: LoginLimits,
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
    #[error("{0} must be at least {MIN_SECRET_BYTES} bytes")]
    WeakSecret(&'static str),
    #[error("JWT_SECRET and REFRESH_TOKEN_SECRET must differ")]
    SameSecrets,
    #[error("{0} must be a whole number from 1 to 1000000")]
    NotACount(&'static str),
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
        let secret = |name: &'static str| {
            let value = required(name)?;
            if value.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::WeakSecret(name));
            }
            Ok(SecretString::from(value))
        };
        let defaults = LoginLimits::default();
        let config = Self {
            table_name: required("TABLE_NAME")?,
            jwt_secret: secret("JWT_SECRET")?,
            refresh_token_secret: secret("REFRESH_TOKEN_SECRET")?,
            jwt_issuer: required("JWT_ISSUER")?,
            jwt_audience: required("JWT_AUDIENCE")?,
            dynamodb_endpoint: lookup("DYNAMODB_ENDPOINT").filter(|v| !v.trim().is_empty()),
            login_limits: LoginLimits {
                per_email: count(&lookup, "LOGIN_MAX_FAILURES_PER_EMAIL", defaults.per_email)?,
                per_ip: count(&lookup, "LOGIN_MAX_FAILURES_PER_IP", defaults.per_ip)?,
                window_secs: count(&lookup, "LOGIN_WINDOW_SECONDS", defaults.window_secs as u32)?
                    .into(),
            },
        };
        if config.jwt_secret.expose_secret() == config.refresh_token_secret.expose_secret() {
            return Err(ConfigError::SameSecrets);
        }
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
        ("JWT_SECRET", "a-very-long-access-token-secret-0123456789"),
        (
            "REFRESH_TOKEN_SECRET",
            "a-very-long-refresh-token-secret-0123456789",
        ),
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
    }

    #[test]
    fn names_the_missing_variable() {
        for name in [
            "TABLE_NAME",
            "JWT_SECRET",
            "REFRESH_TOKEN_SECRET",
            "JWT_ISSUER",
            "JWT_AUDIENCE",
        ] {
            let pairs: Vec<_> = GOOD.iter().copied().filter(|(k, _)| *k != name).collect();
            let error = Config::from_lookup(env(&pairs)).unwrap_err();
            assert_eq!(error, ConfigError::Missing(name));
            assert!(error.to_string().contains(name));
        }
    }

    #[test]
    fn refuses_short_or_equal_secrets() {
        let short = with(&[("REFRESH_TOKEN_SECRET", "too-short")]);
        assert_eq!(
            Config::from_lookup(env(&short)).unwrap_err(),
            ConfigError::WeakSecret("REFRESH_TOKEN_SECRET")
        );
        let same = with(&[(
            "REFRESH_TOKEN_SECRET",
            "a-very-long-access-token-secret-0123456789",
        )]);
        assert_eq!(
            Config::from_lookup(env(&same)).unwrap_err(),
            ConfigError::SameSecrets
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
    fn debug_output_hides_secrets() {
        let config = Config::from_lookup(env(GOOD)).unwrap();
        let printed = format!("{config:?} {:?}", config.jwt_secret);
        assert!(!printed.contains("very-long"), "{printed}");
    }
}
