//! A list parameter sent comma-joined is taken as one string.
//!
//! progenitor writes an array query parameter as repeated keys (`ids=1&ids=2`) whatever its
//! `explode` says, and its code for an array header does not compile. Header lists are always
//! comma-joined (`style: simple`), and so are query lists with `explode: false`; the view makes
//! both a string, which the caller joins with `,`.

use serde_json::{Value, json};

use super::OperationDraft;
use gamespec_spec::refs::deref;

/// Make every comma-joined list parameter of the operation a string.
pub(super) fn take_as_string(cx: &mut OperationDraft<'_>) {
    let Some(params) = cx.node.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in params.iter_mut() {
        let resolved = deref(cx.spec, p).clone();
        let name = resolved.get("name").and_then(Value::as_str).unwrap_or("?");
        let location = resolved.get("in").and_then(Value::as_str).unwrap_or("?");
        let schema = resolved.get("schema").map(|s| deref(cx.spec, s));
        let is_array = schema.and_then(|s| s.get("type")) == Some(&json!("array"));
        let exploded = resolved
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if (location == "query" && is_array && !exploded) || (location == "header" && is_array) {
            cx.notes.add(format!(
                "{location} parameter `{name}` is a comma-joined list: the generated method takes it as one string (join the values with `,`)"
            ));
            let mut flat = resolved.clone();
            let description = flat
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            flat["schema"] = json!({"type": "string", "description": description});
            flat.as_object_mut().map(|m| m.remove("explode"));
            flat.as_object_mut().map(|m| m.remove("example"));
            *p = flat;
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn comma_joined_query_list_becomes_string() {
        let s = spec(json!({"operationId": "byIds", "parameters": [
            {"name": "ids", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "integer"}}}
        ], "responses": {"200": {"description": "ok"}}}));
        let v = generator_view(&s);
        assert_eq!(
            v.value["paths"]["/x"]["post"]["parameters"][0]["schema"]["type"],
            "string"
        );
        assert_eq!(v.adaptations.len(), 1);
    }

    #[test]
    fn header_list_becomes_string() {
        let s = spec(json!({"operationId": "langs", "parameters": [
            {"name": "Accept-Language", "in": "header", "schema": {"type": "array", "items": {"type": "string"}}}
        ], "responses": {"200": {"description": "ok"}}}));
        let v = generator_view(&s);
        assert_eq!(
            v.value["paths"]["/x"]["post"]["parameters"][0]["schema"]["type"],
            "string"
        );
        assert!(
            v.adaptations[0]
                .change
                .starts_with("header parameter `Accept-Language`")
        );
    }
}
