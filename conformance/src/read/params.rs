//! Parameters (path, query, header, cookie) read from their raw text: found by name where
//! their location puts them, split into items where they are lists, coerced by their schema's
//! type with [`coerce`], then judged by their compiled validator.

use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use super::problem::{Problem, located};
use super::{Parts, coercion};
use gamespec_spec::shape::{coerce, deref};
use gamespec_spec::spec::{ParamLocation, Parameter};

/// Whether `?name=` is invalid for `p`: a query parameter without `allowEmptyValue: true`
/// (OpenAPI 3.0.3 allows empty values nowhere else, and only where declared).
pub fn forbids_empty(p: &Parameter) -> bool {
    p.location == ParamLocation::Query && !p.allow_empty
}

/// The items of an array parameter as a server reads them off the wire: one per occurrence
/// where the parameter is exploded, else the comma-separated parts of its value (headers are
/// always `simple`, so comma-joined). [`crate::wire`] writes them the same way.
pub fn items(raw: &[String], explode: bool, location: ParamLocation) -> Vec<String> {
    if explode && location != ParamLocation::Header {
        return raw.to_vec();
    }
    raw.iter()
        .filter(|r| !r.is_empty())
        .flat_map(|r| r.split(',').map(|s| s.trim().to_owned()))
        .collect()
}

/// The reading of one parameter, owned (no borrow of the spec).
#[derive(Debug)]
pub(super) struct ParamReader {
    name: String,
    location: ParamLocation,
    /// `location/name`, written once: every read of a request names its parameters by it.
    key: String,
    required: bool,
    array: bool,
    explode: bool,
    forbids_empty: bool,
    /// Coercion of the value (or of each item, for arrays).
    scalar: Value,
    validator: Arc<Validator>,
}

impl ParamReader {
    pub(super) fn new(root: &Value, p: &Parameter) -> ParamReader {
        let scalar = if p.is_array {
            let items = deref(root, &p.schema)
                .get("items")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({}));
            coercion(root, &items)
        } else {
            coercion(root, &p.schema)
        };
        ParamReader {
            name: p.name.clone(),
            location: p.location,
            key: format!("{}/{}", p.location.as_str(), p.name),
            required: p.required,
            array: p.is_array,
            explode: p.explode,
            forbids_empty: forbids_empty(p),
            scalar,
            validator: p.validator.clone(),
        }
    }

    /// Where problems of this parameter are located: `query/count`.
    pub(super) fn location(&self) -> String {
        self.key.clone()
    }

    /// Every text the request gives this parameter, in order.
    fn raw(&self, parts: &Parts<'_>) -> Vec<String> {
        let named = |pairs: &[(String, String)]| -> Vec<String> {
            pairs
                .iter()
                .filter(|(k, _)| *k == self.name)
                .map(|(_, v)| v.clone())
                .collect()
        };
        match self.location {
            ParamLocation::Path => parts
                .path
                .iter()
                .filter(|(k, _)| *k == self.name)
                .map(|(_, v)| {
                    percent_encoding::percent_decode_str(v)
                        .decode_utf8_lossy()
                        .into_owned()
                })
                .collect(),
            ParamLocation::Query => named(parts.query),
            ParamLocation::Header => parts
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(&self.name))
                .map(|(_, v)| v.clone())
                .collect(),
            ParamLocation::Cookie => parts
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
                .flat_map(|(_, c)| c.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .filter(|(k, _)| *k == self.name)
                .map(|(_, v)| v.to_owned())
                .collect(),
        }
    }

    /// The parameter's value in `parts`, `None` when it is absent or has a problem (pushed to
    /// `out`).
    pub(super) fn read(&self, parts: &Parts<'_>, out: &mut Vec<Problem>) -> Option<Value> {
        let raw = self.raw(parts);
        if raw.is_empty() {
            if self.required {
                out.push(Problem::contract(self.location(), "required but not sent"));
            }
            return None;
        }
        if self.forbids_empty && raw.iter().any(String::is_empty) {
            out.push(Problem::contract(
                self.location(),
                "empty value, but the parameter does not allow empty values (allowEmptyValue)",
            ));
            return None;
        }
        let value = if self.array {
            let parts = items(&raw, self.explode, self.location);
            Value::Array(
                parts
                    .iter()
                    .map(|s| coerce(&Value::Null, &self.scalar, s))
                    .collect(),
            )
        } else {
            if raw.len() > 1 && self.location == ParamLocation::Query {
                out.push(Problem::contract(
                    self.location(),
                    format!("given {} times but takes one value", raw.len()),
                ));
                return None;
            }
            coerce(&Value::Null, &self.scalar, &raw[0])
        };
        // Most values pass, and asking only whether one does is cheaper than collecting errors.
        if self.validator.is_valid(&value) {
            return Some(value);
        }
        let before = out.len();
        let at = self.location();
        out.extend(self.validator.iter_errors(&value).map(|e| located(&at, &e)));
        (out.len() == before).then_some(value)
    }
}
