//! The checks on template.yaml that need no AWS account: every function crate is deployed
//! with a route, the routes are the contract's and the local router's, every function is what
//! it should be once Globals are merged, the local table is the template's, and no key is in
//! the template while only the functions that need a secret may read it. What each function's
//! DynamoDB policy grants is checked against its tests' calls by `iam.rs`; the deployed stack,
//! by infra/rehearsal.

mod deployed;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{KeySchemaElement, TimeToLiveStatus};
use serde_yaml_ng::Value;
use shared::test_support::TestApp;

use deployed::{functions, granted, merged, readable_secrets, reference, template, workspace};

/// The crates under functions/.
fn function_crates() -> BTreeSet<String> {
    std::fs::read_dir(workspace().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().join("Cargo.toml").exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

/// (method, path, function crate) of every HttpApi event in the template.
fn template_routes() -> BTreeSet<(String, String, String)> {
    let mut routes = BTreeSet::new();
    for function in functions(&template()) {
        for event in function.properties["Events"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.values())
        {
            if event["Type"].as_str() == Some("HttpApi") {
                let properties = &event["Properties"];
                routes.insert((
                    properties["Method"].as_str().unwrap().to_owned(),
                    properties["Path"].as_str().unwrap().to_owned(),
                    function.crate_name.clone(),
                ));
            }
        }
    }
    routes
}

/// (method, path, function crate) of the `cargo lambda watch` router in Cargo.toml.
fn watch_routes() -> BTreeSet<(String, String, String)> {
    let manifest: toml::Table = std::fs::read_to_string(workspace().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    router
        .iter()
        .flat_map(|(path, targets)| {
            targets.as_array().unwrap().iter().map(move |target| {
                (
                    target["method"].as_str().unwrap().to_owned(),
                    path.clone(),
                    target["function"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect()
}

#[test]
fn every_function_crate_is_deployed_with_a_route() {
    let routed: BTreeSet<String> = template_routes()
        .into_iter()
        .map(|(_, _, function)| function)
        .collect();
    assert_eq!(routed, function_crates());
}

#[test]
fn the_local_router_serves_exactly_the_deployed_routes() {
    assert_eq!(watch_routes(), template_routes());
}

// The deployed routes are the contract's by a chain of checks, each against one other list:
// docs/API.md's served routes = openapi.yaml's operations = the local router (openapi.rs), and
// the local router = the template's routes (above). No test keeps a copy of the route list.

#[test]
fn every_deployed_function_is_a_rust_arm64_lambda() {
    for function in functions(&template()) {
        let (name, properties) = (&function.logical_id, &function.properties);
        assert_eq!(
            function.metadata["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{name}"
        );
        assert_eq!(
            properties["Runtime"].as_str(),
            Some("provided.al2023"),
            "{name}"
        );
        let architectures: Vec<_> = properties["Architectures"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(architectures, ["arm64"], "{name}");
        assert_eq!(properties["Handler"].as_str(), Some("bootstrap"), "{name}");
    }
}

#[test]
fn every_function_logs_to_a_group_of_its_own_kept_for_the_retention_parameter() {
    let template = template();
    let mut groups = BTreeSet::new();
    for function in functions(&template) {
        let name = &function.logical_id;
        let group = reference(&function.properties["LoggingConfig"]["LogGroup"]).to_owned();
        let resource = &template["Resources"][group.as_str()];
        assert_eq!(
            resource["Type"].as_str(),
            Some("AWS::Logs::LogGroup"),
            "{name}"
        );
        let retention = &resource["Properties"]["RetentionInDays"];
        assert_eq!(reference(retention), "LogRetentionDays", "{name}");
        assert!(
            groups.insert(group.clone()),
            "{name} shares its log group {group}"
        );
    }
}

#[test]
fn globals_merge_as_sam_merges_them() {
    let yaml = |text| serde_yaml_ng::from_str::<Value>(text).unwrap();
    let global = yaml("{MemorySize: 128, Layers: [a], Environment: {Variables: {A: '1', B: '2'}}}");
    let own = yaml("{MemorySize: 1024, Layers: [b], Environment: {Variables: {B: '3', C: '4'}}}");
    assert_eq!(
        merged(&global, &own),
        yaml(
            "{MemorySize: 1024, Layers: [a, b], Environment: {Variables: {A: '1', B: '3', C: '4'}}}"
        )
    );
}

#[test]
fn every_policy_allows_named_dynamodb_actions_on_the_table_or_its_index_only() {
    // `granted` refuses anything else; iam.rs checks which actions against the tests' calls.
    for function in functions(&template()) {
        assert!(!granted(&function).is_empty(), "{}", function.logical_id);
    }
}

#[test]
fn the_table_is_kept_safe() {
    let template = template();
    let table = &template["Resources"]["Table"];
    assert_eq!(table["DeletionPolicy"].as_str(), Some("Retain"));
    assert_eq!(table["UpdateReplacePolicy"].as_str(), Some("Retain"));
    let properties = &table["Properties"];
    assert_eq!(properties["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(
        properties["SSESpecification"]["SSEEnabled"].as_bool(),
        Some(true)
    );
}

/// The environment variable through which a function finds each secret (logical id).
const SECRET_ID_VARIABLES: [(&str, &str); 2] = [
    ("ACCESS_TOKEN_KEY_SECRET_ID", "AccessTokenKey"),
    ("REFRESH_TOKEN_KEY_SECRET_ID", "RefreshTokenKey"),
];

#[test]
fn only_the_signing_functions_can_read_the_access_tokens_private_key() {
    // A verifying-only function that could read AccessTokenKey could mint any token.
    let readers: BTreeMap<String, BTreeSet<String>> = functions(&template())
        .iter()
        .map(|function| (function.crate_name.clone(), readable_secrets(function)))
        .filter(|(_, secrets)| !secrets.is_empty())
        .collect();
    let set = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect::<BTreeSet<_>>();
    let wanted = BTreeMap::from([
        (
            "login".to_owned(),
            set(&["AccessTokenKey", "RefreshTokenKey"]),
        ),
        (
            "refresh".to_owned(),
            set(&["AccessTokenKey", "RefreshTokenKey"]),
        ),
        ("logout".to_owned(), set(&["RefreshTokenKey"])),
    ]);
    assert_eq!(readers, wanted);
}

#[test]
fn a_function_is_told_the_ids_of_exactly_the_secrets_it_may_read() {
    for function in functions(&template()) {
        let variables = &function.properties["Environment"]["Variables"];
        let named: BTreeSet<String> = SECRET_ID_VARIABLES
            .iter()
            .filter(|(variable, _)| !variables[*variable].is_null())
            .map(|(variable, secret)| {
                assert_eq!(reference(&variables[*variable]), *secret, "{variable}");
                secret.to_string()
            })
            .collect();
        assert_eq!(
            named,
            readable_secrets(&function),
            "{}",
            function.logical_id
        );
    }
}

#[test]
fn the_template_holds_no_key() {
    let text = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    // A dynamic reference would put the secret's plaintext into the resource's configuration.
    assert!(
        !text.contains("{{resolve:"),
        "template.yaml resolves a secret"
    );
    let template = template();
    for (id, secret) in template["Resources"].as_mapping().unwrap() {
        if secret["Type"].as_str() == Some("AWS::SecretsManager::Secret") {
            // Created empty: the keys tool writes the keys (infra/deploy.sh).
            for value in ["SecretString", "GenerateSecretString"] {
                assert!(secret["Properties"][value].is_null(), "{id:?} has {value}");
            }
        }
    }
    let secret_ids: BTreeSet<&str> = SECRET_ID_VARIABLES.iter().map(|(v, _)| *v).collect();
    for function in functions(&template) {
        let name = &function.logical_id;
        for (variable, value) in function.properties["Environment"]["Variables"]
            .as_mapping()
            .unwrap()
        {
            let variable = variable.as_str().unwrap();
            let key_like = ["SECRET", "KEY", "TOKEN", "PASSWORD", "PRIVATE"]
                .iter()
                .any(|word| variable.contains(word));
            assert!(
                !key_like || secret_ids.contains(variable),
                "{name}: {variable} looks like a key"
            );
            // Plain text only: `!Ref`s and `!Sub`s name resources, which the checks above cover.
            if let Value::String(text) = value {
                assert!(
                    text.len() < 24,
                    "{name}: {variable} holds a literal that could be a key"
                );
            }
        }
    }
}

/// An index's name, (attribute, key type) pairs and projection type.
type IndexShape = (String, BTreeSet<(String, String)>, String);

/// (name, type) pairs, or (name, key type) pairs, of a YAML list of key or attribute entries.
fn pairs(list: &Value, second: &str) -> BTreeSet<(String, String)> {
    list.as_sequence()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["AttributeName"].as_str().unwrap().to_owned(),
                entry[second].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_local_table_is_the_one_the_template_defines() {
    // Read back from DynamoDB Local what the tests' and `make dev`'s table creation made, and
    // hold it to the template on disk.
    let app = TestApp::spawn().await;
    let client = app.direct.store.client();
    let described = client
        .describe_table()
        .table_name(&app.table)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let template = template();
    let wanted = &template["Resources"]["Table"]["Properties"];

    let attributes: BTreeSet<(String, String)> = described
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_owned(),
                a.attribute_type().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        attributes,
        pairs(&wanted["AttributeDefinitions"], "AttributeType")
    );
    let keys = |schema: &[KeySchemaElement]| -> BTreeSet<(String, String)> {
        schema
            .iter()
            .map(|k| {
                (
                    k.attribute_name().to_owned(),
                    k.key_type().as_str().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        keys(described.key_schema()),
        pairs(&wanted["KeySchema"], "KeyType")
    );

    let indexes: BTreeSet<IndexShape> = described
        .global_secondary_indexes()
        .iter()
        .map(|index| {
            (
                index.index_name().unwrap().to_owned(),
                keys(index.key_schema()),
                index
                    .projection()
                    .and_then(|p| p.projection_type())
                    .unwrap()
                    .as_str()
                    .to_owned(),
            )
        })
        .collect();
    let wanted_indexes: BTreeSet<IndexShape> = wanted["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|index| {
            (
                index["IndexName"].as_str().unwrap().to_owned(),
                pairs(&index["KeySchema"], "KeyType"),
                index["Projection"]["ProjectionType"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(indexes, wanted_indexes);

    let ttl = client
        .describe_time_to_live()
        .table_name(&app.table)
        .send()
        .await
        .unwrap()
        .time_to_live_description
        .unwrap();
    let wanted_ttl = &wanted["TimeToLiveSpecification"];
    assert_eq!(wanted_ttl["Enabled"].as_bool(), Some(true));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
    assert_eq!(ttl.attribute_name(), wanted_ttl["AttributeName"].as_str());
}
