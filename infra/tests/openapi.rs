//! openapi.yaml describes exactly the routes that are served: those of the local router, which
//! template.rs checks equal to the template's.

use std::collections::BTreeSet;
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn openapi() -> serde_yaml_ng::Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(workspace().join("openapi.yaml")).unwrap())
        .unwrap()
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[test]
fn documents_exactly_the_served_routes() {
    let document = openapi();
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_mapping()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            let path = path.as_str().unwrap().to_owned();
            METHODS
                .iter()
                .filter(move |method| item.get(**method).is_some())
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();

    let manifest: toml::Table = std::fs::read_to_string(workspace().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    let served: BTreeSet<(String, String)> =
        router
            .iter()
            .flat_map(|(path, targets)| {
                targets.as_array().unwrap().iter().map(move |target| {
                    (target["method"].as_str().unwrap().to_owned(), path.clone())
                })
            })
            .collect();
    assert_eq!(documented, served);
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let document = openapi();
    for (path, item) in document["paths"].as_mapping().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let responses = operation["responses"].as_mapping().unwrap();
            let has = |status: &str| responses.contains_key(status);
            let route = format!("{method} {}", path.as_str().unwrap());
            assert!(has("503"), "{route} lacks 503");
            let public = operation
                .get("security")
                .is_some_and(|s| s.as_sequence().is_some_and(Vec::is_empty));
            assert!(
                public || has("401"),
                "{route}: a protected route documents 401"
            );
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(has(status), "{route} lacks {status}");
                }
            }
        }
    }
}
