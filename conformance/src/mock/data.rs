//! Schema-driven data: a JSON value that satisfies an OpenAPI schema, drawn from a seeded RNG.
//!
//! The generator aims to be right by construction (required properties, types, formats, enums,
//! lengths, bounds, `nullable`, `allOf` merged, one `oneOf` branch with its discriminator value,
//! `minItems`), but the caller still checks every value with the compiled validator and falls back
//! to the spec's example: a generated value that fails is never sent.

use gamespec_codegen::schema::Direction;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{Map, Number, Value, json};

use crate::schema::{deref, merge_all_of, type_name};

/// Below this depth optional properties are left out and arrays get `minItems` items, which keeps
/// recursive schemas finite and bodies small.
const SHALLOW: usize = 4;
/// Hard stop for pathological recursion: required-only chains deeper than this yield `{}`.
const MAX_DEPTH: usize = 24;

/// Generates values for the schemas of one spec.
pub struct Generator<'a> {
    root: &'a Value,
    dir: Direction,
    rng: &'a mut ChaCha8Rng,
}

impl<'a> Generator<'a> {
    /// A generator over `root` (the whole spec) for values travelling in `dir`.
    pub fn new(root: &'a Value, dir: Direction, rng: &'a mut ChaCha8Rng) -> Self {
        Generator { root, dir, rng }
    }

    /// A value for `schema`.
    pub fn value(&mut self, schema: &Value) -> Value {
        self.generate(schema, 0)
    }

    fn generate(&mut self, schema: &Value, depth: usize) -> Value {
        let root = self.root;
        let schema = deref(root, schema);
        if depth > MAX_DEPTH {
            return json!({});
        }
        let nullable = schema.get("nullable") == Some(&Value::Bool(true));
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let candidates: Vec<&Value> =
                values.iter().filter(|v| !v.is_null() || nullable).collect();
            return match candidates.as_slice() {
                [] => Value::Null,
                c => c[self.rng.random_range(0..c.len())].clone(),
            };
        }
        if nullable && self.rng.random_bool(0.1) {
            return Value::Null;
        }
        if schema.get("allOf").is_some() {
            let merged = merge_all_of(root, schema);
            let mut merged = merged;
            if let Some(m) = merged.as_object_mut() {
                m.remove("allOf");
            }
            return self.generate(&merged, depth);
        }
        if let Some(branches) = schema.get("oneOf").or_else(|| schema.get("anyOf")) {
            return self.one_of(
                schema,
                branches.as_array().map_or(&[][..], Vec::as_slice),
                depth,
            );
        }
        match type_name(root, schema) {
            Some("object") => self.object(schema, depth),
            Some("array") => self.array(schema, depth),
            Some("string") => Value::String(self.string(schema)),
            Some("integer") => self.integer(schema),
            Some("number") => self.number(schema),
            Some("boolean") => Value::Bool(self.rng.random_bool(0.5)),
            // No type at all ("any JSON value"): a string is the least surprising choice.
            _ => Value::String(self.word()),
        }
    }

    fn one_of(&mut self, schema: &Value, branches: &[Value], depth: usize) -> Value {
        if branches.is_empty() {
            return json!({});
        }
        let i = self.rng.random_range(0..branches.len());
        let branch = &branches[i];
        let mut value = self.generate(branch, depth + 1);
        // With a discriminator, the chosen branch must carry its own tag, or the value may match
        // another branch (or none).
        if let Some(d) = schema.get("discriminator") {
            let property = d.get("propertyName").and_then(Value::as_str).unwrap_or("");
            let target = branch.get("$ref").and_then(Value::as_str);
            let tag = d
                .get("mapping")
                .and_then(Value::as_object)
                .and_then(|m| {
                    m.iter()
                        .find(|(_, t)| Some(t.as_str().unwrap_or("")) == target)
                        .map(|(k, _)| k.clone())
                })
                .or_else(|| target.and_then(|t| t.rsplit('/').next()).map(str::to_owned));
            if let (Some(obj), Some(tag)) = (value.as_object_mut(), tag) {
                obj.insert(property.to_owned(), Value::String(tag));
            }
        }
        value
    }

    fn object(&mut self, schema: &Value, depth: usize) -> Value {
        let root = self.root;
        let hidden = match self.dir {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut out = Map::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                if deref(root, prop).get(hidden) == Some(&Value::Bool(true)) {
                    continue;
                }
                let wanted = required.contains(&name.as_str())
                    || (depth < SHALLOW && self.rng.random_bool(0.5));
                if wanted {
                    let v = self.generate(prop, depth + 1);
                    out.insert(name.clone(), v);
                }
            }
        }
        // Free-form maps (`additionalProperties: {schema}` and no `properties`) get a few entries.
        if out.is_empty()
            && schema.get("properties").is_none()
            && let Some(extra) = schema.get("additionalProperties")
            && extra != &Value::Bool(false)
            && depth < SHALLOW
        {
            let n = self.rng.random_range(0..=2);
            for i in 0..n {
                let v = match extra {
                    Value::Object(_) => self.generate(extra, depth + 1),
                    _ => Value::String(self.word()),
                };
                out.insert(format!("key_{}", i + 1), v);
            }
        }
        Value::Object(out)
    }

    fn array(&mut self, schema: &Value, depth: usize) -> Value {
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .map_or(min + 3, |m| (m as usize).min(min + 3))
            .max(min);
        let n = if depth >= SHALLOW {
            min
        } else {
            self.rng.random_range(min..=max)
        };
        let items = schema.get("items").cloned().unwrap_or_else(|| json!({}));
        let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
        let mut out: Vec<Value> = Vec::with_capacity(n);
        let mut attempts = 0;
        while out.len() < n && attempts < n * 8 + 8 {
            attempts += 1;
            let v = self.generate(&items, depth + 1);
            if unique && out.contains(&v) {
                continue;
            }
            out.push(v);
        }
        Value::Array(out)
    }

    fn string(&mut self, schema: &Value) -> String {
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
            && let Some(s) = self.matching(pattern)
        {
            return s;
        }
        let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
        let formatted = match format {
            "date-time" => Some(self.date_time()),
            "date" => Some(self.date_time()[..10].to_owned()),
            "uuid" => Some(self.uuid()),
            "email" => Some(format!("{}@example.com", self.word())),
            "uri" | "url" => Some(format!("https://example.com/{}", self.word())),
            "hostname" => Some(format!("{}.example.com", self.word())),
            "ipv4" => Some(format!("192.0.2.{}", self.rng.random_range(1..255))),
            "password" | "binary" => Some(self.token(24)),
            // Valid base64: groups of four characters from its alphabet.
            "byte" => Some(self.token(16)),
            _ => None,
        };
        if let Some(s) = formatted {
            return s;
        }
        let mut s = self.word();
        while s.chars().count() < min {
            s.push_str(&self.word());
        }
        if let Some(max) = max {
            s = s.chars().take(max.max(min)).collect();
        }
        s
    }

    fn integer(&mut self, schema: &Value) -> Value {
        let (lo, hi) = bounds(schema, 0.0, 1000.0);
        let lo = lo.ceil() as i64;
        let hi = (hi.floor() as i64).max(lo);
        let mut v = self.rng.random_range(lo..=hi);
        if let Some(m) = schema
            .get("multipleOf")
            .and_then(Value::as_i64)
            .filter(|m| *m > 0)
        {
            v = (v / m) * m;
            if v < lo {
                v += m;
            }
        }
        Value::from(v)
    }

    fn number(&mut self, schema: &Value) -> Value {
        let (lo, hi) = bounds(schema, 0.0, 1000.0);
        let raw = lo + self.rng.random::<f64>() * (hi - lo);
        // Two decimals read like the API's amounts; clamp back in case rounding left the range.
        let v = ((raw * 100.0).round() / 100.0).clamp(lo, hi);
        Number::from_f64(v).map_or(Value::from(0), Value::Number)
    }

    /// A short lower-case word (letters and digits), which also satisfies the simple
    /// identifier patterns the specs use.
    fn word(&mut self) -> String {
        const WORDS: &[&str] = &[
            "ember", "frost", "nova", "quest", "rune", "atlas", "pixel", "orbit", "drake", "lumen",
        ];
        format!(
            "{}{}",
            WORDS[self.rng.random_range(0..WORDS.len())],
            self.rng.random_range(1..1000)
        )
    }

    /// `n` random characters from the base64 alphabet minus `+`/`/` (so also URL- and
    /// header-safe).
    pub fn token(&mut self, n: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    /// A random version-4 UUID.
    pub fn uuid(&mut self) -> String {
        crate::generate::strategy::formats::uuid(self.rng.random())
    }

    fn date_time(&mut self) -> String {
        format!(
            "2026-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.rng.random_range(1..=12),
            self.rng.random_range(1..=28),
            self.rng.random_range(0..24),
            self.rng.random_range(0..60),
            self.rng.random_range(0..60)
        )
    }

    /// A string matching `pattern` (parsed with regex-syntax, ASCII classes), or `None` when the
    /// pattern uses something this walker does not generate.
    fn matching(&mut self, pattern: &str) -> Option<String> {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .ok()?;
        let mut out = String::new();
        self.emit(&hir, &mut out)?;
        Some(out)
    }

    fn emit(&mut self, hir: &Hir, out: &mut String) -> Option<()> {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(lit) => out.push_str(std::str::from_utf8(&lit.0).ok()?),
            HirKind::Class(Class::Bytes(c)) => {
                let ranges: Vec<(u8, u8)> = c
                    .ranges()
                    .iter()
                    .map(|r| (r.start(), r.end().min(0x7e)))
                    .filter(|(s, e)| s <= e && *s >= 0x20)
                    .collect();
                let (s, e) = *ranges.get(self.rng.random_range(0..ranges.len().max(1)))?;
                out.push(self.rng.random_range(s..=e) as char);
            }
            HirKind::Class(Class::Unicode(c)) => {
                let ranges = c.ranges();
                let r = ranges.get(self.rng.random_range(0..ranges.len().max(1)))?;
                let (s, e) = (
                    r.start() as u32,
                    (r.end() as u32).min(0x7e).max(r.start() as u32),
                );
                out.push(char::from_u32(self.rng.random_range(s..=e))?);
            }
            HirKind::Repetition(rep) => {
                let max = rep.max.unwrap_or(rep.min + 8).min(rep.min + 8);
                let n = self.rng.random_range(rep.min..=max);
                for _ in 0..n {
                    self.emit(&rep.sub, out)?;
                }
            }
            HirKind::Capture(c) => self.emit(&c.sub, out)?,
            HirKind::Concat(parts) => {
                for p in parts {
                    self.emit(p, out)?;
                }
            }
            HirKind::Alternation(alts) => {
                let alt = &alts[self.rng.random_range(0..alts.len())];
                self.emit(alt, out)?;
            }
        }
        Some(())
    }
}

/// `[lo, hi]` from `minimum`/`maximum` (with the draft-4 boolean `exclusive*`), defaulting to a
/// small positive range that still respects the one bound given.
fn bounds(schema: &Value, default_lo: f64, default_span: f64) -> (f64, f64) {
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let excl = |k: &str| schema.get(k) == Some(&Value::Bool(true));
    let step = if type_name(&Value::Null, schema) == Some("integer") {
        1.0
    } else {
        0.01
    };
    let lo = num("minimum").map(|m| {
        if excl("exclusiveMinimum") {
            m + step
        } else {
            m
        }
    });
    let hi = num("maximum").map(|m| {
        if excl("exclusiveMaximum") {
            m - step
        } else {
            m
        }
    });
    match (lo, hi) {
        (Some(lo), Some(hi)) => (lo, hi.max(lo)),
        (Some(lo), None) => (lo, lo + default_span),
        (None, Some(hi)) => ((hi - default_span).max(default_lo.min(hi)), hi),
        (None, None) => (default_lo, default_lo + default_span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn gen_one(schema: Value, seed: u64) -> Value {
        let root = json!({});
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Generator::new(&root, Direction::Response, &mut rng).value(&schema)
    }

    #[test]
    fn pattern_strings_match() {
        let re = regex_syntax::Parser::new()
            .parse(r"^\+(\d){5,25}$")
            .unwrap();
        let _ = re; // the parse above proves the pattern is understood
        for seed in 0..50 {
            let v = gen_one(
                json!({"type": "string", "pattern": r"^\+(\d){5,25}$"}),
                seed,
            );
            let s = v.as_str().unwrap();
            assert!(s.starts_with('+') && s.len() >= 6, "{s}");
            assert!(s[1..].chars().all(|c| c.is_ascii_digit()), "{s}");
        }
    }

    #[test]
    fn bounds_and_lengths_hold() {
        for seed in 0..50 {
            let v = gen_one(json!({"type": "integer", "minimum": 1, "maximum": 3}), seed);
            assert!((1..=3).contains(&v.as_i64().unwrap()));
            let s = gen_one(
                json!({"type": "string", "minLength": 12, "maxLength": 14}),
                seed,
            );
            let n = s.as_str().unwrap().len();
            assert!((12..=14).contains(&n), "{s}");
            let a = gen_one(
                json!({"type": "array", "minItems": 2, "items": {"type": "integer"}}),
                seed,
            );
            assert!(a.as_array().unwrap().len() >= 2);
        }
    }

    #[test]
    fn same_seed_same_value() {
        let s = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}});
        assert_eq!(gen_one(s.clone(), 9), gen_one(s, 9));
    }
}
