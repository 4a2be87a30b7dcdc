//! Reading a spec file into a JSON tree, a typed OpenAPI model and a map of source positions.
//!
//! YAML is read with saphyr's parser (YAML 1.2, see [`crate::yaml`]) straight into a
//! `serde_json::Value`, the common currency of the linter, the generator view and the
//! conformance engine, with the position of every node.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::locate::{Location, Locations, Position};
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

/// Why a spec could not be read or is refused. Every variant names the file; all but [`Io`]
/// show as `file:line:col: pointer: message`.
///
/// [`Io`]: LoadError::Io
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
    /// The bytes are not UTF-8 (YAML 1.2 as we read it is UTF-8 text).
    #[error("{at}: not UTF-8 text: {message}")]
    Encoding {
        /// The first byte that is not UTF-8.
        at: Location,
        /// What is wrong.
        message: String,
    },
    /// The text is not valid YAML.
    #[error("{at}: YAML syntax error: {message}")]
    Syntax {
        /// Where the parser stopped, with the pointer of the node it was reading.
        at: Location,
        /// What the parser said.
        message: String,
    },
    /// The YAML uses a construct we do not accept (aliases, tags, non-scalar keys, several
    /// documents, numbers JSON cannot hold, nesting deeper than [`crate::yaml::MAX_DEPTH`]).
    #[error("{at}: {message}")]
    Unsupported {
        /// The node.
        at: Location,
        /// What is wrong.
        message: String,
    },
    /// The document is YAML but not a valid OpenAPI 3.0 document.
    #[error("{at}: not a valid OpenAPI 3.0 document: {message}")]
    Model {
        /// The offending node (a missing field: its parent's position).
        at: Location,
        /// What serde said.
        message: String,
    },
    /// A `$ref` points at nothing.
    #[error("{at}: $ref {target} does not resolve")]
    UnresolvedRef {
        /// The node holding the `$ref`.
        at: Location,
        /// The reference text.
        target: String,
    },
    /// The spec reads as OpenAPI 3.0 but cannot be served or checked against: a schema no
    /// value can satisfy, a reference to the wrong kind of object, a path parameter missing from
    /// its template, … (see [`crate::check`]).
    #[error("{at}: {message}")]
    Invalid {
        /// The offending node.
        at: Location,
        /// What is wrong, and what would fix it.
        message: String,
    },
}

impl LoadError {
    /// Where the problem is; none for a file that could not be read.
    pub fn location(&self) -> Option<&Location> {
        match self {
            LoadError::Io { .. } => None,
            LoadError::Encoding { at, .. }
            | LoadError::Syntax { at, .. }
            | LoadError::Unsupported { at, .. }
            | LoadError::Model { at, .. }
            | LoadError::UnresolvedRef { at, .. }
            | LoadError::Invalid { at, .. } => Some(at),
        }
    }
}

/// Every problem that refused a spec, in document order; shown one per line.
#[derive(Debug, thiserror::Error)]
#[error("{}", show(.0))]
pub struct Refused(pub Vec<LoadError>);

/// At most this many problems are listed; a spec with more is summarised.
const SHOWN: usize = 20;

fn show(problems: &[LoadError]) -> String {
    let mut lines: Vec<String> = problems.iter().take(SHOWN).map(|p| p.to_string()).collect();
    if problems.len() > SHOWN {
        lines.push(format!("… and {} more problems", problems.len() - SHOWN));
    }
    lines.join("\n")
}

impl From<LoadError> for Refused {
    fn from(e: LoadError) -> Self {
        Refused(vec![e])
    }
}

/// Read and parse the spec at `path` (YAML and the OpenAPI 3.0 model only; see
/// [`load_checked`] for the full checks every tool runs before using a spec).
pub fn load(path: &Path) -> Result<Document, LoadError> {
    parse(path, &read_text(path)?)
}

/// Read, parse and check the spec at `path`: what the mock, the runner and the linter accept.
pub fn load_checked(path: &Path) -> Result<Document, Refused> {
    parse_checked(path, &read_text(path)?)
}

fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The prefix before the bad byte is UTF-8: read it for the node the byte belongs to.
        let pointer = std::str::from_utf8(good)
            .map(crate::yaml::last_node)
            .unwrap_or_default();
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let col = good.len() - good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        LoadError::Encoding {
            at: Location {
                path: path.to_owned(),
                line,
                col,
                pointer,
            },
            message: format!("{}", e.utf8_error()),
        }
    })
}

/// Parse spec text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Document, LoadError> {
    let (value, locations) = read_yaml(path, text)?;
    model(path, value, locations)
}

/// Parse and check spec text: the YAML, then every check of [`crate::check`] on the tree (so a
/// malformed schema is named at its keyword rather than where the OpenAPI model gave up),
/// then the OpenAPI 3.0 model.
pub fn parse_checked(path: &Path, text: &str) -> Result<Document, Refused> {
    let (value, locations) = read_yaml(path, text)?;
    checked(path, &value, &locations)?;
    Ok(model(path, value, locations)?)
}

/// Every check of [`crate::check`] on the tree: its problems, if any, refuse the spec.
fn checked(path: &Path, value: &Value, locations: &Locations) -> Result<(), Refused> {
    let problems = crate::check::problems(path, value, locations);
    match problems.is_empty() {
        true => Ok(()),
        false => Err(Refused(problems)),
    }
}

/// [`parse_checked`] for a spec known to pass its checks (one compiled into the binary, which
/// the test suite loads): the checks and the OpenAPI model run on a second thread while
/// `build` makes what the caller needs of the tree on this one, and a problem they find still
/// refuses the spec. Start-up pays for the longer of the two instead of their sum; `build`
/// sees a tree nothing has checked yet, so it is only for such specs. Without a second thread
/// the checks run first, as in [`parse_checked`].
pub fn parse_checked_beside<T>(
    path: &Path,
    text: &str,
    build: impl FnOnce(&Value) -> T,
) -> Result<(Value, T), Refused> {
    let (value, locations) = read_yaml(path, text)?;
    let judge = || -> Result<(), Refused> {
        checked(path, &value, &locations)?;
        Ok(typed(path, &value, &locations).map(drop)?)
    };
    let built = std::thread::scope(|scope| {
        let beside = std::thread::Builder::new()
            .name("spec-checks".into())
            .spawn_scoped(scope, judge);
        match beside {
            Ok(handle) => {
                let built = build(&value);
                // The checks' panic, if any, is theirs to report, as on one thread.
                let judged = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                judged.map(|()| built)
            }
            Err(_) => judge().map(|()| build(&value)),
        }
    })?;
    Ok((value, built))
}

/// The YAML text as a JSON tree with the position of every node.
fn read_yaml(path: &Path, text: &str) -> Result<(Value, Locations), LoadError> {
    crate::yaml::read(text).map_err(|found| {
        let at = Location {
            path: path.to_owned(),
            line: found.line,
            col: found.col,
            pointer: found.pointer,
        };
        if found.syntax {
            LoadError::Syntax {
                at,
                message: found.message,
            }
        } else {
            LoadError::Unsupported {
                at,
                message: found.message,
            }
        }
    })
}

/// The typed OpenAPI 3.0 model of a tree.
fn model(path: &Path, value: Value, locations: Locations) -> Result<Document, LoadError> {
    let api = typed(path, &value, &locations)?;
    Ok(Document {
        path: path.to_owned(),
        value,
        api,
        locations,
    })
}

/// The tree read as the OpenAPI 3.0 model, or where it is not one.
fn typed(
    path: &Path,
    value: &Value,
    locations: &Locations,
) -> Result<openapiv3::OpenAPI, LoadError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let (pointer, message) = narrow(
            value,
            pointer::from_serde_path(e.path()),
            e.inner().to_string(),
        );
        LoadError::Model {
            at: Location::of(path, locations, &pointer),
            message,
        }
    })
}

impl Document {
    /// Where a node is in the source, or the closest ancestor that has a position.
    pub fn position(&self, pointer: &str) -> Position {
        self.locations.nearest(pointer)
    }

    /// The location of a node, for messages.
    pub fn location(&self, pointer: &str) -> Location {
        Location::of(&self.path, &self.locations, pointer)
    }

    /// Every `$ref` that does not resolve, as load errors (in document order).
    pub fn unresolved_refs(&self) -> Vec<LoadError> {
        crate::refs::all_refs(&self.value)
            .into_iter()
            .filter(|r| crate::refs::resolve(&self.value, &r.target).is_none())
            .map(|r| LoadError::UnresolvedRef {
                at: self.location(&r.at),
                target: r.target,
            })
            .collect()
    }

    /// Every problem [`crate::check`] finds (unresolved `$ref`s included), in document order.
    pub fn problems(&self) -> Vec<LoadError> {
        crate::check::problems(&self.path, &self.value, &self.locations)
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
            "m.yaml:8:5: /components/schemas/A: $ref #/components/schemas/Missing does not resolve"
        );
    }

    #[test]
    fn integer_response_codes_become_string_keys() {
        let text = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /x:\n    get:\n      responses:\n        200:\n          description: ok\n";
        let doc = parse(Path::new("m.yaml"), text).unwrap();
        assert!(doc.value.pointer("/paths/~1x/get/responses/200").is_some());
    }
}
