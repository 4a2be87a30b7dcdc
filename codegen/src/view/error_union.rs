//! An operation whose error responses carry different schemas gets one error type for all.
//!
//! progenitor gives a method one error type; when the 4xx and 5xx bodies differ, the view
//! defines `{OperationId}Error`, a `oneOf` of them, and points every error response at it. A
//! bodiless error response beside typed ones cannot share that type, so it is dropped and
//! reaches the caller as `Error::UnexpectedResponse`.
//!
//! The new schemas are added to `components/schemas` by [`add_schemas`], after the schema
//! rewrites of the other document passes.

use serde_json::{Value, json};

use super::media::body_key;
use super::{Draft, OperationDraft};
use gamespec_spec::refs::deref;

/// Give the operation's error responses one schema.
pub(super) fn unify(cx: &mut OperationDraft<'_>) {
    let Some(responses) = cx.node.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let spec = cx.spec;
    let operation_id = cx.op.id.as_str();
    let errors: Vec<String> = responses.keys().filter(|c| is_error(c)).cloned().collect();
    let bodiless: Vec<String> = errors
        .iter()
        .filter(|c| body_key(spec, &responses[*c]).is_none())
        .cloned()
        .collect();
    let with_body: Vec<String> = errors
        .iter()
        .filter(|c| !bodiless.contains(c))
        .cloned()
        .collect();
    if !with_body.is_empty() {
        for code in &bodiless {
            responses.remove(code);
            cx.notes.add(format!(
                "{code} response (no body) not generated beside the typed error responses; it arrives as `Error::UnexpectedResponse`"
            ));
        }
    }
    let mut schemas: Vec<Value> = Vec::new();
    for code in &with_body {
        let schema = first_schema(spec, &responses[code]);
        if !schemas.contains(&schema) {
            schemas.push(schema);
        }
    }
    if schemas.len() < 2 {
        return;
    }
    let name = format!("{}Error", pascal_case(operation_id));
    cx.new_schemas.insert(
        name.clone(),
        json!({
            "description": format!("Any error body `{operation_id}` can answer with."),
            "oneOf": schemas,
        }),
    );
    for code in &with_body {
        let mut response = deref(spec, &responses[code]).clone();
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            for media in content.values_mut() {
                media["schema"] = json!({"$ref": format!("#/components/schemas/{name}")});
                media.as_object_mut().map(|m| m.remove("examples"));
            }
        }
        responses.insert(code.clone(), response);
    }
    cx.notes.add(format!(
        "error responses use {} different schemas; the generated error type is `{name}`, one of them",
        schemas.len()
    ));
}

/// Add the error types [`unify`] made to `components/schemas` (when the spec has that map).
pub(super) fn add_schemas(draft: &mut Draft) {
    let new_schemas = std::mem::take(&mut draft.new_schemas);
    if !new_schemas.is_empty()
        && let Some(schemas) = draft
            .value
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
    {
        schemas.extend(new_schemas);
    }
}

fn is_error(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

fn first_schema(spec: &Value, response: &Value) -> Value {
    deref(spec, response)
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|m| m.get("schema"))
        .cloned()
        .unwrap_or(json!({}))
}

/// `startGuestSession` → `StartGuestSession`.
pub fn pascal_case(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn different_error_schemas_become_one_of() {
        let err = |r: &str| json!({"description": "e", "content": {"application/json": {"schema": {"$ref": r}}}});
        let s = spec(json!({"operationId": "setAttr", "responses": {
            "204": {"description": "ok"},
            "400": err("#/components/schemas/A"),
            "422": err("#/components/schemas/B")
        }}));
        let v = generator_view(&s);
        assert_eq!(
            v.value["components"]["schemas"]["SetAttrError"]["oneOf"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            v.value["paths"]["/x"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/SetAttrError"
        );
    }

    #[test]
    fn bodiless_error_beside_typed_ones_is_dropped() {
        let err = json!({"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}});
        let s = spec(json!({"operationId": "del", "responses": {
            "204": {"description": "ok"},
            "400": err,
            "404": {"description": "gone"}
        }}));
        let v = generator_view(&s);
        let responses = &v.value["paths"]["/x"]["post"]["responses"];
        assert!(responses.get("404").is_none());
        // One error schema left: no union type is made.
        assert_eq!(responses["400"], err);
        assert!(v.value["components"]["schemas"].get("DelError").is_none());
        assert_eq!(v.adaptations.len(), 1);
    }

    #[test]
    fn only_bodiless_errors_are_kept() {
        let s = spec(json!({"operationId": "del", "responses": {
            "204": {"description": "ok"},
            "404": {"description": "gone"}
        }}));
        let v = generator_view(&s);
        assert!(
            v.value["paths"]["/x"]["post"]["responses"]
                .get("404")
                .is_some()
        );
        assert!(v.adaptations.is_empty());
    }
}
