use lambda_http::{Body, Request, http::header::CONTENT_TYPE};
use serde_json::{Map, Value};

use crate::domain::FromJsonField;
use crate::error::{AppError, FieldError};

/// The contract's limit on a request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request body that is a JSON object, read field by field so that every problem is reported
/// at once: unknown fields, missing fields and invalid values each get an entry in `errors`.
///
/// ```text
/// let mut body = JsonBody::parse(&req, &["name", "email", "password"])?;
/// let name = body.required::<UserName>("name");
/// let email = body.required::<Email>("email");
/// body.finish(|| Some(NewUser { name: name?, email: email? }))?
/// ```
#[derive(Debug)]
pub struct JsonBody {
    fields: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl JsonBody {
    /// Checks size, media type and syntax, and refuses fields not in `allowed`.
    pub fn parse(req: &Request, allowed: &[&str]) -> Result<Self, AppError> {
        let bytes = body_bytes(req.body());
        if bytes.len() > MAX_BODY_BYTES {
            return Err(AppError::PayloadTooLarge);
        }
        if !bytes.is_empty() && !is_json_media_type(req) {
            return Err(AppError::UnsupportedMediaType);
        }
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(bytes) else {
            return Err(AppError::MalformedJson);
        };
        let errors = fields
            .keys()
            .filter(|key| !allowed.contains(&key.as_str()))
            .map(|key| FieldError::new(key.as_str(), "is not a known field"))
            .collect();
        Ok(Self { fields, errors })
    }

    /// A field that must be present; `None` (with an error recorded) if absent or invalid.
    pub fn required<T: FromJsonField>(&mut self, name: &str) -> Option<T> {
        match self.fields.remove(name) {
            None | Some(Value::Null) => {
                self.errors.push(FieldError::new(name, "is required"));
                None
            }
            Some(value) => self.parse_value(name, value),
        }
    }

    /// A required field with a structure of its own (e.g. an array of objects), parsed by
    /// `parse`, which names each problem by its own path.
    pub fn required_with<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(Value) -> Result<T, Vec<FieldError>>,
    ) -> Option<T> {
        match self.fields.remove(name) {
            None | Some(Value::Null) => {
                self.errors.push(FieldError::new(name, "is required"));
                None
            }
            Some(value) => parse(value)
                .map_err(|errors| self.errors.extend(errors))
                .ok(),
        }
    }

    /// A field that may be absent (or null). `None` also when the value is invalid, but then
    /// an error is recorded and `finish` fails, so past `finish`, `None` means absent.
    pub fn optional<T: FromJsonField>(&mut self, name: &str) -> Option<T> {
        match self.fields.remove(name) {
            None | Some(Value::Null) => None,
            Some(value) => self.parse_value(name, value),
        }
    }

    /// Whether the body has a non-null `name` that has not been taken yet.
    pub fn has(&self, name: &str) -> bool {
        self.fields.get(name).is_some_and(|value| !value.is_null())
    }

    /// Records a rule that spans fields (e.g. "at least one of …").
    pub fn reject(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError::new(field, message));
    }

    /// `VALIDATION_FAILED` listing every problem, or the value `build` makes from the fields.
    /// `build` returns `None` only if a field it needs was recorded as an error.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, AppError> {
        if !self.errors.is_empty() {
            return Err(AppError::Validation(self.errors));
        }
        build().ok_or_else(|| AppError::internal("a parsed body lost a field without an error"))
    }

    fn parse_value<T: FromJsonField>(&mut self, name: &str, value: Value) -> Option<T> {
        T::from_json(value)
            .map_err(|message| self.errors.push(FieldError::new(name, message)))
            .ok()
    }
}

/// API Gateway hands over base64-encoded bodies already decoded as `Body::Binary`.
fn body_bytes(body: &Body) -> &[u8] {
    match body {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// `application/json`, with or without parameters such as `charset=utf-8`, in any letter case.
fn is_json_media_type(req: &Request) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, UserName};

    fn request(content_type: Option<&str>, body: Body) -> Request {
        let mut builder = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/users");
        if let Some(ct) = content_type {
            builder = builder.header(CONTENT_TYPE, ct);
        }
        builder.body(body).unwrap()
    }

    fn json(text: &str) -> Request {
        request(Some("application/json"), Body::Text(text.into()))
    }

    fn code_of(result: Result<JsonBody, AppError>) -> &'static str {
        result.unwrap_err().code()
    }

    #[test]
    fn refuses_non_objects_and_broken_json() {
        for text in ["", "{", "[]", "42", "\"x\"", "null", "{\"a\":1}x"] {
            assert_eq!(
                code_of(JsonBody::parse(&json(text), &["a"])),
                "MALFORMED_JSON",
                "{text}"
            );
        }
    }

    #[test]
    fn checks_media_type_only_when_there_is_a_body() {
        let plain = request(Some("text/plain"), Body::Text("{}".into()));
        assert_eq!(
            code_of(JsonBody::parse(&plain, &[])),
            "UNSUPPORTED_MEDIA_TYPE"
        );
        let missing = request(None, Body::Text("{}".into()));
        assert_eq!(
            code_of(JsonBody::parse(&missing, &[])),
            "UNSUPPORTED_MEDIA_TYPE"
        );
        let with_charset = request(
            Some("Application/JSON; charset=utf-8"),
            Body::Text("{}".into()),
        );
        assert!(JsonBody::parse(&with_charset, &[]).is_ok());
        let empty = request(None, Body::Empty);
        assert_eq!(code_of(JsonBody::parse(&empty, &[])), "MALFORMED_JSON");
    }

    #[test]
    fn refuses_bodies_over_64_kib_before_reading_them() {
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_BODY_BYTES));
        assert_eq!(
            code_of(JsonBody::parse(&json(&big), &["a"])),
            "PAYLOAD_TOO_LARGE"
        );
        let just_fits = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_BODY_BYTES - 8));
        assert_eq!(just_fits.len(), MAX_BODY_BYTES);
        assert!(JsonBody::parse(&json(&just_fits), &["a"]).is_ok());
    }

    #[test]
    fn reads_binary_bodies() {
        let req = request(
            Some("application/json"),
            Body::Binary(br#"{"name":"Ada"}"#.to_vec()),
        );
        let mut body = JsonBody::parse(&req, &["name"]).unwrap();
        let name = body.required::<UserName>("name");
        assert_eq!(body.finish(|| name).unwrap().as_str(), "Ada");
    }

    #[test]
    fn lists_every_problem_at_once() {
        let req = json(r#"{"name": 5, "roles": ["admin"], "id": "x"}"#);
        let mut body = JsonBody::parse(&req, &["name", "email"]).unwrap();
        let name = body.required::<UserName>("name");
        let email = body.required::<Email>("email");
        let Err(AppError::Validation(errors)) = body.finish(|| Some((name?, email?))) else {
            panic!("expected a validation error");
        };
        let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["email", "id", "name", "roles"]);
        let name_error = errors.iter().find(|e| e.field == "name").unwrap();
        assert_eq!(name_error.message, "must be a string");
    }

    #[test]
    fn optional_fields_may_be_absent_or_null() {
        let req = json(r#"{"name": null}"#);
        let mut body = JsonBody::parse(&req, &["name", "email"]).unwrap();
        assert_eq!(body.optional::<UserName>("name"), None);
        assert!(body.optional::<Email>("email").is_none());
        assert!(body.finish(|| Some(())).is_ok());

        let req = json(r#"{"name": ""}"#);
        let mut body = JsonBody::parse(&req, &["name"]).unwrap();
        assert_eq!(body.optional::<UserName>("name"), None);
        assert_eq!(
            body.finish(|| Some(())).unwrap_err().code(),
            "VALIDATION_FAILED"
        );
    }
}
