//! GS006 and GS007: examples. Every request body, parameter and response with content carries an
//! example (GS007), and every example validates against its schema (GS006).
//!
//! Shared components (`components/responses`, `requestBodies`, `parameters`) are checked once,
//! where they are defined; inline ones are checked in their operation.

use serde_json::Value;

use super::{Context, Reporter, Rule};
use gamespec_spec::paths::Operation;
use gamespec_spec::pointer;
use gamespec_spec::refs::deref;
use gamespec_spec::schema::Direction;

/// GS006: see the module docs.
pub struct ExamplesValid;
/// GS007: see the module docs.
pub struct ExamplesPresent;

/// A place that should carry examples.
struct Site<'a> {
    op: Option<&'a Operation>,
    /// Pointer of the media type, parameter or schema object.
    pointer: String,
    what: String,
    schema: Option<Value>,
    examples: Vec<(String, Value)>,
    dir: Direction,
}

fn media_sites<'a>(
    root: &Value,
    op: Option<&'a Operation>,
    holder: &Value,
    holder_ptr: &str,
    what: &str,
    dir: Direction,
    out: &mut Vec<Site<'a>>,
) {
    if holder.get("$ref").is_some() {
        return; // checked where the component is defined
    }
    let Some(content) = holder.get("content").and_then(Value::as_object) else {
        return;
    };
    for (media, m) in content {
        let at = format!("{holder_ptr}/content/{}", pointer::escape(media));
        out.push(Site {
            op,
            what: format!("{what} ({media})"),
            schema: m.get("schema").cloned(),
            examples: examples_of(root, m, &at),
            pointer: at,
            dir,
        });
    }
}

fn examples_of(root: &Value, node: &Value, at: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(e) = node.get("example") {
        out.push((format!("{at}/example"), e.clone()));
    }
    if let Some(map) = node.get("examples").and_then(Value::as_object) {
        for (name, ex) in map {
            let ex_ptr = format!("{at}/examples/{}", pointer::escape(name));
            if let Some(v) = deref(root, ex).get("value") {
                out.push((format!("{ex_ptr}/value"), v.clone()));
            }
        }
    }
    out
}

fn parameter_site<'a>(
    root: &Value,
    op: Option<&'a Operation>,
    p: &Value,
    at: &str,
    out: &mut Vec<Site<'a>>,
) {
    if p.get("$ref").is_some() {
        return;
    }
    let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
    out.push(Site {
        op,
        pointer: at.to_owned(),
        what: format!("parameter `{name}`"),
        schema: p.get("schema").cloned(),
        examples: examples_of(root, p, at),
        dir: Direction::Request,
    });
}

fn sites<'a>(ctx: &'a Context<'_>) -> Vec<Site<'a>> {
    let root = &ctx.doc.value;
    let mut out = Vec::new();
    for op in &ctx.operations {
        for (at, p) in op.all_parameters() {
            parameter_site(root, Some(op), p, &at, &mut out);
        }
        if let Some(body) = op.value.get("requestBody") {
            let at = format!("{}/requestBody", op.pointer());
            media_sites(
                root,
                Some(op),
                body,
                &at,
                "request body",
                Direction::Request,
                &mut out,
            );
        }
        for (code, resp) in op
            .value
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let at = format!("{}/responses/{}", op.pointer(), pointer::escape(code));
            media_sites(
                root,
                Some(op),
                resp,
                &at,
                &format!("{code} response"),
                Direction::Response,
                &mut out,
            );
        }
    }
    let components = |kind: &'static str| {
        root.pointer(&format!("/components/{kind}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(move |(name, v)| {
                (
                    format!("/components/{kind}/{}", pointer::escape(name)),
                    name,
                    v,
                )
            })
    };
    for (at, _, p) in components("parameters") {
        parameter_site(root, None, p, &at, &mut out);
    }
    for (at, name, b) in components("requestBodies") {
        media_sites(
            root,
            None,
            b,
            &at,
            &format!("request body `{name}`"),
            Direction::Request,
            &mut out,
        );
    }
    for (at, name, r) in components("responses") {
        media_sites(
            root,
            None,
            r,
            &at,
            &format!("response `{name}`"),
            Direction::Response,
            &mut out,
        );
    }
    for (at, name, s) in components("schemas") {
        if let Some(e) = s.get("example") {
            out.push(Site {
                op: None,
                pointer: at.clone(),
                what: format!("schema `{name}`"),
                schema: Some(serde_json::json!({"$ref": format!("#{at}")})),
                examples: vec![(format!("{at}/example"), e.clone())],
                dir: Direction::Response,
            });
        }
    }
    out
}

impl Rule for ExamplesValid {
    fn code(&self) -> &'static str {
        "GS006"
    }
    fn name(&self) -> &'static str {
        "example-valid"
    }
    fn summary(&self) -> &'static str {
        "every example validates against its schema"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for site in sites(ctx) {
            let Some(schema) = &site.schema else { continue };
            let set = match site.dir {
                Direction::Request => &ctx.request_schemas,
                Direction::Response => &ctx.response_schemas,
            };
            for (at, example) in &site.examples {
                if let Err(errors) = set.validate(schema, example) {
                    out.report(
                        site.op,
                        at,
                        format!(
                            "example of {} does not match its schema: {}",
                            site.what,
                            errors.join("; ")
                        ),
                    );
                }
            }
        }
    }
}

impl Rule for ExamplesPresent {
    fn code(&self) -> &'static str {
        "GS007"
    }
    fn name(&self) -> &'static str {
        "example-present"
    }
    fn summary(&self) -> &'static str {
        "every request body, parameter and response with content has an example"
    }
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>) {
        for site in sites(ctx) {
            if site.examples.is_empty() {
                out.report(
                    site.op,
                    &site.pointer,
                    format!("{} has no example", site.what),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_spec::{findings, good};
    use super::*;
    use serde_json::json;

    #[test]
    fn good_spec_passes() {
        assert!(findings(&ExamplesValid, &good()).is_empty());
        assert!(findings(&ExamplesPresent, &good()).is_empty());
    }

    #[test]
    fn invalid_body_example_is_named() {
        let mut s = good();
        s["paths"]["/session"]["post"]["requestBody"]["content"]["application/json"]["example"] =
            json!({"game_key": 5});
        let f = findings(&ExamplesValid, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        let text = f[0].to_string();
        assert!(
            text.contains("operation startSession (POST /session): example of request body"),
            "{text}"
        );
        assert!(text.contains("/game_key"), "{text}");
    }

    #[test]
    fn invalid_parameter_example_is_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["parameters"][0]["example"] = json!("three");
        let f = findings(&ExamplesValid, &s);
        assert!(
            f[0].to_string()
                .contains("operation getPlayer (GET /players/{id}): example of parameter `id`"),
            "{}",
            f[0]
        );
    }

    #[test]
    fn named_examples_are_validated() {
        let mut s = good();
        let media = &mut s["paths"]["/players/{id}"]["get"]["responses"]["200"]["content"]["application/json"];
        media.as_object_mut().unwrap().remove("example");
        media["examples"] = json!({"first": {"value": {"session_token": 1}}});
        let f = findings(&ExamplesValid, &s);
        assert!(f[0].pointer.ends_with("/examples/first/value"), "{f:?}");
    }

    #[test]
    fn missing_examples_are_named() {
        let mut s = good();
        s["paths"]["/players/{id}"]["get"]["parameters"][0]
            .as_object_mut()
            .unwrap()
            .remove("example");
        s["paths"]["/session"]["post"]["responses"]["200"]["content"]["application/json"]
            .as_object_mut()
            .unwrap()
            .remove("example");
        let f = findings(&ExamplesPresent, &s);
        let text: Vec<String> = f.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text.iter().any(|t| {
            t.contains("operation getPlayer (GET /players/{id}): parameter `id` has no example")
        }));
        assert!(text.iter().any(|t| t.contains(
            "operation startSession (POST /session): 200 response (application/json) has no example"
        )));
    }

    #[test]
    fn schema_level_example_is_validated() {
        let mut s = good();
        s["components"]["schemas"]["Session"]["example"] = json!({"nope": true});
        let f = findings(&ExamplesValid, &s);
        assert!(f[0].message.contains("schema `Session`"), "{f:?}");
    }
}
