//! The HTTP edge every function shares: reading requests (body, path, headers) and writing
//! responses (envelopes, the contract's headers), and `serve`, which runs a handler and turns
//! its `Result` into the response.

mod body;
mod conditional;
mod request;
mod response;
mod serve;

pub use body::{JsonBody, MAX_BODY_BYTES};
pub use conditional::{ETag, IfMatch, not_modified};
pub use request::{header, path_param, query_param, request_id, source_ip};
pub use response::{ApiResponse, Pagination, PublicMaxAge, finish};
pub use serve::{run, serve};
