//! Conditional requests (RFC 9110): strong entity tags derived from an item's `version`, which
//! every write of the item increments, so no body is hashed to make one. `If-None-Match` on a
//! read answers 304; `If-Match` on a write becomes a condition of that same write (the version
//! it must still find), so there is no window between a check and the write.

use lambda_http::Request;

use super::request::header;
use crate::error::AppError;

/// A strong entity tag: `"v<version>"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ETag(u64);

impl ETag {
    pub fn of_version(version: u64) -> Self {
        Self(version)
    }

    pub fn version(self) -> u64 {
        self.0
    }

    /// The header value, quotes included.
    pub fn header_value(self) -> String {
        format!("\"v{}\"", self.0)
    }

    /// One entity tag as a client sends it back; weak tags (`W/"…"`) and tags that are not
    /// ours are `None` (they can never match strongly).
    fn parse(tag: &str) -> Option<Self> {
        tag.trim()
            .strip_prefix("\"v")?
            .strip_suffix('"')?
            .parse()
            .ok()
            .map(Self)
    }
}

/// What the request's `If-Match` asks of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match`: write whatever the current version.
    Absent,
    /// `If-Match: *`: the resource must exist (every write here requires that anyway).
    Any,
    /// The resource must still be at one of these versions.
    Versions(Vec<u64>),
}

impl IfMatch {
    /// Reads `If-Match`. A list naming no tag of ours cannot match: 412 at once, nothing read
    /// or written.
    pub fn from_request(req: &Request) -> Result<Self, AppError> {
        let Some(value) = header(req, "if-match") else {
            return Ok(Self::Absent);
        };
        if value.trim() == "*" {
            return Ok(Self::Any);
        }
        let versions: Vec<u64> = value
            .split(',')
            .filter_map(ETag::parse)
            .map(ETag::version)
            .collect();
        if versions.is_empty() {
            return Err(AppError::PreconditionFailed);
        }
        Ok(Self::Versions(versions))
    }

    /// Whether `current` satisfies it (for a write that checks the version it read).
    pub fn allows(&self, current: u64) -> bool {
        match self {
            Self::Absent | Self::Any => true,
            Self::Versions(versions) => versions.contains(&current),
        }
    }
}

/// Whether the request's `If-None-Match` names `etag` (or `*`): a read answers 304.
pub fn not_modified(req: &Request, etag: ETag) -> bool {
    header(req, "if-none-match").is_some_and(|value| {
        value.trim() == "*"
            || value.split(',').any(|tag| {
                // If-None-Match compares weakly: W/"v3" matches "v3".
                let tag = tag.trim();
                ETag::parse(tag.strip_prefix("W/").unwrap_or(tag)) == Some(etag)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::ApiEvent;

    fn with(name: &str, value: &str) -> Request {
        ApiEvent::new("GET /x", "/x").header(name, value).build()
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let etag = ETag::of_version(3);
        assert_eq!(etag.header_value(), "\"v3\"");
        for matching in ["\"v3\"", "W/\"v3\"", "\"v1\", \"v3\"", "*"] {
            assert!(
                not_modified(&with("if-none-match", matching), etag),
                "{matching}"
            );
        }
        for other in ["\"v4\"", "\"3\"", "v3", ""] {
            assert!(
                !not_modified(&with("if-none-match", other), etag),
                "{other}"
            );
        }
        assert!(!not_modified(&ApiEvent::new("GET /x", "/x").build(), etag));
    }

    #[test]
    fn if_match_compares_strongly_and_a_foreign_tag_is_a_failed_precondition() {
        let absent = IfMatch::from_request(&ApiEvent::new("GET /x", "/x").build()).unwrap();
        assert_eq!(absent, IfMatch::Absent);
        assert_eq!(
            IfMatch::from_request(&with("if-match", "*")).unwrap(),
            IfMatch::Any
        );
        let listed = IfMatch::from_request(&with("if-match", "\"v2\", W/\"v3\"")).unwrap();
        assert_eq!(listed, IfMatch::Versions(vec![2]));
        assert!(listed.allows(2) && !listed.allows(3));
        for never in ["W/\"v3\"", "\"abc\"", "v3"] {
            assert!(matches!(
                IfMatch::from_request(&with("if-match", never)),
                Err(AppError::PreconditionFailed)
            ));
        }
    }
}
