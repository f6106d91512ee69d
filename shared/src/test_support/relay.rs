//! An HTTP/1.1 relay in front of DynamoDB Local that shows every request to its hooks before
//! forwarding it. `TestApp` records its handler's DynamoDB calls with it (`iam.rs`), meters
//! their capacity (`capacity.rs`) and injects DynamoDB's throttling answers (`throttle.rs`);
//! anything else that needs to see a client's requests on the wire can observe through it too.
//!
//! One request at a time per connection, as the AWS SDK uses a connection: a request is framed
//! by `Content-Length` (the SDK never chunks a DynamoDB request body), forwarded, and its
//! response framed by `Content-Length` or chunked encoding and copied back byte for byte.

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as it crossed the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayedRequest {
    /// The request line and headers, without the blank line that ends them.
    pub head: String,
    pub body: Vec<u8>,
}

impl RelayedRequest {
    /// The value of the first header called `name` (any letter case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.head, name)
    }

    /// The DynamoDB operation, from `X-Amz-Target` (`GetItem`, `TransactWriteItems`…).
    pub fn operation(&self) -> Option<&str> {
        self.header("x-amz-target")?
            .strip_prefix("DynamoDB_20120810.")
    }

    /// Replaces the body, and its `Content-Length` with it.
    pub fn set_body(&mut self, body: Vec<u8>) {
        self.head = with_content_length(&self.head, body.len());
        self.body = body;
    }

    fn to_bytes(&self) -> Vec<u8> {
        [self.head.as_bytes(), b"\r\n\r\n", &self.body].concat()
    }
}

/// One response as it crossed the relay, or as a hook made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayedResponse {
    /// The status line and headers, without the blank line that ends them.
    pub head: String,
    /// The body, de-chunked when it came chunked.
    pub body: Vec<u8>,
    /// The bytes as they go to the client.
    raw: Vec<u8>,
}

impl RelayedResponse {
    /// A response of `status` with a JSON body, as DynamoDB frames one.
    pub fn json(status: u16, reason: &str, body: &str) -> Self {
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.0\r\n\
             x-amzn-RequestId: relay-{}\r\nContent-Length: {}",
            uuid::Uuid::new_v4().simple(),
            body.len()
        );
        let raw = [head.as_bytes(), b"\r\n\r\n", body.as_bytes()].concat();
        Self {
            head,
            body: body.as_bytes().to_vec(),
            raw,
        }
    }

    pub fn status(&self) -> u16 {
        self.head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.head, name)
    }
}

/// What a relay does with the traffic it carries.
pub trait RelayHooks: Send + Sync + 'static {
    /// Sees each request before it goes on, and may change it, or answer it instead of the
    /// upstream (then it is not forwarded). The caller sees no answer before this returns.
    fn on_request(&self, request: &mut RelayedRequest) -> Option<RelayedResponse>;

    /// Sees each upstream response before the client does.
    fn on_response(&self, _request: &RelayedRequest, _response: &RelayedResponse) {}
}

/// Hooks that only look at requests.
struct Observer<F>(F);

impl<F: Fn(&RelayedRequest) + Send + Sync + 'static> RelayHooks for Observer<F> {
    fn on_request(&self, request: &mut RelayedRequest) -> Option<RelayedResponse> {
        (self.0)(request);
        None
    }
}

pub struct Relay {
    endpoint: String,
}

impl Relay {
    /// Listens on a free loopback port and relays each connection to `upstream`
    /// (`http://host:port`), calling `observe` with each request before it is forwarded, so a
    /// request is observed before its caller can see the answer. Its tasks live on the
    /// caller's runtime and end with it.
    pub async fn start(
        upstream: &str,
        observe: impl Fn(&RelayedRequest) + Send + Sync + 'static,
    ) -> Self {
        Self::start_with(upstream, Observer(observe)).await
    }

    /// The same, with hooks that may also change requests, answer them or read responses.
    pub async fn start_with(upstream: &str, hooks: impl RelayHooks) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay binds");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let hooks = Arc::new(hooks);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream.clone(), hooks.clone()));
            }
        });
        Self { endpoint }
    }

    /// The endpoint to give a client instead of the upstream's.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

async fn relay(mut client: TcpStream, upstream: String, hooks: Arc<impl RelayHooks>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let mut requests = Reader::default();
    let mut responses = Reader::default();
    while let Some(mut request) = requests.next(&mut client, RequestFramer).await {
        if let Some(answer) = hooks.on_request(&mut request) {
            if client.write_all(&answer.raw).await.is_err() {
                return;
            }
            continue;
        }
        if server.write_all(&request.to_bytes()).await.is_err() {
            return;
        }
        let Some(response) = responses.next(&mut server, ResponseFramer).await else {
            return;
        };
        hooks.on_response(&request, &response);
        if client.write_all(&response.raw).await.is_err() {
            return;
        }
    }
}

/// Cuts whole messages out of a stream's bytes.
trait Framer {
    type Message;
    /// The first whole message in `bytes` and its length, if they hold one yet.
    fn frame(&self, bytes: &[u8]) -> Option<(Self::Message, usize)>;
}

#[derive(Default)]
struct Reader {
    pending: Vec<u8>,
}

impl Reader {
    /// The next whole message from `stream`; `None` once it closes.
    async fn next<F: Framer>(
        &mut self,
        stream: &mut (impl AsyncRead + Unpin),
        framer: F,
    ) -> Option<F::Message> {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            if let Some((message, length)) = framer.frame(&self.pending) {
                self.pending.drain(..length);
                return Some(message);
            }
            match stream.read(&mut buffer).await {
                Ok(n @ 1..) => self.pending.extend_from_slice(&buffer[..n]),
                _ => return None,
            }
        }
    }
}

struct RequestFramer;

impl Framer for RequestFramer {
    type Message = RelayedRequest;

    fn frame(&self, bytes: &[u8]) -> Option<(RelayedRequest, usize)> {
        let head_end = find(bytes, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
        assert!(
            header_in(&head, "transfer-encoding").is_none(),
            "the relay frames requests by Content-Length only: {head}"
        );
        let length: usize = header_in(&head, "content-length")
            .map_or(0, |v| v.parse().expect("a numeric Content-Length"));
        let body = bytes.get(head_end + 4..head_end + 4 + length)?.to_vec();
        Some((RelayedRequest { head, body }, head_end + 4 + length))
    }
}

struct ResponseFramer;

impl Framer for ResponseFramer {
    type Message = RelayedResponse;

    fn frame(&self, bytes: &[u8]) -> Option<(RelayedResponse, usize)> {
        let head_end = find(bytes, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
        let body_start = head_end + 4;
        let chunked = header_in(&head, "transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        let (body, end) = if chunked {
            dechunk(&bytes[body_start..]).map(|(body, used)| (body, body_start + used))?
        } else {
            let length: usize = header_in(&head, "content-length")
                .map_or(0, |v| v.parse().expect("a numeric Content-Length"));
            let body = bytes.get(body_start..body_start + length)?.to_vec();
            (body, body_start + length)
        };
        let raw = bytes[..end].to_vec();
        Some((RelayedResponse { head, body, raw }, end))
    }
}

/// The body of a whole chunked message and the bytes it took, if `bytes` hold all of it.
fn dechunk(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let line_end = at + find(bytes.get(at..)?, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&bytes[at..line_end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).expect("a hexadecimal chunk size");
        at = line_end + 2;
        if size == 0 {
            // No trailers from DynamoDB: the last chunk ends with an empty line.
            return (bytes.get(at..at + 2)? == b"\r\n").then_some((body, at + 2));
        }
        body.extend_from_slice(bytes.get(at..at + size)?);
        at += size + 2;
    }
}

fn header_in<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

fn with_content_length(head: &str, length: usize) -> String {
    let mut lines: Vec<String> = head
        .split("\r\n")
        .filter(|line| {
            !line
                .split_once(':')
                .is_some_and(|(key, _)| key.trim().eq_ignore_ascii_case("content-length"))
        })
        .map(str::to_owned)
        .collect();
    lines.push(format!("Content-Length: {length}"));
    lines.join("\r\n")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &[u8] = b"POST / HTTP/1.1\r\nX-Amz-Target: A\r\nContent-Length: 2\r\n\r\n{}\
POST / HTTP/1.1\r\ncontent-length: 3\r\nx-amz-target: B\r\n\r\n[1]";

    /// Every whole message in `parts`, fed one after the other.
    fn frame_all<F: Framer>(framer: &F, parts: [&[u8]; 2]) -> Vec<F::Message> {
        let mut pending = Vec::new();
        let mut messages = Vec::new();
        for part in parts {
            pending.extend_from_slice(part);
            while let Some((message, length)) = framer.frame(&pending) {
                pending.drain(..length);
                messages.push(message);
            }
        }
        messages
    }

    #[test]
    fn requests_are_cut_at_their_content_length_however_the_bytes_arrive() {
        for split in 0..TWO.len() {
            let (a, b) = TWO.split_at(split);
            let requests = frame_all(&RequestFramer, [a, b]);
            let seen: Vec<_> = requests
                .iter()
                .map(|r| (r.header("X-AMZ-TARGET").unwrap(), r.body.as_slice()))
                .collect();
            assert_eq!(
                seen,
                [("A", &b"{}"[..]), ("B", &b"[1]"[..])],
                "split at {split}"
            );
        }
    }

    const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n\
HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}";

    #[test]
    fn responses_are_cut_by_length_or_chunks_and_passed_on_byte_for_byte() {
        for split in 0..CHUNKED.len() {
            let (a, b) = CHUNKED.split_at(split);
            let responses = frame_all(&ResponseFramer, [a, b]);
            let seen: Vec<_> = responses
                .iter()
                .map(|r| (r.status(), r.body.as_slice()))
                .collect();
            assert_eq!(
                seen,
                [(200, &b"{\"a\":1}"[..]), (400, &b"{}"[..])],
                "split at {split}"
            );
            let raw: Vec<u8> = responses.iter().flat_map(|r| r.raw.clone()).collect();
            assert_eq!(raw, CHUNKED);
        }
    }

    #[test]
    fn a_new_body_brings_its_own_content_length() {
        let mut request = RequestFramer.frame(TWO).unwrap().0;
        request.set_body(b"{\"more\":1}".to_vec());
        let bytes = request.to_bytes();
        let (again, length) = RequestFramer.frame(&bytes).unwrap();
        assert_eq!(
            (again.body.as_slice(), length),
            (&b"{\"more\":1}"[..], bytes.len())
        );
        assert_eq!(again.header("x-amz-target"), Some("A"));
    }

    /// An upstream that answers each request it reads with `answer(request)`.
    async fn upstream(answer: fn(&RelayedRequest) -> String) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut reader = Reader::default();
            while let Some(request) = reader.next(&mut socket, RequestFramer).await {
                let body = answer(&request);
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                socket.write_all(response.as_bytes()).await.unwrap();
            }
        });
        format!("http://{address}")
    }

    #[tokio::test]
    async fn the_relay_shows_each_request_and_passes_bytes_both_ways() {
        let upstream = upstream(|r| String::from_utf8(r.body.clone()).unwrap()).await;
        let (seen, mut observed) = tokio::sync::mpsc::unbounded_channel();
        let relay = Relay::start(&upstream, move |request| {
            seen.send(request.header("x-amz-target").unwrap().to_owned())
                .unwrap();
        })
        .await;
        let mut client = TcpStream::connect(relay.endpoint().trim_start_matches("http://"))
            .await
            .unwrap();
        client.write_all(TWO).await.unwrap();
        let mut answers = Reader::default();
        let first = answers.next(&mut client, ResponseFramer).await.unwrap();
        let second = answers.next(&mut client, ResponseFramer).await.unwrap();
        assert_eq!((first.body, second.body), (b"{}".to_vec(), b"[1]".to_vec()));
        assert_eq!(observed.recv().await.as_deref(), Some("A"));
        assert_eq!(observed.recv().await.as_deref(), Some("B"));
    }

    struct AnswerB;

    impl RelayHooks for AnswerB {
        fn on_request(&self, request: &mut RelayedRequest) -> Option<RelayedResponse> {
            if request.header("x-amz-target") == Some("B") {
                return Some(RelayedResponse::json(400, "Bad Request", "\"relay\""));
            }
            request.set_body(b"\"changed\"".to_vec());
            None
        }
    }

    #[tokio::test]
    async fn hooks_change_requests_and_answer_in_the_upstreams_place() {
        let upstream = upstream(|r| String::from_utf8(r.body.clone()).unwrap()).await;
        let relay = Relay::start_with(&upstream, AnswerB).await;
        let mut client = TcpStream::connect(relay.endpoint().trim_start_matches("http://"))
            .await
            .unwrap();
        client.write_all(TWO).await.unwrap();
        let mut answers = Reader::default();
        let first = answers.next(&mut client, ResponseFramer).await.unwrap();
        let second = answers.next(&mut client, ResponseFramer).await.unwrap();
        assert_eq!((first.status(), first.body), (200, b"\"changed\"".to_vec()));
        assert_eq!((second.status(), second.body), (400, b"\"relay\"".to_vec()));
    }
}
