//! A captured request turned into its snapshot form: stable (sorted headers, no transport noise,
//! no multipart boundary) and safe to commit (credentials and `format: password` values
//! replaced by `[redacted:…]`).

use std::collections::BTreeSet;
use std::convert::Infallible;

use serde::Serialize;
use serde_json::Value;

use super::Captured;
use super::clients::CREDENTIALS;

/// Headers that say how the bytes travelled rather than what the client asked for.
const TRANSPORT_HEADERS: &[&str] = &["host", "content-length", "accept-encoding", "connection"];

/// What a client sent, as committed in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shape {
    /// Upper-case method.
    pub method: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Header names and values, sorted, without transport headers.
    pub headers: Vec<(String, String)>,
    /// The body, parsed by its content type.
    pub body: Body,
}

/// A request body, parsed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// No body.
    None,
    /// A JSON body.
    Json(Value),
    /// Form fields, in order.
    Form(Vec<(String, String)>),
    /// Multipart parts, in order.
    Multipart(Vec<Part>),
    /// Any other UTF-8 body.
    Text(String),
    /// Any other body: its length.
    Bytes(usize),
}

/// One multipart part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// The field name.
    pub name: Option<String>,
    /// The file name, for file parts.
    pub file_name: Option<String>,
    /// The part's media type.
    pub content_type: Option<String>,
    /// The content: text when UTF-8, else `<N bytes>`.
    pub content: String,
}

/// Replaces what must not be committed: the fixed credentials (by value) and the values of
/// fields and parameters the spec marks `format: password` (by name).
#[derive(Debug, Clone, Default)]
pub struct Redactions {
    secret_names: BTreeSet<String>,
}

impl Redactions {
    /// Redactions for the spec `root`: every property or parameter name whose schema is a
    /// `format: password` string, anywhere in the document.
    pub fn for_spec(root: &Value) -> Redactions {
        let mut secret_names = BTreeSet::new();
        collect_secret_names(root, root, &mut secret_names);
        Redactions { secret_names }
    }

    fn is_secret_name(&self, name: &str) -> bool {
        self.secret_names
            .iter()
            .any(|s| s.eq_ignore_ascii_case(name))
    }

    /// `text` with every fixed credential replaced by `[redacted:<scheme>]`.
    pub fn credentials(&self, text: &str) -> String {
        CREDENTIALS
            .iter()
            .fold(text.to_owned(), |t, (scheme, value)| {
                t.replace(value, &format!("[redacted:{scheme}]"))
            })
    }

    fn field(&self, name: &str, value: &str) -> String {
        if self.is_secret_name(name) {
            "[redacted:format-password]".to_owned()
        } else {
            self.credentials(value)
        }
    }

    fn json(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if self.is_secret_name(k) && v.is_string() {
                        *v = Value::String("[redacted:format-password]".to_owned());
                    } else {
                        self.json(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            Value::String(s) => *s = self.credentials(s),
            _ => {}
        }
    }
}

fn collect_secret_names(root: &Value, node: &Value, out: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            if let Some(props) = map.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    if gamespec_spec::shape::is_secret(root, prop) {
                        out.insert(name.clone());
                    }
                }
            }
            if let (Some(Value::String(name)), Some(schema)) = (map.get("name"), map.get("schema"))
                && map.contains_key("in")
                && gamespec_spec::shape::is_secret(root, schema)
            {
                out.insert(name.clone());
            }
            map.values()
                .for_each(|v| collect_secret_names(root, v, out));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect_secret_names(root, v, out)),
        _ => {}
    }
}

/// The snapshot form of `request`.
pub async fn shape(request: &Captured, redactions: &Redactions) -> Shape {
    let query = request
        .query
        .as_deref()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.to_string(), redactions.field(&k, &v)))
                .collect()
        })
        .unwrap_or_default();
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(k, _)| !TRANSPORT_HEADERS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), redactions.field(k, &header_value(k, v))))
        .collect();
    headers.sort();
    Shape {
        method: request.method.clone(),
        path: redactions.credentials(&request.path),
        query,
        headers,
        body: body(request, redactions).await,
    }
}

/// A multipart boundary is random per request; the snapshot keeps the media type only.
fn header_value(name: &str, value: &str) -> String {
    if name == "content-type" && value.starts_with("multipart/") {
        let media = value.split(';').next().unwrap_or(value);
        return format!("{media}; boundary=[boundary]");
    }
    value.to_owned()
}

async fn body(request: &Captured, redactions: &Redactions) -> Body {
    let media = request
        .header("content-type")
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = &request.body;
    if bytes.is_empty() && media.is_empty() {
        return Body::None;
    }
    if media == "application/json" || media.ends_with("+json") {
        if let Ok(mut value) = serde_json::from_slice::<Value>(bytes) {
            redactions.json(&mut value);
            return Body::Json(value);
        }
    } else if media == "application/x-www-form-urlencoded" {
        return Body::Form(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.to_string(), redactions.field(&k, &v)))
                .collect(),
        );
    } else if media == "multipart/form-data"
        && let Some(parts) = multipart(request, redactions).await
    {
        return Body::Multipart(parts);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Body::Text(redactions.credentials(text)),
        Err(_) => Body::Bytes(bytes.len()),
    }
}

async fn multipart(request: &Captured, redactions: &Redactions) -> Option<Vec<Part>> {
    let boundary = multer::parse_boundary(request.header("content-type")?).ok()?;
    let chunk = bytes::Bytes::from(request.body.clone());
    let stream = futures_util::stream::once(std::future::ready(Ok::<_, Infallible>(chunk)));
    let mut reader = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = reader.next_field().await.ok()? {
        let name = field.name().map(str::to_owned);
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.ok()?;
        let content = match std::str::from_utf8(&data) {
            Ok(text) => redactions.field(name.as_deref().unwrap_or(""), text),
            Err(_) => format!("<{} bytes>", data.len()),
        };
        parts.push(Part {
            name,
            file_name,
            content_type,
            content,
        });
    }
    Some(parts)
}
