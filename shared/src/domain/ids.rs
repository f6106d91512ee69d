use std::fmt;

use uuid::Uuid;

/// An opaque id backed by a UUID. Only the canonical lowercase hyphenated form parses, so one
/// entity has exactly one id string (and so one key).
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $generate:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new() -> Self {
                Self($generate)
            }

            pub fn parse(raw: &str) -> Option<Self> {
                let id = Uuid::try_parse(raw).ok()?;
                (id.hyphenated().to_string() == raw).then_some(Self(id))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    };
}

uuid_id!(
    /// A user id: UUIDv7, so ids sort by creation time and reveal nothing else.
    UserId,
    Uuid::now_v7()
);
uuid_id!(
    /// A product id: UUIDv7.
    ProductId,
    Uuid::now_v7()
);
uuid_id!(
    /// An order id: UUIDv7, so a user's orders sort newest first by id.
    OrderId,
    Uuid::now_v7()
);
uuid_id!(
    /// A refresh-session family id: random (UUIDv4), since it travels inside refresh tokens.
    FamilyId,
    Uuid::new_v4()
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_spellings() {
        let id = UserId::new();
        assert_eq!(UserId::parse(&id.to_string()), Some(id));
        assert_eq!(UserId::parse(&id.to_string().to_uppercase()), None);
        assert_eq!(UserId::parse(&id.to_string().replace('-', "")), None);
        assert_eq!(UserId::parse("../etc"), None);
        assert_eq!(
            serde_json::to_value(id).unwrap(),
            serde_json::json!(id.to_string())
        );
    }

    #[test]
    fn ids_sort_by_creation() {
        let first = OrderId::new().to_string();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = OrderId::new().to_string();
        assert!(first < second);
    }
}
