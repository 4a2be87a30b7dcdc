//! Parameters progenitor cannot send are left out of the operation.
//!
//! progenitor has no code for cookie parameters nor for `style: deepObject` query parameters;
//! an operation with one is still generated, without it.

use serde_json::Value;

use super::OperationDraft;
use gamespec_spec::refs::deref;

/// Drop the operation's cookie and `deepObject` parameters.
pub(super) fn leave_out(cx: &mut OperationDraft<'_>) {
    let Some(params) = cx.node.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    params.retain(|p| {
        let resolved = deref(cx.spec, p);
        let name = resolved.get("name").and_then(Value::as_str).unwrap_or("?");
        let location = resolved.get("in").and_then(Value::as_str).unwrap_or("?");
        let style = resolved.get("style").and_then(Value::as_str);
        if location == "cookie" || style == Some("deepObject") {
            cx.notes.add(format!(
                "{location} parameter `{name}` left out: progenitor cannot send it"
            ));
            return false;
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn cookie_and_deep_object_parameters_are_left_out() {
        let s = spec(json!({"operationId": "find", "parameters": [
            {"name": "session", "in": "cookie", "schema": {"type": "string"}},
            {"name": "filter", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
            {"name": "q", "in": "query", "schema": {"type": "string"}}
        ], "responses": {"200": {"description": "ok"}}}));
        let v = generator_view(&s);
        let params = v.value["paths"]["/x"]["post"]["parameters"]
            .as_array()
            .unwrap();
        assert_eq!(params.len(), 1);
        assert_eq!(params[0]["name"], "q");
        assert_eq!(v.adaptations.len(), 2);
        assert!(
            v.adaptations[0]
                .change
                .starts_with("cookie parameter `session` left out")
        );
    }
}
