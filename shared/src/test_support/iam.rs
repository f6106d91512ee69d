//! What IAM a handler's DynamoDB calls need, recorded while its tests run, so that
//! `infra/tests/iam.rs` can hold `template.yaml`'s policies to what the code does.
//!
//! With `IAM_OBSERVED_DIR` set (`infra/test.sh` sets it), every call a `TestApp` handler makes
//! adds its grants to `$IAM_OBSERVED_DIR/<crate>`, one `action resource` line each, where
//! `<crate>` is the `CARGO_PKG_NAME` cargo gives the running test binary. Unset, nothing is
//! written.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::Value;

use super::relay::RelayedRequest;

/// One grant a call needs: an IAM action and what it addresses, `table` or `index/<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    pub action: String,
    pub resource: String,
}

impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.action, self.resource)
    }
}

/// The grants one DynamoDB request needs. IAM authorizes a transaction item by item
/// (`Put` needs `dynamodb:PutItem`, `ConditionCheck` needs `dynamodb:ConditionCheckItem`),
/// and a `Query` or `Scan` naming an index needs the grant on that index.
pub fn grants_of(request: &RelayedRequest) -> Vec<Grant> {
    let target = request
        .header("x-amz-target")
        .unwrap_or_else(|| panic!("a DynamoDB request without X-Amz-Target: {}", request.head));
    let operation = target
        .strip_prefix("DynamoDB_20120810.")
        .unwrap_or_else(|| panic!("not a DynamoDB target: {target}"));
    let body: Value = serde_json::from_slice(&request.body)
        .unwrap_or_else(|e| panic!("{operation} body is not JSON: {e}"));
    let on_table = |action: &str| Grant {
        action: format!("dynamodb:{action}"),
        resource: "table".to_owned(),
    };
    match operation {
        "TransactWriteItems" | "TransactGetItems" => body["TransactItems"]
            .as_array()
            .unwrap_or_else(|| panic!("{operation} without TransactItems"))
            .iter()
            .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.keys()))
            .map(|kind| {
                on_table(match kind.as_str() {
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    "ConditionCheck" => "ConditionCheckItem",
                    "Get" => "GetItem",
                    other => panic!("unknown transaction item {other}"),
                })
            })
            .collect(),
        _ => vec![match body["IndexName"].as_str() {
            Some(index) => Grant {
                action: format!("dynamodb:{operation}"),
                resource: format!("index/{index}"),
            },
            None => on_table(operation),
        }],
    }
}

/// Where this test binary's grants go, when they are being recorded.
pub struct IamRecorder {
    file: PathBuf,
}

impl IamRecorder {
    /// `Some` when `IAM_OBSERVED_DIR` is set.
    pub fn from_env() -> Option<Self> {
        let dir = std::env::var_os("IAM_OBSERVED_DIR")?;
        let crate_name = std::env::var("CARGO_PKG_NAME").expect(
            "IAM_OBSERVED_DIR is set but CARGO_PKG_NAME is not: run the tests with cargo test",
        );
        Some(Self {
            file: PathBuf::from(dir).join(crate_name),
        })
    }

    /// Appends the grants this process has not recorded yet.
    pub fn record(&self, grants: &[Grant]) {
        // One set per process: its tests run in parallel and repeat the same calls.
        static RECORDED: Mutex<BTreeSet<Grant>> = Mutex::new(BTreeSet::new());
        let mut recorded = RECORDED.lock().unwrap_or_else(|e| e.into_inner());
        for grant in grants {
            if recorded.contains(grant) {
                continue;
            }
            let mut file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.file)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.file.display()));
            writeln!(file, "{grant}").expect("the grant is written");
            recorded.insert(grant.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, body: &str) -> RelayedRequest {
        RelayedRequest {
            head: format!("POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.{target}"),
            body: body.as_bytes().to_vec(),
        }
    }

    fn lines(grants: Vec<Grant>) -> Vec<String> {
        grants.iter().map(Grant::to_string).collect()
    }

    #[test]
    fn a_plain_call_needs_its_own_action_on_the_table() {
        assert_eq!(
            lines(grants_of(&request("GetItem", r#"{"TableName":"t"}"#))),
            ["dynamodb:GetItem table"]
        );
    }

    #[test]
    fn a_query_on_an_index_needs_the_grant_on_that_index() {
        assert_eq!(
            lines(grants_of(&request(
                "Query",
                r#"{"TableName":"t","IndexName":"gsi1"}"#
            ))),
            ["dynamodb:Query index/gsi1"]
        );
    }

    #[test]
    fn a_transaction_needs_each_items_action() {
        let body = r#"{"TransactItems":[{"Put":{"TableName":"t"}},{"ConditionCheck":{"TableName":"t"}},
            {"Update":{"TableName":"t"}},{"Delete":{"TableName":"t"}}]}"#;
        assert_eq!(
            lines(grants_of(&request("TransactWriteItems", body))),
            [
                "dynamodb:PutItem table",
                "dynamodb:ConditionCheckItem table",
                "dynamodb:UpdateItem table",
                "dynamodb:DeleteItem table"
            ]
        );
        assert_eq!(
            lines(grants_of(&request(
                "TransactGetItems",
                r#"{"TransactItems":[{"Get":{"TableName":"t"}}]}"#
            ))),
            ["dynamodb:GetItem table"]
        );
    }
}
