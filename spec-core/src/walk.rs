//! Visiting every object node of a JSON document with its JSON pointer.

use std::fmt::Write;

use serde_json::{Map, Value};

use crate::pointer;

/// Call `visit(pointer, object)` for every object in `root`, parents before children, in
/// document order.
pub fn objects<'a>(root: &'a Value, visit: &mut impl FnMut(&str, &'a Map<String, Value>)) {
    walk(root, &mut String::new(), visit);
}

/// One pointer buffer for the whole walk, grown and cut back at each step, and no step into
/// scalars: a pointer text per node was most of the walk's time on a large spec.
fn walk<'a>(
    node: &'a Value,
    at: &mut String,
    visit: &mut impl FnMut(&str, &'a Map<String, Value>),
) {
    let nested = |v: &Value| v.is_object() || v.is_array();
    match node {
        Value::Object(map) => {
            visit(at, map);
            for (k, v) in map.iter().filter(|(_, v)| nested(v)) {
                let len = at.len();
                at.push('/');
                pointer::push_escaped(at, k);
                walk(v, at, visit);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate().filter(|(_, v)| nested(v)) {
                let len = at.len();
                // Writing to a String cannot fail.
                let _ = write!(at, "/{i}");
                walk(v, at, visit);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn visits_every_object_with_its_pointer() {
        let doc = json!({"a": [{"b": 1}, 2, [{"e~": {}}]], "c/d": {}, "f": "g"});
        let mut seen = Vec::new();
        super::objects(&doc, &mut |at, _| seen.push(at.to_owned()));
        assert_eq!(seen, ["", "/a/0", "/a/2/0", "/a/2/0/e~0", "/c~1d"]);
    }
}
