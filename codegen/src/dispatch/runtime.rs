//! The fixed part of every generated `dispatch.rs`: the argument and result types and the
//! conversions each per-operation function uses. Only the tables and functions around it
//! depend on the spec.

/// Rust source of the shared items, placed after the generated file's module docs.
pub const SOURCE: &str = r#"
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

#[allow(unused_imports)]
use crate::types;

/// The arguments of one call, keyed by the spec's names (`LL-Version`, not `ll_version`).
///
/// Path, query and header values are JSON as the spec's schemas describe them; a `null` value is
/// the same as leaving the argument out. A list the generated method takes as one comma-joined
/// string may be given as a JSON array. `Debug` shows argument names only, never values, since
/// bodies and headers can carry credentials.
#[derive(Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Args {
    /// Path parameters.
    #[serde(default)]
    pub path: Map<String, Value>,
    /// Query parameters.
    #[serde(default)]
    pub query: Map<String, Value>,
    /// Header parameters (names compared case-insensitively).
    #[serde(default)]
    pub header: Map<String, Value>,
    /// The request body, deserialized into the operation's body type.
    #[serde(default)]
    pub body: Option<Value>,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("path", &self.path.keys().collect::<Vec<_>>())
            .field("query", &self.query.keys().collect::<Vec<_>>())
            .field("header", &self.header.keys().collect::<Vec<_>>())
            .field("body", &self.body.as_ref().map(|_| "<json>"))
            .finish()
    }
}

/// A call that got the success answer the operation documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Called {
    /// The HTTP status of the answer.
    pub status: u16,
}

/// Why [`call`] did not get a documented success answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchError {
    /// No generated method has this operationId (see [`OPERATIONS`] and [`HAND_WRITTEN`]).
    #[error("`{0}` is not an operation of the generated client")]
    UnknownOperation(String),
    /// An argument is not a parameter of the operation or does not convert to its type.
    #[error("argument `{name}`: {message}")]
    Argument {
        /// `path/…`, `query/…`, `header/…` (the spec's name) or `body`.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The client reported an error: an undocumented or documented error status, a body that
    /// does not decode, a connection failure, a request it could not build.
    #[error("{0}")]
    Client(String),
}

/// The parameters of one operation, for refusing arguments it does not have.
struct Shape {
    operation: &'static str,
    path: &'static [&'static str],
    query: &'static [&'static str],
    header: &'static [&'static str],
    body: bool,
    left_out: &'static [&'static str],
}

/// Where a parameter travels.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Path,
    Query,
    Header,
}

impl Args {
    /// Refuse any argument the operation does not declare, or cannot send.
    fn check(&self, shape: &Shape) -> Result<(), DispatchError> {
        for place in [Place::Path, Place::Query, Place::Header] {
            let (location, declared) = match place {
                Place::Path => ("path", shape.path),
                Place::Query => ("query", shape.query),
                Place::Header => ("header", shape.header),
            };
            for name in self.given(place).keys() {
                if declared.iter().any(|d| same_name(place, d, name)) {
                    continue;
                }
                let full = format!("{location}/{name}");
                let message = if shape.left_out.contains(&full.as_str()) {
                    "the generated client cannot send this parameter (see ADAPTATIONS.md)".to_owned()
                } else {
                    format!("`{}` has no {location} parameter of this name", shape.operation)
                };
                return Err(DispatchError::Argument { name: full, message });
            }
        }
        if self.body.is_some() && !shape.body {
            return Err(DispatchError::Argument {
                name: "body".to_owned(),
                message: format!("`{}` takes no request body", shape.operation),
            });
        }
        Ok(())
    }

    fn given(&self, place: Place) -> &Map<String, Value> {
        match place {
            Place::Path => &self.path,
            Place::Query => &self.query,
            Place::Header => &self.header,
        }
    }

    /// The argument for the spec parameter `name`, unless absent or `null`.
    fn get(&self, place: Place, name: &str) -> Option<&Value> {
        self.given(place)
            .iter()
            .find(|(k, v)| same_name(place, name, k) && !v.is_null())
            .map(|(_, v)| v)
    }
}

/// Header names are case-insensitive; path and query names are not.
fn same_name(place: Place, declared: &str, given: &str) -> bool {
    if place == Place::Header {
        declared.eq_ignore_ascii_case(given)
    } else {
        declared == given
    }
}

/// `value` as the exact type the setter takes.
fn arg<T: DeserializeOwned>(name: &str, value: &Value) -> Result<T, DispatchError> {
    T::deserialize(value).map_err(|e| DispatchError::Argument {
        name: name.to_owned(),
        message: e.to_string(),
    })
}

/// A list the generator view turned into one string: a JSON array is joined with `,`.
fn joined<T: DeserializeOwned>(name: &str, value: &Value) -> Result<T, DispatchError> {
    let Value::Array(items) = value else {
        return arg(name, value);
    };
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => parts.push(s.clone()),
            Value::Number(_) | Value::Bool(_) => parts.push(item.to_string()),
            _ => {
                return Err(DispatchError::Argument {
                    name: name.to_owned(),
                    message: "a comma-joined list holds strings, numbers or booleans only".to_owned(),
                });
            }
        }
    }
    arg(name, &Value::String(parts.join(",")))
}

/// The status of a success answer, or the client's error as text. URLs are left out of
/// connection errors because query strings can carry credentials.
fn finish<T, E>(
    result: Result<crate::ResponseValue<T>, crate::Error<E>>,
) -> Result<Called, DispatchError> {
    use crate::Error;
    let text = match result {
        Ok(value) => return Ok(Called { status: value.status().as_u16() }),
        Err(Error::InvalidRequest(s)) => format!("invalid request: {s}"),
        Err(Error::CommunicationError(e)) => format!("communication error: {}", chain(e)),
        Err(Error::InvalidUpgrade(e)) => format!("invalid upgrade: {}", chain(e)),
        Err(Error::ErrorResponse(value)) => {
            format!("documented error status {}", value.status().as_u16())
        }
        Err(Error::ResponseBodyError(e)) => format!("reading the response body failed: {}", chain(e)),
        Err(Error::InvalidResponsePayload(bytes, e)) => format!(
            "the response body ({} bytes) does not decode into the documented type: {e}",
            bytes.len()
        ),
        Err(Error::UnexpectedResponse(response)) => {
            format!("undocumented status {}", response.status().as_u16())
        }
        Err(Error::Custom(s)) => s,
    };
    Err(DispatchError::Client(text))
}

/// A reqwest error and its causes, without the request URL.
fn chain(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Deserialize `value` into `T` and serialize it back.
fn roundtrip_as<T: DeserializeOwned + serde::Serialize>(value: Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(value).map_err(|e| format!("does not deserialize: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("does not serialize back: {e}"))
}
"#;
