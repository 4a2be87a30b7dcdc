//! The examples phase: the spec's own examples, one case per named example of the first media
//! type's body, with parameters from their examples.

use serde_json::Value;

use super::request::{blank, body_value, insert, param_value};
use super::strategy::{Optional, sample};
use crate::case::{Case, CaseBody, Intent, Phase};
use crate::spec::{Operation, Spec};

/// The example cases of `op` (at least one). A parameter takes its example (parameter or
/// schema level); a required one without example takes a fixed-seed generated value; an
/// optional one without example is left out. Without body examples, a required body is a
/// fixed-seed generated value.
pub fn cases(spec: &Spec, op: &Operation) -> Vec<Case> {
    let mut base = blank(op, Phase::Examples, Intent::Valid);
    for p in &op.parameters {
        let value = match &p.example {
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
