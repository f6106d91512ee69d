//! openapi.yaml describes exactly the routes that are served: those of the local router, which
//! template.rs checks equal to the template's. And it agrees with docs/API.md, the contract for
//! people: the same served routes, the same statuses per route, the same error codes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn openapi() -> serde_yaml_ng::Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(workspace().join("openapi.yaml")).unwrap())
        .unwrap()
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// A route as both documents name it: (`GET`, `/users/{id}`).
type Route = (String, String);

/// Every operation of openapi.yaml with the statuses it documents.
fn openapi_operations() -> BTreeMap<Route, BTreeSet<u16>> {
    let document = openapi();
    let mut operations = BTreeMap::new();
    for (path, item) in document["paths"].as_mapping().unwrap() {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                let statuses = operation["responses"]
                    .as_mapping()
                    .unwrap()
                    .keys()
                    .map(|status| status.as_str().unwrap().parse().unwrap())
                    .collect();
                let route = (method.to_uppercase(), path.as_str().unwrap().to_owned());
                operations.insert(route, statuses);
            }
        }
    }
    operations
}

#[test]
fn documents_exactly_the_served_routes() {
    let documented: BTreeSet<Route> = openapi_operations().into_keys().collect();

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

/// The rows of the first table under `heading` in docs/API.md, each cell by its column's name,
/// without the backticks of code spans.
fn api_md_table(heading: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(workspace().join("docs/API.md")).unwrap();
    let section = text
        .split("\n## ")
        .find(|section| section.lines().next() == Some(heading))
        .unwrap_or_else(|| panic!("docs/API.md has a section \"## {heading}\""));
    let mut rows = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().replace('`', ""))
                .collect::<Vec<_>>()
        });
    let header = rows.next().expect("a table");
    rows.skip(1) // the |---| line
        .map(|cells| header.iter().cloned().zip(cells).collect())
        .collect()
}

/// The served rows of a docs/API.md table; planned ones are the contract, not yet the API.
fn served(table: Vec<HashMap<String, String>>) -> Vec<HashMap<String, String>> {
    table
        .into_iter()
        .filter(|row| match row["Status"].as_str() {
            "served" => true,
            "planned" => false,
            other => panic!("Status is served or planned, not {other:?}"),
        })
        .collect()
}

/// The served routes of docs/API.md with the statuses it says each answers.
fn api_md_routes() -> BTreeMap<Route, BTreeSet<u16>> {
    served(api_md_table("Routes"))
        .into_iter()
        .map(|row| {
            let (method, path) = row["Route"].split_once(' ').unwrap();
            let statuses = row["Statuses"]
                .split_whitespace()
                .map(|status| status.parse().unwrap())
                .collect();
            ((method.to_owned(), path.to_owned()), statuses)
        })
        .collect()
}

/// The served error codes of docs/API.md with their HTTP status.
fn api_md_error_codes() -> BTreeMap<String, u16> {
    served(api_md_table("Errors"))
        .into_iter()
        .map(|row| (row["Code"].clone(), row["HTTP"].parse().unwrap()))
        .collect()
}

#[test]
fn api_md_serves_exactly_openapis_routes_with_the_same_statuses() {
    let (documented, specified) = (api_md_routes(), openapi_operations());
    let routes: BTreeSet<&Route> = documented.keys().chain(specified.keys()).collect();
    let differences: Vec<String> = routes
        .into_iter()
        .filter(|route| documented.get(*route) != specified.get(*route))
        .map(|(method, path)| {
            let route = (method.clone(), path.clone());
            format!(
                "{method} {path}: docs/API.md {:?}, openapi.yaml {:?}",
                documented.get(&route),
                specified.get(&route)
            )
        })
        .collect();
    assert!(differences.is_empty(), "\n{}", differences.join("\n"));
}

#[test]
fn api_md_error_codes_are_openapis() {
    let documented = api_md_error_codes();
    let document = openapi();
    let enumerated: BTreeSet<String> =
        document["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap().to_owned())
            .collect();
    assert_eq!(
        documented.keys().cloned().collect::<BTreeSet<_>>(),
        enumerated
    );

    // Where openapi names a code for a response (`CODE` in its description), the response's
    // status is the one docs/API.md gives that code.
    let responses = &document["components"]["responses"];
    for (path, item) in document["paths"].as_mapping().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            for (status, response) in operation["responses"].as_mapping().unwrap() {
                let response = match response.get("$ref").and_then(|r| r.as_str()) {
                    Some(reference) => {
                        &responses[reference.trim_start_matches("#/components/responses/")]
                    }
                    None => response,
                };
                let description = response["description"].as_str().unwrap();
                for (code, http) in &documented {
                    if description.contains(&format!("`{code}`")) {
                        assert_eq!(
                            status.as_str().unwrap(),
                            http.to_string(),
                            "{method} {}: {code} under this status, but docs/API.md says {http}",
                            path.as_str().unwrap()
                        );
                    }
                }
            }
        }
    }
}
