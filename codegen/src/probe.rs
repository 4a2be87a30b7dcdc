//! The generator probe: generate each operation alone, so that a shape progenitor cannot handle
//! is reported against the operation that has it instead of as one panic for the whole spec.

use serde_json::{Map, Value, json};

use crate::generate::progenitor_source;
use gamespec_spec::paths::{Operation, operations};
use gamespec_spec::refs::{reachable, resolve};

/// One operation the generator failed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeFailure {
    /// The operation's id.
    pub operation_id: String,
    /// `METHOD /path`.
    pub route: String,
    /// progenitor's error or panic message.
    pub message: String,
}

/// Probe every operation of a generator view. Each is generated with only the components it
/// reaches, which keeps the probe fast and the blame precise.
pub fn probe(view: &Value, inner_type: &str) -> Vec<ProbeFailure> {
    operations(view)
        .into_iter()
        .filter_map(|op| {
            let alone = single_operation(view, &op);
            progenitor_source(&alone, inner_type)
                .err()
                .map(|e| ProbeFailure {
                    operation_id: op.id.clone(),
                    route: op.route(),
                    message: e.to_string(),
                })
        })
        .collect()
}

fn single_operation(view: &Value, op: &Operation) -> Value {
    let mut item = Map::new();
    item.insert(op.method.clone(), op.value.clone());
    if !op.path_parameters.is_empty() {
        item.insert(
            "parameters".into(),
            Value::Array(op.path_parameters.clone()),
        );
    }
    let paths = json!({ op.path.clone(): item });
    let components = reachable_components(view, &paths);
    json!({
        "openapi": view["openapi"],
        "info": view["info"],
        "paths": paths,
        "components": components,
    })
}

/// The components (by kind) reachable from `from` through `$ref`s.
fn reachable_components(view: &Value, from: &Value) -> Value {
    let seen = reachable(view, [from]);
    let mut out = Map::new();
    for target in seen {
        let parts: Vec<&str> = target.trim_start_matches("#/").split('/').collect();
        if let (["components", kind, name], Some(node)) = (parts.as_slice(), resolve(view, &target))
        {
            let name = gamespec_spec::pointer::unescape(name);
            out.entry((*kind).to_owned())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|m| m.insert(name, node.clone()));
        }
    }
    Value::Object(out)
}
