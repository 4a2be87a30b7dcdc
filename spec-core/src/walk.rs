//! Visiting every object node of a JSON document with its JSON pointer.

use serde_json::{Map, Value};

use crate::pointer;

/// Call `visit(pointer, object)` for every object in `root`, parents before children, in
/// document order.
pub fn objects<'a>(root: &'a Value, visit: &mut impl FnMut(&str, &'a Map<String, Value>)) {
    walk(root, String::new(), visit);
}

fn walk<'a>(node: &'a Value, at: String, visit: &mut impl FnMut(&str, &'a Map<String, Value>)) {
    match node {
        Value::Object(map) => {
            visit(&at, map);
            for (k, v) in map {
                walk(v, format!("{at}/{}", pointer::escape(k)), visit);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{at}/{i}"), visit);
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
        let doc = json!({"a": [{"b": 1}, 2], "c/d": {}});
        let mut seen = Vec::new();
        super::objects(&doc, &mut |at, _| seen.push(at.to_owned()));
        assert_eq!(seen, ["", "/a/0", "/c~1d"]);
    }
}
