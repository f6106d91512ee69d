//! DynamoDB's throttling answers, injected by the relay: DynamoDB Local never throttles, so a
//! test chooses which operation is refused, how, and for how many requests, and the handler's
//! SDK meets the same bytes a throttled table sends.

use std::sync::Mutex;

use serde_json::{Value, json};

use super::relay::{RelayedRequest, RelayedResponse};

/// How DynamoDB refuses a request it will not serve now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// On-demand: the table or a partition is over its throughput.
    Throttling,
    /// Provisioned: the table, an index or one hot item is over its throughput.
    ProvisionedThroughputExceeded,
    /// A transaction cancelled because one of its items was throttled (`ThrottlingError`
    /// among the `CancellationReasons`); only for `TransactWriteItems`/`TransactGetItems`.
    TransactionThrottled,
}

/// For how many matching requests a refusal holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    Next(u32),
    UntilCleared,
}

#[derive(Debug)]
struct Rule {
    operation: String,
    refusal: Refusal,
    left: Times,
}

/// The refusals a test has set, checked against each request in turn.
#[derive(Debug, Default)]
pub struct Throttle {
    rules: Mutex<Vec<Rule>>,
    refused: Mutex<Vec<String>>,
}

impl Throttle {
    /// Refuses `operation` (`GetItem`, `TransactWriteItems`…) `times` with `refusal`.
    pub fn refuse(&self, operation: &str, refusal: Refusal, times: Times) {
        self.rules.lock().unwrap().push(Rule {
            operation: operation.to_owned(),
            refusal,
            left: times,
        });
    }

    /// Every refusal lifted: DynamoDB has the capacity again.
    pub fn clear(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// The operations refused so far, in order.
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().unwrap().clone()
    }

    /// DynamoDB's refusal of `request`, if a rule takes it.
    pub(crate) fn answer(&self, request: &RelayedRequest) -> Option<RelayedResponse> {
        let operation = request.operation()?;
        let refusal = {
            let mut rules = self.rules.lock().unwrap();
            let rule = rules
                .iter_mut()
                .find(|rule| rule.operation == operation && rule.left != Times::Next(0))?;
            if let Times::Next(left) = &mut rule.left {
                *left -= 1;
            }
            rule.refusal
        };
        self.refused.lock().unwrap().push(operation.to_owned());
        Some(refusal_response(refusal, request))
    }
}

/// The answer DynamoDB sends: HTTP 400 with the error's type and message, as the service
/// words them (and `CancellationReasons`, one per action, for a transaction).
fn refusal_response(refusal: Refusal, request: &RelayedRequest) -> RelayedResponse {
    const PREFIX: &str = "com.amazonaws.dynamodb.v20120810#";
    let body = match refusal {
        Refusal::Throttling => json!({
            "__type": format!("{PREFIX}ThrottlingException"),
            "message": "Throughput exceeds the current capacity of your table or index. DynamoDB \
                        is automatically scaling your table or index so please try again shortly."
        }),
        Refusal::ProvisionedThroughputExceeded => json!({
            "__type": format!("{PREFIX}ProvisionedThroughputExceededException"),
            "message": "The level of configured provisioned throughput for the table was \
                        exceeded. Consider increasing your provisioning level with the \
                        UpdateTable API."
        }),
        Refusal::TransactionThrottled => {
            let reasons = throttled_reasons(request);
            let codes: Vec<&str> = reasons
                .iter()
                .map(|r| r["Code"].as_str().unwrap_or("None"))
                .collect();
            json!({
                "__type": format!("{PREFIX}TransactionCanceledException"),
                "Message": format!(
                    "Transaction cancelled, please refer cancellation reasons for specific \
                     reasons [{}]",
                    codes.join(", ")
                ),
                "CancellationReasons": reasons,
            })
        }
    };
    RelayedResponse::json(400, "Bad Request", &body.to_string())
}

/// One reason per action: `ThrottlingError` on the first `Update` (the stock item a sale
/// takes, the hot one), or the first action when there is none; `None` on the others.
fn throttled_reasons(request: &RelayedRequest) -> Vec<Value> {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let actions = body["TransactItems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let hot = actions
        .iter()
        .position(|action| action.get("Update").is_some())
        .unwrap_or(0);
    (0..actions.len().max(1))
        .map(|position| {
            if position == hot {
                json!({"Code": "ThrottlingError", "Message": "Throughput exceeds the current \
                       capacity of your table or index. DynamoDB is automatically scaling \
                       your table or index so please try again shortly."})
            } else {
                json!({"Code": "None"})
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(operation: &str, body: &str) -> RelayedRequest {
        RelayedRequest {
            head: format!("POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.{operation}"),
            body: body.as_bytes().to_vec(),
        }
    }

    fn answer_body(response: &RelayedResponse) -> Value {
        serde_json::from_slice(&response.body).unwrap()
    }

    #[test]
    fn only_the_chosen_operation_is_refused_and_only_as_often_as_asked() {
        let throttle = Throttle::default();
        throttle.refuse("GetItem", Refusal::Throttling, Times::Next(2));
        assert!(throttle.answer(&request("PutItem", "{}")).is_none());
        let first = throttle.answer(&request("GetItem", "{}")).unwrap();
        assert_eq!(first.status(), 400);
        assert_eq!(
            answer_body(&first)["__type"],
            "com.amazonaws.dynamodb.v20120810#ThrottlingException"
        );
        assert!(throttle.answer(&request("GetItem", "{}")).is_some());
        assert!(throttle.answer(&request("GetItem", "{}")).is_none());
        assert_eq!(throttle.refused(), ["GetItem", "GetItem"]);
    }

    #[test]
    fn a_refusal_until_cleared_lasts_until_cleared() {
        let throttle = Throttle::default();
        let put = request("PutItem", "{}");
        throttle.refuse(
            "PutItem",
            Refusal::ProvisionedThroughputExceeded,
            Times::UntilCleared,
        );
        for _ in 0..5 {
            let answer = throttle.answer(&put).unwrap();
            assert_eq!(
                answer_body(&answer)["__type"],
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
            );
        }
        throttle.clear();
        assert!(throttle.answer(&put).is_none());
    }

    #[test]
    fn a_throttled_transaction_names_the_hot_item_among_one_reason_per_action() {
        let throttle = Throttle::default();
        throttle.refuse(
            "TransactWriteItems",
            Refusal::TransactionThrottled,
            Times::Next(1),
        );
        let transaction = request(
            "TransactWriteItems",
            r#"{"TransactItems":[{"Put":{}},{"Put":{}},{"Update":{}}]}"#,
        );
        let answer = answer_body(&throttle.answer(&transaction).unwrap());
        assert_eq!(
            answer["__type"],
            "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
        );
        let codes: Vec<&str> = answer["CancellationReasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["None", "None", "ThrottlingError"]);
    }
}
