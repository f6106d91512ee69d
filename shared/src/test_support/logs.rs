use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// Everything logged on this thread while the guard lives, as Lambda's JSON lines
/// (`telemetry::json_layer`) through the production filter at `trace` (the most an operator
/// can turn on), so a test can assert what never appears in a log line, and what every line
/// carries.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Starts capturing on the current thread (use a current-thread runtime).
    pub fn start() -> (Self, tracing::subscriber::DefaultGuard) {
        let logs = Self::default();
        let identity = crate::telemetry::FunctionIdentity {
            name: "test-function".into(),
            version: "$LATEST".into(),
            memory_mb: "128".into(),
        };
        let subscriber = tracing_subscriber::registry()
            .with(crate::telemetry::filter("trace"))
            .with(crate::telemetry::json_layer(&identity, logs.clone()));
        let guard = tracing::subscriber::set_default(subscriber);
        (logs, guard)
    }

    /// Every line, parsed: a line that is not a JSON object fails the test.
    pub fn lines(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        self.text()
            .lines()
            .map(|line| match serde_json::from_str(line) {
                Ok(serde_json::Value::Object(object)) => object,
                _ => panic!("a log line is not a JSON object: {line}"),
            })
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLogs {
    type Writer = Self;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
