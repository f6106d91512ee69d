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
