//! A small Lambda Runtime API of the bench's own, over plain HTTP/1.1 on 127.0.0.1.
//!
//! `GET /2018-06-01/runtime/invocation/next` is reported to the harness as [`Happening::Next`]
//! with a one-shot channel: the connection waits until the harness hands it an event through
//! that channel, and answers with the event and the `Lambda-Runtime-*` headers. `POST
//! …/invocation/{id}/response`, `…/invocation/{id}/error` and `…/init/error` are reported with
//! the instant they arrived.
//!
//! A holding emulator (`Emulator::holding`) keeps each `202` to a posted response back for a
//! while, so the process sleeps in the middle of its call as a function does on DynamoDB: the
//! floor taking turns with a function is measured waiting as long as the function's calls do.
//!
//! The harness starts one emulator (its own port) per function process, so nothing a killed
//! process sent late (a `GET /next` still in a socket buffer) can be mistaken for the next
//! process's. Dropping the emulator stops its threads.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime/";
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:bench";

/// One invocation for a waiting `GET /next`.
#[derive(Debug)]
pub struct Invocation {
    pub request_id: String,
    pub event: String,
}

/// What a function process did, and when it reached the emulator.
#[derive(Debug)]
pub enum Happening {
    /// It asked for the next event; send one through `reply` (dropping it closes the connection).
    Next {
        at: Instant,
        reply: Sender<Invocation>,
    },
    /// It answered invocation `request_id`.
    Response {
        at: Instant,
        request_id: String,
        body: Vec<u8>,
    },
    /// It reported an invocation error (`request_id` set) or an init error (`None`).
    Error {
        request_id: Option<String>,
        body: String,
    },
}

pub struct Emulator {
    /// `127.0.0.1:PORT`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    happenings: Receiver<Happening>,
    stopped: Arc<AtomicBool>,
}

impl Emulator {
    pub fn start() -> Self {
        Self::holding(Duration::ZERO)
    }

    /// An emulator that answers each posted response `hold` after it arrived (it is reported at
    /// once).
    pub fn holding(hold: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the emulator binds a port");
        let address = listener.local_addr().expect("bound").to_string();
        let (report, happenings) = channel();
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = stopped.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let report = report.clone();
                std::thread::spawn(move || serve(stream, &report, hold));
            }
        });
        Self {
            address,
            happenings,
            stopped,
        }
    }

    /// The next thing a function did, waiting at most `timeout`.
    pub fn next_happening(&self, timeout: Duration) -> Option<Happening> {
        self.happenings.recv_timeout(timeout).ok()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Wake the accepting thread so it sees the flag and ends; connection threads end when
        // their process's socket closes or their report finds no receiver.
        self.stopped.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.address);
    }
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn serve(stream: TcpStream, report: &Sender<Happening>, hold: Duration) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let at = Instant::now();
        let path = request.path.strip_prefix(PREFIX).unwrap_or("");
        let segments: Vec<&str> = path.split('/').collect();
        let reply = match (request.method.as_str(), &segments[..]) {
            ("GET", ["invocation", "next"]) => {
                let (reply, invocation) = channel();
                if report.send(Happening::Next { at, reply }).is_err() {
                    return;
                }
                // The harness answers, or drops the sender when this process is gone.
                let Ok(invocation) = invocation.recv() else {
                    return;
                };
                next_response(&invocation)
            }
            ("POST", ["invocation", id, "response"]) => {
                let _ = report.send(Happening::Response {
                    at,
                    request_id: (*id).to_owned(),
                    body: request.body,
                });
                std::thread::sleep(hold);
                accepted()
            }
            ("POST", ["invocation", id, "error"]) => {
                let _ = report.send(Happening::Error {
                    request_id: Some((*id).to_owned()),
                    body: String::from_utf8_lossy(&request.body).into_owned(),
                });
                accepted()
            }
            ("POST", ["init", "error"]) => {
                let _ = report.send(Happening::Error {
                    request_id: None,
                    body: String::from_utf8_lossy(&request.body).into_owned(),
                });
                accepted()
            }
            _ => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_owned(),
        };
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn accepted() -> String {
    let body = r#"{"status":"OK"}"#;
    format!(
        "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn next_response(invocation: &Invocation) -> String {
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + 30_000;
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
         lambda-runtime-aws-request-id: {id}\r\n\
         lambda-runtime-deadline-ms: {deadline}\r\n\
         lambda-runtime-invoked-function-arn: {FUNCTION_ARN}\r\n\
         lambda-runtime-trace-id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0\r\n\
         content-length: {length}\r\n\r\n{event}",
        id = invocation.request_id,
        length = invocation.event.len(),
        event = invocation.event,
    )
}

/// One HTTP/1.1 request (content-length or chunked body); `None` at end of stream.
fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        body
    };
    Some(Request { method, path, body })
}

fn read_chunked(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        if reader.read_line(&mut size).ok()? == 0 {
            return None;
        }
        let size = usize::from_str_radix(size.trim().split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            // Trailers (none expected), then the blank line.
            loop {
                let mut trailer = String::new();
                if reader.read_line(&mut trailer).ok()? == 0 || trailer.trim_end().is_empty() {
                    return Some(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).ok()?;
        let mut crlf = String::new();
        reader.read_line(&mut crlf).ok()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn exchange(stream: &mut TcpStream, request: &str) -> String {
        stream.write_all(request.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        head + &String::from_utf8(body).unwrap()
    }

    #[test]
    fn hands_an_event_to_a_waiting_next_and_takes_the_answer() {
        let emulator = Emulator::start();
        let mut stream = TcpStream::connect(&emulator.address).unwrap();
        let mut client = stream.try_clone().unwrap();
        let waiting = std::thread::spawn(move || {
            exchange(
                &mut client,
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: x\r\n\r\n",
            )
        });
        let wait = Duration::from_secs(5);
        let Some(Happening::Next { reply, .. }) = emulator.next_happening(wait) else {
            panic!("expected a next");
        };
        reply
            .send(Invocation {
                request_id: "r-1".into(),
                event: "{\"a\":1}".into(),
            })
            .unwrap();
        let answer = waiting.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        for header in [
            "lambda-runtime-aws-request-id: r-1",
            "lambda-runtime-deadline-ms: ",
            "lambda-runtime-invoked-function-arn: arn:aws:lambda:",
            "lambda-runtime-trace-id: Root=",
        ] {
            assert!(answer.contains(header), "{header} missing in {answer}");
        }
        assert!(answer.ends_with("\r\n\r\n{\"a\":1}"));

        let posted = exchange(
            &mut stream,
            "POST /2018-06-01/runtime/invocation/r-1/response HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}",
        );
        assert!(posted.starts_with("HTTP/1.1 202"));
        let Some(Happening::Response {
            request_id, body, ..
        }) = emulator.next_happening(wait)
        else {
            panic!("expected a response");
        };
        assert_eq!((request_id.as_str(), &body[..]), ("r-1", &b"{}"[..]));

        // Chunked bodies, invocation errors and init errors.
        exchange(
            &mut stream,
            "POST /2018-06-01/runtime/invocation/r-2/error HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        );
        let Some(Happening::Error {
            request_id, body, ..
        }) = emulator.next_happening(wait)
        else {
            panic!("expected an error");
        };
        assert_eq!(
            (request_id.as_deref(), body.as_str()),
            (Some("r-2"), "abcde")
        );
        exchange(
            &mut stream,
            "POST /2018-06-01/runtime/init/error HTTP/1.1\r\ncontent-length: 4\r\n\r\nboom",
        );
        let Some(Happening::Error { request_id, .. }) = emulator.next_happening(wait) else {
            panic!("expected an init error");
        };
        assert_eq!(request_id, None);
    }

    #[test]
    fn a_holding_emulator_reports_a_response_at_once_and_accepts_it_after_the_hold() {
        let hold = Duration::from_millis(300);
        let emulator = Emulator::holding(hold);
        let mut stream = TcpStream::connect(&emulator.address).unwrap();
        let posted = Instant::now();
        let answering = std::thread::spawn(move || {
            let answer = exchange(
                &mut stream,
                "POST /2018-06-01/runtime/invocation/r-1/response HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}",
            );
            (answer, posted.elapsed())
        });
        let Some(Happening::Response { at, .. }) = emulator.next_happening(Duration::from_secs(5))
        else {
            panic!("expected a response");
        };
        assert!(
            at - posted < hold,
            "reported {:?} after posting",
            at - posted
        );
        let (answer, took) = answering.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
        assert!(took >= hold, "accepted after {took:?}");
    }

    #[test]
    fn a_dropped_next_closes_the_connection() {
        let emulator = Emulator::start();
        let mut stream = TcpStream::connect(&emulator.address).unwrap();
        stream
            .write_all(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n")
            .unwrap();
        // The harness drops the `Next` (its process is gone): the connection closes.
        assert!(matches!(
            emulator.next_happening(Duration::from_secs(5)),
            Some(Happening::Next { .. })
        ));
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
    }
}
