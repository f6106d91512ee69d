//! The capacity a handler's DynamoDB calls consume, as DynamoDB itself accounts it: the relay
//! asks every data call for `ReturnConsumedCapacity: INDEXES` and reads the answer back, so a
//! test can hold a route to the units it costs. Production code never asks.
//!
//! DynamoDB Local computes the units, and departs from the service's documented billing in two
//! ways `billed` corrects for (measured in docs/CAPACITY.md):
//! - a `TransactWriteItems` is 4 units per KB of the whole transaction (one small item or four:
//!   4 units), where AWS bills each action 2 units per KB of its item: billed here as 2 per
//!   action and 2 per index entry it writes, exact for items under 1 KB (capacity.rs checks
//!   every item of its shop is);
//! - a key a `BatchGetItem` does not find costs nothing, where AWS bills it as a read.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::relay::{RelayedRequest, RelayedResponse};

/// The operations that answer `ConsumedCapacity`, and whether each reads.
const METERED: [(&str, bool); 10] = [
    ("GetItem", true),
    ("Query", true),
    ("Scan", true),
    ("BatchGetItem", true),
    ("TransactGetItems", true),
    ("PutItem", false),
    ("UpdateItem", false),
    ("DeleteItem", false),
    ("BatchWriteItem", false),
    ("TransactWriteItems", false),
];

/// One metered call.
#[derive(Debug, Clone, PartialEq)]
pub struct MeteredCall {
    pub operation: String,
    /// Units as DynamoDB Local reported them; `None` when the call failed (a failed call's
    /// answer carries none).
    pub units: Option<f64>,
    /// Read units if the operation reads, else write units.
    pub reads: bool,
    /// The units by what they were spent on: `table` or `index/<name>`.
    pub by_resource: BTreeMap<String, f64>,
    /// What AWS would bill for the same call (see the module's comment).
    pub billed: Option<f64>,
}

/// The calls a relay saw, in order.
#[derive(Debug, Clone, Default)]
pub struct CapacityMeter {
    calls: Arc<Mutex<Vec<MeteredCall>>>,
}

/// A point in the meter's record, to ask what was consumed after it.
#[derive(Debug, Clone, Copy)]
pub struct Mark(usize);

impl CapacityMeter {
    /// Asks DynamoDB to account for a data call's capacity, per table and index.
    pub(crate) fn ask(&self, request: &mut RelayedRequest) {
        if reads(request).is_none() {
            return;
        }
        let Ok(Value::Object(mut body)) = serde_json::from_slice(&request.body) else {
            return;
        };
        body.insert("ReturnConsumedCapacity".into(), "INDEXES".into());
        request.set_body(serde_json::to_vec(&body).expect("JSON serialises"));
    }

    /// Records what a data call consumed, from its answer.
    pub(crate) fn record(&self, request: &RelayedRequest, response: &RelayedResponse) {
        let Some(reads) = reads(request) else {
            return;
        };
        let operation = request.operation().unwrap_or_default().to_owned();
        let answer: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        let entries: Vec<&Value> = match &answer["ConsumedCapacity"] {
            Value::Array(entries) => entries.iter().collect(),
            Value::Null => Vec::new(),
            entry => vec![entry],
        };
        let succeeded = response.status() == 200 && !entries.is_empty();
        let units = succeeded.then(|| entries.iter().map(|e| number(&e["CapacityUnits"])).sum());
        let mut by_resource = BTreeMap::new();
        for entry in entries {
            add_by_resource(&mut by_resource, entry);
        }
        let billed = units.map(|units| billed(&operation, units, request, &answer, &by_resource));
        self.calls.lock().unwrap().push(MeteredCall {
            operation,
            units,
            reads,
            by_resource,
            billed,
        });
    }

    pub fn mark(&self) -> Mark {
        Mark(self.calls.lock().unwrap().len())
    }

    /// The calls since `mark`.
    pub fn since(&self, mark: Mark) -> Consumption {
        Consumption {
            calls: self.calls.lock().unwrap()[mark.0..].to_vec(),
        }
    }
}

/// Whether a request is a metered call that reads (`Some(true)`) or writes (`Some(false)`).
fn reads(request: &RelayedRequest) -> Option<bool> {
    let operation = request.operation()?;
    METERED
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|(_, reads)| *reads)
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

fn add_by_resource(by_resource: &mut BTreeMap<String, f64>, entry: &Value) {
    let mut add = |name: String, value: &Value| {
        *by_resource.entry(name).or_default() += number(&value["CapacityUnits"]);
    };
    // Without a breakdown (some operations give none), the whole call was the table's.
    let table = entry.get("Table").unwrap_or(entry);
    add("table".to_owned(), table);
    for kind in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        for (index, value) in entry[kind].as_object().into_iter().flatten() {
            add(format!("index/{index}"), value);
        }
    }
}

/// What AWS bills for a call DynamoDB Local reported `units` for.
fn billed(
    operation: &str,
    units: f64,
    request: &RelayedRequest,
    answer: &Value,
    by_resource: &BTreeMap<String, f64>,
) -> f64 {
    match operation {
        "TransactWriteItems" => transaction_writes(request, by_resource),
        "BatchGetItem" => units + unbilled_misses(request, answer),
        _ => units,
    }
}

/// Two underlying writes per action and per index entry written, items under 1 KB: the
/// indexes Local reports, one entry each (no transaction of ours writes two items of one
/// index).
fn transaction_writes(request: &RelayedRequest, by_resource: &BTreeMap<String, f64>) -> f64 {
    let asked: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let actions = asked["TransactItems"].as_array().map_or(0, Vec::len);
    let index_entries = by_resource
        .iter()
        .filter(|(resource, units)| resource.starts_with("index/") && **units > 0.0)
        .count();
    2.0 * (actions + index_entries) as f64
}

/// The read units AWS bills and DynamoDB Local does not for the keys a batch read did not find:
/// one per key read strongly consistent, a half per key read eventually consistent.
fn unbilled_misses(request: &RelayedRequest, answer: &Value) -> f64 {
    let asked: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let mut units = 0.0;
    for (table, keys) in asked["RequestItems"].as_object().into_iter().flatten() {
        let requested = keys["Keys"].as_array().map_or(0, Vec::len);
        let found = answer["Responses"][table].as_array().map_or(0, Vec::len);
        let unprocessed = answer["UnprocessedKeys"][table]["Keys"]
            .as_array()
            .map_or(0, Vec::len);
        let missed = requested.saturating_sub(found + unprocessed) as f64;
        let per_key = if keys["ConsistentRead"].as_bool() == Some(true) {
            1.0
        } else {
            0.5
        };
        units += missed * per_key;
    }
    units
}

/// The calls of a stretch of a test.
#[derive(Debug, Clone, Default)]
pub struct Consumption {
    pub calls: Vec<MeteredCall>,
}

impl Consumption {
    /// The operations called, in order.
    pub fn operations(&self) -> Vec<&str> {
        self.calls.iter().map(|c| c.operation.as_str()).collect()
    }

    /// Read and write units as DynamoDB Local reported them.
    pub fn units(&self) -> (f64, f64) {
        self.sum(|call| call.units)
    }

    /// Read and write units as AWS bills them.
    pub fn billed(&self) -> (f64, f64) {
        self.sum(|call| call.billed)
    }

    /// Every call answered with its units (none failed).
    pub fn all_metered(&self) -> bool {
        self.calls.iter().all(|call| call.units.is_some())
    }

    /// Units as reported, by `table` or `index/<name>`, with `R` or `W`: `table R` → 1.5.
    pub fn by_resource(&self) -> BTreeMap<String, f64> {
        let mut totals = BTreeMap::new();
        for call in &self.calls {
            let kind = if call.reads { "R" } else { "W" };
            for (resource, units) in &call.by_resource {
                *totals.entry(format!("{resource} {kind}")).or_default() += units;
            }
        }
        totals
    }

    fn sum(&self, units: impl Fn(&MeteredCall) -> Option<f64>) -> (f64, f64) {
        let total = |reads: bool| {
            self.calls
                .iter()
                .filter(|call| call.reads == reads)
                .filter_map(&units)
                .sum::<f64>()
        };
        // `+ 0.0`: an empty sum is -0.
        (total(true) + 0.0, total(false) + 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(operation: &str, body: &str) -> RelayedRequest {
        RelayedRequest {
            head: format!(
                "POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.{operation}\r\nContent-Length: {}",
                body.len()
            ),
            body: body.as_bytes().to_vec(),
        }
    }

    fn ok(body: &str) -> RelayedResponse {
        RelayedResponse::json(200, "OK", body)
    }

    #[test]
    fn data_calls_ask_for_capacity_by_index_and_others_are_left_alone() {
        let meter = CapacityMeter::default();
        let mut get = request("GetItem", r#"{"TableName":"t"}"#);
        meter.ask(&mut get);
        let body: Value = serde_json::from_slice(&get.body).unwrap();
        assert_eq!(body["ReturnConsumedCapacity"], "INDEXES");
        assert_eq!(body["TableName"], "t");
        assert_eq!(
            get.header("content-length"),
            Some(get.body.len().to_string().as_str())
        );

        let mut describe = request("DescribeTable", r#"{"TableName":"t"}"#);
        meter.ask(&mut describe);
        assert_eq!(describe.body, br#"{"TableName":"t"}"#);
    }

    #[test]
    fn answers_are_summed_by_kind_and_resource_and_billed_as_aws_bills() {
        let meter = CapacityMeter::default();
        let mark = meter.mark();
        meter.record(
            &request("Query", r#"{"IndexName":"gsi2"}"#),
            &ok(
                r#"{"ConsumedCapacity":{"CapacityUnits":0.5,"Table":{"CapacityUnits":0.0},
                "GlobalSecondaryIndexes":{"gsi2":{"CapacityUnits":0.5}}}}"#,
            ),
        );
        meter.record(
            &request(
                "TransactWriteItems",
                r#"{"TransactItems":[{"Put":{}},{"Put":{}},{"Update":{}}]}"#,
            ),
            &ok(
                r#"{"ConsumedCapacity":[{"CapacityUnits":12.0,"Table":{"CapacityUnits":8.0},
                "GlobalSecondaryIndexes":{"gsi1":{"CapacityUnits":4.0}}}]}"#,
            ),
        );
        meter.record(
            &request(
                "BatchGetItem",
                r#"{"RequestItems":{"t":{"Keys":[{},{},{}],"ConsistentRead":true}}}"#,
            ),
            &ok(r#"{"Responses":{"t":[{}]},"UnprocessedKeys":{},
                "ConsumedCapacity":[{"TableName":"t","CapacityUnits":1.0}]}"#),
        );
        let consumed = meter.since(mark);
        assert_eq!(
            consumed.operations(),
            ["Query", "TransactWriteItems", "BatchGetItem"]
        );
        assert_eq!(consumed.units(), (1.5, 12.0));
        assert_eq!(
            consumed.billed(),
            (3.5, 8.0),
            "two misses read strongly: 2 more; 3 actions and 1 index entry, 2 each"
        );
        assert_eq!(
            consumed.by_resource(),
            BTreeMap::from([
                ("index/gsi1 W".to_owned(), 4.0),
                ("index/gsi2 R".to_owned(), 0.5),
                ("table R".to_owned(), 1.0),
                ("table W".to_owned(), 8.0),
            ])
        );
        assert!(consumed.all_metered());
        assert_eq!(meter.since(meter.mark()).calls, []);
    }

    #[test]
    fn a_failed_call_is_counted_without_units() {
        let meter = CapacityMeter::default();
        meter.record(
            &request("PutItem", "{}"),
            &RelayedResponse::json(
                400,
                "Bad Request",
                r#"{"__type":"x#ConditionalCheckFailedException"}"#,
            ),
        );
        let consumed = meter.since(Mark(0));
        assert_eq!(consumed.operations(), ["PutItem"]);
        assert!(!consumed.all_metered());
    }
}
