use std::sync::Arc;
use std::time::Duration;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does to traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward everything.
    None,
    /// DynamoDB is down: open connections are cut, new ones closed at once.
    Down,
    /// DynamoDB hangs: connections are accepted and nothing is ever answered.
    Hang,
    /// Every new connection waits this long before it is forwarded.
    Slow(Duration),
}

/// A TCP proxy in front of DynamoDB Local whose behaviour a test switches at will, so faults
/// strike a running app (its client and connection pool as they are), like the real thing.
pub struct FaultProxy {
    endpoint: String,
    fault: Arc<watch::Sender<Fault>>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let fault = Arc::new(watch::channel(Fault::None).0);
        let faults = fault.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream.clone(), faults.subscribe()));
            }
        });
        Self { endpoint, fault }
    }

    /// The endpoint to give the app instead of DynamoDB Local's.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }
}

async fn relay(mut client: TcpStream, upstream: String, mut fault: watch::Receiver<Fault>) {
    let current = *fault.borrow_and_update();
    match current {
        Fault::Down => return,
        Fault::Hang => {
            // Hold the connection, answer nothing, until the fault changes.
            let _ = fault.changed().await;
            return;
        }
        Fault::Slow(delay) => tokio::time::sleep(delay).await,
        Fault::None => {}
    }
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        // Any fault cuts the connections already open, as a dying or restarting server does,
        // so it reaches the client's pooled connections too.
        _ = async {
            while fault.changed().await.is_ok() {
                if *fault.borrow() != Fault::None {
                    break;
                }
            }
        } => {}
    }
}
