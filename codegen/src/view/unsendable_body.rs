//! Operations whose request body progenitor cannot send are left out of the view.
//!
//! progenitor generates request bodies only for the media types in [`GENERATABLE_BODIES`]; an
//! operation that accepts none of them (a `multipart/form-data` upload) cannot be generated at
//! all, so the client crate implements it by hand.

use serde_json::Value;

use super::OperationDraft;
use super::media::{GENERATABLE_BODIES, essence};
use gamespec_spec::refs::deref;

/// Leave the operation out when none of its request body's media types can be sent.
pub(super) fn leave_out(cx: &mut OperationDraft<'_>) {
    if let Some(reason) = unsendable(cx.spec, &cx.op.value) {
        cx.notes.add(format!(
            "left out of the generated client: {reason}; the client crate implements it by hand"
        ));
        cx.leave_out();
    }
}

/// Why progenitor cannot send `op`'s request body, if it cannot.
fn unsendable(spec: &Value, op: &Value) -> Option<String> {
    let content = deref(spec, op.get("requestBody")?)
        .get("content")?
        .as_object()?;
    if content
        .keys()
        .any(|m| GENERATABLE_BODIES.contains(&essence(m)))
    {
        return None;
    }
    let types: Vec<&str> = content.keys().map(String::as_str).collect();
    Some(format!(
        "progenitor cannot send a {} request body",
        types.join(" or ")
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::generator_view;
    use super::super::test_spec::spec;

    #[test]
    fn multipart_operation_is_left_out_and_listed() {
        let s = spec(
            json!({"operationId": "upload", "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}}, "responses": {"200": {"description": "ok"}}}),
        );
        let v = generator_view(&s);
        assert!(v.value["paths"].get("/x").is_none());
        assert_eq!(v.adaptations.len(), 1);
        assert!(v.adaptations[0].change.contains("multipart/form-data"));
    }
}
