//! An operation whose success responses differ in body keeps one of them.
//!
//! progenitor gives a method one success type; when the 2xx responses do not all carry the
//! same body, the view keeps the lowest code with a body, and the others reach the caller as
//! `Error::UnexpectedResponse` (the client crate handles the ones that matter by hand).

use std::collections::BTreeSet;

use serde_json::Value;

use super::OperationDraft;
use super::media::body_key;

/// Keep one success response when they differ in body.
pub(super) fn keep_one(cx: &mut OperationDraft<'_>) {
    let Some(responses) = cx.node.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let success: Vec<String> = responses
        .keys()
        .filter(|c| is_success(c))
        .cloned()
        .collect();
    let shapes: BTreeSet<Option<String>> = success
        .iter()
        .map(|c| body_key(cx.spec, &responses[c]))
        .collect();
    if shapes.len() < 2 {
        return;
    }
    // Keep the lowest code that has a body; the others' bodies cannot be typed alongside it.
    let keep = success
        .iter()
        .find(|c| body_key(cx.spec, &responses[*c]).is_some())
        .cloned()
        .unwrap_or_else(|| success[0].clone());
    for code in success.iter().filter(|c| **c != keep) {
        responses.remove(code);
        cx.notes.add(format!(
            "{code} response not generated (its body differs from {keep}'s and progenitor types one success body); it arrives as `Error::UnexpectedResponse`"
        ));
    }
}

fn is_success(code: &str) -> bool {
    code.starts_with('2')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn second_success_shape_is_dropped() {
        let s = spec(json!({"operationId": "make", "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
            "204": {"description": "empty"}
        }}));
        let v = generator_view(&s);
        let responses = &v.value["paths"]["/x"]["post"]["responses"];
        assert!(responses.get("200").is_some());
        assert!(responses.get("204").is_none());
        assert!(
            v.adaptations[0]
                .to_string()
                .starts_with("make (POST /x): 204 response")
        );
    }

    #[test]
    fn same_success_shape_is_kept() {
        let body = json!({"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}});
        let s = spec(json!({"operationId": "make", "responses": {"200": body, "201": body}}));
        assert!(generator_view(&s).adaptations.is_empty());
    }
}
