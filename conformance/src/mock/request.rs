//! Request validation against the operation: parameters (path, query, header, cookie) coerced
//! from text by their schema and checked by the compiled validators, the content type, and the
//! body (JSON, form-urlencoded, multipart) checked against its request-direction schema.
//!
//! Every violation names the parameter or body field it is about, so the error body can say so.

use axum::http::HeaderMap;
use bytes::Bytes;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde_json::{Map, Value};

use crate::schema::{coerce, deref, property, type_name};
use crate::spec::{Discriminator, Media, Operation, ParamLocation, Spec};

/// What is wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The explanation for the client.
    pub message: String,
    /// The offending parameter or body field (dotted path), when there is one.
    pub param: Option<String>,
}

impl Violation {
    /// A violation about `param`.
    pub fn new(message: impl Into<String>, param: impl Into<String>) -> Self {
        Violation {
            message: message.into(),
            param: Some(param.into()),
        }
    }
}

/// The query string as decoded `(key, value)` pairs, in order (`+` is a space, as in forms).
pub fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// Check every parameter of `op`.
pub fn check_parameters(
    spec: &Spec,
    op: &Operation,
    path_params: &[(String, String)],
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Result<(), Violation> {
    let root = &spec.root;
    for p in &op.parameters {
        let raw: Vec<String> = match p.location {
            ParamLocation::Path => path_params
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| {
                    percent_encoding::percent_decode_str(v)
                        .decode_utf8_lossy()
                        .into_owned()
                })
                .collect(),
            ParamLocation::Query => query
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.clone())
                .collect(),
            ParamLocation::Header => headers
                .get_all(p.name.as_str())
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect(),
            ParamLocation::Cookie => headers
                .get_all("cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|c| c.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.to_owned())
                .collect(),
        };
        let what = format!("{} parameter \"{}\"", p.location.as_str(), p.name);
        if raw.is_empty() {
            if p.required {
                return Err(Violation::new(format!("{what} is required"), &p.name));
            }
            continue;
        }
        // OpenAPI 3.0.3: `?name=` is valid only where `allowEmptyValue: true` says so.
        if p.location == ParamLocation::Query && !p.allow_empty && raw.iter().any(String::is_empty)
        {
            return Err(Violation::new(
                format!("{what} is empty, but it does not allow empty values (allowEmptyValue)"),
                &p.name,
            ));
        }
        let value = if p.is_array {
            let items = deref(root, &p.schema)
                .get("items")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({}));
            let parts = crate::wire::items(&raw, p.explode, p.location);
            Value::Array(parts.iter().map(|s| coerce(root, &items, s)).collect())
        } else {
            if raw.len() > 1 && p.location == ParamLocation::Query {
                return Err(Violation::new(
                    format!("{what} is given {} times but takes one value", raw.len()),
                    &p.name,
                ));
            }
            coerce(root, &p.schema, &raw[0])
        };
        if let Some(err) = p.validator.iter_errors(&value).next() {
            return Err(Violation::new(format!("{what}: {err}"), &p.name));
        }
    }
    Ok(())
}

/// Check the body and return it parsed (JSON, or an object built from form fields), `None`
/// when the operation takes no body or an optional body was left out.
pub async fn check_body(
    spec: &Spec,
    op: &Operation,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Option<Value>, Violation> {
    let Some((required, media)) = &op.body else {
        return Ok(None);
    };
    if body.is_empty() {
        return if *required {
            Err(Violation::new("the request body is required", "body"))
        } else {
            Ok(None)
        };
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let declared = || {
        media
            .iter()
            .map(|m| m.media_type.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(m) = media.iter().find(|m| accepts(&m.media_type, &essence)) else {
        let sent = if essence.is_empty() {
            "none".to_owned()
        } else {
            format!("`{essence}`")
        };
        return Err(Violation::new(
            format!("Content-Type {sent} is not accepted; send {}", declared()),
            "Content-Type",
        ));
    };
    let value = match essence.as_str() {
        "application/x-www-form-urlencoded" => form_object(
            spec,
            m,
            form_urlencoded::parse(&body).into_owned().collect(),
        ),
        "multipart/form-data" => form_object(spec, m, multipart_fields(content_type, body).await?),
        e if e == "application/json" || e.ends_with("+json") => {
            let value: Value = serde_json::from_slice(&body).map_err(|err| {
                Violation::new(format!("the body is not valid JSON: {err}"), "body")
            })?;
            reject_oversized_integers(&value, &mut Vec::new())?;
            value
        }
        // Text and binary bodies: validated as the string the schema describes.
        _ => Value::String(String::from_utf8_lossy(&body).into_owned()),
    };
    check_value(m, &value)?;
    Ok(Some(value))
}

/// No API of ours takes an integer beyond 64 bits, but serde_json reads such a literal as the
/// nearest `f64`, which rounds onto the int64 bounds and would pass `type: integer` with
/// `format: int64`. A whole number too large for `i64`/`u64` is therefore rejected here, naming
/// its field.
fn reject_oversized_integers(value: &Value, path: &mut Vec<String>) -> Result<(), Violation> {
    match value {
        Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            let f = n.as_f64().unwrap_or_default();
            if f.fract() == 0.0 && f.abs() >= 9.223_372_036_854_776e18 {
                let field = if path.is_empty() {
                    "body".to_owned()
                } else {
                    path.join(".")
                };
                return Err(Violation::new(
                    format!("body field \"{field}\": {n} is outside the 64-bit integer range"),
                    field,
                ));
            }
            Ok(())
        }
        Value::Array(items) => items.iter().enumerate().try_for_each(|(i, v)| {
            path.push(i.to_string());
            let r = reject_oversized_integers(v, path);
            path.pop();
            r
        }),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            path.push(k.clone());
            let r = reject_oversized_integers(v, path);
            path.pop();
            r
        }),
        _ => Ok(()),
    }
}

fn accepts(declared: &str, sent: &str) -> bool {
    declared == sent
        || declared == "*/*"
        || declared
            .strip_suffix("/*")
            .is_some_and(|prefix| sent.split('/').next() == Some(prefix))
}

/// Validate a parsed body, naming the field of the first violation. For a `oneOf` with a
/// discriminator, the branch the client named is what the error is reported against (the
/// generic "matches no branch" names nothing useful).
fn check_value(m: &Media, value: &Value) -> Result<(), Violation> {
    let Some(err) = m.validator.iter_errors(value).next() else {
        return Ok(());
    };
    if let Some(Discriminator { property, branches }) = &m.discriminator {
        let known = branches
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return match value.get(property).and_then(Value::as_str) {
            None => Err(Violation::new(
                format!("body field \"{property}\" is required (one of: {known})"),
                property,
            )),
            Some(tag) => match branches.iter().find(|(k, _)| k == tag) {
                Some((_, branch)) => {
                    Err(first_error(branch, value).unwrap_or_else(|| describe(&err)))
                }
                None => Err(Violation::new(
                    format!("body field \"{property}\": \"{tag}\" is not one of: {known}"),
                    property,
                )),
            },
        };
    }
    Err(describe(&err))
}

fn first_error(v: &Validator, value: &Value) -> Option<Violation> {
    v.iter_errors(value).next().map(|e| describe(&e))
}

/// Turn a validator error into a message naming the dotted field path (`player.name`,
/// `items.0.id`); a missing required property is named itself, not its parent.
pub fn describe(err: &ValidationError<'_>) -> Violation {
    let mut segments: Vec<String> = err
        .instance_path()
        .iter()
        .map(|s| match s {
            LocationSegment::Property(p) => p.into_owned(),
            LocationSegment::Index(i) => i.to_string(),
        })
        .collect();
    if let ValidationErrorKind::Required { property } = err.kind()
        && let Some(name) = property.as_str()
    {
        segments.push(name.to_owned());
    }
    let field = segments.join(".");
    if field.is_empty() {
        Violation::new(format!("body: {err}"), "body")
    } else {
        Violation::new(format!("body field \"{field}\": {err}"), field)
    }
}

/// An object from form fields: each value coerced by its property's schema; array properties
/// collect repeated keys.
fn form_object(spec: &Spec, m: &Media, pairs: Vec<(String, String)>) -> Value {
    let root = &spec.root;
    let mut out = Map::new();
    for (key, raw) in pairs {
        let prop = property(root, &m.schema, &key);
        match prop {
            Some(p) if type_name(root, p) == Some("array") => {
                let items = deref(root, p).get("items").cloned().unwrap_or_default();
                let v = coerce(root, &items, &raw);
                match out.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                    Value::Array(a) => a.push(v),
                    other => *other = Value::Array(vec![v]),
                }
            }
            Some(p) => {
                out.insert(key, coerce(root, p, &raw));
            }
            None => {
                out.insert(key, Value::String(raw));
            }
        }
    }
    Value::Object(out)
}

/// The fields of a multipart body as text; file parts become their (lossy UTF-8) content,
/// matching OpenAPI's `type: string, format: binary`.
async fn multipart_fields(
    content_type: &str,
    body: Bytes,
) -> Result<Vec<(String, String)>, Violation> {
    let bad =
        |e: multer::Error| Violation::new(format!("the multipart body is malformed: {e}"), "body");
    let boundary = multer::parse_boundary(content_type).map_err(bad)?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Some(field) = parts.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(bad)?;
        out.push((name, String::from_utf8_lossy(&data).into_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::profile::Profile;

    fn spec() -> Spec {
        let root = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/s": {"get": {"operationId": "s", "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "ids", "in": "query", "explode": false,
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "blank", "in": "query", "allowEmptyValue": true,
                 "schema": {"type": "string"}}
            ], "responses": {"200": {"description": "ok"}}}}
        }});
        Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap()
    }

    fn check(query: &str) -> Result<(), Violation> {
        let spec = spec();
        let op = spec.operation("s").unwrap();
        let query = parse_query(Some(query));
        check_parameters(&spec, op, &[], &query, &HeaderMap::new())
    }

    #[test]
    fn empty_query_values_are_rejected_unless_allowed() {
        assert_eq!(check("q=a&ids=x,y&blank=b"), Ok(()));
        for (query, name) in [("q=", "q"), ("q", "q"), ("ids=", "ids")] {
            let v = check(query).unwrap_err();
            assert_eq!(v.param.as_deref(), Some(name), "{query}");
            assert!(v.message.contains("empty"), "{query}: {}", v.message);
        }
        assert_eq!(check("blank="), Ok(()));
        assert_eq!(check("q=%20"), Ok(()));
    }
}
