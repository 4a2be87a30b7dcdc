//! Walking the `paths` object: every operation object of a spec as it stands in the document
//! (JSON, unresolved), with its method, path and pointer. The resolved model the mock and the
//! runner use is [`crate::operation`]; lint, codegen and the diff work on these raw objects.

use serde_json::Value;

use crate::pointer;

/// The HTTP methods an OpenAPI 3.0 path item can hold, in the order they are listed.
pub const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation object of a spec, as written under `paths`.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The path template, e.g. `/game/v1/player/{id}`.
    pub path: String,
    /// Lower-case method, as the spec's key.
    pub method: String,
    /// The `operationId`, or `METHOD /path` when it has none.
    pub id: String,
    /// The operation object.
    pub value: Value,
    /// The path item's own `parameters`, which apply to the operation too.
    pub path_parameters: Vec<Value>,
}

impl Operation {
    /// `POST /game/v2/session/guest`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// JSON pointer of the operation object.
    pub fn pointer(&self) -> String {
        pointer::join(["paths", self.path.as_str(), self.method.as_str()])
    }

    /// Whether the operation has an explicit `operationId`.
    pub fn has_id(&self) -> bool {
        self.value
            .get("operationId")
            .and_then(Value::as_str)
            .is_some()
    }

    /// The operation's `tags` (the strings among them), in order.
    pub fn tags(&self) -> Vec<&str> {
        self.value
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }

    /// The operation's parameters followed by the path item's ones it does not override.
    pub fn all_parameters(&self) -> Vec<(String, &Value)> {
        let own = self.value.get("parameters").and_then(Value::as_array);
        let mut out: Vec<(String, &Value)> = own
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| (format!("{}/parameters/{i}", self.pointer()), p))
            .collect();
        let item_ptr = pointer::join(["paths", self.path.as_str()]);
        out.extend(
            self.path_parameters
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("{item_ptr}/parameters/{i}"), p)),
        );
        out
    }
}

/// Every operation of `spec`, in document order.
pub fn operations(spec: &Value) -> Vec<Operation> {
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, item) in paths {
        let path_parameters = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in HTTP_METHODS {
            if let Some(op) = item.get(*method) {
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
                out.push(Operation {
                    path: path.clone(),
                    method: (*method).to_owned(),
                    id,
                    value: op.clone(),
                    path_parameters: path_parameters.clone(),
                });
            }
        }
    }
    out
}
