//! What the generated `security` table says about each operation's place in a call's life,
//! beyond its security requirements: whether a request may be repeated, where a session start's
//! answer carries the credential it issues, and which credentials the answer rotates; and the
//! API-wide facts (session scheme, issue rules, version header) the client runtime needs.

use std::collections::BTreeSet;

use serde_json::Value;

use gamespec_spec::paths::Operation;
use gamespec_spec::refs::deref;
use gamespec_spec::registry::{Api, TokenAt};

/// Methods RFC 9110 defines as idempotent: their requests may be sent again.
const IDEMPOTENT: &[&str] = &["get", "head", "put", "delete", "options", "trace"];

/// Per-operation fields of `OperationSecurity` beyond the requirements, as Rust field syntax.
pub fn operation_fields(api: &Api, spec: &Value, op: &Operation) -> String {
    let repeatable = IDEMPOTENT.contains(&op.method.as_str())
        || op.value.get("x-idempotent") == Some(&Value::Bool(true));
    let starts = op.value.get("x-session-start") == Some(&Value::Bool(true));
    let properties = if starts {
        answer_properties(spec, &op.value)
    } else {
        Default::default()
    };
    let mut captures = Vec::new();
    let mut token_fields = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for login in &api.profile.logins {
        let (field, text) = match &login.token {
            TokenAt::Field { field } => (field, format!("TokenAt::Field({field:?})")),
            TokenAt::UrlParam { field, param } => (
                field,
                format!("TokenAt::UrlParam {{ field: {field:?}, param: {param:?} }}"),
            ),
        };
        if properties.iter().any(|(name, _)| name == field) && seen.insert(text.clone()) {
            captures.push(text);
            token_fields.insert(field.clone());
        }
    }
    let rotates: Vec<String> = properties
        .iter()
        .filter(|(name, schema)| {
            !token_fields.contains(name)
                && deref(spec, schema).get("format").and_then(Value::as_str) == Some("password")
        })
        .map(|(name, _)| format!("{name:?}"))
        .collect();
    let (fields, constants) = if rotates.is_empty() {
        Default::default()
    } else {
        refresh_variant(spec, &op.value, &properties, &token_fields)
    };
    format!(
        "repeatable: {repeatable}, captures: &[{}], rotates: &[{}], refresh_fields: &[{}], refresh_constants: &[{}]",
        captures.join(", "),
        rotates.join(", "),
        fields
            .iter()
            .map(|f| format!("{f:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        constants
            .iter()
            .map(|(k, v)| format!("({k:?}, {v:?})"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The request body variant that renews a session with a rotated credential: the `oneOf`/`anyOf`
/// member of the request body that requires one of the answer's rotated fields. Its properties
/// are what a renewal keeps of the original body; its single-value enums (an OAuth
/// `grant_type`) are set.
fn refresh_variant(
    spec: &Value,
    op: &Value,
    answer: &[(String, Value)],
    token_fields: &BTreeSet<String>,
) -> (Vec<String>, Vec<(String, String)>) {
    let rotated: Vec<&str> = answer
        .iter()
        .filter(|(name, schema)| {
            !token_fields.contains(name)
                && deref(spec, schema).get("format").and_then(Value::as_str) == Some("password")
        })
        .map(|(name, _)| name.as_str())
        .collect();
    let body = op
        .get("requestBody")
        .map(|b| deref(spec, b))
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|m| m.get("schema"))
        .map(|s| deref(spec, s));
    let Some(body) = body else {
        return Default::default();
    };
    let members = ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| body.get(*k).and_then(Value::as_array))
        .flatten()
        .map(|m| deref(spec, m));
    for member in members {
        let required: Vec<&str> = member
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !rotated.iter().any(|r| required.contains(r)) {
            continue;
        }
        let Some(props) = member.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let fields = props.keys().cloned().collect();
        let constants = props
            .iter()
            .filter_map(|(name, schema)| {
                match deref(spec, schema).get("enum").and_then(Value::as_array) {
                    Some(values) if values.len() == 1 => {
                        Some((name.clone(), values[0].as_str()?.to_owned()))
                    }
                    _ => None,
                }
            })
            .collect();
        return (fields, constants);
    }
    Default::default()
}

/// The properties of the JSON answers of an operation's 2xx responses (through `$ref`s,
/// `allOf`, `oneOf` and `anyOf`), deduplicated by name.
fn answer_properties(spec: &Value, op: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return out;
    };
    for (status, response) in responses {
        if !status.starts_with('2') {
            continue;
        }
        let response = deref(spec, response);
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            continue;
        };
        for (media, body) in content {
            if media.contains("json")
                && let Some(schema) = body.get("schema")
            {
                collect_properties(spec, schema, &mut out, 0);
            }
        }
    }
    out
}

fn collect_properties(spec: &Value, schema: &Value, out: &mut Vec<(String, Value)>, depth: u8) {
    if depth > 8 {
        return;
    }
    let schema = deref(spec, schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, value) in props {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.clone(), value.clone()));
            }
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_properties(spec, member, out, depth + 1);
        }
    }
}

/// The `API` constant: the operations and schemes tables plus the registry's session scheme and
/// issue rules and the spec's `x-version-header`.
pub fn api_constant(api: &Api, spec: &Value) -> String {
    let session = match api.profile.session_scheme.as_deref() {
        Some(s) => format!("Some({s:?})"),
        None => "None".to_owned(),
    };
    let rules: Vec<String> = api
        .profile
        .issue_rules
        .iter()
        .map(|r| {
            format!(
                "IssueRule {{ field: {:?}, value: {:?}, scheme: {:?} }}",
                r.field, r.value, r.scheme
            )
        })
        .collect();
    let version = match spec.get("x-version-header").and_then(Value::as_str) {
        Some(h) => format!("Some({h:?})"),
        None => "None".to_owned(),
    };
    format!(
        r#"
    /// The whole table, as the client runtime takes it.
    pub const API: ApiSecurity = ApiSecurity {{
        operations: OPERATIONS,
        schemes: SCHEMES,
        session_scheme: {session},
        issue_rules: &[{rules}],
        version_header: {version},
    }};
    /// The version header's value sent when a call sets none: the spec's `info.version`, for
    /// APIs whose spec names a version header (`x-version-header`).
    pub const DEFAULT_API_VERSION: Option<&str> = {default_version};
"#,
        rules = rules.join(", "),
        default_version = match (
            spec.get("x-version-header"),
            spec.pointer("/info/version").and_then(Value::as_str)
        ) {
            (Some(_), Some(v)) => format!("Some({v:?})"),
            _ => "None".to_owned(),
        }
    )
}
