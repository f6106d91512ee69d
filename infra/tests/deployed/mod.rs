//! What `template.yaml` deploys, read with serde_yaml for the template and IAM checks: each
//! function with its effective properties (Globals merged as SAM merges them) and the grants
//! its policy makes.

use std::collections::BTreeSet;
use std::path::Path;

use serde_yaml_ng::Value;

pub fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

pub fn template() -> Value {
    let text = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// A deployed function.
pub struct Function {
    /// Its logical id in the template.
    pub logical_id: String,
    /// Its crate under functions/ (from `CodeUri`).
    pub crate_name: String,
    /// Its own `Metadata`.
    pub metadata: Value,
    /// What deploys: `Globals.Function` merged with its own `Properties`.
    pub properties: Value,
}

/// Every `AWS::Serverless::Function` of the template.
pub fn functions(template: &Value) -> Vec<Function> {
    let globals = &template["Globals"]["Function"];
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(id, resource)| {
            let properties = merged(globals, &resource["Properties"]);
            let crate_name = properties["CodeUri"]
                .as_str()
                .and_then(|uri| uri.strip_prefix("functions/"))
                .unwrap_or_else(|| panic!("{id:?} has no CodeUri under functions/"))
                .to_owned();
            Function {
                logical_id: id.as_str().unwrap().to_owned(),
                crate_name,
                metadata: resource["Metadata"].clone(),
                properties,
            }
        })
        .collect()
}

/// SAM's Globals rule: maps merge key by key, lists are the global entries then the
/// resource's, and anything else (scalars, intrinsic functions) the resource's replaces.
pub fn merged(global: &Value, own: &Value) -> Value {
    match (global, own) {
        (Value::Mapping(global), Value::Mapping(own)) => {
            let mut result = global.clone();
            for (key, value) in own {
                let value = match global.get(key) {
                    Some(from_global) => merged(from_global, value),
                    None => value.clone(),
                };
                result.insert(key.clone(), value);
            }
            Value::Mapping(result)
        }
        (Value::Sequence(global), Value::Sequence(own)) => {
            Value::Sequence(global.iter().chain(own).cloned().collect())
        }
        (global, Value::Null) => global.clone(),
        (_, own) => own.clone(),
    }
}

/// An (action, resource) pair a policy allows; resource is `table` or `index/<name>`, as
/// `shared::test_support::Grant` records them.
pub type Grant = (String, String);

/// What one policy statement may allow: nothing else passes `permissions`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    /// A named DynamoDB action on the table or one of its indexes.
    Dynamodb(Grant),
    /// `secretsmanager:GetSecretValue` on the secret with this logical id.
    ReadSecret(String),
}

/// What a function's policies allow. Panics on anything but `Allow` statements naming, without
/// wildcards, DynamoDB actions on the table or one of its indexes, or `GetSecretValue` on
/// secrets of the template (by `!Ref`).
pub fn permissions(function: &Function) -> BTreeSet<Permission> {
    let mut permissions = BTreeSet::new();
    let name = &function.logical_id;
    for policy in function.properties["Policies"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{name} has no Policies"))
    {
        for statement in policy["Statement"].as_sequence().unwrap() {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"), "{name}");
            let actions: Vec<&str> = statement["Action"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|action| action.as_str().unwrap())
                .collect();
            if actions == ["secretsmanager:GetSecretValue"] {
                permissions.extend(
                    secrets_of(&statement["Resource"])
                        .unwrap_or_else(|| panic!("{name}: not secrets by !Ref: {statement:?}"))
                        .into_iter()
                        .map(Permission::ReadSecret),
                );
                continue;
            }
            let resource = resource_of(&statement["Resource"]).unwrap_or_else(|| {
                panic!("{name}: not the table or an index of it: {statement:?}")
            });
            for action in actions {
                assert!(
                    action.starts_with("dynamodb:") && !action.contains('*'),
                    "{name}: {action}"
                );
                permissions.insert(Permission::Dynamodb((action.to_owned(), resource.clone())));
            }
        }
    }
    permissions
}

/// The DynamoDB grants of a function's policies.
pub fn granted(function: &Function) -> BTreeSet<Grant> {
    permissions(function)
        .into_iter()
        .filter_map(|permission| match permission {
            Permission::Dynamodb(grant) => Some(grant),
            Permission::ReadSecret(_) => None,
        })
        .collect()
}

/// The logical ids of the secrets a function's policies let it read.
pub fn readable_secrets(function: &Function) -> BTreeSet<String> {
    permissions(function)
        .into_iter()
        .filter_map(|permission| match permission {
            Permission::ReadSecret(secret) => Some(secret),
            Permission::Dynamodb(_) => None,
        })
        .collect()
}

/// The logical ids of a `!Ref`, or a list of `!Ref`s, to `AWS::SecretsManager::Secret`s.
fn secrets_of(resource: &Value) -> Option<Vec<String>> {
    let refs = match resource {
        Value::Sequence(items) => items.iter().collect(),
        single => vec![single],
    };
    let template = template();
    refs.into_iter()
        .map(|value| {
            let Value::Tagged(tagged) = value else {
                return None;
            };
            let id = tagged.value.as_str()?;
            let is_secret =
                template["Resources"][id]["Type"].as_str() == Some("AWS::SecretsManager::Secret");
            (tagged.tag == "Ref" && is_secret).then(|| id.to_owned())
        })
        .collect()
}

/// `table` for `!GetAtt Table.Arn`, `index/<name>` for `!Sub "${Table.Arn}/index/<name>"`.
fn resource_of(resource: &Value) -> Option<String> {
    let Value::Tagged(tagged) = resource else {
        return None;
    };
    let text = tagged.value.as_str()?;
    if tagged.tag == "GetAtt" && text == "Table.Arn" {
        return Some("table".to_owned());
    }
    let index = text.strip_prefix("${Table.Arn}/index/")?;
    (tagged.tag == "Sub" && !index.is_empty() && !index.contains(['*', '$', '/']))
        .then(|| format!("index/{index}"))
}

/// What a `!Ref` names.
pub fn reference(value: &Value) -> &str {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str().unwrap(),
        other => panic!("not a !Ref: {other:?}"),
    }
}
