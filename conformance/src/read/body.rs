//! The body read from its bytes: its content type matched against the declared media types,
//! parsed per media type (JSON; form-urlencoded and multipart fields coerced by their
//! property's type), then judged by the media type's compiled validator.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use jsonschema::Validator;
use serde_json::{Map, Value};

use super::coercion;
use super::problem::{Problem, located, location};
use gamespec_spec::operation::covers;
use gamespec_spec::shape::{deref, property, type_name};
use gamespec_spec::spec::{Discriminator, Media};

/// Whether a body of this media type (lower case, without parameters) is read as JSON.
pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

/// The names of every property a schema declares, through `allOf`/`oneOf`/`anyOf`.
pub(crate) fn property_names(root: &Value, schema: &Value) -> Vec<String> {
    fn walk(root: &Value, schema: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 16 {
            return;
        }
        let schema = deref(root, schema);
        for name in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.keys())
        {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for branch in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                walk(root, branch, out, depth + 1);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, schema, &mut out, 0);
    out
}

#[derive(Debug)]
struct FieldReader {
    array: bool,
    scalar: Value,
}

#[derive(Debug)]
struct MediaReader {
    media_type: String,
    validator: Arc<Validator>,
    discriminator: Option<Discriminator>,
    /// Form and multipart fields by property name.
    fields: HashMap<String, FieldReader>,
}

/// The reading of an operation's body, owned (no borrow of the spec).
#[derive(Debug)]
pub(super) struct BodyReader {
    required: bool,
    media: Vec<MediaReader>,
}

impl BodyReader {
    pub(super) fn new(root: &Value, required: bool, media: &[Media]) -> BodyReader {
        let media = media
            .iter()
            .map(|m| {
                let fields = property_names(root, &m.schema)
                    .into_iter()
                    .filter_map(|name| {
                        let p = property(root, &m.schema, &name)?;
                        let array = type_name(root, p) == Some("array");
                        let scalar = if array {
                            let items = deref(root, p).get("items").cloned().unwrap_or_default();
                            coercion(root, &items)
                        } else {
                            coercion(root, p)
                        };
                        Some((name, FieldReader { array, scalar }))
                    })
                    .collect();
                MediaReader {
                    media_type: m.media_type.clone(),
                    validator: m.validator.clone(),
                    discriminator: m.discriminator.clone(),
                    fields,
                }
            })
            .collect();
        BodyReader { required, media }
    }

    /// The body sent with `content_type`: `None` when it was left out (allowed or not) or has a
    /// problem (pushed to `out`).
    pub(super) fn read(
        &self,
        content_type: &str,
        body: Bytes,
        out: &mut Vec<Problem>,
    ) -> Option<Value> {
        if body.is_empty() {
            if self.required {
                out.push(Problem::contract("body", "required but not sent"));
            }
            return None;
        }
        let essence = gamespec_spec::operation::essence(content_type);
        let Some(m) = self.media.iter().find(|m| covers(&m.media_type, &essence)) else {
            let sent = if essence.is_empty() {
                "none".to_owned()
            } else {
                format!("`{essence}`")
            };
            let declared = self
                .media
                .iter()
                .map(|m| m.media_type.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Problem::contract(
                "header/Content-Type",
                format!("{sent} is not accepted; send {declared}"),
            ));
            return None;
        };
        let value = match essence.as_str() {
            "application/x-www-form-urlencoded" => {
                m.form_object(form_urlencoded::parse(&body).into_owned())
            }
            "multipart/form-data" => match multipart_fields(content_type, body) {
                Ok(fields) => m.form_object(fields),
                Err(p) => {
                    out.push(p);
                    return None;
                }
            },
            e if is_json(e) => {
                let value = match serde_json::from_slice::<Value>(&body) {
                    Ok(v) => v,
                    Err(e) => {
                        out.push(Problem::contract("body", format!("not valid JSON: {e}")));
                        return None;
                    }
                };
                if let Some(p) = oversized(&value, &mut Vec::new()) {
                    out.push(p);
                    return None;
                }
                value
            }
            // Text and binary bodies: validated as the string the schema describes.
            _ => Value::String(String::from_utf8_lossy(&body).into_owned()),
        };
        let before = out.len();
        m.judge(&value, out);
        (out.len() == before).then_some(value)
    }
}

impl MediaReader {
    /// The object built from form fields: each coerced by its property's type, array
    /// properties collecting repeated names, unknown names kept as strings.
    fn form_object(&self, pairs: impl IntoIterator<Item = (String, String)>) -> Value {
        let mut out = Map::new();
        for (key, raw) in pairs {
            match self.fields.get(&key) {
                Some(f) if f.array => {
                    let v = gamespec_spec::shape::coerce(&Value::Null, &f.scalar, &raw);
                    match out.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                        Value::Array(a) => a.push(v),
                        other => *other = Value::Array(vec![v]),
                    }
                }
                Some(f) => {
                    out.insert(
                        key,
                        gamespec_spec::shape::coerce(&Value::Null, &f.scalar, &raw),
                    );
                }
                None => {
                    out.insert(key, Value::String(raw));
                }
            }
        }
        Value::Object(out)
    }

    /// Push every validator error of `value`. For an object body of a `oneOf` with a
    /// discriminator, the errors are those of the branch the client named (the generic
    /// "matches no branch" names nothing useful).
    fn judge(&self, value: &Value, out: &mut Vec<Problem>) {
        // Half of all bodies pass, and asking only whether one does is cheaper than starting
        // to collect errors.
        if self.validator.is_valid(value) {
            return;
        }
        let mut errors = self.validator.iter_errors(value).peekable();
        if errors.peek().is_none() {
            return;
        }
        if let (Some(Discriminator { property, branches }), Some(object)) =
            (&self.discriminator, value.as_object())
        {
            let at = location("body", [property]);
            let known = || {
                branches
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            match object.get(property).and_then(Value::as_str) {
                None => {
                    out.push(Problem::contract(
                        at,
                        format!("required (one of: {})", known()),
                    ));
                    return;
                }
                Some(tag) => match branches.iter().find(|(k, _)| k == tag) {
                    Some((_, branch)) => {
                        let before = out.len();
                        out.extend(branch.iter_errors(value).map(|e| located("body", &e)));
                        if out.len() > before {
                            return;
                        }
                    }
                    None => {
                        out.push(Problem::contract(
                            at,
                            format!("\"{tag}\" is not one of: {}", known()),
                        ));
                        return;
                    }
                },
            }
        }
        out.extend(errors.map(|e| located("body", &e)));
    }
}

/// The fields of a multipart body as text; file parts become their (lossy UTF-8) content,
/// matching OpenAPI's `type: string, format: binary`.
fn multipart_fields(content_type: &str, body: Bytes) -> Result<Vec<(String, String)>, Problem> {
    let bad = |e: multer::Error| Problem::contract("body", format!("malformed multipart: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(bad)?;
    let stream = futures_util::stream::iter([Ok::<Bytes, std::io::Error>(body)]);
    let mut parts = multer::Multipart::new(stream, boundary);
    let fields = async move {
        let mut out = Vec::new();
        while let Some(field) = parts.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            let data = field.bytes().await?;
            out.push((name, String::from_utf8_lossy(&data).into_owned()));
        }
        Ok(out)
    };
    // The whole body is in memory, so reading it never waits: polled once, it is done.
    match fields.now_or_never() {
        Some(fields) => fields.map_err(bad),
        None => Err(Problem::contract(
            "body",
            "malformed multipart: the body ends early",
        )),
    }
}

/// The first whole number beyond 64 bits in a JSON body. No API of ours takes one, but
/// serde_json reads such a literal as the nearest `f64`, which rounds onto the int64 bounds and
/// would pass `type: integer` with `format: int64`.
fn oversized(value: &Value, path: &mut Vec<String>) -> Option<Problem> {
    /// 2^63: the smallest magnitude no `i64` reaches (`u64` literals are exact in serde_json).
    const BEYOND_I64: f64 = 9.223_372_036_854_776e18;
    match value {
        Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            let f = n.as_f64().unwrap_or_default();
            (f.fract() == 0.0 && f.abs() >= BEYOND_I64).then(|| {
                Problem::contract(
                    location("body", path.iter()),
                    format!("{n} is outside the 64-bit integer range"),
                )
            })
        }
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            path.push(i.to_string());
            let found = oversized(v, path);
            path.pop();
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            path.push(k.clone());
            let found = oversized(v, path);
            path.pop();
            found
        }),
        _ => None,
    }
}
