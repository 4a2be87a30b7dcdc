//! Strategies for whole requests of one operation: a value per parameter (optional ones as the
//! policy says) and a body of one of the declared media types, assembled into a [`Case`].

use proptest::strategy::{BoxedStrategy, Just, Strategy, Union};
use serde_json::Value;

use super::GenError;
use super::strategy::{Builder, Carrier, Optional};
use crate::case::{Case, CaseBody, Intent, Phase};
use crate::read::{forbids_empty, is_json};
use crate::wire::text;
use gamespec_spec::spec::{Media, Operation, ParamLocation, Parameter, Spec};

/// Put a parameter value into the map of its location.
pub fn insert(case: &mut Case, location: ParamLocation, name: &str, value: Value) {
    let map = match location {
        ParamLocation::Path => &mut case.path_params,
        ParamLocation::Query => &mut case.query,
        ParamLocation::Header => &mut case.headers,
        ParamLocation::Cookie => &mut case.cookies,
    };
    map.insert(name.to_owned(), value);
}

/// How a parameter's value travels: path segments, headers, cookies and comma-joined lists
/// are tokens; other query values are text.
fn carrier(p: &Parameter) -> Carrier {
    match p.location {
        ParamLocation::Query if !p.is_array || p.explode => Carrier::Text,
        _ => Carrier::Token,
    }
}

/// Whether `value` of `p` would be sent as `?name=` where [`forbids_empty`] says it must not:
/// the text is empty, or for an exploded list, one item's text is.
pub fn empty_where_forbidden(p: &Parameter, value: &Value) -> bool {
    if !forbids_empty(p) {
        return false;
    }
    match value {
        // One pair per item (none without items).
        Value::Array(items) if p.explode => items.iter().any(|i| text(i).is_empty()),
        // One comma-joined pair, empty without items or with one empty item.
        Value::Array(items) => items.len() < 2 && items.iter().all(|i| text(i).is_empty()),
        v => text(v).is_empty(),
    }
}

/// Values of parameter `p`; never empty on the wire where [`forbids_empty`] says so.
pub fn param_value(
    spec: &Spec,
    p: &Parameter,
    optional: Optional,
) -> Result<BoxedStrategy<Value>, GenError> {
    let at = format!("{}/{}", p.location.as_str(), p.name);
    let builder = Builder::new(&spec.root, carrier(p), optional);
    let mut builder = if forbids_empty(p) {
        builder.non_empty()
    } else {
        builder
    };
    builder.build(&p.schema, &at)
}

/// Values of a body of media type `m`.
pub fn body_value(
    spec: &Spec,
    m: &Media,
    optional: Optional,
) -> Result<BoxedStrategy<Value>, GenError> {
    let carrier = if is_json(&m.media_type) {
        Carrier::Json
    } else {
        Carrier::Text
    };
    Builder::new(&spec.root, carrier, optional).build(&m.schema, "body")
}

/// Cases of `op` whose values are schema-valid by construction, for `phase` with intent
/// [`Intent::Valid`]. Optional parameters and properties are present as `optional` says.
pub fn strategy(
    spec: &Spec,
    op: &Operation,
    optional: Optional,
    phase: Phase,
) -> Result<BoxedStrategy<Case>, GenError> {
    let mut places = Vec::new();
    let mut parts: Vec<BoxedStrategy<Option<Value>>> = Vec::new();
    for p in &op.parameters {
        if !p.required && optional == Optional::Never {
            continue;
        }
        let value = match param_value(spec, p, optional) {
            Ok(v) => v,
            Err(e) if p.required => return Err(e),
            // An optional parameter nothing can satisfy is never sent.
            Err(_) => continue,
        };
        let part = if p.required || optional == Optional::Always {
            value.prop_map(Some).boxed()
        } else {
            proptest::option::of(value).boxed()
        };
        places.push((p.location, p.name.clone()));
        parts.push(part);
    }
    let body = body(spec, op, optional)?;
    let template = Case::new(op, phase, Intent::Valid);
    Ok((parts, body)
        .prop_map(move |(values, body)| {
            let mut case = template.clone();
            for ((location, name), value) in places.iter().zip(values) {
                if let Some(value) = value {
                    insert(&mut case, *location, name, value);
                }
            }
            case.body = body;
            case
        })
        .boxed())
}

fn body(
    spec: &Spec,
    op: &Operation,
    optional: Optional,
) -> Result<BoxedStrategy<Option<CaseBody>>, GenError> {
    let Some((required, media)) = &op.body else {
        return Ok(Just(None).boxed());
    };
    if !required && optional == Optional::Never {
        return Ok(Just(None).boxed());
    }
    let mut choices = Vec::new();
    let mut last_error = None;
    for m in media {
        match body_value(spec, m, optional) {
            Ok(values) => {
                let media_type = m.media_type.clone();
                choices.push(
                    values
                        .prop_map(move |value| CaseBody {
                            media_type: media_type.clone(),
                            value,
                            raw: None,
                        })
                        .boxed(),
                );
            }
            Err(e) => last_error = Some(e),
        }
    }
    if choices.is_empty() {
        return match (required, last_error) {
            (true, Some(e)) => Err(e),
            _ => Ok(Just(None).boxed()),
        };
    }
    let any = Union::new(choices).boxed();
    Ok(if *required || optional == Optional::Always {
        any.prop_map(Some).boxed()
    } else {
        proptest::option::of(any).boxed()
    })
}

#[cfg(test)]
mod tests {
    use proptest::test_runner::TestRunner;
    use serde_json::json;

    use super::super::query_fixture::{operation, sends_forbidden_empty, spec};
    use super::*;

    fn param<'o>(op: &'o Operation, name: &str) -> &'o Parameter {
        op.parameters.iter().find(|p| p.name == name).unwrap()
    }

    #[test]
    fn empty_on_the_wire_is_judged_per_serialisation() {
        let spec = spec();
        let op = operation(&spec);
        let (q, tags, ids) = (param(op, "q"), param(op, "tags"), param(op, "ids"));
        assert!(forbids_empty(q) && forbids_empty(tags) && forbids_empty(ids));
        assert!(!forbids_empty(param(op, "blank")));
        assert!(!forbids_empty(param(op, "X-Note")));
        assert!(empty_where_forbidden(q, &json!("")));
        assert!(!empty_where_forbidden(q, &json!(" ")));
        // Exploded: one pair per item, none without items.
        assert!(empty_where_forbidden(tags, &json!(["a", ""])));
        assert!(!empty_where_forbidden(tags, &json!([])));
        // Comma-joined: one pair, empty without items or with one empty item only.
        assert!(empty_where_forbidden(ids, &json!([])));
        assert!(empty_where_forbidden(ids, &json!([""])));
        assert!(!empty_where_forbidden(ids, &json!(["", ""])));
        assert!(!empty_where_forbidden(param(op, "blank"), &json!("")));
    }

    #[test]
    fn positive_values_are_empty_only_where_allowed() {
        let spec = spec();
        let op = operation(&spec);
        let cases = strategy(&spec, op, Optional::Random, Phase::Positive).unwrap();
        let mut runner = TestRunner::deterministic();
        let mut blank_empty = 0;
        for _ in 0..400 {
            let case = cases.new_tree(&mut runner).unwrap().current();
            assert!(!sends_forbidden_empty(op, &case), "{:?}", case.query);
            blank_empty += usize::from(case.query.get("blank") == Some(&json!("")));
        }
        // `allowEmptyValue: true` keeps the empty value among the valid ones.
        assert!(blank_empty > 0);
    }
}
