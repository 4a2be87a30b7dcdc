//! Path items left without operations are dropped from the view.
//!
//! Leaving an operation out (see [`unsendable_body`](super::unsendable_body)) can empty its
//! path item; progenitor has nothing to generate for one, so the view does not keep it.

use serde_json::Value;

use super::Draft;
use gamespec_spec::paths::HTTP_METHODS;

/// Drop every path item that holds no operation.
pub(super) fn drop(draft: &mut Draft) {
    if let Some(paths) = draft.value.get_mut("paths").and_then(Value::as_object_mut) {
        paths.retain(|_, item| {
            item.as_object()
                .is_some_and(|m| HTTP_METHODS.iter().any(|h| m.contains_key(*h)))
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn path_keeping_an_operation_is_kept() {
        let mut s = spec(
            json!({"operationId": "upload", "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}}, "responses": {"200": {"description": "ok"}}}),
        );
        s["paths"]["/x"]["get"] =
            json!({"operationId": "read", "responses": {"200": {"description": "ok"}}});
        let v = generator_view(&s);
        assert!(v.value["paths"]["/x"].get("post").is_none());
        assert!(v.value["paths"]["/x"].get("get").is_some());
    }
}
