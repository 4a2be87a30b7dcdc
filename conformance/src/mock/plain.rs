//! Answers that never change: the default success answer (documented example, example headers)
//! of each operation that no game state, fault, `Prefer` or generated data can alter, serialized
//! once when the mock starts instead of cloned and serialized on every request.

use axum::body::Bytes;

use crate::mock::data::Draws;
use crate::mock::fault::FaultPlan;
use crate::mock::respond::{self, Body, Prefer, Reply};
use crate::mock::state::Engine;
use gamespec_spec::spec::Spec;

/// The ready answers, by operation index (`None`: the answer is built per request).
#[derive(Debug, Default)]
pub struct Plain {
    answers: Vec<Option<Reply>>,
}

impl Plain {
    /// The ready answers of `spec`'s operations. None at all when the mock answers with
    /// generated data or has faults (they rewrite answers per request); none for session starts
    /// (fresh credentials), operations the behaviour `engine` plays, bodies that are not JSON,
    /// and answers with a documented header that has no example (its value is drawn per request).
    pub fn new(spec: &Spec, engine: Option<&Engine>, faults: &FaultPlan, dynamic: bool) -> Plain {
        if dynamic || !faults.is_empty() {
            return Plain::default();
        }
        let answers = spec
            .operations
            .iter()
            .enumerate()
            .map(|(index, op)| {
                if op.session_start || engine.is_some_and(|e| e.touches(index)) {
                    return None;
                }
                let response = op.success()?;
                let drawn_header = response.headers.iter().any(|h| {
                    h.example.is_none()
                        && !h.name.eq_ignore_ascii_case("content-type")
                        && !h.name.eq_ignore_ascii_case("content-length")
                });
                let has_example = response
                    .content
                    .as_ref()
                    .is_some_and(|m| !m.examples.is_empty());
                if drawn_header || !has_example {
                    return None;
                }
                // The randomness is unused: the answer is the example with example headers.
                let mut unused = Draws::seeded(0);
                let reply =
                    respond::success(spec, op, &Prefer::default(), false, &mut unused).ok()?;
                let Body::Json(media, value) = reply.body else {
                    return None;
                };
                let bytes = serde_json::to_vec(&value).ok()?;
                Some(Reply {
                    body: Body::Serialized(media, Bytes::from(bytes)),
                    ..reply
                })
            })
            .collect();
        Plain { answers }
    }

    /// The ready answer of operation `index` for a request with `prefer`, if there is one:
    /// a request asking for anything but the default answer gets none.
    pub fn answer(&self, index: usize, prefer: &Prefer) -> Option<Reply> {
        if *prefer != Prefer::default() {
            return None;
        }
        self.answers.get(index)?.clone()
    }

    /// How many operations have a ready answer.
    pub fn len(&self) -> usize {
        self.answers.iter().flatten().count()
    }

    /// Whether no operation has a ready answer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gamespec_spec::registry::Profile;
    use serde_json::json;

    fn spec() -> Spec {
        let answer = |example: serde_json::Value| {
            json!({"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "object"}, "example": example}}}})
        };
        let root = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/ping": {"get": {"operationId": "ping", "responses": answer(json!({"ok": true}))}},
            "/clock": {"get": {"operationId": "clock", "responses": {"200": {"description": "ok",
                "headers": {"x-now": {"schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": {"type": "object"}, "example": {}}}}}}},
        }});
        Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap()
    }

    #[test]
    fn the_default_example_answer_is_serialized_once() {
        let spec = spec();
        let faults = FaultPlan::new(&spec, &[]).unwrap();
        let plain = Plain::new(&spec, None, &faults, false);
        let ping = spec.operations.iter().position(|o| o.id == "ping").unwrap();
        let reply = plain.answer(ping, &Prefer::default()).unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.body,
            Body::Serialized("application/json".into(), Bytes::from(r#"{"ok":true}"#))
        );
        let asks = Prefer {
            code: Some(200),
            ..Prefer::default()
        };
        assert_eq!(
            plain.answer(ping, &asks),
            None,
            "Prefer is answered per request"
        );
        assert_eq!(
            plain.len(),
            1,
            "a header without example is drawn per request"
        );
        assert!(Plain::new(&spec, None, &faults, true).is_empty());
    }
}
