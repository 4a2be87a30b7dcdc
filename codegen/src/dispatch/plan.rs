//! Matching the spec's operations, parameters and component schemas with what progenitor
//! generated for them: the facts the dispatch source is written from.

use std::collections::BTreeSet;

use serde_json::Value;

use super::builders::{Generated, Setter};
use gamespec_spec::paths::{Operation, operations};
use gamespec_spec::refs::deref;

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A path template variable.
    Path,
    /// A query string pair.
    Query,
    /// A request header.
    Header,
}

impl Location {
    /// The spec's `in` value, also the prefix of argument names in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }

    fn parse(text: &str) -> Option<Location> {
        match text {
            "path" => Some(Location::Path),
            "query" => Some(Location::Query),
            "header" => Some(Location::Header),
            _ => None,
        }
    }
}

/// One parameter the generated builder has a setter for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Where it travels.
    pub location: Location,
    /// The spec's name, as `Args` keys it.
    pub name: String,
    /// The builder's setter for it.
    pub setter: Setter,
    /// The spec says array, the generator view made it one comma-joined string.
    pub joined: bool,
}

/// One generated operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOp {
    /// The spec's `operationId`.
    pub id: String,
    /// The client method that returns its builder.
    pub method: String,
    /// Its parameters, in spec order.
    pub params: Vec<Param>,
    /// The body setter's target type, when the operation takes a body.
    pub body: Option<String>,
    /// Spec parameters the view left out (`in/name`), so arguments for them are refused clearly.
    pub left_out: Vec<String>,
}

/// A component schema and the generated type it deserializes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedSchema {
    /// The name under `components/schemas`.
    pub name: String,
    /// The type in the client's `types` module.
    pub type_name: String,
}

/// Everything the dispatch source needs.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Every operation the generated client has, in spec order.
    pub ops: Vec<PlannedOp>,
    /// Operations of the spec the generator leaves out (written by hand in the crate).
    pub hand_written: Vec<String>,
    /// Component schemas with a generated type.
    pub typed: Vec<TypedSchema>,
    /// Component schemas without one, with the reason.
    pub untyped: Vec<(String, String)>,
}

/// Match `spec` and its generator `view` with the generated code; an error names the operation
/// or parameter whose setter cannot be found.
pub fn plan(spec: &Value, view: &Value, generated: &Generated) -> Result<Plan, String> {
    let view_ops = operations(view);
    let mut out = Plan::default();
    for op in operations(spec) {
        match view_ops
            .iter()
            .find(|v| v.path == op.path && v.method == op.method)
        {
            Some(view_op) => out.ops.push(plan_op(spec, &op, view, view_op, generated)?),
            None => out.hand_written.push(op.id.clone()),
        }
    }
    let (typed, untyped) = schemas(spec, generated);
    out.typed = typed;
    out.untyped = untyped;
    Ok(out)
}

/// A parameter object, resolved, with the facts dispatch needs.
struct SpecParam<'a> {
    location: Option<Location>,
    raw_in: String,
    name: String,
    schema: Option<&'a Value>,
}

fn spec_params<'a>(doc: &'a Value, op: &'a Operation) -> Vec<SpecParam<'a>> {
    // The operation's own parameters override the path item's ones of the same name and place.
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (_, p) in op.all_parameters() {
        let p = deref(doc, p);
        let raw_in = p.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if !seen.insert((raw_in.clone(), name.clone())) {
            continue;
        }
        out.push(SpecParam {
            location: Location::parse(&raw_in),
            raw_in,
            name,
            schema: p.get("schema").map(|s| deref(doc, s)),
        });
    }
    out
}

fn schema_type(schema: Option<&Value>) -> Option<&str> {
    schema?.get("type")?.as_str()
}

fn plan_op(
    spec: &Value,
    op: &Operation,
    view: &Value,
    view_op: &Operation,
    generated: &Generated,
) -> Result<PlannedOp, String> {
    let method = sanitize(&op.id, Case::Snake);
    let builder = generated
        .methods
        .get(&method)
        .ok_or_else(|| format!("{}: the generated client has no method `{method}`", op.id))?;
    let setters = generated
        .builders
        .get(builder)
        .ok_or_else(|| format!("{}: no builder `{builder}` in the generated code", op.id))?;
    let find = |name: &str| setters.iter().find(|s| s.name == name).cloned();

    let originals = spec_params(spec, op);
    let kept = spec_params(view, view_op);
    let mut params = Vec::new();
    let mut used = BTreeSet::new();
    for p in &kept {
        let location = p.location.ok_or_else(|| {
            format!(
                "{}: {} parameter `{}` is in the generator view but dispatch cannot place it",
                op.id, p.raw_in, p.name
            )
        })?;
        let setter_name = sanitize(&p.name, Case::Snake);
        let setter = find(&setter_name).ok_or_else(|| {
            format!(
                "{}: {} parameter `{}` has no setter `{setter_name}` on builder `{builder}`",
                op.id, p.raw_in, p.name
            )
        })?;
        let original = originals
            .iter()
            .find(|o| o.raw_in == p.raw_in && o.name == p.name)
            .and_then(|o| o.schema);
        let joined =
            schema_type(original) == Some("array") && schema_type(p.schema) == Some("string");
        used.insert(setter.name.clone());
        params.push(Param {
            location,
            name: p.name.clone(),
            setter,
            joined,
        });
    }
    let body = if view_op.value.get("requestBody").is_some() {
        let setter = find("body")
            .ok_or_else(|| format!("{}: the body has no setter on builder `{builder}`", op.id))?;
        used.insert(setter.name.clone());
        Some(setter.target)
    } else {
        None
    };
    if let Some(extra) = setters.iter().find(|s| !used.contains(&s.name)) {
        return Err(format!(
            "{}: setter `{}` of builder `{builder}` matches no parameter of the spec",
            op.id, extra.name
        ));
    }
    let left_out = originals
        .iter()
        .filter(|o| {
            !kept
                .iter()
                .any(|k| k.raw_in == o.raw_in && k.name == o.name)
        })
        .map(|o| format!("{}/{}", o.raw_in, o.name))
        .collect();
    Ok(PlannedOp {
        id: op.id.clone(),
        method,
        params,
        body,
        left_out,
    })
}

/// Each component schema of the spec, split into those with a generated type and those without.
fn schemas(spec: &Value, generated: &Generated) -> (Vec<TypedSchema>, Vec<(String, String)>) {
    let mut typed = Vec::new();
    let mut untyped = Vec::new();
    let Some(map) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return (typed, untyped);
    };
    for (name, schema) in map {
        let type_name = sanitize(name, Case::Pascal);
        if generated.types.contains(&type_name) {
            typed.push(TypedSchema {
                name: name.clone(),
                type_name,
            });
        } else {
            untyped.push((name.clone(), untyped_reason(schema)));
        }
    }
    (typed, untyped)
}

fn untyped_reason(schema: &Value) -> String {
    let is = |k: &str, v: &str| schema.get(k).and_then(Value::as_str) == Some(v);
    if is("type", "string") && is("format", "password") {
        "a `format: password` string: the generator maps it to the shared `Secret` type, not a named one".to_owned()
    } else {
        "typify generated no named type for it".to_owned()
    }
}

/// The two casings progenitor and typify give names.
#[derive(Debug, Clone, Copy)]
pub enum Case {
    /// Method and parameter names.
    Snake,
    /// Type names.
    Pascal,
}

/// The identifier progenitor/typify make of a spec name: apostrophes dropped, other
/// non-identifier characters treated as word breaks, re-cased, made a valid identifier.
/// (ASCII only; a name this misses is caught when its setter or type is not found.)
pub fn sanitize(input: &str, case: Case) -> String {
    let spaced: String = input
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cased = match case {
        Case::Snake => heck::ToSnakeCase::to_snake_case(spaced.as_str()),
        Case::Pascal => heck::ToPascalCase::to_pascal_case(spaced.as_str()),
    };
    let first = cased.chars().next();
    let ident = match (first, case) {
        (None, Case::Snake) => "x".to_owned(),
        (None, Case::Pascal) => "X".to_owned(),
        (Some(c), _) if c.is_alphabetic() || c == '_' => cased,
        (Some(_), Case::Snake) => format!("_{cased}"),
        (Some(_), Case::Pascal) => format!("X{cased}"),
    };
    if KEYWORDS.contains(&ident.as_str()) {
        format!("{ident}_")
    } else {
        ident
    }
}

/// Words typify and progenitor do not take as identifiers (they append `_`).
const KEYWORDS: &[&str] = &[
    "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "Self", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_follows_progenitor() {
        assert_eq!(sanitize("LL-Version", Case::Snake), "ll_version");
        assert_eq!(
            sanitize("startGuestSession", Case::Snake),
            "start_guest_session"
        );
        assert_eq!(sanitize("type", Case::Snake), "type_");
        assert_eq!(sanitize("x-session-token", Case::Snake), "x_session_token");
        assert_eq!(sanitize("player's", Case::Snake), "players");
        assert_eq!(sanitize("1st", Case::Snake), "_1st");
        assert_eq!(
            sanitize("session_response", Case::Pascal),
            "SessionResponse"
        );
        assert_eq!(sanitize("Self", Case::Pascal), "Self_");
    }
}
