//! A timing relay in front of DynamoDB Local or the secret store: what they themselves spent on
//! the calls a function made.
//!
//! A function pointed at the relay (`DYNAMODB_ENDPOINT`, `SECRETS_MANAGER_ENDPOINT`) sends its
//! requests through it
//! unchanged. For each HTTP exchange the relay records the time from the request's first byte
//! reaching it to the response's last byte leaving DynamoDB Local: the database's part of the
//! call, seen from the wire, without the SDK's or the function's. The time covered by a cold
//! start's exchanges ([`waited`]) is what that start owed to them, whatever number of calls it
//! made, in sequence or side by side.
//!
//! HTTP/1.1 without pipelining (the SDK's hyper client never pipelines), so a request starts
//! whenever the client sends while no exchange is open, and ends with its response, framed by
//! `Content-Length` (what DynamoDB Local sends) or chunked. Each exchange also keeps the
//! operation its request named (`X-Amz-Target`), so a request's calls can be counted by kind.
//!
//! A holding relay ([`Relay::holding`]) also keeps each response back until its exchange has
//! lasted a set time for its operation: the SDK loop's calls then wait as long as a function's
//! did (bench/notes.md, "The SDK loop, waiting as long as the function").

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Relay {
    /// `http://127.0.0.1:PORT`, for `DYNAMODB_ENDPOINT` or `SECRETS_MANAGER_ENDPOINT`.
    pub endpoint: String,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

/// One request and its response: from the request's first byte to the response's last.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub start: Instant,
    pub end: Instant,
    /// The operation the request named (`GetItem`, `TransactWriteItems`, `GetSecretValue`…),
    /// when its head said.
    pub operation: Option<String>,
    /// The request's body, in bytes: what the client had to serialise and sign.
    pub request_bytes: usize,
    /// The response's body, in bytes: what the client had to read and deserialise.
    pub response_bytes: usize,
}

/// The request being answered: when its first byte came, its head as far as read, and how
/// many bytes came in all.
struct OpenRequest {
    start: Instant,
    head: Vec<u8>,
    bytes: usize,
}

impl OpenRequest {
    /// The bytes after the head: the body (one request at a time on a connection).
    fn body_bytes(&self) -> usize {
        find(&self.head, b"\r\n\r\n").map_or(0, |end| self.bytes.saturating_sub(end + 4))
    }
}

/// The time during which at least one of `exchanges` was open: calls made side by side (the
/// secret store's read beside DynamoDB's) count once.
pub fn waited(exchanges: &[Exchange]) -> Duration {
    let mut spans: Vec<(Instant, Instant)> = exchanges.iter().map(|e| (e.start, e.end)).collect();
    spans.sort();
    let mut total = Duration::ZERO;
    let mut open: Option<(Instant, Instant)> = None;
    for (start, end) in spans {
        open = match open {
            Some((o_start, o_end)) if start <= o_end => Some((o_start, o_end.max(end))),
            Some((o_start, o_end)) => {
                total += o_end - o_start;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    total + open.map_or(Duration::ZERO, |(start, end)| end - start)
}

impl Relay {
    /// Listens on a free port and relays every connection to `upstream`. Its threads end with
    /// their connections; the listener lives as long as the bench (a handful per run).
    pub fn start(upstream: SocketAddr) -> Self {
        Self::holding(upstream, Holds::new())
    }

    /// `start`, and each response to an operation in `holds` is passed on no sooner than that
    /// long after its request's first byte came (never sooner than upstream sent it).
    pub fn holding(upstream: SocketAddr, holds: Holds) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the relay binds a port");
        let endpoint = format!(
            "http://{}",
            listener
                .local_addr()
                .expect("a bound listener has an address")
        );
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let recorded = exchanges.clone();
        let holds = Arc::new(holds);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                // Connected before the first request arrives, so no exchange includes it.
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                relay_connection(client, server, recorded.clone(), holds.clone());
            }
        });
        Relay {
            endpoint,
            exchanges,
        }
    }

    /// The exchanges completed so far, and forgets them.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().expect("exchanges lock"))
    }
}

/// How long an exchange of each operation is to last at the least.
pub type Holds = BTreeMap<String, Duration>;

fn relay_connection(
    client: TcpStream,
    server: TcpStream,
    recorded: Arc<Mutex<Vec<Exchange>>>,
    holds: Arc<Holds>,
) {
    let open: Arc<Mutex<Option<OpenRequest>>> = Arc::new(Mutex::new(None));
    let (client_in, server_out) = (
        client.try_clone().expect("a socket clones"),
        server.try_clone().expect("a socket clones"),
    );
    let requests = open.clone();
    std::thread::spawn(move || {
        copy(client_in, server_out, |bytes| {
            let mut open = requests.lock().expect("open lock");
            let request = open.get_or_insert_with(|| OpenRequest {
                start: Instant::now(),
                head: Vec::new(),
                bytes: 0,
            });
            request.bytes += bytes.len();
            // Only the head is kept: the operation is named there.
            if find(&request.head, b"\r\n\r\n").is_none() {
                request.head.extend_from_slice(bytes);
            }
        })
    });
    std::thread::spawn(move || {
        let mut response = ResponseFramer::default();
        let mut answering = false;
        copy(server, client, |bytes| {
            if !answering {
                answering = true;
                let held_until = open
                    .lock()
                    .expect("open lock")
                    .as_ref()
                    .and_then(|request| {
                        let hold = holds.get(&operation_of(&request.head)?)?;
                        Some(request.start + *hold)
                    });
                if let Some(until) = held_until {
                    std::thread::sleep(until.saturating_duration_since(Instant::now()));
                }
            }
            if response.feed(bytes)
                && let Some(request) = open.lock().expect("open lock").take()
            {
                recorded.lock().expect("exchanges lock").push(Exchange {
                    start: request.start,
                    end: Instant::now(),
                    operation: operation_of(&request.head),
                    request_bytes: request.body_bytes(),
                    response_bytes: response.last_body_bytes,
                });
                answering = false;
            }
        })
    });
}

/// The operation an AWS JSON-protocol request names: `X-Amz-Target: DynamoDB_20120810.GetItem`
/// gives `GetItem`.
fn operation_of(head: &[u8]) -> Option<String> {
    let end = find(head, b"\r\n\r\n").unwrap_or(head.len());
    String::from_utf8_lossy(&head[..end])
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("x-amz-target")
                .then(|| value.trim().rsplit('.').next().unwrap_or("").to_owned())
                .filter(|operation| !operation.is_empty())
        })
}

/// Copies `from` to `to`, telling `seen` about every chunk before forwarding it.
fn copy(mut from: TcpStream, mut to: TcpStream, mut seen: impl FnMut(&[u8])) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                seen(&buffer[..n]);
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// Finds where each HTTP/1.1 response ends in a stream of bytes.
#[derive(Default)]
struct ResponseFramer {
    head: Vec<u8>,
    body: Option<Body>,
    /// Body bytes of the response being read, and of the last one that ended.
    body_bytes: usize,
    last_body_bytes: usize,
}

enum Body {
    Length(usize),
    /// Chunked: the bytes since the head, searched for the last chunk.
    Chunked(Vec<u8>),
}

impl ResponseFramer {
    /// Takes the next bytes; true when a response ended within them.
    fn feed(&mut self, mut bytes: &[u8]) -> bool {
        let mut ended = false;
        while !bytes.is_empty() {
            match &mut self.body {
                None => {
                    self.head.extend_from_slice(bytes);
                    bytes = &[];
                    let Some(end) = find(&self.head, b"\r\n\r\n") else {
                        continue;
                    };
                    let rest = self.head.split_off(end + 4);
                    self.body = Some(body_of(&self.head));
                    self.head.clear();
                    // The rest of this read belongs to the body (and rarely beyond it).
                    ended |= self.feed(&rest);
                    if matches!(self.body, Some(Body::Length(0))) {
                        self.body = None;
                        self.response_ended();
                        ended = true;
                    }
                }
                Some(Body::Length(left)) => {
                    let taken = (*left).min(bytes.len());
                    *left -= taken;
                    bytes = &bytes[taken..];
                    self.body_bytes += taken;
                    if *left == 0 {
                        self.body = None;
                        self.response_ended();
                        ended = true;
                    }
                }
                Some(Body::Chunked(seen)) => {
                    seen.extend_from_slice(bytes);
                    self.body_bytes += bytes.len();
                    bytes = &[];
                    if seen.ends_with(b"\r\n0\r\n\r\n") || seen.as_slice() == b"0\r\n\r\n" {
                        self.body = None;
                        self.response_ended();
                        ended = true;
                    }
                }
            }
        }
        ended
    }

    fn response_ended(&mut self) {
        self.last_body_bytes = std::mem::take(&mut self.body_bytes);
    }
}

fn body_of(head: &[u8]) -> Body {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(name).map(str::trim).map(str::to_owned))
    };
    if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        Body::Chunked(Vec::new())
    } else {
        Body::Length(
            header("content-length:")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        )
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_end_after_their_content_length_however_the_bytes_arrive() {
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello";
        for split in 1..response.len() {
            let mut framer = ResponseFramer::default();
            let (a, b) = response.split_at(split);
            assert!(!framer.feed(a), "ended early at {split}");
            assert!(framer.feed(b), "did not end at {split}");
            assert_eq!(framer.last_body_bytes, 5);
        }
        let mut framer = ResponseFramer::default();
        assert!(framer.feed(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"));
        assert_eq!(framer.last_body_bytes, 0);
        assert!(framer.feed(response), "a second response on the connection");
        assert_eq!(framer.last_body_bytes, 5);
    }

    #[test]
    fn chunked_responses_end_with_their_last_chunk() {
        let mut framer = ResponseFramer::default();
        assert!(!framer.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"));
        assert!(framer.feed(b"\r\n0\r\n\r\n"));
    }

    /// Reads from `client` until what came ends with `ending`.
    fn read_until(client: &mut TcpStream, ending: &[u8]) {
        let mut answer = Vec::new();
        while !answer.ends_with(ending) {
            let mut buffer = [0u8; 64];
            let n = client.read(&mut buffer).unwrap();
            assert!(n > 0, "the relay closed the connection");
            answer.extend_from_slice(&buffer[..n]);
        }
    }

    #[test]
    fn the_relay_times_each_exchange_and_passes_bytes_through() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = upstream.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut socket, _) = upstream.accept().unwrap();
            let mut buffer = [0u8; 64];
            for _ in 0..2 {
                let n = socket.read(&mut buffer).unwrap();
                assert_eq!(&buffer[..n], b"ping");
                std::thread::sleep(Duration::from_millis(20));
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong")
                    .unwrap();
            }
        });
        let relay = Relay::start(address);
        let mut client = TcpStream::connect(relay.endpoint.trim_start_matches("http://")).unwrap();
        for _ in 0..2 {
            client.write_all(b"ping").unwrap();
            read_until(&mut client, b"pong");
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut exchanges = Vec::new();
        while exchanges.len() < 2 && Instant::now() < deadline {
            exchanges.extend(relay.take());
        }
        assert_eq!(exchanges.len(), 2);
        assert!(
            exchanges
                .iter()
                .all(|e| e.end - e.start >= Duration::from_millis(20))
        );
    }

    #[test]
    fn a_holding_relay_keeps_a_response_back_until_its_operation_has_lasted_long_enough() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = upstream.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut socket, _) = upstream.accept().unwrap();
            let mut buffer = [0u8; 256];
            for _ in 0..2 {
                let _ = socket.read(&mut buffer).unwrap();
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                    .unwrap();
            }
        });
        let holds = Holds::from([("GetItem".to_owned(), Duration::from_millis(40))]);
        let relay = Relay::holding(address, holds);
        let mut client = TcpStream::connect(relay.endpoint.trim_start_matches("http://")).unwrap();
        let mut took = Vec::new();
        for target in ["DynamoDB_20120810.GetItem", "DynamoDB_20120810.PutItem"] {
            let sent = Instant::now();
            write!(
                client,
                "POST / HTTP/1.1\r\nX-Amz-Target: {target}\r\nContent-Length: 0\r\n\r\n"
            )
            .unwrap();
            read_until(&mut client, b"{}");
            took.push(sent.elapsed());
        }
        assert!(took[0] >= Duration::from_millis(40), "{took:?}");
        assert!(took[1] < Duration::from_millis(40), "{took:?}");
    }

    #[test]
    fn each_exchange_names_the_operation_its_request_named() {
        let head = b"POST / HTTP/1.1\r\nhost: x\r\nX-Amz-Target: DynamoDB_20120810.TransactWriteItems\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(operation_of(head).as_deref(), Some("TransactWriteItems"));
        let secret = b"POST / HTTP/1.1\r\nx-amz-target: secretsmanager.GetSecretValue\r\n\r\n";
        assert_eq!(operation_of(secret).as_deref(), Some("GetSecretValue"));
        // A target in the body is not the request's.
        assert_eq!(
            operation_of(b"POST / HTTP/1.1\r\n\r\nx-amz-target: a.B"),
            None
        );

        // Through the relay, with the head split over two writes.
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = upstream.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut socket, _) = upstream.accept().unwrap();
            let mut seen = Vec::new();
            while find(&seen, b"{}").is_none() {
                let mut buffer = [0u8; 256];
                let n = socket.read(&mut buffer).unwrap();
                seen.extend_from_slice(&buffer[..n]);
            }
            socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                .unwrap();
        });
        let relay = Relay::start(address);
        let mut client = TcpStream::connect(relay.endpoint.trim_start_matches("http://")).unwrap();
        let (first, rest) = head.split_at(30);
        client.write_all(first).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        client.write_all(rest).unwrap();
        let mut answer = [0u8; 64];
        let _ = client.read(&mut answer).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut exchanges = Vec::new();
        while exchanges.is_empty() && Instant::now() < deadline {
            exchanges.extend(relay.take());
        }
        assert_eq!(exchanges.len(), 1);
        assert_eq!(
            exchanges[0].operation.as_deref(),
            Some("TransactWriteItems")
        );
        // The bodies both ways: `{}` out, `{}` back.
        assert_eq!(exchanges[0].request_bytes, 2);
        assert_eq!(exchanges[0].response_bytes, 2);
    }

    #[test]
    fn calls_side_by_side_are_waited_for_once() {
        let t = Instant::now();
        let at = |ms: u64| t + Duration::from_millis(ms);
        let exchange = |start, end| Exchange {
            start: at(start),
            end: at(end),
            operation: None,
            request_bytes: 0,
            response_bytes: 0,
        };
        // 0-10 and 5-12 overlap (12 ms), 20-25 stands alone (5 ms), 21-22 lies inside it.
        let exchanges = [
            exchange(20, 25),
            exchange(0, 10),
            exchange(21, 22),
            exchange(5, 12),
        ];
        assert_eq!(waited(&exchanges), Duration::from_millis(17));
        assert_eq!(waited(&[]), Duration::ZERO);
    }
}
