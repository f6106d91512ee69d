//! What template.yaml deploys to watch the service: Lambda's JSON logs at the `LogLevel`
//! parameter, the functions' metrics namespace, per-route API metrics, an alarm on every
//! function's errors and throttles and on every route's p99 latency, the service-wide alarms,
//! every alarm notifying the topic, and a dashboard showing every function and route. The same
//! stack created in moto is read back by infra/rehearsal; what each alarm asks of an operator is
//! docs/OPERATIONS.md.

#[allow(dead_code)] // the rest of it serves template.rs and iam.rs
mod deployed;

use std::collections::BTreeSet;

use serde_yaml_ng::Value;

use deployed::{functions, template};

fn yaml(text: &str) -> Value {
    serde_yaml_ng::from_str(text).unwrap()
}

/// (function logical id, method, path) of every HttpApi event of the template.
fn routes(template: &Value) -> BTreeSet<(String, String, String)> {
    let mut routes = BTreeSet::new();
    for function in functions(template) {
        for event in function.properties["Events"]
            .as_mapping()
            .into_iter()
            .flat_map(|events| events.values())
            .filter(|event| event["Type"].as_str() == Some("HttpApi"))
        {
            let properties = &event["Properties"];
            routes.insert((
                function.logical_id.clone(),
                properties["Method"].as_str().unwrap().to_uppercase(),
                properties["Path"].as_str().unwrap().to_owned(),
            ));
        }
    }
    routes
}

/// (logical id, properties) of every `AWS::CloudWatch::Alarm`.
fn alarms(template: &Value) -> Vec<(String, &Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
        .map(|(id, resource)| (id.as_str().unwrap().to_owned(), &resource["Properties"]))
        .collect()
}

/// A metric an alarm reads, as the template writes it (a `!Ref` stays a tagged value).
#[derive(Debug, Clone, PartialEq)]
struct Read {
    namespace: Value,
    metric: String,
    dimensions: Value,
}

impl Read {
    fn new(namespace: &str, metric: &str, dimensions: &str) -> Self {
        Read {
            namespace: yaml(namespace),
            metric: metric.to_owned(),
            dimensions: yaml(dimensions),
        }
    }
}

/// The dimensions of a metric as a `{name: value}` map, whatever their order in the template.
fn dimension_map(dimensions: &Value) -> Value {
    let mut map = serde_yaml_ng::Mapping::new();
    for dimension in dimensions.as_sequence().into_iter().flatten() {
        map.insert(dimension["Name"].clone(), dimension["Value"].clone());
    }
    Value::Mapping(map)
}

/// Every metric an alarm reads: its own (`MetricName`) or its metric math's (`Metrics`).
fn reads(alarm: &Value) -> Vec<Read> {
    let metric = |m: &Value| Read {
        namespace: m["Namespace"].clone(),
        metric: m["MetricName"].as_str().unwrap().to_owned(),
        dimensions: dimension_map(&m["Dimensions"]),
    };
    let mut reads: Vec<Read> = alarm["Metrics"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|query| !query["MetricStat"].is_null())
        .map(|query| metric(&query["MetricStat"]["Metric"]))
        .collect();
    if !alarm["MetricName"].is_null() {
        reads.push(metric(alarm));
    }
    reads
}

/// The text of an expression, `!Sub` or plain.
fn text(value: &Value) -> &str {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Sub" => tagged.value.as_str().unwrap(),
        other => other.as_str().unwrap_or(""),
    }
}

/// The expressions (metric math or Metrics Insights) of an alarm.
fn expressions(alarm: &Value) -> Vec<&str> {
    alarm["Metrics"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|query| text(&query["Expression"]))
        .filter(|expression| !expression.is_empty())
        .collect()
}

/// The alarms that read `wanted`.
fn reading<'a>(alarms: &'a [(String, &'a Value)], wanted: &Read) -> Vec<&'a str> {
    alarms
        .iter()
        .filter(|(_, alarm)| reads(alarm).contains(wanted))
        .map(|(id, _)| id.as_str())
        .collect()
}

#[test]
fn every_function_has_an_alarm_on_its_errors_and_throttles() {
    let template = template();
    let alarms = alarms(&template);
    let mut missing = Vec::new();
    for function in functions(&template) {
        for metric in ["Errors", "Throttles"] {
            let dimensions = format!("{{FunctionName: !Ref {}}}", function.logical_id);
            let wanted = Read::new("AWS/Lambda", metric, &dimensions);
            if reading(&alarms, &wanted).is_empty() {
                missing.push(format!("{} {metric}", function.logical_id));
            }
        }
    }
    assert!(missing.is_empty(), "no alarm reads: {missing:?}");
}

#[test]
fn every_route_has_a_p99_latency_alarm() {
    let template = template();
    let alarms = alarms(&template);
    let mut missing = Vec::new();
    for (function, method, path) in routes(&template) {
        // The dimensions HTTP APIs publish per-route metrics under, with detailed metrics on.
        let dimensions = format!(
            "{{ApiId: !Ref HttpApi, Stage: !Ref Stage, Method: {method}, Resource: '{path}'}}"
        );
        let wanted = Read::new("AWS/ApiGateway", "Latency", &dimensions);
        let found = alarms.iter().any(|(_, alarm)| {
            reads(alarm).contains(&wanted)
                && alarm["ExtendedStatistic"].as_str() == Some("p99")
                && alarm["Threshold"] == yaml("!Ref RouteLatencyP99Ms")
        });
        if !found {
            missing.push(format!("{method} {path} ({function})"));
        }
    }
    assert!(missing.is_empty(), "no p99 latency alarm: {missing:?}");
}

#[test]
fn the_service_wide_alarms_exist() {
    let template = template();
    let alarms = alarms(&template);

    // The API's 5xx rate: 5xx over Count, guarded against a period without requests.
    let api = "{ApiId: !Ref HttpApi, Stage: !Ref Stage}";
    let errors = reading(&alarms, &Read::new("AWS/ApiGateway", "5xx", api));
    let requests = reading(&alarms, &Read::new("AWS/ApiGateway", "Count", api));
    let rate: Vec<_> = alarms
        .iter()
        .filter(|(id, alarm)| {
            errors.contains(&id.as_str())
                && requests.contains(&id.as_str())
                && expressions(alarm)
                    .iter()
                    .any(|e| e.contains('/') && (e.contains("IF(") || e.contains("FILL(")))
                && alarm["Threshold"] == yaml("!Ref Api5xxRatePercent")
        })
        .collect();
    assert_eq!(rate.len(), 1, "one alarm on the API's 5xx rate: {rate:?}");

    // The table's throttles and system errors, summed over every operation.
    for metric in ["ThrottledRequests", "SystemErrors"] {
        let found = alarms.iter().any(|(_, alarm)| {
            expressions(alarm).iter().any(|e| {
                e.contains(&format!("SUM({metric})"))
                    && e.contains("SCHEMA(\"AWS/DynamoDB\", Operation, TableName)")
                    && e.contains("TableName = '${Table}'")
            })
        });
        assert!(found, "no alarm on the table's {metric}");
    }

    // The functions' own metrics, summed over every function that counts them (refresh and
    // logout both present refresh tokens; login and update-user both check passwords).
    for (metric, threshold) in [
        ("RefreshTokenReuse", "RefreshTokenReuseThreshold"),
        ("LoginsThrottled", "LoginsThrottledThreshold"),
    ] {
        let query =
            format!("SELECT SUM({metric}) FROM SCHEMA(\"${{AWS::StackName}}\", FunctionName)");
        let found = alarms.iter().any(|(_, alarm)| {
            expressions(alarm) == [query.as_str()]
                && alarm["Metrics"][0]["Period"].as_u64() == Some(300)
                && alarm["Threshold"] == yaml(&format!("!Ref {threshold}"))
                && alarm["ComparisonOperator"].as_str() == Some("GreaterThanOrEqualToThreshold")
        });
        assert!(found, "no alarm on {metric}: {query}");
    }
}

#[test]
fn every_alarm_notifies_the_topic_and_says_what_to_do() {
    let template = template();
    let topic = yaml("[!Ref AlarmTopic]");
    let alarms = alarms(&template);
    assert!(!alarms.is_empty());
    for (id, alarm) in alarms {
        assert_eq!(alarm["AlarmActions"], topic, "{id}");
        assert_eq!(alarm["OKActions"], topic, "{id}");
        assert_eq!(
            alarm["TreatMissingData"].as_str(),
            Some("notBreaching"),
            "{id}"
        );
        let description = alarm["AlarmDescription"].as_str().unwrap_or("");
        assert!(
            !description.is_empty() && !description.contains('\n') && description.len() <= 1024,
            "{id}: one line saying what to do"
        );
    }
}

#[test]
fn every_metric_an_alarm_fetches_counts_in_what_it_watches() {
    // A metric math alarm fetches metrics and watches one expression: a fetched metric the
    // expression leaves out (throttles, say) would never raise it.
    let template = template();
    for (id, alarm) in alarms(&template) {
        let Some(queries) = alarm["Metrics"].as_sequence() else {
            continue;
        };
        let watched: Vec<_> = queries
            .iter()
            .filter(|q| q["ReturnData"].as_bool() != Some(false))
            .collect();
        assert_eq!(watched.len(), 1, "{id} watches one expression");
        let expression = text(&watched[0]["Expression"]);
        assert!(!expression.is_empty(), "{id} watches an expression");
        for query in queries.iter().filter(|q| !q["MetricStat"].is_null()) {
            let metric = query["Id"].as_str().unwrap();
            assert!(
                expression.contains(metric),
                "{id}: {expression:?} leaves out {metric}"
            );
        }
    }
}

#[test]
fn the_topic_emails_alarm_email_only_when_it_is_set() {
    let template = template();
    assert_eq!(
        template["Resources"]["AlarmTopic"]["Type"].as_str(),
        Some("AWS::SNS::Topic")
    );
    assert_eq!(
        template["Parameters"]["AlarmEmail"]["Default"].as_str(),
        Some("")
    );
    let subscriptions: Vec<_> = template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::SNS::Subscription"))
        .collect();
    assert_eq!(subscriptions.len(), 1);
    let subscription = subscriptions[0];
    assert_eq!(
        subscription["Properties"],
        yaml("{TopicArn: !Ref AlarmTopic, Protocol: email, Endpoint: !Ref AlarmEmail}")
    );
    let condition = subscription["Condition"].as_str().expect("a Condition");
    assert_eq!(
        template["Conditions"][condition],
        yaml("!Not [!Equals [!Ref AlarmEmail, '']]")
    );
}

/// A dashboard widget's metric rows, `"."` expanded (each repeats the row above) and the
/// trailing options object dropped.
fn rows(widget: &serde_json::Value) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for row in widget["properties"]["metrics"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let items: Vec<String> = row
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|item| item.as_str())
            .enumerate()
            .map(|(i, item)| match (item, rows.last()) {
                (".", Some(previous)) => previous[i].clone(),
                _ => item.to_owned(),
            })
            .collect();
        rows.push(items);
    }
    rows
}

#[test]
fn the_dashboard_shows_every_function_and_every_route() {
    let template = template();
    let dashboard = &template["Resources"]["Dashboard"];
    assert_eq!(
        dashboard["Type"].as_str(),
        Some("AWS::CloudWatch::Dashboard")
    );
    assert_eq!(
        dashboard["Properties"]["DashboardName"],
        yaml("!Ref AWS::StackName")
    );
    // `${Name}` → `<Name>`: what CloudFormation substitutes, by name.
    let mut body = text(&dashboard["Properties"]["DashboardBody"]).to_owned();
    while let Some(start) = body.find("${") {
        let end = start + body[start..].find('}').unwrap();
        let name = body[start + 2..end].to_owned();
        body.replace_range(start..=end, &format!("<{name}>"));
    }
    let body: serde_json::Value = serde_json::from_str(&body).expect("the dashboard is JSON");
    let widgets: Vec<Vec<Vec<String>>> = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(rows)
        .collect();

    let functions: BTreeSet<String> = functions(&template)
        .into_iter()
        .map(|f| format!("<{}>", f.logical_id))
        .collect();
    let lambda: Vec<_> = widgets
        .iter()
        .filter(|rows| {
            rows.first().and_then(|row| row.first()).map(String::as_str) == Some("AWS/Lambda")
        })
        .collect();
    let metrics: BTreeSet<&str> = lambda.iter().map(|rows| rows[0][1].as_str()).collect();
    assert_eq!(
        metrics,
        BTreeSet::from(["ConcurrentExecutions", "Duration", "Errors", "Throttles"])
    );
    for rows in lambda {
        let shown: BTreeSet<String> = rows
            .iter()
            .filter(|row| row[2] == "FunctionName")
            .map(|row| row[3].clone())
            .collect();
        assert_eq!(shown, functions, "the {} widget", rows[0][1]);
    }

    let latency: BTreeSet<(String, String)> = widgets
        .iter()
        .flatten()
        .filter(|row| row.len() >= 10 && row[..2] == ["AWS/ApiGateway", "Latency"])
        .filter(|row| row[6] == "Method" && row[8] == "Resource")
        .map(|row| (row[7].clone(), row[9].clone()))
        .collect();
    let wanted: BTreeSet<(String, String)> = routes(&template)
        .into_iter()
        .map(|(_, method, path)| (method, path))
        .collect();
    assert_eq!(latency, wanted, "the p99 latency widget's routes");
}

#[test]
fn functions_log_json_at_the_log_level_parameter_into_their_own_group() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    assert_eq!(
        globals["LoggingConfig"],
        yaml("{LogFormat: JSON, ApplicationLogLevel: !Ref LogLevel, SystemLogLevel: WARN}")
    );
    let level = &template["Parameters"]["LogLevel"];
    assert_eq!(level["Default"].as_str(), Some("INFO"));
    // Never above INFO: Lambda would drop the EMF lines, which carry no level.
    assert_eq!(level["AllowedValues"], yaml("[TRACE, DEBUG, INFO]"));
    assert_eq!(
        globals["Environment"]["Variables"]["METRICS_NAMESPACE"],
        yaml("!Ref AWS::StackName")
    );
    // What SAM deploys: the Globals map merged with each function's own LogGroup.
    for function in functions(&template) {
        let logging = &function.properties["LoggingConfig"];
        let own = format!(
            "!Ref {}Logs",
            function.logical_id.trim_end_matches("Function")
        );
        assert_eq!(
            logging["LogFormat"].as_str(),
            Some("JSON"),
            "{}",
            function.logical_id
        );
        assert_eq!(logging["LogGroup"], yaml(&own), "{}", function.logical_id);
    }
}

#[test]
fn every_route_publishes_detailed_metrics_and_the_access_log_keeps_the_request_id() {
    let template = template();
    let api = &template["Resources"]["HttpApi"]["Properties"];
    assert_eq!(
        api["DefaultRouteSettings"]["DetailedMetricsEnabled"].as_bool(),
        Some(true)
    );
    for (route, settings) in api["RouteSettings"].as_mapping().into_iter().flatten() {
        assert_eq!(
            settings["DetailedMetricsEnabled"].as_bool(),
            Some(true),
            "{route:?}"
        );
    }
    // The functions answer with this id as x-request-id: one request, found in both logs.
    let format = api["AccessLogSettings"]["Format"].as_str().unwrap();
    assert!(format.contains(r#""requestId":"$context.requestId""#));
}

#[test]
fn the_outputs_lead_to_the_dashboard_and_the_topic() {
    let template = template();
    let outputs = &template["Outputs"];
    assert_eq!(outputs["AlarmTopicArn"]["Value"], yaml("!Ref AlarmTopic"));
    assert!(
        text(&outputs["DashboardUrl"]["Value"]).ends_with("#dashboards/dashboard/${Dashboard}")
    );
}
