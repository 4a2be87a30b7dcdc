//! A request body the spec accepts in several media types is sent in one.
//!
//! progenitor generates one body parameter per operation, of one media type; the view keeps
//! the first of [`GENERATABLE_BODIES`] the body offers and drops the others.

use serde_json::{Value, json};

use super::OperationDraft;
use super::media::{GENERATABLE_BODIES, essence};
use gamespec_spec::refs::deref;

/// Keep one media type of the operation's request body.
pub(super) fn keep_one(cx: &mut OperationDraft<'_>) {
    let Some(body) = cx.node.get_mut("requestBody") else {
        return;
    };
    // A `$ref`'d body is shared; inline it so that trimming it stays local to this operation.
    let resolved = deref(cx.spec, body).clone();
    let Some(content) = resolved.get("content").and_then(Value::as_object) else {
        return;
    };
    if content.len() < 2 {
        return;
    }
    let Some(keep) = GENERATABLE_BODIES
        .iter()
        .find_map(|want| content.keys().find(|m| essence(m) == *want))
    else {
        return;
    };
    let dropped: Vec<&str> = content
        .keys()
        .filter(|m| *m != keep)
        .map(String::as_str)
        .collect();
    cx.notes.add(format!(
        "request body sent as {keep} only (the spec also accepts {}): progenitor takes one media type",
        dropped.join(", ")
    ));
    let mut new_body = resolved.clone();
    new_body["content"] = json!({ keep.clone(): content[keep] });
    *body = new_body;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn json_is_kept_of_json_and_form() {
        let body = json!({"schema": {"$ref": "#/components/schemas/A"}});
        let s = spec(json!({"operationId": "send", "requestBody": {"content": {
            "application/x-www-form-urlencoded": body, "application/json": body
        }}, "responses": {"204": {"description": "ok"}}}));
        let v = generator_view(&s);
        let content = &v.value["paths"]["/x"]["post"]["requestBody"]["content"];
        assert_eq!(content, &json!({"application/json": body}));
        assert!(
            v.adaptations[0]
                .change
                .starts_with("request body sent as application/json only")
        );
    }
}
