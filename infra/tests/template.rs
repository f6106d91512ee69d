//! The checks on template.yaml that need no AWS account: every function crate is deployed
//! with a route, the routes are the local router's, and tables are defined once.

use std::collections::BTreeSet;
use std::path::Path;

use serde_yaml_ng::Value;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn template() -> Value {
    let text = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

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
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let mut routes = BTreeSet::new();
    for resource in resources.values() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let code_uri = resource["Properties"]["CodeUri"].as_str().unwrap();
        let function = code_uri.strip_prefix("functions/").unwrap().to_owned();
        for event in resource["Properties"]["Events"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.values())
        {
            if event["Type"].as_str() == Some("HttpApi") {
                let properties = &event["Properties"];
                routes.insert((
                    properties["Method"].as_str().unwrap().to_owned(),
                    properties["Path"].as_str().unwrap().to_owned(),
                    function.clone(),
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

#[test]
fn every_deployed_function_is_a_rust_arm64_lambda() {
    let template = template();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        assert_eq!(
            resource["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{name:?}"
        );
    }
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Architectures"][0].as_str(), Some("arm64"));
    assert_eq!(globals["Handler"].as_str(), Some("bootstrap"));
}

#[test]
fn the_local_table_is_the_templates() {
    // Local tables are created from the template this crate was built with; make sure that is
    // the template on disk, and that it has exactly one table.
    let on_disk = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    assert_eq!(shared::store::table::TEMPLATE_YAML, on_disk);
    let definition = shared::store::table::TableDefinition::from_template(&on_disk).unwrap();
    assert_eq!(
        definition,
        shared::store::table::TableDefinition::from_built_template().unwrap()
    );
}

/// What a policy statement's resource is: the table, its gsi1 index, or something else.
fn resource_kind(resource: &Value) -> String {
    match resource {
        Value::Tagged(tagged)
            if tagged.tag == "GetAtt" && tagged.value.as_str() == Some("Table.Arn") =>
        {
            "table".into()
        }
        Value::Tagged(tagged)
            if tagged.tag == "Sub" && tagged.value.as_str() == Some("${Table.Arn}/index/gsi1") =>
        {
            "index".into()
        }
        other => format!("unexpected resource {other:?}"),
    }
}

/// (kind, action) pairs a function's template policies grant.
fn granted(function: &Value) -> BTreeSet<(String, String)> {
    let mut grants = BTreeSet::new();
    for policy in function["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        for statement in policy["Statement"].as_sequence().into_iter().flatten() {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"));
            let kind = resource_kind(&statement["Resource"]);
            for action in statement["Action"].as_sequence().unwrap() {
                let action = action.as_str().unwrap();
                assert!(!action.contains('*'), "wildcard action {action}");
                grants.insert((kind.clone(), action.to_owned()));
            }
        }
    }
    grants
}

/// (kind, action) pairs a crate declares its code calls, in `[package.metadata.iam]`.
fn declared(function: &str) -> BTreeSet<(String, String)> {
    let path = workspace()
        .join("functions")
        .join(function)
        .join("Cargo.toml");
    let manifest: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    let iam = manifest["package"]["metadata"]["iam"].as_table().unwrap();
    ["table", "index"]
        .iter()
        .flat_map(|kind| {
            iam[*kind]
                .as_array()
                .unwrap()
                .iter()
                .map(move |action| (kind.to_string(), action.as_str().unwrap().to_owned()))
        })
        .collect()
}

#[test]
fn every_function_is_granted_exactly_the_dynamodb_actions_its_code_calls() {
    let template = template();
    for function in function_crates() {
        let resource = template["Resources"]
            .as_mapping()
            .unwrap()
            .values()
            .find(|r| r["Properties"]["CodeUri"].as_str() == Some(&format!("functions/{function}")))
            .unwrap_or_else(|| panic!("no resource for {function}"));
        assert_eq!(granted(resource), declared(&function), "{function}");
    }
}

#[test]
fn the_contract_routes_are_all_deployed() {
    let contract = [
        ("POST", "/users"),
        ("GET", "/users/{id}"),
        ("PATCH", "/users/{id}"),
        ("DELETE", "/users/{id}"),
        ("POST", "/auth/login"),
        ("POST", "/auth/refresh"),
        ("POST", "/auth/logout"),
        ("POST", "/products"),
        ("GET", "/products/{id}"),
        ("POST", "/orders"),
        ("GET", "/orders/{id}"),
        ("GET", "/orders"),
        ("GET", "/health"),
    ];
    let deployed: BTreeSet<(String, String)> = template_routes()
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let contract: BTreeSet<(String, String)> = contract
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(deployed, contract);
}

#[test]
fn no_wildcards_and_the_table_is_kept_safe() {
    let text = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    assert!(!text.contains("dynamodb:*") && !text.contains("Action: \"*\""));
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
