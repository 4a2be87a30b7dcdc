//! The smoke plan of one API: which operations the per-language smoke programs call against the
//! mock, with which arguments and credentials, derived from the spec alone.
//!
//! The plan is one JSON document (`target/languages/<api>/plan.json`) that every language's smoke
//! program reads, so the three languages make the same calls:
//! * `login`: the registry's login operation for the API's session scheme, called with the spec's
//!   own example body (the one `select` picks) — the session the other calls run in;
//! * `calls`: every `GET` with a JSON 2xx answer whose required parameters have a value the spec
//!   gives (an example, the first enum value, a default, or an unconstrained string/number) and
//!   whose security can be met with header credentials: the session from the login, or one the
//!   mock issued.

use std::collections::BTreeMap;

use gamespec_spec::operation::{Operation, ParamLocation, Parameter};
use gamespec_spec::registry::{Api, TokenAt};
use gamespec_spec::security::Placement;
use gamespec_spec::spec::Spec;
use serde_json::{Value, json};

/// The credential value a call sends for the API's session scheme before the login ran.
const SESSION: &str = "$session";

/// Build the plan for `api` served by a mock that issued `credentials` (scheme → value).
pub fn build(api: &Api, spec: &Spec, credentials: &BTreeMap<String, String>) -> Value {
    let session = api.profile.session_scheme.as_deref();
    let login = session.and_then(|scheme| login_call(api, spec, scheme));
    let login_id = login.as_ref().map(|l| l["operationId"].clone());
    let calls: Vec<Value> = spec
        .operations
        .iter()
        .filter(|op| Some(json!(op.id)) != login_id)
        .filter_map(|op| smoke_call(spec, op, session, credentials))
        .collect();
    json!({ "api": api.name, "login": login, "calls": calls })
}

/// The login call: its operation with the example body and where its answer carries the token.
fn login_call(api: &Api, spec: &Spec, scheme: &str) -> Option<Value> {
    let login = api.profile.login(scheme)?;
    let op = spec.operation(&login.operation)?;
    let (_, media) = op.body.as_ref()?;
    let media = media.first()?;
    let example = match &login.select {
        Some((field, value)) => media
            .examples
            .iter()
            .find(|e| e.value.get(field).and_then(Value::as_str) == Some(value)),
        None => media.examples.first(),
    }?;
    let params = arguments(spec, &op.parameters)?;
    let token = match &login.token {
        TokenAt::Field { field } => json!({ "field": field }),
        TokenAt::UrlParam { field, param } => json!({ "url_field": field, "param": param }),
    };
    let placement = spec.scheme(scheme)?.carrier.place(SESSION);
    let Placement::Header(header, value) = placement else {
        return None;
    };
    Some(json!({
        "operationId": op.id,
        "method": op.method.to_ascii_lowercase(),
        "path": op.path,
        "params": params,
        "body": example.value,
        "contentType": media.media_type,
        "status": op.success()?.status,
        "token": token,
        "session": { "header": header, "template": value, "placeholder": SESSION },
    }))
}

/// A smoke call for `op`, or `None` when it is not a plain JSON read the plan can fill in.
fn smoke_call(
    spec: &Spec,
    op: &Operation,
    session: Option<&str>,
    credentials: &BTreeMap<String, String>,
) -> Option<Value> {
    if !op.method.eq_ignore_ascii_case("get") || op.session_start || op.body.is_some() {
        return None;
    }
    let success = op.success()?;
    let media = success.content.as_ref()?;
    if !(200..300).contains(&success.status) || !media.media_type.contains("json") {
        return None;
    }
    let params = arguments(spec, &op.parameters)?;
    let headers = auth_headers(spec, op, session, credentials)?;
    Some(json!({
        "operationId": op.id,
        "method": "get",
        "path": op.path,
        "params": params,
        "auth": headers,
        "status": success.status,
    }))
}

/// Values for every required parameter, or `None` if one has none the spec gives.
fn arguments(spec: &Spec, parameters: &[Parameter]) -> Option<Vec<Value>> {
    parameters
        .iter()
        .filter(|p| p.required && p.location != ParamLocation::Cookie)
        .map(|p| {
            let value = p.example.clone().or_else(|| value_for(spec, &p.schema))?;
            Some(json!({ "name": p.name, "in": p.location.as_str(), "value": value }))
        })
        .collect()
}

/// A value the schema itself vouches for: its example, first enum value or default; else, for a
/// string or number without format or pattern, a plain one.
fn value_for(spec: &Spec, schema: &Value) -> Option<Value> {
    let schema = resolve(spec, schema)?;
    if let Some(v) = schema.get("example") {
        return Some(v.clone());
    }
    if let Some(v) = schema.get("enum").and_then(|e| e.get(0)) {
        return Some(v.clone());
    }
    if let Some(v) = schema.get("default") {
        return Some(v.clone());
    }
    if schema.get("pattern").is_some() {
        return None;
    }
    match schema.get("type").and_then(Value::as_str)? {
        "string" if schema.get("format").is_none() => {
            let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1);
            Some(json!("s".repeat(usize::try_from(min.max(1)).ok()?)))
        }
        "integer" | "number" => Some(json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1)
        )),
        "boolean" => Some(json!(true)),
        "array" => Some(json!([value_for(spec, schema.get("items")?)?])),
        _ => None,
    }
}

/// `schema`, with a local `$ref` followed (one level; parameter schemas are flat).
fn resolve<'a>(spec: &'a Spec, schema: &'a Value) -> Option<&'a Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => spec.root.pointer(reference.strip_prefix('#')?),
        None => Some(schema),
    }
}

/// The headers meeting the first security alternative of `op` that header credentials can meet:
/// `[{header, value}]`, the session's value written as the login's placeholder.
fn auth_headers(
    spec: &Spec,
    op: &Operation,
    session: Option<&str>,
    credentials: &BTreeMap<String, String>,
) -> Option<Vec<Value>> {
    if op.security.is_empty() {
        return Some(Vec::new());
    }
    op.security.iter().find_map(|alternative| {
        alternative
            .iter()
            .map(|scheme| {
                let credential = if Some(scheme.as_str()) == session {
                    SESSION
                } else {
                    credentials.get(scheme)?.as_str()
                };
                match spec.scheme(scheme)?.carrier.place(credential) {
                    Placement::Header(name, value) => {
                        Some(json!({ "header": name, "value": value }))
                    }
                    Placement::Query(..) | Placement::Cookie(..) => None,
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gamespec_spec::registry::Profile;

    fn spec(value: Value) -> Spec {
        Spec::from_value("test.yaml".into(), value, Profile::generic())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn plain_json_reads_are_planned_with_values_the_spec_gives() {
        let spec = spec(json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/items/{id}": {"get": {
                    "operationId": "getItem",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 3}},
                        {"name": "order", "in": "query", "required": true, "schema": {"type": "string", "enum": ["asc", "desc"]}},
                        {"name": "q", "in": "query", "schema": {"type": "string", "pattern": "^x$"}}
                    ],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }},
                "/codes/{code}": {"get": {
                    "operationId": "getCode",
                    "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Z]{3}$"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }},
                "/items": {"post": {
                    "operationId": "createItem",
                    "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }},
                "/file": {"get": {
                    "operationId": "getFile",
                    "responses": {"200": {"description": "ok", "content": {"application/octet-stream": {"schema": {"type": "string"}}}}}
                }}
            }
        }));
        let api = Api {
            name: "t".into(),
            title: "t".into(),
            spec: "test.yaml".into(),
            client: None,
            inventory: None,
            audit: None,
            vendor: Vec::new(),
            prism: None,
            bench: Vec::new(),
            bench_build_tags: Vec::new(),
            profile: Profile::generic(),
        };
        let plan = build(&api, &spec, &BTreeMap::new());
        let calls = plan["calls"].as_array().cloned().unwrap_or_default();
        // Only getItem: getCode's parameter has a pattern and no example, createItem is not a
        // read, getFile's answer is not JSON.
        assert_eq!(calls.len(), 1, "{plan:#}");
        assert_eq!(calls[0]["operationId"], "getItem");
        assert_eq!(
            calls[0]["params"],
            json!([
                {"name": "id", "in": "path", "value": 3},
                {"name": "order", "in": "query", "value": "asc"}
            ])
        );
        assert_eq!(calls[0]["status"], 200);
    }
}
