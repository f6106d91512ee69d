//! A small Lambda Runtime API of the bench's own: `GET /next` hands out the event the harness
//! queued, `POST …/response` (or `…/error`) hands the answer back, each with the instant it
//! happened. One function process at a time talks to it, over plain HTTP/1.1 on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the function did, and when.
#[derive(Debug)]
pub enum Happening {
    /// It asked for the next event.
    Next(Instant),
    /// It answered the event with this body.
    Response(Instant, Vec<u8>),
    /// It reported an error (invocation or init).
    Error(String),
}

pub struct Emulator {
    pub address: String,
    events: Sender<String>,
    happenings: Receiver<Happening>,
}

impl Emulator {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("emulator binds");
        let address = listener.local_addr().expect("bound").to_string();
        let (events, queued) = channel::<String>();
        let (report, happenings) = channel::<Happening>();
        let queued = Arc::new(Mutex::new(queued));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (queued, report) = (queued.clone(), report.clone());
                std::thread::spawn(move || serve(stream, &queued, &report));
            }
        });
        Self {
            address,
            events,
            happenings,
        }
    }

    /// Queues one event for the function's next `GET /next`.
    pub fn queue(&self, event: String) {
        self.events.send(event).expect("emulator runs");
    }

    /// The next thing the function did (waits for it).
    pub fn next_happening(&self, timeout: std::time::Duration) -> Option<Happening> {
        self.happenings.recv_timeout(timeout).ok()
    }

    /// Drops whatever a killed process left behind.
    pub fn drain(&self) {
        while self.happenings.try_recv().is_ok() {}
    }
}

fn serve(stream: TcpStream, queued: &Mutex<Receiver<String>>, report: &Sender<Happening>) {
    let mut writer = stream.try_clone().expect("stream clones");
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_owned(),
            parts.next().unwrap_or("").to_owned(),
        );
        let (mut length, mut chunked) = (0usize, false);
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                _ => {}
            }
        }
        let body = if chunked {
            read_chunked(&mut reader)
        } else {
            read_exact(&mut reader, length)
        };
        let reply = if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let _ = report.send(Happening::Next(Instant::now()));
            let Ok(event) = queued.lock().expect("queue lock").recv() else {
                return;
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis()
                + 30_000;
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: bench\r\n\
                 lambda-runtime-deadline-ms: {deadline}\r\nlambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:000000000000:function:bench\r\n\
                 lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000\r\ncontent-length: {}\r\n\r\n{event}",
                event.len()
            )
        } else if method == "POST" && path.ends_with("/response") {
            let _ = report.send(Happening::Response(Instant::now(), body));
            "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n".to_owned()
        } else if method == "POST" && path.ends_with("/error") {
            let _ = report.send(Happening::Error(
                String::from_utf8_lossy(&body).into_owned(),
            ));
            "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n".to_owned()
        } else {
            "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_owned()
        };
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn read_exact(reader: &mut impl Read, length: usize) -> Vec<u8> {
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    body
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        if reader.read_line(&mut size).unwrap_or(0) == 0 {
            return body;
        }
        let size =
            usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        if size == 0 {
            let mut end = String::new();
            let _ = reader.read_line(&mut end);
            return body;
        }
        body.extend(read_exact(reader, size));
        let mut crlf = String::new();
        let _ = reader.read_line(&mut crlf);
    }
}
