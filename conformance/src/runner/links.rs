//! OpenAPI links: how a response feeds a later request (`$response.body#/hero/hero_id` into the
//! `hero_id` path parameter of `getPlayerHero`). The stateful phase follows them.

use serde_json::Value;

use crate::exchange::Exchange;
use gamespec_spec::spec::Spec;

/// One link of a documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The link's name under `links`.
    pub name: String,
    /// The status whose response declares it.
    pub status: u16,
    /// Target `operationId`.
    pub operation: String,
    /// Parameter name → runtime expression (or constant).
    pub parameters: Vec<(String, Value)>,
    /// `x-undoes: true`: following the link undoes the write its response answers (withdraws
    /// the friend request just sent, unblocks the player just blocked), as a link to a DELETE
    /// of what the write made does. Fuzz rounds follow such links to clean up after themselves.
    pub undoes: bool,
}

/// The links every documented response of `operation` declares, in document order.
pub fn of(spec: &Spec, operation: &str) -> Vec<Link> {
    match spec.operation(operation) {
        Some(op) => of_operation(spec, op),
        None => Vec::new(),
    }
}

/// The links of `op`'s responses, read where the operation is (no search of the document, so
/// asking for every operation's links takes time linear in their number).
pub fn of_operation(spec: &Spec, op: &gamespec_spec::spec::Operation) -> Vec<Link> {
    let mut out = Vec::new();
    let pointer = format!(
        "/paths/{}/{}",
        op.path.replace('~', "~0").replace('/', "~1"),
        op.method.to_ascii_lowercase()
    );
    let Some(responses) = spec
        .root
        .pointer(&pointer)
        .and_then(|o| o.get("responses"))
        .and_then(Value::as_object)
    else {
        return out;
    };
    for (status, response) in responses {
        let Ok(status) = status.parse::<u16>() else {
            continue;
        };
        let response = gamespec_spec::shape::deref(&spec.root, response);
        for (name, link) in response
            .get("links")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let link = gamespec_spec::shape::deref(&spec.root, link);
            let Some(target) = link.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let parameters = link
                .get("parameters")
                .and_then(Value::as_object)
                .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            out.push(Link {
                name: name.clone(),
                status,
                operation: target.to_owned(),
                parameters,
                undoes: link.get("x-undoes").and_then(Value::as_bool) == Some(true),
            });
        }
    }
    out
}

/// The value of a runtime expression against a finished exchange; constants are themselves.
/// Supported: `$response.body#/pointer`, `$response.header.NAME`, `$request.path.NAME`,
/// `$request.query.NAME`, `$request.header.NAME`, `$request.body#/pointer`, `$statusCode`.
pub fn evaluate(expression: &Value, exchange: &Exchange) -> Option<Value> {
    let Some(expr) = expression.as_str().filter(|e| e.starts_with('$')) else {
        return Some(expression.clone());
    };
    let response = exchange.response.as_ref().ok();
    let case = &exchange.case;
    if expr == "$statusCode" {
        return response.map(|r| Value::from(r.status));
    }
    if let Some(pointer) = expr.strip_prefix("$response.body#") {
        return response?.json().ok()?.pointer(pointer).cloned();
    }
    if let Some(name) = expr.strip_prefix("$response.header.") {
        return response?.header(name).map(|v| Value::String(v.to_owned()));
    }
    if let Some(name) = expr.strip_prefix("$request.path.") {
        return case.path_params.get(name).cloned();
    }
    if let Some(name) = expr.strip_prefix("$request.query.") {
        return case.query.get(name).cloned();
    }
    if let Some(name) = expr.strip_prefix("$request.header.") {
        return case
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone());
    }
    if let Some(pointer) = expr.strip_prefix("$request.body#") {
        return case.body.as_ref()?.value.pointer(pointer).cloned();
    }
    None
}
