//! Error answers in the API's documented shape: the response's example with the explanation
//! written into every `message`/`description` string field (also `*_message`/`*_description`)
//! and the offending parameter into `param` where the schema has that property.
//!
//! Everything about an error answer but its explanation is fixed per documented response: the
//! body it starts from (the first example, or a value drawn from a fixed seed), its headers and
//! the places the explanation goes. [`Refusals`] works them out once per response: a fuzz run
//! is refused on about every other request, and looking the places up in the schema again
//! each time cost more than the rest of the answer.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::mock::data::Draws;
use crate::mock::respond::{Body, Reply, body_of, headers};
use gamespec_spec::shape::{deref, property, type_name};
use gamespec_spec::spec::{Response, Spec};

/// Objects and lists nested deeper than this take no explanation (a cycle ends there).
const MAX_DEPTH: usize = 8;

/// The error answer of `response` (the spec documents none: a minimal JSON body) with
/// `message` and `param` written in. If the result does not validate against the response
/// schema, the unchanged example is sent.
pub fn error(
    spec: &Spec,
    response: Option<&Response>,
    status: u16,
    message: &str,
    param: Option<&str>,
) -> Reply {
    match response {
        Some(response) => Template::of(spec, response).reply(response, status, message, param),
        None => minimal(status, message),
    }
}

/// [`error`] for the responses of one spec, each worked out once.
#[derive(Debug)]
pub struct Refusals {
    spec: Arc<Spec>,
    /// By the address of each response of `spec` (its operations' and its error shape): the
    /// spec is held here and never changes, so an address names one response for as long as
    /// the map exists, and a response of another spec is never found in it.
    templates: HashMap<usize, OnceLock<Template>>,
}

impl Refusals {
    /// Error answers for the responses of `spec`.
    pub fn new(spec: Arc<Spec>) -> Refusals {
        let templates = spec
            .operations
            .iter()
            .flat_map(|op| &op.responses)
            .chain(&spec.error_shape)
            .map(|r| (address(r), OnceLock::new()))
            .collect();
        Refusals { spec, templates }
    }

    /// [`error`] for `response`, a response of this spec (another one's is worked out anew).
    pub fn reply(
        &self,
        response: Option<&Response>,
        status: u16,
        message: &str,
        param: Option<&str>,
    ) -> Reply {
        let Some(response) = response else {
            return minimal(status, message);
        };
        match self.templates.get(&address(response)) {
            Some(cell) => cell
                .get_or_init(|| Template::of(&self.spec, response))
                .reply(response, status, message, param),
            None => error(&self.spec, Some(response), status, message, param),
        }
    }
}

fn address(response: &Response) -> usize {
    std::ptr::from_ref(response) as usize
}

/// The answer when the spec documents no error response at all: a minimal JSON body is all
/// that can be said.
fn minimal(status: u16, message: &str) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: Body::Json(
            "application/json".into(),
            serde_json::json!({ "message": message }),
        ),
    }
}

/// An error answer of one response before its explanation.
#[derive(Debug)]
struct Template {
    headers: Vec<(String, String)>,
    /// The body's value, if the response has content.
    body: Option<Value>,
    /// The string fields that take the message, as paths into `body`.
    messages: Vec<Vec<Step>>,
    /// The objects whose schema has a string `param` property, as paths into `body`: they take
    /// the offending parameter.
    params: Vec<Vec<Step>>,
}

/// One step of a path into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

impl Template {
    fn of(spec: &Spec, response: &Response) -> Template {
        // Error answers are fixed per response, so fixed seeds are right here (one for the
        // headers, one for a body the spec gives no example of).
        let mut template = Template {
            headers: headers(spec, response, &mut Draws::seeded(0)),
            body: None,
            messages: Vec::new(),
            params: Vec::new(),
        };
        if let Some(media) = &response.content {
            let body = match media.examples.first() {
                Some(e) => e.value.clone(),
                None => Draws::seeded(0)
                    .value(&spec.root, &media.schema)
                    .unwrap_or_default(),
            };
            template.find(
                &spec.root,
                &body,
                Some(&media.schema),
                true,
                &mut Vec::new(),
            );
            template.body = Some(body);
        }
        template
    }

    /// Note where in `value` (at `path`, of schema `schema`) the explanation goes: every string
    /// under an explanation key; `param` in objects whose schema has a string `param`, outside
    /// lists (`takes_param`). Nothing under an existing `param` key is looked at.
    fn find(
        &mut self,
        root: &Value,
        value: &Value,
        schema: Option<&Value>,
        takes_param: bool,
        path: &mut Vec<Step>,
    ) {
        if path.len() > MAX_DEPTH {
            return;
        }
        match value {
            Value::Object(map) => {
                if takes_param
                    && let Some(schema) = schema
                    && property(root, schema, "param")
                        .is_some_and(|p| type_name(root, p) == Some("string"))
                {
                    self.params.push(path.clone());
                }
                for (k, v) in map {
                    path.push(Step::Key(k.clone()));
                    if is_explanation(k) && v.is_string() {
                        self.messages.push(path.clone());
                    } else if k != "param" && (v.is_object() || v.is_array()) {
                        let sub = schema.and_then(|s| property(root, s, k));
                        self.find(root, v, sub, takes_param, path);
                    }
                    path.pop();
                }
            }
            Value::Array(items) => {
                let sub = schema.and_then(|s| deref(root, s).get("items"));
                for (i, v) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    self.find(root, v, sub, false, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// The body with `message` and `param` written in.
    fn explained(&self, body: &Value, message: &str, param: Option<&str>) -> Value {
        let mut out = body.clone();
        if let Some(param) = param {
            for path in &self.params {
                if let Some(Value::Object(map)) = at(&mut out, path) {
                    map.insert("param".into(), Value::String(param.to_owned()));
                }
            }
        }
        for path in &self.messages {
            if let Some(slot) = at(&mut out, path) {
                *slot = Value::String(message.to_owned());
            }
        }
        out
    }

    fn reply(&self, response: &Response, status: u16, message: &str, param: Option<&str>) -> Reply {
        let body = match (&response.content, &self.body) {
            (Some(media), Some(example)) => {
                let explained = self.explained(example, message, param);
                // The example is copied again only in the rare case that the explanation broke
                // it (a message longer than a `maxLength`, say).
                let value = if media.validator.is_valid(&explained) {
                    explained
                } else {
                    example.clone()
                };
                body_of(&media.media_type, value)
            }
            _ => Body::Empty,
        };
        Reply {
            status,
            headers: self.headers.clone(),
            body,
        }
    }
}

fn is_explanation(key: &str) -> bool {
    key == "message"
        || key == "description"
        || key.ends_with("_message")
        || key.ends_with("_description")
}

/// The value at `path` in `value`.
fn at<'v>(value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |here, step| match step {
        Step::Key(k) => here.get_mut(k.as_str()),
        Step::Index(i) => here.get_mut(*i),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn explained(schema: Value, body: Value, param: Option<&str>) -> Value {
        let mut template = Template {
            headers: Vec::new(),
            body: None,
            messages: Vec::new(),
            params: Vec::new(),
        };
        template.find(&json!({}), &body, Some(&schema), true, &mut Vec::new());
        template.explained(&body, "new", param)
    }

    #[test]
    fn explanation_goes_into_message_fields_and_param() {
        let schema = json!({"type": "object", "properties": {
            "message": {"type": "string"}, "param": {"type": "string"},
            "error": {"type": "object", "properties": {"description": {"type": "string"}}}}});
        let body = json!({"message": "old", "error": {"description": "old", "code": "1"}});
        assert_eq!(
            explained(schema.clone(), body.clone(), Some("count")),
            json!({"message": "new", "param": "count", "error": {"description": "new", "code": "1"}})
        );
        // Without a parameter, only the messages change.
        assert_eq!(
            explained(schema, body, None),
            json!({"message": "new", "error": {"description": "new", "code": "1"}})
        );
    }

    #[test]
    fn lists_take_messages_but_no_param_and_param_keys_are_left_alone() {
        let item = json!({"type": "object", "properties": {
            "error_message": {"type": "string"}, "param": {"type": "string"}}});
        let schema = json!({"type": "object", "properties": {
            "errors": {"type": "array", "items": item},
            "param": {"type": "object"}}});
        let body = json!({"errors": [{"error_message": "a"}, {"error_message": "b", "code": 2}],
                          "param": {"message": "kept"}});
        assert_eq!(
            explained(schema, body, Some("count")),
            json!({"errors": [{"error_message": "new"}, {"error_message": "new", "code": 2}],
                   "param": {"message": "kept"}})
        );
    }

    #[test]
    fn a_cached_answer_is_the_answer_worked_out_anew() {
        let spec = Arc::new(Spec::load("xsolla").expect("the embedded spec loads"));
        let refusals = Refusals::new(spec.clone());
        for op in spec.operations.iter().take(40) {
            for response in op.responses.iter().filter(|r| r.status >= 400) {
                for param in [None, Some("email")] {
                    let fresh = error(&spec, Some(response), response.status, "why", param);
                    for _ in 0..2 {
                        let cached = refusals.reply(Some(response), response.status, "why", param);
                        assert_eq!(format!("{cached:?}"), format!("{fresh:?}"), "{}", op.id);
                    }
                }
            }
        }
        // A response of another spec is answered, just not from the cache.
        let other = Spec::load("xsolla").expect("the embedded spec loads");
        let foreign = other.operations[0].responses.last().expect("a response");
        let answered = refusals.reply(Some(foreign), foreign.status, "why", None);
        assert_eq!(answered.status, foreign.status);
        let worked_out = refusals.templates.values().filter(|t| t.get().is_some());
        assert!(worked_out.count() > 10);
    }
}
