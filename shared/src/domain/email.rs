use std::fmt;

use validator::ValidateEmail;

use super::{FromJsonField, char_len, json_string};

/// An email address as the user typed it (trimmed), plus the form used for uniqueness.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
}

/// RFC 5321's limit on a forward path, which the contract adopts.
const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let address = raw.trim();
        if address.is_empty() {
            return Err("must not be empty".to_owned());
        }
        if char_len(address) > MAX_LEN {
            return Err(format!("must be at most {MAX_LEN} characters"));
        }
        if !address.validate_email() {
            return Err("must be a valid email address".to_owned());
        }
        Ok(Self {
            address: address.to_owned(),
        })
    }

    /// The address as given, for display and tokens.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The key that makes addresses unique without regard to case: `Ann@X.org` and
    /// `ann@x.org` are one account. Providers treat local parts case-insensitively in practice.
    pub fn normalized(&self) -> String {
        self.address.to_lowercase()
    }
}

impl FromJsonField for Email {
    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        Self::parse(&json_string(value)?)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.address)
    }
}

impl serde::Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_trims_a_valid_address() {
        let email = Email::parse("  Ann.Lee@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ann.Lee@Example.COM");
        assert_eq!(email.normalized(), "ann.lee@example.com");
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@@example.com",
            "a b@c.d",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn refuses_addresses_over_254_characters() {
        let local = "a".repeat(64);
        let domain = format!(
            "{}.com",
            ["b", "c", "d", "e"].map(|l| l.repeat(60)).join(".")
        );
        let long = format!("{local}@{domain}");
        assert!(long.len() > MAX_LEN);
        assert_eq!(
            Email::parse(&long).unwrap_err(),
            "must be at most 254 characters"
        );
    }

    #[test]
    fn refuses_non_strings() {
        assert_eq!(
            Email::from_json(serde_json::json!(42)).unwrap_err(),
            "must be a string"
        );
    }
}
