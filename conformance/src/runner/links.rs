//! OpenAPI links: how a response feeds a later request (`$response.body#/hero/hero_id` into the
//! `hero_id` path parameter of `getPlayerHero`). The stateful phase follows them.

use std::borrow::Cow;

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
    /// The request body to send (`requestBody`): a runtime expression, or a literal value whose
    /// strings may each be one embedded expression (`'{$request.body#/attributes/0/key}'`),
    /// replaced by its value ([`body`]).
    pub request_body: Option<Value>,
    /// `x-undoes: true`: following the link undoes the write its response answers (withdraws
    /// the friend request just sent, unblocks the player just blocked), as a link to a DELETE
    /// of what the write made does. Fuzz rounds follow such links to clean up after themselves.
    pub undoes: bool,
    /// `x-each: '$request.body#/payload'`: the write made one thing per item of that array
    /// (a storage key per entry written), and the link reaches the first one's (its parameters
    /// read item `0`). Fuzz clean-up follows it once per item ([`Link::per_item`]); the
    /// stateful phase, like any other tool, once as written.
    pub each: Option<String>,
    /// `x-where: {/character/name: '$request.body#/name'}`, with `x-each`: of the array's items,
    /// the one whose value at each pointer is the expression's (the character just created, in
    /// an answer listing every character). The link is followed for that item only, and not at
    /// all when no item or several items match: it must not reach something the write did
    /// not make.
    pub filter: Vec<(String, Value)>,
}

/// At most this many items of an `x-each` array are followed: an answer may be that array,
/// and a server can make it as long as it likes.
pub const MAX_EACH: usize = 256;

impl Link {
    /// The link as the stateful phase follows it: once as written, like any other tool, except
    /// that a link with `x-where` reaches only the item it selects ([`Link::per_item`]), since
    /// as written it would reach the first item, which the write need not have made.
    pub fn as_followed(&self, exchange: &Exchange) -> Vec<Cow<'_, Link>> {
        match self.filter.is_empty() {
            true => vec![Cow::Borrowed(self)],
            false => self.per_item(exchange),
        }
    }

    /// The link once per item of its `x-each` array in `exchange` (at most [`MAX_EACH`]), or
    /// for the one item its `x-where` selects: each a copy whose parameters read that item
    /// where the link's read item `0`. Itself when it has no `x-each`, or when the array is
    /// not one in this exchange; nothing when `x-where` selects no item or several.
    pub fn per_item(&self, exchange: &Exchange) -> Vec<Cow<'_, Link>> {
        let Some(each) = &self.each else {
            return vec![Cow::Borrowed(self)];
        };
        let Some(Value::Array(items)) = evaluate(&Value::String(each.clone()), exchange) else {
            return vec![Cow::Borrowed(self)];
        };
        let wanted: Option<Vec<(&str, Value)>> = self
            .filter
            .iter()
            .map(|(at, expression)| Some((at.as_str(), evaluate(expression, exchange)?)))
            .collect();
        let Some(wanted) = wanted else {
            return Vec::new();
        };
        let chosen: Vec<usize> = items
            .iter()
            .take(MAX_EACH)
            .enumerate()
            .filter(|(_, item)| wanted.iter().all(|(at, v)| item.pointer(at) == Some(v)))
            .map(|(i, _)| i)
            .collect();
        if !self.filter.is_empty() && chosen.len() != 1 {
            return Vec::new();
        }
        let first = format!("{each}/0");
        chosen
            .into_iter()
            .map(|i| {
                let mut link = self.clone();
                let at_item = |text: &str| {
                    let rest = text.strip_prefix(&first)?;
                    (rest.is_empty() || rest.starts_with('/')).then(|| format!("{each}/{i}{rest}"))
                };
                for (_, expression) in &mut link.parameters {
                    if let Some(text) = expression.as_str().and_then(at_item) {
                        *expression = Value::String(text);
                    }
                }
                if let Some(body) = &mut link.request_body {
                    strings(body, &mut |text| match embedded(text) {
                        Some(inner) => at_item(inner).map(|t| format!("{{{t}}}")),
                        None => at_item(text),
                    });
                }
                Cow::Owned(link)
            })
            .collect()
    }
}

/// The runtime expression `text` embeds as a whole (`'{$request.path.id}'`), if it does.
fn embedded(text: &str) -> Option<&str> {
    text.strip_prefix('{')?
        .strip_suffix('}')
        .filter(|inner| inner.starts_with('$'))
}

/// Replace each string of `value` for which `edit` gives a new text.
fn strings(value: &mut Value, edit: &mut impl FnMut(&str) -> Option<String>) {
    match value {
        Value::String(text) => {
            if let Some(new) = edit(text) {
                *text = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strings(v, edit)),
        Value::Object(map) => map.values_mut().for_each(|v| strings(v, edit)),
        _ => {}
    }
}

/// A link's `requestBody` against a finished exchange: a runtime expression is its value; in a
/// literal value, each string that is one embedded expression (`'{$request.path.id}'`) is that
/// expression's value. `None` when an expression has no value in this exchange.
pub fn body(template: &Value, exchange: &Exchange) -> Option<Value> {
    match template {
        Value::String(text) if text.starts_with('$') => evaluate(template, exchange),
        _ => literal(template, exchange),
    }
}

/// [`body`] of a literal value: only strings that are one embedded expression are read.
fn literal(template: &Value, exchange: &Exchange) -> Option<Value> {
    match template {
        Value::String(text) => match embedded(text) {
            Some(inner) => evaluate(&Value::String(inner.to_owned()), exchange),
            None => Some(template.clone()),
        },
        Value::Array(items) => items
            .iter()
            .map(|v| literal(v, exchange))
            .collect::<Option<_>>()
            .map(Value::Array),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Some((k.clone(), literal(v, exchange)?)))
            .collect::<Option<serde_json::Map<_, _>>>()
            .map(Value::Object),
        other => Some(other.clone()),
    }
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
                each: link
                    .get("x-each")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                request_body: link.get("requestBody").cloned(),
                filter: link
                    .get("x-where")
                    .and_then(Value::as_object)
                    .map(|w| w.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::case::{CaseBody, Intent};
    use crate::checks::fixture::{case, exchange, response};

    fn written(payload: Value) -> Exchange {
        let mut case = case("getItem", Intent::Valid);
        case.body = Some(CaseBody {
            media_type: "application/json".into(),
            value: json!({ "payload": payload }),
            raw: None,
        });
        exchange(case, Ok(response(200, &[], "{}")))
    }

    fn link(each: Option<&str>) -> Link {
        Link {
            name: "DeleteWrittenKeys".into(),
            status: 200,
            operation: "deleteItem".into(),
            parameters: vec![
                ("key".into(), json!("$request.body#/payload/0/key")),
                ("deep".into(), json!("$request.body#/payload/0")),
                ("tenth".into(), json!("$request.body#/payload/01/key")),
                ("fixed".into(), json!(7)),
            ],
            undoes: false,
            each: each.map(str::to_owned),
            filter: Vec::new(),
            request_body: Some(
                json!({"removing": ["{$request.body#/payload/0/key}"], "kind": "x"}),
            ),
        }
    }

    fn keys(links: &[Cow<'_, Link>], from: &Exchange) -> Vec<Value> {
        links
            .iter()
            .map(|l| {
                let values = l.parameters.iter().map(|(_, e)| evaluate(e, from));
                Value::Array(values.map(|v| v.unwrap_or(Value::Null)).collect())
            })
            .collect()
    }

    #[test]
    fn an_each_link_reads_every_item_where_it_read_the_first() {
        let from = written(json!([{"key": "a"}, {"key": "b"}, {"key": "c"}]));
        let each = link(Some("$request.body#/payload"));
        let per_item = each.per_item(&from);
        // Item 0 only where the pointer goes on from `/0` (not `/01`); constants stay.
        assert_eq!(
            keys(&per_item, &from),
            [
                json!(["a", {"key": "a"}, null, 7]),
                json!(["b", {"key": "b"}, null, 7]),
                json!(["c", {"key": "c"}, null, 7]),
            ]
        );
        // Without `x-each`, or with one that is not an array here: the link as written.
        for once in [link(None), link(Some("$request.body#/payload/0"))] {
            let followed = once.per_item(&from);
            assert_eq!(followed.len(), 1);
            assert_eq!(*followed[0], once);
        }
        // The body reads the same item as the parameters.
        let bodies: Vec<Value> = per_item
            .iter()
            .map(|l| body(l.request_body.as_ref().unwrap(), &from).unwrap())
            .collect();
        assert_eq!(
            bodies,
            ["a", "b", "c"].map(|k| json!({"removing": [k], "kind": "x"}))
        );
        // An empty array: nothing to undo.
        assert!(each.per_item(&written(json!([]))).is_empty());
    }

    #[test]
    fn a_link_body_is_its_expression_or_its_literal_with_embedded_expressions_read() {
        let from = written(json!([{"key": "a"}]));
        let read = |template: Value| body(&template, &from);
        assert_eq!(
            read(json!("$request.body#/payload/0")),
            Some(json!({"key": "a"}))
        );
        assert_eq!(
            read(json!({"keys": ["{$request.body#/payload/0/key}", "{x}", "$x"], "n": 1})),
            Some(json!({"keys": ["a", "{x}", "$x"], "n": 1}))
        );
        // An expression without a value here: no body, so the link is not followed.
        assert_eq!(
            read(json!({"keys": ["{$request.body#/payload/9/key}"]})),
            None
        );
    }

    #[test]
    fn a_where_link_follows_only_the_one_item_it_selects() {
        let mut from = written(json!([{"key": "a"}, {"key": "b"}, {"key": "b"}]));
        let mut one = link(Some("$request.body#/payload"));
        one.filter = vec![("/key".into(), json!("$request.header.X-Key"))];
        let select = |from: &mut Exchange, key: &str| {
            from.case.headers.insert("X-Key".into(), json!(key));
        };
        select(&mut from, "a");
        let followed = one.per_item(&from);
        assert_eq!(
            keys(&followed, &from),
            [json!(["a", {"key": "a"}, null, 7])]
        );
        // Two items match, none matches, or the value to match is not there: nothing.
        for key in ["b", "c"] {
            select(&mut from, key);
            assert!(one.per_item(&from).is_empty(), "{key}");
        }
        from.case.headers.clear();
        assert!(one.per_item(&from).is_empty());
    }

    #[test]
    fn an_each_link_follows_at_most_max_each_items() {
        let many: Vec<Value> = (0..MAX_EACH + 10).map(|i| json!({"key": i})).collect();
        let from = written(Value::Array(many));
        let each = link(Some("$request.body#/payload"));
        let per_item = each.per_item(&from);
        assert_eq!(per_item.len(), MAX_EACH);
        assert_eq!(
            keys(&per_item[MAX_EACH - 1..], &from)[0][0],
            json!(MAX_EACH - 1)
        );
    }
}
