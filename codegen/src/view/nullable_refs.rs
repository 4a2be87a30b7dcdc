//! `oneOf: [X, {enum: [null]}]` becomes a nullable `allOf: [X]`.
//!
//! That `oneOf` is how OpenAPI 3.0 says "X or null"; typify makes it a two-variant enum. As a
//! nullable `allOf` of X, the Rust type is `Option<X>`.

use serde_json::{Value, json};

use super::Draft;

/// Rewrite every "X or null" `oneOf` into a nullable `allOf`.
pub(super) fn to_nullable_all_of(draft: &mut Draft) {
    let nullable_refs = simplify_nullable_refs(&mut draft.value);
    if nullable_refs > 0 {
        draft.note_schemas(format!(
            "{nullable_refs} schemas of the form `oneOf: [$ref, {{enum: [null]}}]` (OpenAPI 3.0's way to say \"X or null\") are given to the generator as a nullable `allOf`, so the Rust type is `Option<X>` instead of a two-variant enum"
        ));
    }
}

/// Whether `schema` admits only `null` (`enum: [null]`).
fn is_null_only(schema: &Value) -> bool {
    schema.get("enum") == Some(&json!([null]))
}

/// Rewrite every `oneOf: [X, null-only]` into `{allOf: [X], nullable: true}`; returns how many.
fn simplify_nullable_refs(node: &mut Value) -> usize {
    let mut count = 0;
    match node {
        Value::Object(map) => {
            let replacement = map
                .get("oneOf")
                .and_then(Value::as_array)
                .and_then(|branches| match branches.as_slice() {
                    [x, n] | [n, x] if is_null_only(n) && !is_null_only(x) => Some(x.clone()),
                    _ => None,
                });
            if let Some(x) = replacement {
                map.remove("oneOf");
                map.insert("allOf".into(), json!([x]));
                map.insert("nullable".into(), json!(true));
                count += 1;
            }
            for v in map.values_mut() {
                count += simplify_nullable_refs(v);
            }
        }
        Value::Array(items) => {
            for v in items {
                count += simplify_nullable_refs(v);
            }
        }
        _ => {}
    }
    count
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn null_or_ref_becomes_nullable_all_of() {
        let s = spec(
            json!({"operationId": "get", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"a": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "object", "nullable": true, "enum": [null]}]}}
            }}}}}}),
        );
        let v = generator_view(&s);
        let a = &v.value["paths"]["/x"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["properties"]["a"];
        assert_eq!(
            a,
            &json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
    }
}
