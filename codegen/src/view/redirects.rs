//! 1xx and 3xx responses are dropped from the view.
//!
//! progenitor types only 2xx, 4xx and 5xx responses; the others reach the caller as
//! `Error::UnexpectedResponse`, with their headers (a redirect's `Location`).

use serde_json::Value;

use super::OperationDraft;

/// Drop the operation's informational and redirect responses.
pub(super) fn drop(cx: &mut OperationDraft<'_>) {
    let Some(responses) = cx.node.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let dropped: Vec<String> = responses
        .keys()
        .filter(|c| c.starts_with('1') || c.starts_with('3'))
        .cloned()
        .collect();
    for code in dropped {
        responses.remove(&code);
        cx.notes.add(format!(
            "{code} response not generated: progenitor only types 2xx, 4xx and 5xx responses; it arrives as `Error::UnexpectedResponse` with its headers"
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn redirects_are_dropped() {
        let s = spec(json!({"operationId": "go", "responses": {"302": {"description": "moved"}}}));
        let v = generator_view(&s);
        assert!(
            v.value["paths"]["/x"]["post"]["responses"]
                .get("302")
                .is_none()
        );
    }
}
