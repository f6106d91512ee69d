//! X-Ray. With active tracing (the template's `Tracing` parameter) Lambda records each
//! invocation; each DynamoDB call then becomes a subsegment of it, as the X-Ray SDKs of other
//! languages make one. Subsegments go as UDP datagrams to the X-Ray daemon Lambda runs beside
//! the function (`AWS_XRAY_DAEMON_ADDRESS`): no connection to open at init, nothing awaited on
//! a request. Only calls of a sampled invocation are sent.

use std::net::{SocketAddr, UdpSocket};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The invocation's trace header, as Lambda passes it: `Root=1-…;Parent=…;Sampled=1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHeader {
    pub root: String,
    pub parent: String,
    pub sampled: bool,
}

impl TraceHeader {
    pub fn parse(header: &str) -> Option<Self> {
        let (mut root, mut parent, mut sampled) = (None, None, false);
        for part in header.split(';') {
            match part.trim().split_once('=') {
                Some(("Root", value)) => root = Some(value.to_owned()),
                Some(("Parent", value)) => parent = Some(value.to_owned()),
                Some(("Sampled", value)) => sampled = value == "1",
                _ => {}
            }
        }
        Some(Self {
            root: root?,
            parent: parent?,
            sampled,
        })
    }
}

tokio::task_local! {
    /// The trace of the request being served (`http::serve` sets it around the handler).
    static CURRENT: Option<TraceHeader>;
}

/// Runs `future` (a request's handling) under `trace`.
pub async fn in_trace<F: std::future::Future>(trace: Option<TraceHeader>, future: F) -> F::Output {
    CURRENT.scope(trace, future).await
}

/// The daemon's UDP address from `AWS_XRAY_DAEMON_ADDRESS` (`host:port`, or the SDKs'
/// `tcp:host:port udp:host:port` form); `None` when unset or unreadable.
pub fn daemon_address(setting: &str) -> Option<SocketAddr> {
    let udp = setting
        .split_whitespace()
        .find_map(|part| part.strip_prefix("udp:"))
        .unwrap_or(setting.trim());
    udp.parse().ok()
}

/// Sends subsegments to the daemon; the socket is made on the first sampled call.
#[derive(Debug)]
pub struct Emitter {
    daemon: SocketAddr,
    socket: OnceLock<Option<UdpSocket>>,
}

/// One finished call, to record as a subsegment.
pub(crate) struct Call<'a> {
    pub operation: &'a str,
    pub started: SystemTime,
    pub ended: SystemTime,
    pub retries: u32,
    /// The call ended in an error (throttling included).
    pub failed: bool,
}

#[derive(Serialize)]
struct Subsegment<'a> {
    name: &'static str,
    id: String,
    trace_id: &'a str,
    parent_id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    namespace: &'static str,
    start_time: f64,
    end_time: f64,
    fault: bool,
    aws: Aws<'a>,
}

#[derive(Serialize)]
struct Aws<'a> {
    operation: &'a str,
    retries: u32,
}

impl Emitter {
    pub fn new(daemon: SocketAddr) -> Self {
        Self {
            daemon,
            socket: OnceLock::new(),
        }
    }

    /// Records `call` under the current request's trace, if it is sampled.
    pub(crate) fn record(&self, call: &Call<'_>) {
        let Ok(Some(trace)) = CURRENT.try_with(|trace| trace.clone()) else {
            return;
        };
        if !trace.sampled {
            return;
        }
        let subsegment = Subsegment {
            name: "DynamoDB",
            id: format!("{:016x}", rand_u64()),
            trace_id: &trace.root,
            parent_id: &trace.parent,
            kind: "subsegment",
            namespace: "aws",
            start_time: epoch_seconds(call.started),
            end_time: epoch_seconds(call.ended),
            fault: call.failed,
            aws: Aws {
                operation: call.operation,
                retries: call.retries,
            },
        };
        let Ok(document) = serde_json::to_string(&subsegment) else {
            return;
        };
        let datagram = format!("{{\"format\":\"json\",\"version\":1}}\n{document}");
        let socket = self.socket.get_or_init(|| {
            let socket = UdpSocket::bind(("0.0.0.0", 0)).ok()?;
            socket.set_nonblocking(true).ok()?;
            Some(socket)
        });
        if let Some(socket) = socket {
            // Best effort, as the X-Ray SDKs do: a lost subsegment never fails a request.
            let _ = socket.send_to(datagram.as_bytes(), self.daemon);
        }
    }
}

fn epoch_seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A subsegment id: 64 random bits (a UUIDv4's, which the crate already draws).
fn rand_u64() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lambdas_trace_header_and_the_daemon_setting() {
        let header = TraceHeader::parse(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )
        .unwrap();
        assert_eq!(header.root, "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(header.parent, "53995c3f42cd8ad8");
        assert!(header.sampled);
        assert!(
            !TraceHeader::parse("Root=1-a-b;Parent=c;Sampled=0")
                .unwrap()
                .sampled
        );
        assert_eq!(TraceHeader::parse("Sampled=1"), None);
        let daemon: SocketAddr = "169.254.79.129:2000".parse().unwrap();
        assert_eq!(daemon_address("169.254.79.129:2000"), Some(daemon));
        assert_eq!(
            daemon_address("tcp:127.0.0.1:2000 udp:169.254.79.129:2000"),
            Some(daemon)
        );
        assert_eq!(daemon_address("nonsense"), None);
    }
}
