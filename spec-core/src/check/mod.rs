//! The checks every tool runs on a spec before using it: what makes a spec malformed (a field
//! of the wrong type, an OpenAPI version we do not read, a `$ref` to the wrong kind of object)
//! or unusable (a schema no value can satisfy, a path parameter missing from its template, an
//! operation without responses). A spec with any of these is refused, with the file, line,
//! column and JSON pointer of each problem, by the mock, the runner and the linter alike;
//! what is merely suspicious is left to the lint rules.
//!
//! The checks read the JSON tree, not the typed model, so they run before it and name a bad
//! schema keyword where the model would only name the schema.

use std::path::Path;

use serde_json::Value;

use crate::load::LoadError;
use crate::locate::{Location, Locations};

mod document;
mod links;
mod nodes;
mod operations;
mod refs;
mod schemas;
mod servers;

/// One problem, before it is given a position.
pub(crate) enum Issue {
    /// A `$ref` that points at nothing.
    Unresolved(String),
    /// Anything else, with its message.
    Invalid(String),
}

/// What the checks found, by pointer.
#[derive(Default)]
pub(crate) struct Found(Vec<(String, Issue)>);

impl Found {
    /// Report `message` about the node at `pointer`.
    pub(crate) fn invalid(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0
            .push((pointer.into(), Issue::Invalid(message.into())));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Every problem of the document `root` read from `path`, ordered by position.
pub fn problems(path: &Path, root: &Value, locations: &Locations) -> Vec<LoadError> {
    let mut found = Found::default();
    document::check(root, &mut found);
    // A document that is not OpenAPI 3.0 at the top level is not read any further: the
    // problems below it would only repeat the one cause.
    if found.is_empty() {
        let nodes = nodes::Nodes::of(root);
        refs::check(root, &nodes, &mut found);
        schemas::check(root, &nodes, &mut found);
        operations::check(root, &nodes, &mut found);
        links::check(root, &nodes, &mut found);
        servers::check(root, &mut found);
    }
    let mut out: Vec<LoadError> = found
        .0
        .into_iter()
        .map(|(pointer, issue)| {
            let at = Location::of(path, locations, &pointer);
            match issue {
                Issue::Unresolved(target) => LoadError::UnresolvedRef { at, target },
                Issue::Invalid(message) => LoadError::Invalid { at, message },
            }
        })
        .collect();
    out.sort_by_key(|e| e.location().map(|l| (l.line, l.col)));
    out
}

/// Every Schema Object of the document that is not a `$ref`, with its pointer, in document
/// order: the schemas of components, parameters, headers and media types, and those nested in
/// them (`properties`, `items`, `allOf`, …). Example values are never among them, however
/// they look.
pub fn schema_objects(root: &Value) -> Vec<(String, &serde_json::Map<String, Value>)> {
    nodes::Nodes::of(root)
        .objects
        .into_iter()
        .filter(|(_, kind, _)| *kind == nodes::Kind::Schema)
        .map(|(at, _, map)| (at, map))
        .collect()
}
