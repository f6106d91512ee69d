use std::fmt;

use uuid::Uuid;

/// A user id: a UUIDv7, so ids sort by creation time and reveal nothing else.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(Uuid);

impl UserId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Parses an id from a path or a token. Only the canonical lowercase hyphenated form is
    /// accepted, so one user has exactly one id string (and one key).
    pub fn parse(raw: &str) -> Option<Self> {
        let id = Uuid::try_parse(raw).ok()?;
        (id.hyphenated().to_string() == raw).then_some(Self(id))
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({self})")
    }
}

impl serde::Serialize for UserId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A refresh-session family id: random (UUIDv4), since it travels inside refresh tokens.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FamilyId(Uuid);

impl FamilyId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let id = Uuid::try_parse(raw).ok()?;
        (id.hyphenated().to_string() == raw).then_some(Self(id))
    }
}

impl Default for FamilyId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyId({self})")
    }
}

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
    }

    #[test]
    fn ids_sort_by_creation() {
        let first = UserId::new().to_string();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = UserId::new().to_string();
        assert!(first < second);
    }
}
