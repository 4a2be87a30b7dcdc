//! A tiny spec for the unit tests of this module: one operation whose query parameters cover
//! every way a value can be empty on the wire, with and without `allowEmptyValue`.

use serde_json::{Value, json};

use crate::case::Case;
use gamespec_spec::registry::Profile;
use gamespec_spec::spec::{Operation, Spec};

/// The operation's id in [`spec`].
pub const OPERATION: &str = "search";

/// `GET /search` with the query parameters
/// - `q`: required string, `minLength: 0`, `maxLength: 3`;
/// - `kind`: string enum with the empty string among its values;
/// - `tags`: exploded list of strings;
/// - `ids`: comma-joined list of strings;
/// - `blank`: string with `allowEmptyValue: true`, `minLength: 0`;
/// - `X-Note`: a string header (empty values are a query matter only).
pub fn spec() -> Spec {
    spec_with(json!(null))
}

/// [`spec`] with `example` as the example of `q` and of `kind` (`null`: none).
pub fn spec_with(example: Value) -> Spec {
    let mut params = json!([
        {"name": "q", "in": "query", "required": true,
         "schema": {"type": "string", "minLength": 0, "maxLength": 3}},
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["", "a"]}},
        {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
        {"name": "ids", "in": "query", "explode": false,
         "schema": {"type": "array", "items": {"type": "string"}}},
        {"name": "blank", "in": "query", "allowEmptyValue": true,
         "schema": {"type": "string", "minLength": 0, "maxLength": 2}},
        {"name": "X-Note", "in": "header", "schema": {"type": "string"}}
    ]);
    if !example.is_null() {
        params[0]["example"] = example.clone();
        params[1]["example"] = example;
    }
    let root = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/search": {"get": {
            "operationId": OPERATION,
            "parameters": params,
            "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}
        }}}
    });
    match Spec::from_value("query.yaml".into(), root, Profile::generic()) {
        Ok(spec) => spec,
        Err(e) => panic!("the fixture spec loads: {e}"),
    }
}

/// The operation of a fixture spec.
pub fn operation(spec: &Spec) -> &Operation {
    match spec.operation(OPERATION) {
        Some(op) => op,
        None => panic!("the fixture spec has {OPERATION}"),
    }
}

/// Whether `case` sends some query parameter as `name=` although it does not allow that.
pub fn sends_forbidden_empty(op: &Operation, case: &Case) -> bool {
    op.parameters.iter().any(|p| {
        case.query
            .get(&p.name)
            .is_some_and(|v| super::request::empty_where_forbidden(p, v))
    })
}
