//! The spec as openapi-generator's Java generator gets it: the spec without what the generator
//! does not use and only warns about.
//!
//! Three upstream bugs of openapi-generator 7.26.0 make it print warnings where the specs say
//! nothing wrong:
//! * `AbstractJavaCodegen.setParameterExampleValue` prints "Ignoring complex example on request
//!   body" for each request body whose schema is a model and whose media type has an `example` or
//!   `examples` (it only renders string examples, in its Markdown docs);
//! * `ExamplesUtils.unaliasExamples` asks for the component name of every named response example,
//!   `$ref` or not, and `ModelUtils.getSimpleRef` prints "Failed to get the schema name: null"
//!   for each inline one;
//! * `OpenAPINormalizer.isSelfReference` asks the same for every inline `items`, `oneOf` /
//!   `anyOf` branch and `additionalProperties` of a component schema (LootLocker's
//!   `MetadataValue`: five inline branches, which are what its Rust enum's variants are named
//!   after, so the spec keeps them).
//!
//! A fourth makes it refuse a valid spec: its parser's OpenAPI 3.0 validation (swagger-parser)
//! requires a link's `requestBody` to be a string, where OpenAPI 3.0.3 allows any value or an
//! expression (xsolla's `updateUserAttributes` links to itself with a literal body that
//! removes the attributes just written). The Java generator builds nothing from links, so the
//! responses' `links` are left out too.
//!
//! The generator's once-logger prints each message at most once every two seconds, which is why
//! a plain run shows only a few of them; `java.rs` turns it off so every warning is counted.
//!
//! Media examples feed only the generated docs (and the committed configuration already skips
//! operation examples there): the Java sources generated with and without them are the same
//! byte for byte, so taking them out loses nothing the client is built from. Schema examples
//! (`example` inside a schema) stay. A component schema the committed configuration maps to a
//! Java type (`schemaMappings`) is not generated at all, so it reaches the generator as an
//! any-value schema with its description; the only difference in the generated sources is a
//! field initialised to `null` explicitly instead of by default.

use serde_json::Value;

/// HTTP methods of a path item (its other keys are parameters, servers and text).
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `document` without request bodies' media examples, without responses' named examples and
/// links, and with the component schemas named in `mapped` reduced to their description.
pub fn for_generator(document: &Value, mapped: &[String]) -> Value {
    let mut doc = document.clone();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in mapped {
            if let Some(schema) = schemas.get_mut(name) {
                let description = schema.get("description").cloned();
                *schema = match description {
                    Some(d) => serde_json::json!({ "description": d }),
                    None => serde_json::json!({}),
                };
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                if let Some(op) = item.get_mut(*method) {
                    if let Some(body) = op.get_mut("requestBody") {
                        strip(body, &["example", "examples"]);
                    }
                    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut)
                    {
                        responses.values_mut().for_each(response);
                    }
                }
            }
        }
    }
    if let Some(components) = doc.get_mut("components") {
        if let Some(bodies) = components
            .get_mut("requestBodies")
            .and_then(Value::as_object_mut)
        {
            bodies
                .values_mut()
                .for_each(|b| strip(b, &["example", "examples"]));
        }
        if let Some(responses) = components
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        {
            responses.values_mut().for_each(response);
        }
    }
    doc
}

/// A response without its media types' named examples and without its links.
fn response(response: &mut Value) {
    strip(response, &["examples"]);
    if let Some(r) = response.as_object_mut() {
        r.remove("links");
    }
}

/// Remove `keys` from every media type of a request body or response (a `$ref` has none).
fn strip(holder: &mut Value, keys: &[&str]) {
    let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for media in content.values_mut().filter_map(Value::as_object_mut) {
        for key in keys {
            media.remove(*key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn takes_out_media_examples_and_keeps_schema_examples() {
        let doc = json!({
            "paths": {"/a": {
                "parameters": [],
                "post": {
                    "requestBody": {"content": {"application/json": {
                        "schema": {"type": "object", "example": {"a": 1}},
                        "example": {"a": 1},
                        "examples": {"one": {"value": {"a": 1}}}
                    }}},
                    "responses": {"200": {"content": {"application/json": {
                        "schema": {"type": "object"},
                        "example": {"b": 2},
                        "examples": {"two": {"value": {"b": 2}}}
                    }}, "links": {"Undo": {"operationId": "a", "requestBody": {"k": 1}}}}}
                }
            }},
            "components": {
                "requestBodies": {"B": {"content": {"text/plain": {"example": "x"}}}},
                "responses": {"R": {"content": {"application/json": {"examples": {}}},
                    "links": {"L": {"operationId": "a"}}}}
            }
        });
        let out = for_generator(&doc, &[]);
        let post = &out["paths"]["/a"]["post"];
        let body = &post["requestBody"]["content"]["application/json"];
        assert_eq!(
            body,
            &json!({"schema": {"type": "object", "example": {"a": 1}}})
        );
        let ok = &post["responses"]["200"]["content"]["application/json"];
        assert_eq!(
            ok,
            &json!({"schema": {"type": "object"}, "example": {"b": 2}})
        );
        assert_eq!(
            out["components"]["requestBodies"]["B"]["content"]["text/plain"],
            json!({})
        );
        assert_eq!(
            out["components"]["responses"]["R"]["content"]["application/json"],
            json!({})
        );
        // Links, which the generator's validator may refuse, are gone.
        assert!(post["responses"]["200"].get("links").is_none());
        assert!(out["components"]["responses"]["R"].get("links").is_none());
    }

    #[test]
    fn reduces_mapped_component_schemas_to_their_description() {
        let doc = json!({"components": {"schemas": {
            "V": {"description": "A value.", "oneOf": [{"type": "string"}, {"type": "number"}]},
            "W": {"oneOf": [{"type": "string"}]},
            "Kept": {"type": "string"}
        }}});
        let mapped = ["V".to_owned(), "W".to_owned(), "Inline_name".to_owned()];
        let out = for_generator(&doc, &mapped);
        assert_eq!(
            out["components"]["schemas"],
            json!({"V": {"description": "A value."}, "W": {}, "Kept": {"type": "string"}})
        );
    }
}
