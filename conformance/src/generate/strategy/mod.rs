//! OpenAPI schema → proptest strategy of schema-valid JSON values: the one generator of the
//! runner's requests and the mock's answers. Values travel in one [`Direction`]: requests never
//! carry `readOnly` properties (the default), answers never carry `writeOnly` ones.
//!
//! Values shrink the proptest way: optional properties are `Option`s that shrink away, arrays
//! shrink in length, numbers towards zero or their lower bound, `oneOf` towards the first
//! branch, nullable values towards `null`.
//!
//! Fallbacks (never a panic; the caller's `validate` is the judge): an unparseable `pattern` or
//! an unknown `format` gives a plain string; `not` is ignored; a schema without any type gives
//! a string, integer, boolean or null; a `type` list takes its first non-null entry. Only a
//! schema nothing can satisfy (`minLength` above `maxLength`, empty `enum`, required
//! properties recursing without end) is an error, naming where.
//!
//! This module holds the builder and its dispatch on a schema's keywords (`$ref`, `nullable`,
//! `enum`, `allOf`, `type`); each kind of value is built in its own module: `object`, `array`,
//! `string` (shaped by `pattern` and `formats`), `number` and `choice` (`oneOf`/`anyOf`).

mod array;
mod choice;
mod formats;
mod number;
mod object;
mod pattern;
mod string;

use gamespec_spec::schema::Direction;
use proptest::prelude::any;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Just, Strategy, Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use super::GenError;
use gamespec_spec::shape::{deref, merge_all_of, type_name};

pub use number::{bound, integer_range};

/// Below this nesting depth optional properties and extra array items are generated; at and
/// beyond it only required ones, which keeps recursive schemas finite and values small.
const SHALLOW: usize = 4;
/// Required properties nesting deeper than this mean the schema recurses without end.
const MAX_DEPTH: usize = 12;
/// Schema nodes one builder expands before it treats everything further as shallow, so that a
/// wide schema cannot make building slow.
const NODE_BUDGET: usize = 4000;

/// How a value travels, which limits what it may look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// In a JSON body: any JSON value.
    Json,
    /// As text in a query value, form field or exploded list item: printable ASCII, no `null`
    /// (an empty text reads back as a string, not as null).
    Text,
    /// As a path segment, header, cookie or comma-joined list item: letters, digits, `-` and
    /// `_` only for plain strings, never empty, no `null` (separators would split the value).
    Token,
}

/// Which optional parts (properties, parameters, bodies, array items) a value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optional {
    /// Each optional part present or not at random; shrinking removes them.
    Random,
    /// No optional part: required properties only, arrays at `minItems`.
    Never,
    /// Every optional part (down to four levels of nesting), arrays with at least one item.
    Always,
}

/// Builds strategies for the schemas of one spec.
pub struct Builder<'a> {
    root: &'a Value,
    carrier: Carrier,
    optional: Optional,
    direction: Direction,
    nodes: usize,
    filled: bool,
}

impl<'a> Builder<'a> {
    /// A builder over `root` (the whole spec) for values carried by `carrier`.
    pub fn new(root: &'a Value, carrier: Carrier, optional: Optional) -> Self {
        Builder {
            root,
            carrier,
            optional,
            direction: Direction::Request,
            nodes: 0,
            filled: false,
        }
    }

    /// No value is empty text on the wire: strings (and enum values) have at least one
    /// character and a comma-joined list at least one item. For query parameters without
    /// `allowEmptyValue`, where OpenAPI makes `?name=` invalid. A schema whose only values are
    /// empty becomes [`GenError::Unsatisfiable`].
    pub fn non_empty(mut self) -> Self {
        self.filled = true;
        self
    }

    /// Values travelling in `direction` ([`Direction::Request`] unless set): properties hidden
    /// in that direction (`readOnly` in requests, `writeOnly` in responses) are never generated,
    /// and `oneOf` branches are told apart with validators of that direction.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// A strategy for `schema`; `at` names its place in errors (`body`, `query/count`).
    pub fn build(&mut self, schema: &Value, at: &str) -> Result<BoxedStrategy<Value>, GenError> {
        self.node(schema, 0, at, &[])
    }

    fn shallow(&self, depth: usize) -> bool {
        depth >= SHALLOW || self.nodes > NODE_BUDGET
    }

    /// `skip`: optional properties the top-level object must leave out (see [`Self::choice`]).
    fn node(
        &mut self,
        schema: &Value,
        depth: usize,
        at: &str,
        skip: &[String],
    ) -> Result<BoxedStrategy<Value>, GenError> {
        if depth > MAX_DEPTH {
            return Err(unsatisfiable(
                at,
                "required properties nest without end (recursive schema)",
            ));
        }
        self.nodes += 1;
        // OpenAPI 3.0 ignores `$ref` siblings, but `nullable` beside a `$ref` is meant literally
        // (the validators read it so too).
        let ref_nullable = schema.get("$ref").is_some() && is_true(schema, "nullable");
        let s = deref(self.root, schema);
        let Some(obj) = s.as_object() else {
            return Ok(self.any());
        };
        let type_null = obj
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|t| t.contains(&json!("null")));
        let nullable =
            (ref_nullable || is_true(s, "nullable") || type_null) && self.carrier == Carrier::Json;
        let inner = self.non_null(obj, depth, at, skip)?;
        Ok(if nullable {
            Union::new_weighted(vec![(1, Just(Value::Null).boxed()), (9, inner)]).boxed()
        } else {
            inner
        })
    }

    fn non_null(
        &mut self,
        s: &Map<String, Value>,
        depth: usize,
        at: &str,
        skip: &[String],
    ) -> Result<BoxedStrategy<Value>, GenError> {
        if let Some(values) = s.get("enum") {
            let values: Vec<Value> = values
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| !v.is_null())
                .filter(|v| !(self.filled && v.as_str() == Some("")))
                .cloned()
                .collect();
            if values.is_empty() {
                let reason = if self.filled {
                    "the enum has no non-null value that is not empty"
                } else {
                    "the enum has no non-null value"
                };
                return Err(unsatisfiable(at, reason));
            }
            return Ok(select(values).boxed());
        }
        if s.contains_key("allOf") {
            let mut merged = merge_all_of(self.root, &Value::Object(s.clone()));
            if let Some(m) = merged.as_object_mut() {
                m.remove("allOf");
            }
            return self.node(&merged, depth, at, skip);
        }
        for key in ["oneOf", "anyOf"] {
            if s.contains_key(key) {
                return self.choice(s, key, depth, at);
            }
        }
        let listed = s.get("type").and_then(Value::as_array).and_then(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_owned)
        });
        let schema = Value::Object(s.clone());
        let ty = listed.or_else(|| type_name(self.root, &schema).map(str::to_owned));
        match ty.as_deref() {
            Some("object") => self.object(s, depth, at, skip),
            Some("array") => self.array(s, depth, at),
            Some("string") => self.string(s, at),
            Some("integer") => number::integer(s, at),
            Some("number") => number::number(s, at),
            Some("boolean") => Ok(any::<bool>().prop_map(Value::Bool).boxed()),
            Some("null") => Ok(Just(Value::Null).boxed()),
            _ => Ok(self.any()),
        }
    }

    /// A value of no declared type.
    fn any(&self) -> BoxedStrategy<Value> {
        let text = self.plain(usize::from(self.filled), None);
        match self.carrier {
            Carrier::Json => Union::new(vec![
                text,
                (-1000i64..=1000).prop_map(Value::from).boxed(),
                any::<bool>().prop_map(Value::Bool).boxed(),
                Just(Value::Null).boxed(),
            ])
            .boxed(),
            Carrier::Text | Carrier::Token => text,
        }
    }
}

fn is_true(schema: &Value, key: &str) -> bool {
    schema.get(key) == Some(&Value::Bool(true))
}

fn unsatisfiable(at: &str, reason: &str) -> GenError {
    GenError::Unsatisfiable {
        location: at.to_owned(),
        reason: reason.to_owned(),
    }
}

/// A runner whose draws follow from `seed` alone, patient enough for the filters of
/// overlapping `oneOf` branches.
pub fn seeded(seed: &[u8; 32]) -> TestRunner {
    TestRunner::new_with_rng(config(), TestRng::from_seed(RngAlgorithm::ChaCha, seed))
}

/// The next value of `strategy` drawn with `runner`, or `None` when the strategy rejects too
/// many draws (an over-filtered `oneOf`).
pub fn draw<T: std::fmt::Debug>(strategy: &BoxedStrategy<T>, runner: &mut TestRunner) -> Option<T> {
    strategy.new_tree(runner).ok().map(|t| t.current())
}

/// One value of `strategy` from a fixed seed (the same value on every call), or `None` when
/// the strategy rejects too many draws (an over-filtered `oneOf`).
pub fn sample<T: std::fmt::Debug>(strategy: &BoxedStrategy<T>) -> Option<T> {
    let mut runner =
        TestRunner::new_with_rng(config(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    draw(strategy, &mut runner)
}

fn config() -> Config {
    Config {
        max_local_rejects: 4096,
        ..Config::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gamespec_spec::schema::compile;

    /// `n` values of `schema` from a fixed seed (shared by the tests of every value kind).
    pub(super) fn draws(root: &Value, schema: Value, carrier: Carrier, n: usize) -> Vec<Value> {
        let s = Builder::new(root, carrier, Optional::Random)
            .build(&schema, "body")
            .unwrap();
        let mut runner = TestRunner::deterministic();
        (0..n)
            .map(|_| s.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    /// `n` JSON request values of `schema` all satisfy it.
    pub(super) fn check(root: &Value, schema: Value, n: usize) {
        let v = compile(root, Direction::Request, &schema).unwrap();
        for value in draws(root, schema.clone(), Carrier::Json, n) {
            let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{schema}\n{value}\n{errors:?}");
        }
    }

    #[test]
    fn refs_all_of_and_recursion_resolve() {
        let root = json!({"components": {"schemas": {
            "Node": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
            }}
        }}});
        for schema in [
            json!({"$ref": "#/components/schemas/Node"}),
            json!({"allOf": [{"$ref": "#/components/schemas/Node"}, {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}]}),
            json!({"type": "string", "enum": ["a", "b"], "nullable": true}),
            json!({"type": "boolean"}),
        ] {
            check(&root, schema, 200);
        }
    }

    #[test]
    fn seeded_runners_repeat_their_draws() {
        let root = json!({});
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}});
        let s = Builder::new(&root, Carrier::Json, Optional::Random)
            .build(&schema, "body")
            .unwrap();
        let run = |seed: u8| {
            let mut runner = seeded(&[seed; 32]);
            (0..8)
                .map(|_| draw(&s, &mut runner).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn non_empty_builders_never_draw_empty_text() {
        let root = json!({});
        let filled = |schema: Value, carrier| {
            Builder::new(&root, carrier, Optional::Random)
                .non_empty()
                .build(&schema, "query/q")
        };
        for (schema, carrier) in [
            (json!({"type": "string"}), Carrier::Text),
            (
                json!({"type": "string", "minLength": 0, "maxLength": 1}),
                Carrier::Text,
            ),
            (json!({"type": "string", "pattern": "^a*$"}), Carrier::Text),
            (json!({"type": "string", "enum": ["", "x"]}), Carrier::Text),
            (json!({}), Carrier::Text),
            (
                json!({"type": "array", "maxItems": 1, "items": {"type": "string"}}),
                Carrier::Text,
            ),
            (
                json!({"type": "array", "items": {"enum": ["", "y"]}}),
                Carrier::Token,
            ),
        ] {
            let s = filled(schema.clone(), carrier).unwrap();
            let mut runner = TestRunner::deterministic();
            for _ in 0..200 {
                let v = s.new_tree(&mut runner).unwrap().current();
                let texts: Vec<&Value> = match &v {
                    Value::Array(items) => items.iter().collect(),
                    v => vec![v],
                };
                assert!(!texts.is_empty(), "{schema} drew {v}");
                for t in texts {
                    assert!(
                        t.as_str().is_none_or(|t| !t.is_empty()),
                        "{schema} drew {v}"
                    );
                }
            }
        }
        // Schemas whose only value is empty text have no value here.
        for (schema, carrier) in [
            (json!({"type": "string", "maxLength": 0}), Carrier::Text),
            (json!({"type": "string", "enum": [""]}), Carrier::Text),
            (json!({"type": "array", "maxItems": 0}), Carrier::Token),
        ] {
            let err = filled(schema.clone(), carrier).err().unwrap();
            assert!(err.to_string().starts_with("query/q"), "{schema}: {err}");
        }
        // Without the rule the empty value stays possible.
        let plain = Builder::new(&root, Carrier::Text, Optional::Random)
            .build(&json!({"type": "string", "maxLength": 0}), "query/q")
            .unwrap();
        assert_eq!(sample(&plain), Some(json!("")));
    }

    #[test]
    fn odd_schemas_fall_back_instead_of_panicking() {
        let root = json!({});
        for schema in [
            json!({}),
            json!(true),
            json!({"not": {"type": "string"}}),
            json!({"type": "string", "format": "no-such-format"}),
            json!({"type": "string", "pattern": "(unclosed"}),
            json!({"type": ["integer", "null"]}),
            json!({"$ref": "#/components/schemas/Missing"}),
        ] {
            assert_eq!(draws(&root, schema, Carrier::Json, 20).len(), 20);
        }
        for schema in [
            json!({"type": "string", "minLength": 5, "maxLength": 2}),
            json!({"type": "integer", "minimum": 5, "maximum": 2}),
            json!({"enum": []}),
            json!({"type": "array", "minItems": 3, "maxItems": 1}),
        ] {
            let err = Builder::new(&root, Carrier::Json, Optional::Random)
                .build(&schema, "body/x")
                .unwrap_err();
            assert!(err.to_string().starts_with("body/x: "), "{err}");
        }
        let looping = json!({"components": {"schemas": {"Loop": {"type": "object", "required": ["next"],
            "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}}}});
        let err = Builder::new(&looping, Carrier::Json, Optional::Random)
            .build(&json!({"$ref": "#/components/schemas/Loop"}), "body")
            .unwrap_err();
        assert!(err.to_string().contains("recursive"), "{err}");
    }

    #[test]
    fn policies_decide_optional_parts() {
        let root = json!({});
        let schema = json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "integer"}, "b": {"type": "array", "items": {"type": "string"}}}});
        let never = Builder::new(&root, Carrier::Json, Optional::Never)
            .build(&schema, "body")
            .unwrap();
        let always = Builder::new(&root, Carrier::Json, Optional::Always)
            .build(&schema, "body")
            .unwrap();
        let never = sample(&never).unwrap();
        let always = sample(&always).unwrap();
        assert_eq!(never.as_object().unwrap().len(), 1, "{never}");
        assert!(!always["b"].as_array().unwrap().is_empty(), "{always}");
        assert_eq!(sample(&Just(1).boxed()), Some(1));
    }

    #[test]
    fn values_shrink_towards_simpler_ones() {
        let root = json!({});
        let schema = json!({"type": "object", "properties": {
            "name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}});
        let s = Builder::new(&root, Carrier::Json, Optional::Random)
            .build(&schema, "body")
            .unwrap();
        let mut runner = TestRunner::deterministic();
        let mut shrunk_any = false;
        for _ in 0..20 {
            let mut tree = s.new_tree(&mut runner).unwrap();
            let before = tree.current().to_string().len();
            let mut steps = 0;
            while steps < 10_000 && tree.simplify() {
                steps += 1;
            }
            let after = tree.current().to_string().len();
            assert!(after <= before);
            shrunk_any |= after < before;
        }
        assert!(shrunk_any);
    }
}
