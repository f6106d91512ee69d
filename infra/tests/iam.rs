//! Every function's IAM is exactly what its tests saw its handler call: no grant its code
//! never uses, no call its policy would refuse.
//!
//! The calls come from the function's own tests, run first with `IAM_OBSERVED_DIR` set
//! (`infra/test.sh` does both): each `TestApp` handler's DynamoDB requests pass through a
//! recording relay (`shared/src/test_support/iam.rs`), one file per crate. `infra`'s own
//! cross-function tests record under `infra` and `shared`'s under `shared`: neither is a
//! function, so both are ignored here.

#[allow(dead_code)] // the rest of it serves template.rs
mod deployed;

use std::collections::BTreeSet;
use std::path::PathBuf;

use deployed::{Grant, functions, granted, template};

/// The recordings' directory; refuses one that is missing or empty, so the check can never
/// pass because nothing ran.
fn recordings() -> PathBuf {
    let dir = PathBuf::from(std::env::var_os("IAM_OBSERVED_DIR").expect(
        "IAM_OBSERVED_DIR is not set: run `infra/test.sh`, which records the tests' calls first",
    ));
    let recorded = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read IAM_OBSERVED_DIR {}: {e}", dir.display()))
        .count();
    assert!(
        recorded > 0,
        "IAM_OBSERVED_DIR {} is empty: no test recorded a call",
        dir.display()
    );
    dir
}

/// What a crate's tests saw its handler call: none when nothing was recorded for it.
fn observed(dir: &std::path::Path, crate_name: &str) -> BTreeSet<Grant> {
    let text = std::fs::read_to_string(dir.join(crate_name)).unwrap_or_default();
    text.lines()
        .map(|line| {
            let (action, resource) = line
                .split_once(' ')
                .unwrap_or_else(|| panic!("{crate_name}: unreadable line {line:?}"));
            (action.to_owned(), resource.to_owned())
        })
        .collect()
}

#[test]
#[ignore = "needs the workspace's tests to have run with IAM_OBSERVED_DIR: infra/test.sh runs it"]
fn every_function_is_granted_exactly_the_dynamodb_calls_its_tests_made() {
    let dir = recordings();
    let mut wrong = Vec::new();
    for function in functions(&template()) {
        let (name, granted) = (&function.crate_name, granted(&function));
        let observed = observed(&dir, name);
        for (action, resource) in granted.difference(&observed) {
            wrong.push(format!(
                "{name}: template.yaml grants {action} on the {resource}, which no test of \
                 {name} reached: a missing test, or a grant to remove"
            ));
        }
        for (action, resource) in observed.difference(&granted) {
            wrong.push(format!(
                "{name}: its tests call {action} on the {resource}, which template.yaml does \
                 not grant: it would be refused in AWS"
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}\n", wrong.join("\n"));
}
