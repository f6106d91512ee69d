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

/// The `pattern` of a name field of a request schema, compiled as a client's validator would
/// (JSON Schema's patterns are ECMA-262; these use only syntax that means the same in Rust's
/// `regex`, Python's `re` and ECMA-262).
fn name_pattern(schema: &str) -> regex::Regex {
    let document = openapi();
    let name = &document["components"]["schemas"][schema]["properties"]["name"];
    assert!(
        name.get("maxLength").is_none(),
        "{schema}.name: maxLength counts surrounding whitespace, which the server trims"
    );
    regex::Regex::new(name["pattern"].as_str().unwrap()).unwrap()
}

/// Characters where trimming, counting and the control check could part ways: ASCII and
/// Unicode whitespace, format characters that are neither whitespace nor control, and a
/// character outside the Basic Multilingual Plane.
const NOT_CONTROL: [char; 7] = ['a', ' ', '\u{a0}', '\u{2003}', '\u{200b}', '\u{feff}', '😀'];
/// Controls, whitespace or not: allowed around a name (trimmed away) when they are whitespace.
const CONTROL: [char; 5] = ['\t', '\n', '\u{1c}', '\u{85}', '\u{7f}'];

/// Names around a limit: 0–3 characters either side of a body `limit - 1 ..= limit + 1` long.
fn near_the_limit(limit: usize) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let any_char = NOT_CONTROL
        .iter()
        .chain(&CONTROL)
        .copied()
        .collect::<Vec<_>>();
    let edge = proptest::collection::vec(proptest::sample::select(any_char), 0..=3);
    let body = proptest::collection::vec(
        proptest::sample::select(NOT_CONTROL.to_vec()),
        limit - 1..=limit + 1,
    );
    (edge.clone(), body, edge).prop_map(|(lead, body, trail)| {
        lead.into_iter()
            .chain(body)
            .chain(trail)
            .collect::<String>()
    })
}

fn agrees(pattern: &regex::Regex, server_accepts: bool, name: &str) -> Result<(), String> {
    let schema_accepts = pattern.is_match(name);
    if schema_accepts == server_accepts {
        return Ok(());
    }
    Err(format!(
        "schema says {schema_accepts}, server says {server_accepts}: {name:?}"
    ))
}

/// Whether the server's own parser takes a name.
type ServerCheck = fn(&str) -> bool;

/// The schema accepts a name exactly when the server does, so a fuzzer's "invalid" name is
/// refused and its valid one accepted. Found by schemathesis: a 101-character name led by a
/// no-break space (100 once trimmed) broke a maxLength of 100.
#[test]
fn name_patterns_accept_exactly_the_names_the_server_accepts() {
    use proptest::test_runner::{Config, TestRunner};
    use shared::domain::{ProductName, UserName};

    let fields: [(&str, usize, ServerCheck); 4] = [
        ("NewUser", 100, |name| UserName::parse(name).is_ok()),
        ("UserPatch", 100, |name| UserName::parse(name).is_ok()),
        ("NewProduct", 200, |name| ProductName::parse(name).is_ok()),
        ("ProductPatch", 200, |name| ProductName::parse(name).is_ok()),
    ];
    for (schema, limit, server_accepts) in fields {
        let pattern = name_pattern(schema);
        let padded = |inner: String| format!("\u{a0} {inner}\t\n");
        let examples = [
            (
                "schemathesis's case",
                padded("5Ă·😀f".to_owned() + &"*".repeat(limit - 5)),
            ),
            ("at the limit, padded", padded("x".repeat(limit))),
            ("over the limit", "x".repeat(limit + 1)),
            ("inner spaces count", format!("x{}x", " ".repeat(limit - 1))),
            ("only whitespace", " \u{a0}\t".to_owned()),
            ("empty", String::new()),
            ("a control inside", "a\u{1c}b".to_owned()),
            (
                "a control that is not whitespace, leading",
                "\u{1c}ab".to_owned(),
            ),
        ];
        for (what, name) in examples {
            agrees(&pattern, server_accepts(&name), &name)
                .unwrap_or_else(|error| panic!("{schema}.name, {what}: {error}"));
        }
        let mut runner = TestRunner::new(Config {
            cases: 2_000,
            ..Config::default()
        });
        runner
            .run(&near_the_limit(limit), |name| {
                agrees(&pattern, server_accepts(&name), &name)
                    .map_err(proptest::test_runner::TestCaseError::fail)
            })
            .unwrap_or_else(|error| panic!("{schema}.name: {error}"));
    }
}

/// A request body's optional fields are `nullable`: the server reads a `null` as absent
/// (`JsonBody::optional`, docs/API.md "Inputs"), so the schema must not call it invalid.
/// Found by schemathesis: `{"password": null, …}` on PATCH /users/{id} was taken as absent.
#[test]
fn optional_request_fields_may_be_null() {
    let document = openapi();
    let schemas = &document["components"]["schemas"];
    let mut bodies = BTreeSet::new();
    for (_, item) in document["paths"].as_mapping().unwrap() {
        for method in METHODS {
            let Some(body) = item.get(method).and_then(|op| op.get("requestBody")) else {
                continue;
            };
            let reference = body["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap();
            bodies.insert(
                reference
                    .trim_start_matches("#/components/schemas/")
                    .to_owned(),
            );
        }
    }
    assert!(bodies.contains("UserPatch") && bodies.contains("ProductPatch"));
    for name in bodies {
        let schema = &schemas[name.as_str()];
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(|r| r.as_sequence())
            .map(|r| r.iter().map(|field| field.as_str().unwrap()).collect())
            .unwrap_or_default();
        for (field, property) in schema["properties"].as_mapping().unwrap() {
            let field = field.as_str().unwrap();
            if required.contains(field) {
                continue;
            }
            assert_eq!(
                property.get("nullable").and_then(|n| n.as_bool()),
                Some(true),
                "{name}.{field} is optional, so null (read as absent) must be valid"
            );
        }
    }
}
