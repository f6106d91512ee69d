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
        if !local_part_is_dot_atom(address)
            || (!is_plain_address(address) && !address.validate_email())
        {
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

/// RFC 5322's dot-atom rule for the part before the `@`, which HTML's grammar (and so
/// `validator`) relaxes on purpose: no dot first, last or twice in a row. Mail servers refuse
/// such addresses, and so does JSON Schema's `email` format, which openapi.yaml states.
fn local_part_is_dot_atom(address: &str) -> bool {
    let local = address.rsplit_once('@').map_or(address, |(local, _)| local);
    !local.starts_with('.') && !local.ends_with('.') && !local.contains("..")
}

/// The common case of the WHATWG grammar `validator` implements (HTML's `type=email`), checked
/// by hand: an ASCII local part of the allowed characters, then dot-separated host labels of
/// 1–63 letters, digits and inner hyphens, with `validator`'s length limits.
///
/// Why not `validator` alone: it checks with regexes compiled on first use, and compiling
/// the domain regex (bounded repeats expand into a large automaton) slowed the first request
/// of every new process that reads a user (bench/notes.md, "Email check"). This accepts only
/// what `validator` accepts (a property test holds it to that); the rest, IDN domains and IP
/// literals, still goes to `validator`.
fn is_plain_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b));
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        (1..=63).contains(&bytes.len())
            && bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    };
    local_ok && domain.len() <= 255 && domain.split('.').all(label_ok)
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
            // Valid for HTML's grammar, not for RFC 5322 (schemathesis's email check agrees).
            ".ann@example.com",
            "ann.@example.com",
            "ann..lee@example.com",
            ".@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn exotic_but_valid_addresses_still_pass_through_validator() {
        // An internationalised domain and an IP literal: not plain, but valid for `validator`.
        for exotic in ["ann@bücher.example", "ann@[127.0.0.1]"] {
            assert!(!is_plain_address(exotic), "{exotic}");
            assert!(Email::parse(exotic).is_ok(), "{exotic} was refused");
        }
    }

    proptest::proptest! {
        /// The fast check never accepts what `validator` would refuse.
        #[test]
        fn the_fast_check_accepts_only_what_validator_accepts(
            address in "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~@ \\[\\]\\-é]{0,20}@[a-zA-Z0-9.\\-_@é]{0,70}"
        ) {
            if is_plain_address(&address) {
                proptest::prop_assert!(address.validate_email(), "{address:?}");
            }
        }

        /// ... and it agrees with it on the plain ASCII addresses it exists for.
        #[test]
        fn plain_ascii_addresses_take_the_fast_path(
            local in "[a-z0-9.+_-]{1,20}",
            labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..4),
        ) {
            let address = format!("{local}@{}", labels.join("."));
            proptest::prop_assert_eq!(is_plain_address(&address), address.validate_email(), "{}", address);
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
