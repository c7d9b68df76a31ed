//! The OpenAPI document (`api/openapi.json`, served at `/api/schema/`) and
//! the route table describe the same API: a route missing from either, or a
//! method that one lists and the other does not, fails here. The document is
//! written by hand, so these tests also check what a reader of it relies on:
//! its version, its operation ids and its references.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::ROUTES;
use crate::http::handlers::schema::OPENAPI_DOCUMENT;

/// The keys of an OpenAPI 3.1 path item that are operations.
const OPERATIONS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn document() -> Value {
    serde_json::from_str(OPENAPI_DOCUMENT).expect("api/openapi.json is JSON")
}

/// Every operation of the document: (path, method in capitals, operation).
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item is an object");
            item.iter()
                .filter(|(key, _)| OPERATIONS.contains(&key.as_str()))
                .map(|(method, operation)| (path.clone(), method.to_uppercase(), operation.clone()))
        })
        .collect()
}

type MethodsByPath = BTreeMap<String, BTreeSet<String>>;

fn documented_methods() -> MethodsByPath {
    let mut paths = MethodsByPath::new();
    for (path, method, _) in operations(&document()) {
        paths.entry(path).or_default().insert(method);
    }
    paths
}

fn routed_methods() -> MethodsByPath {
    ROUTES
        .iter()
        .map(|route| {
            let methods = route.allowed().into_iter().map(str::to_string).collect();
            (route.path.to_string(), methods)
        })
        .collect()
}

#[test]
fn the_document_describes_every_route_of_the_table_with_its_methods() {
    let (documented, routed) = (documented_methods(), routed_methods());
    let mut problems = Vec::new();
    for (path, methods) in &routed {
        match documented.get(path) {
            None => problems.push(format!(
                "{path} is routed but missing from api/openapi.json"
            )),
            Some(described) if described != methods => problems.push(format!(
                "{path} answers {methods:?} but api/openapi.json describes {described:?}"
            )),
            Some(_) => {}
        }
    }
    for path in documented.keys().filter(|path| !routed.contains_key(*path)) {
        problems.push(format!(
            "{path} is in api/openapi.json but not in the route table"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_document_is_openapi_3_1_of_this_version() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_operation_has_its_own_operation_id() {
    let mut seen = BTreeSet::new();
    for (path, method, operation) in operations(&document()) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(
            seen.insert(id.to_string()),
            "{method} {path}: {id} is used twice"
        );
    }
}

/// Every `$ref` string in `value`, with where it was found.
fn references(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push((at.to_string(), target.clone())),
                    _ => references(inner, &format!("{at}/{key}"), found),
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                references(inner, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    let document = document();
    let mut found = Vec::new();
    references(&document, "", &mut found);
    assert!(
        !found.is_empty(),
        "the document shares its parts by reference"
    );
    for (at, target) in found {
        let resolved = target
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer));
        assert!(resolved.is_some(), "{at}: {target} points at nothing");
    }
}
