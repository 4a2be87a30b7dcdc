//! What the checks' unit tests share: a small spec that documents every situation a check looks
//! at, and builders for hand-made cases, responses and exchanges.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::json;

use crate::case::{Case, Intent, Phase};
use crate::checks::{Check, CheckContext, CheckSettings, Outcome};
use crate::exchange::{Exchange, WireRequest, WireResponse};
use gamespec_spec::registry::Profile;
use gamespec_spec::spec::Spec;

/// The fixture spec: `getItem` (JSON body, required and optional headers, a documented 503, a
/// `problem+json` 400), `deleteItem` (a 204 without content), `getFeed` (two text media types)
/// and `getEvent` (a `oneOf` body with a discriminator).
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let error = json!({"description": "error", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}});
        let doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "fixture", "version": "1"},
            "components": {
                "securitySchemes": {
                    "sessionToken": {"type": "apiKey", "in": "header", "name": "x-session-token"}
                },
                "headers": {"RetryAfter": {"schema": {"type": "integer", "minimum": 0}}},
                "schemas": {
                    "Item": {"type": "object", "required": ["id", "name"], "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    }},
                    "Error": {"type": "object", "required": ["message"], "properties": {
                        "message": {"type": "string"}}},
                    "Click": {"type": "object", "required": ["kind", "x"], "properties": {
                        "kind": {"type": "string", "enum": ["click"]},
                        "x": {"type": "integer"}}},
                    "Scroll": {"type": "object", "required": ["kind", "dy"], "properties": {
                        "kind": {"type": "string", "enum": ["scroll"]},
                        "dy": {"type": "integer"}}},
                    "Event": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Click"},
                            {"$ref": "#/components/schemas/Scroll"}
                        ],
                        "discriminator": {"propertyName": "kind", "mapping": {
                            "click": "#/components/schemas/Click",
                            "scroll": "#/components/schemas/Scroll"}}
                    }
                }
            },
            "paths": {
                "/items/{id}": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}
                    ],
                    "get": {
                        "operationId": "getItem",
                        "security": [{"sessionToken": []}],
                        "responses": {
                            "200": {
                                "description": "the item",
                                "headers": {
                                    "X-Remaining": {"required": true,
                                        "schema": {"type": "integer", "minimum": 0}},
                                    "X-Tags": {"schema": {"type": "array",
                                        "items": {"type": "string", "enum": ["new", "hot"]}}},
                                    "Content-Type": {"required": true,
                                        "schema": {"type": "integer"}}
                                },
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Item"}}}
                            },
                            "400": {"description": "bad", "content": {"application/problem+json": {
                                "schema": {"$ref": "#/components/schemas/Error"}}}},
                            "401": error,
                            "404": error,
                            "429": {
                                "description": "slow down",
                                "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}}}
                            },
                            "503": error
                        }
                    },
                    "delete": {
                        "operationId": "deleteItem",
                        "security": [{"sessionToken": []}],
                        "responses": {"204": {"description": "deleted"}, "401": error}
                    }
                },
                "/feed": {"get": {
                    "operationId": "getFeed",
                    "responses": {"200": {"description": "lines", "content": {
                        "text/plain": {"schema": {"type": "string"}},
                        "application/x-ndjson": {"schema": {"type": "string"}}
                    }}}
                }},
                "/events/latest": {"get": {
                    "operationId": "getEvent",
                    "responses": {"200": {"description": "an event", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}}}
                }}
            }
        });
        Spec::from_value(PathBuf::from("fixture.yaml"), doc, Profile::generic())
            .unwrap_or_else(|e| panic!("the fixture spec is valid: {e}"))
    })
}

/// A case of fixture operation `operation` with `intent`, sent with configured credentials and
/// no parameters.
pub fn case(operation: &str, intent: Intent) -> Case {
    let op = spec()
        .operation(operation)
        .unwrap_or_else(|| panic!("no fixture operation {operation}"));
    Case::new(op, Phase::Examples, intent)
}

/// A response with `status`, `headers` and `body`, received in 5 ms.
pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> WireResponse {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
        .collect();
    let mut response = WireResponse::new(status, headers, body.to_owned());
    response.elapsed = Duration::from_millis(5);
    response
}

/// `case` sent and answered with `response` (or the transport error).
pub fn exchange(case: Case, response: Result<WireResponse, String>) -> Exchange {
    Exchange {
        request: WireRequest {
            method: case.method.clone(),
            url: format!("http://127.0.0.1:9{}", case.path),
            headers: Vec::new(),
            body: None,
            parts: None,
        },
        case,
        response,
    }
}

/// Run `check` on `exchange` with default settings.
pub fn run(check: &dyn Check, exchange: &Exchange) -> Outcome {
    run_with(check, exchange, &CheckSettings::default())
}

/// Run `check` on `exchange` with `settings`.
pub fn run_with(check: &dyn Check, exchange: &Exchange, settings: &CheckSettings) -> Outcome {
    let spec = spec();
    let operation = spec
        .operation(&exchange.case.operation)
        .unwrap_or_else(|| panic!("no fixture operation {}", exchange.case.operation));
    check.check(
        &CheckContext {
            spec,
            operation,
            settings,
        },
        exchange,
    )
}

/// The `actual` side of a failure, or a panic naming what came instead (tests only).
pub fn actual(outcome: Outcome) -> String {
    match outcome {
        Outcome::Fail(f) => f.actual,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// The `expected` side of a failure (tests only).
pub fn expected(outcome: Outcome) -> String {
    match outcome {
        Outcome::Fail(f) => f.expected,
        other => panic!("expected a failure, got {other:?}"),
    }
}
