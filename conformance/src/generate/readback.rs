//! How a server reads a case back: the case rendered as [`crate::wire`] renders it (parameters
//! and form fields become text, list parameters are exploded or comma-joined), read the way the
//! mock reads requests (text coerced by the schema's type with [`crate::schema::coerce`]), then
//! judged by the operation's compiled validators. An empty query value (`?name=`) is a contract
//! problem unless the parameter declares `allowEmptyValue: true` (OpenAPI 3.0.3's default).
//!
//! This is what makes a generated value count: a "wrong type" that turns back into a valid
//! value on the wire (the number `42` in a string query parameter) is no violation at all.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::{Map, Value, json};

use super::request::forbids_empty;
use crate::case::Case;
use crate::schema::{coerce, deref, property, type_name};
use crate::spec::{Operation, ParamLocation, Spec};
use crate::wire::text;

/// Whether a problem breaks the contract or keeps the request from reaching the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The operation's schemas reject the request: a server should answer with a 4xx.
    Contract,
    /// The request cannot be sent, or goes to another route: it tells nothing about this
    /// operation (an empty path segment, a header value HTTP cannot carry).
    Transport,
}

/// One thing wrong with a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `query/count`, `body/player/name`, `body`.
    pub location: String,
    /// What, in the validator's words.
    pub message: String,
    /// Contract violation or transport problem.
    pub kind: Kind,
}

impl Problem {
    fn contract(location: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            location: location.into(),
            message: message.into(),
            kind: Kind::Contract,
        }
    }

    fn transport(location: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            location: location.into(),
            message: message.into(),
            kind: Kind::Transport,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    /// A segment mixing text and a parameter (`{id}.json`): never compared.
    Mixed,
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .skip(1)
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if !name.contains(['{', '}']) => Segment::Param(name.to_owned()),
                _ if s.contains('{') => Segment::Mixed,
                _ => Segment::Literal(s.to_owned()),
            },
        )
        .collect()
}

/// The type a text value is coerced to, as a tiny schema for [`coerce`].
fn coercion(root: &Value, schema: &Value) -> Value {
    match type_name(root, schema) {
        Some(t) => json!({ "type": t }),
        None => json!({}),
    }
}

#[derive(Debug)]
struct ParamReader {
    name: String,
    location: ParamLocation,
    required: bool,
    array: bool,
    explode: bool,
    /// `?name=` is a contract problem (a query parameter without `allowEmptyValue`).
    forbids_empty: bool,
    /// Coercion of the value (or of each item, for arrays).
    scalar: Value,
    validator: Arc<Validator>,
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
    fields: HashMap<String, FieldReader>,
}

/// An operation's reading of requests, built once and owned (strategies that filter by it
/// must be `'static`).
#[derive(Debug)]
pub struct Readback {
    template: Vec<Segment>,
    /// Other path templates that take a request when their literal segments match.
    rivals: Vec<(String, Vec<Segment>)>,
    params: Vec<ParamReader>,
    body: Option<(bool, Vec<MediaReader>)>,
}

impl Readback {
    /// The reading of `op`.
    pub fn new(spec: &Spec, op: &Operation) -> Readback {
        let root = &spec.root;
        let template = segments(&op.path);
        let mut seen = vec![op.path.as_str()];
        let mut rivals = Vec::new();
        for other in &spec.operations {
            if seen.contains(&other.path.as_str()) {
                continue;
            }
            seen.push(&other.path);
            let theirs = segments(&other.path);
            if wins_over(&theirs, &template) {
                rivals.push((other.path.clone(), theirs));
            }
        }
        let params = op
            .parameters
            .iter()
            .map(|p| {
                let scalar = if p.is_array {
                    let items = deref(root, &p.schema)
                        .get("items")
                        .cloned()
                        .unwrap_or_else(|| json!({}));
                    coercion(root, &items)
                } else {
                    coercion(root, &p.schema)
                };
                ParamReader {
                    name: p.name.clone(),
                    location: p.location,
                    required: p.required,
                    array: p.is_array,
                    explode: p.explode,
                    forbids_empty: forbids_empty(p),
                    scalar,
                    validator: p.validator.clone(),
                }
            })
            .collect();
        let body = op.body.as_ref().map(|(required, media)| {
            let media = media
                .iter()
                .map(|m| {
                    let mut names = Vec::new();
                    property_names(root, &m.schema, &mut names, 0);
                    let fields = names
                        .into_iter()
                        .filter_map(|name| {
                            let p = property(root, &m.schema, &name)?;
                            let array = type_name(root, p) == Some("array");
                            let scalar = if array {
                                let items =
                                    deref(root, p).get("items").cloned().unwrap_or_default();
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
                        fields,
                    }
                })
                .collect();
            (*required, media)
        });
        Readback {
            template,
            rivals,
            params,
            body,
        }
    }

    /// Every problem of `case`, in the order the mock checks (path, parameters, body).
    pub fn problems(&self, case: &Case) -> Vec<Problem> {
        let mut out = Vec::new();
        self.path(case, &mut out);
        for p in &self.params {
            self.param(p, case, &mut out);
        }
        self.body(case, &mut out);
        out
    }

    /// Whether `case` breaks the contract and nothing else: at least one contract problem and
    /// no transport problem (the request reaches the operation).
    pub fn only_contract_problems(&self, case: &Case) -> bool {
        let problems = self.problems(case);
        !problems.is_empty() && problems.iter().all(|p| p.kind == Kind::Contract)
    }

    fn path(&self, case: &Case, out: &mut Vec<Problem>) {
        let mut concrete: Vec<Option<String>> = Vec::new();
        for seg in &self.template {
            match seg {
                Segment::Param(name) => {
                    let at = format!("path/{name}");
                    let Some(v) = case.path_params.get(name) else {
                        out.push(Problem::transport(
                            at,
                            "no value: the template would be sent as is",
                        ));
                        concrete.push(None);
                        continue;
                    };
                    let t = text(v);
                    if t.is_empty() || t == "." || t == ".." {
                        out.push(Problem::transport(
                            at,
                            format!("{t:?} is not a path segment the route can match"),
                        ));
                    }
                    concrete.push(Some(t));
                }
                _ => concrete.push(None),
            }
        }
        for (path, rival) in &self.rivals {
            let taken = rival.iter().zip(&concrete).all(|(r, c)| match (r, c) {
                (Segment::Literal(lit), Some(c)) => lit == c,
                _ => true,
            });
            if taken {
                out.push(Problem::transport(
                    "path",
                    format!("the values route to {path}"),
                ));
            }
        }
    }

    fn param(&self, p: &ParamReader, case: &Case, out: &mut Vec<Problem>) {
        let at = format!("{}/{}", p.location.as_str(), p.name);
        let raw: Vec<String> = match p.location {
            ParamLocation::Path => case
                .path_params
                .get(&p.name)
                .map(text)
                .into_iter()
                .collect(),
            ParamLocation::Query => match case.query.get(&p.name) {
                None => Vec::new(),
                Some(Value::Array(items)) if p.explode => items.iter().map(text).collect(),
                Some(v) => vec![joined(v)],
            },
            ParamLocation::Header => {
                let Some(v) = header(&case.headers, &p.name) else {
                    return self.absent(p, at, out);
                };
                let value = joined(v);
                if reqwest::header::HeaderName::from_bytes(p.name.as_bytes()).is_err()
                    || reqwest::header::HeaderValue::from_str(&value).is_err()
                {
                    out.push(Problem::transport(
                        &at,
                        "HTTP cannot carry this header value",
                    ));
                    return;
                }
                // Parsers drop whitespace around a field value.
                vec![value.trim_matches([' ', '\t']).to_owned()]
            }
            ParamLocation::Cookie => {
                let cookie = case
                    .cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={}", text(v)))
                    .collect::<Vec<_>>()
                    .join("; ");
                cookie
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .filter(|(k, _)| *k == p.name)
                    .map(|(_, v)| v.to_owned())
                    .collect()
            }
        };
        if raw.is_empty() {
            return self.absent(p, at, out);
        }
        if p.forbids_empty && raw.iter().any(String::is_empty) {
            out.push(Problem::contract(
                at,
                "empty value; the parameter does not allow empty values",
            ));
            return;
        }
        let value = if p.array {
            let parts = crate::wire::items(&raw, p.explode, p.location);
            Value::Array(
                parts
                    .iter()
                    .map(|s| coerce(&Value::Null, &p.scalar, s))
                    .collect(),
            )
        } else {
            if raw.len() > 1 && p.location == ParamLocation::Query {
                out.push(Problem::contract(
                    at,
                    "given more than once but takes one value",
                ));
                return;
            }
            coerce(&Value::Null, &p.scalar, &raw[0])
        };
        for err in p.validator.iter_errors(&value) {
            out.push(located(&at, &err));
        }
    }

    fn absent(&self, p: &ParamReader, at: String, out: &mut Vec<Problem>) {
        if p.required {
            out.push(Problem::contract(at, "required but not sent"));
        }
    }

    fn body(&self, case: &Case, out: &mut Vec<Problem>) {
        let Some((required, media)) = &self.body else {
            return;
        };
        let missing = || Problem::contract("body", "the request body is required");
        let Some(body) = &case.body else {
            if *required {
                out.push(missing());
            }
            return;
        };
        let essence = body
            .media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let form = essence == "application/x-www-form-urlencoded";
        let multipart = essence == "multipart/form-data";
        let json = essence == "application/json" || essence.ends_with("+json");
        // What the server receives: form fields as (name, text) pairs, anything else as text.
        let pairs: Option<Vec<(String, String)>> = match (&body.raw, form, multipart) {
            (Some(raw), true, _) => Some(
                form_urlencoded::parse(raw.as_bytes())
                    .into_owned()
                    .collect(),
            ),
            (Some(_), _, true) => {
                out.push(Problem::transport(
                    "body",
                    "a raw multipart body cannot be judged",
                ));
                return;
            }
            (None, true, _) => Some(form_fields(&body.value)),
            (None, _, true) => Some(multipart_fields(&body.value)),
            _ => None,
        };
        // Only whether the body is empty matters for fields: a form without fields is an empty
        // body, a multipart body always has at least its closing boundary.
        let sent = match (&body.raw, &pairs) {
            (Some(raw), _) => raw.clone(),
            (None, Some(pairs)) if form && pairs.is_empty() => String::new(),
            (None, Some(_)) => "(form fields)".into(),
            (None, None) if body.media_type.ends_with("json") => body.value.to_string(),
            (None, None) => text(&body.value),
        };
        if sent.is_empty() {
            if *required {
                out.push(missing());
            }
            return;
        }
        let Some(m) = media.iter().find(|m| accepts(&m.media_type, &essence)) else {
            out.push(Problem::contract(
                "body",
                format!("media type `{essence}` is not accepted"),
            ));
            return;
        };
        let value = match pairs {
            Some(pairs) => m.form_object(pairs),
            None if json => match serde_json::from_str::<Value>(&sent) {
                Ok(v) => {
                    if let Some(p) = oversized(&v, "body") {
                        out.push(p);
                        return;
                    }
                    v
                }
                Err(e) => {
                    out.push(Problem::contract("body", format!("not valid JSON: {e}")));
                    return;
                }
            },
            None => Value::String(sent),
        };
        for err in m.validator.iter_errors(&value) {
            out.push(located("body", &err));
        }
    }
}

impl MediaReader {
    /// The object the mock builds from form fields: each coerced by its property's type, array
    /// properties collecting repeated names, unknown names kept as strings.
    fn form_object(&self, pairs: Vec<(String, String)>) -> Value {
        let mut out = Map::new();
        for (key, raw) in pairs {
            match self.fields.get(&key) {
                Some(f) if f.array => {
                    let v = coerce(&Value::Null, &f.scalar, &raw);
                    match out.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                        Value::Array(a) => a.push(v),
                        other => *other = Value::Array(vec![v]),
                    }
                }
                Some(f) => {
                    out.insert(key, coerce(&Value::Null, &f.scalar, &raw));
                }
                None => {
                    out.insert(key, Value::String(raw));
                }
            }
        }
        Value::Object(out)
    }
}

/// Whether `theirs` takes requests that also fit `ours`: the router prefers a literal segment
/// to a parameter at the first place the two templates differ.
fn wins_over(theirs: &[Segment], ours: &[Segment]) -> bool {
    if theirs.len() != ours.len() {
        return false;
    }
    let mut first_difference = None;
    for (t, o) in theirs.iter().zip(ours) {
        match (t, o) {
            (Segment::Mixed, _) | (_, Segment::Mixed) => return false,
            (Segment::Literal(a), Segment::Literal(b)) if a != b => return false,
            (Segment::Literal(_), Segment::Param(_)) => {
                first_difference.get_or_insert(true);
            }
            (Segment::Param(_), Segment::Literal(_)) => {
                first_difference.get_or_insert(false);
            }
            _ => {}
        }
    }
    first_difference == Some(true)
}

/// The names of every property a schema declares, through `allOf`/`oneOf`/`anyOf`.
fn property_names(root: &Value, schema: &Value, out: &mut Vec<String>, depth: usize) {
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
            property_names(root, branch, out, depth + 1);
        }
    }
}

/// Form fields of an object value as [`crate::wire`] sends them (arrays as repeated names).
fn form_fields(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in value.as_object().into_iter().flatten() {
        match v {
            Value::Array(items) => out.extend(items.iter().map(|i| (k.clone(), text(i)))),
            v => out.push((k.clone(), text(v))),
        }
    }
    out
}

/// Multipart parts of an object value as [`crate::wire`] sends them: one part per property,
/// strings as they are and anything else as JSON text.
fn multipart_fields(value: &Value) -> Vec<(String, String)> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let t = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), t)
        })
        .collect()
}

fn header<'c>(headers: &'c BTreeMap<String, Value>, name: &str) -> Option<&'c Value> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A value as one text: arrays comma-joined, as [`crate::wire`] writes non-exploded lists.
fn joined(v: &Value) -> String {
    match v {
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        v => text(v),
    }
}

fn accepts(declared: &str, sent: &str) -> bool {
    declared == sent
        || declared == "*/*"
        || declared
            .strip_suffix("/*")
            .is_some_and(|prefix| sent.split('/').next() == Some(prefix))
}

/// The mock rejects whole numbers beyond 64 bits (serde_json would round them onto the int64
/// bounds); so does this reading.
fn oversized(value: &Value, at: &str) -> Option<Problem> {
    match value {
        Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            let f = n.as_f64().unwrap_or_default();
            (f.fract() == 0.0 && f.abs() >= 9.223_372_036_854_776e18)
                .then(|| Problem::contract(at, format!("{n} is outside the 64-bit integer range")))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| oversized(v, &format!("{at}/{i}"))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| oversized(v, &format!("{at}/{k}"))),
        _ => None,
    }
}

/// A validator error as a problem at `prefix` plus the error's instance path; a missing
/// required property is located at the property itself.
fn located(prefix: &str, err: &jsonschema::ValidationError<'_>) -> Problem {
    let mut location = prefix.to_owned();
    for segment in err.instance_path().iter() {
        location.push('/');
        match segment {
            LocationSegment::Property(p) => location.push_str(&p),
            LocationSegment::Index(i) => location.push_str(&i.to_string()),
        }
    }
    if let ValidationErrorKind::Required { property } = err.kind()
        && let Some(name) = property.as_str()
    {
        location.push('/');
        location.push_str(name);
    }
    Problem::contract(location, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Auth, CaseBody, Intent, Phase};
    use crate::profile::Profile;

    fn spec() -> Spec {
        let root = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/items/{id}": {"post": {"operationId": "put", "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "ids", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "integer"}}},
                {"name": "X-Mode", "in": "header", "required": true, "schema": {"type": "string", "enum": ["a", "b"]}}
            ], "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}},
                "application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["n"], "properties": {
                    "n": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}}}
            }}, "responses": {"200": {"description": "ok"}}}},
            "/items/latest": {"get": {"operationId": "latest", "responses": {"200": {"description": "ok"}}}}
        }});
        Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap()
    }

    fn case() -> Case {
        Case {
            operation: "put".into(),
            method: "POST".into(),
            path: "/items/{id}".into(),
            path_params: [("id".to_owned(), json!(7))].into(),
            query: [("ids".to_owned(), json!([1, 2]))].into(),
            headers: [("X-Mode".to_owned(), json!("a"))].into(),
            cookies: BTreeMap::new(),
            body: Some(CaseBody {
                media_type: "application/json".into(),
                value: json!({"n": 1}),
                raw: None,
            }),
            auth: Auth::Configured,
            phase: Phase::Positive,
            intent: Intent::Valid,
        }
    }

    fn problems(case: &Case) -> Vec<(String, Kind)> {
        let spec = spec();
        let op = spec.operation("put").unwrap();
        Readback::new(&spec, op)
            .problems(case)
            .into_iter()
            .map(|p| (p.location, p.kind))
            .collect()
    }

    #[test]
    fn a_valid_case_has_no_problem() {
        assert_eq!(problems(&case()), []);
    }

    #[test]
    fn text_that_coerces_back_is_no_violation() {
        let mut c = case();
        // A number in a string query parameter is the text "42": a valid string.
        c.query.insert("q".into(), json!(42));
        assert_eq!(problems(&c), []);
        c.path_params.insert("id".into(), json!("abc"));
        assert_eq!(problems(&c), [("path/id".to_owned(), Kind::Contract)]);
    }

    #[test]
    fn lists_split_on_commas_and_items_are_coerced() {
        let mut c = case();
        c.query.insert("ids".into(), json!(["1,x"]));
        assert_eq!(problems(&c), [("query/ids/1".to_owned(), Kind::Contract)]);
    }

    #[test]
    fn routing_and_sending_problems_are_transport_problems() {
        let mut c = case();
        c.path_params.insert("id".into(), json!(""));
        assert!(problems(&c).contains(&("path/id".to_owned(), Kind::Transport)));
        c.path_params.insert("id".into(), json!("latest"));
        assert!(problems(&c).contains(&("path".to_owned(), Kind::Transport)));
        let mut c = case();
        c.headers.insert("X-Mode".into(), json!("a\nb"));
        assert_eq!(
            problems(&c),
            [("header/X-Mode".to_owned(), Kind::Transport)]
        );
    }

    #[test]
    fn empty_query_values_need_allow_empty_value() {
        let spec = super::super::query_fixture::spec();
        let op = super::super::query_fixture::operation(&spec);
        let readback = Readback::new(&spec, op);
        let mut c = case();
        c.operation = op.id.clone();
        c.method = op.method.clone();
        c.path = op.path.clone();
        c.path_params.clear();
        c.headers.clear();
        c.body = None;
        c.query = [("q".to_owned(), json!("a"))].into();
        assert_eq!(readback.problems(&c), []);
        let empty = |name: &str| Problem {
            location: format!("query/{name}"),
            message: "empty value; the parameter does not allow empty values".into(),
            kind: Kind::Contract,
        };
        // Exploded list: one empty item is one `tags=`; comma-joined: no item is `ids=`.
        for (name, value) in [
            ("q", json!("")),
            ("tags", json!(["x", ""])),
            ("ids", json!([])),
        ] {
            let mut bad = c.clone();
            bad.query.insert(name.into(), value);
            assert_eq!(readback.problems(&bad), [empty(name)], "{name}");
        }
        // Not sent at all is another matter (an exploded list without items is not sent).
        let mut absent = c.clone();
        absent.query.insert("tags".into(), json!([]));
        assert_eq!(readback.problems(&absent), []);
        absent.query.remove("q");
        assert_eq!(
            readback.problems(&absent)[0].message,
            "required but not sent"
        );
        // `allowEmptyValue: true`, and headers, which have no such rule.
        let mut allowed = c.clone();
        allowed.query.insert("blank".into(), json!(""));
        allowed.headers.insert("X-Note".into(), json!(""));
        assert_eq!(readback.problems(&allowed), []);
    }

    #[test]
    fn bodies_are_read_per_media_type() {
        let mut c = case();
        c.body = Some(CaseBody {
            media_type: "application/x-www-form-urlencoded".into(),
            value: json!({"n": "5", "tags": ["a", "b"]}),
            raw: None,
        });
        assert_eq!(problems(&c), []);
        // No fields: an empty body, which a required body may not be.
        c.body.as_mut().unwrap().value = json!({});
        assert_eq!(problems(&c), [("body".to_owned(), Kind::Contract)]);
        let mut c = case();
        c.body.as_mut().unwrap().raw = Some("{\"n\": ".into());
        assert_eq!(problems(&c), [("body".to_owned(), Kind::Contract)]);
        let mut c = case();
        c.body.as_mut().unwrap().value = json!({});
        assert_eq!(problems(&c), [("body/n".to_owned(), Kind::Contract)]);
        c.body.as_mut().unwrap().value = json!({"n": 9.3e18});
        assert_eq!(problems(&c), [("body/n".to_owned(), Kind::Contract)]);
    }
}
