//! Filling an answer the mock already made (the spec's example or generated data) with stored
//! items, so it says what the players did and still has the shape the spec documents: each item
//! fills the fields of a template (the answer's own value at that place, or the first element of its
//! list), and every stored leaf takes the type of the template's leaf it replaces (`"true"` from a
//! form becomes `true` where the answer has a boolean, `350` becomes `"350"` where it has text).
//! The mock validates the result and keeps the unfilled answer when it does not validate.

use std::borrow::{Borrow, Cow};

use gamespec_spec::pointer;
use serde_json::{Map, Value};

use crate::mock::state::fill::Filler;

/// `item` merged over `template`: objects field by field, leaves converted to the template's
/// type where they can be. Only the template's fields are filled (a stored field the answer
/// does not carry, like `is_public` where the write answer names it `public`, stays out); an
/// empty template takes the item whole.
pub fn merged(template: &Value, item: &Value) -> Value {
    match (template, item) {
        (Value::Object(t), Value::Object(i)) if t.is_empty() => Value::Object(i.clone()),
        // Built in the template's order in one pass: a list of 1,000 items fills a template
        // 1,000 times per read, so no field is copied only to be replaced.
        (Value::Object(t), Value::Object(i)) => Value::Object(
            t.iter()
                .map(|(k, tv)| {
                    let v = match i.get(k) {
                        Some(v) => merged(tv, v),
                        None => tv.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        (Value::Object(_), _) | (_, Value::Object(_)) | (_, Value::Array(_)) => item.clone(),
        (t, i) => coerced(t, i),
    }
}

/// `newer` laid over `older` for storing: objects joined field by field (the newer value wins),
/// anything else replaced.
pub fn overlaid(older: &Value, newer: &Value) -> Value {
    match (older, newer) {
        (Value::Object(o), Value::Object(n)) => {
            let mut out = o.clone();
            for (k, v) in n {
                let joined = match o.get(k) {
                    Some(ov) => overlaid(ov, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), joined);
            }
            Value::Object(out)
        }
        _ => newer.clone(),
    }
}

/// A leaf converted to the type of `like`, or unchanged when it does not convert.
pub fn coerced(like: &Value, value: &Value) -> Value {
    // A leaf of the template's type already converts to itself (an integer stays one where
    // the template has a float, whose conversion writes it as a float).
    let same = match (like, value) {
        (Value::String(_), Value::String(_)) | (Value::Bool(_), Value::Bool(_)) => true,
        (Value::Number(l), Value::Number(v)) => match l.is_f64() {
            true => v.is_f64(),
            false => v.is_i64(),
        },
        _ => false,
    };
    if same {
        return value.clone();
    }
    let text = text(value);
    let converted = match like {
        Value::String(_) => text.map(Value::String),
        Value::Bool(_) => text.and_then(|t| t.parse::<bool>().ok()).map(Value::Bool),
        Value::Number(n) if n.is_f64() => text
            .and_then(|t| t.parse::<f64>().ok())
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Value::Number(_) => text
            .and_then(|t| t.parse::<i64>().ok())
            .map(|n| Value::Number(n.into())),
        _ => None,
    };
    converted.unwrap_or_else(|| value.clone())
}

/// The text of a scalar (strings as they are, numbers and booleans written out).
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The template for one item at `at`: the object there, the first element of the list there,
/// or an empty object.
fn template_at(answer: &Value, at: &str) -> Value {
    match pointer::get(answer, at) {
        Some(v @ Value::Object(_)) => v.clone(),
        Some(Value::Array(items)) => items
            .first()
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new())),
        _ => Value::Object(Map::new()),
    }
}

/// Put one item at `at` of `answer`, merged over what is there.
pub fn one(answer: &mut Value, at: &str, item: &Value) {
    let value = merged(&template_at(answer, at), item);
    set(answer, at, value);
}

/// Put a list of items at `at` of `answer`, each merged over the list's first element.
pub fn list(answer: &mut Value, at: &str, items: &[Value]) {
    let items: Vec<(&Value, usize)> = items.iter().zip(1..).collect();
    ranked_list(answer, at, &items, None);
}

/// [`list`] of borrowed or shared items, each with its rank (from 1) written at the pointer
/// `rank` when given.
pub fn ranked_list<V: Borrow<Value>>(
    answer: &mut Value,
    at: &str,
    items: &[(V, usize)],
    rank: Option<&str>,
) {
    let template = template_at(answer, at);
    let mut filler = Filler::new(&template);
    let value = Value::Array(
        items
            .iter()
            .map(|(item, place)| {
                let mut value = filler.fill(item.borrow());
                if let Some(rank) = rank {
                    set(&mut value, rank, Value::from(*place as u64));
                }
                value
            })
            .collect(),
    );
    set(answer, at, value);
}

/// Write `value` at the JSON pointer `at`, making objects along the way ("" replaces the whole).
pub fn set(target: &mut Value, at: &str, value: Value) {
    if at.is_empty() {
        *target = value;
        return;
    }
    let mut here = target;
    // Unescaping allocates only for the rare segment that has an escape in it.
    let segments: Vec<Cow<'_, str>> = at
        .trim_start_matches('/')
        .split('/')
        .map(|s| match s.contains('~') {
            true => Cow::Owned(s.replace("~1", "/").replace("~0", "~")),
            false => Cow::Borrowed(s),
        })
        .collect();
    let Some((last, path)) = segments.split_last() else {
        return;
    };
    for segment in path {
        if !here.is_object() {
            *here = Value::Object(Map::new());
        }
        let Value::Object(map) = here else {
            return;
        };
        here = map
            .entry(segment.as_ref())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !here.is_object() {
        *here = Value::Object(Map::new());
    }
    if let Value::Object(map) = here {
        map.insert(last.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_take_the_template_s_shape_and_types() {
        let mut answer =
            json!({"items": [{"id": 1, "public": false, "name": "a.sav"}], "total": 9});
        list(
            &mut answer,
            "/items",
            &[json!({"id": "7", "public": "true"}), json!({"id": 8})],
        );
        assert_eq!(
            answer,
            json!({"items": [
                {"id": 7, "public": true, "name": "a.sav"},
                {"id": 8, "public": false, "name": "a.sav"}
            ], "total": 9})
        );
        let mut balance = json!({"amount": "350", "currency": {"id": "x", "code": "gems"}});
        one(
            &mut balance,
            "",
            &json!({"amount": 75, "currency": {"id": "y"}}),
        );
        assert_eq!(
            balance,
            json!({"amount": "75", "currency": {"id": "y", "code": "gems"}})
        );
    }

    #[test]
    fn leaves_take_the_template_s_type_whether_or_not_they_have_it() {
        let cases = [
            (json!(1.5), json!(2), "2.0"),
            (json!(1.5), json!(2.25), "2.25"),
            (json!(1), json!(7), "7"),
            (json!(1), json!(1.5), "1.5"),
            (json!(1), json!("12"), "12"),
            (json!(1), json!(u64::MAX), "18446744073709551615"),
            (json!("s"), json!("t"), "\"t\""),
            (json!("s"), json!(5), "\"5\""),
            (json!(true), json!("false"), "false"),
            (json!(true), json!(false), "false"),
            (json!(null), json!("x"), "\"x\""),
        ];
        for (like, value, written) in cases {
            assert_eq!(
                coerced(&like, &value).to_string(),
                written,
                "{value} like {like}"
            );
        }
        let order = merged(
            &json!({"b": 1, "a": "x", "c": {"d": 0}}),
            &json!({"a": 2, "z": 1}),
        );
        assert_eq!(order.to_string(), r#"{"b":1,"a":"2","c":{"d":0}}"#);
    }

    #[test]
    fn set_makes_the_way() {
        let mut v = json!(null);
        set(&mut v, "/user/id", json!("u"));
        assert_eq!(v, json!({"user": {"id": "u"}}));
    }
}
