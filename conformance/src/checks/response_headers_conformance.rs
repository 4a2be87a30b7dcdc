//! C004 `response_headers_conformance`: documented response headers are there when required and
//! valid when present.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use gamespec_spec::schema::Direction;
use jsonschema::Validator;
use serde_json::Value;

use crate::checks::{Check, CheckContext, Outcome};
use crate::exchange::Exchange;
use gamespec_spec::shape::{coerce, deref, type_name};
use gamespec_spec::spec::{ResponseHeader, Spec};

/// C004: every header the status documents with `required: true` is present, and every
/// documented header that is present validates against its schema (the text coerced to the
/// schema's type first). A documented `Content-Type` is ignored, as OpenAPI says.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseHeadersConformance;

impl Check for ResponseHeadersConformance {
    fn code(&self) -> &'static str {
        "C004"
    }

    fn name(&self) -> &'static str {
        "response_headers_conformance"
    }

    fn assertion(&self) -> &'static str {
        "Documented response headers are present when required and match their schemas when present."
    }

    fn check(&self, cx: &CheckContext<'_>, exchange: &Exchange) -> Outcome {
        let Ok(received) = &exchange.response else {
            return Outcome::Skip;
        };
        let Some(documented) = cx.operation.response(received.status) else {
            return Outcome::Skip;
        };
        let headers: Vec<&ResponseHeader> = documented
            .headers
            .iter()
            .filter(|h| !h.name.eq_ignore_ascii_case("content-type"))
            .collect();
        if headers.is_empty() {
            return Outcome::Skip;
        }
        let mut problems: Vec<(String, String)> = Vec::new();
        for header in headers {
            let values: Vec<&str> = received.header_values(&header.name).collect();
            if values.is_empty() {
                if header.required {
                    problems.push((
                        format!(
                            "header `{}` (required on status {})",
                            header.name, received.status
                        ),
                        format!("no `{}` header", header.name),
                    ));
                }
                continue;
            }
            // A spec whose header schema does not compile is not the server's fault; the
            // spec's own lint reports it.
            let Ok(validator) = validator(cx.spec, &header.schema) else {
                continue;
            };
            let value = parse(&cx.spec.root, &header.schema, &values.join(", "));
            if let Some(error) = validator.iter_errors(&value).next() {
                let kind = type_name(&cx.spec.root, &header.schema).unwrap_or("its schema");
                problems.push((
                    format!("header `{}` matching {kind}", header.name),
                    // Masked: the value itself is in the recorded exchange, and may be secret.
                    format!("`{}`: {}", header.name, error.masked()),
                ));
            }
        }
        let more = problems.len().saturating_sub(1);
        match problems.into_iter().next() {
            None => Outcome::Pass,
            Some((expected, actual)) if more > 0 => {
                Outcome::fail(expected, format!("{actual} (and {more} more)"))
            }
            Some((expected, actual)) => Outcome::fail(expected, actual),
        }
    }
}

/// A header's text as the JSON value its schema describes: arrays are comma-separated items
/// (OpenAPI's `simple` style), everything else is coerced as one value.
fn parse(root: &Value, schema: &Value, text: &str) -> Value {
    let text = text.trim();
    if type_name(root, schema) != Some("array") {
        return coerce(root, schema, text);
    }
    if text.is_empty() {
        return Value::Array(Vec::new());
    }
    let items = deref(root, schema).get("items").unwrap_or(&Value::Null);
    Value::Array(
        text.split(',')
            .map(|item| coerce(root, items, item.trim()))
            .collect(),
    )
}

/// A compiled (or failed) header validator, shared by every call; the failure is kept as its
/// message so the cache can hand out clones.
type Compiled = Result<Arc<Validator>, String>;

/// The validator of a header schema, compiled once per process: checks run thousands of times
/// per second and header schemas are few.
fn validator(spec: &Spec, schema: &Value) -> Compiled {
    static CACHE: OnceLock<Mutex<HashMap<String, Compiled>>> = OnceLock::new();
    let key = cache_key(spec, schema);
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(compiled) = cache.get(&key) {
        return compiled.clone();
    }
    let compiled = spec
        .validator(Direction::Response, schema)
        .map(Arc::new)
        .map_err(|e| e.to_string());
    cache.insert(key, compiled.clone());
    compiled
}

/// A schema without `$ref`s compiles the same in every spec, so its JSON alone is the key; one
/// with `$ref`s depends on the document, so the spec's file is part of the key.
fn cache_key(spec: &Spec, schema: &Value) -> String {
    if has_ref(schema) {
        format!("{}\u{0}{schema}", spec.path.display())
    } else {
        schema.to_string()
    }
}

fn has_ref(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(has_ref),
        Value::Array(items) => items.iter().any(has_ref),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Intent;
    use crate::checks::fixture::{actual, case, exchange, expected, response, run};
    use serde_json::json;

    fn outcome(status: u16, headers: &[(&str, &str)]) -> Outcome {
        let ex = exchange(
            case("getItem", Intent::Valid),
            Ok(response(status, headers, "{}")),
        );
        run(&ResponseHeadersConformance, &ex)
    }

    #[test]
    fn documented_headers_that_validate_pass() {
        assert_eq!(outcome(200, &[("X-Remaining", "3")]), Outcome::Pass);
        assert_eq!(
            outcome(200, &[("x-remaining", "0"), ("X-Tags", "new, hot")]),
            Outcome::Pass
        );
        // Optional and absent is fine.
        assert_eq!(outcome(429, &[]), Outcome::Pass);
        assert_eq!(outcome(429, &[("Retry-After", "30")]), Outcome::Pass);
    }

    #[test]
    fn a_missing_required_header_fails() {
        let failed = outcome(200, &[]);
        assert_eq!(
            expected(failed.clone()),
            "header `X-Remaining` (required on status 200)"
        );
        assert_eq!(actual(failed), "no `X-Remaining` header");
    }

    #[test]
    fn a_header_of_the_wrong_type_fails_without_echoing_its_value() {
        let failed = outcome(429, &[("Retry-After", "soon")]);
        assert_eq!(
            expected(failed.clone()),
            "header `Retry-After` matching integer"
        );
        let text = actual(failed);
        assert!(text.starts_with("`Retry-After`: "), "{text}");
        assert!(text.contains("integer"), "{text}");
        assert!(!text.contains("soon"), "{text}");
        let below = actual(outcome(429, &[("Retry-After", "-1")]));
        assert!(below.contains("minimum"), "{below}");
    }

    #[test]
    fn array_items_are_checked_one_by_one_and_extra_problems_are_counted() {
        let failed = outcome(200, &[("X-Remaining", "x"), ("X-Tags", "new, stale")]);
        assert!(actual(failed).ends_with("(and 1 more)"));
    }

    #[test]
    fn a_documented_content_type_header_is_ignored() {
        // The fixture documents `Content-Type` as a required integer; OpenAPI ignores it.
        assert_eq!(
            outcome(
                200,
                &[("X-Remaining", "1"), ("Content-Type", "application/json")]
            ),
            Outcome::Pass
        );
    }

    #[test]
    fn statuses_without_documented_headers_are_skipped() {
        assert_eq!(outcome(401, &[]), Outcome::Skip);
        assert_eq!(outcome(418, &[]), Outcome::Skip);
        let ex = exchange(case("getItem", Intent::Valid), Err("refused".into()));
        assert_eq!(run(&ResponseHeadersConformance, &ex), Outcome::Skip);
    }

    #[test]
    fn header_text_becomes_the_schema_type() {
        let root = json!({});
        assert_eq!(parse(&root, &json!({"type": "integer"}), " 30 "), json!(30));
        assert_eq!(
            parse(
                &root,
                &json!({"type": "array", "items": {"type": "integer"}}),
                "1, 2"
            ),
            json!([1, 2])
        );
        assert_eq!(parse(&root, &json!({"type": "array"}), ""), json!([]));
    }

    #[test]
    fn ref_free_schemas_share_a_key_and_refs_are_keyed_by_document() {
        let spec = crate::checks::fixture::spec();
        assert_eq!(
            cache_key(spec, &json!({"type": "integer"})),
            r#"{"type":"integer"}"#
        );
        let with_ref = json!({"$ref": "#/components/schemas/Item"});
        assert!(cache_key(spec, &with_ref).starts_with("fixture.yaml\u{0}"));
        assert!(has_ref(&json!({"items": [{"$ref": "#/x"}]})));
    }
}
