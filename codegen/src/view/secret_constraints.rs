//! `format: password` strings lose their length and pattern constraints.
//!
//! The generator is told to generate `{type: string, format: password}` as the redacting
//! `Secret` type (`generate::SECRET_TYPE`), and typify applies that conversion only to a schema
//! that matches it; beside `minLength`, `maxLength` or `pattern` the string would be an ordinary
//! string type again. The view drops the constraints so every password is a `Secret`; the
//! server still checks them.

use serde_json::{Value, json};

use super::Draft;

/// Constraints that stop typify from matching `{type: string, format: password}` to `Secret`.
const SECRET_CONSTRAINTS: &[&str] = &["minLength", "maxLength", "pattern"];

/// Strip length and pattern constraints from every `format: password` string.
pub(super) fn strip(draft: &mut Draft) {
    let constrained = unconstrain_secrets(&mut draft.value);
    if constrained > 0 {
        draft.note_schemas(format!(
            "{constrained} `format: password` strings lose `minLength`/`maxLength`/`pattern` in the generator's copy, so they too become the redacting `Secret` type; the client no longer checks those lengths before sending (the server still does)"
        ));
    }
}

/// Strip the constraints in `value`; returns how many strings had any.
fn unconstrain_secrets(value: &mut Value) -> usize {
    let mut hits = Vec::new();
    gamespec_spec::walk::objects(value, &mut |at, map| {
        let secret = map.get("type") == Some(&json!("string"))
            && map.get("format") == Some(&json!("password"));
        if secret && SECRET_CONSTRAINTS.iter().any(|k| map.contains_key(*k)) {
            hits.push(at.to_owned());
        }
    });
    for at in &hits {
        if let Some(map) = value.pointer_mut(at).and_then(Value::as_object_mut) {
            map.retain(|k, _| !SECRET_CONSTRAINTS.contains(&k.as_str()));
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
    fn constrained_secret_loses_its_constraints() {
        let s = spec(
            json!({"operationId": "login", "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"password": {"type": "string", "format": "password", "minLength": 6}}
        }}}}, "responses": {"204": {"description": "ok"}}}),
        );
        let v = generator_view(&s);
        let pw = &v.value["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["properties"]["password"];
        assert_eq!(pw, &json!({"type": "string", "format": "password"}));
        assert!(
            v.adaptations
                .iter()
                .any(|a| a.change.contains("1 `format: password` strings"))
        );
    }
}
