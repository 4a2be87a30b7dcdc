//! `anyOf` between scalars of different JSON types becomes a `oneOf`, nullable as a whole.
//!
//! typify turns such an `anyOf` into a struct of flattened `Option`s, which no scalar
//! deserializes into; as a `oneOf` it is an untagged enum with one variant per type. See
//! [`rewrite`] for why the two accept the same values.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::Draft;

/// Rewrite every `anyOf` of scalars of different types into a nullable `oneOf`.
pub(super) fn to_one_of(draft: &mut Draft) {
    let scalar_choices = rewrite(&mut draft.value);
    if scalar_choices > 0 {
        draft.note_schemas(format!(
            "{scalar_choices} schemas of the form `anyOf: [{{type: integer, nullable: true}}, {{type: string, nullable: true}}]` (scalars of different types, any of them nullable) are given to the generator as a `oneOf` of the non-nullable branches, nullable as a whole, so the Rust type is `Option` of an untagged enum with one variant per type instead of a struct of flattened `Option`s that no scalar deserializes into; the wire format is unchanged"
        ));
    }
}

/// JSON types a scalar branch may have. `integer` and `number` overlap (every integer is a
/// number), so a choice between them is not a choice by type and is left alone.
const SCALAR_TYPES: &[&str] = &["boolean", "integer", "number", "string"];

/// Keys a scalar branch may carry. Beside `type` and `nullable`, none of them changes which
/// branch a value belongs to, so they travel into the `oneOf` branch unchanged.
const SCALAR_BRANCH_KEYS: &[&str] = &[
    "type",
    "nullable",
    "description",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "example",
];

/// Keys that make the schema holding an `anyOf` more than a choice between its branches.
const NOT_A_PLAIN_CHOICE: &[&str] = &["type", "oneOf", "allOf", "not", "enum", "$ref"];

/// The `anyOf` branches of `map` without their `nullable`, and whether any branch admitted
/// `null`, when the `anyOf` chooses between scalars of different JSON types.
fn scalar_choice(map: &Map<String, Value>) -> Option<(Vec<Value>, bool)> {
    if NOT_A_PLAIN_CHOICE.iter().any(|k| map.contains_key(*k)) {
        return None;
    }
    let branches = map.get("anyOf")?.as_array()?;
    if branches.len() < 2 {
        return None;
    }
    let mut types = BTreeSet::new();
    let mut nullable = false;
    let mut lifted = Vec::with_capacity(branches.len());
    for branch in branches {
        let branch = branch.as_object()?;
        let ty = branch.get("type")?.as_str()?;
        if !SCALAR_TYPES.contains(&ty)
            || !types.insert(ty)
            || branch
                .keys()
                .any(|k| !SCALAR_BRANCH_KEYS.contains(&k.as_str()))
        {
            return None;
        }
        nullable |= branch.get("nullable") == Some(&json!(true));
        let mut plain = branch.clone();
        plain.remove("nullable");
        lifted.push(Value::Object(plain));
    }
    if types.contains("integer") && types.contains("number") {
        return None;
    }
    Some((lifted, nullable))
}

/// Rewrite every `anyOf` of scalars of different types into a `oneOf` of the same branches,
/// with `nullable` lifted out of them; returns how many.
///
/// typify turns such an `anyOf` into a struct of flattened `Option`s, which only objects
/// deserialize into. Since the branches' types differ, at most one branch matches any non-null
/// value, so `oneOf` accepts exactly the same values, and typify makes it an untagged enum. The
/// branches' `nullable` cannot stay (typify would make each variant an `Option`, and `null`
/// would match two branches); on the whole schema it makes the field `Option<enum>`.
fn rewrite(value: &mut Value) -> usize {
    let mut hits = Vec::new();
    gamespec_spec::walk::objects(value, &mut |at, map| {
        if let Some((branches, nullable)) = scalar_choice(map) {
            hits.push((at.to_owned(), branches, nullable));
        }
    });
    for (at, branches, nullable) in &hits {
        if let Some(map) = value.pointer_mut(at).and_then(Value::as_object_mut) {
            map.remove("anyOf");
            map.insert("oneOf".into(), Value::Array(branches.clone()));
            if *nullable {
                map.insert("nullable".into(), json!(true));
            }
        }
    }
    hits.len()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn scalar_any_of_becomes_nullable_one_of() {
        let s = spec(
            json!({"operationId": "get", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "cursor": {"description": "c", "anyOf": [
                        {"type": "integer", "nullable": true}, {"type": "string", "nullable": true}
                    ]},
                    "id": {"anyOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]}
                }
            }}}}}}),
        );
        let v = generator_view(&s);
        let props = &v.value["paths"]["/x"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["properties"];
        assert_eq!(
            props["cursor"],
            json!({"description": "c", "nullable": true, "oneOf": [{"type": "integer"}, {"type": "string"}]})
        );
        // No branch admits null, so neither does the rewrite; other branch keys stay.
        assert_eq!(
            props["id"],
            json!({"oneOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]})
        );
        assert!(
            v.adaptations.iter().any(|a| a.operation_id == "(all)"
                && a.change.starts_with("2 schemas of the form `anyOf"))
        );
    }

    #[test]
    fn any_of_that_is_not_a_choice_by_scalar_type_is_kept() {
        let kept = [
            // The same type twice: a value may match both.
            json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "string"}]}),
            // Every integer is a number.
            json!({"anyOf": [{"type": "integer"}, {"type": "number"}]}),
            // Not scalars.
            json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "object"}]}),
            json!({"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}),
            // Only plain scalar branches are rewritten; an enum branch is a type of its own.
            json!({"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["x"]}]}),
            // The holder constrains the value itself.
            json!({"type": "string", "anyOf": [{"type": "integer"}, {"type": "string"}]}),
        ];
        for schema in kept {
            let s = spec(
                json!({"operationId": "put", "requestBody": {"content": {"application/json": {"schema": schema.clone()}}}, "responses": {"204": {"description": "ok"}}}),
            );
            let v = generator_view(&s);
            assert_eq!(
                v.value["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"],
                schema
            );
            assert!(v.adaptations.is_empty(), "{schema}: {:?}", v.adaptations);
        }
    }
}
