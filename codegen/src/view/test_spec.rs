//! The spec the passes' tests adapt: one operation, `POST /x`, and two component schemas.

use serde_json::{Value, json};

/// A spec whose only operation is `op`, at `POST /x`; schemas `A` (object) and `B` (string).
pub(super) fn spec(op: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"post": op}},
        "components": {"schemas": {
            "A": {"type": "object"}, "B": {"type": "string"}
        }}
    })
}
