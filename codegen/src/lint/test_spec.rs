//! A small valid spec for rule tests; each test breaks one thing in it.

use std::path::Path;

use serde_json::{Value, json};

use gamespec_spec::load::{Document, parse};

/// A spec every rule accepts: two operations, one session-start and one secured.
pub fn good() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "tags": [{"name": "Players", "description": "Player calls."}],
        "paths": {
            "/session": {"post": {
                "operationId": "startSession",
                "summary": "Start Session",
                "description": "Starts a session.",
                "tags": ["Players"],
                "security": [],
                "x-session-start": true,
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SessionRequest"},
                    "example": {"game_key": "k"}
                }}},
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Session"},
                        "example": {"session_token": "t"}
                    }}},
                    "400": {"$ref": "#/components/responses/BadRequest"}
                }
            }},
            "/players/{id}": {"get": {
                "operationId": "getPlayer",
                "summary": "Get Player",
                "description": "Reads a player.",
                "tags": ["Players"],
                "security": [{"token": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "example": 3}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Session"},
                        "example": {"session_token": "t"}
                    }}},
                    "400": {"$ref": "#/components/responses/BadRequest"}
                }
            }}
        },
        "components": {
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "x-token"}},
            "responses": {"BadRequest": {"description": "bad", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": {"message": "no"}
            }}}},
            "schemas": {
                "SessionRequest": {"type": "object", "required": ["game_key"], "properties": {"game_key": {"type": "string"}}},
                "Session": {"type": "object", "required": ["session_token"], "properties": {"session_token": {"type": "string"}}},
                "Error": {"type": "object", "properties": {"message": {"type": "string"}}}
            }
        }
    })
}

/// Serialize `spec` to YAML-compatible JSON text and load it as a document.
pub fn doc(spec: &Value) -> Document {
    let text = serde_json::to_string_pretty(spec).expect("a JSON value serializes");
    parse(Path::new("test.yaml"), &text).expect("test specs are valid OpenAPI")
}

/// Findings of one rule on `spec`.
pub fn findings(rule: &dyn super::Rule, spec: &Value) -> Vec<super::Finding> {
    super::run(&doc(spec), &[rule])
}
