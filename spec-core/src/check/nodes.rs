//! Which kind of OpenAPI object each node of a document is, read from where it stands (a
//! `schema` under a parameter is a Schema Object, an entry of `responses` a Response Object, …),
//! and every `$ref` with the kind its position expects. The walk uses its own stack, so a deep
//! document cannot exhaust the call stack, and it tolerates any shape: a node of the wrong JSON
//! type is skipped here and named by the checks that read it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::paths::HTTP_METHODS;
use crate::pointer;

/// The kinds of OpenAPI 3.0 object a `$ref` can stand for, and the others the walk visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Header,
    MediaType,
    Schema,
    Example,
    Link,
    Callback,
    SecurityScheme,
}

impl Kind {
    /// How messages name the kind.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::PathItem => "a path item",
            Kind::Operation => "an operation",
            Kind::Parameter => "a parameter",
            Kind::RequestBody => "a request body",
            Kind::Response => "a response",
            Kind::Header => "a header",
            Kind::MediaType => "a media type object",
            Kind::Schema => "a schema",
            Kind::Example => "an example",
            Kind::Link => "a link",
            Kind::Callback => "a callback",
            Kind::SecurityScheme => "a security scheme",
        }
    }
}

/// A `$ref` and the kind of object its position calls for.
#[derive(Debug, Clone)]
pub(crate) struct TypedRef {
    /// Pointer of the object holding the `$ref`.
    pub at: String,
    /// The reference text.
    pub target: String,
    /// What the position expects.
    pub expects: Kind,
}

/// The classified nodes of one document, in document order.
#[derive(Debug, Default)]
pub(crate) struct Nodes<'a> {
    /// Every object that is not a `$ref`, with its kind.
    pub objects: Vec<(String, Kind, &'a Map<String, Value>)>,
    /// The kind of each of those, by pointer.
    pub kind_at: HashMap<String, Kind>,
    /// Every `$ref` at a position of a known kind.
    pub refs: Vec<TypedRef>,
    /// The kind each `$ref` position expects, by pointer (a `$ref` to a `$ref`).
    pub ref_kind_at: HashMap<String, Kind>,
}

impl<'a> Nodes<'a> {
    /// Classify every node of `root`.
    pub(crate) fn of(root: &'a Value) -> Nodes<'a> {
        let mut nodes = Nodes::default();
        let mut todo: Vec<(String, Kind, &'a Value)> = Vec::new();
        if let Some(paths) = root.get("paths").and_then(Value::as_object) {
            for (p, item) in paths {
                todo.push((pointer::join(["paths", p.as_str()]), Kind::PathItem, item));
            }
        }
        let sections = [
            ("schemas", Kind::Schema),
            ("responses", Kind::Response),
            ("parameters", Kind::Parameter),
            ("examples", Kind::Example),
            ("requestBodies", Kind::RequestBody),
            ("headers", Kind::Header),
            ("securitySchemes", Kind::SecurityScheme),
            ("links", Kind::Link),
            ("callbacks", Kind::Callback),
        ];
        for (section, kind) in sections {
            if let Some(entries) = root
                .get("components")
                .and_then(|c| c.get(section))
                .and_then(Value::as_object)
            {
                for (name, node) in entries {
                    todo.push((pointer::join(["components", section, name]), kind, node));
                }
            }
        }
        // Pop from the end: reverse so that nodes come out in document order.
        todo.reverse();
        while let Some((at, kind, node)) = todo.pop() {
            let Some(map) = node.as_object() else {
                continue;
            };
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                nodes.ref_kind_at.insert(at.clone(), kind);
                nodes.refs.push(TypedRef {
                    at,
                    target: target.to_owned(),
                    expects: kind,
                });
                continue;
            }
            let mut children = Vec::new();
            children_of(&at, kind, map, &mut children);
            nodes.kind_at.insert(at.clone(), kind);
            nodes.objects.push((at, kind, map));
            children.reverse();
            todo.extend(children);
        }
        nodes
    }

    /// The kind of the node a local reference target points at (following nothing).
    pub(crate) fn kind_of_target(&self, target: &str) -> Option<Kind> {
        let p = target.strip_prefix('#')?;
        self.kind_at
            .get(p)
            .copied()
            .or_else(|| self.ref_kind_at.get(p).copied())
    }
}

fn children_of<'a>(
    at: &str,
    kind: Kind,
    map: &'a Map<String, Value>,
    out: &mut Vec<(String, Kind, &'a Value)>,
) {
    let mut one = |key: &str, kind: Kind| {
        if let Some(v) = map.get(key) {
            out.push((format!("{at}/{}", pointer::escape(key)), kind, v));
        }
    };
    match kind {
        Kind::PathItem => {
            for m in HTTP_METHODS {
                one(m, Kind::Operation);
            }
        }
        Kind::Operation => one("requestBody", Kind::RequestBody),
        Kind::Parameter | Kind::Header | Kind::MediaType => one("schema", Kind::Schema),
        Kind::Schema => {
            one("items", Kind::Schema);
            one("not", Kind::Schema);
            if map
                .get("additionalProperties")
                .is_some_and(Value::is_object)
            {
                one("additionalProperties", Kind::Schema);
            }
        }
        _ => {}
    }
    let mut list = |key: &str, kind: Kind| {
        if let Some(items) = map.get(key).and_then(Value::as_array) {
            for (i, v) in items.iter().enumerate() {
                out.push((format!("{at}/{}/{i}", pointer::escape(key)), kind, v));
            }
        }
    };
    match kind {
        Kind::PathItem | Kind::Operation => list("parameters", Kind::Parameter),
        Kind::Schema => {
            list("allOf", Kind::Schema);
            list("oneOf", Kind::Schema);
            list("anyOf", Kind::Schema);
        }
        _ => {}
    }
    let mut entries = |key: &str, kind: Kind| {
        if let Some(m) = map.get(key).and_then(Value::as_object) {
            for (name, v) in m {
                out.push((
                    format!("{at}/{}/{}", pointer::escape(key), pointer::escape(name)),
                    kind,
                    v,
                ));
            }
        }
    };
    match kind {
        Kind::Operation => {
            entries("responses", Kind::Response);
            entries("callbacks", Kind::Callback);
        }
        Kind::Callback => {
            for (expr, item) in map {
                out.push((
                    format!("{at}/{}", pointer::escape(expr)),
                    Kind::PathItem,
                    item,
                ));
            }
        }
        Kind::Parameter | Kind::Header => {
            entries("content", Kind::MediaType);
            entries("examples", Kind::Example);
        }
        Kind::RequestBody => entries("content", Kind::MediaType),
        Kind::Response => {
            entries("headers", Kind::Header);
            entries("content", Kind::MediaType);
            entries("links", Kind::Link);
        }
        Kind::MediaType => {
            entries("examples", Kind::Example);
            if let Some(enc) = map.get("encoding").and_then(Value::as_object) {
                for (name, e) in enc {
                    if let Some(hs) = e.get("headers").and_then(Value::as_object) {
                        for (h, v) in hs {
                            let rest =
                                pointer::join(["encoding", name.as_str(), "headers", h.as_str()]);
                            out.push((format!("{at}{rest}"), Kind::Header, v));
                        }
                    }
                }
            }
        }
        Kind::Schema => entries("properties", Kind::Schema),
        _ => {}
    }
}
