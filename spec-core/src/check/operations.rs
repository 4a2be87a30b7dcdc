//! Paths and operations: path templates that parse, path parameters that match their template
//! both ways and are required, no parameter twice in one list, unique `operationId`s, at least
//! one response with a valid status key each, and security requirements that name declared
//! schemes. These are what the mock routes and the runner plans by; a mismatch would have them
//! serve or test an operation the spec does not describe.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use super::Found;
use super::nodes::{Kind, Nodes};
use crate::paths::HTTP_METHODS;
use crate::pointer;

const LOCATIONS: &[&str] = &["query", "header", "path", "cookie"];

pub(super) fn check(root: &Value, nodes: &Nodes<'_>, found: &mut Found) {
    for (at, kind, map) in &nodes.objects {
        match kind {
            Kind::Parameter => parameter(at, map, found),
            Kind::Header => match (map.contains_key("schema"), map.contains_key("content")) {
                (false, false) => found.invalid(at, "a header needs `schema` or `content`"),
                (true, true) => found.invalid(at, "a header has `schema` or `content`, not both"),
                _ => {}
            },

            Kind::Response if !map.contains_key("description") => found.invalid(
                format!("{at}/description"),
                "a response needs a `description`",
            ),
            _ => {}
        }
        // Media types are `type/subtype` (with `*` wildcards); the mock and the runner match
        // `Content-Type` against them.
        if matches!(
            kind,
            Kind::RequestBody | Kind::Response | Kind::Parameter | Kind::Header
        ) {
            for media in map
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|c| c.keys())
            {
                let essence = media.split(';').next().unwrap_or("").trim();
                let parts: Vec<&str> = essence.split('/').collect();
                if parts.len() != 2 || parts.iter().any(|p| p.is_empty() || p.contains(' ')) {
                    found.invalid(
                        format!("{at}/content/{}", pointer::escape(media)),
                        format!("`{media}` is not a media type (type/subtype)"),
                    );
                }
            }
        }
    }
    let schemes: HashSet<&str> = root
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    security(root.get("security"), "/security", &schemes, found);
    let mut ids: HashMap<&str, String> = HashMap::new();
    let mut reported: HashSet<String> = HashSet::new();
    let Some(paths) = root.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        let item_at = pointer::join(["paths", path.as_str()]);
        if path.starts_with("x-") {
            continue;
        }
        if !path.starts_with('/') {
            found.invalid(&item_at, format!("path `{path}` must start with `/`"));
            continue;
        }
        let template = match template_names(path) {
            Ok(names) => names,
            Err(why) => {
                found.invalid(&item_at, format!("path template `{path}`: {why}"));
                continue;
            }
        };
        let Some(item) = item.as_object() else {
            continue;
        };
        let item_params = parameters(root, item, &item_at, found);
        for method in HTTP_METHODS {
            let Some(op) = item.get(*method).and_then(Value::as_object) else {
                continue;
            };
            let op_at = format!("{item_at}/{method}");
            if let Some(id) = op.get("operationId").and_then(Value::as_str)
                && let Some(first) = ids.insert(id, op_at.clone())
            {
                found.invalid(
                    format!("{op_at}/operationId"),
                    format!("operationId `{id}` is also used by {first}"),
                );
            }
            let own = parameters(root, op, &op_at, found);
            // The operation's own parameters override the path item's of the same name and place.
            let mut effective = own.clone();
            for p in &item_params {
                if !own.iter().any(|o| o.same(p)) {
                    effective.push(p.clone());
                }
            }
            let mut declared = BTreeSet::new();
            for p in effective.iter().filter(|p| p.location == "path") {
                declared.insert(p.name.clone());
                if !template.contains(&p.name) && reported.insert(p.at.clone()) {
                    found.invalid(
                        &p.at,
                        format!("path parameter `{}` is not in the path `{path}`", p.name),
                    );
                }
                if !p.required && reported.insert(format!("{}/required", p.target)) {
                    let at = if p.has_required {
                        format!("{}/required", p.target)
                    } else {
                        p.target.clone()
                    };
                    found.invalid(
                        at,
                        format!("path parameter `{}` must say `required: true`", p.name),
                    );
                }
            }
            for name in template.iter().filter(|n| !declared.contains(*n)) {
                found.invalid(
                    &op_at,
                    format!(
                        "`{{{name}}}` of the path `{path}` is not declared as a path parameter"
                    ),
                );
            }
            responses(op, &op_at, found);
            security(
                op.get("security"),
                &format!("{op_at}/security"),
                &schemes,
                found,
            );
        }
    }
}

/// One parameter as an operation sees it.
#[derive(Clone)]
struct Param {
    /// Where it is listed.
    at: String,
    /// Where its object is (the `$ref` target, or `at`).
    target: String,
    name: String,
    location: String,
    required: bool,
    has_required: bool,
}

impl Param {
    fn same(&self, other: &Param) -> bool {
        self.location == other.location
            && if self.location == "header" {
                self.name.eq_ignore_ascii_case(&other.name)
            } else {
                self.name == other.name
            }
    }
}

/// The parameters listed in `owner`, with duplicates within the list reported.
fn parameters(root: &Value, owner: &Map<String, Value>, at: &str, found: &mut Found) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    for (i, entry) in owner
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let listed = format!("{at}/parameters/{i}");
        let (target, p) = follow(root, &listed, entry);
        let (Some(name), Some(location)) = (
            p.get("name").and_then(Value::as_str),
            p.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        let param = Param {
            at: listed.clone(),
            target,
            name: name.to_owned(),
            location: location.to_owned(),
            required: p.get("required") == Some(&Value::Bool(true)),
            has_required: p.get("required").is_some(),
        };
        if let Some(first) = out.iter().find(|q| q.same(&param)) {
            found.invalid(
                listed,
                format!(
                    "{location} parameter `{name}` is listed twice (first at {})",
                    first.at
                ),
            );
            continue;
        }
        out.push(param);
    }
    out
}

/// Follow `$ref`s from `node` (at `at`) to the object they name, with its pointer.
fn follow<'a>(root: &'a Value, at: &str, mut node: &'a Value) -> (String, &'a Value) {
    let mut here = at.to_owned();
    for _ in 0..32 {
        let Some(target) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match crate::refs::resolve(root, target) {
            Some(next) => {
                here = target.trim_start_matches('#').to_owned();
                node = next;
            }
            None => break,
        }
    }
    (here, node)
}

fn parameter(at: &str, p: &Map<String, Value>, found: &mut Found) {
    match p.get("in") {
        Some(Value::String(l)) if LOCATIONS.contains(&l.as_str()) => {}
        Some(other) => found.invalid(
            format!("{at}/in"),
            format!(
                "unknown parameter location {other}: one of {}",
                LOCATIONS.join(", ")
            ),
        ),
        None => found.invalid(format!("{at}/in"), "a parameter needs `in`"),
    }
    if !p.get("name").is_some_and(Value::is_string) {
        found.invalid(format!("{at}/name"), "a parameter needs a `name`");
    }
    match (p.contains_key("schema"), p.contains_key("content")) {
        (false, false) => found.invalid(at, "a parameter needs `schema` or `content`"),
        (true, true) => found.invalid(at, "a parameter has `schema` or `content`, not both"),
        _ => {}
    }
}

fn responses(op: &Map<String, Value>, at: &str, found: &mut Found) {
    let here = format!("{at}/responses");
    let Some(responses) = op.get("responses") else {
        found.invalid(&here, "an operation needs `responses`");
        return;
    };
    let Some(responses) = responses.as_object() else {
        return;
    };
    let mut any = false;
    for code in responses.keys().filter(|k| !k.starts_with("x-")) {
        any = true;
        if !valid_status(code) {
            found.invalid(
                format!("{here}/{}", pointer::escape(code)),
                format!("`{code}` is not a status: use 100 to 599, 1XX to 5XX, or default"),
            );
        }
    }
    if !any {
        found.invalid(
            here,
            "`responses` is empty: an operation documents at least one response",
        );
    }
}

fn valid_status(code: &str) -> bool {
    let b = code.as_bytes();
    code == "default"
        || (b.len() == 3
            && (b'1'..=b'5').contains(&b[0])
            && ((b[1..].iter().all(u8::is_ascii_digit)) || (b[1..] == *b"XX" || b[1..] == *b"xx")))
}

fn security(list: Option<&Value>, at: &str, schemes: &HashSet<&str>, found: &mut Found) {
    for (i, req) in list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for name in req.as_object().into_iter().flat_map(|m| m.keys()) {
            if !schemes.contains(name.as_str()) {
                found.invalid(
                    format!("{at}/{i}/{}", pointer::escape(name)),
                    format!(
                        "security scheme `{name}` is not declared in components/securitySchemes"
                    ),
                );
            }
        }
    }
}

/// The parameter names of a path template, or why it does not parse.
fn template_names(path: &str) -> Result<BTreeSet<String>, String> {
    let mut names = BTreeSet::new();
    let mut open: Option<usize> = None;
    for (i, c) in path.char_indices() {
        match (c, open) {
            ('{', None) => open = Some(i + 1),
            ('{', Some(_)) => return Err("`{` inside `{…}`".into()),
            ('}', None) => return Err("`}` without `{`".into()),
            ('}', Some(start)) => {
                let name = &path[start..i];
                if name.is_empty() {
                    return Err("empty `{}`".into());
                }
                if !names.insert(name.to_owned()) {
                    return Err(format!("`{{{name}}}` appears twice"));
                }
                open = None;
            }
            _ => {}
        }
    }
    match open {
        Some(_) => Err("`{` is never closed".into()),
        None => Ok(names),
    }
}
