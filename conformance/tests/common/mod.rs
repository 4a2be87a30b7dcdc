//! Shared test helpers: the specs loaded once per test binary, a mock per test, requests built
//! from the spec's own examples, and an oracle that checks answers against the documented schema.

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use gamespec_conformance::generate::strategy::{Builder, Carrier, Optional, sample};
use gamespec_conformance::mock::{MockHandle, MockOptions, MockServer};
use gamespec_spec::schema::Direction;
use gamespec_spec::shape::{deref, property};
use gamespec_spec::spec::{Operation, ParamLocation, SchemeCarrier, Spec};
use serde_json::Value;

/// The spec of a known API, loaded once per test binary.
pub fn spec(name: &str) -> Arc<Spec> {
    static SPECS: OnceLock<Mutex<HashMap<String, Arc<Spec>>>> = OnceLock::new();
    let specs = SPECS.get_or_init(Default::default);
    let mut specs = specs.lock().unwrap();
    specs
        .entry(name.to_owned())
        .or_insert_with(|| Arc::new(Spec::load(name).unwrap_or_else(|e| panic!("{e}"))))
        .clone()
}

/// A mock of `name` on an ephemeral loopback port with default options.
pub async fn start(name: &str) -> MockHandle {
    start_with(name, MockOptions::default()).await
}

/// A mock of `name` with `options`.
pub async fn start_with(name: &str, options: MockOptions) -> MockHandle {
    MockServer::start(spec(name), options)
        .await
        .expect("mock starts")
}

/// An HTTP client that neither follows redirects (3xx answers are checked as they are) nor uses
/// a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// Validates answers against the spec's documented schemas, compiling each schema once.
pub struct Oracle {
    spec: Arc<Spec>,
    cache: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl Oracle {
    pub fn new(spec: Arc<Spec>) -> Self {
        Oracle {
            spec,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Errors of `value` against `schema` (response direction), empty when valid.
    pub fn errors(&self, schema: &Value, value: &Value) -> Vec<String> {
        let key = schema.to_string();
        let validator = {
            let mut cache = self.cache.lock().unwrap();
            cache
                .entry(key)
                .or_insert_with(|| {
                    Arc::new(self.spec.validator(Direction::Response, schema).unwrap())
                })
                .clone()
        };
        validator
            .iter_errors(value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    /// Check a received answer against what `op` documents: the status is documented, the
    /// content type is the documented one, and the body validates. Returns the parsed body.
    pub fn check(
        &self,
        op: &Operation,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Value {
        let response = op
            .response(status)
            .unwrap_or_else(|| panic!("{}: status {status} is not documented", op.id));
        let Some(media) = &response.content else {
            assert!(
                body.is_empty(),
                "{}: {status} documents no body but got {} bytes",
                op.id,
                body.len()
            );
            return Value::Null;
        };
        let ct = content_type.unwrap_or_default();
        assert!(
            ct.starts_with(&media.media_type),
            "{}: {status} content type {ct:?}, documented {}",
            op.id,
            media.media_type
        );
        let value = if media.media_type.ends_with("json") {
            serde_json::from_slice(body)
                .unwrap_or_else(|e| panic!("{}: body is not JSON: {e}", op.id))
        } else {
            Value::String(String::from_utf8_lossy(body).into_owned())
        };
        let errors = self.errors(&media.schema, &value);
        assert!(
            errors.is_empty(),
            "{} {status}: body does not validate: {errors:?}\n{value:#}",
            op.id
        );
        value
    }
}

/// A value as it is written in a URL, header or form field.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A fixed-seed request value of `schema` carried by `carrier` (`Null` when it has none).
fn generated(spec: &Spec, schema: &Value, carrier: Carrier) -> Value {
    Builder::new(&spec.root, carrier, Optional::Random)
        .build(schema, "request")
        .ok()
        .and_then(|s| sample(&s))
        .unwrap_or(Value::Null)
}

/// The example of a parameter, or a generated value when it has none (header- and URL-safe
/// text, whatever the parameter's location).
fn param_value(spec: &Spec, schema: &Value, example: Option<&Value>) -> Value {
    example
        .cloned()
        .unwrap_or_else(|| generated(spec, schema, Carrier::Token))
}

/// A valid request for `op` built from the spec's examples, with the mock's pre-issued
/// credentials for the operation's first security requirement set.
pub fn example_request(
    client: &reqwest::Client,
    spec: &Spec,
    op: &Operation,
    server: &MockHandle,
) -> reqwest::RequestBuilder {
    let mut path = op.path.clone();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    for p in &op.parameters {
        let value = param_value(spec, &p.schema, p.example.as_ref());
        match p.location {
            ParamLocation::Path => {
                let encoded = percent_encoding::utf8_percent_encode(
                    &text(&value),
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string();
                path = path.replace(&format!("{{{}}}", p.name), &encoded);
            }
            ParamLocation::Query => match &value {
                Value::Array(items) if p.explode => {
                    query.extend(items.iter().map(|i| (p.name.clone(), text(i))));
                }
                Value::Array(items) => {
                    query.push((
                        p.name.clone(),
                        items.iter().map(text).collect::<Vec<_>>().join(","),
                    ));
                }
                v => query.push((p.name.clone(), text(v))),
            },
            ParamLocation::Header => {
                let v = match &value {
                    Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
                    v => text(v),
                };
                headers.push((p.name.clone(), v));
            }
            ParamLocation::Cookie => {
                headers.push(("cookie".into(), format!("{}={}", p.name, text(&value))))
            }
        }
    }
    if let Some(set) = op.security.first() {
        for name in set {
            let scheme = spec.scheme(name).unwrap();
            let credential = server.credentials()[name].clone();
            match &scheme.carrier {
                SchemeCarrier::Header(h) => headers.push((h.clone(), credential)),
                SchemeCarrier::Query(q) => query.push((q.clone(), credential)),
                SchemeCarrier::Cookie(c) => {
                    headers.push(("cookie".into(), format!("{c}={credential}")))
                }
                SchemeCarrier::Bearer => {
                    headers.push(("authorization".into(), format!("Bearer {credential}")))
                }
                SchemeCarrier::Basic => {
                    headers.push(("authorization".into(), format!("Basic {credential}")))
                }
            }
        }
    }
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
    let mut req = client
        .request(method, format!("{}{path}", server.url()))
        .query(&query);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    if let Some((_, media)) = &op.body
        && let Some(m) = media.first()
    {
        let body = m
            .examples
            .first()
            .map(|e| e.value.clone())
            .unwrap_or_else(|| {
                let carrier = if m.media_type.ends_with("json") {
                    Carrier::Json
                } else {
                    Carrier::Text
                };
                generated(spec, &m.schema, carrier)
            });
        req = match m.media_type.as_str() {
            "application/x-www-form-urlencoded" => req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(form_pairs(&body))
                        .finish(),
                ),
            "multipart/form-data" => req.multipart(multipart(spec, &m.schema, &body)),
            t if t.ends_with("json") => req.json(&body),
            t => req.header("content-type", t).body(text(&body)),
        };
    }
    req
}

/// An object's fields as form pairs (arrays as repeated keys).
pub fn form_pairs(body: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in body.as_object().into_iter().flatten() {
        match v {
            Value::Array(items) => out.extend(items.iter().map(|i| (k.clone(), text(i)))),
            v => out.push((k.clone(), text(v))),
        }
    }
    out
}

/// A multipart form from an example object: `format: binary` properties as file parts.
pub fn multipart(spec: &Spec, schema: &Value, body: &Value) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in body.as_object().into_iter().flatten() {
        let binary = property(&spec.root, schema, k)
            .map(|p| deref(&spec.root, p))
            .and_then(|p| p.get("format"))
            .and_then(Value::as_str)
            == Some("binary");
        form = if binary {
            form.part(
                k.clone(),
                reqwest::multipart::Part::bytes(text(v).into_bytes()).file_name("upload.bin"),
            )
        } else {
            form.text(k.clone(), text(v))
        };
    }
    form
}

/// Every string in `v`, joined with spaces (to search error explanations at any depth).
pub fn strings(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(strings).collect::<Vec<_>>().join(" "),
        Value::Object(m) => m.values().map(strings).collect::<Vec<_>>().join(" "),
        _ => String::new(),
    }
}

/// The first GET operation secured by `scheme` alone that documents a 401.
pub fn secured_get<'a>(spec: &'a Spec, scheme: &str) -> &'a Operation {
    spec.operations
        .iter()
        .find(|o| {
            o.method == "GET"
                && o.security == [vec![scheme.to_owned()]]
                && o.response(401).is_some()
        })
        .unwrap_or_else(|| panic!("no GET secured by {scheme} alone with a 401"))
}
