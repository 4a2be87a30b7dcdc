//! What progenitor makes of the view's rewrite of `anyOf` between scalars of different types:
//! the rewrite is only worth its place in `view` if typify turns it into an untagged enum.

use gamespec_codegen::generate::progenitor_source;
use gamespec_codegen::view::generator_view;
use serde_json::json;

/// A one-operation spec answering with an object whose `cursor` is an integer, a string or null.
fn spec() -> serde_json::Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/page": {"get": {
            "operationId": "page",
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Page"}
            }}}}
        }}},
        "components": {"schemas": {"Page": {
            "type": "object",
            "properties": {"cursor": {
                "description": "Next page.",
                "anyOf": [
                    {"type": "integer", "nullable": true},
                    {"type": "string", "nullable": true}
                ]
            }}
        }}}
    })
}

#[test]
fn scalar_any_of_is_generated_as_an_optional_untagged_enum() {
    let view = generator_view(&spec());
    let source = progenitor_source(&view.value, "()").expect("progenitor generates the view");
    let compact: String = source.split_whitespace().collect();
    assert!(
        compact.contains("pubcursor:::std::option::Option<PageCursor>"),
        "the field is not Option<PageCursor>:\n{source}"
    );
    assert!(
        compact.contains("#[serde(untagged)]pubenumPageCursor{"),
        "PageCursor is not an untagged enum:\n{source}"
    );
    assert!(
        !compact.contains("subtype_0"),
        "a struct of flattened options is still generated:\n{source}"
    );
}
