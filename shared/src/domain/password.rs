use secrecy::{ExposeSecret, SecretString};

use super::{FromJsonField, char_len, json_string};

/// A plaintext password from a request. It is never printed: `Debug` shows `[REDACTED]`, there
/// is no `Display` or `Serialize`, and the hasher reads it through `expose_secret`.
#[derive(Clone, Debug)]
pub struct Password(SecretString);

const MIN_LEN: usize = 8;
const MAX_LEN: usize = 128;

impl Password {
    /// Checks the length in characters; the password is kept exactly as sent (never trimmed or
    /// truncated), so what the user typed is what gets hashed.
    pub fn parse(raw: String) -> Result<Self, String> {
        let len = char_len(&raw);
        if len < MIN_LEN {
            return Err(format!("must be at least {MIN_LEN} characters"));
        }
        if len > MAX_LEN {
            return Err(format!("must be at most {MAX_LEN} characters"));
        }
        Ok(Self(raw.into()))
    }
}

impl ExposeSecret<str> for Password {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

/// A password as typed at login: checked only for being a non-empty string of at most 128
/// characters, so a password set under an older, laxer policy can still be verified.
#[derive(Clone, Debug)]
pub struct LoginPassword(pub Password);

impl FromJsonField for LoginPassword {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        let raw = json_string(value)?;
        if raw.is_empty() {
            return Err("must not be empty".to_owned());
        }
        if char_len(&raw) > MAX_LEN {
            return Err(format!("must be at most {MAX_LEN} characters"));
        }
        Ok(Self(Password(raw.into())))
    }
}

impl FromJsonField for Password {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        Self::parse(json_string(value)?)
    }
}

/// An argon2id hash as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), read through
/// `expose_secret` by the store and the verifier only. Redacted in `Debug`; never part of a
/// response. No `PartialEq`: hashes are verified, never compared.
#[derive(Clone, Debug)]
pub struct PasswordHash(SecretString);

impl PasswordHash {
    pub fn from_phc(phc: String) -> Self {
        Self(phc.into())
    }
}

impl ExposeSecret<str> for PasswordHash {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_and_kept_whole() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("ééééééé".into()).is_err(), "7 characters");
        let eight = Password::parse("éééééééé".into()).unwrap();
        assert_eq!(eight.expose_secret(), "éééééééé");
        let spaced = Password::parse("  padded pass  ".into()).unwrap();
        assert_eq!(spaced.expose_secret(), "  padded pass  ", "never trimmed");
        assert!(Password::parse("x".repeat(128)).is_ok());
        assert_eq!(
            Password::parse("x".repeat(129)).unwrap_err(),
            "must be at most 128 characters"
        );
    }

    #[test]
    fn never_debug_printed() {
        let password = Password::parse("hunter2hunter2".into()).unwrap();
        let hash = PasswordHash::from_phc("$argon2id$v=19$secret".into());
        let printed = format!("{password:?} {hash:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("secret"));
    }
}
