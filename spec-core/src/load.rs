//! Reading a spec file into a JSON tree, a typed OpenAPI model and a map of source positions.
//!
//! YAML is parsed with saphyr (YAML 1.2, duplicate keys rejected) so that every node keeps its
//! line; the tree is then converted to `serde_json::Value`, the common currency of the linter,
//! the generator view and the conformance engine.

use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

use crate::locate::{Locations, Position};
use crate::pointer;

/// A spec that parsed and matched the OpenAPI 3.0 model.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where the spec was read from (as given; used in messages).
    pub path: PathBuf,
    /// The whole document as JSON.
    pub value: Value,
    /// The typed model progenitor consumes.
    pub api: openapiv3::OpenAPI,
    /// Source position of every node, by JSON pointer.
    pub locations: Locations,
}

/// Why a spec could not be read. Every variant names the file; most name a line and a pointer.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read at all.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The text is not valid YAML.
    #[error("{path}:{line}:{col}: YAML syntax error: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What the parser said.
        message: String,
    },
    /// The YAML uses a construct we do not accept (aliases, tags, non-scalar keys, several documents).
    #[error("{path}:{line}: {pointer}: {message}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// JSON pointer of the node.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// The document is YAML but not a valid OpenAPI 3.0 document.
    #[error("{path}:{line}: {pointer}: not a valid OpenAPI 3.0 document: {message}")]
    Model {
        /// The file.
        path: PathBuf,
        /// 1-based line of the closest node that exists.
        line: usize,
        /// JSON pointer of the offending node.
        pointer: String,
        /// What serde said.
        message: String,
    },
    /// A `$ref` points at nothing.
    #[error("{path}:{line}: {pointer}: $ref {target} does not resolve")]
    UnresolvedRef {
        /// The file.
        path: PathBuf,
        /// 1-based line of the `$ref`.
        line: usize,
        /// JSON pointer of the node holding the `$ref`.
        pointer: String,
        /// The reference text.
        target: String,
    },
}

/// Read and parse the spec at `path`.
pub fn load(path: &Path) -> Result<Document, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// Parse spec text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Document, LoadError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| LoadError::Syntax {
        path: path.to_owned(),
        line: e.marker().line(),
        col: e.marker().col() + 1,
        message: e.info().to_owned(),
    })?;
    let root = match docs.as_slice() {
        [one] => one,
        _ => {
            return Err(LoadError::Unsupported {
                path: path.to_owned(),
                line: 1,
                pointer: String::new(),
                message: format!("expected exactly one YAML document, found {}", docs.len()),
            });
        }
    };
    let mut locations = Locations::default();
    let value =
        convert(root, String::new(), &mut locations).map_err(|(pointer, line, message)| {
            LoadError::Unsupported {
                path: path.to_owned(),
                line,
                pointer,
                message,
            }
        })?;
    let api: openapiv3::OpenAPI = serde_path_to_error::deserialize(&value).map_err(|e| {
        let (pointer, message) = narrow(
            &value,
            pointer::from_serde_path(e.path()),
            e.inner().to_string(),
        );
        LoadError::Model {
            path: path.to_owned(),
            line: locations.nearest(&pointer).line,
            pointer,
            message,
        }
    })?;
    Ok(Document {
        path: path.to_owned(),
        value,
        api,
        locations,
    })
}

impl Document {
    /// Where a node is in the source, or the closest ancestor that has a position.
    pub fn position(&self, pointer: &str) -> Position {
        self.locations.nearest(pointer)
    }

    /// Every `$ref` that does not resolve, as load errors (in document order).
    pub fn unresolved_refs(&self) -> Vec<LoadError> {
        crate::refs::all_refs(&self.value)
            .into_iter()
            .filter(|r| crate::refs::resolve(&self.value, &r.target).is_none())
            .map(|r| LoadError::UnresolvedRef {
                path: self.path.clone(),
                line: self.position(&r.at).line,
                pointer: r.at,
                target: r.target,
            })
            .collect()
    }
}

/// openapiv3 deserializes maps and `$ref`-or-value nodes through buffering, which loses the
/// path below `/paths` and `/components/*`. Re-deserialize each entry there on its own to find
/// the one that fails and the path inside it.
fn narrow(root: &Value, at: String, message: String) -> (String, String) {
    fn first_error<T: serde::de::DeserializeOwned>(
        entries: Option<&Value>,
        base: &str,
    ) -> Option<(String, String)> {
        for (key, node) in entries?.as_object()? {
            if node.get("$ref").is_some() {
                continue;
            }
            if let Err(e) = serde_path_to_error::deserialize::<_, T>(node) {
                let inner = pointer::from_serde_path(e.path());
                return Some((
                    format!("{base}/{}{inner}", pointer::escape(key)),
                    e.inner().to_string(),
                ));
            }
        }
        None
    }
    use openapiv3::*;
    let found = match at.as_str() {
        "/paths" => first_error::<PathItem>(root.get("paths"), "/paths"),
        "/components" => None
            .or_else(|| {
                first_error::<Schema>(root.pointer("/components/schemas"), "/components/schemas")
            })
            .or_else(|| {
                first_error::<Response>(
                    root.pointer("/components/responses"),
                    "/components/responses",
                )
            })
            .or_else(|| {
                first_error::<Parameter>(
                    root.pointer("/components/parameters"),
                    "/components/parameters",
                )
            })
            .or_else(|| {
                first_error::<RequestBody>(
                    root.pointer("/components/requestBodies"),
                    "/components/requestBodies",
                )
            })
            .or_else(|| {
                first_error::<Header>(root.pointer("/components/headers"), "/components/headers")
            })
            .or_else(|| {
                first_error::<SecurityScheme>(
                    root.pointer("/components/securitySchemes"),
                    "/components/securitySchemes",
                )
            }),
        _ => None,
    };
    found.unwrap_or((at, message))
}

type ConvertError = (String, usize, String);

fn convert(node: &MarkedYaml<'_>, at: String, locs: &mut Locations) -> Result<Value, ConvertError> {
    let line = node.span.start.line();
    locs.insert(
        at.clone(),
        Position {
            line,
            col: node.span.start.col() + 1,
        },
    );
    let unsupported = |what: &str| Err((at.clone(), line, what.to_owned()));
    Ok(match &node.data {
        YamlData::Value(scalar) => scalar_to_json(scalar),
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| convert(item, format!("{at}/{i}"), locs))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut out = Map::new();
            for (key, val) in map {
                let key = match &key.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(Scalar::Integer(i)) => i.to_string(),
                    YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
                    YamlData::Representation(s, _, _) => s.to_string(),
                    _ => return unsupported("mapping keys must be strings or numbers"),
                };
                let child = format!("{at}/{}", pointer::escape(&key));
                let v = convert(val, child, locs)?;
                out.insert(key, v);
            }
            Value::Object(out)
        }
        YamlData::Tagged(..) => return unsupported("YAML tags are not supported in specs"),
        YamlData::Alias(_) => return unsupported("YAML aliases are not supported in specs"),
        YamlData::BadValue => return unsupported("a scalar could not be parsed"),
    })
}

fn scalar_to_json(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths: {}\n";

    #[test]
    fn parses_minimal_document_with_positions() {
        let doc = parse(Path::new("m.yaml"), MINIMAL).unwrap();
        assert_eq!(doc.api.info.title, "t");
        assert_eq!(doc.position("/info/version").line, 4);
        assert_eq!(doc.position("/info/title").line, 3);
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let err = parse(Path::new("bad.yaml"), "a: b\n c: d: e\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bad.yaml:2:"), "{msg}");
    }

    #[test]
    fn duplicate_key_is_a_syntax_error() {
        let err = parse(Path::new("dup.yaml"), "a: 1\na: 2\n").unwrap_err();
        assert!(err.to_string().contains("duplicated key"), "{err}");
    }

    #[test]
    fn model_error_names_pointer_and_line() {
        let text = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /x:\n    get:\n      responses: 7\n";
        let err = parse(Path::new("m.yaml"), text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/paths/~1x/get/responses"), "{msg}");
        assert!(msg.starts_with("m.yaml:8:"), "{msg}");
    }

    #[test]
    fn unresolved_ref_names_pointer_and_line() {
        let text = format!(
            "{MINIMAL}components:\n  schemas:\n    A:\n      $ref: '#/components/schemas/Missing'\n"
        );
        let doc = parse(Path::new("m.yaml"), &text).unwrap();
        let errs = doc.unresolved_refs();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "m.yaml:9: /components/schemas/A: $ref #/components/schemas/Missing does not resolve"
        );
    }

    #[test]
    fn integer_response_codes_become_string_keys() {
        let text = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /x:\n    get:\n      responses:\n        200:\n          description: ok\n";
        let doc = parse(Path::new("m.yaml"), text).unwrap();
        assert!(doc.value.pointer("/paths/~1x/get/responses/200").is_some());
    }
}
