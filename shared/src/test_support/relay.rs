//! An HTTP/1.1 relay in front of DynamoDB Local that shows every request to an observer before
//! forwarding it unchanged. `TestApp` records its handler's DynamoDB calls with it (`iam.rs`);
//! anything else that needs to see a client's requests on the wire (bench's timing relay) can
//! observe through it too.
//!
//! Requests are framed by `Content-Length`, as the AWS SDK sends them (it never pipelines or
//! chunks a DynamoDB request body); responses are copied back untouched.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
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
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay binds");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let observe = Arc::new(observe);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream.clone(), observe.clone()));
            }
        });
        Self { endpoint }
    }

    /// The endpoint to give a client instead of the upstream's.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

async fn relay(
    client: TcpStream,
    upstream: String,
    observe: Arc<impl Fn(&RelayedRequest) + Send + Sync>,
) {
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let requests = async {
        let mut framer = RequestFramer::default();
        let mut buffer = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = from_client.read(&mut buffer).await {
            framer.feed(&buffer[..n]).iter().for_each(|r| observe(r));
            if to_server.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = to_server.shutdown().await;
    };
    let responses = async {
        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
        let _ = to_client.shutdown().await;
    };
    tokio::join!(requests, responses);
}

/// Cuts a stream of request bytes into whole requests.
#[derive(Default)]
struct RequestFramer {
    pending: Vec<u8>,
}

impl RequestFramer {
    /// Takes the next bytes; returns the requests they complete.
    fn feed(&mut self, bytes: &[u8]) -> Vec<RelayedRequest> {
        self.pending.extend_from_slice(bytes);
        let mut complete = Vec::new();
        while let Some(head_end) = find(&self.pending, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&self.pending[..head_end]).into_owned();
            let mut request = RelayedRequest {
                head,
                body: Vec::new(),
            };
            assert!(
                request.header("transfer-encoding").is_none(),
                "the relay frames requests by Content-Length only: {}",
                request.head
            );
            let length: usize = request
                .header("content-length")
                .map_or(0, |v| v.parse().expect("a numeric Content-Length"));
            let body_start = head_end + 4;
            if self.pending.len() < body_start + length {
                break;
            }
            request.body = self.pending[body_start..body_start + length].to_vec();
            self.pending.drain(..body_start + length);
            complete.push(request);
        }
        complete
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &[u8] = b"POST / HTTP/1.1\r\nX-Amz-Target: A\r\nContent-Length: 2\r\n\r\n{}\
POST / HTTP/1.1\r\ncontent-length: 3\r\nx-amz-target: B\r\n\r\n[1]";

    #[test]
    fn requests_are_cut_at_their_content_length_however_the_bytes_arrive() {
        for split in 0..TWO.len() {
            let mut framer = RequestFramer::default();
            let (a, b) = TWO.split_at(split);
            let mut requests = framer.feed(a);
            requests.extend(framer.feed(b));
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

    #[tokio::test]
    async fn the_relay_shows_each_request_and_passes_bytes_both_ways() {
        let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = upstream.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = upstream.accept().await.unwrap();
            let mut received = Vec::new();
            while received.len() < TWO.len() {
                let mut buffer = [0u8; 256];
                let n = socket.read(&mut buffer).await.unwrap();
                received.extend_from_slice(&buffer[..n]);
            }
            assert_eq!(received, TWO);
            socket.write_all(b"pong").await.unwrap();
        });
        let (seen, observed) = tokio::sync::mpsc::unbounded_channel();
        let relay = Relay::start(&format!("http://{address}"), move |request| {
            seen.send(request.header("x-amz-target").unwrap().to_owned())
                .unwrap();
        })
        .await;
        let mut client = TcpStream::connect(relay.endpoint().trim_start_matches("http://"))
            .await
            .unwrap();
        client.write_all(TWO).await.unwrap();
        let mut answer = [0u8; 4];
        client.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"pong");
        drop(relay);
        let mut observed = observed;
        assert_eq!(observed.recv().await.as_deref(), Some("A"));
        assert_eq!(observed.recv().await.as_deref(), Some("B"));
    }
}
