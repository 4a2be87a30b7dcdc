//! Places in a case (a parameter, the body, a field deep in the body) and the schema that
//! governs each value a case holds, so boundary and negative cases can change one value.

use serde_json::{Map, Value};

use crate::case::Case;
use crate::read::forbids_empty;
use gamespec_spec::shape::{deref, merge_all_of};
use gamespec_spec::spec::{Operation, ParamLocation, Spec};

/// Nesting beyond which a body is not searched for places.
const MAX_DEPTH: usize = 8;

/// What a place is inside of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// A parameter's value.
    Param(ParamLocation, String),
    /// The body's value.
    Body,
}

/// A value's place in a case: a root and the object keys or array indexes below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The parameter or body.
    pub root: Root,
    /// Keys and indexes from the root down.
    pub path: Vec<String>,
}

impl Place {
    /// The whole body.
    pub fn body() -> Place {
        Place {
            root: Root::Body,
            path: Vec::new(),
        }
    }

    /// A parameter's value.
    pub fn param(location: ParamLocation, name: &str) -> Place {
        Place {
            root: Root::Param(location, name.to_owned()),
            path: Vec::new(),
        }
    }

    /// The place of key or index `segment` below this one.
    pub fn child(&self, segment: &str) -> Place {
        let mut path = self.path.clone();
        path.push(segment.to_owned());
        Place {
            root: self.root.clone(),
            path,
        }
    }

    /// The location as [`crate::case::Intent::Invalid`] names it: `query/count`, `body/a/0`.
    pub fn location(&self) -> String {
        let place = match &self.root {
            Root::Param(loc, name) => format!("{}/{name}", loc.as_str()),
            Root::Body => "body".to_owned(),
        };
        crate::read::location(&place, &self.path)
    }

    /// The value at this place, if the case has one.
    pub fn get<'c>(&self, case: &'c Case) -> Option<&'c Value> {
        let mut v = match &self.root {
            Root::Param(loc, name) => params(case, *loc).get(name)?,
            Root::Body => &case.body.as_ref()?.value,
        };
        for segment in &self.path {
            v = match v {
                Value::Object(m) => m.get(segment)?,
                Value::Array(a) => a.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// Put `value` here; `false` when the parent is missing. In an array, the index just past
    /// the end appends.
    pub fn set(&self, case: &mut Case, value: Value) -> bool {
        let Some((last, parent)) = self.path.split_last() else {
            match &self.root {
                Root::Param(loc, name) => {
                    params_mut(case, *loc).insert(name.clone(), value);
                }
                Root::Body => match &mut case.body {
                    Some(body) => {
                        body.value = value;
                        body.raw = None;
                    }
                    None => return false,
                },
            }
            return true;
        };
        match self.parent_mut(case, parent) {
            Some(Value::Object(m)) => {
                m.insert(last.clone(), value);
                true
            }
            Some(Value::Array(a)) => match last.parse::<usize>() {
                Ok(i) if i < a.len() => {
                    a[i] = value;
                    true
                }
                Ok(i) if i == a.len() => {
                    a.push(value);
                    true
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Take the value away (a parameter unsent, a property deleted, the body dropped); `false`
    /// when there was nothing to remove.
    pub fn remove(&self, case: &mut Case) -> bool {
        let Some((last, parent)) = self.path.split_last() else {
            return match &self.root {
                Root::Param(loc, name) => params_mut(case, *loc).remove(name).is_some(),
                Root::Body => case.body.take().is_some(),
            };
        };
        match self.parent_mut(case, parent) {
            Some(Value::Object(m)) => m.remove(last).is_some(),
            Some(Value::Array(a)) => match last.parse::<usize>() {
                Ok(i) if i < a.len() => {
                    a.remove(i);
                    true
                }
                _ => false,
            },
            _ => false,
        }
    }

    fn parent_mut<'c>(&self, case: &'c mut Case, parent: &[String]) -> Option<&'c mut Value> {
        let mut v = match &self.root {
            Root::Param(loc, name) => params_mut(case, *loc).get_mut(name)?,
            Root::Body => &mut case.body.as_mut()?.value,
        };
        for segment in parent {
            v = match v {
                Value::Object(m) => m.get_mut(segment)?,
                Value::Array(a) => a.get_mut(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(v)
    }
}

fn params(case: &Case, loc: ParamLocation) -> &std::collections::BTreeMap<String, Value> {
    match loc {
        ParamLocation::Path => &case.path_params,
        ParamLocation::Query => &case.query,
        ParamLocation::Header => &case.headers,
        ParamLocation::Cookie => &case.cookies,
    }
}

fn params_mut(
    case: &mut Case,
    loc: ParamLocation,
) -> &mut std::collections::BTreeMap<String, Value> {
    match loc {
        ParamLocation::Path => &mut case.path_params,
        ParamLocation::Query => &mut case.query,
        ParamLocation::Header => &mut case.headers,
        ParamLocation::Cookie => &mut case.cookies,
    }
}

/// A value of a case and the schema that governs it (`$ref`s followed, `allOf` merged).
#[derive(Debug, Clone)]
pub struct Node {
    /// Where the value is.
    pub place: Place,
    /// Its schema.
    pub schema: Map<String, Value>,
    /// Whether the value travels as text (parameters, form fields) rather than JSON.
    pub text: bool,
    /// Whether empty text is invalid here: the value of a query parameter without
    /// `allowEmptyValue`, or for an exploded list, its item (each item is one `name=value`).
    pub filled: bool,
}

/// Every value of `case` that has a schema: each parameter sent, the body, and the body's
/// fields and first array items, outside `oneOf`/`anyOf` (whose branch is not known).
pub fn nodes(spec: &Spec, op: &Operation, case: &Case) -> Vec<Node> {
    let root = &spec.root;
    let mut out = Vec::new();
    for p in &op.parameters {
        let place = Place::param(p.location, &p.name);
        if let Some(v) = place.get(case) {
            let first = out.len();
            let filled = match (p.is_array && p.explode, v) {
                (true, Value::Array(_)) => place.child("0"),
                _ => place.clone(),
            };
            walk(root, v, &p.schema, place, true, 0, &mut out);
            if forbids_empty(p) {
                for node in &mut out[first..] {
                    node.filled = node.place == filled;
                }
            }
        }
    }
    if let Some(body) = &case.body
        && let Some((_, media)) = &op.body
        && let Some(m) = media.iter().find(|m| m.media_type == body.media_type)
    {
        let text = !(m.media_type == "application/json" || m.media_type.ends_with("+json"));
        walk(
            root,
            &body.value,
            &m.schema,
            Place::body(),
            text,
            0,
            &mut out,
        );
    }
    out
}

fn walk(
    root: &Value,
    value: &Value,
    schema: &Value,
    place: Place,
    text: bool,
    depth: usize,
    out: &mut Vec<Node>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut s = deref(root, schema).clone();
    if s.get("allOf").is_some() {
        s = merge_all_of(root, &s);
        if let Some(m) = s.as_object_mut() {
            m.remove("allOf");
        }
    }
    let Value::Object(s) = s else {
        return;
    };
    let composed = s.contains_key("oneOf") || s.contains_key("anyOf");
    let properties = s.get("properties").cloned();
    let items = s.get("items").cloned();
    out.push(Node {
        place: place.clone(),
        schema: s,
        text,
        filled: false,
    });
    if composed {
        return;
    }
    match value {
        Value::Object(fields) => {
            for (k, v) in fields {
                if let Some(prop) = properties.as_ref().and_then(|p| p.get(k)) {
                    walk(root, v, prop, place.child(k), text, depth + 1, out);
                }
            }
        }
        Value::Array(list) => {
            if let (Some(first), Some(items)) = (list.first(), &items) {
                walk(root, first, items, place.child("0"), text, depth + 1, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Auth, CaseBody, Intent, Phase};
    use serde_json::json;

    fn case() -> Case {
        Case {
            operation: "op".into(),
            method: "POST".into(),
            path: "/x".into(),
            path_params: Default::default(),
            query: [("n".to_owned(), json!(1))].into(),
            headers: Default::default(),
            cookies: Default::default(),
            body: Some(CaseBody {
                media_type: "application/json".into(),
                value: json!({"a": {"b": [1, 2]}}),
                raw: None,
            }),
            auth: Auth::Configured,
            phase: Phase::Negative,
            intent: Intent::Valid,
        }
    }

    #[test]
    fn filled_nodes_are_the_texts_of_query_pairs() {
        let spec = super::super::query_fixture::spec();
        let op = super::super::query_fixture::operation(&spec);
        let mut c = case();
        c.body = None;
        c.query = [
            ("q".to_owned(), json!("a")),
            ("tags".to_owned(), json!(["x"])),
            ("ids".to_owned(), json!(["y"])),
            ("blank".to_owned(), json!("b")),
        ]
        .into();
        c.headers = [("X-Note".to_owned(), json!("n"))].into();
        let filled: Vec<(String, bool)> = nodes(&spec, op, &c)
            .into_iter()
            .map(|n| (n.place.location(), n.filled))
            .collect();
        let expected = [
            ("query/q", true),
            ("query/tags", false),
            ("query/tags/0", true),
            ("query/ids", true),
            ("query/ids/0", false),
            ("query/blank", false),
            ("header/X-Note", false),
        ]
        .map(|(l, f)| (l.to_owned(), f));
        assert_eq!(filled, expected);
    }

    #[test]
    fn places_get_set_and_remove() {
        let mut c = case();
        let b0 = Place::body().child("a").child("b").child("0");
        assert_eq!(b0.location(), "body/a/b/0");
        assert_eq!(b0.get(&c), Some(&json!(1)));
        assert!(b0.set(&mut c, json!("x")));
        assert!(
            Place::body()
                .child("a")
                .child("b")
                .child("2")
                .set(&mut c, json!(3))
        );
        assert!(
            !Place::body()
                .child("a")
                .child("b")
                .child("9")
                .set(&mut c, json!(3))
        );
        assert!(!Place::body().child("nope").child("x").set(&mut c, json!(3)));
        assert_eq!(
            c.body.as_ref().unwrap().value,
            json!({"a": {"b": ["x", 2, 3]}})
        );
        assert!(Place::body().child("a").remove(&mut c));
        assert!(!Place::body().child("a").remove(&mut c));
        let q = Place::param(ParamLocation::Query, "n");
        assert_eq!(q.location(), "query/n");
        assert!(q.remove(&mut c));
        assert!(q.get(&c).is_none());
        assert!(Place::body().remove(&mut c));
        assert!(!Place::body().set(&mut c, json!(1)));
    }
}
