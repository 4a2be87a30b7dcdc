//! The generator view: a copy of a spec reshaped into what progenitor 0.15 can generate.
//!
//! The spec stays the truth about the API; this module derives a second document for the
//! generator alone and records every change as an [`Adaptation`], which `cargo xtask generate`
//! prints and writes to the client crate's `ADAPTATIONS.md`. The hand-written client layer covers
//! what is lost here (multipart uploads, alternative success bodies, redirects).

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value, json};

use gamespec_spec::operations::{HTTP_METHODS, operations};
use gamespec_spec::pointer;
use gamespec_spec::refs::deref;

/// One change the generator view makes to one operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Adaptation {
    /// The operation's `operationId`.
    pub operation_id: String,
    /// `METHOD /path`.
    pub route: String,
    /// What was changed and why; the consequence for the client is stated with it.
    pub change: String,
}

impl fmt::Display for Adaptation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.operation_id, self.route, self.change)
    }
}

/// The document fed to progenitor, and how it differs from the spec.
#[derive(Debug, Clone)]
pub struct GeneratorView {
    /// The adapted document.
    pub value: Value,
    /// Every adaptation, sorted by operation.
    pub adaptations: Vec<Adaptation>,
}

/// Media types progenitor generates request bodies for.
const GENERATABLE_BODIES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
];

/// Derive the generator view of `spec`.
pub fn generator_view(spec: &Value) -> GeneratorView {
    let mut value = spec.clone();
    let mut adaptations = Vec::new();
    let mut extra_schemas = Map::new();

    for op in operations(spec) {
        let mut note = |change: String| {
            adaptations.push(Adaptation {
                operation_id: op.id.clone(),
                route: op.route(),
                change,
            })
        };
        let op_ptr = pointer::join(["paths", op.path.as_str(), op.method.as_str()]);
        let Some(target) = value.pointer_mut(&op_ptr) else {
            continue;
        };

        if let Some(reason) = body_not_generatable(spec, &op.value) {
            note(format!(
                "left out of the generated client: {reason}; the client crate implements it by hand"
            ));
            remove_operation(&mut value, &op.path, &op.method);
            continue;
        }
        if let Some(body) = target.get_mut("requestBody") {
            keep_one_media_type(spec, body, &mut note);
        }
        adapt_parameters(spec, target, &mut note);
        if let Some(responses) = target.get_mut("responses").and_then(Value::as_object_mut) {
            drop_informational_and_redirects(responses, &mut note);
            keep_one_success(spec, responses, &mut note);
            unify_errors(spec, responses, &op.id, &mut extra_schemas, &mut note);
        }
    }

    fold_case_colliding_enums(&mut value, &mut adaptations);
    let constrained_secrets = unconstrain_secrets(&mut value);
    if constrained_secrets > 0 {
        adaptations.push(Adaptation {
            operation_id: "(all)".to_owned(),
            route: "(schemas)".to_owned(),
            change: format!(
                "{constrained_secrets} `format: password` strings lose `minLength`/`maxLength`/`pattern` in the generator's copy, so they too become the redacting `Secret` type; the client no longer checks those lengths before sending (the server still does)"
            ),
        });
    }
    let nullable_refs = simplify_nullable_refs(&mut value);
    if nullable_refs > 0 {
        adaptations.push(Adaptation {
            operation_id: "(all)".to_owned(),
            route: "(schemas)".to_owned(),
            change: format!(
                "{nullable_refs} schemas of the form `oneOf: [$ref, {{enum: [null]}}]` (OpenAPI 3.0's way to say \"X or null\") are given to the generator as a nullable `allOf`, so the Rust type is `Option<X>` instead of a two-variant enum"
            ),
        });
    }
    let scalar_choices = scalar_any_of_to_one_of(&mut value);
    if scalar_choices > 0 {
        adaptations.push(Adaptation {
            operation_id: "(all)".to_owned(),
            route: "(schemas)".to_owned(),
            change: format!(
                "{scalar_choices} schemas of the form `anyOf: [{{type: integer, nullable: true}}, {{type: string, nullable: true}}]` (scalars of different types, any of them nullable) are given to the generator as a `oneOf` of the non-nullable branches, nullable as a whole, so the Rust type is `Option` of an untagged enum with one variant per type instead of a struct of flattened `Option`s that no scalar deserializes into; the wire format is unchanged"
            ),
        });
    }
    if !extra_schemas.is_empty()
        && let Some(schemas) = value
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
    {
        schemas.extend(extra_schemas);
    }
    drop_empty_paths(&mut value);
    adaptations.sort();
    GeneratorView { value, adaptations }
}

fn body_not_generatable(spec: &Value, op: &Value) -> Option<String> {
    let content = deref(spec, op.get("requestBody")?)
        .get("content")?
        .as_object()?;
    if content
        .keys()
        .any(|m| GENERATABLE_BODIES.contains(&media_essence(m)))
    {
        return None;
    }
    let types: Vec<&str> = content.keys().map(String::as_str).collect();
    Some(format!(
        "progenitor cannot send a {} request body",
        types.join(" or ")
    ))
}

fn media_essence(media: &str) -> &str {
    media.split(';').next().unwrap_or(media).trim()
}

fn remove_operation(value: &mut Value, path: &str, method: &str) {
    if let Some(item) = value
        .pointer_mut(&pointer::join(["paths", path]))
        .and_then(Value::as_object_mut)
    {
        item.remove(method);
    }
}

fn drop_empty_paths(value: &mut Value) {
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        paths.retain(|_, item| {
            item.as_object()
                .is_some_and(|m| HTTP_METHODS.iter().any(|h| m.contains_key(*h)))
        });
    }
}

fn keep_one_media_type(spec: &Value, body: &mut Value, note: &mut impl FnMut(String)) {
    // A `$ref`'d body is shared; inline it so that trimming it stays local to this operation.
    let resolved = deref(spec, body).clone();
    let Some(content) = resolved.get("content").and_then(Value::as_object) else {
        return;
    };
    if content.len() < 2 {
        return;
    }
    let Some(keep) = GENERATABLE_BODIES
        .iter()
        .find_map(|want| content.keys().find(|m| media_essence(m) == *want))
    else {
        return;
    };
    let dropped: Vec<&str> = content
        .keys()
        .filter(|m| *m != keep)
        .map(String::as_str)
        .collect();
    note(format!(
        "request body sent as {keep} only (the spec also accepts {}): progenitor takes one media type",
        dropped.join(", ")
    ));
    let mut new_body = resolved.clone();
    new_body["content"] = json!({ keep.clone(): content[keep] });
    *body = new_body;
}

fn adapt_parameters(spec: &Value, op: &mut Value, note: &mut impl FnMut(String)) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    let mut kept = Vec::new();
    for p in params.drain(..) {
        let resolved = deref(spec, &p).clone();
        let name = resolved.get("name").and_then(Value::as_str).unwrap_or("?");
        let location = resolved.get("in").and_then(Value::as_str).unwrap_or("?");
        let style = resolved.get("style").and_then(Value::as_str);
        if location == "cookie" || style == Some("deepObject") {
            note(format!(
                "{location} parameter `{name}` left out: progenitor cannot send it"
            ));
            continue;
        }
        let schema = resolved.get("schema").map(|s| deref(spec, s));
        let is_array = schema.and_then(|s| s.get("type")) == Some(&json!("array"));
        let exploded = resolved
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        // Header lists are always comma-joined (`style: simple`); progenitor's code for an
        // array header does not compile, so the view takes the joined string.
        if (location == "query" && is_array && !exploded) || (location == "header" && is_array) {
            note(format!(
                "{location} parameter `{name}` is a comma-joined list: the generated method takes it as one string (join the values with `,`)"
            ));
            let mut flat = resolved.clone();
            let description = flat
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            flat["schema"] = json!({"type": "string", "description": description});
            flat.as_object_mut().map(|m| m.remove("explode"));
            flat.as_object_mut().map(|m| m.remove("example"));
            kept.push(flat);
            continue;
        }
        kept.push(p);
    }
    *params = kept;
}

fn is_success(code: &str) -> bool {
    code.starts_with('2')
}

fn is_error(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

fn drop_informational_and_redirects(
    responses: &mut Map<String, Value>,
    note: &mut impl FnMut(String),
) {
    let dropped: Vec<String> = responses
        .keys()
        .filter(|c| c.starts_with('1') || c.starts_with('3'))
        .cloned()
        .collect();
    for code in dropped {
        responses.remove(&code);
        note(format!(
            "{code} response not generated: progenitor only types 2xx, 4xx and 5xx responses; it arrives as `Error::UnexpectedResponse` with its headers"
        ));
    }
}

/// The schema of a response's (single) content, as a comparable key.
fn body_key(spec: &Value, response: &Value) -> Option<String> {
    let content = deref(spec, response).get("content")?.as_object()?;
    let (media, m) = content.iter().next()?;
    Some(format!(
        "{}|{}",
        media_essence(media),
        m.get("schema").map(Value::to_string).unwrap_or_default()
    ))
}

fn keep_one_success(
    spec: &Value,
    responses: &mut Map<String, Value>,
    note: &mut impl FnMut(String),
) {
    let success: Vec<String> = responses
        .keys()
        .filter(|c| is_success(c))
        .cloned()
        .collect();
    let shapes: BTreeSet<Option<String>> = success
        .iter()
        .map(|c| body_key(spec, &responses[c]))
        .collect();
    if shapes.len() < 2 {
        return;
    }
    // Keep the lowest code that has a body; the others' bodies cannot be typed alongside it.
    let keep = success
        .iter()
        .find(|c| body_key(spec, &responses[*c]).is_some())
        .cloned()
        .unwrap_or_else(|| success[0].clone());
    for code in success.iter().filter(|c| **c != keep) {
        responses.remove(code);
        note(format!(
            "{code} response not generated (its body differs from {keep}'s and progenitor types one success body); it arrives as `Error::UnexpectedResponse`"
        ));
    }
}

fn unify_errors(
    spec: &Value,
    responses: &mut Map<String, Value>,
    operation_id: &str,
    extra_schemas: &mut Map<String, Value>,
    note: &mut impl FnMut(String),
) {
    let errors: Vec<String> = responses.keys().filter(|c| is_error(c)).cloned().collect();
    let bodiless: Vec<String> = errors
        .iter()
        .filter(|c| body_key(spec, &responses[*c]).is_none())
        .cloned()
        .collect();
    let with_body: Vec<String> = errors
        .iter()
        .filter(|c| !bodiless.contains(c))
        .cloned()
        .collect();
    if !with_body.is_empty() {
        for code in &bodiless {
            responses.remove(code);
            note(format!(
                "{code} response (no body) not generated beside the typed error responses; it arrives as `Error::UnexpectedResponse`"
            ));
        }
    }
    let mut schemas: Vec<Value> = Vec::new();
    for code in &with_body {
        let schema = first_schema(spec, &responses[code]);
        if !schemas.contains(&schema) {
            schemas.push(schema);
        }
    }
    if schemas.len() < 2 {
        return;
    }
    let name = format!("{}Error", pascal_case(operation_id));
    extra_schemas.insert(
        name.clone(),
        json!({
            "description": format!("Any error body `{operation_id}` can answer with."),
            "oneOf": schemas,
        }),
    );
    for code in &with_body {
        let mut response = deref(spec, &responses[code]).clone();
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            for media in content.values_mut() {
                media["schema"] = json!({"$ref": format!("#/components/schemas/{name}")});
                media.as_object_mut().map(|m| m.remove("examples"));
            }
        }
        responses.insert(code.clone(), response);
    }
    note(format!(
        "error responses use {} different schemas; the generated error type is `{name}`, one of them",
        schemas.len()
    ));
}

fn first_schema(spec: &Value, response: &Value) -> Value {
    deref(spec, response)
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|m| m.get("schema"))
        .cloned()
        .unwrap_or(json!({}))
}

/// Constraints that stop typify from matching `{type: string, format: password}` to `Secret`.
const SECRET_CONSTRAINTS: &[&str] = &["minLength", "maxLength", "pattern"];

/// Strip length and pattern constraints from `format: password` strings; returns how many.
fn unconstrain_secrets(value: &mut Value) -> usize {
    let mut hits = Vec::new();
    gamespec_spec::walk::objects(value, &mut |at, map| {
        let secret = map.get("type") == Some(&json!("string"))
            && map.get("format") == Some(&json!("password"));
        if secret && SECRET_CONSTRAINTS.iter().any(|k| map.contains_key(*k)) {
            hits.push(at.to_owned());
        }
    });
    for at in &hits {
        if let Some(map) = value.pointer_mut(at).and_then(Value::as_object_mut) {
            map.retain(|k, _| !SECRET_CONSTRAINTS.contains(&k.as_str()));
        }
    }
    hits.len()
}

/// Whether `schema` admits only `null` (`enum: [null]`).
fn is_null_only(schema: &Value) -> bool {
    schema.get("enum") == Some(&json!([null]))
}

/// Rewrite every `oneOf: [X, null-only]` into `{allOf: [X], nullable: true}`; returns how many.
fn simplify_nullable_refs(node: &mut Value) -> usize {
    let mut count = 0;
    match node {
        Value::Object(map) => {
            let replacement = map
                .get("oneOf")
                .and_then(Value::as_array)
                .and_then(|branches| match branches.as_slice() {
                    [x, n] | [n, x] if is_null_only(n) && !is_null_only(x) => Some(x.clone()),
                    _ => None,
                });
            if let Some(x) = replacement {
                map.remove("oneOf");
                map.insert("allOf".into(), json!([x]));
                map.insert("nullable".into(), json!(true));
                count += 1;
            }
            for v in map.values_mut() {
                count += simplify_nullable_refs(v);
            }
        }
        Value::Array(items) => {
            for v in items {
                count += simplify_nullable_refs(v);
            }
        }
        _ => {}
    }
    count
}

/// JSON types a scalar branch may have. `integer` and `number` overlap (every integer is a
/// number), so a choice between them is not a choice by type and is left alone.
const SCALAR_TYPES: &[&str] = &["boolean", "integer", "number", "string"];

/// Keys a scalar branch may carry. Beside `type` and `nullable`, none of them changes which
/// branch a value belongs to, so they travel into the `oneOf` branch unchanged.
const SCALAR_BRANCH_KEYS: &[&str] = &[
    "type",
    "nullable",
    "description",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "example",
];

/// Keys that make the schema holding an `anyOf` more than a choice between its branches.
const NOT_A_PLAIN_CHOICE: &[&str] = &["type", "oneOf", "allOf", "not", "enum", "$ref"];

/// The `anyOf` branches of `map` without their `nullable`, and whether any branch admitted
/// `null`, when the `anyOf` chooses between scalars of different JSON types.
fn scalar_choice(map: &Map<String, Value>) -> Option<(Vec<Value>, bool)> {
    if NOT_A_PLAIN_CHOICE.iter().any(|k| map.contains_key(*k)) {
        return None;
    }
    let branches = map.get("anyOf")?.as_array()?;
    if branches.len() < 2 {
        return None;
    }
    let mut types = BTreeSet::new();
    let mut nullable = false;
    let mut lifted = Vec::with_capacity(branches.len());
    for branch in branches {
        let branch = branch.as_object()?;
        let ty = branch.get("type")?.as_str()?;
        if !SCALAR_TYPES.contains(&ty)
            || !types.insert(ty)
            || branch
                .keys()
                .any(|k| !SCALAR_BRANCH_KEYS.contains(&k.as_str()))
        {
            return None;
        }
        nullable |= branch.get("nullable") == Some(&json!(true));
        let mut plain = branch.clone();
        plain.remove("nullable");
        lifted.push(Value::Object(plain));
    }
    if types.contains("integer") && types.contains("number") {
        return None;
    }
    Some((lifted, nullable))
}

/// Rewrite every `anyOf` of scalars of different types into a `oneOf` of the same branches,
/// with `nullable` lifted out of them; returns how many.
///
/// typify turns such an `anyOf` into a struct of flattened `Option`s, which only objects
/// deserialize into. Since the branches' types differ, at most one branch matches any non-null
/// value, so `oneOf` accepts exactly the same values, and typify makes it an untagged enum. The
/// branches' `nullable` cannot stay (typify would make each variant an `Option`, and `null`
/// would match two branches); on the whole schema it makes the field `Option<enum>`.
fn scalar_any_of_to_one_of(value: &mut Value) -> usize {
    let mut hits = Vec::new();
    gamespec_spec::walk::objects(value, &mut |at, map| {
        if let Some((branches, nullable)) = scalar_choice(map) {
            hits.push((at.to_owned(), branches, nullable));
        }
    });
    for (at, branches, nullable) in &hits {
        if let Some(map) = value.pointer_mut(at).and_then(Value::as_object_mut) {
            map.remove("anyOf");
            map.insert("oneOf".into(), Value::Array(branches.clone()));
            if *nullable {
                map.insert("nullable".into(), json!(true));
            }
        }
    }
    hits.len()
}

/// typify names enum variants in PascalCase, so values that differ only in case (`ASC`, `asc`)
/// collide and it panics. Such enums become plain strings in the view.
fn fold_case_colliding_enums(value: &mut Value, adaptations: &mut Vec<Adaptation>) {
    let ops: Vec<(String, String, String)> = operations(value)
        .into_iter()
        .map(|o| (o.pointer(), o.id.clone(), o.route()))
        .collect();
    let mut hits = Vec::new();
    gamespec_spec::walk::objects(value, &mut |at, map| {
        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            let folded: BTreeSet<String> = strings.iter().map(|s| s.to_lowercase()).collect();
            if folded.len() < strings.len() {
                hits.push(at.to_owned());
            }
        }
    });
    for at in hits {
        let Some(node) = value.pointer_mut(&at).and_then(Value::as_object_mut) else {
            continue;
        };
        let values = node.remove("enum").unwrap_or_default();
        let (operation_id, route) = ops
            .iter()
            .find(|(p, _, _)| at.starts_with(p.as_str()))
            .map(|(_, id, route)| (id.clone(), route.clone()))
            .unwrap_or_else(|| (at.clone(), "(component)".to_owned()));
        adaptations.push(Adaptation {
            operation_id,
            route,
            change: format!(
                "enum {values} at `{at}` is a plain string: its values differ only in case, which the Rust enum cannot name"
            ),
        });
    }
}

/// `startGuestSession` → `StartGuestSession`.
pub fn pascal_case(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(op: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"post": op}},
            "components": {"schemas": {
                "A": {"type": "object"}, "B": {"type": "string"}
            }}
        })
    }

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

    #[test]
    fn different_error_schemas_become_one_of() {
        let err = |r: &str| json!({"description": "e", "content": {"application/json": {"schema": {"$ref": r}}}});
        let s = spec(json!({"operationId": "setAttr", "responses": {
            "204": {"description": "ok"},
            "400": err("#/components/schemas/A"),
            "422": err("#/components/schemas/B")
        }}));
        let v = generator_view(&s);
        assert_eq!(
            v.value["components"]["schemas"]["SetAttrError"]["oneOf"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            v.value["paths"]["/x"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/SetAttrError"
        );
    }

    #[test]
    fn comma_joined_query_list_becomes_string() {
        let s = spec(json!({"operationId": "byIds", "parameters": [
            {"name": "ids", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "integer"}}}
        ], "responses": {"200": {"description": "ok"}}}));
        let v = generator_view(&s);
        assert_eq!(
            v.value["paths"]["/x"]["post"]["parameters"][0]["schema"]["type"],
            "string"
        );
        assert_eq!(v.adaptations.len(), 1);
    }

    #[test]
    fn case_colliding_enum_becomes_string() {
        let s = spec(json!({"operationId": "list", "parameters": [
            {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["ASC", "asc"]}}
        ], "responses": {"200": {"description": "ok"}}}));
        let v = generator_view(&s);
        assert!(
            v.value["paths"]["/x"]["post"]["parameters"][0]["schema"]
                .get("enum")
                .is_none()
        );
        assert_eq!(v.adaptations[0].operation_id, "list");
    }

    #[test]
    fn header_list_becomes_string() {
        let s = spec(json!({"operationId": "langs", "parameters": [
            {"name": "Accept-Language", "in": "header", "schema": {"type": "array", "items": {"type": "string"}}}
        ], "responses": {"200": {"description": "ok"}}}));
        let v = generator_view(&s);
        assert_eq!(
            v.value["paths"]["/x"]["post"]["parameters"][0]["schema"]["type"],
            "string"
        );
        assert!(
            v.adaptations[0]
                .change
                .starts_with("header parameter `Accept-Language`")
        );
    }

    #[test]
    fn null_or_ref_becomes_nullable_all_of() {
        let s = spec(
            json!({"operationId": "get", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"a": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "object", "nullable": true, "enum": [null]}]}}
            }}}}}}),
        );
        let v = generator_view(&s);
        let a = &v.value["paths"]["/x"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["properties"]["a"];
        assert_eq!(
            a,
            &json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
    }

    #[test]
    fn constrained_secret_loses_its_constraints() {
        let s = spec(
            json!({"operationId": "login", "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"password": {"type": "string", "format": "password", "minLength": 6}}
        }}}}, "responses": {"204": {"description": "ok"}}}),
        );
        let v = generator_view(&s);
        let pw = &v.value["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["properties"]["password"];
        assert_eq!(pw, &json!({"type": "string", "format": "password"}));
        assert!(
            v.adaptations
                .iter()
                .any(|a| a.change.contains("1 `format: password` strings"))
        );
    }

    #[test]
    fn scalar_any_of_becomes_nullable_one_of() {
        let s = spec(
            json!({"operationId": "get", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "cursor": {"description": "c", "anyOf": [
                        {"type": "integer", "nullable": true}, {"type": "string", "nullable": true}
                    ]},
                    "id": {"anyOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]}
                }
            }}}}}}),
        );
        let v = generator_view(&s);
        let props = &v.value["paths"]["/x"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["properties"];
        assert_eq!(
            props["cursor"],
            json!({"description": "c", "nullable": true, "oneOf": [{"type": "integer"}, {"type": "string"}]})
        );
        // No branch admits null, so neither does the rewrite; other branch keys stay.
        assert_eq!(
            props["id"],
            json!({"oneOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]})
        );
        assert!(
            v.adaptations.iter().any(|a| a.operation_id == "(all)"
                && a.change.starts_with("2 schemas of the form `anyOf"))
        );
    }

    #[test]
    fn any_of_that_is_not_a_choice_by_scalar_type_is_kept() {
        let kept = [
            // The same type twice: a value may match both.
            json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "string"}]}),
            // Every integer is a number.
            json!({"anyOf": [{"type": "integer"}, {"type": "number"}]}),
            // Not scalars.
            json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "object"}]}),
            json!({"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}),
            // Only plain scalar branches are rewritten; an enum branch is a type of its own.
            json!({"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["x"]}]}),
            // The holder constrains the value itself.
            json!({"type": "string", "anyOf": [{"type": "integer"}, {"type": "string"}]}),
        ];
        for schema in kept {
            let s = spec(
                json!({"operationId": "put", "requestBody": {"content": {"application/json": {"schema": schema.clone()}}}, "responses": {"204": {"description": "ok"}}}),
            );
            let v = generator_view(&s);
            assert_eq!(
                v.value["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"],
                schema
            );
            assert!(v.adaptations.is_empty(), "{schema}: {:?}", v.adaptations);
        }
    }

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
