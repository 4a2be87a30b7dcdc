//! The examples phase: the spec's own examples, one case per named example of the first media
//! type's body, with parameters from their examples.

use serde_json::Value;

use super::request::{body_value, empty_where_forbidden, insert, param_value};
use super::strategy::{Optional, sample};
use crate::case::{Case, CaseBody, Intent, Phase};
use gamespec_spec::spec::{Operation, Spec};

/// The example cases of `op` (at least one). A parameter takes its example (parameter or
/// schema level); a required one without example takes a fixed-seed generated value; an
/// optional one without example is left out. An empty example of a query parameter without
/// `allowEmptyValue` counts as no example. Without body examples, a required body is a
/// fixed-seed generated value.
pub fn cases(spec: &Spec, op: &Operation) -> Vec<Case> {
    let mut base = Case::new(op, Phase::Examples, Intent::Valid);
    for p in &op.parameters {
        // An example the parameter cannot carry (`?name=` without `allowEmptyValue`) is
        // treated as no example.
        let example = p.example.as_ref().filter(|v| !empty_where_forbidden(p, v));
        let value = match example {
            Some(v) => Some(v.clone()),
            None if p.required => param_value(spec, p, Optional::Random)
                .ok()
                .and_then(|s| sample(&s)),
            None => None,
        };
        if let Some(v) = value {
            insert(&mut base, p.location, &p.name, v);
        }
    }
    let Some((required, media)) = &op.body else {
        return vec![base];
    };
    let Some(m) = media.first() else {
        return vec![base];
    };
    let mut values: Vec<Value> = Vec::new();
    for e in &m.examples {
        if !values.contains(&e.value) {
            values.push(e.value.clone());
        }
    }
    if values.is_empty()
        && *required
        && let Some(v) = body_value(spec, m, Optional::Random)
            .ok()
            .and_then(|s| sample(&s))
    {
        values.push(v);
    }
    if values.is_empty() {
        return vec![base];
    }
    values
        .into_iter()
        .map(|value| {
            let mut case = base.clone();
            case.body = Some(CaseBody {
                media_type: m.media_type.clone(),
                value,
                raw: None,
            });
            case
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::query_fixture::{operation, spec_with};
    use super::*;

    #[test]
    fn empty_examples_of_query_parameters_count_as_none() {
        let spec = spec_with(json!(""));
        let op = operation(&spec);
        let case = &cases(&spec, op)[0];
        // `q` is required: a generated value instead; `kind` is optional: left out.
        let q = case.query.get("q").and_then(Value::as_str).unwrap();
        assert!(!q.is_empty());
        assert!(!case.query.contains_key("kind"));
        let spec = spec_with(json!("a"));
        let case = &cases(&spec, operation(&spec))[0];
        assert_eq!(case.query.get("q"), Some(&json!("a")));
        assert_eq!(case.query.get("kind"), Some(&json!("a")));
    }
}
